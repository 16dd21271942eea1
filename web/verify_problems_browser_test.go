package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestVerifyShowsEveryProblem: a resident whose number is no longer filled
// in (the one-hour cookie gone) types the SMS code and taps 验证 without the
// password: both problems show at once, at their fields, and the code stays
// typed; the form named the password only, and the number after that as
// 验证码或密码不正确.
func TestVerifyShowsEveryProblem(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newPagesEnv(t)
			ctx := chrome(t, vp.size, 30*time.Second)
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+"/verify"),
				chromedp.WaitVisible(chromedp.ID("code")),
				chromedp.SendKeys(chromedp.ID("code"), "123456"),
				chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")),
			))
			browsertest.Screenshot(t, ctx, "verify-problems-"+vp.name)
			problemsShownAt(t, ctx, "phone-error", "password-error")
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("code").value`))
			must(t, err)
			if kept != "123456" {
				t.Errorf("the code typed is lost: %q", kept)
			}
		})
	}
}
