package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/api"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// Issue 15, finding 7: ids past 2^31 answered 500 instead of 422. Every
// registered operation with a path parameter is called with ids just past
// int32 and at the end of int64, as an admin (so no role check stops the
// request early): none may answer 5xx.
func TestLargeIDsAreNotServerErrors(t *testing.T) {
	e := testenv.New(t)
	_, admin := e.Account(identity.RoleAdmin, "")
	spec := api.New(chi.NewRouter(), api.Services{}).OpenAPI()
	var paths []string
	for p := range spec.Paths {
		if strings.Contains(p, "{") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := spec.Paths[p]
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			for _, id := range []string{"2147483648", "9223372036854775807"} {
				url := pathParam.ReplaceAllString(p, id)
				var body any
				if method != "GET" && method != "DELETE" {
					body = map[string]any{}
				}
				if r := e.Do(method, url, admin, body); r.Status >= 500 {
					t.Errorf("%s %s: %d %s", method, url, r.Status, r.Body)
				}
			}
		}
	}
	// Query parameters that carry ids or numbers, and the pages.
	for _, u := range []string{"/decisions?cursor=9223372036854775807", "/decisions?limit=2147483648",
		"/search?q=x&decision_id=9223372036854775807",
		"/decisions/2147483648", "/decisions/9223372036854775807", "/decisions/99999999999999999999",
		"/decisions/1?version=2147483648", "/decisions/2147483648/comments", "/decisions/2147483648/comment",
		"/decisions/2147483648/adoption-report", "/surveys/2147483648", "/surveys/9223372036854775807/results"} {
		if r := e.Do("GET", u, admin, nil); r.Status >= 500 {
			t.Errorf("GET /api/v1%s: %d %.300s", u, r.Status, r.Body)
		}
		res, err := http.Get(e.URL + u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Errorf("page %s: %d", u, res.StatusCode)
		}
	}
}
