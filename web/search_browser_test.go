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

// TestSearchMoreLinkIsTappable: on a phone, the link to a decision's
// further matches (该事项另有N处匹配，查看事项) was 21 px tall, a target an
// elderly thumb misses; like every other control it is now at least 44 px.
func TestSearchMoreLinkIsTappable(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "平顶山市城区义务教育学校招生入学办法")
	e.publish(t, d)
	e.DrainSearch()
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/search?q=学校"),
		chromedp.WaitVisible(chromedp.CSS(`.search-group .more a`)),
	))
	browsertest.Screenshot(t, ctx, "search-more-link")
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`(() => { const r = document.querySelector('.search-group .more a').getBoundingClientRect(); return [r.width, r.height]; })()`))
	must(t, err)
	if len(size) != 2 || size[0] < 44 || size[1] < 44 {
		t.Errorf("the 查看事项 link is %v px, want at least 44×44", size)
	}
}
