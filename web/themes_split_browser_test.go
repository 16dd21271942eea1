package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestThemeSplitAndMoveInBrowser: staff tick comments on a theme's page
// and split them into a new theme they name, then move one of them back,
// at phone and desktop width. A split with nothing ticked or without a
// name is refused in Chinese and changes nothing.
func TestThemeSplitAndMoveInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			e.publishComments(t, e.anchors[3], "课后服务收费太高了，建议降低收费。", "课后服务费用每学期三百元负担重，希望降低收费标准。",
				"课后服务收费标准要公开，费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。",
				"课后服务的时间太晚了，孩子六点才放学，建议课后服务五点半结束。", "课后服务结束时间能不能灵活一点，家长下班晚。")
			if _, err := e.Themes.Analyze(ctx, &e.staff, e.d.ID); err != nil {
				t.Fatal(err)
			}
			list, _, err := e.Themes.ListThemes(ctx, &e.staff, e.d.ID, "")
			must(t, err)
			var from int64
			var fromSize int
			for _, th := range list {
				if th.Size > fromSize && !th.OffTopic {
					from, fromSize = th.ID, th.Size
				}
			}
			if fromSize < 3 {
				t.Fatalf("no theme of 3 comments to split: %+v", list)
			}
			fromURL := e.URL + "/staff/decisions/" + e.id + "/themes/" + strconv.FormatInt(from, 10)

			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)

			// Nothing ticked: refused, nothing changes.
			must(t, chromedp.Do(b,
				chromedp.Navigate(fromURL),
				chromedp.WaitVisible(chromedp.ID("pick-form")),
				chromedp.SetValue(chromedp.ID("new-label"), "收费标准"),
				chromedp.Click(chromedp.CSS(`#pick-form button:not([formaction])`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.error, [role=alert]`)),
			))
			msg, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`main`)))
			must(t, err)
			if !strings.Contains(msg, "请先勾选要调整的意见") {
				t.Errorf("refusal without a ticked comment: %q", msg)
			}
			if after, _, _ := e.Themes.ListThemes(ctx, &e.staff, e.d.ID, ""); len(after) != len(list) {
				t.Errorf("a refused split changed the themes: %d -> %d", len(list), len(after))
			}

			// Tick two comments, name the new theme, split.
			must(t, chromedp.Do(b,
				chromedp.Navigate(fromURL),
				chromedp.WaitVisible(chromedp.ID("pick-form")),
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(1) .pick input`)),
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(2) .pick input`)),
				chromedp.SetValue(chromedp.ID("new-label"), "收费标准"),
			))
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-split-form-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#pick-form button:not([formaction])`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			h1, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`h1`)))
			must(t, err)
			if h1 != "收费标准" {
				t.Fatalf("after the split the page shows %q", h1)
			}
			n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('.theme-comments li').length`))
			must(t, err)
			if n != 2 {
				t.Errorf("the new theme lists %d comments, want 2", n)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-split-done-"+vp.name)

			// Move one of them back to the theme it came from (the split's
			// notice is taken off first, so the wait below is for the next page's).
			_, err = chromedp.Run(b, chromedp.Evaluate[bool](`(document.querySelectorAll('.notice').forEach(n => n.remove()), true)`))
			must(t, err)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(1) .pick input`)),
				chromedp.SetValue(chromedp.ID("move-to"), strconv.FormatInt(from, 10)),
				chromedp.Click(chromedp.CSS(`#pick-form button[formaction]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			path, err := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname`))
			must(t, err)
			if !strings.HasSuffix(path, "/themes/"+strconv.FormatInt(from, 10)) {
				t.Errorf("after the move the page is %s", path)
			}
			browsertest.Screenshot(t, b, "theme-move-done-"+vp.name)
			got, err := e.Themes.GetTheme(ctx, &e.staff, from, 50, "")
			must(t, err)
			if got.Size != fromSize-1 {
				t.Errorf("the first theme has %d comments after split and move back, want %d", got.Size, fromSize-1)
			}
		})
	}
}
