package api_test

import (
	"strconv"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// The office's desk through the API: who may read what, a problem from
// record to rectification, and the monthly report's export.
func TestSupervisionOperations(t *testing.T) {
	e := newCity(t, "zf")
	zjj := e.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	_, office := e.Account(identity.RoleSupervisor, "zf")
	_, staff := e.Account(identity.RoleAgencyStaff, "zjj")
	_, other := e.Account(identity.RoleAgencyStaff, "jyj")
	_, resident := e.Account(identity.RoleResident, "")

	e.Do("GET", "/supervision/compliance", office, nil).Expect(t, 200, "")
	e.Do("GET", "/supervision/compliance", resident, nil).Expect(t, 403, "not_supervisor")
	e.Do("GET", "/supervision/compliance", "", nil).Expect(t, 401, "")
	// A department's staff get their own dashboard.
	e.Do("GET", "/supervision/compliance", staff, nil).Expect(t, 200, "")

	bad := map[string]any{"agency_id": zjj.ID, "rule": "", "evidence": "", "severity": "general", "deadline": "2026-13-40"}
	r := e.Do("POST", "/supervision/problems", office, bad).Expect(t, 422, "invalid_problem")
	var p struct {
		Errors []struct{ Location string } `json:"errors"`
	}
	r.JSON(t, &p)
	if len(p.Errors) != 3 {
		t.Fatalf("every invalid field at once: %+v", p)
	}
	e.Do("POST", "/supervision/problems", staff, bad).Expect(t, 403, "")

	var created struct{ ID int64 }
	e.Do("POST", "/supervision/problems", office, map[string]any{"agency_id": zjj.ID, "rule": "未按期公布意见采纳情况",
		"basis": "《重大行政决策程序暂行条例》第十八条", "evidence": "征求意见结束30日后仍未公布。", "severity": "serious",
		"deadline": e.Clock.Now().AddDate(0, 0, 7).Format("2006-01-02"), "listed": true}).Expect(t, 200, "").JSON(t, &created)
	path := "/supervision/problems/" + itoa(created.ID)
	e.Do("GET", path, other, nil).Expect(t, 404, "problem_not_found")
	e.Do("POST", path+"/rectifications", other, map[string]any{"report": "已整改"}).Expect(t, 404, "problem_not_found")
	e.Do("POST", path+"/rectifications", staff, map[string]any{"report": "已公布采纳情况说明。"}).Expect(t, 200, "")
	e.Do("POST", path+"/close", staff, map[string]any{}).Expect(t, 403, "")
	e.Do("POST", path+"/close", office, map[string]any{"note": "已核查。"}).Expect(t, 200, "")
	var listed struct{ Problems []struct{ Status string } }
	e.Do("GET", "/supervision/listed-problems", staff, nil).Expect(t, 200, "").JSON(t, &listed)
	if len(listed.Problems) != 1 || listed.Problems[0].Status != "closed" {
		t.Fatalf("listed problems: %+v", listed)
	}

	var reports struct{ Reports []struct{ ID int64 } }
	e.Do("POST", "/supervision/monthly-reports/generate", office, map[string]any{"month": "2026-01"}).Expect(t, 200, "").JSON(t, &reports)
	if len(reports.Reports) == 0 {
		t.Fatal("no reports generated")
	}
	id := itoa(reports.Reports[0].ID)
	// A draft is the office's alone.
	e.Do("GET", "/supervision/monthly-reports/"+id, staff, nil).Expect(t, 404, "monthly_report_not_found")
	e.Do("POST", "/supervision/monthly-reports/"+id+"/issue", office, map[string]any{}).Expect(t, 409, "monthly_report_incomplete")
	res := e.Do("GET", "/supervision/monthly-reports/"+id+"/export?format=pdf", office, nil).Expect(t, 200, "")
	if ct := res.Header.Get("Content-Type"); ct != "application/pdf" || string(res.Body[:5]) != "%PDF-" {
		t.Fatalf("export: %s %q", ct, res.Body[:10])
	}
	res = e.Do("GET", "/supervision/monthly-reports/"+id+"/export?format=xlsx", office, nil).Expect(t, 200, "")
	if string(res.Body[:2]) != "PK" {
		t.Fatal("the XLSX is not a zip")
	}
	e.Do("PUT", "/supervision/assessments/2026/indicators", office, map[string]any{"weights": map[string]float64{"procedure_compliance": 100}}).
		Expect(t, 422, "invalid_indicators")
	e.Do("GET", "/supervision/assessments/2026", office, nil).Expect(t, 200, "")
	if res := e.Do("GET", "/supervision/assessments/2026/export", office, nil).Expect(t, 200, ""); string(res.Body[:2]) != "PK" {
		t.Fatal("the assessment export is not an XLSX file")
	}
	e.Do("GET", "/supervision/assessments/2026/export", resident, nil).Expect(t, 403, "not_supervisor")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A district's office generating a month's reports is answered with the
// reports it may read: the city's draft (with the city office's analysis)
// and the city's departments' drafts used to come back in the answer,
// which get-monthly-report refuses it (outside check, security).
func TestGenerateAnswersOnlyTheOfficesReports(t *testing.T) {
	e := newCity(t, "zf")
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	district := e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment)
	if _, err := e.DB.Exec(t.Context(), `UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'zf')
		WHERE code IN ('jyj', 'qzf')`); err != nil {
		t.Fatal(err)
	}
	_, office := e.Account(identity.RoleSupervisor, "zf")
	_, office2 := e.Account(identity.RoleSupervisor, "qzf")
	var reports struct {
		Reports []struct {
			ID       int64  `json:"id"`
			AgencyID *int64 `json:"agency_id"`
		}
	}
	e.Do("POST", "/supervision/monthly-reports/generate", office, map[string]any{"month": "2026-01"}).Expect(t, 200, "").JSON(t, &reports)
	var city int64
	for _, r := range reports.Reports {
		if r.AgencyID == nil {
			city = r.ID
		}
	}
	if city == 0 {
		t.Fatalf("no city report: %+v", reports)
	}
	e.Do("PUT", "/supervision/monthly-reports/"+itoa(city)+"/analysis", office, map[string]any{"analysis": "市法治办内部分析：某局问题突出。",
		"weak_links": "薄弱", "measures": "措施"}).Expect(t, 200, "")
	r := e.Do("POST", "/supervision/monthly-reports/generate", office2, map[string]any{"month": "2026-01"}).Expect(t, 200, "")
	r.JSON(t, &reports)
	for _, rep := range reports.Reports {
		if rep.AgencyID == nil || *rep.AgencyID != district.ID {
			e.Do("GET", "/supervision/monthly-reports/"+itoa(rep.ID), office2, nil).Expect(t, 404, "monthly_report_not_found")
			t.Errorf("the district's office was answered report %d (agency %v)", rep.ID, rep.AgencyID)
		}
	}
}

// A district's office makes its district's monthly report through the API
// (there was none: generate answered it its departments' reports only),
// and the report keeps to its readers: in draft its office's alone; once
// issued the city's office and the district's departments read it, and
// another district's office, a department of the city and a resident do
// not; only its office writes and issues it.
func TestDistrictMonthlyReportOperations(t *testing.T) {
	e := newCity(t, "zf", "jyj")
	e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment)
	e.Agency("wdzf", "卫东区人民政府", identity.AgencyGovernment)
	e.Agency("qjyj", "新华区教育局", identity.AgencyDepartment)
	for _, sql := range []string{
		`UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'zf') WHERE code IN ('jyj', 'qzf', 'wdzf')`,
		`UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'qzf') WHERE code = 'qjyj'`,
	} {
		if _, err := e.DB.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	_, office := e.Account(identity.RoleSupervisor, "zf")
	_, office2 := e.Account(identity.RoleSupervisor, "qzf")
	_, office3 := e.Account(identity.RoleSupervisor, "wdzf")
	dstaffAccount, dstaff := e.Account(identity.RoleAgencyStaff, "qjyj")
	_, cityStaff := e.Account(identity.RoleAgencyStaff, "jyj")
	_, resident := e.Account(identity.RoleResident, "")
	draftDecision(t, e, &dstaffAccount, consultation.DecisionInput{Title: "新华区中小学课后服务管理办法", Summary: "规范课后服务。",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "qzf", LeadAgency: "qjyj"},
		consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。", Explanation: "起草说明。",
			LegalBasis: []string{"《中华人民共和国教育法》"}})
	type report struct {
		ID        int64  `json:"id"`
		Scope     string `json:"scope"`
		AgencyID  *int64 `json:"agency_id"`
		ScopeName string `json:"scope_name"`
		Figures   struct {
			DecisionsStarted int    `json:"decisions_started"`
			Coverage         string `json:"coverage"`
		} `json:"figures"`
	}
	var reports struct{ Reports []report }
	month := supervision.MonthOf(e.Clock.Now()).String()
	e.Do("POST", "/supervision/monthly-reports/generate", office2, map[string]any{"month": month}).Expect(t, 200, "").JSON(t, &reports)
	var district report
	for _, r := range reports.Reports {
		if r.Scope == "district" {
			district = r
		}
	}
	if district.ID == 0 || district.ScopeName != "新华区" || district.Figures.DecisionsStarted != 1 ||
		district.Figures.Coverage != "新华区人民政府及其所属部门作为决策机关的重大行政决策事项" {
		t.Fatalf("the district's office generated no report of its district: %+v", reports.Reports)
	}
	path := "/supervision/monthly-reports/" + itoa(district.ID)
	for _, who := range []string{office, office3, dstaff, cityStaff, resident, ""} {
		e.Do("GET", path, who, nil).Expect(t, 404, "monthly_report_not_found")
		e.Do("GET", path+"/export?format=pdf", who, nil).Expect(t, 404, "monthly_report_not_found")
	}
	analysis := map[string]any{"analysis": "区教育局新启动一项民生事项。", "weak_links": "民意调查尚未安排。", "measures": "督促开展民意调查。"}
	for _, who := range []string{office, office3} {
		e.Do("PUT", path+"/analysis", who, analysis).Expect(t, 404, "monthly_report_not_found")
		e.Do("POST", path+"/issue", who, map[string]any{}).Expect(t, 404, "monthly_report_not_found")
	}
	for _, who := range []string{dstaff, cityStaff, resident} {
		e.Do("PUT", path+"/analysis", who, analysis).Expect(t, 403, "")
		e.Do("POST", path+"/issue", who, map[string]any{}).Expect(t, 403, "")
	}
	e.Do("GET", path, office2, nil).Expect(t, 200, "")
	e.Do("PUT", path+"/analysis", office2, analysis).Expect(t, 200, "")
	e.Do("POST", path+"/issue", office2, map[string]any{}).Expect(t, 200, "")
	e.Do("PUT", path+"/analysis", office2, analysis).Expect(t, 409, "monthly_report_issued")
	for _, who := range []string{office, office2, dstaff} {
		e.Do("GET", path, who, nil).Expect(t, 200, "")
		e.Do("GET", path+"/verify", who, nil).Expect(t, 200, "")
		if res := e.Do("GET", path+"/export?format=pdf", who, nil).Expect(t, 200, ""); string(res.Body[:5]) != "%PDF-" {
			t.Fatal("the district's report is not a PDF")
		}
		if res := e.Do("GET", path+"/export?format=xlsx", who, nil).Expect(t, 200, ""); string(res.Body[:2]) != "PK" {
			t.Fatal("the district's report is not an XLSX file")
		}
		var list struct{ Reports []report }
		e.Do("GET", "/supervision/monthly-reports", who, nil).Expect(t, 200, "").JSON(t, &list)
		found := false
		for _, r := range list.Reports {
			found = found || r.ID == district.ID
		}
		if !found {
			t.Errorf("the district's issued report is not in the list of %s", who[:8])
		}
	}
	for _, who := range []string{office3, cityStaff, resident, ""} {
		e.Do("GET", path, who, nil).Expect(t, 404, "monthly_report_not_found")
		e.Do("GET", path+"/export?format=xlsx", who, nil).Expect(t, 404, "monthly_report_not_found")
	}
	for _, who := range []string{office3, cityStaff} {
		var list struct{ Reports []report }
		e.Do("GET", "/supervision/monthly-reports", who, nil).Expect(t, 200, "").JSON(t, &list)
		for _, r := range list.Reports {
			if r.ID == district.ID {
				t.Errorf("another district's office or a city department lists 新华区's report")
			}
		}
	}
}
