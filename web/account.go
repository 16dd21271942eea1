package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

func (s *site) registerForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "register", s.newPage(r, "注册"))
}

func (s *site) register(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "注册")
	p.Form["phone"] = r.PostFormValue("phone")
	p.Form["display_name"] = r.PostFormValue("display_name")
	// Consent is never pre-ticked and must be given (PIPL Art. 14).
	if r.PostFormValue("consent") != "yes" {
		p.Errors["consent"] = "请阅读并同意个人信息处理说明"
		s.render(w, r, http.StatusUnprocessableEntity, "register", p)
		return
	}
	p.Form["consent"] = "yes"
	a, err := s.svc.Identity.RegisterResident(r.Context(), identity.RegisterInput{
		Phone: p.Form["phone"], Password: r.PostFormValue("password"), DisplayName: p.Form["display_name"]})
	if err != nil {
		s.render(w, r, s.formError(r, &p, err), "register", p)
		return
	}
	http.Redirect(w, r, "/verify?flash=registered&phone="+url.QueryEscape(*a.Phone), http.StatusSeeOther)
}

func (s *site) verifyForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "验证手机号码")
	p.Form["phone"] = r.URL.Query().Get("phone")
	s.render(w, r, http.StatusOK, "verify", p)
}

func (s *site) verify(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "验证手机号码")
	p.Form["phone"] = r.PostFormValue("phone")
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		p.Errors["code"] = "请输入验证码"
		s.render(w, r, http.StatusUnprocessableEntity, "verify", p)
		return
	}
	if _, err := s.svc.Identity.VerifyPhone(r.Context(), p.Form["phone"], code); err != nil {
		s.render(w, r, s.formError(r, &p, err), "verify", p)
		return
	}
	if currentAccount(r) != nil {
		http.Redirect(w, r, "/me?flash=verified", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?flash=verified&login="+url.QueryEscape(p.Form["phone"]), http.StatusSeeOther)
}

func (s *site) resend(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "验证手机号码")
	p.Form["phone"] = r.PostFormValue("phone")
	if err := s.svc.Identity.ResendVerificationCode(r.Context(), p.Form["phone"]); err != nil {
		status := s.formError(r, &p, err)
		if msg, ok := p.Errors["phone"]; ok {
			p.Message = msg
		}
		s.render(w, r, status, "verify", p)
		return
	}
	http.Redirect(w, r, "/verify?flash=resent&phone="+url.QueryEscape(p.Form["phone"]), http.StatusSeeOther)
}

func (s *site) loginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "登录")
	p.Form["login"] = r.URL.Query().Get("login")
	p.Form["next"] = r.URL.Query().Get("next")
	s.render(w, r, http.StatusOK, "login", p)
}

func (s *site) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "登录")
	p.Form["login"] = r.PostFormValue("login")
	p.Form["next"] = r.PostFormValue("next")
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
	s.render(w, r, http.StatusOK, "me", s.newPage(r, "我的账号"))
}
