package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestProposalFormShowsEveryProblem: a resident who sends the proposal form
// with only the reasons typed sees both other problems at once (no
// decision body chosen, no item named), each at its field, with the
// reasons still there; the form named one problem a try.
func TestProposalFormShowsEveryProblem(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newPagesEnv(t)
			_, token := e.Account(identity.RoleResident, "")
			ctx := chrome(t, vp.size, 30*time.Second)
			sessionCookie(t, ctx, e.URL, token)
			reasons := "老旧小区老人上下楼困难，建议制定加装电梯的办法。"
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+"/proposals"),
				chromedp.WaitVisible(chromedp.ID("f-description")),
				chromedp.SetValue(chromedp.ID("f-description"), reasons),
				chromedp.Click(chromedp.CSS(`form[action="/proposals"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")),
			))
			browsertest.Screenshot(t, ctx, "proposal-problems-"+vp.name)
			problemsShownAt(t, ctx, "f-decision_body-error", "f-title-error")
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("f-description").value`))
			must(t, err)
			if kept != reasons {
				t.Errorf("the reasons typed are lost: %q", kept)
			}
			noSideScroll(t, ctx, "proposal form with problems")
		})
	}
}
