package web

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

func (s *site) registerForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "注册")
	// The form's one-time key: the same form sent twice (a double tap on
	// 注册并获取验证码, a resend after a lost answer) registers once and is
	// answered as the first was, not 验证码发送过于频繁.
	p.Form["key"] = rand.Text()
	s.render(w, r, http.StatusOK, "register", p)
}

func (s *site) register(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "注册")
	p.plainIDs = true
	p.keep(r, "phone", "display_name", "key")
	in := identity.RegisterInput{Phone: p.Form["phone"], Password: r.PostFormValue("password"), DisplayName: p.Form["display_name"],
		RequestKey: p.Form["key"]}
	// Every problem is shown at once: the fields the service checks and
	// the consent, which is never pre-ticked and must be given (PIPL Art. 14).
	if err := in.Validate(); err != nil {
		s.formError(r, &p, err)
	}
	if r.PostFormValue("consent") != "yes" {
		p.addFieldErrors([]errs.FieldError{{Field: "consent", Message: "请阅读并同意个人信息处理说明"}})
	} else {
		p.Form["consent"] = "yes"
	}
	if len(p.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "register", p)
		return
	}
	in.ClientAddr = obs.ClientFrom(r.Context()).Addr
	err := s.svc.Identity.Register(r.Context(), in)
	if err != nil {
		s.render(w, r, s.formError(r, &p, err), "register", p)
		return
	}
	phone, _ := identity.NormalizePhone(in.Phone)
	s.setVerifyPhone(w, phone)
	http.Redirect(w, r, "/verify?flash=registered", http.StatusSeeOther)
}

// verifyPhoneCookie carries the phone number being verified from the
// registration to the verification form, so the number is never in a URL
// (where it lands in logs, history and Referer headers), and on to the
// login form after verification. HttpOnly, strict, one hour; cleared at
// sign-in.
const verifyPhoneCookie = "canyu_verify_phone"

func (s *site) setVerifyPhone(w http.ResponseWriter, phone string) {
	c := &http.Cookie{Name: verifyPhoneCookie, Value: phone, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.svc.SecureCookies, MaxAge: 3600}
	if phone == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// phoneToVerify is the number the verify form is for: the signed-in
// account's, or the one just registered on this browser.
func phoneToVerify(r *http.Request) string {
	if a := currentAccount(r); a != nil && a.Phone != nil {
		return *a.Phone
	}
	if c, err := r.Cookie(verifyPhoneCookie); err == nil {
		if p, ok := identity.NormalizePhone(c.Value); ok {
			return p
		}
	}
	return ""
}

// phoneForm serves the form tmpl about the number being verified
// (phoneToVerify), filled in; plainIDs as on the page.
func (s *site) phoneForm(tmpl, title string, plainIDs bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.newPage(r, title)
		p.plainIDs = plainIDs
		p.Form["phone"] = phoneToVerify(r)
		s.render(w, r, http.StatusOK, tmpl, p)
	}
}

func (s *site) verify(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "验证手机号码")
	p.plainIDs = true
	p.keep(r, "phone")
	code := strings.TrimSpace(r.PostFormValue("code"))
	p.Form["code"] = code
	// Every problem at once, what was typed kept (the form named one a
	// try, and a missing number only as 验证码或密码不正确).
	var problems []errs.FieldError
	if _, ok := identity.NormalizePhone(p.Form["phone"]); !ok {
		problems = append(problems, errs.FieldError{Field: "phone", Message: "请输入有效的中国大陆手机号码（11位，以1开头）"})
	}
	if code == "" {
		problems = append(problems, errs.FieldError{Field: "code", Message: "请输入验证码"})
	}
	if r.PostFormValue("password") == "" {
		problems = append(problems, errs.FieldError{Field: "password", Message: "请输入注册时设置的密码"})
	}
	if len(problems) > 0 {
		p.addFieldErrors(problems)
		s.render(w, r, http.StatusUnprocessableEntity, "verify", p)
		return
	}
	if _, err := s.svc.Identity.VerifyPhone(r.Context(), p.Form["phone"], code, r.PostFormValue("password")); err != nil {
		s.render(w, r, s.formError(r, &p, err), "verify", p)
		return
	}
	if currentAccount(r) != nil {
		s.setVerifyPhone(w, "")
		http.Redirect(w, r, "/me?flash=verified", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?flash=verified", http.StatusSeeOther)
}

func (s *site) resend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "验证手机号码")
	p.keep(r, "phone")
	if err := s.svc.Identity.ResendVerificationCode(r.Context(), p.Form["phone"], obs.ClientFrom(r.Context()).Addr); err != nil {
		status := s.formError(r, &p, err)
		if msg, ok := p.Errors["phone"]; ok {
			p.Message = msg
		}
		s.render(w, r, status, "verify", p)
		return
	}
	if phone, ok := identity.NormalizePhone(p.Form["phone"]); ok && currentAccount(r) == nil {
		s.setVerifyPhone(w, phone)
	}
	http.Redirect(w, r, "/verify?flash=resent", http.StatusSeeOther)
}

func (s *site) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "登录")
	p.plainIDs = true
	p.Form["login"] = r.URL.Query().Get("login")
	if p.Form["login"] == "" {
		p.Form["login"] = phoneToVerify(r)
	}
	p.Form["next"] = r.URL.Query().Get("next")
	if c, err := r.Cookie(commentDraftCookie); err == nil && c.Value != "" && strings.HasPrefix(p.Form["next"], "/decisions/") {
		p.Flash = "登录已过期。您填写的意见已保存，登录后回到原来的表单，核对后再提交。"
	}
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *site) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "登录")
	p.plainIDs = true
	p.keep(r, "login", "next")
	if strings.TrimSpace(p.Form["login"]) == "" {
		p.Errors["login"] = "请输入手机号码或电子邮箱"
	}
	if r.PostFormValue("password") == "" {
		p.Errors["password"] = "请输入密码"
	}
	if len(p.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "login", p)
		return
	}
	c := obs.ClientFrom(r.Context())
	sess, err := s.svc.Identity.CreateSession(r.Context(), identity.LoginInput{Login: p.Form["login"], Password: r.PostFormValue("password"),
		ClientAddr: c.Addr, UserAgent: c.UserAgent})
	if err != nil {
		s.render(w, r, s.formError(r, &p, err), "login", p)
		return
	}
	s.setSessionCookie(w, sess.Token, sess.ExpiresAt)
	if _, err := r.Cookie(verifyPhoneCookie); err == nil {
		s.setVerifyPhone(w, "")
	}
	http.Redirect(w, r, safeNext(p.Form["next"]), http.StatusSeeOther)
}

func (s *site) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.svc.Identity.DeleteSession(r.Context(), c.Value); err != nil {
			s.renderError(w, r, http.StatusInternalServerError, "退出失败", "服务器内部错误，请稍后重试。")
			return
		}
	}
	s.setSessionCookie(w, "", time.Time{})
	http.Redirect(w, r, "/?flash=logged_out", http.StatusSeeOther)
}

func (s *site) me(w http.ResponseWriter, r *http.Request) {
	if currentAccount(r) == nil {
		http.Redirect(w, r, "/login?next=/me", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "me", s.mePage(r))
}

// meData is what the account page shows beside the account: the name of
// the agency staff belong to.
type meData struct {
	AgencyName string
}

// mePage is the account page of the signed-in account.
func (s *site) mePage(r *http.Request) page {
	p := s.newPage(r, "我的账号")
	if currentAccount(r).AgencyCode != nil {
		p.Data = meData{AgencyName: s.agencyName(r)}
	}
	return p
}
