package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/web"
)

// plainClient asks for no compression unless a test says so.
var plainClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// fetch GETs path with the given request headers (and session token) and
// returns the response and its body.
func fetch(t *testing.T, base, path, token string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
	}
	res, err := plainClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestAnonymousReadersShareACachedPage: anonymous readers of a decision's
// page are served one rendering (public Cache-Control, an ETag answering
// If-None-Match with 304) that lags the data by at most ~2 s; signed-in
// readers always get their own fresh page, never cached, and nobody gets
// another reader's content (a resident's own pending comment).
func TestAnonymousReadersShareACachedPage(t *testing.T) {
	e := newCommentEnv(t, true)
	_, authorToken := e.Account(identity.RoleResident, "")
	authorB := newBrowser(t, e.URL, authorToken)
	_, otherToken := e.Account(identity.RoleResident, "")
	staff := newBrowser(t, e.URL, e.staffToken)
	path := "/decisions/" + e.id
	const first, second = "第一条意见：建议公示学区划分", "第二条意见：建议延长报名时间"

	// The author's pending comment is on their page only; the author reads
	// first, then the others: no one is served the author's page.
	r1 := e.comment(t, authorB, e.anchors[0], first)
	res, body := fetch(t, e.URL, path, authorToken, nil)
	if !strings.Contains(body, first) || !strings.Contains(body, "仅您本人可见") {
		t.Fatalf("the author does not see their pending comment")
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" || res.Header.Get("ETag") != "" {
		t.Errorf("signed-in page: Cache-Control %q, ETag %q; want no-store and none", cc, res.Header.Get("ETag"))
	}
	res, body = fetch(t, e.URL, path, "", nil)
	if res.StatusCode != http.StatusOK || strings.Contains(body, first) {
		t.Fatalf("anonymous page: %d, pending comment shown: %v", res.StatusCode, strings.Contains(body, first))
	}
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=1" {
		t.Errorf("anonymous page Cache-Control %q", got)
	}
	if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("anonymous page Content-Type %q", got)
	}
	if !strings.Contains(res.Header.Get("Vary"), "Cookie") {
		t.Error("anonymous page does not vary by Cookie")
	}
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("anonymous page without an ETag")
	}
	if _, body := fetch(t, e.URL, path, otherToken, nil); strings.Contains(body, first) || !strings.Contains(body, "我的账号") {
		t.Error("another resident sees the author's pending comment, or not their own page")
	}

	// Published: signed-in readers see it at once; anonymous readers keep
	// the cached page (same ETag, 304 to a revalidation) until it expires.
	e.moderate(t, staff, r1, "publish", "")
	if _, body := fetch(t, e.URL, path, otherToken, nil); !strings.Contains(body, first) {
		t.Error("a signed-in reader does not see the published comment at once")
	}
	res, body = fetch(t, e.URL, path, "", nil)
	if strings.Contains(body, first) || res.Header.Get("ETag") != etag {
		t.Error("the anonymous page was rendered again within its TTL")
	}
	res, _ = fetch(t, e.URL, path, "", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified || res.Header.Get("ETag") != etag {
		t.Errorf("revalidation: %d, ETag %q; want 304 with %q", res.StatusCode, res.Header.Get("ETag"), etag)
	}
	// Compressed once for readers that accept it, with its own validator.
	res, gz := fetch(t, e.URL, path, "", map[string]string{"Accept-Encoding": "gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" || len(gz) >= len(body) || res.Header.Get("ETag") == etag {
		t.Errorf("gzip: Content-Encoding %q, %d bytes (plain %d), ETag %q", res.Header.Get("Content-Encoding"), len(gz), len(body), res.Header.Get("ETag"))
	}
	if zr, err := gzip.NewReader(strings.NewReader(gz)); err != nil {
		t.Error(err)
	} else if plain, _ := io.ReadAll(zr); string(plain) != body {
		t.Error("the compressed page is not the page")
	}
	// A flash message or an unknown parameter is rendered for the request.
	if _, body := fetch(t, e.URL, path+"?utm=x", "", nil); !strings.Contains(body, first) {
		t.Error("a URL with other parameters is served from the cache")
	}

	// Staleness is bounded: past TTL+grace the page is rendered again.
	e.Clock.Advance(2100 * time.Millisecond)
	res, body = fetch(t, e.URL, path, "", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, first) || res.Header.Get("ETag") == etag {
		t.Errorf("after 2.1 s: %d, comment shown %v; want the fresh page with a new ETag", res.StatusCode, strings.Contains(body, first))
	}

	// The comment list page is cached the same way, per article.
	list := "/decisions/" + e.id + "/comments?article=" + e.anchors[0]
	if _, body := fetch(t, e.URL, list, "", nil); !strings.Contains(body, first) {
		t.Fatal("the comment list lacks the published comment")
	}
	r2 := e.comment(t, authorB, e.anchors[0], second)
	e.moderate(t, staff, r2, "publish", "")
	if _, body := fetch(t, e.URL, list, "", nil); strings.Contains(body, second) {
		t.Error("the anonymous comment list was rendered again within its TTL")
	}
	if _, body := fetch(t, e.URL, list, otherToken, nil); !strings.Contains(body, second) {
		t.Error("a signed-in reader's comment list is stale")
	}
	e.Clock.Advance(2100 * time.Millisecond)
	if _, body := fetch(t, e.URL, list, "", nil); !strings.Contains(body, second) {
		t.Error("the anonymous comment list is stale after 2.1 s")
	}
}

// TestCachedNotFound: a 404 is served from the cache to anonymous readers
// (as cheap to keep as to render) without a validator; a signed-in
// reader's is not cached.
func TestCachedNotFound(t *testing.T) {
	e := newPagesEnv(t)
	res, _ := fetch(t, e.URL, "/decisions/999999", "", nil)
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", res.StatusCode)
	}
	if res.Header.Get("ETag") != "" {
		t.Error("a 404 carries an ETag")
	}
	res, _ = fetch(t, e.URL, "/decisions/999999", e.staffToken, nil)
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("signed-in 404: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}
