package errs

import (
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
)

func TestInternalClassifiesOutages(t *testing.T) {
	cases := []struct {
		name string
		err  error
		kind Kind
	}{
		{"ConnectionRefused", fmt.Errorf("connect: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), KindUnavailable},
		{"Reset", fmt.Errorf("read: %w", syscall.ECONNRESET), KindUnavailable},
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
