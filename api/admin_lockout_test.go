package api_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestAdminsCannotRemoveEachOther (outside check adm): two admins take the
// admin role from each other (or disable each other) at the same moment.
// Each request was authenticated before the other's change committed, so
// on the old code both succeeded and no active admin was left: nobody
// could create accounts, reset passwords or give the role back except the
// operator on the command line. The service now locks both accounts and
// re-reads the acting admin inside the change; the second change is
// refused and one admin remains.
func TestAdminsCannotRemoveEachOther(t *testing.T) {
	e, a, aToken := adminEnv(t)
	b, _ := e.Account(identity.RoleAdmin, "")
	staleB := b // as B's request authenticated it, before A's change
	ctx := context.Background()
	resident := identity.RoleResident

	e.Do("PATCH", "/accounts/"+itoa(b.ID), aToken, map[string]any{"role": "resident"}).Expect(t, 200, "")
	_, err := e.Identity.UpdateAccount(ctx, &staleB, a.ID, identity.AccountUpdate{Role: &resident})
	if e, ok := errs.As(err); !ok || e.Code != "forbidden_role" {
		t.Fatalf("B, no longer an admin, demotes A: %v, want forbidden_role", err)
	}
	_, err = e.Identity.DisableAccount(ctx, &staleB, a.ID, "")
	if e, ok := errs.As(err); !ok || e.Code != "forbidden_role" {
		t.Fatalf("B, no longer an admin, disables A: %v, want forbidden_role", err)
	}
	e.Do("GET", "/me", aToken, nil).Expect(t, 200, "")
	e.Do("GET", "/admin/audit-log?limit=1", aToken, nil).Expect(t, 200, "")

	// The same with disabling: A disables C; C's request in flight
	// disables A.
	c, _ := e.Account(identity.RoleAdmin, "")
	staleC := c
	e.Do("POST", "/accounts/"+itoa(c.ID)+"/disable", aToken, map[string]any{"reason": "离职"}).Expect(t, 200, "")
	_, err = e.Identity.DisableAccount(ctx, &staleC, a.ID, "")
	if e, ok := errs.As(err); !ok || e.Code != "forbidden_role" {
		t.Fatalf("disabled C disables A: %v, want forbidden_role", err)
	}
	var n int
	if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM accounts WHERE role = 'admin' AND disabled_at IS NULL AND deleted_at IS NULL`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("active admins: %d %v", n, err)
	}
}
