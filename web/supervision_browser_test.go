package web_test

import (
	"context"
	"strconv"
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

// supervisionEnv is a city with a decision under consultation and one
// whose review is overdue, an office account and a department's staff.
type supervisionEnv struct {
	*testenv.Env
	office, staff identity.Account
}

func newSupervisionEnv(t *testing.T) *supervisionEnv {
	t.Helper()
	ctx := context.Background()
	e := testenv.New(t)
	e.City("zf", "zjj")
	office, _ := e.Account(identity.RoleSupervisor, "zf")
	staff, _ := e.Account(identity.RoleAgencyStaff, "zjj")
	d, err := e.Consultation.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市老旧小区加装电梯管理办法",
		Summary: "规范加装电梯。", Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
		DecisionBody: "zf", LeadAgency: "zjj"})
	must(t, err)
	_, err = e.Consultation.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: "第一条 为规范老旧小区加装电梯，制定本办法。",
		Explanation: "起草说明。", LegalBasis: []string{"《中华人民共和国城乡规划法》"}})
	must(t, err)
	now := e.Clock.Now()
	_, err = e.Consultation.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{OpensAt: now.Add(-70 * 24 * time.Hour),
		EndsAt: now.Add(-40 * 24 * time.Hour), WaysToComment: "登录本平台提出意见", ShowComments: true})
	if err != nil {
		// A consultation may not open in the past: open now and close it at its end.
		e.Clock.Set(now.Add(-70 * 24 * time.Hour))
		_, err = e.Consultation.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{
			EndsAt: now.Add(-40 * 24 * time.Hour), WaysToComment: "登录本平台提出意见", ShowComments: true})
		must(t, err)
		e.Clock.Set(now)
	}
	_, err = e.Consultation.CloseDueConsultations(ctx)
	must(t, err)
	return &supervisionEnv{Env: e, office: office, staff: staff}
}

// The office and a department work a problem through the pages, on a
// phone; the dashboard and a monthly report are looked at on both sizes.
func TestSupervisionDeskInBrowser(t *testing.T) {
	e := newSupervisionEnv(t)
	ctx := chrome(t, browsertest.Phone, 60*time.Second)
	deadline := e.Clock.Now().AddDate(0, 0, 10).Format("2006-01-02")

	must(t, chromedp.Do(ctx,
		signInSteps(e.URL, *e.office.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/supervision"]`)),
		chromedp.WaitVisible(chromedp.ID("overdue-title")),
	))
	overdue := textOf(t, ctx, chromedp.CSS("main"))
	if !strings.Contains(overdue, "平顶山市老旧小区加装电梯管理办法") || !strings.Contains(overdue, "公布意见采纳情况") {
		t.Fatalf("the dashboard does not list the overdue adoption report:\n%s", overdue)
	}
	browsertest.Screenshot(t, ctx, "supervision-dashboard")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/supervision/problems"),
		chromedp.WaitVisible(chromedp.ID("record-title")),
		// Every problem at once in the summary.
		chromedp.Click(chromedp.CSS(`form[action="/supervision/problems"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("error-summary")),
	))
	summary := textOf(t, ctx, chromedp.ID("error-summary"))
	if strings.Count(summary, "\n") < 2 {
		t.Fatalf("the error summary does not list every problem: %q", summary)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-agency_id"), strconv.FormatInt(e.agencyID(t, "zjj"), 10)),
		chromedp.SetValue(chromedp.ID("f-rule"), "未按期公布意见采纳情况"),
		chromedp.SetValue(chromedp.ID("f-basis"), "《重大行政决策程序暂行条例》第十八条"),
		chromedp.SetValue(chromedp.ID("f-evidence"), "征求意见结束十日后仍未公布意见采纳情况说明。"),
		chromedp.SetValue(chromedp.ID("f-deadline"), deadline),
		chromedp.Click(chromedp.CSS(`form[action="/supervision/problems"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	browsertest.Screenshot(t, ctx, "supervision-problem-office")
	must(t, chromedp.Do(ctx, signOutSteps, signInSteps(e.URL, *e.staff.Phone),
		chromedp.Click(chromedp.CSS(`header.site a[href="/supervision"]`)),
		chromedp.WaitVisible(chromedp.ID("notices-title")),
		chromedp.Click(chromedp.CSS(`ul.notices a`)),
		chromedp.WaitVisible(chromedp.ID("submit-title")),
		chromedp.SetValue(chromedp.ID("f-report"), "已于本周公布意见采纳情况说明。"),
		chromedp.Click(chromedp.CSS(`form[action$="/rectification"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	browsertest.Screenshot(t, ctx, "supervision-problem-department")
	must(t, chromedp.Do(ctx, signOutSteps, signInSteps(e.URL, *e.office.Phone),
		chromedp.Navigate(e.URL+"/supervision/problems"),
		chromedp.Click(chromedp.CSS(`table a[href^="/supervision/problems/"]`)),
		chromedp.WaitVisible(chromedp.ID("verify-title")),
		chromedp.Click(chromedp.ID("close-start")),
		chromedp.WaitVisible(chromedp.ID("close-problem")),
		chromedp.Click(chromedp.ID("close-problem")),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	status := textOf(t, ctx, chromedp.CSS("dl.facts"))
	if !strings.Contains(status, "已销号") {
		t.Fatalf("the problem is not closed: %q", status)
	}
	month := supervision.MonthOf(e.Clock.Now()).String()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/supervision/reports"),
		chromedp.SetValue(chromedp.ID("f-month"), month),
		chromedp.Click(chromedp.CSS(`form[action="/supervision/reports/generate"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		chromedp.Click(chromedp.CSS(`table a[href^="/supervision/reports/"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.trend-chart")),
	))
	browsertest.Screenshot(t, ctx, "supervision-report")
	noSideScroll(t, ctx, "the page")

	desk := chrome(t, browsertest.Desktop, 30*time.Second)
	must(t, chromedp.Do(desk, signInSteps(e.URL, *e.office.Phone), chromedp.Navigate(e.URL+"/supervision"),
		chromedp.WaitVisible(chromedp.ID("overdue-title"))))
	browsertest.Screenshot(t, desk, "supervision-dashboard-desktop")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+"/supervision/reports"),
		chromedp.Click(chromedp.CSS(`table a[href^="/supervision/reports/"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.trend-chart"))))
	browsertest.Screenshot(t, desk, "supervision-report-desktop")
}

func (e *supervisionEnv) agencyID(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	must(t, e.DB.QueryRow(context.Background(), `SELECT id FROM agencies WHERE code = $1`, code).Scan(&id))
	return id
}
