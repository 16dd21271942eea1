package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/notify"
)

// Pages of subscriptions and notifications (issue 17): the inbox, the
// settings, the follow buttons and the one-click unsubscribe.

func (s *site) mountNotify(r chi.Router) {
	r.Get("/me/notifications", s.inbox)
	r.Post("/me/notifications/read-all", s.readAll)
	r.Get("/me/notifications/settings", s.notifySettings)
	r.Post("/me/notifications/settings", s.saveNotifySettings)
	r.Post("/me/notifications/settings/resend", s.resendConfirmation)
	r.Get("/me/notifications/{id}", s.openNotification)
	r.Post("/follow", s.follow)
	r.Post("/unfollow/{id}", s.unfollow)
	r.Get("/unsubscribe/{token}", s.unsubscribePage)
	r.Post("/unsubscribe/{token}", s.unsubscribe)
	r.Get("/notifications/confirm-email/{token}", s.confirmEmail)
}

// unreadCount is the header's count; a failure shows none rather than
// failing the page.
func (s *site) unreadCount(r *http.Request) int {
	if s.svc.Notify == nil {
		return 0
	}
	n, err := s.svc.Notify.UnreadCount(r.Context(), currentAccount(r))
	if err != nil {
		return 0
	}
	return n
}

func (s *site) signedIn(w http.ResponseWriter, r *http.Request) bool {
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
		return false
	}
	return true
}

type inboxData struct {
	Notifications []notify.Notification
	Unread        int
}

func (s *site) inbox(w http.ResponseWriter, r *http.Request) {
	if !s.signedIn(w, r) {
		return
	}
	ns, err := s.svc.Notify.ListNotifications(r.Context(), currentAccount(r), 100, 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.newPage(r, "我的消息")
	p.Data = inboxData{Notifications: ns, Unread: p.Unread}
	s.render(w, r, http.StatusOK, "notifications", p)
}

func (s *site) openNotification(w http.ResponseWriter, r *http.Request) {
	if !s.signedIn(w, r) {
		return
	}
	id, ok := s.idInPath(w, r, "没有这条消息。")
	if !ok {
		return
	}
	n, err := s.svc.Notify.ReadNotification(r.Context(), currentAccount(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(n.Link), http.StatusSeeOther)
}

func (s *site) readAll(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) || !s.signedIn(w, r) {
		return
	}
	if _, err := s.svc.Notify.ReadAll(r.Context(), currentAccount(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/me/notifications?flash=all_read", http.StatusSeeOther)
}

type settingsData struct {
	Settings      notify.Settings
	Subscriptions []notify.Subscription
	Domains       []domainOption
	HasPhone      bool
	MailOn        bool
	Hours         []int
}

type domainOption struct{ Code, Name string }

func (s *site) settingsPage(r *http.Request, p *page) error {
	ctx, a := r.Context(), currentAccount(r)
	st, err := s.svc.Notify.GetSettings(ctx, a)
	if err != nil {
		return err
	}
	subs, err := s.svc.Notify.ListSubscriptions(ctx, a)
	if err != nil {
		return err
	}
	d := settingsData{Settings: st, Subscriptions: subs, HasPhone: a.Phone != nil, MailOn: s.svc.Notify.Mailer != nil}
	for _, dm := range consultation.Domains {
		d.Domains = append(d.Domains, domainOption{Code: string(dm), Name: consultation.DomainNames[dm]})
	}
	for h := 0; h < 24; h++ {
		d.Hours = append(d.Hours, h)
	}
	if len(p.Form) == 0 {
		p.Form["email"] = st.Email
		p.Form["quiet_start"] = strconv.Itoa(st.QuietStart)
		p.Form["quiet_end"] = strconv.Itoa(st.QuietEnd)
		if st.EmailOn {
			p.Form["email_on"] = "1"
		}
		if st.SMSOn {
			p.Form["sms_on"] = "1"
		}
	}
	p.Data = d
	return nil
}

func (s *site) notifySettings(w http.ResponseWriter, r *http.Request) {
	if !s.signedIn(w, r) {
		return
	}
	p := s.newPage(r, "关注与通知设置")
	if err := s.settingsPage(r, &p); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "notify_settings", p)
}

func (s *site) saveNotifySettings(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) || !s.signedIn(w, r) {
		return
	}
	qs, _ := strconv.Atoi(r.PostFormValue("quiet_start"))
	qe, _ := strconv.Atoi(r.PostFormValue("quiet_end"))
	_, err := s.svc.Notify.UpdateSettings(r.Context(), currentAccount(r), notify.SettingsInput{Email: r.PostFormValue("email"),
		EmailOn: r.PostFormValue("email_on") != "", SMSOn: r.PostFormValue("sms_on") != "", QuietStart: qs, QuietEnd: qe})
	if err == nil {
		http.Redirect(w, r, "/me/notifications/settings?flash=notify_saved", http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "关注与通知设置")
	p.keep(r, "email", "email_on", "sms_on", "quiet_start", "quiet_end")
	status := s.formError(r, &p, err)
	if err := s.settingsPage(r, &p); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, status, "notify_settings", p)
}

func (s *site) resendConfirmation(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) || !s.signedIn(w, r) {
		return
	}
	if err := s.svc.Notify.ResendConfirmation(r.Context(), currentAccount(r)); err != nil {
		p := s.newPage(r, "关注与通知设置")
		status := s.formError(r, &p, err)
		if err := s.settingsPage(r, &p); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, status, "notify_settings", p)
		return
	}
	http.Redirect(w, r, "/me/notifications/settings?flash=confirmation_sent", http.StatusSeeOther)
}

func (s *site) follow(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	back := safeNext(r.PostFormValue("back"))
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(back), http.StatusSeeOther)
		return
	}
	var t notify.Target
	t.Domain = r.PostFormValue("domain")
	t.AgencyID, _ = strconv.ParseInt(r.PostFormValue("agency"), 10, 64)
	t.DecisionID, _ = strconv.ParseInt(r.PostFormValue("decision"), 10, 64)
	if _, err := s.svc.Notify.Follow(r.Context(), currentAccount(r), t); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, withFlash(back, "followed"), http.StatusSeeOther)
}

func (s *site) unfollow(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) || !s.signedIn(w, r) {
		return
	}
	id, ok := s.idInPath(w, r, "没有这项关注。")
	if !ok {
		return
	}
	if err := s.svc.Notify.Unfollow(r.Context(), currentAccount(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, withFlash(safeNext(r.PostFormValue("back")), "unfollowed"), http.StatusSeeOther)
}

// withFlash adds the flash key to a local address.
func withFlash(path, key string) string {
	sep := "?"
	for _, c := range path {
		if c == '?' {
			sep = "&"
		}
	}
	return path + sep + "flash=" + key
}

type unsubscribeData struct {
	Token string
	What  string
	Done  bool
}

// unsubscribePage shows what a link stops and a button to stop it: a GET
// changes nothing, since mail scanners open links (RFC 8058 sends the
// one-click POST instead).
func (s *site) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	u, err := s.svc.Notify.DescribeUnsubscribe(r.Context(), token)
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "链接无效", "这个退订链接无效。请在“关注与通知设置”中管理通知。")
		return
	}
	s.show(w, r, "unsubscribe", "退订通知", unsubscribeData{Token: token, What: u.What})
}

// unsubscribe is the one-click POST (RFC 8058: a mail client posts
// "List-Unsubscribe=One-Click" without cookies) and the page's button.
func (s *site) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	u, err := s.svc.Notify.Unsubscribe(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "链接无效", "这个退订链接无效。请在“关注与通知设置”中管理通知。")
		return
	}
	s.show(w, r, "unsubscribe", "已退订", unsubscribeData{What: u.What, Done: true})
}

func (s *site) confirmEmail(w http.ResponseWriter, r *http.Request) {
	email, err := s.svc.Notify.ConfirmEmail(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		s.renderError(w, r, http.StatusNotFound, "链接无效", "这个确认链接无效，或者邮箱地址已经更换。请在“关注与通知设置”中重新发送确认邮件。")
		return
	}
	s.show(w, r, "email_confirmed", "邮箱已确认", unsubscribeData{What: email})
}

// followButton is one follow (or unfollow) button of a page.
type followButton struct {
	Label string // 本事项, the agency's name, the domain's name
	Field string // decision, agency, domain
	Value string
	SubID int64 // the subscription when followed
	Back  string
}

// followButtons are the decision page's: the decision, its lead unit and
// its domain.
func (s *site) followButtons(r *http.Request, d consultation.Decision) []followButton {
	if s.svc.Notify == nil || !d.Public() {
		return nil
	}
	back := r.URL.Path
	bs := []followButton{
		{Label: "本事项", Field: "decision", Value: strconv.FormatInt(d.ID, 10)},
		{Label: d.LeadAgencyName, Field: "agency", Value: strconv.FormatInt(d.LeadAgencyID, 10)},
		{Label: consultation.DomainNames[d.Domain] + "领域", Field: "domain", Value: string(d.Domain)},
	}
	targets := []notify.Target{{DecisionID: d.ID}, {AgencyID: d.LeadAgencyID}, {Domain: string(d.Domain)}}
	for i := range bs {
		bs[i].Back = back
		bs[i].SubID, _ = s.svc.Notify.Following(r.Context(), currentAccount(r), targets[i])
	}
	return bs
}

// domainFollowButton is the follow button of a list of one domain's decisions.
func (s *site) domainFollowButton(r *http.Request, d consultation.Domain) []followButton {
	if s.svc.Notify == nil || consultation.DomainNames[d] == "" {
		return nil
	}
	b := followButton{Label: consultation.DomainNames[d] + "领域", Field: "domain", Value: string(d), Back: r.URL.RequestURI()}
	b.SubID, _ = s.svc.Notify.Following(r.Context(), currentAccount(r), notify.Target{Domain: string(d)})
	return []followButton{b}
}
