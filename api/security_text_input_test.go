package api_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestTextPostgreSQLCannotHoldIsRefused: a NUL character ("\u0000" in JSON,
// %00 in a query) or bytes that are not UTF-8 (%ff) cannot be stored or
// compared by PostgreSQL; they answered 500 wherever they reached a
// statement (outside check sec3: list-catalogues, list-decision-proposals,
// register-resident, propose-decision-item, create-decision, …). They are
// bad input: 422 invalid_characters, and nothing is written.
func TestTextPostgreSQLCannotHoldIsRefused(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf", "jyj")
	_, resident := e.Account(identity.RoleResident, "")
	_, staff := e.Account(identity.RoleAgencyStaff, "jyj")
	for _, path := range []string{"/catalogues?decision_body=%00", "/catalogues?decision_body=%ff%fe",
		"/decision-proposals?decision_body=%00", "/decision-proposals?decision_body=%ff"} {
		e.Do("GET", path, "", nil).Expect(t, 422, "invalid_characters")
	}
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13712345678", "password": "secret-pass-1",
		"display_name": "李\u0000四"}).Expect(t, 422, "invalid_characters")
	// Nothing counted either: the number may register at once (the SMS
	// limit allows one code a minute).
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13712345679", "password": "secret-pass-1",
		"display_name": "李\u0000四"}).Expect(t, 422, "invalid_characters")
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13712345679", "password": "secret-pass-1",
		"display_name": "李四"}).Expect(t, 202, "")
	e.Do("POST", "/decision-proposals", resident, map[string]any{"decision_body": "pdsszf", "proposer_kind": "resident",
		"title": "规范\u0000夜间施工", "description": "夜间施工噪声扰民，建议制定统一的管理办法。"}).Expect(t, 422, "invalid_characters")
	e.Do("POST", "/decisions", staff, map[string]any{"title": "测试\u0000决策", "category": "public_services",
		"domain": "education_culture", "decision_body": "pdsszf", "lead_agency": "jyj", "summary": "摘要"}).Expect(t, 422, "invalid_characters")

	var n int
	if err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM decision_proposals) + (SELECT count(*) FROM decisions)
		+ (SELECT count(*) FROM accounts WHERE phone = '13712345678')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows written by refused requests", n)
	}
}
