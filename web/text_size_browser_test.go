package web_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// smallText lists the visible text on the page set under 16 px, with its
// element and size: the figures inside a chart and the wide matrix and
// cross tables (which scroll in their own box) are left out.
func smallText(t *testing.T, ctx context.Context) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
  const out = new Set();
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walk.nextNode());) {
    const el = n.parentElement;
    if (!n.textContent.trim() || !el || !el.getClientRects().length) continue;
    if (el.closest('script, style, svg, .vh, .skip, table.matrix, table.crosstab-table, details:not([open]) > :not(summary)')) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 16) out.add(el.tagName.toLowerCase() + (el.className ? '.' + el.className.split(' ').join('.') : '') +
      ' ' + size + 'px “' + n.textContent.trim().slice(0, 12) + '”');
  }
  return [...out];
})()`))
	must(t, err)
	return got
}

// TestResidentTextAtLeast16px: on a phone in the normal mode, no text a
// resident reads is under 16 px: the hints under a field (最多5000字 …),
// the privacy notices, the dates and authors of comments, the state
// badges, the survey's 敏感信息 tag and scale ends, the footer. They were
// 12.8 to 15.2 px.
func TestResidentTextAtLeast16px(t *testing.T) {
	e := newCommentEnv(t, true)
	e.publishComments(t, e.anchors[2], "建议划片范围提前一个月公布。")
	_, token := e.Account(identity.RoleResident, "")
	receipt := e.comment(t, newBrowser(t, e.URL, token), e.anchors[0], "建议增加随迁子女入学的材料清单。")
	sv := e.newSurvey(t, survey.Input{}, yesNo("您家中是否有适龄儿童？"),
		survey.QuestionInput{Kind: survey.KindNumber, Title: "孩子的年龄", Sensitive: true, Config: survey.Config{NumberMin: ptr(0.0), NumberMax: ptr(18.0)}},
		survey.QuestionInput{Kind: survey.KindScale, Title: "总体评价", Config: survey.Config{ScaleMin: 1, ScaleMax: 5, MinLabel: "很不满意", MaxLabel: "很满意"}})
	e.openSurvey(t, sv.ID)
	h := openHearing(t, e.pagesEnv)
	paths := []string{"/", "/decisions", "/decisions/" + e.id, "/decisions/" + e.id + "/comment", "/decisions/" + e.id + "/comments",
		"/surveys/" + strconv.FormatInt(sv.ID, 10), fmt.Sprintf("/hearings/%d", h.ID), "/me/comments", "/comment-receipts/" + receipt,
		"/me/notifications/settings", "/proposals", "/register", "/search?q=" + "划片"}
	ctx := chrome(t, browsertest.Phone, 60*time.Second)
	sessionCookie(t, ctx, e.URL, token)
	for _, p := range paths {
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+p), chromedp.WaitReady(chromedp.CSS("main"))))
		for _, s := range smallText(t, ctx) {
			t.Errorf("%s: %s", p, s)
		}
		noSideScroll(t, ctx, p)
		browsertest.Screenshot(t, ctx, "text-"+shotName(p))
	}
}
