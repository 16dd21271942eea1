package web_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/themes"
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
			// Staff are told the grouping is the machine's first draft, to check
			// before answering a theme once.
			if caveat := textOf(t, b, chromedp.ID("theme-caveat")); !strings.Contains(caveat, "核对") {
				t.Errorf("caveat: %q", caveat)
			}
			board := textOf(t, b, chromedp.ID("theme-board"))
			if !strings.Contains(board, "条") || !strings.Contains(board, "涉及条款") {
				t.Fatalf("board: %q", board)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`.theme-card h2 a`)),
				chromedp.WaitVisible(chromedp.ID("summary-title")),
			))
			summary := textOf(t, b, chromedp.CSS(`.theme-summary`))
			if !strings.Contains(summary, "回执") || !strings.Contains(summary, "YJ-") {
				t.Errorf("summary does not cite receipts: %q", summary)
			}
			// Rename it.
			must(t, chromedp.Do(b,
				chromedp.SetValue(chromedp.ID("theme-label"), "划片范围公示"),
				chromedp.Click(chromedp.CSS(`form[action$="/update"] button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			h1 := textOf(t, b, chromedp.CSS(`h1`))
			if h1 != "划片范围公示" {
				t.Errorf("title after rename: %q", h1)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-page-"+vp.name)
			// Staff can list the comments most likely misplaced first.
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#comment-order a`)),
				chromedp.WaitVisible(chromedp.CSS(`#comment-order a[href$="#comments-title"]:not([href*="weakest"])`)),
			))
			if cur := textOf(t, b, chromedp.CSS(`#comment-order [aria-current]`)); cur != "最可能归错的在前" {
				t.Errorf("current order after the switch: %q", cur)
			}
			noSideScroll(t, b, "the page, weakest first")
			browsertest.Screenshot(t, b, "theme-page-weakest-"+vp.name)
			must(t, chromedp.Do(b, chromedp.Click(chromedp.CSS(`#comment-order a`)), chromedp.WaitVisible(chromedp.CSS(`#comment-order a[href*="weakest"]`))))

			// After the window closes the theme is answered from its page.
			e.CloseConsultations()
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
			page := textOf(t, b, chromedp.CSS(`main`))
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

// TestThemeSplitAndMoveInBrowser: staff tick comments on a theme's page
// and split them into a new theme they name, then move one of them back,
// at phone and desktop width. A split with nothing ticked or without a
// name is refused in Chinese and changes nothing.
func TestThemeSplitAndMoveInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			list, largest := e.analysedFeeAndTimeComments(t)
			from, fromSize := largest.ID, largest.Size
			if fromSize < 3 {
				t.Fatalf("no theme of 3 comments to split: %+v", list)
			}
			fromURL := e.URL + "/staff/decisions/" + e.id + "/themes/" + strconv.FormatInt(from, 10)

			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)

			// Nothing ticked: refused, nothing changes.
			must(t, chromedp.Do(b,
				chromedp.Navigate(fromURL),
				chromedp.WaitVisible(chromedp.ID("pick-form")),
				chromedp.SetValue(chromedp.ID("new-label"), "收费标准"),
				chromedp.Click(chromedp.CSS(`#pick-form button:not([formaction])`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.error, [role=alert]`)),
			))
			msg := textOf(t, b, chromedp.CSS(`main`))
			if !strings.Contains(msg, "请先勾选要调整的意见") {
				t.Errorf("refusal without a ticked comment: %q", msg)
			}
			if after, _, _ := e.Themes.ListThemes(ctx, &e.staff, e.d.ID, ""); len(after) != len(list) {
				t.Errorf("a refused split changed the themes: %d -> %d", len(list), len(after))
			}

			// Tick two comments, name the new theme, split.
			must(t, chromedp.Do(b,
				chromedp.Navigate(fromURL),
				chromedp.WaitVisible(chromedp.ID("pick-form")),
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(1) .pick input`)),
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(2) .pick input`)),
				chromedp.SetValue(chromedp.ID("new-label"), "收费标准"),
			))
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-split-form-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#pick-form button:not([formaction])`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			h1 := textOf(t, b, chromedp.CSS(`h1`))
			if h1 != "收费标准" {
				t.Fatalf("after the split the page shows %q", h1)
			}
			n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('.theme-comments li').length`))
			must(t, err)
			if n != 2 {
				t.Errorf("the new theme lists %d comments, want 2", n)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-split-done-"+vp.name)

			// Move one of them back to the theme it came from (the split's
			// notice is taken off first, so the wait below is for the next page's).
			_, err = chromedp.Run(b, chromedp.Evaluate[bool](`(document.querySelectorAll('.notice').forEach(n => n.remove()), true)`))
			must(t, err)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`.theme-comments li:nth-child(1) .pick input`)),
				chromedp.SetValue(chromedp.ID("move-to"), strconv.FormatInt(from, 10)),
				chromedp.Click(chromedp.CSS(`#pick-form button[formaction]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			path, err := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname`))
			must(t, err)
			if !strings.HasSuffix(path, "/themes/"+strconv.FormatInt(from, 10)) {
				t.Errorf("after the move the page is %s", path)
			}
			browsertest.Screenshot(t, b, "theme-move-done-"+vp.name)
			got, err := e.Themes.GetTheme(ctx, &e.staff, from, themes.ThemePage{Limit: 50})
			must(t, err)
			if got.Size != fromSize-1 {
				t.Errorf("the first theme has %d comments after split and move back, want %d", got.Size, fromSize-1)
			}
		})
	}
}

// TestThemeFindAndSplitAllInBrowser: staff find the comments of a theme
// that contain a text and split all of
// them off at once into a new theme, at phone and desktop width.
func TestThemeFindAndSplitAllInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			_, from := e.analysedFeeAndTimeComments(t)
			whole, err := e.Themes.GetTheme(ctx, &e.staff, from.ID, themes.ThemePage{Limit: 50})
			must(t, err)
			var want []string
			for _, c := range whole.Comments {
				if strings.Contains(c.Body, "降低") {
					want = append(want, c.Receipt)
				}
			}
			if len(want) == 0 || len(want) == from.Size {
				t.Fatalf("the largest theme (%d comments) has %d with 降低", from.Size, len(want))
			}
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes/"+strconv.FormatInt(from.ID, 10)),
				chromedp.WaitVisible(chromedp.ID("theme-q")),
				chromedp.SendKeys(chromedp.ID("theme-q"), "降低"),
				chromedp.Submit(chromedp.ID("theme-q")),
				chromedp.WaitVisible(chromedp.ID("find-result")),
			))
			found := textOf(t, b, chromedp.ID("find-result"))
			if !strings.Contains(found, fmt.Sprintf("共%d条", len(want))) {
				t.Errorf("find result %q, want %d", found, len(want))
			}
			n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('.theme-comments li').length`))
			must(t, err)
			if n != len(want) {
				t.Errorf("%d comments listed, want %d", n, len(want))
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.ID("all-matching")),
				chromedp.SetValue(chromedp.ID("new-label"), "降低收费"),
			))
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "theme-find-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#pick-form button:not([formaction])`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			if h1 := textOf(t, b, chromedp.CSS(`h1`)); h1 != "降低收费" {
				t.Fatalf("after the split the page shows %q", h1)
			}
			listed := textOf(t, b, chromedp.CSS(`.theme-comments`))
			for _, r := range want {
				if !strings.Contains(listed, r) {
					t.Errorf("the new theme lacks %s: %q", r, listed)
				}
			}
			after, err := e.Themes.GetTheme(ctx, &e.staff, from.ID, themes.ThemePage{Limit: 50})
			must(t, err)
			if after.Size != from.Size-len(want) {
				t.Errorf("the first theme has %d comments after the split, want %d", after.Size, from.Size-len(want))
			}
		})
	}
}

// analysedFeeAndTimeComments publishes six comments on one article, four
// on after-school fees and two on its hours, analyses the decision's
// themes and returns them with the largest theme not off-topic.
func (e *commentEnv) analysedFeeAndTimeComments(t *testing.T) ([]themes.Theme, themes.Theme) {
	t.Helper()
	ctx := context.Background()
	e.publishComments(t, e.anchors[3], "课后服务收费太高了，建议降低收费。", "课后服务费用每学期三百元负担重，希望降低收费标准。",
		"课后服务收费标准要公开，费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。",
		"课后服务的时间太晚了，孩子六点才放学，建议课后服务五点半结束。", "课后服务结束时间能不能灵活一点，家长下班晚。")
	if _, err := e.Themes.Analyze(ctx, &e.staff, e.d.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := e.Themes.ListThemes(ctx, &e.staff, e.d.ID, "")
	must(t, err)
	var largest themes.Theme
	for _, th := range list {
		if th.Size > largest.Size && !th.OffTopic {
			largest = th
		}
	}
	return list, largest
}

// TestThemeReanalysisKeepsInBrowser: staff rename a theme, mark it
// checked on its page, see the progress on the board and read what a
// re-analysis keeps, analyse again, and find the theme carried on under
// their name and still checked, at phone and desktop width.
func TestThemeReanalysisKeepsInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			list, largest := e.analysedFeeAndTimeComments(t)
			label := "课后服务收费标准"
			_, err := e.Themes.UpdateTheme(ctx, &e.staff, largest.ID, themes.ThemeUpdate{Label: &label})
			must(t, err)
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes/"+strconv.FormatInt(largest.ID, 10)),
				chromedp.WaitVisible(chromedp.ID("check-button")),
			))
			if btn := textOf(t, b, chromedp.ID("check-button")); btn != "本主题已核对完毕" {
				t.Errorf("check button %q", btn)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.ID("check-button")),
				chromedp.WaitVisible(chromedp.ID("check-state")),
			))
			if st := textOf(t, b, chromedp.ID("check-state")); !strings.Contains(st, "核对") {
				t.Errorf("check state %q", st)
			}
			if btn := textOf(t, b, chromedp.ID("check-button")); btn != "取消核对标记" {
				t.Errorf("after checking the button reads %q", btn)
			}
			browsertest.Screenshot(t, b, "theme-checked-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes"),
				chromedp.WaitVisible(chromedp.ID("reanalyse-hint")),
			))
			toCheck := 0
			for _, th := range list {
				if !th.OffTopic {
					toCheck++
				}
			}
			if p := textOf(t, b, chromedp.ID("check-progress")); p != fmt.Sprintf("已核对主题1个，共%d个", toCheck) {
				t.Errorf("progress %q", p)
			}
			if hint := textOf(t, b, chromedp.ID("reanalyse-hint")); !strings.Contains(hint, "重新分析会保留您的工作") {
				t.Errorf("hint %q", hint)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`button[aria-describedby=reanalyse-hint]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			meta := textOf(t, b, chromedp.ID("analysis-meta"))
			if !strings.Contains(meta, "第2版分析") || !strings.Contains(meta, "保留工作人员调整过的主题1个") {
				t.Errorf("analysis meta %q", meta)
			}
			board := textOf(t, b, chromedp.ID("theme-board"))
			if !strings.Contains(board, label) || !strings.Contains(board, "沿用上一版（工作人员调整过）") || !strings.Contains(board, "已核对") {
				t.Errorf("board after re-analysis: %q", board)
			}
			noSideScroll(t, b, "the board")
			browsertest.Screenshot(t, b, "theme-reanalysed-"+vp.name)
			// The export link answers the spreadsheet to the signed-in staff member.
			got, err := chromedp.Run(b, chromedp.Evaluate[string](
				`fetch(document.querySelector('#theme-export a').href).then(r => r.status + ' ' + r.headers.get('content-type'))`,
				chromedp.EvalAwaitPromise))
			must(t, err)
			if got != "200 "+consultation.ExportContentType(consultation.ExportXLSX) {
				t.Errorf("export link: %q", got)
			}
		})
	}
}

// TestThemeUnthemedInBrowser: the board links the comments in no theme;
// their page lists them, refuses to place them without a theme chosen, and
// staff tick one and put it into a theme, at phone and desktop width.
func TestThemeUnthemedInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			e.publishComments(t, "", "同意。", "OK!!")
			_, largest := e.analysedFeeAndTimeComments(t)
			u, err := e.Themes.ListUnthemed(ctx, &e.staff, e.d.ID, 50, "")
			must(t, err)
			if u.Total == 0 {
				t.Fatal("every comment is in a theme; the test needs one in none")
			}
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes"),
				chromedp.WaitVisible(chromedp.ID("unthemed-link")),
			))
			if got, want := textOf(t, b, chromedp.ID("unthemed-link")), fmt.Sprintf("未归入主题的意见%d条", u.Total); got != want {
				t.Errorf("board link %q, want %q", got, want)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.ID("unthemed-link")),
				chromedp.WaitVisible(chromedp.ID("unthemed-comments")),
			))
			n, err := chromedp.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('#unthemed-comments li').length`))
			must(t, err)
			if n != u.Total {
				t.Errorf("the page lists %d comments, want %d", n, u.Total)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "themes-unthemed-"+vp.name)

			// Ticked but no theme chosen: refused in Chinese, nothing changes.
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#unthemed-comments li:nth-child(1) .pick input`)),
				chromedp.Click(chromedp.CSS(`#add-form button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.error, [role=alert]`)),
			))
			if msg := textOf(t, b, chromedp.CSS(`main`)); !strings.Contains(msg, "请选择要放入的主题") {
				t.Errorf("refusal without a theme: %q", msg)
			}
			if checked, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.querySelector('#unthemed-comments li:nth-child(1) .pick input').checked`)); err != nil || !checked {
				t.Errorf("the ticked comment is not ticked after the refusal (%v)", err)
			}
			if again, _ := e.Themes.ListUnthemed(ctx, &e.staff, e.d.ID, 1, ""); again.Total != u.Total {
				t.Errorf("a refused addition changed the comments in no theme: %d -> %d", u.Total, again.Total)
			}

			must(t, chromedp.Do(b,
				chromedp.SetValue(chromedp.ID("add-to"), strconv.FormatInt(largest.ID, 10)),
				chromedp.Click(chromedp.CSS(`#add-form button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			path, err := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname`))
			must(t, err)
			if !strings.HasSuffix(path, "/themes/"+strconv.FormatInt(largest.ID, 10)) {
				t.Errorf("after adding, the page is %s", path)
			}
			browsertest.Screenshot(t, b, "themes-unthemed-added-"+vp.name)
			got, err := e.Themes.GetTheme(ctx, &e.staff, largest.ID, themes.ThemePage{Limit: 50})
			must(t, err)
			if got.Size != largest.Size+1 {
				t.Errorf("the theme has %d comments after adding one to %d", got.Size, largest.Size)
			}
			if after, _ := e.Themes.ListUnthemed(ctx, &e.staff, e.d.ID, 1, ""); after.Total != u.Total-1 {
				t.Errorf("%d comments in no theme after adding one, want %d", after.Total, u.Total-1)
			}
		})
	}
}

// recordLetter enters a letter received today about the decision.
func (e *commentEnv) recordLetter(t *testing.T, body string) {
	t.Helper()
	day := e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	_, err := e.Hearing.RecordOfflineOpinions(context.Background(), &e.staff, e.d.ID, []hearing.OfflineOpinionInput{{
		Channel: hearing.ChannelLetter, ReceivedOn: day, Source: "市民来信", Body: body,
		Scan: hearing.Scan{Filename: "来信.pdf", Data: []byte("%PDF-1.4\n%%EOF\n")}}})
	must(t, err)
}

// TestThemeOfflineOpinionsInBrowser: a letter about the theme's subject
// shows on the board as 其他渠道：来信1条 and on the theme's page with
// where it is answered, at phone and desktop width.
func TestThemeOfflineOpinionsInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			e.recordLetter(t, "课后服务收费太高了，每学期三百元家长负担重，建议降低收费标准。")
			list, _ := e.analysedFeeAndTimeComments(t)
			var in themes.Theme
			for _, th := range list {
				if th.Offline > 0 {
					in = th
				}
			}
			if in.ID == 0 {
				t.Fatalf("the letter is in no theme: %+v", list)
			}
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes"),
				chromedp.WaitVisible(chromedp.CSS(`#t-`+strconv.FormatInt(in.ID, 10)+` .theme-channels`)),
			))
			if got := textOf(t, b, chromedp.CSS(`#t-`+strconv.FormatInt(in.ID, 10)+` .theme-channels`)); got != "其他渠道：来信1条" {
				t.Errorf("board channels %q", got)
			}
			noSideScroll(t, b, "the board")
			browsertest.Screenshot(t, b, "theme-board-channels-"+vp.name)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes/"+strconv.FormatInt(in.ID, 10)),
				chromedp.WaitVisible(chromedp.ID("offline-section")),
			))
			text := textOf(t, b, chromedp.ID("offline-section"))
			for _, want := range []string{"其他渠道收到的意见（1条）", "每学期三百元", "来信", "市民来信", "尚未答复", "听证与其他渠道"} {
				if !strings.Contains(text, want) {
					t.Errorf("offline section without %q: %q", want, text)
				}
			}
			noSideScroll(t, b, "the theme page")
			browsertest.Screenshot(t, b, "theme-offline-"+vp.name)

			// Answering the theme answers the letter too.
			e.CloseConsultations()
			s, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: *e.staff.Phone, Password: testenv.Password})
			must(t, err)
			sessionCookie(t, b, e.URL, s.Token)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes/"+strconv.FormatInt(in.ID, 10)),
				chromedp.WaitVisible(chromedp.ID("answer-form")),
			))
			if hint := textOf(t, b, chromedp.CSS(`#answer-form .hint`)); !strings.Contains(hint, "其他渠道收到的1条意见") {
				t.Errorf("answer form hint %q", hint)
			}
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.ID("theme-k1")),
				chromedp.SendKeys(chromedp.ID("theme-reason"), "部分采纳：对困难家庭减免课后服务费。"),
				chromedp.Click(chromedp.CSS(`#answer-form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			if text := textOf(t, b, chromedp.ID("offline-section")); !strings.Contains(text, "已答复：部分采纳") {
				t.Errorf("the letter after the theme's answer: %q", text)
			}
		})
	}
}

// TestOfflineOpinionPlacedInBrowser: a letter about something no theme is
// about is listed on the page of what is in no theme; staff put it into a
// theme there (a refusal first, with the tick kept), then move it on from
// that theme's page to another, at phone and desktop width.
func TestOfflineOpinionPlacedInBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			ctx := context.Background()
			e.recordLetter(t, "小区门口的路灯坏了很久没人修。")
			_, largest := e.analysedFeeAndTimeComments(t)
			// Staff split the comments on when the service ends off (the
			// machine may see one theme in six comments).
			all, err := e.Themes.GetTheme(ctx, &e.staff, largest.ID, themes.ThemePage{Limit: 50})
			must(t, err)
			var late []int64
			for _, c := range all.Comments {
				if strings.Contains(c.Body, "时间") {
					late = append(late, c.ID)
				}
			}
			second, err := e.Themes.SplitTheme(ctx, &e.staff, largest.ID, late, "课后服务结束时间")
			must(t, err)
			b := chrome(t, vp.size, 60*time.Second)
			sessionCookie(t, b, e.URL, e.staffToken)
			must(t, chromedp.Do(b,
				chromedp.Navigate(e.URL+"/staff/decisions/"+e.id+"/themes/unthemed"),
				chromedp.WaitVisible(chromedp.ID("offline-section")),
			))
			if text := textOf(t, b, chromedp.ID("offline-section")); !strings.Contains(text, "其他渠道收到、未归入主题的意见（1条）") ||
				!strings.Contains(text, "路灯") || !strings.Contains(text, "市民来信") {
				t.Errorf("offline opinions in no theme: %q", text)
			}
			noSideScroll(t, b, "the page")
			browsertest.Screenshot(t, b, "themes-unthemed-offline-"+vp.name)
			browsertest.Axe(t, b, vp.name+" the page of what is in no theme")

			// Ticked but no theme chosen: refused, still ticked, nothing changed.
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#offline-section .pick input`)),
				chromedp.Click(chromedp.CSS(`#offline-form button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.error, [role=alert]`)),
			))
			if msg := textOf(t, b, chromedp.CSS(`main`)); !strings.Contains(msg, "请选择要放入的主题") {
				t.Errorf("refusal without a theme: %q", msg)
			}
			if checked, err := chromedp.Run(b, chromedp.Evaluate[bool](`document.querySelector('#offline-section .pick input').checked`)); err != nil || !checked {
				t.Errorf("the ticked letter is not ticked after the refusal (%v)", err)
			}
			if u, _ := e.Themes.ListUnthemed(ctx, &e.staff, e.d.ID, 1, ""); len(u.Offline) != 1 {
				t.Errorf("a refused placing changed what is in no theme: %+v", u.Offline)
			}

			must(t, chromedp.Do(b,
				chromedp.SetValue(chromedp.ID("offline-to"), strconv.FormatInt(second.ID, 10)),
				chromedp.Click(chromedp.CSS(`#offline-form button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
				chromedp.WaitVisible(chromedp.ID("offline-section")),
			))
			path, err := chromedp.Run(b, chromedp.Evaluate[string](`location.pathname`))
			must(t, err)
			if !strings.HasSuffix(path, "/themes/"+strconv.FormatInt(second.ID, 10)) {
				t.Errorf("after placing, the page is %s", path)
			}
			if text := textOf(t, b, chromedp.ID("offline-section")); !strings.Contains(text, "路灯") || !strings.Contains(text, "工作人员归入") {
				t.Errorf("the theme's offline opinions after placing: %q", text)
			}
			noSideScroll(t, b, "the theme page")
			browsertest.Screenshot(t, b, "theme-offline-placed-"+vp.name)
			browsertest.Axe(t, b, vp.name+" the theme page")

			// On from this theme to the largest (the flash of the last step
			// is taken away first, so the next one is the new page's).
			_, err = chromedp.Run(b, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('.notice.ok').forEach(n => n.remove())`))
			must(t, err)
			must(t, chromedp.Do(b,
				chromedp.Click(chromedp.CSS(`#offline-section .pick input`)),
				chromedp.SetValue(chromedp.ID("offline-to"), strconv.FormatInt(largest.ID, 10)),
				chromedp.Click(chromedp.CSS(`#offline-form button`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
			))
			got, err := e.Themes.GetTheme(ctx, &e.staff, largest.ID, themes.ThemePage{Limit: 50})
			must(t, err)
			if len(got.OfflineOpinions) != 1 || !got.OfflineOpinions[0].ByStaff || !strings.Contains(got.OfflineOpinions[0].Body, "路灯") {
				t.Errorf("the largest theme's offline opinions: %+v", got.OfflineOpinions)
			}
			if from, _ := e.Themes.GetTheme(ctx, &e.staff, second.ID, themes.ThemePage{Limit: 50}); len(from.OfflineOpinions) != 0 {
				t.Errorf("the letter is still in the theme it was moved from: %+v", from.OfflineOpinions)
			}
		})
	}
}
