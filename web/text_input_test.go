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
