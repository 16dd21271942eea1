package web

import (
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/identity"
)

// The administrator's desk (issue 15): /admin and its pages for agencies,
// accounts, the legal adviser roster, the working-day calendar and the
// audit log. Each page calls the same identity service methods as the API;
// the service checks the role again.

func init() {
	pageNames = append(pageNames, "admin_home", "admin_agencies", "admin_agency", "admin_accounts", "admin_account",
		"admin_advisers", "admin_audit")
	roleNames[identity.RoleSupervisor] = "监督人员"
	funcs["mod"] = func(a, b int) int { return a % b }
	funcs["agencyKinds"] = func() []identity.AgencyKind { return agencyKinds }
	funcs["maskPhone"] = func(p *string) string {
		if p == nil {
			return ""
		}
		return identity.MaskPhone(*p)
	}
	funcs["derefTime"] = func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
	// agencyName is the name of the agency of a code, from the page's list.
	funcs["agencyName"] = func(list []agencyNode, code *string) string {
		if code == nil {
			return ""
		}
		for _, a := range list {
			if a.Code == *code {
				return a.Name
			}
		}
		return *code
	}
	maps.Copy(flashText, map[string]string{
		"agency_created":   "机构已创建。",
		"agency_saved":     "机构信息已保存。",
		"account_created":  "账号已创建。请把登录账号和初始密码当面或通过安全渠道交给本人。",
		"account_saved":    "账号信息已保存。",
		"account_disabled": "账号已停用，其所有登录会话已失效。",
		"account_enabled":  "账号已恢复使用。",
		"password_reset":   "新密码已设置，该账号的所有登录会话已失效。请把新密码通过安全渠道交给本人。",
		"profile_saved":    "法律顾问名册信息已保存。",
	})
}

// agencyKinds are the kinds an agency may have, in the order the agency
// form offers them.
var agencyKinds = []identity.AgencyKind{identity.AgencyGovernment, identity.AgencyDepartment, identity.AgencyLegalityReview}

// agencyKindNames are the Chinese names of the agency kinds.
var agencyKindNames = map[identity.AgencyKind]string{
	identity.AgencyGovernment:     "人民政府（决策机关）",
	identity.AgencyDepartment:     "部门（承办单位）",
	identity.AgencyLegalityReview: "合法性审查部门",
}

func (s *site) mountAdmin(r chi.Router) {
	admin := r.With(s.requireRolePage("此页面供平台管理员使用。", identity.RoleAdmin))
	admin.Get("/admin", s.adminHome)
	admin.Get("/admin/agencies", agenciesPage.get(s))
	admin.Post("/admin/agencies", agenciesPage.create(s, s.createAgency, "code", "name", "kind", "parent"))
	admin.Get("/admin/agencies/{id}", s.adminAgency)
	admin.Post("/admin/agencies/{id}", s.updateAgency)
	admin.Get("/admin/accounts", accountsPage.get(s))
	admin.Post("/admin/accounts", accountsPage.create(s, s.createAccount, "role", "phone", "email", "display_name", "agency"))
	admin.Get("/admin/accounts/{id}", s.adminAccount)
	admin.Post("/admin/accounts/{id}", s.updateAccount)
	admin.Post("/admin/accounts/{id}/disable", s.disableAccount)
	admin.Post("/admin/accounts/{id}/enable", s.enableAccount)
	admin.Post("/admin/accounts/{id}/reset-password", s.resetAccountPassword)
	admin.Post("/admin/accounts/{id}/adviser-profile", s.saveAdviserProfile)
	admin.Get("/admin/advisers", s.adminAdvisers)
	admin.Get("/admin/audit", s.adminAudit)
	s.mountAdminCalendar(admin)
}

func (s *site) adminHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin_home", s.newPage(r, "管理"))
}

// adminListPage is an admin page that lists what data loads (a failure to
// load is the page's message) and holds a form to create one more.
type adminListPage[T any] struct {
	title, tmpl string
	data        func(s *site, r *http.Request, p *page) T
}

var (
	agenciesPage = adminListPage[*adminAgenciesData]{"机构管理", "admin_agencies", (*site).agenciesData}
	accountsPage = adminListPage[*adminAccountsData]{"账号管理", "admin_accounts", (*site).accountsData}
)

func (l adminListPage[T]) get(s *site) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.newPage(r, l.title)
		p.Data = l.data(s, r, &p)
		s.render(w, r, http.StatusOK, l.tmpl, p)
	}
}

// create serves the page's form: its fields keep (trimmed) are shown
// again, and add creates and says where to go next; a refusal shows the
// list again.
func (l adminListPage[T]) create(s *site, add func(r *http.Request, p *page) (string, error), keep ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.parseForm(w, r) {
			return
		}
		p := s.newPage(r, l.title)
		p.keepTrimmed(r, keep...)
		next, err := add(r, &p)
		if err != nil {
			status := s.formError(r, &p, err)
			p.Data = l.data(s, r, &p)
			s.render(w, r, status, l.tmpl, p)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// agencyNode is an agency in the hierarchy, with its depth for indenting.
type agencyNode struct {
	identity.Agency
	Depth      int
	ParentName string
	KindName   string
}

// agencyTree orders agencies as a tree: each top-level body, then what
// belongs to it, governments before departments.
func agencyTree(list []identity.Agency) []agencyNode {
	byID := map[int64]identity.Agency{}
	children := map[int64][]identity.Agency{}
	var roots []identity.Agency
	for _, a := range list {
		byID[a.ID] = a
	}
	for _, a := range list {
		if a.ParentID != nil && byID[*a.ParentID].ID != 0 {
			children[*a.ParentID] = append(children[*a.ParentID], a)
		} else {
			roots = append(roots, a)
		}
	}
	rank := map[identity.AgencyKind]int{identity.AgencyGovernment: 0, identity.AgencyLegalityReview: 1, identity.AgencyDepartment: 2}
	order := func(l []identity.Agency) {
		sort.SliceStable(l, func(i, j int) bool {
			if rank[l[i].Kind] != rank[l[j].Kind] {
				return rank[l[i].Kind] < rank[l[j].Kind]
			}
			return l[i].Code < l[j].Code
		})
	}
	var out []agencyNode
	var walk func(l []identity.Agency, depth int)
	walk = func(l []identity.Agency, depth int) {
		order(l)
		for _, a := range l {
			n := agencyNode{Agency: a, Depth: depth, KindName: agencyKindNames[a.Kind]}
			if a.ParentID != nil {
				n.ParentName = byID[*a.ParentID].Name
			}
			out = append(out, n)
			if depth < 10 {
				walk(children[a.ID], depth+1)
			}
		}
	}
	walk(roots, 0)
	return out
}

type adminAgenciesData struct {
	Tree        []agencyNode
	Governments []identity.Agency
	Agency      *identity.Agency
}

func (s *site) agenciesData(r *http.Request, p *page) *adminAgenciesData {
	d := &adminAgenciesData{}
	list, err := s.svc.Identity.ListAgencies(r.Context())
	if err != nil {
		s.formError(r, p, err)
		return d
	}
	d.Tree = agencyTree(list)
	for _, n := range d.Tree {
		if n.Kind == identity.AgencyGovernment {
			d.Governments = append(d.Governments, n.Agency)
		}
	}
	return d
}

func (s *site) createAgency(r *http.Request, p *page) (string, error) {
	_, err := s.svc.Identity.CreateAgency(r.Context(), currentAccount(r), identity.AgencyInput{Code: p.Form["code"], Name: p.Form["name"],
		Kind: identity.AgencyKind(p.Form["kind"]), ParentCode: p.Form["parent"]})
	return "/admin/agencies?flash=agency_created", err
}

func (s *site) adminAgency(w http.ResponseWriter, r *http.Request) {
	s.renderAgency(w, r, s.newPage(r, "编辑机构"), http.StatusOK, true)
}

func (s *site) renderAgency(w http.ResponseWriter, r *http.Request, p page, status int, fill bool) {
	id, ok := s.idInPath(w, r, "机构不存在。")
	if !ok {
		return
	}
	a, err := s.svc.Identity.GetAgency(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := s.agenciesData(r, &p)
	d.Agency = &a
	var govs []identity.Agency
	for _, g := range d.Governments {
		if g.ID != a.ID {
			govs = append(govs, g)
		}
	}
	d.Governments = govs
	if fill {
		p.Form["name"], p.Form["kind"] = a.Name, string(a.Kind)
		for _, n := range d.Tree {
			if a.ParentID != nil && n.ID == *a.ParentID {
				p.Form["parent"] = n.Code
			}
		}
	}
	p.Title = "编辑机构：" + a.Name
	p.Data = d
	s.render(w, r, status, "admin_agency", p)
}

func (s *site) updateAgency(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r, "机构不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "编辑机构")
	p.keepTrimmed(r, "name", "kind", "parent")
	_, err := s.svc.Identity.UpdateAgency(r.Context(), currentAccount(r), id, identity.AgencyUpdate{Name: p.Form["name"],
		Kind: identity.AgencyKind(p.Form["kind"]), ParentCode: p.Form["parent"]})
	if err != nil {
		s.renderAgency(w, r, p, s.formError(r, &p, err), false)
		return
	}
	http.Redirect(w, r, "/admin/agencies/"+strconv.FormatInt(id, 10)+"?flash=agency_saved", http.StatusSeeOther)
}

// ---- accounts ----

type adminAccountsData struct {
	Accounts   []identity.Account
	Agencies   []agencyNode
	Roles      []identity.Role
	NextCursor string
	Query      string
	Role       string
	NextURL    string
}

func (s *site) accountsData(r *http.Request, p *page) *adminAccountsData {
	q := r.URL.Query()
	d := &adminAccountsData{Roles: identity.Roles, Query: strings.TrimSpace(q.Get("q")), Role: q.Get("role")}
	if list, err := s.svc.Identity.ListAgencies(r.Context()); err == nil {
		d.Agencies = agencyTree(list)
	}
	accts, next, err := s.svc.Identity.ListAccounts(r.Context(), currentAccount(r), identity.AccountFilter{Role: identity.Role(d.Role),
		Query: d.Query, AgencyCode: q.Get("agency"), Limit: 50, Cursor: q.Get("cursor")})
	if err != nil {
		s.formError(r, p, err)
		return d
	}
	d.Accounts = accts
	d.NextURL = nextPageURL("/admin/accounts", url.Values{"q": {d.Query}, "role": {d.Role}, "agency": {q.Get("agency")}}, next)
	return d
}

func (s *site) createAccount(r *http.Request, p *page) (string, error) {
	a, err := s.svc.Identity.CreateAccount(r.Context(), currentAccount(r), identity.AccountInput{Role: identity.Role(p.Form["role"]),
		Phone: p.Form["phone"], Email: p.Form["email"], DisplayName: p.Form["display_name"], AgencyCode: p.Form["agency"],
		Password: r.PostFormValue("password")})
	return accountURL(a.ID) + "?flash=account_created", err
}

func accountURL(id int64) string { return "/admin/accounts/" + strconv.FormatInt(id, 10) }

type adminAccountData struct {
	Target   identity.Account
	Agencies []agencyNode
	Roles    []identity.Role
	Adviser  *identity.LegalAdviser
	Self     bool
}

func (s *site) adminAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, s.newPage(r, "账号"), http.StatusOK, true)
}

func (s *site) renderAccount(w http.ResponseWriter, r *http.Request, p page, status int, fill bool) {
	id, ok := s.idInPath(w, r, "账号不存在。")
	if !ok {
		return
	}
	actor := currentAccount(r)
	a, err := s.svc.Identity.GetAccountAsAdmin(r.Context(), actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := &adminAccountData{Target: a, Roles: identity.Roles, Self: a.ID == actor.ID}
	if list, err := s.svc.Identity.ListAgencies(r.Context()); err == nil {
		d.Agencies = agencyTree(list)
	}
	if a.Role == identity.RoleLegalAdviser {
		if adv, err := s.svc.Identity.GetLegalAdviser(r.Context(), actor, a.ID); err == nil {
			d.Adviser = &adv
			if fill && adv.HasProfile {
				p.Form["firm"], p.Form["licence_number"] = adv.Firm, adv.LicenceNumber
				p.Form["fields"], p.Form["conflicts"] = strings.Join(adv.Fields, "、"), adv.Conflicts
			}
		}
	}
	if fill {
		p.Form["role"], p.Form["display_name"] = string(a.Role), a.DisplayName
		if a.AgencyCode != nil {
			p.Form["agency"] = *a.AgencyCode
		}
	}
	p.Title = "账号：" + a.DisplayName
	p.Data = d
	s.render(w, r, status, "admin_account", p)
}

// accountAction runs one action of the account page and redirects with
// flash, or shows the page again with the refusal.
func (s *site) accountAction(w http.ResponseWriter, r *http.Request, flash string, keep []string, do func(id int64) error) {
	id, ok := s.postedID(w, r, "账号不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "账号")
	p.keepTrimmed(r, keep...)
	if err := do(id); err != nil {
		status := s.formError(r, &p, err)
		if status == http.StatusNotFound {
			s.pageError(w, r, err)
			return
		}
		s.renderAccount(w, r, p, status, false)
		return
	}
	http.Redirect(w, r, accountURL(id)+"?flash="+flash, http.StatusSeeOther)
}

func (s *site) updateAccount(w http.ResponseWriter, r *http.Request) {
	s.accountAction(w, r, "account_saved", []string{"role", "agency", "display_name"}, func(id int64) error {
		role := identity.Role(strings.TrimSpace(r.PostFormValue("role")))
		agency := strings.TrimSpace(r.PostFormValue("agency"))
		name := r.PostFormValue("display_name")
		return errOf(s.svc.Identity.UpdateAccount(r.Context(), currentAccount(r), id, identity.AccountUpdate{Role: &role,
			AgencyCode: &agency, DisplayName: &name}))
	})
}

func (s *site) disableAccount(w http.ResponseWriter, r *http.Request) {
	s.accountAction(w, r, "account_disabled", []string{"reason"}, func(id int64) error {
		return errOf(s.svc.Identity.DisableAccount(r.Context(), currentAccount(r), id, r.PostFormValue("reason")))
	})
}

func (s *site) enableAccount(w http.ResponseWriter, r *http.Request) {
	s.accountAction(w, r, "account_enabled", nil, func(id int64) error {
		return errOf(s.svc.Identity.EnableAccount(r.Context(), currentAccount(r), id))
	})
}

func (s *site) resetAccountPassword(w http.ResponseWriter, r *http.Request) {
	s.accountAction(w, r, "password_reset", nil, func(id int64) error {
		_, err := s.svc.Identity.ResetAccountPassword(r.Context(), currentAccount(r), id, r.PostFormValue("password"))
		return renameField(err, "password", "new_password")
	})
}

func (s *site) saveAdviserProfile(w http.ResponseWriter, r *http.Request) {
	s.accountAction(w, r, "profile_saved", []string{"firm", "licence_number", "fields", "conflicts"}, func(id int64) error {
		actor := currentAccount(r)
		in := identity.AdviserProfileInput{Firm: r.PostFormValue("firm"), LicenceNumber: r.PostFormValue("licence_number"),
			Fields: []string{r.PostFormValue("fields")}, Conflicts: r.PostFormValue("conflicts")}
		adv, err := s.svc.Identity.GetLegalAdviser(r.Context(), actor, id)
		if err != nil {
			return err
		}
		return errOf(s.svc.Identity.SaveLegalAdviserProfile(r.Context(), actor, id, in, !adv.HasProfile))
	})
}

// ---- roster and audit ----

type adminAdvisersData struct {
	Advisers []identity.LegalAdviser
	Query    string
	NextURL  string
}

func (s *site) adminAdvisers(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "法律顾问名册")
	d := &adminAdvisersData{Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	p.Form["q"] = d.Query
	list, next, err := s.svc.Identity.ListLegalAdvisers(r.Context(), currentAccount(r), identity.AdviserFilter{Query: d.Query,
		Limit: 50, Cursor: r.URL.Query().Get("cursor")})
	status := http.StatusOK
	if err != nil {
		status = s.formError(r, &p, err)
	}
	d.Advisers = list
	d.NextURL = nextPageURL("/admin/advisers", url.Values{"q": {d.Query}}, next)
	p.Data = d
	s.render(w, r, status, "admin_advisers", p)
}

// auditActionNames are the Chinese names of the recorded admin actions.
var auditActionNames = map[string]string{
	"create-agency":                "创建机构",
	"update-agency":                "修改机构",
	"create-account":               "创建账号",
	"update-account":               "修改账号",
	"disable-account":              "停用账号",
	"enable-account":               "恢复账号",
	"reset-account-password":       "重置密码",
	"create-legal-adviser-profile": "登记法律顾问名册",
	"update-legal-adviser-profile": "修改法律顾问名册",
	"update-workday-calendar":      "更新工作日历",
	"set-meeting-composition":      "设置会议组成人员",
	"set-decision-body-settings":   "修改决策机关设置",
	"add-search-synonym-group":     "添加搜索近义词",
	"delete-search-synonym-group":  "删除搜索近义词",
	"verify_organisation":          "核验社会组织",
}

type auditRow struct {
	identity.AuditEntry
	ActionName string
	Actor      string
	TargetURL  string
	// Details say what the action changed, one line each.
	Details []string
}

type adminAuditData struct {
	Entries []auditRow
	NextURL string
}

func (s *site) adminAudit(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "管理操作日志")
	d := &adminAuditData{}
	q := r.URL.Query()
	target, _ := strconv.ParseInt(q.Get("target"), 10, 64)
	// An object's own log names its kind too: ids of accounts, agencies
	// and synonym groups overlap.
	kind := q.Get("kind")
	list, next, err := s.svc.Identity.ListAdminAuditLog(r.Context(), currentAccount(r), identity.AuditFilter{Limit: 50,
		TargetID: max(target, 0), TargetKinds: auditTargetKinds[kind], Cursor: q.Get("cursor")})
	status := http.StatusOK
	if err != nil {
		status = s.formError(r, &p, err)
	}
	agencies, err := s.svc.Identity.ListAgencies(r.Context())
	if err != nil {
		status = s.formError(r, &p, err)
	}
	names := newAuditNames(agencies)
	for _, e := range list {
		row := auditRow{AuditEntry: e, ActionName: auditActionNames[e.Action], Actor: "命令行（运维人员）", Details: names.auditDetails(e)}
		if row.ActionName == "" {
			row.ActionName = "其他管理操作"
		}
		if e.ActorName != nil {
			row.Actor = *e.ActorName
		}
		if e.TargetID != nil {
			switch e.TargetKind {
			case "account", "legal_adviser":
				row.TargetURL = accountURL(*e.TargetID)
			case "agency":
				row.TargetURL = "/admin/agencies/" + strconv.FormatInt(*e.TargetID, 10)
			}
		}
		d.Entries = append(d.Entries, row)
	}
	d.NextURL = nextPageURL("/admin/audit", url.Values{"target": {q.Get("target")}, "kind": {kind}}, next)
	p.Data = d
	s.render(w, r, status, "admin_audit", p)
}
