package api_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/api"
	"github.com/canyu-gov/canyu/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite ../openapi.yaml from the registered operations")

// TestOpenAPIGolden fails when the committed openapi.yaml differs from what
// the code generates. `go test ./api -update` rewrites it.
func TestOpenAPIGolden(t *testing.T) {
	got, err := api.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("../openapi.yaml", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatalf("%v (run `go test ./api -update`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("openapi.yaml is stale: run `go test ./api -update` (or `canyu openapi > openapi.yaml`) and commit it")
	}
}

// TestOperationIDsKebabCase checks every operation id is kebab-case.
func TestOperationIDsKebabCase(t *testing.T) {
	spec, _ := api.Spec()
	for _, line := range strings.Split(string(spec), "\n") {
		l := strings.TrimSpace(line)
		if !strings.HasPrefix(l, "operationId:") {
			continue
		}
		id := strings.TrimSpace(strings.TrimPrefix(l, "operationId:"))
		for _, r := range id {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("operationId %q is not kebab-case", id)
				break
			}
		}
	}
}

// TestInternalErrorDoesNotLeak breaks the database under a running service
// (the accounts table renamed away; a refused connection is a 503, tested
// beside the pages): the answer is a 500 problem with a generic message,
// never the driver's text.
func TestInternalErrorDoesNotLeak(t *testing.T) {
	e := testenv.New(t)
	if _, err := e.DB.Exec(context.Background(), `ALTER TABLE accounts RENAME TO accounts_gone`); err != nil {
		t.Fatal(err)
	}
	r := e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13800138000", "password": "secret-pass-1"}).Expect(t, 500, "internal_error")
	body := strings.ToLower(string(r.Body))
	for _, leak := range []string{"accounts", "exist", "relation", "sql", "pgx", "postgres", "goroutine"} {
		if strings.Contains(body, leak) {
			t.Fatalf("500 leaks %q: %s", leak, r.Body)
		}
	}
	if !strings.Contains(e.Logs.String(), "does not exist") {
		t.Fatalf("the real error should be logged")
	}
	r = e.Do("GET", "/api/v1/openapi.json", "", nil).Expect(t, 200, "")
	if !strings.Contains(string(r.Body), `"create-session"`) {
		t.Fatal("spec not served")
	}
	e.Do("GET", "/api/v1/openapi.yaml", "", nil).Expect(t, 200, "")
	e.Do("GET", "/api/v1/docs", "", nil).Expect(t, 200, "")
}
