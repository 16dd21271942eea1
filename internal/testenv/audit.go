package testenv

import (
	"context"
	"testing"
)

// FailAuditOf makes every admin-audit entry of action fail to insert (a
// trigger that raises), as a full disk or a dropped connection would at
// that moment: a change audited in its own transaction is then not made
// at all; one audited after its commit is made unrecorded.
func (e *Env) FailAuditOf(tb testing.TB, action string) {
	tb.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'test: audit entry refused'; END $$`,
		`CREATE TRIGGER test_fail_audit BEFORE INSERT ON admin_audit_log FOR EACH ROW
		WHEN (NEW.action = '` + action + `') EXECUTE FUNCTION test_fail_audit()`,
	} {
		if _, err := e.DB.Exec(ctx, sql); err != nil {
			tb.Fatalf("fail audit of %s: %v", action, err)
		}
	}
}
