package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestPasswordResetShowsEveryProblem: a resident who sends 设置新密码 with
// nothing filled in sees every problem at once (the number, the code, the
// new password), each at its field; the form named only the code, then
// the number on the next try, then the password.
func TestPasswordResetShowsEveryProblem(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newPagesEnv(t)
			ctx := chrome(t, vp.size, 30*time.Second)
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+"/forgot-password/confirm"),
				chromedp.WaitVisible(chromedp.ID("f-code")),
				chromedp.SetValue(chromedp.ID("f-phone"), "1380013"),
				chromedp.Click(chromedp.CSS(`form[action="/forgot-password/confirm"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")),
			))
			browsertest.Screenshot(t, ctx, "reset-problems-"+vp.name)
			problemsShownAt(t, ctx, "f-phone-error", "f-code-error", "f-new_password-error")
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-phone").value`))
			must(t, err)
			if kept != "1380013" {
				t.Errorf("the number typed is lost: %q", kept)
			}
		})
	}
}

// problemsShownAt checks that each field error (by element id) is shown
// once on the page.
func problemsShownAt(t *testing.T, ctx context.Context, ids ...string) {
	t.Helper()
	for _, id := range ids {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#`+id+`").length`))
		must(t, err)
		if n != 1 {
			t.Errorf("no problem shown at %s", id)
		}
	}
}
