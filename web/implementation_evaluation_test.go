package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestImplementationPageWithEvaluation: once the decision body starts a
// post-evaluation, the decision's implementation page (public, and the
// staff's) shows it as 评估中. Two template functions were both called
// outcomeName, and the review's replaced the evaluation's, so every
// implementation page with an evaluation answered 500.
func TestImplementationPageWithEvaluation(t *testing.T) {
	e, d, _, bodyToken, _ := implementationScene(t)
	impl := "/decisions/" + strconv.FormatInt(d.ID, 10) + "/implementation"
	b := newBrowser(t, e.URL, bodyToken)
	status, loc := b.post(impl+"/evaluation", url.Values{"trigger": {"body_choice"}, "evaluator": {"河南大学法学院"},
		"ev_reason": {"实施满一年，评估实施效果。"}})
	if status != http.StatusSeeOther {
		t.Fatalf("start the evaluation: %d %s", status, snippet(loc))
	}
	for _, br := range []*browser{b, newBrowser(t, e.URL, "")} {
		status, page := br.get(impl)
		wantStatus(t, "implementation page", status, http.StatusOK, page)
		wantContains(t, "implementation page", page, "河南大学法学院", "结论：<strong>评估中</strong>")
	}
}

// TestImplementationRefusalsKeepWhatWasWritten (outside check staff2): the
// forms of the implementation page (决策执行, 决策后评估, 中止执行, 调整)
// were bare fields: a refusal linked the summary to fields that did not
// exist, said nothing beside the field, and emptied what staff had
// written; several forms shared the field "reason". The head deciding a
// suspension was typed, though only the composition's head may (Art. 37),
// and the report preselected "effect achieved". Now each refusal stands at
// its own field with the text kept, the head is the composition's, the
// suspension names Art. 37, and the report's effect must be stated.
func TestImplementationRefusalsKeepWhatWasWritten(t *testing.T) {
	e, d, staff, bodyToken, staffToken := implementationScene(t)
	impl := "/decisions/" + strconv.FormatInt(d.ID, 10) + "/implementation"
	b := newBrowser(t, e.URL, bodyToken)
	status, page := b.get(impl)
	wantStatus(t, "implementation page", status, http.StatusOK, page)
	wantContains(t, "suspension form", page, "中止执行（行政首长决定，第三十七条）", "作出决定的行政首长：<strong>张市长</strong>",
		`<input type="hidden" name="head_name" value="张市长">`)
	if strings.Contains(page, `type="text" id="head-name"`) {
		t.Error("the head who decides a suspension is typed")
	}
	// A suspension without a reason: refused at the reason, nothing kept
	// lost (the head stays the composition's).
	status, page = b.post(impl+"/suspend", url.Values{"head_name": {"张市长"}, "suspend_reason": {""}})
	wantStatus(t, "suspension without a reason", status, http.StatusUnprocessableEntity, page)
	wantContains(t, "suspension refusal", page, `href="#f-suspend_reason"`, `id="f-suspend_reason-error"`)
	// An evaluation without an evaluator keeps the reason written, and the
	// other forms' reasons stay empty.
	status, page = b.post(impl+"/evaluation", url.Values{"trigger": {"body_choice"}, "evaluator": {""}, "ev_reason": {"实施满一年，评估实施效果。"}})
	wantStatus(t, "evaluation without an evaluator", status, http.StatusUnprocessableEntity, page)
	wantContains(t, "evaluation refusal", page, `id="f-evaluator-error"`, ">实施满一年，评估实施效果。</textarea>")
	if strings.Count(page, "实施满一年，评估实施效果。") != 1 {
		t.Error("the evaluation's reason shows in another form too")
	}
	// The implementing unit's report states the effect; nothing is assumed.
	s := newBrowser(t, e.URL, staffToken)
	status, page = s.get(impl)
	wantStatus(t, "implementing unit's page", status, http.StatusOK, page)
	if strings.Contains(page, `value="yes" checked`) {
		t.Error("the report preselects 达到预期效果")
	}
	status, page = s.post(impl+"/report", url.Values{"kind": {"periodic"}, "period_end": {e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)},
		"progress": {"已部署全市中小学安防设施排查。"}})
	wantStatus(t, "report without its effect", status, http.StatusUnprocessableEntity, page)
	wantContains(t, "report refusal", page, "请选择是否达到预期效果", ">已部署全市中小学安防设施排查。</textarea>")
	if list, _, err := e.Implementation.ListImplementationReports(context.Background(), &staff, d.ID); err != nil || len(list) != 0 {
		t.Fatalf("reports after refusals: %v %v", list, err)
	}
}

// TestMajorAdjustmentWorkspaceSaysWhy (outside check staff2): the new
// decision a major adjustment opens started as a bare drafting item: its
// workspace said nothing of the adjustment or of Art. 37, and its review
// checklist read "all conditions met" with no draft. Now it names the
// original decision, the adjustment and the procedure to run again; the
// co-units of a decision are named, not shown by their internal codes.
func TestMajorAdjustmentWorkspaceSaysWhy(t *testing.T) {
	e, d, staff, _, staffToken := implementationScene(t)
	adj, err := e.Implementation.AdjustDecision(context.Background(), &staff, d.ID, implementation.AdjustmentInput{Major: true,
		Description: "增加放学时段校门口交通组织的规定。", Reason: "决策后评估建议调整。"})
	if err != nil || adj.NewDecisionID == nil {
		t.Fatalf("adjustment: %+v %v", adj, err)
	}
	b := newBrowser(t, e.URL, staffToken)
	status, page := b.get("/staff/decisions/" + strconv.FormatInt(*adj.NewDecisionID, 10))
	wantStatus(t, "new run's workspace", status, http.StatusOK, page)
	wantContains(t, "new run's workspace", page, `id="major-adjustment"`, "增加放学时段校门口交通组织的规定。", "第三十七条",
		`href="/decisions/`+strconv.FormatInt(d.ID, 10)+`/implementation"`, "已上传决策草案", "第二十六条")
	if strings.Contains(page, "已满足全部条件") {
		t.Error("the review checklist of a run without a draft says every condition is met")
	}

	co, err := e.Consultation.CreateDecision(context.Background(), &staff, consultation.DecisionInput{Title: "协办事项", Summary: "简介",
		Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "jyj", CoAgencies: []string{"sfj"}})
	if err != nil {
		t.Fatal(err)
	}
	status, page = b.get("/staff/decisions/" + strconv.FormatInt(co.ID, 10))
	wantStatus(t, "workspace with a co-unit", status, http.StatusOK, page)
	sfj, _ := e.Identity.GetAgencyByCode(context.Background(), "sfj")
	wantContains(t, "co-unit", page, "<dt>协办单位</dt><dd>"+sfj.Name+"</dd>")
}

// implementationScene is a decision withheld from consultation (so it
// goes straight to review), led by 教育局 and decided and published by the
// city government, whose composition is set: what the implementation
// pages start from. It returns the lead unit's (jyj) staff and the
// session tokens of the decision body's (pdsszf) and the lead unit's.
func implementationScene(t *testing.T) (e *testenv.Env, d consultation.Decision, staff identity.Account, bodyToken, staffToken string) {
	t.Helper()
	e = testenv.NewCity(t, "pdsszf", "jyj", "sfj")
	body, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	staff, staffToken = e.Account(identity.RoleAgencyStaff, "jyj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(context.Background(), &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	return e, e.PublishedWithheld(&staff, &body), staff, bodyToken, staffToken
}
