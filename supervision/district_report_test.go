package supervision_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// districtScene is the city of scene with two districts under it: 新华区
// (qzf) with its education bureau (qjyj) and 卫东区 (wdzf) with its health
// commission (wdwjw), each district with its own office; the city's
// departments belong to the city government.
type districtScene struct {
	*scene
	xinhua, weidong   int64
	office2, office3  *identity.Account // 新华区's and 卫东区's offices
	dstaff, wdstaff   *identity.Account // staff of 新华区教育局, of 卫东区卫健委
	govstaff          *identity.Account // staff of 新华区人民政府 itself
	cityStaff         *identity.Account // staff of 平顶山市教育局
	resident          *identity.Account
	decisions         map[string]consultation.Decision
	districtDecisions []int64
}

func newDistrictScene(t *testing.T) *districtScene {
	t.Helper()
	ctx := context.Background()
	s := &districtScene{scene: newScene(t), decisions: map[string]consultation.Decision{}}
	s.e.Clock.Set(at(9, 1, 8))
	s.xinhua = s.e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment).ID
	s.weidong = s.e.Agency("wdzf", "卫东区人民政府", identity.AgencyGovernment).ID
	s.agency["qzf"], s.agency["wdzf"] = s.xinhua, s.weidong
	s.agency["qjyj"] = s.e.Agency("qjyj", "新华区教育局", identity.AgencyDepartment).ID
	s.agency["wdwjw"] = s.e.Agency("wdwjw", "卫东区卫生健康委员会", identity.AgencyDepartment).ID
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE agencies SET parent_id = $1 WHERE code IN ('jyj', 'wjw', 'zjj', 'sfj', 'qzf', 'wdzf')`, []any{s.agency["zf"]}},
		{`UPDATE agencies SET parent_id = $1 WHERE code = 'qjyj'`, []any{s.xinhua}},
		{`UPDATE agencies SET parent_id = $1 WHERE code = 'wdwjw'`, []any{s.weidong}},
	} {
		if _, err := s.e.DB.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	acct := func(role identity.Role, code string) *identity.Account {
		a, _ := s.e.Account(role, code)
		return &a
	}
	s.office2, s.office3 = acct(identity.RoleSupervisor, "qzf"), acct(identity.RoleSupervisor, "wdzf")
	s.dstaff, s.wdstaff = acct(identity.RoleAgencyStaff, "qjyj"), acct(identity.RoleAgencyStaff, "wdwjw")
	s.govstaff, s.resident = acct(identity.RoleAgencyStaff, "qzf"), acct(identity.RoleResident, "")
	s.cityStaff = s.staff["jyj"]
	s.staff["qjyj"], s.staff["wdwjw"], s.staff["qzf"] = s.dstaff, s.wdstaff, s.govstaff
	return s
}

// createIn makes a decision of body, led by dept, at t.
func (s *districtScene) createIn(t *testing.T, dept, body string, domain consultation.Domain, t0 time.Time) consultation.Decision {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(t0)
	s.n++
	d, err := s.e.Consultation.CreateDecision(ctx, s.staff[dept], consultation.DecisionInput{
		Title: fmt.Sprintf("第%d项决策事项", s.n), Summary: "用于区级月报告测试。", Category: consultation.CategoryPublicServices,
		Domain: domain, DecisionBody: body, LeadAgency: dept})
	if err != nil {
		t.Fatalf("create decision: %v", err)
	}
	if _, err := s.e.Consultation.CreateDraftVersion(ctx, s.staff[dept], d.ID, consultation.DraftVersionInput{
		Text:        "第一条 为规范本项工作，制定本办法。\n第二条 本办法适用于本区行政区域。",
		Explanation: "起草说明：依据有关法律，结合本区实际。", LegalBasis: []string{"《重大行政决策程序暂行条例》"}}); err != nil {
		t.Fatalf("add version: %v", err)
	}
	return d
}

// buildDistricts adds the autumn's activity in both districts (and one
// decision of the city) to the scene, in the order it happened.
func (s *districtScene) buildDistricts(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	month := 30 * 24 * time.Hour
	d := s.decisions
	// 新华区: a livelihood decision of the district government, led by its
	// education bureau, consulted from 10 October to 9 November, one
	// comment, answered and adopted on 26 November, no survey; a second
	// consults from 3 November with two comments and a survey of two
	// answers; the education bureau's own decision (Art. 42) is started on
	// 20 November and opens its consultation on 2 December, after the month.
	d["x_closed"] = s.createIn(t, "qjyj", "qzf", consultation.DomainHealth, at(9, 25, 9))
	s.open(t, "qjyj", d["x_closed"], at(10, 10, 9), at(10, 10, 9).Add(month), "")
	c := s.comment(t, "qjyj", d["x_closed"], at(10, 20, 9))
	d["x_consulting"] = s.createIn(t, "qjyj", "qzf", consultation.DomainEducationCulture, at(10, 20, 10))
	// 卫东区 and the city each start one decision on 2 November.
	d["w_consulting"] = s.createIn(t, "wdwjw", "wdzf", consultation.DomainHealth, at(11, 2, 9))
	d["c_consulting"] = s.createIn(t, "jyj", "zf", consultation.DomainEducationCulture, at(11, 2, 10))
	s.open(t, "qjyj", d["x_consulting"], at(11, 3, 10), at(11, 3, 10).Add(month), "")
	s.open(t, "wdwjw", d["w_consulting"], at(11, 4, 10), at(11, 4, 10).Add(month), "")
	s.open(t, "jyj", d["c_consulting"], at(11, 5, 10), at(11, 5, 10).Add(month), "")
	s.comment(t, "qjyj", d["x_consulting"], at(11, 6, 10))
	s.comment(t, "qjyj", d["x_consulting"], at(11, 7, 10))
	s.closeAt(t, at(11, 10, 9))
	for i := 0; i < 3; i++ {
		s.comment(t, "wdwjw", d["w_consulting"], at(11, 12, 10+i))
	}
	s.comment(t, "jyj", d["c_consulting"], at(11, 15, 10))
	s.e.Clock.Set(at(11, 18, 10))
	if _, err := s.sup.RecordProblem(ctx, s.office3, supervision.ProblemInput{AgencyID: s.agency["wdwjw"], Rule: "意见答复不及时",
		Evidence: "意见提出二十日仍未答复。", Severity: supervision.SeverityGeneral, Deadline: "2026-12-10"}); err != nil {
		t.Fatal(err)
	}
	d["x_drafting"] = s.createIn(t, "qjyj", "qjyj", consultation.DomainOther, at(11, 20, 9))
	s.survey(t, "qjyj", d["x_consulting"], at(11, 21, 9), 2)
	s.e.Clock.Set(at(11, 26, 10))
	if _, err := s.e.Consultation.SetCommentDisposition(ctx, s.dstaff, c.ID, consultation.DispositionAdopted, "已在第二条采纳。"); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 27, 10))
	if _, err := s.sup.RecordProblem(ctx, s.office2, supervision.ProblemInput{AgencyID: s.agency["qjyj"], Rule: "民生事项未开展民意调查",
		Evidence: "征求意见结束后未开展民意调查。", Severity: supervision.SeverityGeneral, Deadline: "2026-12-10"}); err != nil {
		t.Fatal(err)
	}
	s.open(t, "qjyj", d["x_drafting"], at(12, 2, 10), at(12, 2, 10).Add(month), "")
	s.districtDecisions = []int64{d["x_closed"].ID, d["x_consulting"].ID, d["x_drafting"].ID}
}

// districtReport finds, among reports, the district-wide report of
// government gov: the one named after the district (新华区, without
// 人民政府) whose agency is the district's government.
func districtReport(reports []supervision.MonthlyReport, gov int64, name string) (supervision.MonthlyReport, bool) {
	for _, r := range reports {
		if r.AgencyID != nil && *r.AgencyID == gov && r.Figures.ScopeName == name {
			return r, true
		}
	}
	return supervision.MonthlyReport{}, false
}

// A district's office makes its district's monthly report as the city's
// office makes the city's: the figures of its government and the
// departments it governs only, as they stood at the month's end, each
// tracing to its decisions; it writes the analysis, weak links and
// measures, issues and publishes it; the issue is in the process record
// of every decision it counts; it downloads it as PDF and XLSX. There was
// no district-wide report: a district's office got its departments'
// reports and nothing that analysed the district as a whole.
func TestDistrictOfficeMakesItsDistrictReport(t *testing.T) {
	ctx := context.Background()
	s := newDistrictScene(t)
	s.buildDistricts(t)
	s.e.Clock.Set(at(12, 3, 9))
	november := supervision.MonthOf(at(11, 15, 0))
	reports, err := s.sup.GenerateMonthlyReportsAs(ctx, s.office2, november)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := districtReport(reports, s.xinhua, "新华区")
	if !ok {
		t.Fatalf("the district's office asked for November's reports and got no report of 新华区 as a whole: %d reports", len(reports))
	}
	f := r.Figures
	x := func(k string) int { return int(s.decisions[k].ID) }
	checks := []struct {
		name      string
		got, want int
	}{
		{"新启动决策事项", f.DecisionsStarted, 1},
		{"开始公开征求意见", f.ConsultationsOpened, 1},
		{"征求意见结束", f.ConsultationsClosed, 1},
		{"收到公众意见", f.CommentsReceived, 2},
		{"答复公众意见", f.CommentsAnswered, 1},
		{"采纳", f.CommentsAdopted, 1},
		{"民意调查", f.SurveysRun, 1},
		{"答卷", f.SurveyResponses, 2},
		{"新发现问题", f.ProblemsOpened, 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("新华区's %s: %d, want %d (the district's own only)", c.name, c.got, c.want)
		}
	}
	// The stages as November ended: the decision that opened on 2 December
	// was drafting.
	if want := map[string]int{"drafting": 1, "consulting": 1, "handling": 1}; fmt.Sprint(f.DecisionsByStage) != fmt.Sprint(want) {
		t.Errorf("新华区's decisions by stage: %v, want %v", f.DecisionsByStage, want)
	}
	if got := f.Sources["comments_received"]; len(got) != 1 || got[0] != x("x_consulting") {
		t.Errorf("新华区's comments trace to %v, want its decision %d", got, x("x_consulting"))
	}
	if got := f.Sources["decisions_started"]; len(got) != 1 || got[0] != x("x_drafting") {
		t.Errorf("新华区's new decisions trace to %v, want %d", got, x("x_drafting"))
	}
	// Its draft is the district office's: another district's office, the
	// city's office, a department of the district and a resident cannot
	// read it; the other district's office cannot write or issue it.
	for who, a := range map[string]*identity.Account{"卫东区's office": s.office3, "the city's office": s.office,
		"新华区教育局": s.dstaff, "a resident": s.resident} {
		if _, err := s.sup.GetMonthlyReport(ctx, a, r.ID); !hasCode(err, "monthly_report_not_found") {
			t.Errorf("%s read 新华区's draft report: %v", who, err)
		}
	}
	analysis := supervision.AnalysisInput{Analysis: "新华区教育局一项民生事项未开展民意调查。", WeakLinks: "民意调查覆盖不足。",
		Measures: "督促区教育局在征求意见期间开展民意调查。"}
	for who, a := range map[string]*identity.Account{"卫东区's office": s.office3, "the city's office": s.office} {
		if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, a, r.ID, analysis); !hasCode(err, "monthly_report_not_found") {
			t.Errorf("%s wrote 新华区's analysis: %v", who, err)
		}
		if _, err := s.sup.IssueMonthlyReport(ctx, a, r.ID, true); !hasCode(err, "monthly_report_not_found") {
			t.Errorf("%s issued 新华区's report: %v", who, err)
		}
	}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.dstaff, r.ID, analysis); !hasCode(err, "not_supervisor") {
		t.Errorf("新华区教育局 wrote its district's analysis: %v", err)
	}
	if _, err := s.sup.IssueMonthlyReport(ctx, s.office2, r.ID, false); !hasCode(err, "monthly_report_incomplete") {
		t.Errorf("issued without the analysis: %v", err)
	}
	if _, err := s.sup.UpdateMonthlyReportAnalysis(ctx, s.office2, r.ID, analysis); err != nil {
		t.Fatal(err)
	}
	issued, err := s.sup.IssueMonthlyReport(ctx, s.office2, r.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := s.sup.VerifyMonthlyReport(ctx, s.office2, r.ID); err != nil || !v.OK {
		t.Fatalf("verify 新华区's issued report: %+v, %v", v, err)
	}
	// Once issued: the city's office reads it, the district's departments
	// and its government's staff read it; another district's office, a
	// department of the city or of another district, a resident do not.
	for who, a := range map[string]*identity.Account{"the city's office": s.office, "新华区教育局": s.dstaff,
		"新华区人民政府's staff": s.govstaff} {
		if _, err := s.sup.GetMonthlyReport(ctx, a, r.ID); err != nil {
			t.Errorf("%s cannot read 新华区's issued report: %v", who, err)
		}
		if !listed(t, s.sup, a, r.ID) {
			t.Errorf("%s does not list 新华区's issued report", who)
		}
	}
	for who, a := range map[string]*identity.Account{"卫东区's office": s.office3, "平顶山市教育局": s.cityStaff,
		"卫东区卫健委": s.wdstaff, "a resident": s.resident} {
		if _, err := s.sup.GetMonthlyReport(ctx, a, r.ID); !hasCode(err, "monthly_report_not_found") {
			t.Errorf("%s read 新华区's issued report: %v", who, err)
		}
		if a.Role != identity.RoleResident && listed(t, s.sup, a, r.ID) {
			t.Errorf("%s lists 新华区's issued report", who)
		}
	}
	// The issue is on the record of each of the district's decisions it
	// counts, and of no other; each record verifies.
	rows, err := s.e.DB.Query(ctx, `SELECT decision_id FROM record_entries WHERE kind = 'monthly_report_issued'
		AND (payload::jsonb->>'monthly_report_id')::bigint = $1 ORDER BY decision_id`, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var recorded []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		recorded = append(recorded, id)
	}
	if fmt.Sprint(recorded) != fmt.Sprint(s.districtDecisions) {
		t.Errorf("the issue is recorded on decisions %v, want 新华区's %v", recorded, s.districtDecisions)
	}
	for _, id := range recorded {
		if res, err := s.e.Consultation.VerifyStoredRecord(ctx, id); err != nil || !res.OK || res.Evidence < 1 {
			t.Errorf("record of decision %d after the issue: %+v, %v", id, res, err)
		}
	}
	// The district's education bureau was told; nobody outside the district.
	var told []int64
	rows, _ = s.e.DB.Query(ctx, `SELECT agency_id FROM supervision_notices WHERE kind = 'monthly_report_issued' ORDER BY 1`)
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		told = append(told, id)
	}
	if fmt.Sprint(told) != fmt.Sprint([]int64{s.agency["qjyj"]}) {
		t.Errorf("notices went to %v, want 新华区教育局 %d only", told, s.agency["qjyj"])
	}
	checkDistrictExports(t, issued)
}

// listed reports whether the actor's list of reports holds report id.
func listed(t *testing.T, sup *supervision.Service, a *identity.Account, id int64) bool {
	t.Helper()
	list, err := sup.ListMonthlyReports(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.ID == id {
			return true
		}
	}
	return false
}

// A district's report counts that district only: the other district's
// office gets a report of its own district, with its own figures; a
// department with no government recorded (which every office of a
// single-city deployment supervises) is in no district's report; the
// city's office is answered no district's draft.
func TestDistrictReportsKeepToTheirDistrict(t *testing.T) {
	ctx := context.Background()
	s := newDistrictScene(t)
	s.buildDistricts(t)
	s.e.Agency("hbj", "平顶山市生态环境局", identity.AgencyDepartment)
	hbj, _ := s.e.Account(identity.RoleAgencyStaff, "hbj")
	s.staff["hbj"] = &hbj
	s.createIn(t, "hbj", "hbj", consultation.DomainEnvironment, at(11, 28, 9))
	s.e.Clock.Set(at(12, 3, 9))
	november := supervision.MonthOf(at(11, 15, 0))
	reports, err := s.sup.GenerateMonthlyReportsAs(ctx, s.office3, november)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := districtReport(reports, s.weidong, "卫东区")
	if !ok {
		t.Fatal("卫东区's office got no report of 卫东区")
	}
	if w.Figures.CommentsReceived != 3 || w.Figures.ProblemsOpened != 1 || w.Figures.ConsultationsOpened != 1 ||
		w.Figures.DecisionsStarted != 1 {
		t.Errorf("卫东区's figures: %+v", w.Figures)
	}
	// (生态环境局's own report is every office's, as its decisions are.)
	for _, r := range reports {
		if r.AgencyID == nil || (*r.AgencyID != s.weidong && *r.AgencyID != s.agency["wdwjw"] && r.Figures.ScopeName != "平顶山市生态环境局") {
			t.Errorf("卫东区's office was answered report %d of %s", r.ID, r.Figures.ScopeName)
		}
	}
	if _, ok := districtReport(reports, s.xinhua, "新华区"); ok {
		t.Error("卫东区's office was answered 新华区's report")
	}
	// The city's office generating gets the city's and its departments'
	// drafts, no district's draft.
	all, err := s.sup.GenerateMonthlyReportsAs(ctx, s.office, november)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if _, ok := districtReport([]supervision.MonthlyReport{r}, s.xinhua, "新华区"); ok {
			t.Error("the city's office was answered 新华区's draft")
		}
		if _, ok := districtReport([]supervision.MonthlyReport{r}, s.weidong, "卫东区"); ok {
			t.Error("the city's office was answered 卫东区's draft")
		}
	}
}

// checkDistrictExports reads the district's issued report back from its
// PDF (pdftotext) and XLSX, and renders every page of the PDF to PNG
// (pdftoppm, poppler-utils), under CANYU_SCREENSHOT_DIR when set, so a
// person can look at each page: every page must have print on it.
func checkDistrictExports(t *testing.T, r supervision.MonthlyReport) {
	t.Helper()
	pdf, err := supervision.MonthlyReportPDF(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"pdftotext", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CANYU_REQUIRE_BROWSER") != "" {
				t.Fatalf("%s is missing (scripts/ensure-test-tools.sh installs poppler-utils)", tool)
			}
			t.Skipf("%s not installed", tool)
		}
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"新华区2026年11月法治政府建设月报告", "统计范围：新华区人民政府及其所属部门作为决策机关的重大行政决策事项",
		"新华区法治政府建设领导小组办公室2026年12月3日通报", "收到公众意见（条）", "新华区教育局一项民生事项未开展民意调查",
		"督促区教育局在征求意见期间开展民意调查", "存证校验值"} {
		if !strings.Contains(text, want) {
			t.Errorf("the district's PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "全市") {
		t.Errorf("the district's PDF says 全市:\n%s", text)
	}
	dir := os.Getenv("CANYU_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "district-monthly-report.pdf"), pdf, 0o644)
	prefix := filepath.Join(dir, "district-monthly-report-page")
	render := exec.Command("pdftoppm", "-png", "-r", "80", "-", prefix)
	render.Stdin = bytes.NewReader(pdf)
	if msg, err := render.CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, msg)
	}
	pages, _ := filepath.Glob(prefix + "-*.png")
	if len(pages) < 2 || !strings.Contains(text, fmt.Sprintf("共%d页", len(pages))) {
		t.Errorf("%d pages rendered; the footer says %q", len(pages), text[strings.LastIndex(text, "第"):])
	}
	for _, p := range pages {
		if ink := inkShare(t, p); ink < 0.002 {
			t.Errorf("page %s is blank (%.4f of it printed)", filepath.Base(p), ink)
		}
	}
	x, err := supervision.MonthlyReportXLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("主要数据")
	if len(rows) < 3 || rows[0][0] != "新华区2026年11月法治政府建设月报告" || strings.Join(rows[1], "") != "统计范围新华区人民政府及其所属部门作为决策机关的重大行政决策事项" {
		t.Fatalf("the XLSX opens with %v", rows[:min(3, len(rows))])
	}
	found := false
	for _, row := range rows {
		found = found || len(row) == 2 && row[0] == "收到公众意见（条）" && row[1] == "2"
	}
	if !found {
		t.Errorf("the XLSX lacks the district's 2 comments received: %v", rows)
	}
}

// inkShare is the share of a PNG's pixels that are not near white.
func inkShare(t *testing.T, path string) float64 {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	var dark int
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r+g+bl < 3*0xc000 {
				dark++
			}
		}
	}
	return float64(dark) / float64(b.Dx()*b.Dy())
}
