package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestHeaderSearchInBrowser types a query into the header's search box on
// a phone and follows the first hit to the article it names.
func TestHeaderSearchInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "平顶山市城区义务教育学校招生入学办法")
	e.publish(t, d)
	e.DrainSearch()
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions"),
		chromedp.SendKeys(chromedp.CSS(`header.site .site-search input[name=q]`), "划片招生"),
		chromedp.Click(chromedp.CSS(`header.site .site-search button`)),
		chromedp.WaitVisible(chromedp.CSS(`.search-hits .hit-article a`)),
	))
	browsertest.Screenshot(t, ctx, "search-results")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.search-hits .hit-article a`)),
		chromedp.WaitVisible(chromedp.CSS(`.draft-article`)),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "/decisions/") || !strings.Contains(loc, "#a-") {
		t.Fatalf("landed on %s, not an article anchor", loc)
	}
}
