package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
)

// The whole life of a decision (issue 13, "Done when"): a catalogue entry
// agreed and published, initiation, consultation, review, deliberation with
// a valid meeting, publication, two implementation reports, a
// post-evaluation triggered by feedback volume with an independent
// evaluator, and an adjustment that opens a new linked decision.
func TestDecisionLifeFromCatalogueToAdjustment(t *testing.T) {
	p := newProcedure(t)
	_, admin := p.Account(identity.RoleAdmin, "")
	year := p.Clock.Now().Year()

	// The body requires catalogue entries and evaluates at 3 opinions.
	p.Do("PUT", "/decision-bodies/gov/settings", admin, map[string]any{"survey_min_responses": 2, "catalogue_required": true,
		"feedback_threshold": 3}).Expect(t, 200, "")

	// The catalogue: drafted, agreed by the Party committee, published.
	var cat struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
		Items  []struct {
			ID             int64  `json:"id"`
			DecisionStatus string `json:"decision_status"`
			Initiated      bool   `json:"initiated"`
			Completed      bool   `json:"completed"`
		} `json:"items"`
		History []struct {
			Kind string `json:"kind"`
		} `json:"history"`
	}
	p.Do("POST", "/catalogues", p.tok("staff"), map[string]any{"decision_body": "gov", "year": year}).Expect(t, 403, "not_decision_body_staff")
	p.Do("POST", "/catalogues", p.tok("body"), map[string]any{"decision_body": "gov", "year": year}).Expect(t, 201, "").JSON(t, &cat)
	item := map[string]any{"title": "平顶山市中小学课后服务管理办法", "lead_agency": "jyj", "domain": "education_culture",
		"category": "public_services", "planned_quarter": 3, "hearing_planned": false, "survey_planned": true}
	var it struct {
		ID int64 `json:"id"`
	}
	p.Do("POST", fmt.Sprintf("/catalogues/%d/items", cat.ID), p.tok("body"), item).Expect(t, 201, "").JSON(t, &it)
	p.Do("POST", fmt.Sprintf("/catalogues/%d/publication", cat.ID), p.tok("body"), nil).Expect(t, 409, "party_agreement_required")
	p.Do("GET", fmt.Sprintf("/catalogues/%d", cat.ID), "", nil).Expect(t, 404, "catalogue_not_found")
	p.Do("POST", fmt.Sprintf("/catalogues/%d/approvals", cat.ID), p.tok("body"), map[string]any{"document_number": "平市委办〔2026〕3号",
		"date": p.today()}).Expect(t, 200, "")
	p.Do("POST", fmt.Sprintf("/catalogues/%d/publication", cat.ID), p.tok("body"), nil).Expect(t, 200, "")
	p.Do("GET", fmt.Sprintf("/catalogues/%d", cat.ID), "", nil).Expect(t, 200, "").JSON(t, &cat)
	if cat.Status != "published" || len(cat.Items) != 1 {
		t.Fatalf("published catalogue: %+v", cat)
	}

	// A resident's proposal, answered publicly.
	var prop struct {
		ID           int64  `json:"id"`
		Status       string `json:"status"`
		ProposerName string `json:"proposer_name"`
	}
	p.Do("POST", "/decision-proposals", p.tok("alice"), map[string]any{"decision_body": "gov", "proposer_kind": "npc_deputy",
		"proposer_name": "某代表", "title": "x", "description": "y"}).Expect(t, 422, "invalid_proposer_kind")
	p.Do("POST", "/decision-proposals", p.tok("alice"), map[string]any{"decision_body": "gov", "proposer_kind": "resident",
		"title": "制定城区停车收费办法", "description": "老城区停车难，建议统一规范收费。"}).Expect(t, 201, "").JSON(t, &prop)
	if strings.Contains(prop.ProposerName, "1") && len(prop.ProposerName) == 11 {
		t.Fatalf("phone number shown: %s", prop.ProposerName)
	}
	p.Do("POST", fmt.Sprintf("/decision-proposals/%d/answer", prop.ID), p.tok("body"), map[string]any{"accepted": false,
		"answer": "停车收费属于价格管理事项，已由市发展改革委按价格法程序办理，不列入本年度目录。"}).Expect(t, 200, "")
	var props struct {
		Proposals []struct {
			Status string `json:"status"`
			Answer string `json:"answer"`
		} `json:"proposals"`
	}
	p.Do("GET", "/decision-proposals?decision_body=gov", "", nil).Expect(t, 200, "").JSON(t, &props)
	if len(props.Proposals) != 1 || props.Proposals[0].Status != "not_accepted" || props.Proposals[0].Answer == "" {
		t.Fatalf("public answers: %+v", props)
	}

	// Initiation: the body decides to start the item and names the lead unit.
	// A proposal it names must be one made to this body (outside check: any
	// number was stored, and went into the decision's record on linking).
	p.Do("POST", fmt.Sprintf("/catalogue-items/%d/initiation", it.ID), p.tok("body"), map[string]any{"proposer_kind": "resident",
		"proposer_name": "市民", "proposal_id": 999999, "start_reference": "市政府常务会议纪要〔2026〕5号", "start_date": p.today()}).
		Expect(t, 422, "proposal_not_found")
	p.Do("POST", fmt.Sprintf("/catalogue-items/%d/initiation", it.ID), p.tok("body"), map[string]any{"proposer_kind": "government_leader",
		"proposer_name": "李副市长", "start_reference": "市政府常务会议纪要〔2026〕5号", "start_date": p.today()}).Expect(t, 201, "")

	// The decision item: outside the catalogue it cannot open its consultation.
	v := p.create(t)
	var gates struct {
		Gates []struct {
			Code   string `json:"code"`
			Passed bool   `json:"passed"`
			State  string `json:"state"`
		} `json:"gates"`
	}
	p.Do("GET", p.path("/gates"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &gates)
	seen := map[string]string{}
	for _, g := range gates.Gates {
		seen[g.Code] = g.State
	}
	if seen["catalogue_entry_required"] != "failed" || seen["ways_to_comment_required"] != "not_yet_applicable" {
		t.Fatalf("gates before the link: %+v", gates)
	}
	p.Do("PUT", p.path("/catalogue-item"), p.tok("staff"), map[string]any{"catalogue_item_id": it.ID}).Expect(t, 200, "")

	// A risk assessment by an assessment centre, kept for the evaluator rule.
	p.Do("POST", p.path("/procedure-documents"), p.tok("staff"), map[string]any{"kind": "risk_assessment", "content": map[string]any{
		"date": p.today(), "assessor": "平顶山市社会稳定风险评估中心", "method": "问卷调查、座谈",
		"risk_points": []any{map[string]any{"description": "低收入家庭负担", "likelihood": "low", "impact": "medium"}},
		"measures":    "困难家庭减免。", "contingency_plan": "设立咨询热线。", "conclusion": "controllable"}}).Expect(t, 201, "")
	p.consult(t, v)
	r := p.submit(t, v.ContentHash)
	if !strings.Contains(r.ProcedureStatement, "评估结论：风险可控") {
		t.Fatalf("statement: %s", r.ProcedureStatement)
	}
	p.review(t, r)
	p.adopt(t, v.ContentHash)
	pub := p.publication(v.ContentHash)
	pub["implementing_agency"], pub["report_interval_days"] = "jyj", 30
	p.Do("POST", p.path("/publication"), p.tok("body"), pub).Expect(t, 201, "")

	// Two implementation reports by the implementing unit.
	report := func(who string, days int, effect bool) int {
		p.advance(t, time.Duration(days)*24*time.Hour)
		return p.Do("POST", p.path("/implementation-reports"), p.tok(who), map[string]any{"kind": "periodic", "period_end": p.today(),
			"progress": "全市课后服务覆盖率达到95%。", "effect_achieved": effect}).Status
	}
	if st := report("body", 30, true); st != 403 {
		t.Fatalf("the body reported for the implementing unit: %d", st)
	}
	if report("staff", 0, true) != 201 || report("staff", 30, true) != 201 {
		t.Fatal("implementation reports refused")
	}
	var reps struct {
		Reports      []any  `json:"reports"`
		IntervalDays int    `json:"report_interval_days"`
		NextDue      string `json:"next_due"`
	}
	p.Do("GET", p.path("/implementation-reports"), "", nil).Expect(t, 200, "").JSON(t, &reps)
	if len(reps.Reports) != 2 || reps.IntervalDays != 30 {
		t.Fatalf("reports: %+v", reps)
	}

	// Feedback volume: two opinions are below the threshold of three.
	start := map[string]any{"trigger": "feedback_volume", "evaluator": "河南大学法学院"}
	feedback := func(tok string) {
		p.Do("POST", p.path("/implementation-feedback"), tok, map[string]any{"body": "课后服务时间过长，建议允许五点前接走。"}).Expect(t, 201, "")
	}
	feedback(p.tok("alice"))
	feedback(p.tok("bob"))
	p.Do("POST", p.path("/post-evaluations"), p.tok("body"), start).Expect(t, 409, "trigger_not_met")
	_, carol := p.Account(identity.RoleResident, "")
	feedback(carol)
	// The evaluator who did the risk assessment is refused (Art. 36).
	p.Do("POST", p.path("/post-evaluations"), p.tok("body"), map[string]any{"trigger": "feedback_volume",
		"evaluator": "平顶山市社会稳定风险评估中心"}).Expect(t, 422, "evaluator_not_independent")
	p.Do("POST", p.path("/post-evaluations"), p.tok("body"), start).Expect(t, 201, "")
	p.Do("POST", p.path("/post-evaluations/report"), p.tok("body"), map[string]any{"report": "课后服务总体达到预期，结束时间需要调整。",
		"public_participation": "网上征求意见15日，收到意见42条；召开家长座谈会2场。", "outcome": "adjust"}).Expect(t, 200, "")

	// A major adjustment opens a new linked decision in drafting.
	var adj struct {
		NewDecisionID *int64 `json:"new_decision_id"`
	}
	p.Do("POST", p.path("/adjustments"), p.tok("staff"), map[string]any{"major": true, "description": "课后服务结束时间由18:00调整为17:30，并允许分时段接送。",
		"reason": "决策后评估建议调整。"}).Expect(t, 201, "").JSON(t, &adj)
	if adj.NewDecisionID == nil {
		t.Fatal("no new decision")
	}
	var nd struct {
		Status string `json:"status"`
	}
	p.Do("GET", fmt.Sprintf("/decisions/%d", *adj.NewDecisionID), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &nd)
	if nd.Status != "drafting" {
		t.Fatalf("new decision in %s", nd.Status)
	}
	kinds := recordKinds(t, p, p.decision)
	for _, k := range []string{"decision_initiated", "catalogue_entry_linked", "implementation_report_submitted", "post_evaluation_started",
		"post_evaluation_reported", "decision_adjusted"} {
		if !strings.Contains(kinds, k) {
			t.Fatalf("record lacks %s: %s", k, kinds)
		}
	}
	if !strings.Contains(recordKinds(t, p, *adj.NewDecisionID), "adjustment_of_decision") {
		t.Fatal("new decision's record lacks the link")
	}

	// Suspension is the head's alone; lifting it too.
	p.Do("POST", p.path("/suspension"), p.tok("body"), map[string]any{"reason": "发现安全隐患", "head_name": "李副市长"}).
		Expect(t, 422, "suspension_not_by_head")
	p.Do("POST", p.path("/suspension"), p.tok("body"), map[string]any{"reason": "发现安全隐患", "head_name": "张市长"}).Expect(t, 200, "")
	p.Do("POST", p.path("/resumption"), p.tok("body"), map[string]any{"reason": "隐患已排除", "head_name": "张市长"}).Expect(t, 200, "")
	p.Do("POST", p.path("/ending"), p.tok("body"), map[string]any{"reason": "停止"}).Expect(t, 409, "post_evaluation_stop_required")

	// The public catalogue shows the item's stage.
	p.Do("GET", fmt.Sprintf("/catalogues/%d", cat.ID), "", nil).Expect(t, 200, "").JSON(t, &cat)
	if !cat.Items[0].Initiated || !cat.Items[0].Completed || cat.Items[0].DecisionStatus != "in_effect" {
		t.Fatalf("catalogue item: %+v", cat.Items[0])
	}
	var v2 struct {
		OK bool `json:"ok"`
	}
	p.Do("POST", p.path("/record/verify"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &v2)
	if !v2.OK {
		t.Fatal("record chain broken")
	}
}

func recordKinds(t *testing.T, p *procedure, decisionID int64) string {
	t.Helper()
	var kinds string
	if err := p.DB.QueryRow(context.Background(), `SELECT string_agg(kind, ' ' ORDER BY seq) FROM record_entries WHERE decision_id = $1`,
		decisionID).Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	return kinds
}

// TestWithheldDecisionFromDraftingToPublication: a decision withheld from
// consultation goes from drafting to review and on to publication with no
// consultation, its legal reason in the procedure statement.
func TestWithheldDecisionFromDraftingToPublication(t *testing.T) {
	p := newProcedure(t)
	var d struct {
		ID int64 `json:"id"`
	}
	p.Do("POST", "/decisions", p.tok("staff"), map[string]any{"title": "平顶山市校园安全防范工作方案", "category": "social_management",
		"domain": "other", "decision_body": "gov", "lead_agency": "jyj", "not_disclosable": true,
		"not_disclosable_reason": "涉及校园安保部署，依《中华人民共和国反恐怖主义法》第四十八条不予公开"}).Expect(t, 201, "").JSON(t, &d)
	p.decision = d.ID
	v := p.upload(t, procDraft)
	p.Do("POST", p.path("/consultation"), p.tok("staff"), map[string]any{
		"ends_at": p.Clock.Now().Add(31 * 24 * time.Hour).Format(time.RFC3339), "ways_to_comment": "x"}).Expect(t, 409, "")
	r := p.submit(t, v.ContentHash)
	if !strings.Contains(r.ProcedureStatement, "依法不公开征求意见") || !strings.Contains(r.ProcedureStatement, "反恐怖主义法》第四十八条") {
		t.Fatalf("statement: %s", r.ProcedureStatement)
	}
	p.review(t, r)
	p.publish(t, v.ContentHash)
	kinds := recordKinds(t, p, d.ID)
	if strings.Contains(kinds, "consultation_opened") || !strings.Contains(kinds, "decision_published") {
		t.Fatalf("record: %s", kinds)
	}
}
