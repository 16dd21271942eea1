package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestResidentCommentsStaffAnswersInBrowser is issue 4's walk-through on a
// phone-sized screen: a resident comments on article 3 with the button
// beside it and gets a receipt; staff of the lead unit publish the comment,
// answer it after the window closes, generate and publish the adoption
// report; the public report page shows the answer.
func TestResidentCommentsStaffAnswersInBrowser(t *testing.T) {
	e := newCommentEnv(t, true)
	resident, _ := e.Account(identity.RoleResident, "")
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	third := e.anchors[2]
	button := chromedp.CSS(`#` + third + ` a.comment-button`)

	// An anonymous visitor's tap leads to the login page and back.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions/"+e.id),
		chromedp.WaitVisible(button),
	))
	browsertest.Screenshot(t, ctx, "comment-decision-page")
	// The button is a thumb-sized target.
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`(() => { const r = document.querySelector('#`+third+` a.comment-button').getBoundingClientRect(); return [r.width, r.height]; })()`))
	must(t, err)
	if len(size) != 2 || size[0] < 44 || size[1] < 44 {
		t.Errorf("comment button is %v px, want at least 44×44", size)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(button),
		loginFormSteps(*resident.Phone, testenv.Password),
		chromedp.WaitVisible(chromedp.ID("f-body")),
	))
	quote := textOf(t, ctx, chromedp.CSS(".article-quote"))
	if !strings.Contains(quote, "第三条") || !strings.Contains(quote, "划片招生") {
		t.Fatalf("the form quotes %q", quote)
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('f-show_name').checked`))
	must(t, err)
	if checked {
		t.Error("showing the display name is pre-ticked")
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("stance-suggestion")),
		chromedp.SendKeys(chromedp.ID("f-body"), "建议在招生前一个月公示划片范围，方便家长安排。"),
	))
	browsertest.Screenshot(t, ctx, "comment-form")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.submit-comment`)),
		chromedp.WaitVisible(chromedp.ID("receipt")),
	))
	receipt := textOf(t, ctx, chromedp.ID("receipt"))
	if !strings.HasPrefix(receipt, "YJ-") {
		t.Fatalf("receipt %q", receipt)
	}
	facts := textOf(t, ctx, chromedp.ID("receipt-facts"))
	if !strings.Contains(facts, "待审核") {
		t.Errorf("receipt page: %q", facts)
	}
	browsertest.Screenshot(t, ctx, "comment-receipt")

	// Staff of the lead unit publish it from the moderation queue.
	logout := chromedp.Click(chromedp.CSS(`header.site form button`))
	must(t, chromedp.Do(ctx,
		logout,
		chromedp.WaitVisible(chromedp.CSS(`header.site a[href="/login"]`)),
		chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/comments?status=pending"),
		loginFormSteps(*e.staff.Phone, testenv.Password),
		chromedp.WaitVisible(chromedp.CSS(`button.publish`)),
	))
	browsertest.Screenshot(t, ctx, "staff-moderation-queue")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button.publish`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
	))

	// The window closes; staff answer the comment.
	e.CloseConsultations()
	// A month later the session has expired: staff sign in again.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/comments?status=published"),
		loginFormSteps(*e.staff.Phone, testenv.Password),
		chromedp.WaitVisible(chromedp.CSS(`details.disposition-form textarea`)),
		chromedp.Click(chromedp.CSS(`details.disposition-form input[value=adopted]`)),
		chromedp.SendKeys(chromedp.CSS(`details.disposition-form textarea`), "采纳。第三条增加“招生前一个月公示划片范围”。"),
	))
	browsertest.Screenshot(t, ctx, "staff-disposition")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`details.disposition-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
		chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/adoption-report"),
		chromedp.WaitVisible(chromedp.ID("generate-report")),
		chromedp.Click(chromedp.ID("generate-report")),
		chromedp.WaitVisible(chromedp.ID("publish-report-start")),
	))
	browsertest.Screenshot(t, ctx, "staff-report-editor")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("publish-report-start")),
		chromedp.WaitVisible(chromedp.ID("publish-report")),
		chromedp.Click(chromedp.ID("publish-report")),
		chromedp.WaitVisible(chromedp.ID("report-published")),
	))

	// The public page, read anonymously.
	must(t, chromedp.Do(ctx,
		logout,
		chromedp.WaitVisible(chromedp.CSS(`header.site a[href="/login"]`)),
		chromedp.Navigate(e.URL+"/decisions/"+e.id),
		chromedp.WaitVisible(chromedp.ID("report-link")),
		chromedp.Click(chromedp.CSS(`#`+third+` details.article-comments summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#`+third+` .comment .reply`)),
	))
	answer := textOf(t, ctx, chromedp.CSS(`#`+third+` .article-comments`))
	if !strings.Contains(answer, "方便家长安排") || !strings.Contains(answer, "承办单位答复：采纳") {
		t.Errorf("article 3's comments: %q", answer)
	}
	browsertest.Screenshot(t, ctx, "public-decision-with-comment")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("report-link")),
		chromedp.WaitVisible(chromedp.ID("report-text")),
	))
	page := textOf(t, ctx, chromedp.CSS("article.adoption-report"))
	wantContains(t, "the public report", page, "招生前一个月公示划片范围", "采纳", "第三条", "参与人数")
	browsertest.Screenshot(t, ctx, "public-adoption-report")

	// The resident finds the answer under "my comments".
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/login"),
		loginFormSteps(*resident.Phone, testenv.Password),
		chromedp.WaitVisible(chromedp.CSS(`header.site a[href="/me/comments"]`)),
		chromedp.Click(chromedp.CSS(`header.site a[href="/me/comments"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.my-comments`)),
	))
	mine := textOf(t, ctx, chromedp.CSS(`.my-comments`))
	wantContains(t, "my comments", mine, receipt, "已公开", "采纳", "招生前一个月公示划片范围")
	browsertest.Screenshot(t, ctx, "my-comments")
}
