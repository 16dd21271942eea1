package errs

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestInternalClassifiesOutages(t *testing.T) {
	cases := []struct {
		name string
		err  error
		kind Kind
	}{
		{"ConnectionRefused", fmt.Errorf("connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), KindUnavailable},
		{"Reset", fmt.Errorf("read: %w", syscall.ECONNRESET), KindUnavailable},
		{"AdminShutdown", fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), KindUnavailable},
		{"StartingUp", fmt.Errorf("connect: %w", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}), KindUnavailable},
		{"TooManyConnections", &pgconn.PgError{Code: "53300"}, KindUnavailable},
		{"UniqueViolation", &pgconn.PgError{Code: "23505"}, KindInternal},
		{"Bug", errors.New("scan: wrong number of columns"), KindInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Internal(c.err)
			if e.Kind != c.kind {
				t.Fatalf("kind %v, want %v", e.Kind, c.kind)
			}
			if c.kind == KindUnavailable && (e.RetryAfter == 0 || e.Code != "service_unavailable") {
				t.Fatalf("outage without Retry-After: %+v", e)
			}
		})
	}
}
