package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Pages for organisations that use the API (issue 20): the manager
// registers the organisation, creates keys (shown once), revokes them and
// sees every use; the admin verifies organisations and may revoke keys.

func init() {
	pageNames = append(pageNames, "organisations", "organisation", "admin_organisations")
	flashText["organisation_created"] = "组织已登记，请等待平台管理员核验。"
	flashText["key_revoked"] = "密钥已撤销，立即失效。"
	flashText["organisation_checked"] = "核验结果已记录。"
}

// scopeNames are the keys' scopes in Chinese.
var scopeNames = map[string]string{
	integrations.ScopeRead:           "读取公开数据",
	integrations.ScopeSubmitComments: "以本组织名义提交意见",
}

// organisationStatusNames are the verification statuses in Chinese.
var organisationStatusNames = map[integrations.OrganisationStatus]string{
	integrations.OrganisationPending:  "待核验",
	integrations.OrganisationVerified: "已核验",
	integrations.OrganisationRejected: "未通过核验",
}

func init() {
	funcs["scopeName"] = func(s string) string { return scopeNames[s] }
	funcs["orgStatusName"] = func(s integrations.OrganisationStatus) string { return organisationStatusNames[s] }
	funcs["useStatusName"] = func(status int) string {
		switch {
		case status < 400:
			return "成功"
		case status == http.StatusTooManyRequests:
			return "超出频率限制"
		case status == http.StatusUnauthorized:
			return "密钥无效或已撤销"
		case status == http.StatusForbidden:
			return "权限不足"
		default:
			return "未成功"
		}
	}
}

type organisationsData struct {
	Organisations []integrations.Organisation
	// Paused names the organisations with a paused webhook: the owner is
	// told on the list too.
	Paused map[int64]bool
}

// keyWithUses is a key and its latest uses.
type keyWithUses struct {
	integrations.APIKey
	Uses []integrations.KeyUse
}

type organisationData struct {
	Organisation integrations.Organisation
	Keys         []keyWithUses
	Comments     []integrations.OrganisationCommentRow
	// NewKey is the key just created: its secret is shown on this answer only.
	NewKey *integrations.NewAPIKey
	// Webhooks is the webhooks part (organisation_webhooks.go).
	Webhooks webhooksData
}

func (s *site) mountOrganisations(r chi.Router) {
	r.Get("/organisations", s.organisationsPage)
	r.Post("/organisations", s.createOrganisation)
	r.Get("/organisations/{id}", s.organisationPage)
	r.Post("/organisations/{id}/keys", s.createKey)
	r.Post("/organisations/{id}/keys/{key}/revoke", s.revokeKey)
	s.mountOrganisationWebhooks(r)
	admin := r.With(s.requireRolePage("此页面供系统管理员使用。", identity.RoleAdmin))
	admin.Get("/admin/organisations", s.adminOrganisations)
	admin.Post("/admin/organisations/{id}/verification", s.checkOrganisation)
}

// signedInOrLogin redirects a visitor to the login page.
func signedInOrLogin(w http.ResponseWriter, r *http.Request) bool {
	if currentAccount(r) == nil {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
		return false
	}
	return true
}

func (s *site) renderOrganisations(w http.ResponseWriter, r *http.Request, status int, p page) {
	list, err := s.svc.Integrations.ListOrganisations(r.Context(), currentAccount(r), "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// An admin's list is the admin page's; here only one's own.
	own := list[:0:0]
	for _, o := range list {
		if o.OwnerAccountID == currentAccount(r).ID {
			own = append(own, o)
		}
	}
	data := organisationsData{Organisations: own, Paused: map[int64]bool{}}
	for _, o := range own {
		hooks, err := s.svc.Integrations.ListWebhooks(r.Context(), currentAccount(r), o.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, h := range hooks {
			data.Paused[o.ID] = data.Paused[o.ID] || h.Status == "paused"
		}
	}
	p.Data = data
	s.render(w, r, status, "organisations", p)
}

func (s *site) organisationsPage(w http.ResponseWriter, r *http.Request) {
	if !signedInOrLogin(w, r) {
		return
	}
	s.renderOrganisations(w, r, http.StatusOK, s.newPage(r, "组织与接口密钥"))
}

func (s *site) createOrganisation(w http.ResponseWriter, r *http.Request) {
	if !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "组织与接口密钥")
	in := integrations.OrganisationInput{Name: r.PostForm.Get("name"), CreditCode: r.PostForm.Get("credit_code"),
		ContactEmail: r.PostForm.Get("contact_email")}
	o, err := s.svc.Integrations.CreateOrganisation(r.Context(), currentAccount(r), in)
	if err != nil {
		p.Form["name"], p.Form["credit_code"], p.Form["contact_email"] = in.Name, in.CreditCode, in.ContactEmail
		s.renderOrganisations(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, "/organisations/"+strconv.FormatInt(o.ID, 10)+"?flash=organisation_created", http.StatusSeeOther)
}

func (s *site) renderOrganisation(w http.ResponseWriter, r *http.Request, status int, p page, newKey *integrations.NewAPIKey) {
	s.renderOrganisationWith(w, r, status, p, newKey, nil)
}

func (s *site) renderOrganisationWith(w http.ResponseWriter, r *http.Request, status int, p page, newKey *integrations.NewAPIKey,
	newHook *integrations.NewWebhook) {
	id, ok := pathID(r)
	if !ok || !signedInOrLogin(w, r) {
		if !ok {
			s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这个组织。")
		}
		return
	}
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Integrations
	o, err := svc.GetOrganisation(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := organisationData{Organisation: o, NewKey: newKey}
	keys, err := svc.ListAPIKeys(ctx, actor, id)
	if err == nil {
		for _, k := range keys {
			uses, uerr := svc.ListKeyUses(ctx, actor, id, k.ID, 10)
			if uerr != nil {
				err = uerr
				break
			}
			data.Keys = append(data.Keys, keyWithUses{APIKey: k, Uses: uses})
		}
	}
	if err == nil {
		data.Comments, err = svc.ListOrganisationComments(ctx, actor, id)
	}
	if err == nil {
		data.Webhooks, err = s.loadWebhooks(r, id, newHook)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = o.Name
	p.Data = data
	if len(p.Errors) == 0 {
		p.Form["rate_limit"] = strconv.Itoa(integrations.DefaultRateLimit)
		p.Form["scope_read"] = "on"
	}
	s.render(w, r, status, "organisation", p)
}

func (s *site) organisationPage(w http.ResponseWriter, r *http.Request) {
	s.renderOrganisation(w, r, http.StatusOK, s.newPage(r, "组织"), nil)
}

func (s *site) createKey(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "组织")
	in := integrations.APIKeyInput{Name: r.PostForm.Get("key_name")}
	for _, sc := range []string{integrations.ScopeRead, integrations.ScopeSubmitComments} {
		if r.PostForm.Get("scope_"+map[string]string{integrations.ScopeRead: "read", integrations.ScopeSubmitComments: "submit"}[sc]) == "on" {
			in.Scopes = append(in.Scopes, sc)
		}
	}
	limit := r.PostForm.Get("rate_limit")
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil {
			n = -1
		}
		in.RateLimit = n
	}
	k, err := s.svc.Integrations.CreateAPIKey(r.Context(), currentAccount(r), id, in)
	if err != nil {
		for _, f := range []string{"key_name", "rate_limit", "scope_read", "scope_submit"} {
			p.Form[f] = r.PostForm.Get(f)
		}
		status := s.formError(r, &p, err)
		// The service names the fields name and scopes; the form's are key_name and scope_read.
		for from, to := range map[string]string{"name": "key_name"} {
			if m, ok := p.Errors[from]; ok {
				p.Errors[to] = m
				delete(p.Errors, from)
			}
		}
		s.renderOrganisation(w, r, status, p, nil)
		return
	}
	// Shown in this answer, never in a URL or again.
	w.Header().Set("Cache-Control", "no-store")
	s.renderOrganisation(w, r, http.StatusCreated, p, &k)
}

func (s *site) revokeKey(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	keyID, err := strconv.ParseInt(chi.URLParam(r, "key"), 10, 64)
	if !ok || err != nil || !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		if !ok || err != nil {
			s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这个密钥。")
		}
		return
	}
	if _, err := s.svc.Integrations.RevokeAPIKey(r.Context(), currentAccount(r), id, keyID); err != nil {
		s.pageError(w, r, err)
		return
	}
	back := "/organisations/" + strconv.FormatInt(id, 10)
	if r.PostForm.Get("back") == "admin" && currentAccount(r).HasRole(identity.RoleAdmin) {
		back = "/admin/organisations"
	}
	http.Redirect(w, r, back+"?flash=key_revoked", http.StatusSeeOther)
}

// adminOrganisationRow is one organisation on the admin page.
type adminOrganisationRow struct {
	integrations.Organisation
	Keys []integrations.APIKey
}

func (s *site) renderAdminOrganisations(w http.ResponseWriter, r *http.Request, status int, p page) {
	ctx, actor := r.Context(), currentAccount(r)
	list, err := s.svc.Integrations.ListOrganisations(ctx, actor, r.URL.Query().Get("status"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rows := make([]adminOrganisationRow, 0, len(list))
	for _, o := range list {
		keys, err := s.svc.Integrations.ListAPIKeys(ctx, actor, o.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		rows = append(rows, adminOrganisationRow{Organisation: o, Keys: keys})
	}
	p.Data = rows
	s.render(w, r, status, "admin_organisations", p)
}

func (s *site) adminOrganisations(w http.ResponseWriter, r *http.Request) {
	s.renderAdminOrganisations(w, r, http.StatusOK, s.newPage(r, "组织核验与接口密钥"))
}

func (s *site) checkOrganisation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || !s.parseForm(w, r) {
		if !ok {
			s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这个组织。")
		}
		return
	}
	status := integrations.OrganisationStatus(r.PostForm.Get("status"))
	if _, err := s.svc.Integrations.VerifyOrganisation(r.Context(), currentAccount(r), id, status, r.PostForm.Get("note")); err != nil {
		p := s.newPage(r, "组织核验与接口密钥")
		p.Form["note"] = r.PostForm.Get("note")
		s.renderAdminOrganisations(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, "/admin/organisations?flash=organisation_checked", http.StatusSeeOther)
}
