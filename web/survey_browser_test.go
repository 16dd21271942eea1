package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestSurveyInBrowser: staff build a survey with a display condition and a
// sensitive question through the builder and open it; a resident answers
// it on a phone (the conditional question appears only after the answer
// that calls for it, and the sensitive one is skipped until the separate
// consent is ticked); after the
// survey closes by its end time, the public results show each chart and
// its table with the right numbers.
func TestSurveyInBrowser(t *testing.T) {
	e := testenv.New(t)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	resident, _ := e.Account(identity.RoleResident, "")
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	submit := chromedp.CSS(`form.stack button[type=submit]`)
	login := func(phone string) {
		t.Helper()
		must(t, chromedp.Do(ctx, signInSteps(e.URL, phone)))
	}
	addQuestion := func(kind, shot string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.ID("f-kind")),
			chromedp.SetValue(chromedp.ID("f-kind"), kind),
			chromedp.Click(chromedp.CSS(`#add-question button[type=submit]`)),
			chromedp.WaitVisible(chromedp.ID("f-title")),
		))
		must(t, chromedp.Do(ctx, steps...))
		if shot != "" {
			browsertest.Screenshot(t, ctx, shot)
		}
		must(t, chromedp.Do(ctx, chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS(`.notice.ok`))))
	}

	// Staff build the survey.
	login(*staff.Phone)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/staff/surveys"),
		chromedp.Click(chromedp.CSS(`a.button[href="/staff/surveys/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "城区义务教育学校招生入学办法民意调查"),
		chromedp.SetValue(chromedp.ID("f-description"), "请就招生入学办法（征求意见稿）发表您的看法。"),
	))
	browsertest.Screenshot(t, ctx, "staff-survey-new")
	must(t, chromedp.Do(ctx, chromedp.Click(submit), chromedp.WaitVisible(chromedp.ID("add-question"))))
	editor, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	editor = strings.Split(editor, "?")[0]
	id := strings.TrimPrefix(editor, e.URL+"/staff/surveys/")

	addQuestion("single_choice", "",
		chromedp.SendKeys(chromedp.ID("f-title"), "您家中是否有适龄儿童？"),
		chromedp.SetValue(chromedp.ID("f-config-options"), "有\n没有"))
	// A sensitive question cannot stay required (new questions start
	// required): refused at the box, with the article; made optional, added.
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-kind"), "number"),
		chromedp.Click(chromedp.CSS(`#add-question button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "孩子的年龄（周岁）"),
		chromedp.Click(chromedp.ID("f-sensitive")),
		chromedp.SendKeys(chromedp.ID("f-config-number_min"), "0"),
		chromedp.SendKeys(chromedp.ID("f-config-number_max"), "18"),
		chromedp.Click(chromedp.ID("f-config-integer")),
		chromedp.Click(chromedp.CSS(`input[name=condition][value$=":o1"]`)),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.ID("f-required-error")),
	))
	wantContains(t, "refusal at the required box", textOf(t, ctx, chromedp.ID("f-required-error")), "只能设为选答", "第十六条")
	browsertest.Screenshot(t, ctx, "staff-survey-question-sensitive-required")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("f-required"))))
	browsertest.Screenshot(t, ctx, "staff-survey-question")
	must(t, chromedp.Do(ctx, chromedp.Click(submit), chromedp.WaitVisible(chromedp.CSS(`.notice.ok`))))
	addQuestion("scale", "", chromedp.SendKeys(chromedp.ID("f-title"), "您对招生办法的总体评价"))
	text := textOf(t, ctx, chromedp.CSS(`.builder-questions`))
	wantContains(t, "builder", text, "显示条件：第1题选择了“有”时显示", "敏感信息", "您对招生办法的总体评价")
	browsertest.Screenshot(t, ctx, "staff-survey-editor")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/open"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/close"]`)),
		signOutSteps,
	))

	// A resident answers on a phone.
	login(*resident.Phone)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/surveys"),
		chromedp.Click(chromedp.CSS(`a[href="/surveys/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.survey-form`)),
	))
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#questions fieldset.question')].map(f => f.id)`))
	must(t, err)
	if len(ids) != 3 {
		t.Fatalf("questions on the page: %q", ids)
	}
	hidden := func() bool {
		h, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('`+ids[1]+`').hidden`))
		must(t, err)
		return h
	}
	if !hidden() {
		t.Error("the conditional question shows before its condition is met")
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`label[for="`+ids[0]+`-o2"]`))))
	if !hidden() {
		t.Error("the conditional question shows after “没有”")
	}
	// The age is sensitive: skipped (its input off, a note saying so)
	// until the separate consent is ticked.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`label[for="`+ids[0]+`-o1"]`)),
		chromedp.WaitVisible(chromedp.ID(ids[1])),
	))
	skipped, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('`+ids[1]+`-input').disabled`))
	must(t, err)
	if !skipped {
		t.Error("the sensitive question can be answered without the consent")
	}
	wantContains(t, "skipped question", textOf(t, ctx, chromedp.ID(ids[1])), "本题已跳过")
	browsertest.Screenshot(t, ctx, "resident-survey-skipped")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("f-sensitive_consent")),
		chromedp.SendKeys(chromedp.ID(ids[1]+"-input"), "9"),
		chromedp.Click(chromedp.CSS(`label[for="`+ids[2]+`-v4"]`)),
	))
	browsertest.Screenshot(t, ctx, "resident-survey-filled")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form.survey-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice.ok`)),
	))
	thanks := textOf(t, ctx, chromedp.CSS("main"))
	if !strings.Contains(thanks, "感谢您的参与") {
		t.Fatalf("after submitting: %q", thanks)
	}
	browsertest.Screenshot(t, ctx, "resident-survey-thanks")
	must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/surveys/"+id), chromedp.WaitVisible(chromedp.ID("answered"))))

	// The survey closes by itself at its end; the results are public.
	e.Clock.Advance(31 * 24 * time.Hour)
	if n, err := e.Survey.CloseDueSurveys(context.Background()); err != nil || n != 1 {
		t.Fatalf("closed %d surveys: %v", n, err)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/surveys/"+id+"/results"),
		chromedp.WaitVisible(chromedp.CSS(`svg[role=img]`)),
	))
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg[role=img]')].map(s => s.getAttribute('aria-label'))`))
	must(t, err)
	if len(labels) != 3 || !strings.Contains(labels[0], "有 1人，100.0%") || !strings.Contains(labels[0], "没有 0人，0.0%") ||
		!strings.Contains(labels[1], "9 1人") || !strings.Contains(labels[2], "平均数4") {
		t.Errorf("chart summaries: %q", labels)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#`+strings.Replace(ids[0], "q-", "result-", 1)+` table tbody tr')].map(r => r.innerText.replace(/\s+/g, ' ').trim())`))
	must(t, err)
	if len(cells) != 2 || cells[0] != "有 1 100.0%" || cells[1] != "没有 0 0.0%" {
		t.Errorf("first question's table: %q", cells)
	}
	foot := textOf(t, ctx, chromedp.CSS(`#`+strings.Replace(ids[2], "q-", "result-", 1)+` tfoot`))
	if !strings.Contains(foot, "平均数") || !strings.Contains(foot, "4") {
		t.Errorf("scale summary: %q", foot)
	}
	browsertest.Screenshot(t, ctx, "public-survey-results")
}
