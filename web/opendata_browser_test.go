package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/opendata"
)

// TestOpenDataPageInBrowser lists the day's export on a phone and on a
// desktop: every file with its Chinese name, size and checksum, a working
// download link, no horizontal scroll and no internal codes in the text.
func TestOpenDataPageInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	e.publish(t, e.decision(t, "平顶山市城区义务教育学校招生入学办法"))
	od := opendata.New(e.DB)
	ex, err := od.BuildExport(context.Background(), e.Consultation.Signer)
	if err != nil {
		t.Fatal(err)
	}
	for _, vp := range viewports {
		ctx := chrome(t, vp.size, 30*time.Second)
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.URL+"/open-data"),
			chromedp.WaitVisible(chromedp.CSS(`.open-data-export`)),
		))
		text := textOf(t, ctx, chromedp.CSS("main"))
		browsertest.Screenshot(t, ctx, "open-data-"+vp.name)
		if !strings.Contains(text, "已公开的公众意见（CSV，gzip 压缩）") || !strings.Contains(text, ex.Files[0].SHA256) {
			t.Fatalf("%s: page text %q", vp.name, text)
		}
		for _, code := range []string{"open_", "adoption_report", "jsonl.gz"} {
			if strings.Contains(text, code) {
				t.Fatalf("%s: internal name %q on the page", vp.name, code)
			}
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
		must(t, err)
		if wide {
			t.Fatalf("%s: horizontal scroll", vp.name)
		}
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.file-list a').href`))
		must(t, err)
		e.Do("GET", strings.TrimPrefix(href, e.URL), "", nil).Expect(t, 200, "")
	}
}
