package supervision_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/supervision"
)

// The year-end assessment computed from November's activity: each line
// counts what the scene built, and an adjustment needs a reason and is
// kept beside the computed score.
func TestAnnualAssessment(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	d := buildNovember(t, s)
	s.e.Clock.Set(at(12, 1, 9))
	a, err := s.sup.GetAnnualAssessment(ctx, s.office, 2026)
	if err != nil {
		t.Fatal(err)
	}
	sheet := map[int64]supervision.DepartmentScore{}
	for _, dep := range a.Departments {
		sheet[dep.AgencyID] = dep
	}
	line := func(agency, key string) supervision.IndicatorScore {
		for _, l := range sheet[s.agency[agency]].Lines {
			if l.Indicator.Key == key {
				return l
			}
		}
		t.Fatalf("no line %s for %s", key, agency)
		return supervision.IndicatorScore{}
	}
	// 卫健委: one of two livelihood decisions covered (the waiver), two of
	// three adoption reports on time (D6's and D9's; D3's is overdue).
	if l := line("wjw", "survey_coverage"); l.Numerator != 1 || l.Denominator != 2 {
		t.Errorf("卫健委 survey coverage %d/%d, want 1/2", l.Numerator, l.Denominator)
	}
	if l := line("wjw", "report_timeliness"); l.Numerator != 2 || l.Denominator != 3 {
		t.Errorf("卫健委 report timeliness %d/%d, want 2/3 (ids %v)", l.Numerator, l.Denominator, l.DecisionIDs)
	}
	// 住建局: its problem was closed before its deadline; two reviews
	// concluded lawful (D4 in November, D7 in October).
	if l := line("zjj", "rectification_on_time"); l.Numerator != 1 || l.Denominator != 1 || len(l.ProblemIDs) != 1 {
		t.Errorf("住建局 rectification %+v", l)
	}
	if l := line("zjj", "review_outcomes"); l.Numerator != 2 || l.Denominator != 2 || l.DecisionIDs[0] != d["shortened"].ID ||
		l.DecisionIDs[1] != d["deliberating"].ID {
		t.Errorf("住建局 review outcomes %+v", l)
	}
	computed := sheet[s.agency["wjw"]].Computed
	if computed <= 0 || computed >= 100 {
		t.Fatalf("卫健委 computed %.1f", computed)
	}
	if _, err := s.sup.AdjustAssessmentScore(ctx, s.office, 2026, s.agency["wjw"], 90, "酌情"); !hasCode(err, "invalid_adjustment") {
		t.Fatalf("an adjustment without a real reason: %v", err)
	}
	if _, err := s.sup.AdjustAssessmentScore(ctx, s.staff["wjw"], 2026, s.agency["wjw"], 99, "本单位自评满分的理由很充分"); !hasCode(err, "not_supervisor") {
		t.Fatalf("a department adjusts its own score: %v", err)
	}
	adj, err := s.sup.AdjustAssessmentScore(ctx, s.office, 2026, s.agency["wjw"], 85, "民意调查已于12月补做，经市法治办审议酌情加分。")
	if err != nil || adj.Adjusted == nil || *adj.Adjusted != 85 || adj.Computed != computed {
		t.Fatalf("adjusted: %+v, %v", adj, err)
	}
	// The department sees its own sheet only, with the adjustment beside the computed score.
	own, err := s.sup.GetAnnualAssessment(ctx, s.staff["wjw"], 2026)
	if err != nil || len(own.Departments) != 1 || own.Departments[0].Computed != computed || own.Departments[0].Final() != 85 {
		t.Fatalf("the department's own sheet: %+v, %v", own, err)
	}
	if _, err := s.sup.UpdateAssessmentIndicators(ctx, s.office, 2027, map[string]float64{"procedure_compliance": 60,
		"report_timeliness": 10, "survey_coverage": 10, "review_outcomes": 10, "rectification_on_time": 10}); err != nil {
		t.Fatal(err)
	}
	if is, _ := s.sup.Indicators(ctx, 2027); is[0].Weight != 60 {
		t.Fatalf("2027 weights: %+v", is)
	}
	if b, err := supervision.AssessmentXLSX(a); err != nil || len(b) < 100 {
		t.Fatalf("assessment export: %v", err)
	}
}
