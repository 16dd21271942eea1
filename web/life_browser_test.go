package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestDecisionLifePagesInBrowser: the admin keeps the meeting composition,
// the decision body drafts, agrees and publishes its catalogue, a resident
// proposes an item and the body answers publicly, and the implementing unit
// reports on a published decision, on a phone; each page also at desktop
// width, and none scrolls sideways on the phone.
func TestDecisionLifePagesInBrowser(t *testing.T) {
	e := testenv.New(t)
	e.City("pdsszf", "jyj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	resident, _ := e.Account(identity.RoleResident, "")
	phone := chrome(t, browsertest.Phone, 90*time.Second)
	desk := chrome(t, browsertest.Desktop, 90*time.Second)
	mainText := func(ctx context.Context) string {
		s := textOf(t, ctx, chromedp.CSS("main"))
		return s
	}

	// The admin keeps the city government's meeting composition.
	must(t, chromedp.Do(phone,
		signInSteps(e.URL, *admin.Phone),
		chromedp.Navigate(e.URL+"/admin/meetings"),
		chromedp.WaitVisible(chromedp.ID("calendar")),
		chromedp.SetValue(chromedp.ID("members-pdsszf"), "张市长 市长\n李副市长 常务副市长\n王副市长 副市长\n赵副市长 副市长"),
		chromedp.SetValue(chromedp.ID("head-pdsszf"), "张市长"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/meetings/pdsszf/composition"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	if text := mainText(phone); !strings.Contains(text, "组成人员4名") || !strings.Contains(text, "张市长（行政首长）") || !strings.Contains(text, "2025年、2026年") {
		t.Fatalf("admin page: %q", text)
	}
	browsertest.Screenshot(t, phone, "admin-meetings-phone")
	noSideScroll(t, phone, "/admin/meetings")
	must(t, chromedp.Do(phone, signOutSteps))
	must(t, chromedp.Do(desk, signInSteps(e.URL, *admin.Phone), chromedp.Navigate(e.URL+"/admin/meetings"), chromedp.WaitVisible(chromedp.ID("calendar"))))
	browsertest.Screenshot(t, desk, "admin-meetings-desktop")

	// The decision body drafts, agrees and publishes its catalogue.
	must(t, chromedp.Do(phone,
		signInSteps(e.URL, *body.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/catalogues"]`)),
		chromedp.WaitVisible(chromedp.ID("f-year")),
		chromedp.Click(chromedp.CSS(`form[action="/catalogues"] button`)),
		chromedp.WaitVisible(chromedp.ID("add-title")),
		chromedp.SetValue(chromedp.ID("add-title"), "平顶山市中小学课后服务管理办法"),
		chromedp.SetValue(chromedp.ID("add-lead"), "jyj"),
		chromedp.SetValue(chromedp.ID("add-domain"), "education_culture"),
		chromedp.SetValue(chromedp.ID("add-quarter"), "3"),
		chromedp.Click(chromedp.ID("add-survey")),
		chromedp.Click(chromedp.CSS(`form[action$="/items"] button`)),
	))
	// Wait for this step's own confirmation: the page still shows the
	// catalogue's creation notice until the new page arrives, and a click
	// on the old page would cancel the item's submission.
	waitNotice(t, phone, "目录事项已增加")
	must(t, chromedp.Do(phone,
		// Publishing before the Party committee agreed is refused.
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.ID("refusal")),
	))
	if text := mainText(phone); !strings.Contains(text, "须经同级党委同意后公布") || !strings.Contains(text, "《河南省重大行政决策程序规定》第四条") {
		t.Errorf("refusal: %q", text)
	}
	must(t, chromedp.Do(phone,
		chromedp.SetValue(chromedp.ID("approval-doc"), "平市委办〔2026〕3号"),
		chromedp.SetValue(chromedp.ID("approval-date"), e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)),
		chromedp.Click(chromedp.CSS(`form[action$="/approval"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.ID("initiate-title")),
	))
	catURL, err := chromedp.Run(phone, chromedp.Location())
	must(t, err)
	catURL = strings.Split(catURL, "?")[0]
	browsertest.Screenshot(t, phone, "catalogue-staff-phone")
	noSideScroll(t, phone, "catalogue (staff)")
	must(t, chromedp.Do(phone, signOutSteps, chromedp.Navigate(catURL), chromedp.WaitVisible(chromedp.CSS("table.catalogue-items"))))
	if text := mainText(phone); !strings.Contains(text, "平顶山市中小学课后服务管理办法") || !strings.Contains(text, "已公布") || !strings.Contains(text, "未启动") {
		t.Fatalf("public catalogue: %q", text)
	}
	noSideScroll(t, phone, "catalogue (public)")
	browsertest.Screenshot(t, phone, "catalogue-public-phone")
	must(t, chromedp.Do(desk, chromedp.Navigate(catURL), chromedp.WaitVisible(chromedp.CSS("table.catalogue-items"))))
	browsertest.Screenshot(t, desk, "catalogue-desktop")

	// A resident proposes; the body answers publicly.
	must(t, chromedp.Do(phone,
		signInSteps(e.URL, *resident.Phone),
		chromedp.Navigate(e.URL+"/proposals"),
		chromedp.WaitVisible(chromedp.ID("f-title")),
		chromedp.SetValue(chromedp.ID("f-decision_body"), "pdsszf"),
		chromedp.SetValue(chromedp.ID("f-title"), "制定城区停车收费办法"),
		chromedp.SetValue(chromedp.ID("f-description"), "老城区停车难，建议统一规范收费。"),
		chromedp.Click(chromedp.CSS(`form[action="/proposals"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		signOutSteps,
		signInSteps(e.URL, *body.Phone),
		chromedp.Navigate(e.URL+"/proposals"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/answer"]`)),
		chromedp.SetValue(chromedp.CSS(`form[action$="/answer"] textarea[name=answer]`), "停车收费由市发展改革委按价格法程序办理，不列入本年度目录。"),
		chromedp.Click(chromedp.CSS(`form[action$="/answer"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		signOutSteps,
		chromedp.Navigate(e.URL+"/proposals"),
		chromedp.WaitVisible(chromedp.CSS("article.proposal")),
	))
	if text := mainText(phone); !strings.Contains(text, "未采纳") || !strings.Contains(text, "价格法程序") || strings.Contains(text, *resident.Phone) {
		t.Fatalf("public proposals: %q", text)
	}
	noSideScroll(t, phone, "/proposals")
	browsertest.Screenshot(t, phone, "proposals-phone")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+"/proposals"), chromedp.WaitVisible(chromedp.CSS("article.proposal"))))
	browsertest.Screenshot(t, desk, "proposals-desktop")

	// The implementing unit reports on a published decision.
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	d := e.PublishedWithheld(&staff, &body)
	impl := e.URL + "/decisions/" + strconv.FormatInt(d.ID, 10) + "/implementation"
	must(t, chromedp.Do(phone,
		signInSteps(e.URL, *staff.Phone),
		chromedp.Navigate(impl),
		chromedp.WaitVisible(chromedp.ID("report-form-title")),
		chromedp.SetValue(chromedp.ID("f-period_end"), e.Clock.Now().In(shanghaiZone).Format(time.DateOnly)),
		chromedp.SetValue(chromedp.ID("f-progress"), "全市学校已完成安防设施改造。"),
		chromedp.Click(chromedp.ID("f-effect_achieved-0")),
		chromedp.Click(chromedp.CSS(`form[action$="/implementation/report"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	if text := mainText(phone); !strings.Contains(text, "全市学校已完成安防设施改造") || !strings.Contains(text, "每30日") {
		t.Fatalf("implementation page: %q", text)
	}
	noSideScroll(t, phone, "implementation")
	browsertest.Screenshot(t, phone, "implementation-phone")
	must(t, chromedp.Do(desk, chromedp.Navigate(impl), chromedp.WaitVisible(chromedp.CSS("article.report"))))
	browsertest.Screenshot(t, desk, "implementation-desktop")
}

// waitNotice waits until a confirmation notice with the text is shown,
// across the navigation that brings it.
func waitNotice(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	expr := `[...document.querySelectorAll('.notice.ok')].some(n => n.textContent.includes(` + strconv.Quote(text) + `))`
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
	}
	t.Fatalf("no notice %q", text)
}
