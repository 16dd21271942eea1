package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestPagesRefuseTextPostgreSQLCannotHold: a NUL character or bytes that
// are not UTF-8 in a page's query or a posted form answered 500 (服务器内部
// 错误) wherever they reached the database (outside check sec3: the
// admin's list of organisations by status, the proposal form). They are the visitor's
// input: the page says so, 422, and nothing is stored.
func TestPagesRefuseTextPostgreSQLCannotHold(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf", "jyj")
	_, adminToken := e.Account(identity.RoleAdmin, "")
	_, residentToken := e.Account(identity.RoleResident, "")
	for _, q := range []string{"%ff%fe", "%00"} {
		status, page := newBrowser(t, e.URL, adminToken).get("/admin/organisations?status=" + q)
		wantStatus(t, "/admin/organisations?status="+q, status, http.StatusUnprocessableEntity, page)
		wantContains(t, "/admin/organisations?status="+q, page, "无法保存的字符")
	}
	status, page := newBrowser(t, e.URL, residentToken).post("/proposals", url.Values{"decision_body": {"pdsszf"},
		"proposer_kind": {"resident"}, "title": {"规范\x00夜间施工"}, "description": {"夜间施工噪声扰民，建议制定统一的管理办法。"}})
	wantStatus(t, "POST /proposals", status, http.StatusUnprocessableEntity, page)
	wantContains(t, "POST /proposals", page, "无法保存的字符")
}

// TestAssessmentDownloadRefusesYearOutOfRange: the year-end assessment's
// download link without a year, or with one the calendar cannot hold,
// answered 500 (PostgreSQL refused the date 0000-01-01; outside check
// sec3); the API refused such a year by its schema. It is bad input: 422
// with the years allowed, on the page and from the service alike.
func TestAssessmentDownloadRefusesYearOutOfRange(t *testing.T) {
	e := testenv.NewCity(t, "zf", "zjj")
	_, officeToken := e.Account(identity.RoleSupervisor, "zf")
	office := newBrowser(t, e.URL, officeToken)
	for _, q := range []string{"", "?year=-1", "?year=0", "?year=99999", "?year=abc"} {
		status, page := office.get("/supervision/assessment/download" + q)
		wantStatus(t, "/supervision/assessment/download"+q, status, http.StatusUnprocessableEntity, page)
		wantContains(t, "/supervision/assessment/download"+q, page, "考核年度")
	}
	if status, _ := office.get("/supervision/assessment/download?year=2026"); status != http.StatusOK {
		t.Fatalf("download of 2026: %d", status)
	}
}
