package api_test

import (
	"strconv"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
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
