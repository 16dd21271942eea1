// Package web serves the server-rendered pages (zh-CN, html/template with
// embedded templates and assets). Handlers call the same service methods as
// the JSON API, so a rule cannot differ between a page and the API.
package web

import (
	"bytes"
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pagecache"
	"github.com/canyu-gov/canyu/internal/services"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie is the cookie that carries the session token (shared with the API).
const SessionCookie = "canyu_session"

// maxFormBytes bounds a posted form; larger bodies are refused.
const maxFormBytes = 1 << 20

// Services are the domain services the pages call.
type Services = services.Set

type site struct {
	svc   Services
	pages map[string]*pageTemplate
	// cache holds the public pages served to anonymous readers (cache.go).
	cache *pagecache.Cache
}

// Mount adds the pages and static assets to r.
func Mount(r chi.Router, svc Services) {
	if svc.Logger == nil {
		svc.Logger = slog.Default()
	}
	s := &site{svc: svc, pages: parsePages()}
	s.cache = newPageCache(s)
	static, _ := fs.Sub(staticFS, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	r.Group(func(r chi.Router) {
		r.Use(s.session)
		r.Get("/", s.cached(nil, s.home))
		r.Get("/register", s.registerForm)
		r.Get("/elderly-mode", s.toggleElderly)
		r.Post("/register", s.register)
		r.Get("/verify", s.phoneForm("verify", "验证手机号码", true))
		r.Post("/verify", s.verify)
		r.Post("/verify/resend", s.resend)
		r.Get("/login", s.loginForm)
		r.Post("/login", s.login)
		r.Post("/logout", s.logout)
		r.Get("/me", s.me)
		r.Get("/search", s.searchPage)
		r.Get("/decisions", s.decisions)
		r.Get("/decisions/{id}", s.cached([]string{"version"}, s.decision))
		r.Get("/decisions/{id}/comment", s.commentForm)
		r.Post("/decisions/{id}/comment", s.submitComment)
		r.Get("/decisions/{id}/comments", s.cached([]string{"article", "cursor"}, s.publicComments))
		r.Get("/decisions/{id}/adoption-report", s.publicAdoptionReport)
		r.Get("/decisions/{id}/compare", s.publicCompare)
		r.Get("/decisions/{id}/record", s.publicRecord)
		r.Get("/record/heads", s.recordHeads)
		r.Get("/comment-receipts", s.receiptLookup)
		r.Get("/comment-receipts/{receipt}", s.commentReceipt)
		r.Get("/me/comments", s.myComments)
		r.Post("/me/delete-data", s.deleteMyData)
		s.mountSigningKeys(r)
		s.mountSurveys(r)
		s.mountReview(r)
		s.mountAdminSynonyms(r)
		s.mountAdmin(r)
		s.mountLifecycle(r)
		s.mountPublication(r)
		r.Get("/open-data", s.openData)
		s.mountSupervision(r)
		s.mountHearings(r)
		s.mountLife(r)
		s.mountNotify(r)
		s.mountOrganisations(r)
		r.Route("/staff/decisions", func(r chi.Router) {
			s.mountStaff(r)
			s.mountStaffComments(r)
			s.mountStaffThemes(r)
			s.mountStaffReview(r)
			s.mountStaffParticipation(r)
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"title":"Not Found","status":404,"code":"not_found","detail":"接口不存在"}`))
			return
		}
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "您访问的页面不存在或已被移除。")
	})
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

type accountKey struct{}

// session resolves the session cookie into the signed-in account, if any.
func (s *site) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" && s.svc.Identity != nil {
			if a, err := s.svc.Identity.Authenticate(r.Context(), c.Value); err == nil {
				r = r.WithContext(context.WithValue(r.Context(), accountKey{}, &a))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func currentAccount(r *http.Request) *identity.Account {
	a, _ := r.Context().Value(accountKey{}).(*identity.Account)
	return a
}

// page is the data every template gets.
type page struct {
	Title   string
	Account *identity.Account
	Flash   string
	Message string
	Form    map[string]string
	Errors  map[string]string
	// Basis is the legal basis of a refusal shown in Message, and Gates the
	// procedure gates a refused step failed (each with its basis).
	Basis string
	Gates []errs.Gate
	Data  any
	// errorOrder is the order of the field errors for the summary;
	// plainIDs says the form's fields have their names as ids (the
	// account pages) instead of fieldID's "f-" ids.
	// Elderly is the elderly-friendly mode (elderly.go); Path is the
	// page's address, for the switch to come back to.
	Elderly bool
	Path    string
	// Unread is the signed-in account's unread notifications (the header).
	Unread int
	// Device is the signing with the signer's own key on this device in
	// the page's sign-off forms (signing_keys.go).
	Device     *deviceSigning
	errorOrder []string
	plainIDs   bool
	// ownSummary: the page lists its problems itself (the survey form
	// links each to its question).
	ownSummary bool
}

// keep keeps the posted values of the fields, to show the form again.
func (p *page) keep(r *http.Request, fields ...string) {
	for _, k := range fields {
		p.Form[k] = r.PostFormValue(k)
	}
}

// keepTrimmed is keep without the spaces around the values.
func (p *page) keepTrimmed(r *http.Request, fields ...string) {
	for _, k := range fields {
		p.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
}

// keepChecked keeps the checkboxes that were ticked.
func (p *page) keepChecked(r *http.Request, boxes ...string) {
	for _, k := range boxes {
		if r.PostFormValue(k) != "" {
			p.Form[k] = "on"
		}
	}
}

// keepAll keeps every posted field, a field sent more than once (a list)
// as lines.
func (p *page) keepAll(r *http.Request) {
	for k, v := range r.PostForm {
		p.Form[k] = strings.Join(v, "\n")
	}
}

func (s *site) newPage(r *http.Request, title string) page {
	p := page{Title: title, Account: currentAccount(r), Form: map[string]string{}, Errors: map[string]string{},
		Elderly: elderlyOn(r), Path: r.URL.RequestURI()}
	if p.Account != nil {
		p.Unread = s.unreadCount(r)
	}
	if f := r.URL.Query().Get("flash"); f != "" {
		p.Flash = flashText[f]
	}
	return p
}

// flashText holds the fixed confirmation messages a redirect may ask for;
// only known keys are shown so a link cannot inject text.
var flashText = map[string]string{
	"registered": "注册成功，验证码已发送，请完成手机验证。",
	"verified":   "手机号码验证成功，请登录。",
	"resent":     "新的验证码已发送。",
	"logged_out": "您已退出登录。",
	"logged_in":  "登录成功。",

	"signing_key_enrolled":  "签名密钥已在本设备生成，验证码已发送到您的手机，请输入验证码确认。",
	"signing_key_confirmed": "签名密钥已确认，现在可以用它签署。",
	"signing_key_revoked":   "签名密钥已注销，不能再用它签署；此前的签署仍然有效。",

	"decision_created":      "决策事项已创建。下一步：上传决策草案。",
	"decision_saved":        "决策事项已保存。",
	"decision_withdrawn":    "决策事项已撤回。",
	"version_created":       "新的草案版本已保存。",
	"consultation_opened":   "已发布征求意见公告，公众现在可以查看草案。",
	"consultation_extended": "征求意见期限已延长。",
	"document_added":        "程序性文件已保存。",

	"comment_submitted": "您的意见已提交，工作人员审核后公开。请记下回执编号，凭它可以随时查询处理情况。",
	"comment_published": "意见已公开。",
	"comment_rejected":  "意见已标记为不予公开。",
	"disposition_saved": "处理意见已保存。",
	"group_disposition": "已对该组意见统一作出处理；已有单独处理意见的不受影响。",
	"report_generated":  "已根据处理情况生成意见采纳情况说明，请核对并修改后公布。",
	"report_saved":      "意见采纳情况说明已保存。",
	"report_published":  "意见采纳情况说明已公布。",
	"followed":          "已关注。有新动态时会在“我的消息”中通知您。",
	"unfollowed":        "已取消关注。",
	"notify_saved":      "通知设置已保存。",
	"confirmation_sent": "确认邮件已发送，请查收。",
	"all_read":          "全部消息已标为已读。",
	"data_deleted":      "您的个人数据已删除，账号已注销。您提交的意见以匿名方式保留在决策档案中。",
}

// unavailableMessage is what a page says while the database cannot be
// reached, and unavailableRetryAfter when to try again (seconds).
const (
	unavailableMessage    = "暂时无法服务，请稍后再试。"
	unavailableRetryAfter = "5"
)

// renderUnavailable answers 503 with the page that says to come back later.
func (s *site) renderUnavailable(w http.ResponseWriter, r *http.Request) {
	s.renderError(w, r, http.StatusServiceUnavailable, "暂时无法服务", unavailableMessage)
}

func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		s.svc.Logger.ErrorContext(r.Context(), "render", "template", name, "error", err)
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", unavailableRetryAfter)
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// show renders the page tmpl that shows data under title, answering 200:
// how most GET handlers end.
func (s *site) show(w http.ResponseWriter, r *http.Request, tmpl, title string, data any) {
	p := s.newPage(r, title)
	p.Data = data
	s.render(w, r, http.StatusOK, tmpl, p)
}

func (s *site) renderError(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p := s.newPage(r, title)
	p.Message = msg
	s.render(w, r, status, "error", p)
}

// formError puts a service error into the page: field errors next to their
// field, anything else at the top. It returns the HTTP status to answer.
func (s *site) formError(r *http.Request, p *page, err error) int {
	e := errs.Reclassify(err)
	if (e.Kind == errs.KindInternal || e.Kind == errs.KindUnavailable) && errs.Unreachable(err) {
		// The database is down: an outage, not a bug (issue 15, finding 7).
		s.svc.Logger.WarnContext(r.Context(), "page: database unreachable", "error", err)
		p.Message = unavailableMessage
		return http.StatusServiceUnavailable
	}
	if e.Kind == errs.KindInternal {
		s.svc.Logger.ErrorContext(r.Context(), "page action failed", "error", err)
		p.Message = "服务器内部错误，请稍后重试。"
		return http.StatusInternalServerError
	}
	p.Basis = e.Basis
	p.Gates = nil
	for _, g := range e.Gates {
		g.Message = readableMessage(g.Message)
		p.Gates = append(p.Gates, g)
	}
	if len(e.Fields) > 0 {
		p.addFieldErrors(e.Fields)
		if m, ok := codeMessages[e.Code]; ok && len(e.Fields) == 1 {
			p.Errors[e.Fields[0].Field] = m
		}
		// A rule of law refused the field: its article goes with the
		// message next to the field, where the person reads it (the
		// meeting date before the review conclusion said no article).
		p.Basis = ""
		for _, f := range e.Fields {
			p.Errors[f.Field] = withBasis(p.Errors[f.Field], e.Basis)
		}
	} else {
		p.Message = pageMessage(e)
	}
	return e.Kind.HTTPStatus()
}

// errOf is the error of a service call whose result a form does not show.
func errOf[T any](_ T, err error) error { return err }

func (s *site) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "提交的内容过大或格式不正确。")
		return false
	}
	return true
}

func (s *site) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	c := &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.svc.SecureCookies, Expires: expires}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/me"
	}
	return next
}
