package supervision_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// The office of one government plans inspections of, and records problems
// about, its own government and departments only: a district's office used
// to read every inspection of the city, to plan one of the city's
// departments, and to tie its problems to the city's decisions and
// inspections (outside check, security).
func TestInspectionsStayWithTheirGovernment(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	district := s.e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment).ID
	ddept := s.e.Agency("qjyj", "新华区教育局", identity.AgencyDepartment).ID
	if _, err := s.e.DB.Exec(ctx, `UPDATE agencies SET parent_id = $1 WHERE code IN ('jyj', 'wjw', 'zjj', 'sfj')`, s.agency["zf"]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.DB.Exec(ctx, `UPDATE agencies SET parent_id = $1 WHERE id = $2`, district, ddept); err != nil {
		t.Fatal(err)
	}
	office2, _ := s.e.Account(identity.RoleSupervisor, "qzf")
	plan := func(office *identity.Account, agencies ...int64) (supervision.Inspection, error) {
		return s.sup.CreateInspection(ctx, office, supervision.InspectionInput{Title: "重大行政决策程序专项督察", AgencyIDs: agencies,
			PeriodFrom: "2026-01-01", PeriodTo: "2026-10-31", Topics: "公众参与", StartsOn: "2026-11-02", EndsOn: "2026-11-13"})
	}
	city, err := plan(s.office, s.agency["zjj"])
	if err != nil {
		t.Fatal(err)
	}
	own, err := plan(&office2, ddept)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan(&office2, ddept, s.agency["jyj"]); !hasCode(err, "agency_not_governed") {
		t.Errorf("the district's office planned an inspection of the city's department: %v", err)
	}
	list, err := s.sup.ListInspections(ctx, &office2)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		if in.ID == city.ID {
			t.Errorf("the district's office reads the city's inspection %d", city.ID)
		}
	}
	if len(list) == 0 || list[0].ID != own.ID {
		t.Errorf("the district's office lists %+v, want its own inspection", list)
	}
	if list, err := s.sup.ListInspections(ctx, s.office); err != nil || len(list) != 1 || list[0].ID != city.ID {
		t.Errorf("the city's office lists %+v (%v), want its own inspection only", list, err)
	}
	d := s.create(t, "jyj", consultation.DomainEducationCulture, at(11, 2, 10))
	problem := func(in supervision.ProblemInput) error {
		in.AgencyID, in.Rule, in.Evidence, in.Severity, in.Deadline = ddept, "民生事项未开展民意调查", "送审材料无民意调查报告。",
			supervision.SeverityGeneral, "2026-11-30"
		_, err := s.sup.RecordProblem(ctx, &office2, in)
		return err
	}
	if err := problem(supervision.ProblemInput{InspectionID: &city.ID}); !hasCode(err, "inspection_not_found") {
		t.Errorf("a district problem tied to the city's inspection: %v", err)
	}
	if err := problem(supervision.ProblemInput{DecisionID: &d.ID}); !hasCode(err, "decision_not_found") {
		t.Errorf("a district problem tied to the city's decision: %v", err)
	}
	if err := problem(supervision.ProblemInput{InspectionID: &own.ID}); err != nil {
		t.Errorf("a district problem of its own inspection: %v", err)
	}
}

// The city-wide monthly report is the city's office's to analyse and issue:
// a district's office (its government belongs to the city) used to write
// the city's analysis and issue the city's report under its own signature,
// and read the city's draft (outside check, security).
func TestCityReportIsTheCityOfficesOwn(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	district := s.e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment).ID
	if _, err := s.e.DB.Exec(ctx, `UPDATE agencies SET parent_id = $1 WHERE id = $2`, s.agency["zf"], district); err != nil {
		t.Fatal(err)
	}
	office2, _ := s.e.Account(identity.RoleSupervisor, "qzf")
	s.create(t, "jyj", consultation.DomainEducationCulture, at(10, 12, 10))
	s.e.Clock.Set(at(11, 2, 9))
	reports, err := s.sup.GenerateMonthlyReports(ctx, supervision.MonthOf(at(10, 15, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var city supervision.MonthlyReport
	for _, r := range reports {
		if r.AgencyID == nil {
			city = r
		}
	}
	analysis := supervision.AnalysisInput{Analysis: "区里写的分析。", WeakLinks: "区里写的薄弱环节。", Measures: "区里写的措施。"}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, &office2, city.ID, analysis); !hasCode(err, "monthly_report_not_found") {
		t.Errorf("the district's office wrote the city's analysis: %v", err)
	}
	if _, err := s.sup.IssueMonthlyReport(ctx, &office2, city.ID, true); !hasCode(err, "monthly_report_not_found") {
		t.Errorf("the district's office issued the city's report: %v", err)
	}
	if _, err := s.sup.GetMonthlyReport(ctx, &office2, city.ID); !hasCode(err, "monthly_report_not_found") {
		t.Errorf("the district's office read the city's draft: %v", err)
	}
	list, err := s.sup.ListMonthlyReports(ctx, &office2)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.ID == city.ID {
			t.Errorf("the district's office lists the city's draft")
		}
	}
	// The year's assessment indicators are the city's too.
	weights := map[string]float64{"procedure_compliance": 60, "report_timeliness": 10, "survey_coverage": 10, "review_outcomes": 10,
		"rectification_on_time": 10}
	if _, err := s.sup.UpdateAssessmentIndicators(ctx, &office2, 2026, weights); !hasCode(err, "not_city_office") {
		t.Errorf("the district's office set the city's assessment indicators: %v", err)
	}
	if _, err := s.sup.UpdateAssessmentIndicators(ctx, s.office, 2026, weights); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.office, city.ID, analysis); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sup.IssueMonthlyReport(ctx, s.office, city.ID, false); err != nil {
		t.Fatal(err)
	}
	// Once issued, the city's report is read across the city.
	if _, err := s.sup.GetMonthlyReport(ctx, &office2, city.ID); err != nil {
		t.Errorf("the district's office cannot read the city's issued report: %v", err)
	}
}

// A department may be the decision body of its own decisions (Decree 713
// Art. 42). Its government's office supervises them: the office's
// dashboard, the decision's steps and the year's assessment used to read
// only the decisions whose body is the government itself, so a decision
// that 教育局 decided was on nobody's desk (outside check). Another
// government's office still does not see it.
func TestDepartmentDecisionsAreTheirOfficesToo(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	district := s.e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment).ID
	if _, err := s.e.DB.Exec(ctx, `UPDATE agencies SET parent_id = $1 WHERE code IN ('jyj', 'wjw', 'zjj', 'sfj')`, s.agency["zf"]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.DB.Exec(ctx, `UPDATE agencies SET parent_id = $1 WHERE id = $2`, s.agency["zf"], district); err != nil {
		t.Fatal(err)
	}
	office2, _ := s.e.Account(identity.RoleSupervisor, "qzf")
	s.e.Clock.Set(at(11, 2, 9))
	own, err := s.e.Consultation.CreateDecision(ctx, s.staff["jyj"], consultation.DecisionInput{Title: "平顶山市教育局校外培训机构管理规定",
		Summary: "教育局作为决策机关的事项。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
		DecisionBody: "jyj", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	city := s.create(t, "wjw", consultation.DomainHealth, at(11, 2, 10))
	s.e.Clock.Set(at(11, 3, 9))

	o, err := s.sup.GetComplianceOverview(ctx, s.office, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, row := range o.ByDepartment {
		for _, id := range row.DecisionIDs {
			seen[id] = true
		}
	}
	if o.Decisions != 2 || !seen[own.ID] || !seen[city.ID] {
		t.Errorf("the city's office's dashboard counts %d decisions %v, want the government's and 教育局's own", o.Decisions, seen)
	}
	if _, err := s.sup.GetDecisionCompliance(ctx, s.office, own.ID); err != nil {
		t.Errorf("the city's office cannot read the steps of 教育局's own decision: %v", err)
	}
	a, err := s.sup.GetAnnualAssessment(ctx, s.office, 2026)
	if err != nil {
		t.Fatal(err)
	}
	sheets := func(a supervision.Assessment) map[int64]bool {
		out := map[int64]bool{}
		for _, d := range a.Departments {
			out[d.AgencyID] = true
		}
		return out
	}
	if !sheets(a)[s.agency["jyj"]] {
		t.Errorf("the year's assessment has no sheet for 教育局, whose own decision it does not count")
	}
	// The district's assessment scores its own departments: it used to
	// count the city's problems too, and give the city's departments a
	// sheet on the district's desk.
	if _, err := s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "送审材料未附风险评估",
		Evidence: "送审目录无风险评估报告。", Severity: supervision.SeverityGeneral, Deadline: "2026-11-20"}); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 25, 9))
	if a, err := s.sup.GetAnnualAssessment(ctx, &office2, 2026); err != nil || sheets(a)[s.agency["zjj"]] {
		t.Errorf("the district's assessment scores the city's 住建局 (%v): %+v", err, a.Departments)
	}
	if _, err := s.sup.AdjustAssessmentScore(ctx, &office2, 2026, s.agency["zjj"], 95, "区里调整市住建局的分数。"); !hasCode(err, "invalid_adjustment") {
		t.Errorf("the district's office adjusted the city's 住建局's score: %v", err)
	}
	if o, err := s.sup.GetComplianceOverview(ctx, &office2, 0); err != nil || o.Decisions != 0 {
		t.Errorf("the district's office sees %d of the city's decisions (%v)", o.Decisions, err)
	}
	if _, err := s.sup.GetDecisionCompliance(ctx, &office2, own.ID); !hasCode(err, "decision_not_found") {
		t.Errorf("the district's office reads the steps of a city department's decision: %v", err)
	}
}
