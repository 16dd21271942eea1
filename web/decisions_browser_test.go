package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestLeadUnitOpensConsultationInBrowser walks staff of a lead unit through
// creating a decision item, uploading a draft and opening a 30-day
// consultation on a phone-sized screen, then checks as an anonymous visitor
// that the public page shows the notice and every article with its anchor.
func TestLeadUnitOpensConsultationInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	acct := e.staff
	ctx := chrome(t, browsertest.Phone, 30*time.Second)
	submit := chromedp.CSS(`form.stack button[type=submit]`)

	must(t, chromedp.Do(ctx,
		signInSteps(e.URL, *acct.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/staff/decisions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button[href="/staff/decisions/new"]`)),
		chromedp.Click(chromedp.CSS(`a.button[href="/staff/decisions/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SendKeys(chromedp.ID("f-title"), "平顶山市城区义务教育学校招生入学办法"),
		chromedp.SetValue(chromedp.ID("f-summary"), "规范城区义务教育学校招生入学，保障适龄儿童就近入学。"),
		chromedp.SetValue(chromedp.ID("f-category"), "public_services"),
		chromedp.SetValue(chromedp.ID("f-domain"), "education_culture"),
		chromedp.SetValue(chromedp.ID("f-decision_body"), "pdsszf"),
		chromedp.Click(chromedp.ID("f-affects_specific_groups")),
	))
	browsertest.Screenshot(t, ctx, "staff-decision-form")
	must(t, chromedp.Do(ctx,
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(".gate-report")),
	))
	workspace, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	id := strings.TrimPrefix(strings.Split(workspace, "?")[0], e.URL+"/staff/decisions/")
	gates := textOf(t, ctx, chromedp.CSS(".gate-report"))
	if !strings.Contains(gates, "未满足") || !strings.Contains(gates, "已上传决策草案") {
		t.Fatalf("gate checklist: %q", gates)
	}
	browsertest.Screenshot(t, ctx, "staff-workspace")

	// Opening before there is a draft is refused with every failed gate.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.actions-list a[href$="/consultation"]`)),
		chromedp.WaitVisible(chromedp.ID("f-ways_to_comment")),
		chromedp.Click(chromedp.CSS(`form[action$="/consultation"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("refusal")),
	))
	refusal := textOf(t, ctx, chromedp.ID("refusal"))
	wantContains(t, "refusal", refusal, "公开征求意见前必须上传决策草案", "必须附有起草说明", "提出意见的方式和途径", "第十五条")
	browsertest.Screenshot(t, ctx, "staff-consultation-refused")
	must(t, chromedp.Do(ctx, chromedp.Navigate(workspace), chromedp.WaitVisible(chromedp.CSS(".gate-report"))))

	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.actions-list a[href$="/versions/new"]`)),
		chromedp.WaitVisible(chromedp.ID("f-text")),
		chromedp.SetValue(chromedp.ID("f-text"), draftText),
		chromedp.SetValue(chromedp.ID("f-explanation"), "为落实《中华人民共和国义务教育法》，保障适龄儿童少年平等接受义务教育，起草本办法。"),
		chromedp.SetValue(chromedp.ID("f-legal_basis"), "《中华人民共和国义务教育法》第十二条\n《河南省实施〈中华人民共和国义务教育法〉办法》"),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.ID("version-1")),
		chromedp.Click(chromedp.CSS(`.actions-list a[href$="/consultation"]`)),
		chromedp.WaitVisible(chromedp.ID("f-ways_to_comment")),
		chromedp.SendKeys(chromedp.ID("f-ways_to_comment"), "登录本平台逐条发表意见；电子邮件 jyj@example.gov.cn"),
	))
	browsertest.Screenshot(t, ctx, "staff-consultation-form")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/consultation"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	flash := textOf(t, ctx, chromedp.CSS(".notice.ok"))
	if !strings.Contains(flash, "已发布征求意见公告") {
		t.Fatalf("after opening: %q", flash)
	}

	// Log out and read the public page as an anonymous visitor.
	must(t, chromedp.Do(ctx,
		signOutSteps,
		chromedp.Navigate(e.URL+"/decisions"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/decisions/`+id+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/decisions/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.ID("notice")),
	))
	notice := textOf(t, ctx, chromedp.ID("notice"))
	wantContains(t, "notice", notice, "正在征求意见", "登录本平台逐条发表意见", "北京时间", "约30日")
	anchors, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('.draft-article')].map(a => a.id + ' ' + a.querySelector('a.permalink').getAttribute('href'))`))
	must(t, err)
	if len(anchors) != 4 {
		t.Fatalf("articles: %q", anchors)
	}
	for _, a := range anchors {
		id, href, _ := strings.Cut(a, " ")
		if !strings.HasPrefix(id, "a-") || href != "#"+id {
			t.Errorf("article anchor %q, link %q", id, href)
		}
	}
	browsertest.Screenshot(t, ctx, "public-decision")

	// An article's link opens the page at that article.
	third, _, _ := strings.Cut(anchors[2], " ")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/decisions/"+id+"#"+third),
		chromedp.WaitVisible(chromedp.ID(third)),
	))
	target, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(':target') ? document.querySelector(':target').innerText : ''`))
	must(t, err)
	if !strings.Contains(target, "第三条") || !strings.Contains(target, "划片招生") {
		t.Errorf("linked article: %q", target)
	}
}
