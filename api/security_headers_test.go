package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/server"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// Issue 15, finding 7: no Content-Security-Policy, no HSTS, /metrics open
// to anyone.
func TestSecurityHeadersAndMetricsAccess(t *testing.T) {
	e := testenv.New(t)
	res, err := http.Get(e.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("page CSP %q lacks %q", csp, want)
		}
	}
	if h := res.Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS over plain http: %q", h)
	}

	https := e.Deps
	https.SecureCookies, https.MetricsToken = true, "s3cret-metrics"
	tls := httptest.NewServer(server.New(https))
	defer tls.Close()
	res, err = http.Get(tls.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if h := res.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=31536000") {
		t.Errorf("HSTS behind https: %q", h)
	}
	for token, want := range map[string]int{"": 401, "wrong": 401, "s3cret-metrics": 200} {
		req, _ := http.NewRequest("GET", tls.URL+"/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("/metrics with token %q: %d, want %d", token, res.StatusCode, want)
		}
	}
}
