package consultation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// reviewScene is a decision in handling whose gates pass (domain other, no
// flags, a closed consultation without comments and a published adoption
// report), a legality-review department with a reviewer, and two legal
// advisers; the clock stands at the receipt time asked for.
type reviewScene struct {
	*fixture
	d        consultation.Decision
	hash     string
	reviewer *identity.Account
	adviser  *identity.Account
	other    *identity.Account // a legal adviser never assigned
}

func shanghai(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, workday.Location())
}

func newReviewScene(t *testing.T, receipt time.Time, edit func(*consultation.DecisionInput)) *reviewScene {
	t.Helper()
	s := &reviewScene{fixture: newReviewFixture(t)}
	acct := func(role identity.Role, agency string) *identity.Account {
		a, _ := s.e.Account(role, agency)
		return &a
	}
	s.reviewer, s.adviser, s.other = acct(identity.RoleReviewer, "sfj"), acct(identity.RoleLegalAdviser, ""), acct(identity.RoleLegalAdviser, "")
	s.e.Clock.Set(receipt.Add(-40 * 24 * time.Hour))
	s.d = s.create(t, func(in *consultation.DecisionInput) {
		in.Domain, in.Category = consultation.DomainOther, consultation.CategoryOther
		if edit != nil {
			edit(in)
		}
	})
	s.addVersion(t, s.d.ID, "起草说明：依据义务教育法，结合本市实际。")
	s.e.OpenConsultation(s.staff, s.d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条提出意见", ShowComments: true})
	s.e.CloseConsultations()
	s.e.Clock.Set(receipt)
	s.hash = s.latestHash(t)
	return s
}

// publishReport publishes the (empty) adoption report, the last gate.
func (s *reviewScene) publishReport(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
		t.Fatalf("generate report: %v", err)
	}
	if _, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
		t.Fatalf("publish report: %v", err)
	}
}

func (s *reviewScene) latestHash(t *testing.T) string {
	t.Helper()
	var h string
	if err := s.e.DB.QueryRow(context.Background(), `SELECT content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`,
		s.d.ID).Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

func (s *reviewScene) submit(t *testing.T) consultation.LegalityReview {
	t.Helper()
	s.publishReport(t)
	r, err := s.svc.SubmitLegalityReview(context.Background(), s.staff, s.d.ID, consultation.SubmissionInput{
		VersionHash: s.hash, LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}, Materials: "附：起草过程说明。"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	return r
}

// assigned submits and assigns s.adviser.
func (s *reviewScene) assigned(t *testing.T) consultation.LegalityReview {
	t.Helper()
	r := s.submit(t)
	r, err := s.svc.AssignLegalAdviser(context.Background(), s.reviewer, r.ID, []int64{s.adviser.ID})
	if err != nil {
		t.Fatalf("assign: %v", err)
	}
	return r
}

func findings(f consultation.Finding) []consultation.QuestionFinding {
	var out []consultation.QuestionFinding
	for _, q := range consultation.ReviewQuestions {
		out = append(out, consultation.QuestionFinding{Question: q, Finding: f, Reasoning: "经审查，" + string(q) + "符合规定。",
			CitedProvisions: []string{"《重大行政决策程序暂行条例》第二十七条"}})
	}
	return out
}

func (s *reviewScene) opinion(t *testing.T, reviewID int64, overall consultation.ReviewOutcome) consultation.LegalOpinion {
	t.Helper()
	in := consultation.OpinionInput{Findings: findings(consultation.FindingCompliant), Overall: overall, Password: testenv.Password}
	if overall != consultation.OutcomeLawful {
		in.Changes = "第二条应写明适用范围。"
	}
	o, err := s.svc.CreateLegalOpinion(context.Background(), s.adviser, reviewID, in)
	if err != nil {
		t.Fatalf("opinion: %v", err)
	}
	return o
}

func conclusion(outcome consultation.ReviewOutcome) consultation.ConclusionInput {
	in := consultation.ConclusionInput{Findings: findings(consultation.FindingCompliant), Outcome: outcome, Password: testenv.Password}
	switch outcome {
	case consultation.OutcomeLawfulWithChanges:
		in.Changes = "第二条应写明适用范围。"
	case consultation.OutcomeExploratoryWithRisk:
		in.RiskStatement = "国家尚无明确规定，存在被上位法调整的风险。"
	}
	return in
}

// expedited is conclusion(outcome) signed before the review period has
// passed, with an expedite reason.
func expedited(outcome consultation.ReviewOutcome) consultation.ConclusionInput {
	in := conclusion(outcome)
	in.ExpediteReason = "测试"
	return in
}

func TestSubmitLegalityReviewRefusals(t *testing.T) {
	receipt := shanghai(2026, 3, 9, 10, 0)
	cases := []struct {
		name  string
		edit  func(*consultation.DecisionInput)
		input func(s *reviewScene) consultation.SubmissionInput
		who   func(s *reviewScene) *identity.Account
		code  string
		gates []string
	}{
		{name: "every failed gate is listed", code: "procedure_gate_failed",
			edit:  func(in *consultation.DecisionInput) { in.Technical, in.StabilityRisk = true, true },
			gates: []string{"adoption_report_not_published", "expert_argumentation_required", "risk_assessment_required"}},
		{name: "report missing only", code: "adoption_report_not_published", gates: []string{"adoption_report_not_published"}},
		{name: "hash of no version", code: "version_hash_mismatch",
			input: func(s *reviewScene) consultation.SubmissionInput {
				return consultation.SubmissionInput{VersionHash: strings.Repeat("a", 64), LegalBasis: []string{"《义务教育法》"}}
			}},
		{name: "no hash", code: "version_hash_required",
			input: func(s *reviewScene) consultation.SubmissionInput {
				return consultation.SubmissionInput{LegalBasis: []string{"《义务教育法》"}}
			}},
		{name: "no legal basis", code: "legal_basis_required",
			input: func(s *reviewScene) consultation.SubmissionInput {
				return consultation.SubmissionInput{VersionHash: s.hash, LegalBasis: []string{" "}}
			}},
		{name: "staff of another unit", code: "not_lead_unit_staff", who: func(s *reviewScene) *identity.Account { return s.fixture.other }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newReviewScene(t, receipt, c.edit)
			in := consultation.SubmissionInput{VersionHash: s.hash, LegalBasis: []string{"《中华人民共和国义务教育法》"}}
			if c.input != nil {
				in = c.input(s)
			}
			who := s.staff
			if c.who != nil {
				who = c.who(s)
			}
			before := s.recordKinds(t, s.d.ID)
			_, err := s.svc.SubmitLegalityReview(context.Background(), who, s.d.ID, in)
			e := wantCode(t, err, c.code)
			var got []string
			for _, g := range e.Gates {
				got = append(got, g.Code)
			}
			if strings.Join(got, ",") != strings.Join(c.gates, ",") {
				t.Errorf("failed gates %v, want %v", got, c.gates)
			}
			if after := s.recordKinds(t, s.d.ID); len(after) != len(before) {
				t.Errorf("refusal recorded %v", after[len(before):])
			}
			if n := s.count(t, `SELECT count(*) FROM legality_reviews`); n != 0 {
				t.Errorf("%d packages stored", n)
			}
		})
	}
}

func TestSubmitLegalityReview(t *testing.T) {
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.submit(t)
	d, err := s.svc.GetDecision(context.Background(), s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != consultation.StatusUnderReview || r.Status != consultation.ReviewReceived || r.VersionHash != s.hash {
		t.Fatalf("decision %s, review %+v", d.Status, r)
	}
	for _, want := range []string{"公开征求意见，期限30日", "共收到公众意见0条", "意见采纳情况说明已于", "未开展民意调查", "第1版"} {
		if !strings.Contains(r.ProcedureStatement, want) {
			t.Errorf("procedure statement lacks %q:\n%s", want, r.ProcedureStatement)
		}
	}
	// Receipt Monday 9 March: 7 working days end with Wednesday 18 March.
	if want := shanghai(2026, 3, 19, 0, 0); !r.EarliestConclusionAt.Equal(want) {
		t.Errorf("earliest conclusion %v, want %v", r.EarliestConclusionAt, want)
	}

	ctx := context.Background()
	queue, _, err := s.svc.ListLegalityReviews(ctx, s.reviewer, consultation.ReviewFilter{Status: consultation.ReviewReceived})
	if err != nil || len(queue) != 1 || queue[0].ID != r.ID {
		t.Fatalf("reviewer's queue %+v, %v", queue, err)
	}
	if mine, _, err := s.svc.ListLegalityReviews(ctx, s.adviser, consultation.ReviewFilter{}); err != nil || len(mine) != 0 {
		t.Fatalf("unassigned adviser's list %+v, %v", mine, err)
	}
	if _, err := s.svc.GetLegalityReview(ctx, s.adviser, r.ID); err == nil {
		t.Fatal("an unassigned adviser sees the package")
	} else {
		wantCode(t, err, "legality_review_not_found")
	}
	if _, err := s.svc.AssignLegalAdviser(ctx, s.reviewer, r.ID, []int64{s.staff.ID}); err != nil {
		wantCode(t, err, "not_a_legal_adviser")
	} else {
		t.Fatal("staff assigned as adviser")
	}
	if _, err := s.svc.AssignLegalAdviser(ctx, s.reviewer, r.ID, []int64{s.adviser.ID}); err != nil {
		t.Fatal(err)
	}
	if mine, _, err := s.svc.ListLegalityReviews(ctx, s.adviser, consultation.ReviewFilter{}); err != nil || len(mine) != 1 {
		t.Fatalf("assigned adviser's list %+v, %v", mine, err)
	}
	if _, err := s.svc.GetLegalityReview(ctx, s.adviser, r.ID); err != nil {
		t.Fatal(err)
	}
}

func TestReturnAndRequestMaterials(t *testing.T) {
	ctx := context.Background()
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.submit(t)
	r, err := s.svc.RequestReviewMaterials(ctx, s.reviewer, r.ID, "请补充专家意见。")
	if err != nil || r.Status != consultation.ReviewMaterialsRequested {
		t.Fatalf("request: %+v, %v", r, err)
	}
	_, err = s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, conclusion(consultation.OutcomeLawful))
	wantCode(t, err, "review_materials_pending")
	// Resubmission restarts the review period (Art. 26).
	s.e.Clock.Set(shanghai(2026, 3, 16, 9, 0))
	r, err = s.svc.ResubmitLegalityReview(ctx, s.staff, r.ID, consultation.ResubmissionInput{Materials: "已补充专家意见。"})
	if err != nil || r.Status != consultation.ReviewReceived {
		t.Fatalf("resubmit: %+v, %v", r, err)
	}
	if want := shanghai(2026, 3, 26, 0, 0); !r.EarliestConclusionAt.Equal(want) {
		t.Errorf("earliest after resubmission %v, want %v", r.EarliestConclusionAt, want)
	}
	_, err = s.svc.ResubmitLegalityReview(ctx, s.staff, r.ID, consultation.ResubmissionInput{Materials: "再次补充"})
	wantCode(t, err, "review_materials_not_requested")
	_, err = s.svc.ReturnLegalityReview(ctx, s.reviewer, r.ID, "")
	wantCode(t, err, "reason_required")
	if r, err = s.svc.ReturnLegalityReview(ctx, s.reviewer, r.ID, "法律依据不全，退回补正。"); err != nil || r.Status != consultation.ReviewReturned {
		t.Fatalf("return: %+v, %v", r, err)
	}
	d, _ := s.svc.GetDecision(ctx, s.staff, s.d.ID)
	if d.Status != consultation.StatusHandling {
		t.Fatalf("status after return %s", d.Status)
	}
	// The lead unit may submit a new package.
	if _, err := s.svc.SubmitLegalityReview(ctx, s.staff, s.d.ID, consultation.SubmissionInput{VersionHash: s.hash,
		LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
		t.Fatalf("resubmit after return: %v", err)
	}
}

func TestReviewConclusionPeriod(t *testing.T) {
	// Receipt Friday 13 February 2026, the last working day before the
	// Spring Festival: working days are 14 Feb (make-up Saturday), 24–27
	// Feb, 28 Feb (make-up Saturday) and 2 March, so the period ends at
	// 3 March 00:00 (without the holiday it would be 25 February).
	holiday := shanghai(2026, 2, 13, 16, 0)
	// Receipt Monday 9 March, an ordinary fortnight: ends 19 March 00:00.
	ordinary := shanghai(2026, 3, 9, 10, 0)
	cases := []struct {
		name     string
		receipt  time.Time
		at       time.Time
		expedite string
		code     string // "" when signed
		earliest string
	}{
		{name: "holiday, a day early", receipt: holiday, at: shanghai(2026, 3, 2, 18, 0), code: "review_period_not_elapsed", earliest: "2026年3月3日"},
		{name: "holiday, would be enough without it", receipt: holiday, at: shanghai(2026, 2, 26, 9, 0), code: "review_period_not_elapsed", earliest: "2026年3月3日"},
		{name: "holiday, period passed", receipt: holiday, at: shanghai(2026, 3, 3, 0, 0)},
		{name: "holiday, expedited", receipt: holiday, at: shanghai(2026, 2, 26, 9, 0), expedite: "市政府常务会议定于2月27日审议，经分管领导同意提前出具。"},
		{name: "ordinary, last minute early", receipt: ordinary, at: shanghai(2026, 3, 18, 23, 59), code: "review_period_not_elapsed", earliest: "2026年3月19日"},
		{name: "ordinary, passed", receipt: ordinary, at: shanghai(2026, 3, 19, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newReviewScene(t, c.receipt, nil)
			r := s.assigned(t)
			s.opinion(t, r.ID, consultation.OutcomeLawful)
			s.e.Clock.Set(c.at)
			in := conclusion(consultation.OutcomeLawful)
			in.ExpediteReason = c.expedite
			got, err := s.svc.SignReviewConclusion(context.Background(), s.reviewer, r.ID, in)
			if c.code != "" {
				e := wantCode(t, err, c.code)
				if !strings.Contains(e.Message, c.earliest) {
					t.Errorf("message %q lacks the earliest date %s", e.Message, c.earliest)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.CalendarVersion == "" || got.ExpediteReason != c.expedite || got.VersionHash != s.hash {
				t.Errorf("conclusion %+v", got)
			}
		})
	}
}

func TestReviewSigningRefusals(t *testing.T) {
	ctx := context.Background()
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.assigned(t)
	s.e.Clock.Set(shanghai(2026, 3, 20, 10, 0))

	// Refusals before any opinion.
	_, err := s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, conclusion(consultation.OutcomeLawful))
	wantCode(t, err, "legal_opinion_required")
	_, err = s.svc.CreateLegalOpinion(ctx, s.other, r.ID, consultation.OpinionInput{Findings: findings(consultation.FindingCompliant),
		Overall: consultation.OutcomeLawful, Password: testenv.Password})
	wantCode(t, err, "adviser_not_assigned")
	failures := s.count(t, `SELECT coalesce(sum(attempts), 0) FROM rate_limits WHERE key LIKE 'reauth:%'`)
	_, err = s.svc.CreateLegalOpinion(ctx, s.adviser, r.ID, consultation.OpinionInput{Findings: findings(consultation.FindingCompliant),
		Overall: consultation.OutcomeLawful, Password: "wrong-password-1"})
	wantCode(t, err, "reauthentication_failed")
	if n := s.count(t, `SELECT coalesce(sum(attempts), 0) FROM rate_limits WHERE key LIKE 'reauth:%'`); n != failures+1 {
		t.Errorf("login failures %d → %d: a wrong password must count", failures, n)
	}
	_, err = s.svc.CreateLegalOpinion(ctx, s.adviser, r.ID, consultation.OpinionInput{Findings: findings(consultation.FindingCompliant)[:2],
		Overall: consultation.OutcomeLawful, Password: testenv.Password})
	wantCode(t, err, "review_question_missing")
	if n := s.count(t, `SELECT count(*) FROM legal_opinions`); n != 0 {
		t.Fatalf("%d opinions stored by refusals", n)
	}

	// An unlawful opinion blocks a lawful conclusion without a resolution.
	s.opinion(t, r.ID, consultation.OutcomeUnlawful)
	_, err = s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, conclusion(consultation.OutcomeLawful))
	wantCode(t, err, "unlawful_opinion_unresolved")
	in := conclusion(consultation.OutcomeLawful)
	in.Resolution = "经与法律顾问研究，所指问题已由承办单位在起草说明中澄清。"
	in.Password = "wrong-password-1"
	_, err = s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, in)
	wantCode(t, err, "reauthentication_failed")
	in.Password = testenv.Password
	c, err := s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if c.Resolution == "" || c.Outcome != consultation.OutcomeLawful {
		t.Fatalf("conclusion %+v", c)
	}
	_, err = s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, in)
	wantCode(t, err, "review_not_open")
}

func TestSignOffVersionPinning(t *testing.T) {
	ctx := context.Background()
	type step struct {
		name  string
		do    func(t *testing.T, s *reviewScene, reviewID int64)
		valid bool
	}
	newVersion := func(t *testing.T, s *reviewScene, _ int64) {
		if _, err := s.svc.CreateDraftVersion(ctx, s.staff, s.d.ID, consultation.DraftVersionInput{
			Text:        "第一条 为规范城区义务教育学校招生入学工作，制定本办法。\n第二条 本办法适用于本市城区公办义务教育学校，含民办学校。",
			Explanation: "按合法性审查意见修改。", LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
			t.Fatal(err)
		}
	}
	sign := func(outcome consultation.ReviewOutcome) func(t *testing.T, s *reviewScene, id int64) {
		return func(t *testing.T, s *reviewScene, id int64) {
			if _, err := s.svc.SignReviewConclusion(ctx, s.reviewer, id, conclusion(outcome)); err != nil {
				t.Fatal(err)
			}
		}
	}
	confirm := func(t *testing.T, s *reviewScene, id int64) {
		if _, err := s.svc.ConfirmReviewChanges(ctx, s.reviewer, id, consultation.ConfirmationInput{VersionHash: s.latestHash(t),
			Note: "已按要求修改第二条。", Password: testenv.Password}); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{name: "lawful, then a new version", steps: []step{
			{"lawful", sign(consultation.OutcomeLawful), true},
			{"new version", newVersion, false},
		}},
		{name: "exploratory with risk", steps: []step{{"exploratory", sign(consultation.OutcomeExploratoryWithRisk), true}}},
		{name: "unlawful", steps: []step{{"unlawful", sign(consultation.OutcomeUnlawful), false}}},
		{name: "lawful with changes, changed version confirmed", steps: []step{
			{"lawful_with_changes", sign(consultation.OutcomeLawfulWithChanges), false},
			{"confirm without a new version", func(t *testing.T, s *reviewScene, id int64) {
				_, err := s.svc.ConfirmReviewChanges(ctx, s.reviewer, id, consultation.ConfirmationInput{VersionHash: s.hash, Password: testenv.Password})
				wantCode(t, err, "changed_version_required")
			}, false},
			{"new version", newVersion, false},
			{"confirm the old hash", func(t *testing.T, s *reviewScene, id int64) {
				_, err := s.svc.ConfirmReviewChanges(ctx, s.reviewer, id, consultation.ConfirmationInput{VersionHash: s.hash, Password: testenv.Password})
				wantCode(t, err, "version_hash_mismatch")
			}, false},
			{"confirm", confirm, true},
			{"yet another version", newVersion, false},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
			r := s.assigned(t)
			s.opinion(t, r.ID, consultation.OutcomeLawful)
			s.e.Clock.Set(shanghai(2026, 3, 20, 10, 0))
			so, err := s.svc.CurrentSignOff(ctx, s.staff, s.d.ID)
			if err != nil || so.Valid || so.Reason == "" {
				t.Fatalf("before the conclusion: %+v, %v", so, err)
			}
			for _, st := range c.steps {
				st.do(t, s, r.ID)
				so, err := s.svc.CurrentSignOff(ctx, s.staff, s.d.ID)
				if err != nil {
					t.Fatal(err)
				}
				if so.Valid != st.valid || (!so.Valid && so.Reason == "") || so.VersionHash != s.latestHash(t) {
					t.Fatalf("after %s: %+v, want valid %v", st.name, so, st.valid)
				}
			}
		})
	}
}

// A signed "合法" that also finds a problem with one of the three questions
// of Art. 27 contradicts itself: both the adviser's opinion and the
// department's conclusion refuse it, and a problem found still allows
// "修改后合法".
func TestLawfulWithProblemFindingRefused(t *testing.T) {
	ctx := context.Background()
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.assigned(t)
	withProblem := findings(consultation.FindingCompliant)
	withProblem[2].Finding, withProblem[2].Reasoning = consultation.FindingProblem, "第三条与上位法抵触。"
	_, err := s.svc.CreateLegalOpinion(ctx, s.adviser, r.ID, consultation.OpinionInput{Findings: withProblem,
		Overall: consultation.OutcomeLawful, Password: testenv.Password})
	wantCode(t, err, "lawful_with_problem_finding")
	if _, err := s.svc.CreateLegalOpinion(ctx, s.adviser, r.ID, consultation.OpinionInput{Findings: withProblem,
		Overall: consultation.OutcomeLawfulWithChanges, Changes: "删去第三条。", Password: testenv.Password}); err != nil {
		t.Fatalf("opinion with changes: %v", err)
	}
	in := expedited(consultation.OutcomeLawful)
	in.Findings = withProblem
	_, err = s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, in)
	wantCode(t, err, "lawful_with_problem_finding")
}
