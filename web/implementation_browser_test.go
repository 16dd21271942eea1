package web_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestImplementationBodyFormsBrowser: the decision body's forms of the
// implementation page (post-evaluation, suspension by the head, Art. 36–37)
// pass axe on a phone and a desktop, do not scroll sideways, and a
// suspension without a reason is refused at its field with the article.
func TestImplementationBodyFormsBrowser(t *testing.T) {
	e, d, _, bodyToken, _ := implementationScene(t)
	impl := "/decisions/" + strconv.FormatInt(d.ID, 10) + "/implementation"
	for _, vp := range viewports {
		ctx := chrome(t, vp.size, 60*time.Second)
		sessionCookie(t, ctx, e.URL, bodyToken)
		axeCheck(t, ctx, e.URL, vp.name, impl)
		browsertest.Screenshot(t, ctx, "implementation-body-"+vp.name)
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`form[action$="/implementation/suspend"] button`)),
			chromedp.WaitVisible(chromedp.ID("f-suspend_reason-error")),
		))
		browsertest.Screenshot(t, ctx, "implementation-suspend-refused-"+vp.name)
		wantContains(t, "suspension refusal", textOf(t, ctx, chromedp.ID("f-suspend_reason-error")), "理由")
		browsertest.Axe(t, ctx, vp.name+" refused suspension")
	}
}
