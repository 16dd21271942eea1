package consultation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The procedure gaps a 司法局 reviewer found (issue 13), each at its
// boundary.

func (f *fixture) admin(t *testing.T) *identity.Account {
	t.Helper()
	a, _ := f.e.Account(identity.RoleAdmin, "")
	return &a
}

// withheld creates a decision withheld from consultation with a version.
func withheld(t *testing.T, f *fixture, edit func(*consultation.DecisionInput)) (consultation.Decision, consultation.DraftVersion) {
	t.Helper()
	d := f.create(t, func(in *consultation.DecisionInput) {
		in.Domain = consultation.DomainOther
		in.NotDisclosable, in.NotDisclosableReason = true, "涉及国家秘密，依《中华人民共和国保守国家秘密法》第二条不予公开"
		if edit != nil {
			edit(in)
		}
	})
	v, err := f.svc.CreateDraftVersion(context.Background(), f.staff, d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国保守国家秘密法》"}})
	if err != nil {
		t.Fatal(err)
	}
	return d, v
}

// TestWithheldDecisionGoesToReviewWithoutConsultation: gap 1.
func TestWithheldDecisionGoesToReviewWithoutConsultation(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	d, v := withheld(t, f, nil)
	rep, err := f.svc.DecisionGates(ctx, f.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.NextStage != consultation.StatusUnderReview || !rep.Ready {
		t.Fatalf("checklist of a withheld draft: %+v", rep)
	}
	r, err := f.svc.SubmitLegalityReview(ctx, f.staff, d.ID, consultation.SubmissionInput{VersionHash: v.ContentHash,
		LegalBasis: []string{"《中华人民共和国保守国家秘密法》"}})
	if err != nil {
		t.Fatalf("withheld decision from drafting to review: %v", err)
	}
	if !strings.Contains(r.ProcedureStatement, "依法不公开征求意见") || !strings.Contains(r.ProcedureStatement, "保守国家秘密法》第二条") {
		t.Fatalf("statement lacks the legal reason:\n%s", r.ProcedureStatement)
	}
	got, _ := f.svc.GetDecision(ctx, f.staff, d.ID)
	if got.Status != consultation.StatusUnderReview {
		t.Fatalf("status %s", got.Status)
	}

	// A decision that is not withheld cannot skip the consultation.
	open := f.create(t, func(in *consultation.DecisionInput) { in.Domain = consultation.DomainOther })
	ov, err := f.svc.CreateDraftVersion(ctx, f.staff, open.ID, consultation.DraftVersionInput{Text: commentDraft, Explanation: "说明",
		LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SubmitLegalityReview(ctx, f.staff, open.ID, consultation.SubmissionInput{VersionHash: ov.ContentHash,
		LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	e, ok := errs.As(err)
	found := false
	for _, g := range e.Gates {
		found = found || (g.Code == "consultation_required_before_review" && g.Basis == "Decree 713 Art. 14, 15")
	}
	if !ok || !found {
		t.Fatalf("open decision from drafting: %v %+v", err, e)
	}
}

// TestMeetingQuorumAndComposition: gap 2 at its boundary (a composition of
// ten: five present is exactly half and refused, six accepted).
func TestMeetingQuorumAndComposition(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SetMeetingComposition(ctx, f.admin(t), "pdsszf", testComposition(9)); err != nil {
		t.Fatal(err)
	}
	d, hash := signedOff(t, f, consultation.OutcomeLawful)
	today := f.e.Clock.Now().In(workday.Location())
	date := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	meeting := func(others int) consultation.DeliberationInput {
		in := meetingInput(hash, date)
		in.Members, in.Dissent = nil, nil
		for i := 1; i <= others; i++ {
			in.Members = append(in.Members, consultation.MeetingMember{Name: fmt.Sprintf("委员%d", i), Vote: consultation.VoteFor})
		}
		in.Members = append(in.Members, consultation.MeetingMember{Name: "张市长"})
		return in
	}
	cases := []struct {
		name string
		in   consultation.DeliberationInput
		code string
	}{
		{"HeadAlone", meeting(0), "meeting_quorum_not_met"},
		{"ExactlyHalf", meeting(4), "meeting_quorum_not_met"},
		{"NotAMember", func() consultation.DeliberationInput {
			in := meeting(5)
			in.Members[0].Name = "王局长"
			return in
		}(), "not_a_member"},
		{"NotTheHead", func() consultation.DeliberationInput {
			in := meeting(5)
			in.Members[5].Name, in.Members[4].Name, in.HeadName = "委员9", "张市长", "委员9"
			in.Members[4].Vote = consultation.VoteFor
			in.Members[5].Vote = ""
			return in
		}(), "head_not_composition_head"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.RecordDeliberation(ctx, f.body, d.ID, c.in)
			e, ok := errs.As(err)
			if !ok || e.Code != c.code || e.Basis != "Decree 713 Art. 30" {
				t.Fatalf("got %v, want %s with Art. 30", err, c.code)
			}
		})
	}
	got, _ := f.svc.GetDecision(ctx, f.staff, d.ID)
	if got.Status != consultation.StatusUnderReview {
		t.Fatalf("a refused meeting changed the stage to %s", got.Status)
	}
	// Half plus one, with a non-voting attendee recorded apart.
	in := meeting(5)
	in.Attendees = []consultation.MeetingAttendee{{Name: "王局长", Capacity: "市教育局局长（汇报）"}}
	g, err := f.svc.RecordDeliberation(ctx, f.body, d.ID, in)
	if err != nil {
		t.Fatalf("six of ten: %v", err)
	}
	if g.CompositionSize != 10 || len(g.Attendees) != 1 || len(g.Members) != 6 {
		t.Fatalf("meeting: %+v", g)
	}
	list, _ := f.svc.ListDeliberations(ctx, f.staff, d.ID)
	if len(list) != 1 || list[0].Attendees[0].Name != "王局长" || list[0].CompositionSize != 10 {
		t.Fatalf("stored: %+v", list)
	}

	// A body with no composition kept cannot hold a valid meeting.
	if !consultation.QuorumMet(6, 10) || consultation.QuorumMet(5, 10) || !consultation.QuorumMet(5, 9) || consultation.QuorumMet(4, 9) {
		t.Fatal("QuorumMet: more than half")
	}
}

// reviewWithOpinion submits a withheld decision and has an adviser sign an
// opinion with the given overall view.
func reviewWithOpinion(t *testing.T, f *fixture, overall consultation.ReviewOutcome) (consultation.Decision, consultation.LegalityReview, *identity.Account) {
	t.Helper()
	ctx := context.Background()
	d, v := withheld(t, f, nil)
	r, reviewer, adviser := f.submitWithAdviser(t, d.ID, v.ContentHash, "《中华人民共和国保守国家秘密法》")
	if _, err := f.svc.CreateLegalOpinion(ctx, adviser, r.ID, consultation.OpinionInput{Findings: findings(consultation.FindingCompliant), Overall: overall,
		Password: testenv.Password}); err != nil {
		t.Fatal(err)
	}
	return d, r, reviewer
}

// submitWithAdviser submits the version with the content hash for legality
// review on the legal basis and has a reviewer of 司法局 (sfj) assign a legal
// adviser: it returns the package, the reviewer and the adviser.
func (f *fixture) submitWithAdviser(t *testing.T, decisionID int64, hash, legalBasis string) (consultation.LegalityReview,
	*identity.Account, *identity.Account) {
	t.Helper()
	ctx := context.Background()
	r, err := f.svc.SubmitLegalityReview(ctx, f.staff, decisionID, consultation.SubmissionInput{VersionHash: hash,
		LegalBasis: []string{legalBasis}})
	if err != nil {
		t.Fatal(err)
	}
	reviewer, _ := f.e.Account(identity.RoleReviewer, "sfj")
	adviser, _ := f.e.Account(identity.RoleLegalAdviser, "")
	if _, err := f.svc.AssignLegalAdviser(ctx, &reviewer, r.ID, []int64{adviser.ID}); err != nil {
		t.Fatal(err)
	}
	return r, &reviewer, &adviser
}

// TestUnlawfulOpinionNeedsWrittenResolution: gap 3.
func TestUnlawfulOpinionNeedsWrittenResolution(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	d, r, reviewer := reviewWithOpinion(t, f, consultation.OutcomeUnlawful)
	sign := func(outcome consultation.ReviewOutcome) error {
		_, err := f.svc.SignReviewConclusion(ctx, reviewer, r.ID, consultation.ConclusionInput{Findings: findings(consultation.FindingCompliant), Outcome: outcome,
			Changes: "修改第三条。", RiskStatement: "存在法律风险。", ExpediteReason: "测试", Password: testenv.Password})
		return err
	}
	for _, o := range []consultation.ReviewOutcome{consultation.OutcomeLawful, consultation.OutcomeLawfulWithChanges, consultation.OutcomeExploratoryWithRisk} {
		if err := sign(o); !errs.HasCode(err, "unlawful_opinion_unresolved") {
			t.Fatalf("%s without a resolution: %v", o, err)
		}
	}
	if _, err := f.svc.ResolveUnlawfulOpinion(ctx, reviewer, r.ID, " "); !errs.HasCode(err, "resolution_required") {
		t.Fatalf("empty resolution: %v", err)
	}
	if _, err := f.svc.ResolveUnlawfulOpinion(ctx, f.staff, r.ID, "已处理"); err == nil {
		t.Fatal("lead staff resolved an opinion")
	}
	res, err := f.svc.ResolveUnlawfulOpinion(ctx, reviewer, r.ID, "法律顾问关于第三条超越权限的意见，经核实第三条依据省政府授权，已书面答复。")
	if err != nil || res.RecordSeq == 0 {
		t.Fatalf("resolve: %+v %v", res, err)
	}
	if err := sign(consultation.OutcomeExploratoryWithRisk); err != nil {
		t.Fatalf("after the resolution: %v", err)
	}
	kinds := strings.Join(f.recordKinds(t, d.ID), " ")
	if !strings.Contains(kinds, "unlawful_opinion_resolved review_conclusion_signed") {
		t.Fatalf("record: %s", kinds)
	}
}

// TestUnlawfulConclusionWithoutResolution: an unlawful conclusion needs no
// resolution, and no resolution is asked when no adviser said unlawful.
func TestUnlawfulConclusionWithoutResolution(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	_, r, reviewer := reviewWithOpinion(t, f, consultation.OutcomeUnlawful)
	if _, err := f.svc.SignReviewConclusion(ctx, reviewer, r.ID, expedited(consultation.OutcomeUnlawful)); err != nil {
		t.Fatal(err)
	}
	_, r2, reviewer2 := reviewWithOpinion(t, f, consultation.OutcomeLawful)
	if _, err := f.svc.ResolveUnlawfulOpinion(ctx, reviewer2, r2.ID, "无"); !errs.HasCode(err, "no_unlawful_opinion") {
		t.Fatalf("nothing to resolve: %v", err)
	}
}

// TestReturnAndReviseAreSeparate: gap 6.
func TestReturnAndReviseAreSeparate(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	d, r, reviewer := reviewWithOpinion(t, f, consultation.OutcomeUnlawful)
	if _, err := f.svc.ReviseAfterUnlawfulConclusion(ctx, f.staff, r.ID, "修改草案"); !errs.HasCode(err, "conclusion_not_unlawful") {
		t.Fatalf("revise before a conclusion: %v", err)
	}
	if _, err := f.svc.SignReviewConclusion(ctx, reviewer, r.ID, expedited(consultation.OutcomeUnlawful)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReturnLegalityReview(ctx, reviewer, r.ID, "退回"); !errs.HasCode(err, "review_already_concluded") {
		t.Fatalf("return after a conclusion: %v", err)
	}
	if _, err := f.svc.ReviseAfterUnlawfulConclusion(ctx, reviewer, r.ID, "修改草案"); err == nil {
		t.Fatal("a reviewer revised the lead unit's draft")
	}
	if _, err := f.svc.ReviseAfterUnlawfulConclusion(ctx, f.staff, r.ID, "按审查意见删除第三条后重新送审"); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetDecision(ctx, f.staff, d.ID)
	if got.Status != consultation.StatusHandling {
		t.Fatalf("status %s", got.Status)
	}
	kinds := f.recordKinds(t, d.ID)
	if kinds[len(kinds)-2] != "revision_after_unlawful_conclusion" || kinds[len(kinds)-1] != "stage_changed" {
		t.Fatalf("record: %v", kinds)
	}
	// A package returned before a conclusion has its own entry.
	d2, r2, _ := reviewWithOpinion(t, f, consultation.OutcomeLawful)
	if _, err := f.svc.ReturnLegalityReview(ctx, reviewer, r2.ID, "材料不全"); err != nil {
		t.Fatal(err)
	}
	k2 := f.recordKinds(t, d2.ID)
	if k2[len(k2)-2] != "legality_review_returned" {
		t.Fatalf("record: %v", k2)
	}
}

// TestCalendarCoverageBoundary: gap 7. With the shipped calendar (2025 and
// 2026), a package received on 22 December 2026 has its seventh working day
// on 31 December, the last covered day; one received on 23 December would
// count 1 January 2027, a day no loaded notice covers.
func TestCalendarCoverageBoundary(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	f.svc.Calendar.Builtin = nil // the shipped calendar, without the test's assumed years
	submit := func(day int) error {
		f.e.Clock.Set(time.Date(2026, 12, day, 10, 0, 0, 0, workday.Location()))
		d, v := withheld(t, f, nil)
		_, err := f.svc.SubmitLegalityReview(ctx, f.staff, d.ID, consultation.SubmissionInput{VersionHash: v.ContentHash,
			LegalBasis: []string{"《中华人民共和国保守国家秘密法》"}})
		return err
	}
	if err := submit(22); err != nil {
		t.Fatalf("last covered day: %v", err)
	}
	err := submit(23)
	e, ok := errs.As(err)
	if !ok || e.Code != "calendar_not_covered" || !strings.Contains(e.Message, "2027年") {
		t.Fatalf("day after: %v", err)
	}
	// Coverage is shown, and in November the admins are reminded once.
	f.e.Clock.Set(time.Date(2026, 11, 20, 9, 0, 0, 0, workday.Location()))
	cov, err := f.svc.CalendarCoverage(ctx)
	if err != nil || !cov.NextMissing || cov.NextYear != 2027 || len(cov.Years) != 2 {
		t.Fatalf("coverage: %+v %v", cov, err)
	}
	for i, want := range []bool{true, false} {
		if wrote, err := f.svc.RemindCalendarNotice(ctx); err != nil || wrote != want {
			t.Fatalf("reminder %d: %v %v", i, wrote, err)
		}
	}
	f.e.Clock.Set(time.Date(2026, 10, 20, 9, 0, 0, 0, workday.Location()))
	rem, _ := f.svc.ListCalendarReminders(ctx)
	if len(rem) != 1 || rem[0].Year != 2027 {
		t.Fatalf("reminders: %+v", rem)
	}
}

// TestStatementStatesFindings: gap 8.
func TestStatementStatesFindings(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	d, _ := withheld(t, f, func(in *consultation.DecisionInput) { in.StabilityRisk = true })
	risk := func(conclusion string) {
		content, _ := json.Marshal(map[string]any{"date": f.e.Clock.Now().In(workday.Location()).Format("2006-01-02"), "assessor": "平顶山市社会稳定风险评估中心",
			"method": "问卷调查、座谈", "risk_points": []any{map[string]any{"description": "低收入家庭负担增加", "likelihood": "medium", "impact": "medium"}},
			"measures": "减免。", "contingency_plan": "暂缓执行。", "conclusion": conclusion})
		if _, err := f.svc.AddProcedureDocument(ctx, f.staff, d.ID, consultation.ProcedureDocumentInput{Kind: consultation.DocRiskAssessment, Content: content}); err != nil {
			t.Fatal(err)
		}
	}
	risk("not_controllable")
	v2, err := f.svc.CreateDraftVersion(ctx, f.staff, d.ID, consultation.DraftVersionInput{Text: commentDraft + "\n第九条 本办法自公布之日起施行。",
		Explanation: "调整后的草案", LegalBasis: []string{"《中华人民共和国保守国家秘密法》"}})
	if err != nil {
		t.Fatal(err)
	}
	risk("controllable")
	r, err := f.svc.SubmitLegalityReview(ctx, f.staff, d.ID, consultation.SubmissionInput{VersionHash: v2.ContentHash,
		LegalBasis: []string{"《中华人民共和国保守国家秘密法》"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.ProcedureStatement, "评估结论：风险不可控") || !strings.Contains(r.ProcedureStatement, "评估结论：风险可控") {
		t.Fatalf("statement lacks the findings:\n%s", r.ProcedureStatement)
	}
}
