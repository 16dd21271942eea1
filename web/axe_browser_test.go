package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestPublicPagesPassAxe: the pages a resident meets first pass axe-core's
// WCAG 2.2 A and AA rules on a phone and a desktop, and none scrolls
// sideways on the phone (issue 17; the comparison, the record and the
// elderly mode run axe in their own tests).
func TestPublicPagesPassAxe(t *testing.T) {
	e := newCommentEnv(t, true)
	paths := []string{"/", "/decisions", "/decisions/" + e.id, "/decisions/" + e.id + "/comment",
		"/decisions/" + e.id + "/comments", "/login", "/register", "/surveys", "/catalogues", "/record/heads",
		"/comment-receipts", "/search?q=" + "招生"}
	for _, vp := range viewports {
		ctx := chrome(t, vp.size, 90*time.Second)
		for _, p := range paths {
			axeCheck(t, ctx, e.URL, vp.name, p)
		}
	}
}

// axeCheck opens the page and runs axe-core's WCAG 2.2 A and AA rules on
// it; on a phone the page must not scroll sideways either.
func axeCheck(t *testing.T, ctx context.Context, base, viewport, path string) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))))
	browsertest.Axe(t, ctx, viewport+" "+path)
	if viewport == "phone" {
		noSideScroll(t, ctx, path)
	}
}
