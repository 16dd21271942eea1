package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/pgtest"
)

// refuseConnections makes PostgreSQL refuse every connection to the test
// database, as it does while it restarts or is being restored, and ends the
// pool's open ones. The cleanup lets connections in again.
func refuseConnections(t *testing.T, databaseURL string) {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	name := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, sql := range []string{`ALTER DATABASE ` + name + ` ALLOW_CONNECTIONS false`,
		`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + strings.Trim(name, `"`) + `'`} {
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, pgtest.ServerURL())
		if err != nil {
			t.Log(err)
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, `ALTER DATABASE `+name+` ALLOW_CONNECTIONS true`)
	})
}

// Issue 15, finding 7: pages answered 500 instead of 503 when PostgreSQL
// refused connections. With the database refusing, every page answers 503
// with Retry-After and the Chinese page that says to come back later, and
// the API answers 503 problem+json; nothing answers 500.
func TestDatabaseRefusingAnswers503(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "平顶山市城区义务教育学校招生入学办法")
	e.publish(t, d)
	refuseConnections(t, e.DatabaseURL)

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path, token string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		if token != "" {
			req.AddCookie(&http.Cookie{Name: "canyu_session", Value: token})
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	pages := []string{"/", "/decisions", "/decisions/" + strconv.FormatInt(d.ID, 10), "/decisions/" + strconv.FormatInt(d.ID, 10) + "/record",
		"/surveys", "/record/heads"}
	for _, p := range pages {
		for _, who := range []struct{ name, token string }{{"anonymous", ""}, {"staff", e.staffToken}} {
			res, body := get(p, who.token)
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
				!strings.Contains(body, "暂时无法服务，请稍后再试") {
				t.Errorf("%s GET %s: %d Retry-After %q, want 503 with the page saying 暂时无法服务，请稍后再试: %.300s",
					who.name, p, res.StatusCode, res.Header.Get("Retry-After"), body)
			}
		}
	}
	for _, p := range []string{"/api/v1/decisions", "/api/v1/decisions/" + strconv.FormatInt(d.ID, 10), "/api/v1/me"} {
		for _, token := range []string{"", e.staffToken} {
			req, _ := http.NewRequest("GET", e.URL+p, nil)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var prob struct {
				Status int    `json:"status"`
				Code   string `json:"code"`
			}
			json.NewDecoder(res.Body).Decode(&prob)
			res.Body.Close()
			if p == "/api/v1/me" && token == "" && res.StatusCode == 401 {
				continue // no credential: refused before any database work
			}
			if res.StatusCode != 503 || prob.Status != 503 || res.Header.Get("Content-Type") != "application/problem+json" ||
				res.Header.Get("Retry-After") == "" {
				t.Errorf("GET %s (token %t): %d %s %+v Retry-After %q, want 503 problem+json with Retry-After", p, token != "",
					res.StatusCode, res.Header.Get("Content-Type"), prob, res.Header.Get("Retry-After"))
			}
		}
	}
}
