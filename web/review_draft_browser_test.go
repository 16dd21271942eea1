package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestReviewersReadTheDraftUnderReview (outside check): the assigned legal
// adviser and the reviewer read the text of the exact version under review
// on their pages, article by article with the drafting explanation, on a
// phone. When the lead unit uploads a newer version while the review is
// open, both pages say so and the adviser is not offered a form that the
// service would refuse (review_version_outdated); the text shown stays the
// version under review. On the old code neither page showed the draft's
// text, and for a decision withheld from consultation no page showed it
// to them at all.
func TestReviewersReadTheDraftUnderReview(t *testing.T) {
	e := newReviewPagesEnv(t)
	ctx := chrome(t, browsertest.Phone, 45*time.Second)
	sessionCookie(t, ctx, e.URL, e.adviserToken)
	must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+e.reviewPath("/adviser/reviews/")),
		chromedp.WaitVisible(chromedp.ID("draft-under-review"))))
	draft := textOf(t, ctx, chromedp.ID("draft-under-review"))
	for _, want := range []string{"草案第1版", "第一条 为规范城区义务教育学校招生入学工作", "第三条 公办学校实行划片招生、免试就近入学。",
		"起草说明", "为落实义务教育法，起草本办法。", e.hash[:12]} {
		if !strings.Contains(draft, want) {
			t.Errorf("adviser's page: the draft under review lacks %q: %q", want, draft)
		}
	}
	noSideScroll(t, ctx, "adviser's page with the draft")
	browsertest.Screenshot(t, ctx, "adviser-draft-under-review")

	if _, err := e.Consultation.CreateDraftVersion(context.Background(), &e.staff, e.d.ID, consultation.DraftVersionInput{
		Text: strings.Replace(draftText, "免试就近入学", "免试就近入学，不得组织考试", 1), Explanation: "为落实义务教育法，起草本办法。",
		LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+e.reviewPath("/adviser/reviews/")),
		chromedp.WaitVisible(chromedp.ID("draft-superseded"))))
	notice := textOf(t, ctx, chromedp.ID("draft-superseded"))
	if !strings.Contains(notice, "第2版") {
		t.Errorf("adviser's page: the notice does not name the newer version: %q", notice)
	}
	forms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#opinion-form").length`))
	must(t, err)
	if forms != 0 {
		t.Error("adviser's page offers an opinion form on a superseded version")
	}
	draft = textOf(t, ctx, chromedp.ID("draft-under-review"))
	if strings.Contains(draft, "不得组织考试") || !strings.Contains(draft, "草案第1版") {
		t.Errorf("adviser's page shows another text than the version under review: %q", draft)
	}
	browsertest.Screenshot(t, ctx, "adviser-draft-superseded")

	reviewer := chrome(t, browsertest.Desktop, 30*time.Second)
	sessionCookie(t, reviewer, e.URL, e.reviewerToken)
	must(t, chromedp.Do(reviewer, chromedp.Navigate(e.URL+e.reviewPath("/review/")),
		chromedp.WaitVisible(chromedp.ID("draft-superseded"))))
	draft = textOf(t, reviewer, chromedp.ID("draft-under-review"))
	if !strings.Contains(draft, "第二条 本办法适用于本市城区公办义务教育学校。") {
		t.Errorf("reviewer's page: the draft under review: %q", draft)
	}
	browsertest.Screenshot(t, reviewer, "reviewer-draft-superseded")
}
