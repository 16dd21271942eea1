package errs

import (
	"net/http"
	"testing"
)

// TestHTTPStatus: invalid input is 422 (a form shows it again), an outage
// 503 (the client retries), and a kind the table does not know is a 500
// like an internal error rather than a client's fault.
func TestHTTPStatus(t *testing.T) {
	cases := []struct {
		kind Kind
		want int
	}{
		{KindInvalid, http.StatusUnprocessableEntity},
		{KindUnavailable, http.StatusServiceUnavailable},
		{KindInternal, http.StatusInternalServerError},
		{KindUnavailable + 1, http.StatusInternalServerError},
	}
	for _, c := range cases {
		if got := c.kind.HTTPStatus(); got != c.want {
			t.Errorf("kind %d: status %d, want %d", c.kind, got, c.want)
		}
	}
}
