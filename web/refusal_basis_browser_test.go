package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// isoDateOnPage is a date as 2026-12-04, which people do not read as one.
var isoDateOnPage = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// TestRefusalsShowArticleBrowser: the lead unit's staff, on a phone and at
// a desk, submit a package naming another draft version (refused with the
// article of Decree 713 that requires the submitted draft to be the one
// reviewed, Art. 25), then record a meeting dated before the review
// conclusion: the refusal next to the date shows it as 2026年12月4日, with
// its article, where it was 2026-12-04 and no article.
func TestRefusalsShowArticleBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newHandlingEnv(t)
			base := e.URL + "/staff/decisions/" + strconv.FormatInt(e.d.ID, 10)
			ctx := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, ctx, e.URL, e.staffToken(t))
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(base+"/review"),
				chromedp.WaitVisible(chromedp.ID("f-version_hash")),
				chromedp.SetValue(chromedp.ID("f-version_hash"), strings.Repeat("0", 64)),
				chromedp.SetValue(chromedp.ID("f-legal_basis"), "《中华人民共和国义务教育法》第十二条"),
				chromedp.SetValue(chromedp.ID("f-materials"), "附：起草过程说明。"),
				chromedp.Submit(chromedp.ID("f-version_hash")),
				chromedp.WaitVisible(chromedp.ID("refusal")),
			))
			browsertest.Screenshot(t, ctx, "review-hash-mismatch-"+vp.name)
			refusal := textOf(t, ctx, chromedp.ID("refusal"))
			wantContains(t, "hash refusal", refusal, "不一致", "依据：《重大行政决策程序暂行条例》第二十五条")

			// Before the review, the meeting page says what comes first.
			must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/publication"), chromedp.WaitVisible(chromedp.ID("next-step"))))
			browsertest.Screenshot(t, ctx, "publication-next-step-"+vp.name)
			browsertest.Axe(t, ctx, vp.name+" publication page before the review")

			e.submitForReview(t, e.hash)
			e.concluded(t)
			early := e.Clock.Now().In(shanghaiZone).AddDate(0, 0, -30)
			sessionCookie(t, ctx, e.URL, e.staffToken(t))
			// The members are picked from the composition (李副市长, 王秘书长,
			// 赵副市长, the head 张市长 last): three present, one absent.
			axeCheck(t, ctx, e.URL, vp.name, "/staff/decisions/"+strconv.FormatInt(e.d.ID, 10)+"/publication")
			browsertest.Screenshot(t, ctx, "meeting-form-"+vp.name)
			steps := []chromedp.Action[chromedp.Void]{
				chromedp.Navigate(base + "/publication"),
				chromedp.WaitVisible(chromedp.ID("deliberation-form")),
				chromedp.Click(chromedp.ID("f-meeting_kind-0")),
				chromedp.SetValue(chromedp.ID("f-meeting_date"), early.Format(time.DateOnly)),
				chromedp.Click(chromedp.ID("f-outcome-0")),
			}
			for i, attend := range []string{"present", "present", "absent", "present"} {
				row := "f-members-" + strconv.Itoa(i) + "-"
				steps = append(steps, chromedp.Click(chromedp.ID(row+"attend-"+attend)))
				if i < 2 {
					steps = append(steps, chromedp.SetValue(chromedp.ID(row+"vote"), "for"))
				}
			}
			steps = append(steps, chromedp.Click(chromedp.CSS(`#deliberation-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.ID("f-meeting_date-error")))
			must(t, chromedp.Do(ctx, steps...))
			browsertest.Screenshot(t, ctx, "meeting-date-refusal-"+vp.name)
			msg := textOf(t, ctx, chromedp.ID("f-meeting_date-error"))
			concluded := e.Clock.Now().In(shanghaiZone).Format("2006年1月2日")
			wantContains(t, "meeting date refusal", msg, "会议日期早于合法性审查意见（"+concluded+"）",
				"依据：《重大行政决策程序暂行条例》第二十五条")
			if isoDateOnPage.MatchString(msg) {
				t.Errorf("the refusal shows an ISO date: %q", msg)
			}
			noSideScroll(t, ctx, "publication form with a refusal")
		})
	}
}
