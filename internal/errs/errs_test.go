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

// TestAllInvalid: the field errors of several problems become one error
// naming every field, with the first problem's code; none is nil.
func TestAllInvalid(t *testing.T) {
	if err := AllInvalid(nil, nil); err != nil {
		t.Fatalf("no problem: %v", err)
	}
	err := AllInvalid(nil, InvalidField("title_required", "title", "请填写标题"), nil,
		InvalidField("body_too_long", "body", "内容过长"))
	e, ok := As(err)
	if !ok || e.Kind != KindInvalid || e.Code != "title_required" || len(e.Fields) != 2 ||
		e.Fields[0].Field != "title" || e.Fields[1].Field != "body" {
		t.Fatalf("joined: %+v", err)
	}
}
