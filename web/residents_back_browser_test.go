package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestCommentBackAndResubmitInBrowser: a resident submits a comment, presses
// the browser's Back button and submits the same form again. The second
// submission carries the form's idempotency key, so it shows the first
// receipt and creates no second comment (issue 17).
func TestCommentBackAndResubmitInBrowser(t *testing.T) {
	e := newCommentEnv(t, true)
	resident, _ := e.Account(identity.RoleResident, "")
	for _, vp := range [][2]int{browsertest.Phone, browsertest.Desktop} {
		ctx := chrome(t, vp, 40*time.Second)
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.URL+"/login?next=/decisions/"+e.id+"/comment"),
			loginFormSteps(*resident.Phone, testenv.Password),
			chromedp.WaitVisible(chromedp.ID("f-body")),
			chromedp.Click(chromedp.ID("stance-suggestion")),
			chromedp.SendKeys(chromedp.ID("f-body"), "建议延长课后服务时间到下午六点。"),
			chromedp.Click(chromedp.CSS(`button.submit-comment`)),
			chromedp.WaitVisible(chromedp.ID("receipt")),
		))
		first := textOf(t, ctx, chromedp.ID("receipt"))
		// Back: Chromium restores the form page (from its back-forward
		// cache, or by loading it again); chromedp's DOM tracking does not
		// follow a restored page, so the steps after it run as script.
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`setTimeout(() => history.back(), 10), true`))
		must(t, err)
		waitJS(t, ctx, `location.pathname.endsWith('/comment') && !!document.getElementById('f-body')`)
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			const b = document.getElementById('f-body');
			if (!b.value) { b.value = '建议延长课后服务时间到下午六点。'; document.getElementById('stance-suggestion').checked = true; }
			setTimeout(() => document.querySelector('button.submit-comment').click(), 10);
			return true; })()`))
		must(t, err)
		waitJS(t, ctx, `!!document.getElementById('receipt')`)
		second, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('receipt').textContent.trim()`))
		must(t, err)
		_ = second
		if first != second {
			t.Errorf("viewport %v: Back and resubmit gave receipt %q after %q", vp, second, first)
		}
		list, err := e.Consultation.ListComments(context.Background(), &resident, e.d.ID, consultation.CommentFilter{Limit: 100})
		must(t, err)
		own := 0
		for _, c := range list.Comments {
			if c.Own {
				own++
			}
		}
		want := 1
		if vp == browsertest.Desktop {
			want = 2 // the phone's comment and this one
		}
		if own != want {
			t.Errorf("viewport %v: the resident has %d comments, want %d", vp, own, want)
		}
	}
}

// waitJS polls a script expression until it is true (or the context ends).
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", expr, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
