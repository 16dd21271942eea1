package supervision_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/supervision"
)

// buildNovember builds a month of activity (November 2026) across three
// departments through the services, as DOMAIN.md's steps would run.
func buildNovember(t *testing.T, s *scene) map[string]consultation.Decision {
	t.Helper()
	ctx := context.Background()
	d := map[string]consultation.Decision{}
	month := 30 * 24 * time.Hour

	// 住建局 D5: reviewed since 9 October, no conclusion: overdue in November.
	d["overdue_review"] = s.create(t, "zjj", consultation.DomainOther, at(9, 1, 9))
	s.open(t, "zjj", d["overdue_review"], at(9, 1, 10), at(9, 1, 10).Add(month), "")
	s.closeAt(t, at(10, 1, 11))
	s.publishReport(t, "zjj", d["overdue_review"], at(10, 8, 10))
	s.submit(t, "zjj", d["overdue_review"], at(10, 9, 10))

	// 卫健委 D6: livelihood, survey waived in writing.
	d["waived"] = s.create(t, "wjw", consultation.DomainHealth, at(9, 1, 9))
	s.open(t, "wjw", d["waived"], at(9, 1, 10), at(9, 1, 10).Add(month), "")
	s.closeAt(t, at(10, 1, 12))
	s.e.Clock.Set(at(10, 2, 10))
	if _, err := s.e.Survey.WaiveSurveyRequirement(ctx, s.staff["wjw"], d["waived"].ID, "本事项仅调整内部管理流程，书面说明不开展民意调查。"); err != nil {
		t.Fatal(err)
	}
	s.publishReport(t, "wjw", d["waived"], at(10, 3, 10))

	// 卫健委 D3: livelihood, no survey; consultation ended 31 October,
	// two comments answered on 20 November, no adoption report yet.
	d["no_survey"] = s.create(t, "wjw", consultation.DomainHealth, at(10, 1, 9))
	s.open(t, "wjw", d["no_survey"], at(10, 1, 10), at(10, 31, 10), "")
	c1 := s.comment(t, "wjw", d["no_survey"], at(10, 5, 10))
	c2 := s.comment(t, "wjw", d["no_survey"], at(10, 6, 10))
	s.closeAt(t, at(11, 1, 9))
	s.e.Clock.Set(at(11, 20, 10))
	if _, err := s.e.Consultation.SetCommentDisposition(ctx, s.staff["wjw"], c1.ID, consultation.DispositionAdopted, "已在第二条采纳。"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.Consultation.SetCommentDisposition(ctx, s.staff["wjw"], c2.ID, consultation.DispositionNotAdopted, "与上位法不一致。"); err != nil {
		t.Fatal(err)
	}

	// 住建局 D4: consultation shortened with a public reason, reviewed and
	// concluded within November (8 working days).
	d["shortened"] = s.create(t, "zjj", consultation.DomainOther, at(10, 20, 9))
	s.open(t, "zjj", d["shortened"], at(11, 2, 9), at(11, 12, 9), "供暖季临近，须在供暖开始前出台，征求意见期限缩短为10日。")
	s.closeAt(t, at(11, 12, 10))
	s.publishReport(t, "zjj", d["shortened"], at(11, 12, 10).Add(time.Minute))
	r := s.submit(t, "zjj", d["shortened"], at(11, 12, 11))
	s.conclude(t, r, at(11, 18, 10), at(11, 25, 10))

	// 教育局 D2: consultation opened 3 November, three comments, a survey
	// with two responses; D1 started and still drafting.
	d["consulting"] = s.create(t, "jyj", consultation.DomainEducationCulture, at(11, 3, 9))
	s.open(t, "jyj", d["consulting"], at(11, 3, 10), at(11, 3, 10).Add(month), "")
	for i := 0; i < 3; i++ {
		s.comment(t, "jyj", d["consulting"], at(11, 10, 10+i))
	}
	s.survey(t, "jyj", d["consulting"], at(11, 10, 14), 2)
	d["drafting"] = s.create(t, "jyj", consultation.DomainEducationCulture, at(11, 5, 9))

	// A problem found on 16 November in 住建局, rectified and closed.
	s.e.Clock.Set(at(11, 16, 10))
	p, err := s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "送审材料未附风险评估",
		Basis: "《重大行政决策程序暂行条例》第二十二条", Evidence: "送审目录无风险评估报告。", Severity: supervision.SeverityGeneral,
		Deadline: "2026-11-27"})
	if err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 20, 10))
	if _, err := s.sup.SubmitRectification(ctx, s.staff["zjj"], p.ID, "已补充风险评估报告。", "风险评估报告（2026年11月19日）"); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 24, 10))
	if _, err := s.sup.CloseProblem(ctx, s.office, p.ID, "经核查已整改。"); err != nil {
		t.Fatal(err)
	}

	// After the review: 住建局 D7 deliberated on 5 November and not yet
	// published (the Party report and publication are due).
	d["deliberating"] = s.create(t, "zjj", consultation.DomainOther, at(9, 2, 9))
	s.open(t, "zjj", d["deliberating"], at(9, 2, 10), at(9, 2, 10).Add(month), "")
	s.closeAt(t, at(10, 2, 11))
	s.publishReport(t, "zjj", d["deliberating"], at(10, 8, 10))
	r = s.submit(t, "zjj", d["deliberating"], at(10, 9, 11))
	s.conclude(t, r, at(10, 16, 10), at(10, 22, 10))
	s.decide(t, "zjj", d["deliberating"], at(11, 5, 0), time.Time{}, time.Time{}, 0)

	// 教育局 D8: published on 3 November, in effect from 10 December: at the
	// month's end it is published and not yet in effect.
	d["published"] = s.create(t, "jyj", consultation.DomainOther, at(9, 3, 9))
	s.open(t, "jyj", d["published"], at(9, 3, 10), at(9, 3, 10).Add(month), "")
	s.closeAt(t, at(10, 3, 11))
	s.publishReport(t, "jyj", d["published"], at(10, 9, 10))
	r = s.submit(t, "jyj", d["published"], at(10, 12, 11))
	s.conclude(t, r, at(10, 19, 10), at(10, 23, 10))
	s.decide(t, "jyj", d["published"], at(10, 28, 0), at(11, 3, 0), at(12, 10, 0), 30)

	// 卫健委 D9: in effect since 3 August, reporting every 30 days: the
	// report of 1 September was its last periodic one, so the one due on 1
	// October is overdue; a problem report on 12 November does not replace
	// it (Decree 713 Art. 35).
	d["implementing"] = s.create(t, "wjw", consultation.DomainOther, at(6, 1, 9))
	s.open(t, "wjw", d["implementing"], at(6, 1, 10), at(6, 1, 10).Add(month), "")
	s.closeAt(t, at(7, 1, 11))
	s.publishReport(t, "wjw", d["implementing"], at(7, 2, 10))
	r = s.submit(t, "wjw", d["implementing"], at(7, 3, 11))
	s.conclude(t, r, at(7, 10, 10), at(7, 15, 10))
	s.decide(t, "wjw", d["implementing"], at(7, 20, 0), at(8, 3, 0), at(8, 3, 0), 30)
	s.report(t, "wjw", d["implementing"], implementation.ReportPeriodic, at(9, 1, 10))
	s.report(t, "wjw", d["implementing"], implementation.ReportProblem, at(11, 12, 10))
	return d
}

func TestMonthlyReportFigures(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	d := buildNovember(t, s)

	// In November the job has October's reports to make, not November's ...
	s.e.Clock.Set(at(11, 30, 23))
	if ran, err := s.sup.RunMonthlyJob(ctx); err != nil || !ran {
		t.Fatalf("job on 30 November: ran %v, %v; want October's reports", ran, err)
	}
	if rs, _ := s.sup.ListMonthlyReports(ctx, s.office); len(rs) == 0 || rs[0].Month.Format("2006-01") != "2026-10" {
		t.Fatalf("reports on 30 November: %+v", rs)
	}
	// ... and generates November's reports on it, once.
	s.e.Clock.Set(time.Date(2026, 12, 1, 9, 0, 0, 0, at(1, 1, 0).Location()))
	if ran, err := s.sup.RunMonthlyJob(ctx); err != nil || !ran {
		t.Fatalf("job on 1 December: ran %v, %v", ran, err)
	}
	if ran, _ := s.sup.RunMonthlyJob(ctx); ran {
		t.Fatal("the job generated November's reports twice")
	}
	reports, err := s.sup.ListMonthlyReports(ctx, s.office)
	if err != nil {
		t.Fatal(err)
	}
	byScope := map[int64]supervision.MonthlyReport{}
	for _, r := range reports {
		if r.Month.Format("2006-01") != "2026-11" {
			continue
		}
		var a int64
		if r.AgencyID != nil {
			a = *r.AgencyID
		}
		byScope[a] = r
	}
	if len(byScope) != 4 {
		t.Fatalf("reports for %d scopes, want the city and three departments", len(byScope))
	}
	id := func(k string) int { return int(d[k].ID) }
	// Every figure, for the city and each department, against what was
	// built above.
	want := map[int64]supervision.MonthlyFigures{
		0: {ScopeName: "全市",
			DecisionsByStage: map[string]int{"drafting": 1, "consulting": 1, "handling": 2, "under_review": 2, "deliberation": 1,
				"published": 1, "in_effect": 1},
			DecisionsStarted:       2,
			DecisionsPublished:     1,
			ImplementationReports:  1,
			ConsultationsOpened:    2,
			ConsultationsShortened: 1,
			ConsultationsClosed:    1, // D3's window ended on 31 October
			CommentsReceived:       3,
			CommentsAnswered:       2,
			CommentsAdopted:        1,
			AdoptionRate:           0.5,
			SurveysRun:             1,
			SurveyResponses:        2,
			LivelihoodDecisions:    2,
			LivelihoodCovered:      1,
			ReviewsReceived:        1,
			ReviewsConcluded:       1,
			ReviewAvgWorkingDays:   8,
			OverdueSteps:           5,
			ProblemsOpened:         1,
			ProblemsClosed:         1,
		},
		s.agency["zjj"]: {ScopeName: "平顶山市住房和城乡建设局",
			DecisionsByStage:       map[string]int{"under_review": 2, "deliberation": 1},
			ConsultationsOpened:    1,
			ConsultationsShortened: 1,
			ConsultationsClosed:    1,
			ReviewsReceived:        1,
			ReviewsConcluded:       1,
			ReviewAvgWorkingDays:   8,
			OverdueSteps:           2, // D5's review and its adviser's opinion
			ProblemsOpened:         1,
			ProblemsClosed:         1,
		},
		s.agency["wjw"]: {ScopeName: "平顶山市卫生健康委员会",
			DecisionsByStage:      map[string]int{"handling": 2, "in_effect": 1},
			ImplementationReports: 1,
			CommentsAnswered:      2,
			CommentsAdopted:       1,
			AdoptionRate:          0.5,
			LivelihoodDecisions:   2,
			LivelihoodCovered:     1,
			OverdueSteps:          3, // D3's adoption report and survey, D9's periodic report
		},
		s.agency["jyj"]: {ScopeName: "平顶山市教育局",
			DecisionsByStage:    map[string]int{"drafting": 1, "consulting": 1, "published": 1},
			DecisionsStarted:    2,
			DecisionsPublished:  1,
			ConsultationsOpened: 1,
			CommentsReceived:    3,
			SurveysRun:          1,
			SurveyResponses:     2,
		},
	}
	for scope, w := range want {
		w.Month, w.AgencyID = "2026-11", scope
		got := byScope[scope].Figures
		got.Sources, got.Trend = nil, nil
		if !reflect.DeepEqual(got, w) {
			t.Errorf("figures of %s\n got %+v\nwant %+v", w.ScopeName, got, w)
		}
	}
	city := byScope[0].Figures
	wantSources := map[string][]int{
		"decisions_started":      {id("consulting"), id("drafting")},
		"decisions_published":    {id("published")},
		"implementation_reports": {id("implementing")},
		"livelihood_uncovered":   {id("no_survey")},
		"overdue_steps": {id("overdue_review"), id("overdue_review"), id("no_survey"), id("no_survey"),
			id("implementing")},
		"comments_answered":    {id("no_survey")},
		"reviews_concluded":    {id("shortened")},
		"consultations_closed": {id("shortened")},
	}
	for k, v := range wantSources {
		if !reflect.DeepEqual(city.Sources[k], v) {
			t.Errorf("sources of %s: got %v, want %v", k, city.Sources[k], v)
		}
	}
	last := city.Trend[len(city.Trend)-1]
	if len(city.Trend) != 12 || last.Month != "2026-11" || last.CommentsReceived != 3 || city.Trend[10].CommentsReceived != 2 {
		t.Errorf("trend: %+v", city.Trend)
	}

	// Issuing needs the office's analysis; then the report is fixed.
	cityReport := byScope[0]
	if _, err := s.sup.IssueMonthlyReport(ctx, s.office, cityReport.ID, false); !hasCode(err, "monthly_report_incomplete") {
		t.Fatalf("issue without analysis: %v", err)
	}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.office, cityReport.ID, supervision.AnalysisInput{
		Analysis: "卫健委一项民生事项未开展民意调查。", WeakLinks: "意见采纳情况公布不及时。", Measures: "督促卫健委限期补正。"}); err != nil {
		t.Fatal(err)
	}
	issued, err := s.sup.IssueMonthlyReport(ctx, s.office, cityReport.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if !issued.Issued() || issued.ContentHash == nil || issued.Signature == nil || *issued.Signature == "" {
		t.Fatalf("issued report: %+v", issued)
	}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.office, cityReport.ID, supervision.AnalysisInput{Analysis: "改"}); !hasCode(err, "monthly_report_issued") {
		t.Fatalf("edit after issue: %v", err)
	}
	// Regenerating leaves the issued report as it was.
	if _, err := s.sup.GenerateMonthlyReports(ctx, supervision.MonthOf(at(11, 15, 0))); err != nil {
		t.Fatal(err)
	}
	v, err := s.sup.VerifyMonthlyReport(ctx, s.office, cityReport.ID)
	if err != nil || !v.OK {
		t.Fatalf("verify issued report: %+v, %v", v, err)
	}
	checkExports(t, issued)
	// The issue is in the process record of every decision the report
	// counts, each entry naming the figures that count it and binding the
	// report row, and every such record verifies.
	counted := map[int]bool{}
	for _, ids := range city.Sources {
		for _, i := range ids {
			counted[i] = true
		}
	}
	var entries int
	s.e.DB.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE kind = 'monthly_report_issued'`).Scan(&entries)
	if entries != len(counted) || len(counted) != 7 {
		t.Fatalf("%d record entries for the issued report, want one on each of the %d decisions it counts", entries, len(counted))
	}
	var figs string
	s.e.DB.QueryRow(ctx, `SELECT payload::jsonb->>'figures' FROM record_entries WHERE kind = 'monthly_report_issued' AND decision_id = $1`,
		d["implementing"].ID).Scan(&figs)
	if figs != `["implementation_reports", "overdue_steps"]` {
		t.Errorf("D9's entry names the figures %s", figs)
	}
	for i := range counted {
		res, err := s.e.Consultation.VerifyStoredRecord(ctx, int64(i))
		if err != nil || !res.OK || res.Evidence < 1 {
			t.Fatalf("record of decision %d after the issue: %+v, %v", i, res, err)
		}
	}
	// Even the superuser cannot change it without the trigger noticing...
	if _, err := s.e.DB.Exec(ctx, `UPDATE monthly_reports SET analysis = '改写' WHERE id = $1`, cityReport.ID); err == nil {
		t.Fatal("the database let an issued report change")
	}
	// ... and with the trigger disabled, verification catches it.
	tamper(t, s, `UPDATE monthly_reports SET analysis = '改写' WHERE id = $1`, cityReport.ID)
	if v, err := s.sup.VerifyMonthlyReport(ctx, s.office, cityReport.ID); err != nil || v.OK {
		t.Fatalf("verify tampered report: %+v, %v", v, err)
	}
	// ... and so does the record of a decision it counts, naming the row.
	res, err := s.e.Consultation.VerifyStoredRecord(ctx, d["implementing"].ID)
	if err != nil || res.OK || !strings.Contains(res.Problem, "monthly_reports row") {
		t.Fatalf("record verify after the report was changed: %+v, %v", res, err)
	}
	// The issue is logged, and every department was told.
	var logged, notices int
	s.e.DB.QueryRow(ctx, `SELECT count(*) FROM supervision_actions WHERE kind = 'monthly_report_issued'`).Scan(&logged)
	s.e.DB.QueryRow(ctx, `SELECT count(DISTINCT agency_id) FROM supervision_notices WHERE kind = 'monthly_report_issued'`).Scan(&notices)
	if logged != 1 || notices != 3 {
		t.Fatalf("issue logged %d times, notices to %d departments", logged, notices)
	}
}

// The decisions by stage in a month's report are the stages at the
// month's end, as its other figures are: November's report made again in
// December used to count a decision that opened its consultation on 2
// December as consulting in November.
func TestMonthlyReportStagesAsTheMonthEnded(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	d := buildNovember(t, s)
	s.open(t, "jyj", d["drafting"], at(12, 2, 10), at(12, 2, 10).Add(30*24*time.Hour), "")
	s.e.Clock.Set(at(12, 3, 9))
	reports, err := s.sup.GenerateMonthlyReports(ctx, supervision.MonthOf(at(11, 15, 0)))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		if r.AgencyID != nil && *r.AgencyID == s.agency["jyj"] {
			want := map[string]int{"drafting": 1, "consulting": 1, "published": 1}
			if !reflect.DeepEqual(r.Figures.DecisionsByStage, want) {
				t.Errorf("教育局's November by stage: %v, want %v", r.Figures.DecisionsByStage, want)
			}
			return
		}
	}
	t.Fatal("no report of 教育局 for November")
}
