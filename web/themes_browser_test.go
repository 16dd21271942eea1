package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestThemePagesInBrowser walks staff through the theme pages at phone and
// desktop width: the board after an analysis, a theme's page with its
// summary, renaming it, and answering it once the window has closed; the
// adoption report drafted from the themes shows the theme.
func TestThemePagesInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			e.publishComments(t, e.anchors[2], "划片范围应当提前公示，至少提前一个月，方便家长安排。", "建议划片范围在招生前一个月向社会公示。",
				"学区划片要公开透明，提前公示划片范围和依据。", "希望划片范围公示的时间再早一点，家长要提前找房子。")
			e.publishComments(t, e.anchors[3], "课后服务收费太高了，建议降低收费。", "课后服务费用每学期三百元负担重，希望降低收费标准。",
				"课后服务收费标准要公开，费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。")
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes"),
				chromedp.WaitVisible(chromedp.CSS(`.theme-actions button`)),
				chromedp.Click(chromedp.CSS(`.theme-actions button`)),
				chromedp.WaitVisible(chromedp.ID("theme-board")),
			))
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "themes-board-"+vp.name)
			board, err := chromedp.Run(b, chromedp.Text(chromedp.ID("theme-board")))
			must(t, err)
			if !strings.Contains(board, "条") || !strings.Contains(board, "涉及条款") {
				t.Fatalf("board: %q", board)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`.theme-card h2 a`)),
				chromedp.WaitVisible(chromedp.ID("summary-title")),
			))
			summary, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`.theme-summary`)))
			must(t, err)
			if !strings.Contains(summary, "回执") || !strings.Contains(summary, "YJ-") {
				t.Errorf("summary does not cite receipts: %q", summary)
			}
			// Rename it.
			must(t, chromedp.Do(b,
				chromedp.SetValue(chromedp.ID("theme-label"), "划片范围公示"),
				chromedp.Click(chromedp.CSS(`form[action$="/update"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			h1, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`h1`)))
			must(t, err)
			if h1 != "划片范围公示" {
				t.Errorf("title after rename: %q", h1)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-page-"+vp.name)

			// After the window closes the theme is answered from its page.
			e.Clock.Advance(consultation.MinConsultationWindow + time.Minute)
			if _, err := e.Consultation.CloseDueConsultations(ctx); err != nil {
				t.Fatal(err)
			}
			// A month later: a new session (sessions last a day).
			s, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: *e.staff.Phone, Password: testenv.Password})
			must(t, err)
			sessionCookie(t, b, e.URL, s.Token)
			url, err := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname`))
			must(t, err)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+url),
				chromedp.WaitVisible(chromedp.ID("answer-form")),
				chromedp.Click(chromedp.ID("theme-k0")),
				chromedp.SendKeys(chromedp.ID("theme-reason"), "采纳。第三条增加划片范围提前一个月公示的规定。"),
				chromedp.Click(chromedp.ID("chg-2")),
			))
			browsertest.Screenshot(t, b, "theme-answer-form-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#answer-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			page, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(`main`)))
			must(t, err)
			if !strings.Contains(page, "当前答复：采纳") || !strings.Contains(page, "已答复") {
				t.Fatalf("after answering: %q", page)
			}
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes"),
				chromedp.WaitVisible(chromedp.CSS(`form[action$="/themes/report"] button`)),
				chromedp.Click(chromedp.CSS(`form[action$="/themes/report"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			report, err := chromedp.Run(b, chromedp.Value(chromedp.CSS(`textarea`)))
			must(t, err)
			if !strings.Contains(report, "按主题归纳的主要意见及处理情况") || !strings.Contains(report, "划片范围公示") {
				t.Fatalf("report text: %q", report)
			}
			browsertest.Screenshot(t, b, "theme-report-"+vp.name)
		})
	}
}
