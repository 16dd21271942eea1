package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/server"
	"github.com/canyu-gov/canyu/internal/testenv"
)

func signInVia(t *testing.T, url, xff, login, password string) int {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	req, _ := http.NewRequest("POST", url+"/api/v1/sessions", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Issue 15, finding 6: behind a reverse proxy every request had the
// proxy's address. With CANYU_TRUSTED_PROXIES the proxy's X-Forwarded-For
// names the client; without it (or from anyone else) the header is
// ignored, so a client cannot choose its own address.
func TestTrustedProxies(t *testing.T) {
	e := testenv.New(t)
	acct, _ := e.Account(identity.RoleResident, "")
	proxied := httptest.NewServer(obs.TrustProxies([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})(
		server.New(e.Deps)))
	defer proxied.Close()
	for i := 0; i < identity.LoginFreeAttemptsPerPair; i++ {
		if st := signInVia(t, proxied.URL, "203.0.113.9", *acct.Phone, "guess-guess-1"); st != 401 {
			t.Fatalf("guess %d: %d", i, st)
		}
	}
	if st := signInVia(t, proxied.URL, "203.0.113.9", *acct.Phone, testenv.Password); st != 429 {
		t.Fatalf("the guesser behind the proxy: %d, want 429", st)
	}
	// Whatever the client prepends is not believed: the proxy appended
	// the real address last.
	if st := signInVia(t, proxied.URL, "198.51.100.1, 203.0.113.9", *acct.Phone, testenv.Password); st != 429 {
		t.Fatalf("spoofed X-Forwarded-For: %d, want 429", st)
	}
	// Another resident behind the same proxy is not throttled.
	if st := signInVia(t, proxied.URL, "198.51.100.1", *acct.Phone, testenv.Password); st != 201 {
		t.Fatalf("the owner behind the same proxy: %d, want 201", st)
	}

	// Without trusted proxies the header is nobody's word.
	other, _ := e.Account(identity.RoleResident, "")
	for i := 0; i < identity.LoginFreeAttemptsPerPair; i++ {
		signInVia(t, e.URL, "203.0.113.10", *other.Phone, "guess-guess-1")
	}
	if st := signInVia(t, e.URL, "198.51.100.2", *other.Phone, testenv.Password); st != 429 {
		t.Fatalf("X-Forwarded-For believed from an untrusted peer: %d, want 429", st)
	}
}
