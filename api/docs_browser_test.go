package api_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// Issue 15, finding 7: the API docs page loaded its script from a public
// CDN (blank offline, no integrity check). The page references no other
// origin, its viewer is served from the service, and in Chromium it shows
// the operations while every request it makes stays on this origin and the
// Content-Security-Policy reports nothing.
func TestDocsPageServedFromEmbeddedAssets(t *testing.T) {
	e := testenv.New(t)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, page := get("/api/v1/docs")
	if res.StatusCode != 200 || !strings.Contains(page, "<elements-api") {
		t.Fatalf("docs page: %d %.300s", res.StatusCode, page)
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//[^"]*"`).FindString(page); m != "" {
		t.Errorf("the docs page references another origin: %s", m)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("docs page CSP %q", csp)
	}
	for path, want := range map[string]string{"/api/v1/docs/assets/web-components.min.js": "javascript",
		"/api/v1/docs/assets/styles.min.css": "text/css", "/api/v1/docs/assets/LICENSE": ""} {
		res, body := get(path)
		if res.StatusCode != 200 || len(body) < 1000 || !strings.Contains(res.Header.Get("Content-Type"), want) {
			t.Errorf("GET %s: %d %s, %d bytes", path, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}
	}

	ctx := browsertest.New(t, browsertest.Desktop)
	if err := chromedp.Do(ctx, chromedp.Navigate(e.URL+"/api/v1/docs")); err != nil {
		t.Fatal(err)
	}
	// The viewer fetches the spec and renders the operations: it shows the
	// summaries (a blocked script or style leaves the page blank).
	var text string
	for deadline := time.Now().Add(60 * time.Second); ; {
		text, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if strings.Contains(text, "Legality review") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	browsertest.Screenshot(t, ctx, "api-docs")
	if !strings.Contains(text, "Legality review") {
		t.Fatalf("the docs page shows no operations (tags): %.500s", text)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[location.href].concat(performance.getEntriesByType('resource').map(e => e.name))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) < 3 {
		t.Errorf("resources loaded: %v", loaded)
	}
	for _, u := range loaded {
		if !strings.HasPrefix(u, e.URL+"/") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "blob:") {
			t.Errorf("the docs page loaded %s, outside this service", u)
		}
	}
	if !strings.Contains(text, "canyu 参与 API") {
		t.Errorf("docs page shows %.300s", text)
	}
}
