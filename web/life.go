package web

import (
	"context"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The life of a decision before and after the procedure (issue 13): the
// admins' meeting compositions, body settings and calendar coverage
// (/admin/meetings), the public catalogue per year with the body's forms
// (/catalogues), proposals of decision items and their public answers
// (/proposals), and implementation, post-evaluation and adjustment
// (/decisions/{id}/implementation). Every rule is the services'.

func init() {
	pageNames = append(pageNames, "admin_meetings", "catalogues", "catalogue", "catalogue_record", "proposals", "implementation")
	maps.Copy(flashText, lifeFlash)
	funcs["minCompositionMembers"] = func() int { return consultation.MinCompositionMembers }
	funcs["catalogueStatusName"] = func(s catalogue.Status) string { return catalogue.StatusNames[s] }
	funcs["adjustmentKindName"] = func(k catalogue.AdjustmentKind) string { return catalogue.AdjustmentKindNames[k] }
	funcs["proposerKindName"] = func(k catalogue.ProposerKind) string { return catalogue.ProposerKindNames[k] }
	funcs["proposalStatusName"] = func(k catalogue.ProposalStatus) string { return catalogue.ProposalStatusNames[k] }
	funcs["reportKindName"] = func(k implementation.ReportKind) string { return implementation.ReportKindNames[k] }
	funcs["triggerName"] = func(k implementation.Trigger) string { return implementation.TriggerNames[k] }
	funcs["evaluationOutcomeName"] = func(o *implementation.Outcome) string {
		if o == nil {
			return "评估中"
		}
		return implementation.OutcomeNames[*o]
	}
	funcs["eventName"] = func(k string) string { return catalogueEventNames[k] }
}

var lifeFlash = map[string]string{
	"composition_saved":    "会议组成人员已保存。",
	"settings_saved":       "决策机关设置已保存。",
	"catalogue_created":    "决策事项目录已创建。",
	"item_added":           "目录事项已增加。",
	"approval_recorded":    "已记录党委同意的文号和日期。",
	"catalogue_published":  "目录已公布。",
	"adjustment_requested": "目录调整申请已提出，经党委同意后公布生效。",
	"item_initiated":       "已记录决定启动该事项。",
	"decision_linked":      "决策事项已关联到目录事项。",
	"proposal_submitted":   "您的建议已提交，决策机关将公开答复。",
	"proposal_answered":    "答复已公开。",
	"report_submitted":     "执行情况报告已提交。",
	"evaluation_started":   "决策后评估已启动。",
	"evaluation_reported":  "评估报告已记录。",
	"decision_adjusted":    "决策调整已记录。",
	"decision_suspended":   "已记录行政首长中止执行的决定。",
	"decision_resumed":     "已记录恢复执行的决定。",
	"decision_ended":       "已停止执行。",
	"opinion_resolved":     "对不合法法律意见的处理说明已记录。",
	"revision_started":     "已根据不合法的审查意见退回修改，请上传修改后的草案并重新送审。",
}

var catalogueEventNames = map[string]string{
	"catalogue_created": "编制目录", "item_added": "增加事项", "catalogue_agreed": "党委同意", "catalogue_published": "公布目录",
	"adjustment_requested": "提出调整", "adjustment_agreed": "党委同意调整", "adjustment_published": "公布调整",
	"item_initiated": "决定启动", "decision_linked": "关联决策事项",
}

func (s *site) mountLife(r chi.Router) {
	r.Get("/admin/meetings", s.adminMeetings)
	r.Post("/admin/meetings/{code}/composition", s.saveComposition)
	r.Post("/admin/meetings/{code}/settings", s.saveBodySettings)
	r.Get("/catalogues", s.cataloguesPage)
	r.Post("/catalogues", s.createCatalogue)
	r.Get("/catalogues/{id}", s.cataloguePage)
	r.Get("/catalogues/{id}/record", s.catalogueRecordPage)
	r.Post("/catalogues/{id}/{action}", s.catalogueAction)
	r.Get("/proposals", s.proposalsPage)
	r.Post("/proposals", s.submitProposal)
	r.Post("/proposals/{id}/answer", s.answerProposal)
	r.Get("/decisions/{id}/implementation", s.implementationPage)
	r.Post("/decisions/{id}/implementation/{action}", s.implementationAction)
	r.Post("/review/{id}/resolve-unlawful", s.resolveUnlawful)
	r.Post("/staff/decisions/{id}/review/revise", s.reviseAfterUnlawful)
}

// lifeAct runs a form's action; on success it redirects to back, otherwise
// it re-renders with the refusal (field errors too, at the top: these pages
// hold several small forms).
func (s *site) lifeAct(w http.ResponseWriter, r *http.Request, back string, act func(p *page) error, render func(status int, p page)) {
	s.lifeActTo(w, r, func() string { return back }, act, render)
}

// lifeActTo is lifeAct with the redirect computed after the action.
func (s *site) lifeActTo(w http.ResponseWriter, r *http.Request, back func() string, act func(p *page) error, render func(status int, p page)) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "")
	for k := range r.PostForm {
		p.Form[k] = r.PostFormValue(k)
	}
	err := act(&p)
	if err == nil {
		http.Redirect(w, r, back(), http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+r.URL.Path, http.StatusSeeOther)
		return
	}
	// The summary at the top and each field say what is wrong; the
	// notice only asks to fix them (it repeated every message joined).
	p.askToFix()
	render(status, p)
}

// lifeAction is one of the actions a page posts to …/{action}: the flash
// its success redirects with, and what it does with the form.
type lifeAction struct {
	flash string
	do    func(f map[string]string) error
}

// lifePageAction runs, through lifeAct, the action the path names of the
// page at back (404 when the page has no such action).
func (s *site) lifePageAction(w http.ResponseWriter, r *http.Request, back string, actions map[string]lifeAction,
	render func(status int, p page)) {
	a, ok := actions[chi.URLParam(r, "action")]
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "没有这项操作。")
		return
	}
	s.lifeAct(w, r, back+"?flash="+a.flash, func(p *page) error { return a.do(p.Form) }, render)
}

func lifeDate(v string) time.Time {
	t, _ := time.Parse(time.DateOnly, strings.TrimSpace(v))
	return t
}

func lifeInt(v string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(v))
	return n
}

// ---- /admin/meetings ----

// adminBody is one decision body on the admin page.
type adminBody struct {
	Composition consultation.MeetingComposition
	Settings    consultation.BodySettings
	Members     string // the members as the textarea holds them
}

type adminMeetingsData struct {
	Bodies    []adminBody
	Coverage  consultation.CalendarCoverage
	Years     string
	Reminders []consultation.CalendarReminder
}

func (s *site) adminMeetings(w http.ResponseWriter, r *http.Request) {
	s.renderAdminMeetings(w, r, http.StatusOK, s.newPage(r, "会议组成人员与工作日历"))
}

func (s *site) renderAdminMeetings(w http.ResponseWriter, r *http.Request, status int, p page) {
	actor := currentAccount(r)
	if actor == nil {
		http.Redirect(w, r, "/login?next=/admin/meetings", http.StatusSeeOther)
		return
	}
	if !actor.HasRole(identity.RoleAdmin) {
		s.renderError(w, r, http.StatusForbidden, "无权访问", "只有平台管理员可以管理会议组成人员和工作日历。")
		return
	}
	ctx, svc := r.Context(), s.svc.Consultation
	list, err := svc.ListMeetingCompositions(ctx, actor)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var data adminMeetingsData
	for _, c := range list {
		set, err := svc.GetBodySettings(ctx, actor, c.DecisionBodyCode)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		var lines []string
		for _, m := range c.Members {
			lines = append(lines, strings.TrimSpace(m.Name+" "+m.Position))
		}
		data.Bodies = append(data.Bodies, adminBody{Composition: c, Settings: set, Members: strings.Join(lines, "\n")})
	}
	if data.Coverage, err = svc.CalendarCoverage(ctx); err != nil {
		s.pageError(w, r, err)
		return
	}
	var ys []string
	for _, y := range data.Coverage.Years {
		ys = append(ys, strconv.Itoa(y)+"年")
	}
	data.Years = strings.Join(ys, "、")
	if data.Reminders, err = svc.ListCalendarReminders(ctx); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = "会议组成人员与工作日历"
	p.Data = data
	s.render(w, r, status, "admin_meetings", p)
}

// parseMembers reads one member a line: the name, then (after a space or
// a comma) the position.
func parseMembers(text, head string) []consultation.MeetingCompositionMember {
	var out []consultation.MeetingCompositionMember
	for _, line := range splitLines(text) {
		line = strings.NewReplacer("，", " ", ",", " ", "\t", " ", "　", " ").Replace(line)
		name, pos, _ := strings.Cut(strings.TrimSpace(line), " ")
		out = append(out, consultation.MeetingCompositionMember{Name: name, Position: strings.TrimSpace(pos), IsHead: name == strings.TrimSpace(head)})
	}
	return out
}

func (s *site) saveComposition(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	s.lifeAct(w, r, "/admin/meetings?flash=composition_saved#body-"+code, func(p *page) error {
		members := parseMembers(p.Form["members"], p.Form["head"])
		_, err := s.svc.Consultation.SetMeetingComposition(r.Context(), currentAccount(r), code, members)
		return err
	}, func(status int, p page) { s.renderAdminMeetings(w, r, status, p) })
}

func (s *site) saveBodySettings(w http.ResponseWriter, r *http.Request) {
	code := chi.URLParam(r, "code")
	s.lifeAct(w, r, "/admin/meetings?flash=settings_saved#body-"+code, func(p *page) error {
		_, err := s.svc.Consultation.SetBodySettings(r.Context(), currentAccount(r), code, consultation.BodySettings{
			SurveyMinResponses: lifeInt(p.Form["survey_min_responses"]), CatalogueRequired: p.Form["catalogue_required"] == "on",
			FeedbackThreshold: lifeInt(p.Form["feedback_threshold"])})
		return err
	}, func(status int, p page) { s.renderAdminMeetings(w, r, status, p) })
}

// ---- /catalogues ----

type cataloguesData struct {
	Catalogues []catalogue.Catalogue
	// BodyCode is the signed-in staff's agency, which may keep a catalogue.
	BodyCode string
	Year     int
	// Bodies are the agencies that may keep a catalogue, chosen by name.
	Bodies []identity.Agency
}

func (s *site) cataloguesPage(w http.ResponseWriter, r *http.Request) {
	s.renderCatalogues(w, r, http.StatusOK, s.newPage(r, "决策事项目录"))
}

func (s *site) renderCatalogues(w http.ResponseWriter, r *http.Request, status int, p page) {
	actor := currentAccount(r)
	list, err := s.svc.Catalogue.ListCatalogues(r.Context(), actor, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := cataloguesData{Catalogues: list, Year: s.svc.Consultation.Now().In(shanghai).Year()}
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyCode != nil {
		data.BodyCode = *actor.AgencyCode
		if p.Form["decision_body"] == "" {
			p.Form["decision_body"], p.Form["year"] = data.BodyCode, strconv.Itoa(data.Year)
		}
		choices, err := s.newItemChoices(r.Context(), nil)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Bodies = choices.Agencies
	}
	p.Title = "决策事项目录"
	p.Data = data
	s.render(w, r, status, "catalogues", p)
}

func (s *site) createCatalogue(w http.ResponseWriter, r *http.Request) {
	var id int64
	// The redirect goes to the new catalogue's page, where items are added.
	s.lifeActTo(w, r, func() string { return "/catalogues/" + strconv.FormatInt(id, 10) + "?flash=catalogue_created" }, func(p *page) error {
		c, err := s.svc.Catalogue.CreateCatalogue(r.Context(), currentAccount(r), p.Form["decision_body"], lifeInt(p.Form["year"]))
		id = c.ID
		return err
	}, func(status int, p page) { s.renderCatalogues(w, r, status, p) })
}

type catalogueData struct {
	Catalogue catalogue.Catalogue
	// BodyStaff may change the catalogue; LeadCode is the signed-in staff's
	// agency, whose initiated items it may link to its decisions.
	BodyStaff bool
	LeadCode  string
	YearOver  bool
	// Verified: the body's catalogue record was verified on request
	// (?verify=1; it re-reads every row of every year), with Verify's result.
	Verified bool
	Verify   record.VerifyResult
	itemChoices
}

// itemChoices are the choices of a catalogue item's form, on the catalogue
// page and on a proposal's answer: the domains, the categories a catalogue
// may list (not the excluded ones), the kinds of proposer and the agencies
// that may be a decision body or a lead unit, chosen by name.
type itemChoices struct {
	Domains   []consultation.Domain
	Cats      []consultation.Category
	Proposers []catalogue.ProposerKind
	// Agencies are the governments and departments: decision bodies
	// (Decree 713 Art. 42) and lead units alike.
	Agencies []identity.Agency
}

func (s *site) newItemChoices(ctx context.Context, proposers []catalogue.ProposerKind) (itemChoices, error) {
	c := itemChoices{Domains: consultation.Domains, Proposers: proposers}
	for _, k := range consultation.Categories {
		if !k.Excluded() {
			c.Cats = append(c.Cats, k)
		}
	}
	agencies, err := s.svc.Identity.ListAgencies(ctx)
	if err != nil {
		return c, err
	}
	for _, a := range agencies {
		if a.Kind == identity.AgencyGovernment || a.Kind == identity.AgencyDepartment {
			c.Agencies = append(c.Agencies, a)
		}
	}
	return c, nil
}

func (s *site) cataloguePage(w http.ResponseWriter, r *http.Request) {
	s.renderCatalogue(w, r, http.StatusOK, s.newPage(r, "决策事项目录"))
}

func (s *site) renderCatalogue(w http.ResponseWriter, r *http.Request, status int, p page) {
	id, ok := s.idInPath(w, r, "目录不存在。")
	if !ok {
		return
	}
	actor := currentAccount(r)
	c, err := s.svc.Catalogue.GetCatalogue(r.Context(), actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	choices, err := s.newItemChoices(r.Context(), catalogue.ProposerKinds)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := catalogueData{Catalogue: c, itemChoices: choices,
		YearOver: s.svc.Consultation.Now().In(shanghai).Year() > c.Year}
	if actor != nil && (actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(c.DecisionBodyID)) {
		data.BodyStaff = true
	}
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyCode != nil {
		data.LeadCode = *actor.AgencyCode
	}
	if r.URL.Query().Get("verify") == "1" {
		if data.Verify, err = s.svc.Catalogue.VerifyCatalogueRecord(r.Context(), actor, id); err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Verified = true
	}
	p.Title = c.DecisionBodyName + strconv.Itoa(c.Year) + "年度重大行政决策事项目录"
	p.Data = data
	s.render(w, r, status, "catalogue", p)
}

// catalogueRecordKinds names the catalogue chain's entries that are not a
// catalogue's history step (catalogueEventNames names those, after the
// chain's "catalogue_" prefix).
var catalogueRecordKinds = map[string]string{
	string(catalogue.RecordRecordStarted):     "建立目录档案",
	string(catalogue.RecordProposalSubmitted): "收到决策事项建议",
	string(catalogue.RecordProposalAnswered):  "答复决策事项建议",
}

// catalogueRecordTitle says in Chinese what a catalogue chain entry
// records; never the kind's identifier.
func catalogueRecordTitle(kind string) string {
	if t := catalogueRecordKinds[kind]; t != "" {
		return t
	}
	// A history step's kind is prefixed once: catalogue_item_added, but
	// catalogue_created for catalogue_created.
	for _, k := range []string{kind, strings.TrimPrefix(kind, "catalogue_")} {
		if t := catalogueEventNames[k]; t != "" {
			return t
		}
	}
	return "目录档案记录"
}

// catalogueRecordEntry is one entry of the public catalogue record page:
// what happened, when, who in role only, and the chain's hashes.
type catalogueRecordEntry struct {
	Seq                 int64
	Title, Role         string
	At                  time.Time
	PrevHash, EntryHash string
}

// catalogueRecordPage lists the entries of the catalogue record (目录档案)
// of the catalogue's decision body, for anyone who may see the catalogue.
func (s *site) catalogueRecordPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "目录不存在。")
	if !ok {
		return
	}
	actor := currentAccount(r)
	c, err := s.svc.Catalogue.GetCatalogue(r.Context(), actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	entries, err := s.svc.Catalogue.RecordEntries(r.Context(), actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := struct {
		Catalogue catalogue.Catalogue
		Entries   []catalogueRecordEntry
	}{Catalogue: c}
	for _, e := range entries {
		data.Entries = append(data.Entries, catalogueRecordEntry{Seq: e.Seq, Title: catalogueRecordTitle(string(e.Kind)),
			Role: roleNames[identity.Role(e.ActorRole)], At: e.RecordedAt, PrevHash: e.PrevHash, EntryHash: e.EntryHash})
	}
	p := s.newPage(r, c.DecisionBodyName+"目录档案")
	p.Data = data
	s.render(w, r, http.StatusOK, "catalogue_record", p)
}

func itemFromForm(f map[string]string) catalogue.ItemInput {
	return catalogue.ItemInput{Title: f["title"], LeadAgency: f["lead_agency"], Domain: consultation.Domain(f["domain"]),
		Category: consultation.Category(f["category"]), PlannedQuarter: lifeInt(f["planned_quarter"]),
		HearingPlanned: f["hearing_planned"] == "on", SurveyPlanned: f["survey_planned"] == "on"}
}

func (s *site) catalogueAction(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "目录不存在。")
	if !ok {
		return
	}
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Catalogue
	s.lifePageAction(w, r, "/catalogues/"+strconv.FormatInt(id, 10), map[string]lifeAction{
		"items": {"item_added", func(f map[string]string) error {
			return errOf(svc.AddCatalogueItem(ctx, actor, id, itemFromForm(f)))
		}},
		"approval": {"approval_recorded", func(f map[string]string) error {
			return errOf(svc.RecordCatalogueApproval(ctx, actor, id, catalogue.ApprovalInput{AdjustmentID: int64(lifeInt(f["adjustment_id"])),
				DocumentNumber: f["document_number"], Date: lifeDate(f["date"])}))
		}},
		"publish": {"catalogue_published", func(map[string]string) error {
			return errOf(svc.PublishCatalogue(ctx, actor, id))
		}},
		"adjustments": {"adjustment_requested", func(f map[string]string) error {
			return errOf(svc.RequestCatalogueAdjustment(ctx, actor, id, catalogue.AdjustmentInput{Kind: catalogue.AdjustmentKind(f["kind"]),
				ItemID: int64(lifeInt(f["item_id"])), Item: itemFromForm(f), Reason: f["reason"]}))
		}},
		"initiate": {"item_initiated", func(f map[string]string) error {
			return errOf(svc.InitiateDecisionItem(ctx, actor, int64(lifeInt(f["item_id"])), catalogue.InitiationInput{
				ProposerKind: catalogue.ProposerKind(f["proposer_kind"]), ProposerName: f["proposer_name"],
				StartReference: f["start_reference"], StartDate: lifeDate(f["start_date"])}))
		}},
		"link": {"decision_linked", func(f map[string]string) error {
			return errOf(svc.LinkDecision(ctx, actor, int64(lifeInt(f["decision_id"])), int64(lifeInt(f["item_id"]))))
		}},
	}, func(status int, p page) { s.renderCatalogue(w, r, status, p) })
}

// ---- /proposals ----

type proposalsData struct {
	Proposals  []catalogue.Proposal
	Catalogues map[int64][]catalogue.Catalogue // the body's catalogues, for staff answering
	CanPropose bool
	Resident   bool
	StaffOf    func(int64) bool
	itemChoices
}

func (s *site) proposalsPage(w http.ResponseWriter, r *http.Request) {
	s.renderProposals(w, r, http.StatusOK, s.newPage(r, "决策事项建议"))
}

func (s *site) renderProposals(w http.ResponseWriter, r *http.Request, status int, p page) {
	actor := currentAccount(r)
	list, err := s.svc.Catalogue.ListDecisionProposals(r.Context(), "", 100)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	resident := actor != nil && actor.Role == identity.RoleResident
	var proposers []catalogue.ProposerKind
	for _, k := range catalogue.ProposerKinds {
		if resident && k != catalogue.ProposerResident && k != catalogue.ProposerOrganisation {
			continue
		}
		proposers = append(proposers, k)
	}
	choices, err := s.newItemChoices(r.Context(), proposers)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := proposalsData{Proposals: list, CanPropose: actor.Verified(), Resident: resident,
		itemChoices: choices, Catalogues: map[int64][]catalogue.Catalogue{},
		StaffOf: func(id int64) bool { return actor != nil && (actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(id)) }}
	if actor != nil && actor.Role != identity.RoleResident {
		cats, err := s.svc.Catalogue.ListCatalogues(r.Context(), actor, "")
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, c := range cats {
			data.Catalogues[c.DecisionBodyID] = append(data.Catalogues[c.DecisionBodyID], c)
		}
	}
	if _, ok := p.Form["decision_body"]; !ok {
		p.Form["decision_body"] = r.URL.Query().Get("decision_body")
	}
	p.Title = "决策事项建议"
	p.Data = data
	s.render(w, r, status, "proposals", p)
}

func (s *site) submitProposal(w http.ResponseWriter, r *http.Request) {
	s.lifeAct(w, r, "/proposals?flash=proposal_submitted", func(p *page) error {
		return errOf(s.svc.Catalogue.ProposeDecisionItem(r.Context(), currentAccount(r), catalogue.ProposalInput{DecisionBody: p.Form["decision_body"],
			ProposerKind: catalogue.ProposerKind(p.Form["proposer_kind"]), ProposerName: p.Form["proposer_name"],
			Title: p.Form["title"], Description: p.Form["description"]}))
	}, func(status int, p page) { s.renderProposals(w, r, status, p) })
}

func (s *site) answerProposal(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	s.lifeAct(w, r, "/proposals?flash=proposal_answered#proposal-"+strconv.FormatInt(id, 10), func(p *page) error {
		return errOf(s.svc.Catalogue.AnswerDecisionProposal(r.Context(), currentAccount(r), id, catalogue.AnswerInput{
			Accepted: p.Form["accepted"] == "yes", Answer: p.Form["answer"], CatalogueID: int64(lifeInt(p.Form["catalogue_id"])),
			Item: itemFromForm(p.Form)}))
	}, func(status int, p page) { s.renderProposals(w, r, status, p) })
}

// ---- /decisions/{id}/implementation ----

type implementationData struct {
	Decision    consultation.Decision
	Publication consultation.Publication
	Reports     []implementation.Report
	Schedule    implementation.Schedule
	Evaluations []implementation.Evaluation
	Triggers    []implementation.TriggerState
	Adjustments []implementation.Adjustment
	Previous    *implementation.Adjustment
	Head        string
	// TriggerChoices are the post-evaluation triggers the form offers.
	TriggerChoices []choice
	// Who may act.
	Implementer, BodyStaff, LeadStaff bool
}

func (s *site) implementationPage(w http.ResponseWriter, r *http.Request) {
	s.renderImplementation(w, r, http.StatusOK, s.newPage(r, "决策执行与评估"))
}

func (s *site) renderImplementation(w http.ResponseWriter, r *http.Request, status int, p page) {
	id, ok := s.idInPath(w, r, "决策事项不存在。")
	if !ok {
		return
	}
	ctx, actor := r.Context(), currentAccount(r)
	pub, err := s.svc.Consultation.GetPublication(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d, err := s.svc.Consultation.GetDecision(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := implementationData{Decision: d, Publication: pub}
	if data.Reports, data.Schedule, err = s.svc.Implementation.ListImplementationReports(ctx, actor, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if data.Evaluations, err = s.svc.Implementation.ListPostEvaluations(ctx, actor, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if data.Adjustments, data.Previous, err = s.svc.Implementation.ListAdjustments(ctx, actor, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if actor != nil {
		data.Implementer = actor.IsStaffOf(pub.ImplementingAgencyID)
		data.BodyStaff = actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(d.DecisionBodyID)
		data.LeadStaff = actor.IsStaffOf(d.LeadAgencyID)
		if data.BodyStaff || data.LeadStaff {
			if ts, err := s.svc.Implementation.PostEvaluationTriggers(ctx, actor, id); err == nil {
				data.Triggers = ts
				for _, t := range ts {
					data.TriggerChoices = append(data.TriggerChoices, choice{Value: string(t.Trigger), Label: implementation.TriggerNames[t.Trigger]})
				}
			}
			if c, err := s.svc.Consultation.GetMeetingComposition(ctx, actor, d.DecisionBodyCode); err == nil {
				data.Head = c.Head()
			}
		}
	}
	p.Title = d.Title + " · 执行与评估"
	p.Data = data
	s.render(w, r, status, "implementation", p)
}

func (s *site) implementationAction(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "决策事项不存在。")
	if !ok {
		return
	}
	ctx, actor := r.Context(), currentAccount(r)
	impl, cs := s.svc.Implementation, s.svc.Consultation
	s.lifePageAction(w, r, "/decisions/"+strconv.FormatInt(id, 10)+"/implementation", map[string]lifeAction{
		"report": {"report_submitted", func(f map[string]string) error {
			// Nothing is preselected: whether the effect was achieved is
			// the report's statement (a failure counts toward Art. 36).
			if f["effect_achieved"] != "yes" && f["effect_achieved"] != "no" {
				return errs.InvalidField("effect_achieved_required", "effect_achieved", "请选择是否达到预期效果")
			}
			return errOf(impl.SubmitImplementationReport(ctx, actor, id, implementation.ReportInput{Kind: implementation.ReportKind(f["kind"]),
				PeriodEnd: lifeDate(f["period_end"]), Progress: f["progress"], Problems: f["problems"], EffectAchieved: f["effect_achieved"] == "yes"}))
		}},
		"evaluation": {"evaluation_started", func(f map[string]string) error {
			return renameField(errOf(impl.StartPostEvaluation(ctx, actor, id, implementation.StartInput{Trigger: implementation.Trigger(f["trigger"]),
				Reason: f["ev_reason"], Evaluator: f["evaluator"]})), "reason", "ev_reason")
		}},
		"evaluation-report": {"evaluation_reported", func(f map[string]string) error {
			return errOf(impl.SubmitPostEvaluationReport(ctx, actor, id, implementation.EvaluationReportInput{Report: f["report"],
				PublicParticipation: f["public_participation"], Outcome: implementation.Outcome(f["outcome"])}))
		}},
		"adjust": {"decision_adjusted", func(f map[string]string) error {
			return renameField(errOf(impl.AdjustDecision(ctx, actor, id, implementation.AdjustmentInput{Major: f["major"] == "on", Description: f["description"],
				Reason: f["adjust_reason"], NewTitle: f["new_title"]})), "reason", "adjust_reason")
		}},
		"suspend": {"decision_suspended", func(f map[string]string) error {
			return renameField(errOf(cs.SuspendDecision(ctx, actor, id, consultation.SuspensionInput{Reason: f["suspend_reason"],
				HeadName: f["head_name"]})), "reason", "suspend_reason")
		}},
		"resume": {"decision_resumed", func(f map[string]string) error {
			return renameField(errOf(cs.ResumeDecision(ctx, actor, id, consultation.SuspensionInput{Reason: f["suspend_reason"],
				HeadName: f["head_name"]})), "reason", "suspend_reason")
		}},
		"end": {"decision_ended", func(f map[string]string) error {
			return renameField(errOf(impl.EndDecision(ctx, actor, id, f["end_reason"])), "reason", "end_reason")
		}},
	}, func(status int, p page) { s.renderImplementation(w, r, status, p) })
}

// ---- review: unlawful opinions, revision ----

func (s *site) resolveUnlawful(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	if !s.parseForm(w, r) {
		return
	}
	_, err := s.svc.Consultation.ResolveUnlawfulOpinion(r.Context(), currentAccount(r), id, r.PostFormValue("resolution_text"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/review/"+strconv.FormatInt(id, 10)+"?flash=opinion_resolved", http.StatusSeeOther)
}

func (s *site) reviseAfterUnlawful(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	if !s.parseForm(w, r) {
		return
	}
	_, err := s.svc.Consultation.ReviseAfterUnlawfulConclusion(r.Context(), currentAccount(r), int64(lifeInt(r.PostFormValue("review_id"))),
		r.PostFormValue("reason"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/staff/decisions/"+strconv.FormatInt(id, 10)+"/review?flash=revision_started", http.StatusSeeOther)
}
