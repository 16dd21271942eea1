package web

import (
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// What a person does for their own account (issue 15): change the
// password, reset a forgotten one by SMS code (residents), see their
// sessions and sign out other devices.

func init() {
	pageNames = append(pageNames, "password_change", "password_forgot", "password_reset", "my_sessions")
	maps.Copy(flashText, map[string]string{
		"password_changed": "密码已修改。其他设备上的登录已失效。",
		"reset_sent":       "如该号码已注册并完成验证，验证码已通过短信发送，10分钟内有效。",
		"reset_done":       "密码已重置，所有设备上的登录已失效。请用新密码登录。",
		"session_revoked":  "已退出该设备的登录。",
	})
}

func (s *site) mountLifecycle(r chi.Router) {
	r.Get("/me/password", s.passwordForm)
	r.Post("/me/password", s.changePassword)
	r.Get("/forgot-password", s.phoneForm("password_forgot", "忘记密码", false))
	r.Post("/forgot-password", s.requestReset)
	r.Get("/forgot-password/confirm", s.phoneForm("password_reset", "重置密码", false))
	r.Post("/forgot-password/confirm", s.confirmReset)
	r.Get("/me/sessions", s.mySessions)
	r.Post("/me/sessions/{id}/revoke", s.revokeSession)
}

func (s *site) signedInOr(w http.ResponseWriter, r *http.Request) bool {
	if currentAccount(r) == nil {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
		return false
	}
	return true
}

func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func (s *site) passwordForm(w http.ResponseWriter, r *http.Request) {
	if s.signedInOr(w, r) {
		s.render(w, r, http.StatusOK, "password_change", s.newPage(r, "修改密码"))
	}
}

func (s *site) changePassword(w http.ResponseWriter, r *http.Request) {
	if !s.signedInOr(w, r) || !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "修改密码")
	if r.PostFormValue("new_password") != r.PostFormValue("new_password2") {
		p.Errors["new_password2"] = "两次输入的新密码不一致"
		s.render(w, r, http.StatusUnprocessableEntity, "password_change", p)
		return
	}
	err := s.svc.Identity.ChangePassword(r.Context(), currentAccount(r), sessionToken(r), r.PostFormValue("current_password"),
		r.PostFormValue("new_password"))
	if err != nil {
		s.render(w, r, s.formError(r, &p, err), "password_change", p)
		return
	}
	http.Redirect(w, r, "/me?flash=password_changed", http.StatusSeeOther)
}

func (s *site) requestReset(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "忘记密码")
	p.keepTrimmed(r, "phone")
	if err := s.svc.Identity.RequestPasswordReset(r.Context(), p.Form["phone"], obs.ClientFrom(r.Context()).Addr); err != nil {
		s.render(w, r, s.formError(r, &p, err), "password_forgot", p)
		return
	}
	phone, _ := identity.NormalizePhone(p.Form["phone"])
	s.setVerifyPhone(w, phone)
	http.Redirect(w, r, "/forgot-password/confirm?flash=reset_sent", http.StatusSeeOther)
}

func (s *site) confirmReset(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "重置密码")
	p.keepTrimmed(r, "phone", "code")
	// Every problem at once, in the form's order: the number and the new
	// password by the registration's rules (the form named only the code
	// when everything was missing, then the number on the next try).
	check := identity.RegisterInput{Phone: p.Form["phone"], Password: r.PostFormValue("new_password")}.Validate()
	var problems []errs.FieldError
	if e, ok := errs.As(renameField(check, "password", "new_password")); ok {
		problems = e.Fields
	}
	if p.Form["code"] == "" {
		problems = append(problems, errs.FieldError{Field: "code", Message: "请输入短信验证码"})
	}
	if r.PostFormValue("new_password") != r.PostFormValue("new_password2") {
		problems = append(problems, errs.FieldError{Field: "new_password2", Message: "两次输入的新密码不一致"})
	}
	order := map[string]int{"phone": 0, "code": 1, "new_password": 2, "new_password2": 3}
	sort.SliceStable(problems, func(i, j int) bool { return order[problems[i].Field] < order[problems[j].Field] })
	p.addFieldErrors(problems)
	if len(p.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "password_reset", p)
		return
	}
	err := s.svc.Identity.ConfirmPasswordReset(r.Context(), p.Form["phone"], p.Form["code"], r.PostFormValue("new_password"))
	if err != nil {
		s.render(w, r, s.formError(r, &p, renameField(err, "password", "new_password")), "password_reset", p)
		return
	}
	if currentAccount(r) != nil { // the session just ended with the others
		s.setSessionCookie(w, "", time.Time{})
	}
	http.Redirect(w, r, "/login?flash=reset_done", http.StatusSeeOther)
}

// sessionRow is a session as the page shows it.
type sessionRow struct {
	identity.SessionInfo
	Device string
}

// uaName names what a user agent is when it contains one of the words.
type uaName struct {
	words []string
	name  string
}

// The systems and browsers a user agent may say it is, in the order they
// are looked for, the more particular first: HarmonyOS user agents may
// also name Android, Android ones Linux, iPhone ones Mac OS; the apps and
// Chinese browsers (WeChat, QQ, Huawei …) also name Chrome or Safari, Edge
// names Chrome, Chrome on iPhone (CriOS) names Safari, and 企业微信 names
// WeChat (MicroMessenger).
var (
	uaSystems = []uaName{
		{[]string{"harmonyos", "openharmony"}, "鸿蒙手机"},
		{[]string{"iphone"}, "iPhone"},
		{[]string{"ipad"}, "iPad"},
		{[]string{"android"}, "安卓手机"},
		{[]string{"windows"}, "Windows 电脑"},
		{[]string{"mac os", "macintosh"}, "苹果电脑"},
		{[]string{"linux"}, "Linux 电脑"},
	}
	uaBrowsers = []uaName{
		{[]string{"wxwork"}, "企业微信"},
		{[]string{"micromessenger"}, "微信"},
		{[]string{"dingtalk"}, "钉钉"},
		{[]string{"alipayclient"}, "支付宝"},
		{[]string{"baiduboxapp"}, "百度 App"},
		{[]string{"qqbrowser"}, "QQ 浏览器"},
		{[]string{" qq/"}, "QQ"},
		{[]string{"ucbrowser", "ucweb"}, "UC 浏览器"},
		{[]string{"quark"}, "夸克浏览器"},
		{[]string{"huaweibrowser"}, "华为浏览器"},
		{[]string{"miuibrowser"}, "小米浏览器"},
		{[]string{"vivobrowser"}, "vivo 浏览器"},
		{[]string{"heytapbrowser", "oppobrowser"}, "OPPO 浏览器"},
		{[]string{"samsungbrowser"}, "三星浏览器"},
		{[]string{"qihoobrowser", "360se", "360ee"}, "360 浏览器"},
		{[]string{"sogoumobilebrowser", "metasr"}, "搜狗浏览器"},
		{[]string{"edg/", "edga/", "edgios/"}, "Edge 浏览器"},
		{[]string{"opr/", "opera"}, "Opera 浏览器"},
		{[]string{"firefox", "fxios"}, "Firefox 浏览器"},
		{[]string{"crios", "chrome", "chromium"}, "Chrome 浏览器"},
		{[]string{"safari"}, "Safari 浏览器"},
	}
)

// firstName is the name of the first of names whose words the lower-case
// user agent l contains ("" for none).
func firstName(l string, names []uaName) string {
	for _, n := range names {
		for _, w := range n.words {
			if strings.Contains(l, w) {
				return n.name
			}
		}
	}
	return ""
}

// deviceName says in plain words what a user agent is: the device and
// the browser or app, the way a resident would name them ("iPhone 上的
// Chrome 浏览器", "安卓手机上的微信"), with a space between Chinese and
// Latin letters as Chinese typesetting does.
func deviceName(ua string) string {
	l := strings.ToLower(ua)
	os, browser := firstName(l, uaSystems), firstName(l, uaBrowsers)
	if os == "安卓手机" && !strings.Contains(l, "mobile") {
		os = "安卓平板" // Android tablets leave "Mobile" out
	}
	switch {
	case os == "" && browser == "":
		if ua == "" {
			return "未知设备"
		}
		return "其他客户端"
	case os == "":
		return browser
	case browser == "":
		return os
	}
	return spaced(spaced(os, "上的"), browser)
}

// spaced joins a and b with a space where a Latin letter or digit meets a
// Chinese character.
func spaced(a, b string) string {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	if latin(last) != latin(first) {
		return a + " " + b
	}
	return a + b
}

// latin says whether r is an ASCII letter or digit.
func latin(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

func (s *site) mySessions(w http.ResponseWriter, r *http.Request) {
	if !s.signedInOr(w, r) {
		return
	}
	p := s.newPage(r, "我的登录设备")
	list, err := s.svc.Identity.ListMySessions(r.Context(), currentAccount(r), sessionToken(r))
	status := http.StatusOK
	if err != nil {
		status = s.formError(r, &p, err)
	}
	rows := make([]sessionRow, len(list))
	for i, x := range list {
		rows[i] = sessionRow{SessionInfo: x, Device: deviceName(x.UserAgent)}
	}
	p.Data = rows
	s.render(w, r, status, "my_sessions", p)
}

func (s *site) revokeSession(w http.ResponseWriter, r *http.Request) {
	if !s.signedInOr(w, r) || !s.parseForm(w, r) {
		return
	}
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这个登录会话。")
		return
	}
	if err := s.svc.Identity.RevokeSession(r.Context(), currentAccount(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/sessions?flash=session_revoked", http.StatusSeeOther)
}
