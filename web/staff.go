package web

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// mountStaff adds the lead unit's pages under /staff/decisions. Which
// decision a member of staff may change is decided by the service; the
// pages only send visitors who are not agency staff away early.
func (s *site) mountStaff(r chi.Router) {
	r.Use(s.requireStaff)
	r.Get("/", s.staffDecisions)
	r.Get("/new", s.newDecisionForm)
	r.Post("/new", s.createDecision)
	r.Get("/{id}", s.staffDecision)
	r.Get("/{id}/edit", s.editDecisionForm)
	r.Post("/{id}/edit", s.updateDecision)
	r.Post("/{id}/withdraw", s.withdrawDecision)
	r.Get("/{id}/versions/new", s.newVersionForm)
	r.Post("/{id}/versions/new", s.createVersion)
	r.Get("/{id}/compare", s.compareVersions)
	r.Get("/{id}/documents", s.documents)
	r.Get("/{id}/documents/new", s.newDocumentForm)
	r.Post("/{id}/documents/new", s.addDocument)
	r.Get("/{id}/consultation", s.consultationForm)
	r.Post("/{id}/consultation", s.openConsultation)
	r.Post("/{id}/consultation/extend", s.extendConsultation)
}

// requireStaff sends anonymous visitors to the login page and answers 403
// to signed-in accounts that are not agency staff.
func (s *site) requireStaff(next http.Handler) http.Handler {
	return s.requireRolePage("这些页面供决策承办单位的工作人员使用。", identity.RoleAgencyStaff)(next)
}

// staffDecisions lists the decisions of the lead unit.
func (s *site) staffDecisions(w http.ResponseWriter, r *http.Request) {
	renderCursorList(s, w, r, "本单位决策事项", "staff_decisions", "/staff/decisions", func(cursor string) ([]consultation.Decision, string, error) {
		return s.svc.Consultation.ListDecisions(r.Context(), currentAccount(r), consultation.DecisionFilter{Mine: true, Cursor: cursor})
	})
}

// decisionFormData backs the create and edit form.
type decisionFormData struct {
	Decision     *consultation.Decision // nil when creating
	LeadName     string
	Categories   []consultation.Category
	Domains      []consultation.Domain
	Bodies       []identity.Agency // decision bodies: government agencies
	CoUnits      []identity.Agency // every agency but the lead unit
	CoSelected   map[string]bool
	Action       string
	SubmitLabel  string
	CancelURL    string
	DecisionFlag []decisionFlag
}

// decisionFlag is one of the flags that decide which procedure steps apply.
type decisionFlag struct {
	Name, Label, Hint string
}

// decisionFlags explain in one line what each flag makes the procedure require.
var decisionFlags = []decisionFlag{
	{"technical", "涉及专业性、技术性问题", "需要组织专家论证（《重大行政决策程序暂行条例》第十九条）。"},
	{"stability_risk", "可能影响社会稳定或公共安全", "需要进行社会稳定风险评估，结论为风险可控方可推进（第二十二条至第二十四条）。"},
	{"affects_specific_groups", "对特定群体利益影响较大", "需要与相关群体代表沟通协商，听取其意见（第十四条）。"},
	{"market_related", "涉及市场主体经济活动", "需要进行公平竞争审查（第二十九条）。"},
	{"not_disclosable", "依法不予公开征求意见", "不公开征求公众意见，必须在下方写明法律依据（第十四条）。"},
}

func (s *site) decisionFormData(r *http.Request, d *consultation.Decision) (decisionFormData, error) {
	a := currentAccount(r)
	agencies, err := s.svc.Identity.ListAgencies(r.Context())
	if err != nil {
		return decisionFormData{}, err
	}
	data := decisionFormData{Decision: d, Categories: consultation.Categories, Domains: consultation.Domains,
		CoSelected: map[string]bool{}, DecisionFlag: decisionFlags, Action: "/staff/decisions/new",
		SubmitLabel: "创建决策事项", CancelURL: "/staff/decisions"}
	lead := deref(a.AgencyCode)
	if d != nil {
		lead = d.LeadAgencyCode
		data.Action = "/staff/decisions/" + strconv.FormatInt(d.ID, 10) + "/edit"
		data.SubmitLabel = "保存修改"
		data.CancelURL = "/staff/decisions/" + strconv.FormatInt(d.ID, 10)
	}
	for _, ag := range agencies {
		if ag.Code == lead {
			data.LeadName = ag.Name
			// A department or a township government decides its own
			// matters too (Decree 713 Art. 42).
			if ag.Kind == identity.AgencyGovernment || ag.Kind == identity.AgencyDepartment {
				data.Bodies = append(data.Bodies, ag)
			}
			continue
		}
		if ag.Kind == identity.AgencyGovernment {
			data.Bodies = append(data.Bodies, ag)
		}
		data.CoUnits = append(data.CoUnits, ag)
	}
	return data, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// decisionFormValues fills the form from a decision.
func decisionFormValues(p *page, data *decisionFormData, d consultation.Decision) {
	p.Form["title"] = d.Title
	p.Form["summary"] = d.Summary
	p.Form["category"] = string(d.Category)
	p.Form["domain"] = string(d.Domain)
	p.Form["decision_body"] = d.DecisionBodyCode
	flags := map[string]bool{"technical": d.Technical, "stability_risk": d.StabilityRisk,
		"affects_specific_groups": d.AffectsSpecificGroups, "market_related": d.MarketRelated, "not_disclosable": d.NotDisclosable}
	for k, v := range flags {
		if v {
			p.Form[k] = "on"
		}
	}
	p.Form["not_disclosable_reason"] = d.NotDisclosableReason
	if d.PlannedDecisionDate != nil {
		p.Form["planned_decision_date"] = d.PlannedDecisionDate.Format(time.DateOnly)
	}
	for _, c := range d.CoAgencyCodes {
		data.CoSelected[c] = true
	}
}

// readDecisionForm reads the posted form into the page (to show it again)
// and the service input. It reports false when a field cannot be parsed.
func readDecisionForm(r *http.Request, p *page, data *decisionFormData) (consultation.DecisionInput, bool) {
	p.keep(r, "title", "summary", "category", "domain", "decision_body", "not_disclosable_reason", "planned_decision_date")
	in := consultation.DecisionInput{Title: p.Form["title"], Summary: p.Form["summary"], Category: consultation.Category(p.Form["category"]),
		Domain: consultation.Domain(p.Form["domain"]), DecisionBody: p.Form["decision_body"], NotDisclosableReason: p.Form["not_disclosable_reason"]}
	for _, f := range decisionFlags {
		if r.PostFormValue(f.Name) != "" {
			p.Form[f.Name] = "on"
		}
	}
	in.Technical = p.Form["technical"] != ""
	in.StabilityRisk = p.Form["stability_risk"] != ""
	in.AffectsSpecificGroups = p.Form["affects_specific_groups"] != ""
	in.MarketRelated = p.Form["market_related"] != ""
	in.NotDisclosable = p.Form["not_disclosable"] != ""
	in.CoAgencies = r.PostForm["co_agencies"]
	for _, c := range in.CoAgencies {
		data.CoSelected[c] = true
	}
	if v := strings.TrimSpace(p.Form["planned_decision_date"]); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			p.Errors["planned_decision_date"] = "请按“年-月-日”填写计划决策日期"
			return in, false
		}
		in.PlannedDecisionDate = &t
	}
	return in, true
}

// newDecisionPage is the page of the form that creates a decision, with
// the form's data; it renders the error page and reports false when the
// data cannot be loaded.
func (s *site) newDecisionPage(w http.ResponseWriter, r *http.Request) (page, decisionFormData, bool) {
	p := s.newPage(r, "新建决策事项")
	data, err := s.decisionFormData(r, nil)
	if err != nil {
		s.pageError(w, r, err)
		return p, data, false
	}
	p.Data = data
	return p, data, true
}

func (s *site) newDecisionForm(w http.ResponseWriter, r *http.Request) {
	if p, _, ok := s.newDecisionPage(w, r); ok {
		s.render(w, r, http.StatusOK, "staff_decision_form", p)
	}
}

func (s *site) createDecision(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p, data, ok := s.newDecisionPage(w, r)
	if !ok {
		return
	}
	in, ok := readDecisionForm(r, &p, &data)
	if !ok {
		s.render(w, r, http.StatusUnprocessableEntity, "staff_decision_form", p)
		return
	}
	in.LeadAgency = deref(currentAccount(r).AgencyCode)
	d, err := s.svc.Consultation.CreateDecision(r.Context(), currentAccount(r), in)
	if err != nil {
		s.renderFormError(w, r, &p, err, "staff_decision_form")
		return
	}
	http.Redirect(w, r, staffURL(d.ID, "?flash=decision_created"), http.StatusSeeOther)
}

// renderFormError shows a refused form again with the service's messages;
// a refusal of access is an error page instead (there is no form to fix).
func (s *site) renderFormError(w http.ResponseWriter, r *http.Request, p *page, err error, name string) {
	if status, ok := s.refusedForm(w, r, p, err); ok {
		s.render(w, r, status, name, *p)
	}
}

// refusedForm puts a refused submission's error into p and returns the
// status to show the form again with. It reports false, having rendered the
// error page, when there is no form to show again (access refused, server
// failed). Field errors without a message of their own (and no failed
// gates, which the page lists) get the general prompt to fix them.
func (s *site) refusedForm(w http.ResponseWriter, r *http.Request, p *page, err error) (int, bool) {
	// A refused device signature (signing_keys.go) is the form's message,
	// not a refusal of access.
	status := signerError(p, err, s.formError(r, p, err))
	if accessRefusal(status) {
		s.pageError(w, r, err)
		return status, false
	}
	p.askToFix()
	return status, true
}

// finishForm ends a posted form: when it went through (err is nil) it
// redirects to next; a refusal shows the form again through again, with
// the status refusedForm gives, unless there is no form to show.
func (s *site) finishForm(w http.ResponseWriter, r *http.Request, p *page, err error, next string, again func(status int)) {
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if status, ok := s.refusedForm(w, r, p, err); ok {
		again(status)
	}
}

// refusedFilter puts the refusal of a list's filters into p and returns
// the status to show the list again with; it reports false, having
// rendered the error page, when access was refused.
func (s *site) refusedFilter(w http.ResponseWriter, r *http.Request, p *page, err error) (int, bool) {
	status := s.formError(r, p, err)
	if accessRefusal(status) {
		s.pageError(w, r, err)
		return status, false
	}
	if p.Message == "" {
		p.Message = "筛选条件无效，请重新选择。"
	}
	return status, true
}

// refusedDecisionForm is refusedForm for a form of a decision's staff
// pages: it also loads the decision, to show the form again with.
func (s *site) refusedDecisionForm(w http.ResponseWriter, r *http.Request, p *page, err error) (consultation.Decision, int, bool) {
	status, ok := s.refusedForm(w, r, p, err)
	if !ok {
		return consultation.Decision{}, status, false
	}
	d, ok := s.staffDecisionFor(w, r)
	return d, status, ok
}

// askToFix sets the general prompt when only fields are wrong.
func (p *page) askToFix() {
	if len(p.Errors) > 0 && p.Message == "" && len(p.Gates) == 0 {
		p.Message = "提交的内容有误，请按提示修改。"
	}
}

func staffURL(id int64, rest string) string {
	return "/staff/decisions/" + strconv.FormatInt(id, 10) + rest
}

// staffDecisionFor loads the decision of a staff page for the signed-in
// account, rendering the error page when it cannot. A public decision is
// readable by every staff member, but its staff pages belong to the units
// that work on it (lead unit, decision body, co-units: CanSeeInternal);
// anyone else gets 403 rather than a page whose every action would be
// refused (outside check staff2: the review page answered 200).
func (s *site) staffDecisionFor(w http.ResponseWriter, r *http.Request) (consultation.Decision, bool) {
	d, ok := s.decisionFor(w, r, "您访问的决策事项不存在。")
	if ok && !consultation.CanSeeInternal(currentAccount(r), &d) {
		s.renderError(w, r, http.StatusForbidden, "无权访问", "只有该决策事项承办单位（"+d.LeadAgencyName+
			"）、决策机关或协办单位的工作人员可以使用此页面。公开内容请查看决策事项的公开页面。")
		return d, false
	}
	return d, ok
}

// requireLeadPage answers 403 on the lead unit's forms for anyone else: the
// service refuses their submissions anyway, so the form would only mislead.
func (s *site) requireLeadPage(w http.ResponseWriter, r *http.Request, d consultation.Decision) bool {
	if currentAccount(r).IsStaffOf(d.LeadAgencyID) {
		return true
	}
	s.renderError(w, r, http.StatusForbidden, "无权访问", "只有该决策事项承办单位（"+d.LeadAgencyName+"）的工作人员可以执行此操作。")
	return false
}

func (s *site) editDecisionForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	p := s.newPage(r, "编辑决策事项")
	data, err := s.decisionFormData(r, &d)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	decisionFormValues(&p, &data, d)
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_decision_form", p)
}

func (s *site) updateDecision(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedDecisionID(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "编辑决策事项")
	data := decisionFormData{CoSelected: map[string]bool{}}
	in, parsed := readDecisionForm(r, &p, &data)
	status := http.StatusUnprocessableEntity
	if parsed {
		d, err := s.svc.Consultation.UpdateDecision(r.Context(), currentAccount(r), id, in)
		if err == nil {
			http.Redirect(w, r, staffURL(d.ID, "?flash=decision_saved"), http.StatusSeeOther)
			return
		}
		if status = s.formError(r, &p, err); accessRefusal(status) {
			s.pageError(w, r, err)
			return
		}
	}
	// Show the form again; it needs the decision, which the lead unit sees.
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	full, err := s.decisionFormData(r, &d)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	full.CoSelected = data.CoSelected
	p.Data = full
	p.askToFix()
	s.render(w, r, status, "staff_decision_form", p)
}

// accessRefusal reports whether a status means there is no form to show
// again: the visitor may not act at all, or the server failed.
func accessRefusal(status int) bool {
	switch status {
	case http.StatusForbidden, http.StatusNotFound, http.StatusUnauthorized, http.StatusInternalServerError:
		return true
	}
	return false
}

// workspaceData is the lead unit's page of one decision.
type workspaceData struct {
	Decision     consultation.Decision
	Gates        consultation.GateReport
	Versions     []consultation.DraftVersion
	Consultation *consultation.Consultation
	Open         bool
	// NotYet is set when the consultation has not started yet (a window
	// that is not open and has not ended).
	NotYet    bool
	LeadStaff bool
	// CoAgencyNames are the co-units by name (the decision keeps codes).
	CoAgencyNames []string
	// Previous is the major adjustment this decision is the new run of
	// (Decree 713 Art. 37), if any.
	Previous *implementation.Adjustment
}

func (s *site) staffDecision(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, d.Title)
	s.renderWorkspace(w, r, http.StatusOK, d, p)
}

// renderWorkspace renders the workspace, also after a refused action (p
// then carries the refusal).
func (s *site) renderWorkspace(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	gates, err := svc.DecisionGates(ctx, actor, d.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	versions, err := s.allVersions(r, d.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := workspaceData{Decision: d, Gates: gates, Versions: versions, LeadStaff: actor.IsStaffOf(d.LeadAgencyID)}
	if len(d.CoAgencyCodes) > 0 {
		agencies, err := s.svc.Identity.ListAgencies(ctx)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		names := map[string]string{}
		for _, a := range agencies {
			names[a.Code] = a.Name
		}
		for _, c := range d.CoAgencyCodes {
			data.CoAgencyNames = append(data.CoAgencyNames, cmp.Or(names[c], c))
		}
	}
	if s.svc.Implementation != nil {
		if _, prev, err := s.svc.Implementation.ListAdjustments(ctx, actor, d.ID); err == nil {
			data.Previous = prev
		}
	}
	if c, err := svc.CurrentConsultation(ctx, actor, d.ID); err == nil {
		now := svc.Now()
		data.Consultation, data.Open = &c, c.IsOpen(now)
		data.NotYet = !data.Open && c.ClosedAt == nil && now.Before(c.OpensAt)
	}
	p.Data = data
	s.render(w, r, status, "staff_decision", p)
}

func (s *site) withdrawDecision(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedDecisionID(w, r)
	if !ok {
		return
	}
	reason := r.PostFormValue("reason")
	d, err := s.svc.Consultation.WithdrawDecision(r.Context(), currentAccount(r), id, reason)
	if err == nil {
		http.Redirect(w, r, staffURL(d.ID, "?flash=decision_withdrawn"), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "撤回决策事项")
	p.Form["reason"] = reason
	d, status, ok := s.refusedDecisionForm(w, r, &p, err)
	if !ok {
		return
	}
	p.Title = d.Title
	s.renderWorkspace(w, r, status, d, p)
}
