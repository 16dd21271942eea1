package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestAdviserAndReviewerSignInBrowser: an assigned legal adviser signs an
// opinion and a reviewer signs the conclusion through the pages; both
// appear on the review page and the decision's record verifies.
func TestAdviserAndReviewerSignInBrowser(t *testing.T) {
	e := newReviewPagesEnv(t)
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	must(t, chromedp.Do(ctx,
		signInSteps(e.URL, *e.adviser.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/adviser"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.reviews a`)),
		chromedp.Click(chromedp.CSS(`ul.reviews a`)),
		chromedp.WaitVisible(chromedp.ID("opinion-form")),
		compliantFindings(),
		chromedp.Click(chromedp.ID("f-overall-0")),
		chromedp.SendKeys(chromedp.ID("f-password"), testenv.Password),
	))
	browsertest.Screenshot(t, ctx, "adviser-opinion-form")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#opinion-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		signOutSteps,
		signInSteps(e.URL, *e.reviewer.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/review"]`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.reviews a`)),
		chromedp.Click(chromedp.CSS(`ul.reviews a`)),
		chromedp.WaitVisible(chromedp.ID("conclusion-form")),
	))
	opinions := textOf(t, ctx, chromedp.ID("opinions"))
	if !strings.Contains(opinions, e.adviser.DisplayName) || !strings.Contains(opinions, "合法") {
		t.Fatalf("opinions on the review page: %q", opinions)
	}
	must(t, chromedp.Do(ctx,
		compliantFindings(),
		chromedp.Click(chromedp.ID("f-outcome-0")),
		chromedp.SendKeys(chromedp.ID("f-password"), testenv.Password),
		chromedp.Click(chromedp.CSS(`#conclusion-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("conclusion")),
	))
	conclusion := textOf(t, ctx, chromedp.ID("conclusion"))
	if !strings.Contains(conclusion, "合法性审查意见") || !strings.Contains(conclusion, "合法") || !strings.Contains(conclusion, "经审查，符合规定。") {
		t.Fatalf("conclusion on the review page: %q", conclusion)
	}
	browsertest.Screenshot(t, ctx, "review-concluded")

	res, err := e.Consultation.VerifyDecisionRecord(context.Background(), &e.staff, e.d.ID)
	if err != nil || !res.OK {
		t.Fatalf("record verification: %+v %v", res, err)
	}
}

// compliantFindings answers each of the three review questions on an
// opinion or conclusion form: compliant, with reasoning and the article.
func compliantFindings() chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for _, i := range []string{"0", "1", "2"} {
		steps = append(steps,
			chromedp.Click(chromedp.ID("f-findings-"+i+"-finding-0")),
			chromedp.SetValue(chromedp.ID("f-findings-"+i+"-reasoning"), "经审查，符合规定。"),
			chromedp.SetValue(chromedp.ID("f-findings-"+i+"-cited_provisions"), "《重大行政决策程序暂行条例》第二十七条"))
	}
	return chromedp.Steps(steps...)
}

// TestPublicationPageOnPhone reads a published decision's page on a phone:
// the decided text, the adoption report link, the timeline and the
// feedback invitation.
func TestPublicationPageOnPhone(t *testing.T) {
	e := newReviewPagesEnv(t)
	e.concluded(t)
	e.publishThroughPages(t)
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions/"+strconv.FormatInt(e.d.ID, 10)+"/publication"),
		chromedp.WaitVisible(chromedp.ID("publication")),
	))
	browsertest.Screenshot(t, ctx, "publication-phone")
	// Nothing is wider than the phone's screen.
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	must(t, err)
	if wide {
		t.Error("the publication page scrolls sideways on a phone")
	}
	text := textOf(t, ctx, chromedp.CSS("main"))
	wantContains(t, "publication page", text, "决定文本", "第一条", "公众意见采纳情况说明", "决策程序", "对决策实施提出意见")
}
