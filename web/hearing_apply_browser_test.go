package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// openHearing is a hearing whose applications are open, on a new decision.
func openHearing(t *testing.T, e *pagesEnv) hearing.Hearing {
	t.Helper()
	ctx := context.Background()
	d := e.decision(t, "平顶山市城区义务教育学校划片调整方案")
	if _, err := e.Consultation.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	h, err := e.Hearing.CreateHearing(ctx, &e.staff, d.ID, hearing.HearingInput{Title: "划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: now.Add(30 * 24 * time.Hour), ApplicationsCloseAt: now.Add(14 * 24 * time.Hour), Sides: []string{"支持方", "反对方"},
		SeatsPerSide: 3})
	must(t, err)
	_, err = e.Hearing.PublishHearingNotice(ctx, &e.staff, h.ID)
	must(t, err)
	_, err = e.Hearing.PublishHearingSelectionMethod(ctx, &e.staff, h.ID, "每方以公开可验证的抽签方式遴选3人。")
	must(t, err)
	return h
}

// TestHearingApplicationShowsEveryProblem: a resident who sends the
// hearing application with no side chosen, a public name too long and a
// statement too long sees all three problems at once, each at its field,
// with what they typed still there; the form showed only the side's.
func TestHearingApplicationShowsEveryProblem(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newPagesEnv(t)
			h := openHearing(t, e)
			_, token := e.Account(identity.RoleResident, "")
			ctx := chrome(t, vp.size, 30*time.Second)
			sessionCookie(t, ctx, e.URL, token)
			name := strings.Repeat("王", 31)
			statement := strings.Repeat("划片应当公开透明。", 120)
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+fmt.Sprintf("/hearings/%d", h.ID)),
				chromedp.WaitVisible(chromedp.ID("f-public_name")),
				chromedp.SetValue(chromedp.ID("f-public_name"), name),
				chromedp.SetValue(chromedp.ID("f-statement"), statement),
				chromedp.Click(chromedp.CSS(`form[action$="/apply"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("error-summary")),
			))
			browsertest.Screenshot(t, ctx, "hearing-apply-problems-"+vp.name)
			problemsShownAt(t, ctx, "f-side-error", "f-public_name-error", "f-statement-error")
			summary := textOf(t, ctx, chromedp.CSS(".error-summary"))
			wantContains(t, "error summary", summary, "参加方", "公布用称呼", "主要观点")
			kept, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
				`[document.getElementById("f-public_name").value, document.getElementById("f-statement").value]`))
			must(t, err)
			if len(kept) != 2 || kept[0] != name || kept[1] != statement {
				t.Errorf("what was typed is lost: %q", kept)
			}
			noSideScroll(t, ctx, "hearing application with problems")
		})
	}
}
