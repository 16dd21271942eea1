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
	"github.com/canyu-gov/canyu/supervision"
)

// A district's office makes, writes and issues its district's monthly
// report through the pages, on a phone; the district's education bureau
// opens it from its notice; another district's office cannot open it; the
// city's office reads it once issued, on a desktop. There was no district
// report to open: the district's office listed its departments' reports
// only.
func TestDistrictMonthlyReportInBrowser(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	e.City("zf", "jyj")
	e.Agency("qzf", "新华区人民政府", identity.AgencyGovernment)
	e.Agency("wdzf", "卫东区人民政府", identity.AgencyGovernment)
	e.Agency("qjyj", "新华区教育局", identity.AgencyDepartment)
	for _, sql := range []string{
		`UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'zf') WHERE code IN ('jyj', 'qzf', 'wdzf')`,
		`UPDATE agencies SET parent_id = (SELECT id FROM agencies WHERE code = 'qzf') WHERE code = 'qjyj'`,
	} {
		_, err := e.DB.Exec(ctx, sql)
		must(t, err)
	}
	office, _ := e.Account(identity.RoleSupervisor, "zf")
	office2, _ := e.Account(identity.RoleSupervisor, "qzf")
	office3, _ := e.Account(identity.RoleSupervisor, "wdzf")
	dstaff, _ := e.Account(identity.RoleAgencyStaff, "qjyj")
	d, err := e.Consultation.CreateDecision(ctx, &dstaff, consultation.DecisionInput{Title: "新华区中小学课后服务管理办法",
		Summary: "规范课后服务。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
		DecisionBody: "qzf", LeadAgency: "qjyj"})
	must(t, err)
	_, err = e.Consultation.CreateDraftVersion(ctx, &dstaff, d.ID, consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。",
		Explanation: "起草说明。", LegalBasis: []string{"《中华人民共和国教育法》"}})
	must(t, err)
	month := supervision.MonthOf(e.Clock.Now())
	title := "新华区" + month.Label() + "法治政府建设月报告"

	phone := chrome(t, browsertest.Phone, 90*time.Second)
	must(t, chromedp.Do(phone,
		signInSteps(e.URL, *office2.Phone),
		chromedp.Navigate(e.URL+"/supervision/reports"),
		chromedp.SetValue(chromedp.ID("f-month"), month.String()),
		chromedp.Click(chromedp.CSS(`form[action="/supervision/reports/generate"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	list := textOf(t, phone, chromedp.CSS("main table"))
	if !strings.Contains(list, "新华区（全区）") || strings.Contains(list, "全市") {
		t.Fatalf("the district's office lists no report of its district, or the city's draft:\n%s", list)
	}
	browsertest.Screenshot(t, phone, "supervision-district-reports")
	noSideScroll(t, phone, "the district's list of reports")
	must(t, chromedp.Do(phone,
		// The district's own report comes first in its month.
		chromedp.Click(chromedp.CSS(`table a[href^="/supervision/reports/"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.trend-chart")),
	))
	if h := textOf(t, phone, chromedp.CSS("h1")); h != title {
		t.Fatalf("the report opened is %q, want %q", h, title)
	}
	page := textOf(t, phone, chromedp.CSS("main"))
	if !strings.Contains(page, "统计范围：新华区人民政府及其所属部门作为决策机关的重大行政决策事项") {
		t.Errorf("the district's report does not say what it counts:\n%s", page)
	}
	reportURL, err := chromedp.Run(phone, chromedp.Location())
	must(t, err)
	browsertest.Screenshot(t, phone, "supervision-district-report-draft")
	noSideScroll(t, phone, "the district's draft report")
	must(t, chromedp.Do(phone,
		chromedp.SetValue(chromedp.ID("f-analysis"), "区教育局本月新启动一项教育领域民生事项，尚未安排民意调查。"),
		chromedp.SetValue(chromedp.ID("f-weak_links"), "民生事项民意调查安排滞后。"),
		chromedp.SetValue(chromedp.ID("f-measures"), "督促区教育局在公开征求意见期间同步开展民意调查。"),
		chromedp.Click(chromedp.CSS(`form[action$="/analysis"] button.secondary`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	// The saved page's notice goes, so that the wait below is for the
	// issued page's.
	_, err = chromedp.Run(phone, chromedp.Evaluate[bool](`document.querySelector(".notice.ok").remove(), true`))
	must(t, err)
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.ID("issue-report-start")),
		chromedp.WaitVisible(chromedp.ID("issue-report")),
		chromedp.Click(chromedp.ID("issue-report")),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	if meta := textOf(t, phone, chromedp.CSS("p.meta")); !strings.Contains(meta, "通报") || !strings.Contains(meta, "内容已固定") {
		t.Fatalf("the report is not issued: %q", meta)
	}
	browsertest.Screenshot(t, phone, "supervision-district-report-issued")
	noSideScroll(t, phone, "the district's issued report")

	// The district's education bureau opens it from its notice.
	must(t, chromedp.Do(phone, signOutSteps, signInSteps(e.URL, *dstaff.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/supervision"]`)),
		chromedp.WaitVisible(chromedp.ID("notices-title")),
	))
	notices := textOf(t, phone, chromedp.CSS("ul.notices"))
	if !strings.Contains(notices, title+"已通报") {
		t.Fatalf("the district's education bureau was not told: %q", notices)
	}
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`ul.notices a[href^="/supervision/reports/"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.trend-chart")),
	))
	if h := textOf(t, phone, chromedp.CSS("h1")); h != title {
		t.Fatalf("the notice opened %q", h)
	}
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll("#f-analysis, #issue-report").length`)); err != nil || n != 0 {
		t.Errorf("the department is offered the office's form (%d fields, %v)", n, err)
	}
	browsertest.Screenshot(t, phone, "supervision-district-report-department")
	axeCheck(t, phone, e.URL, "phone", strings.TrimPrefix(reportURL, e.URL))

	// Another district's office finds nothing there.
	must(t, chromedp.Do(phone, signOutSteps, signInSteps(e.URL, *office3.Phone), chromedp.Navigate(reportURL),
		chromedp.WaitVisible(chromedp.CSS("h1"))))
	if h := textOf(t, phone, chromedp.CSS("h1")); h != "页面不存在" {
		t.Errorf("卫东区's office opened 新华区's report: %q", h)
	}

	// The city's office reads the issued report, on a desktop.
	desk := chrome(t, browsertest.Desktop, 45*time.Second)
	must(t, chromedp.Do(desk, signInSteps(e.URL, *office.Phone), chromedp.Navigate(e.URL+"/supervision/reports"),
		chromedp.WaitVisible(chromedp.CSS("main table"))))
	if list := textOf(t, desk, chromedp.CSS("main table")); !strings.Contains(list, "新华区（全区）") || !strings.Contains(list, "已通报") {
		t.Fatalf("the city's office does not list 新华区's issued report:\n%s", list)
	}
	browsertest.Screenshot(t, desk, "supervision-district-reports-city-desktop")
	axeCheck(t, desk, e.URL, "desktop", "/supervision/reports")
	must(t, chromedp.Do(desk, chromedp.Navigate(reportURL), chromedp.WaitVisible(chromedp.CSS("svg.trend-chart"))))
	if page := textOf(t, desk, chromedp.CSS("main")); !strings.Contains(page, "督促区教育局在公开征求意见期间同步开展民意调查。") {
		t.Errorf("the city's office does not read the district's measures:\n%s", page)
	}
	browsertest.Screenshot(t, desk, "supervision-district-report-desktop")
	// The decision behind a figure is the district office's to follow: the
	// city's office is told so, not shown an empty list.
	must(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(`main table a[href^="/supervision/decisions?ids="]`)),
		chromedp.WaitVisible(chromedp.CSS("p.hint"))))
	if hint := textOf(t, desk, chromedp.CSS("main")); !strings.Contains(hint, "另有1项决策事项不在您可查看的范围内") ||
		strings.Contains(hint, "没有符合条件的决策事项") {
		t.Errorf("the city's office following a figure of the district's report reads:\n%s", hint)
	}
	browsertest.Screenshot(t, desk, "supervision-district-figure-city-desktop")
	// The district's office follows the same figure to its decision.
	must(t, chromedp.Do(phone, signOutSteps, signInSteps(e.URL, *office2.Phone), chromedp.Navigate(reportURL),
		chromedp.Click(chromedp.CSS(`main table a[href^="/supervision/decisions?ids="]`)),
		chromedp.WaitVisible(chromedp.CSS("section.card"))))
	if page := textOf(t, phone, chromedp.CSS("main")); !strings.Contains(page, "新华区中小学课后服务管理办法") {
		t.Errorf("the district's office following its figure reads:\n%s", page)
	}
	browsertest.Screenshot(t, phone, "supervision-district-figure-office")
	// And the district's office's own list, on a desktop.
	desk2 := chrome(t, browsertest.Desktop, 30*time.Second)
	must(t, chromedp.Do(desk2, signInSteps(e.URL, *office2.Phone), chromedp.Navigate(reportURL),
		chromedp.WaitVisible(chromedp.CSS("svg.trend-chart"))))
	browsertest.Screenshot(t, desk2, "supervision-district-report-office-desktop")
}
