package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestElderlyModeInBrowser: on a phone, the 关怀模式 switch on the decision
// page makes the body text at least 18 px with line spacing of at least
// 1.3, keeps targets at least 44 px high and the page without sideways
// scrolling, is remembered on the next page, and can be switched off
// (issue 17); axe-core's WCAG 2.2 A and AA rules pass in elderly mode.
func TestElderlyModeInBrowser(t *testing.T) {
	e := newCommentEnv(t, true)
	ctx := chrome(t, browsertest.Phone, 40*time.Second)
	fontSize := `parseFloat(getComputedStyle(document.body).fontSize)`
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions/"+e.id),
		chromedp.WaitVisible(chromedp.CSS(`.elderly-switch a`)),
	))
	before, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fontSize))
	must(t, err)
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.elderly-switch a`)),
		chromedp.WaitVisible(chromedp.CSS(`html.elderly .elderly-switch a`)),
	))
	browsertest.Screenshot(t, ctx, "elderly-decision-phone")
	after, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fontSize))
	must(t, err)
	if after < 18 || after <= before {
		t.Errorf("body text %v px in elderly mode (was %v), want at least 18", after, before)
	}
	ratio, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
		`parseFloat(getComputedStyle(document.body).lineHeight) / parseFloat(getComputedStyle(document.body).fontSize)`))
	must(t, err)
	if ratio < 1.3 {
		t.Errorf("line spacing %v, want at least 1.3", ratio)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('main button, main .button, main input[type=submit]')]
		.filter(b => b.offsetParent && b.getBoundingClientRect().height < 44).length`))
	must(t, err)
	if small > 0 {
		t.Errorf("%d buttons under 44 px high in elderly mode", small)
	}
	reads, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('button.read-aloud')].filter(b => !b.hidden).length`))
	must(t, err)
	if reads < 5 {
		t.Errorf("%d read-aloud buttons shown, want one per article and the notice", reads)
	}
	noSideScroll(t, ctx, "elderly decision page")
	browsertest.Axe(t, ctx, "elderly decision page")
	// The mode is remembered on the next page, and switched off again.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions"),
		chromedp.WaitVisible(chromedp.CSS(`html.elderly .elderly-switch a`)),
	))
	noSideScroll(t, ctx, "elderly decision list")
	browsertest.Axe(t, ctx, "elderly decision list")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.elderly-switch a`)),
		chromedp.WaitNotPresent(chromedp.CSS(`html.elderly`)),
	))
}
