package supervision_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/internal/errs"
)

func hasCode(err error, code string) bool { return errs.HasCode(err, code) }

// tamper runs sql as a superuser would, with triggers off.
func tamper(t *testing.T, s *scene, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := s.e.DB.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, `SET session_replication_role = origin`)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}
