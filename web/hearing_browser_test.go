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
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// TestHearingInBrowser: a resident applies to a hearing on a phone, saying
// which side they speak for; after the draw, the list, the materials and
// the hearing, they sign the hearing record on the phone with an SMS code.
// The public draw check recomputes the draw in the browser, and the staff
// pages of the hearing show each step (screenshots at 390 px and desktop).
func TestHearingInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	ctx, staff := context.Background(), e.staff
	resident, _ := e.Account(identity.RoleResident, "")
	loc := workday.Location()
	// The browser keeps real time: session cookies expire by it, so the
	// story starts tomorrow and only moves forward.
	now := e.Clock.Now().In(loc)
	day := func(n, hour int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+1+n, hour, 0, 0, 0, loc)
	}
	e.Clock.Set(day(0, 9))
	d, err := e.Consultation.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市城区义务教育学校划片调整方案",
		Summary: "调整城区学校招生片区。", Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	must(t, err)
	_, err = e.Consultation.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{
		Text: "第一条 为合理配置教育资源，制定本方案。\n第二条 城区学校招生片区按本方案附图调整。", Explanation: "依据义务教育法第十二条调整片区。",
		LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	must(t, err)
	hs := e.Hearing
	start := day(23, 9)
	h, err := hs.CreateHearing(ctx, &staff, d.ID, hearing.HearingInput{Title: "城区学校划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: start, ApplicationsCloseAt: day(14, 17), Sides: []string{"支持方", "反对方"}, SeatsPerSide: 3})
	must(t, err)
	_, err = hs.PublishHearingNotice(ctx, &staff, h.ID)
	must(t, err)
	_, err = hs.PublishHearingSelectionMethod(ctx, &staff, h.ID, "按报名人所选参加方分组，每方以公开可验证的抽签方式遴选3人。")
	must(t, err)
	others := make([]identity.Account, 3)
	for i := range others {
		others[i], _ = e.Account(identity.RoleResident, "")
		side := []string{"支持方", "支持方", "反对方"}[i]
		_, err := hs.ApplyToHearing(ctx, &others[i], h.ID, hearing.ApplicationInput{Side: side, PublicName: fmt.Sprintf("居民代表%d", i+1)})
		must(t, err)
	}

	phone := chrome(t, browsertest.Phone, 60*time.Second)
	login := func(bctx context.Context, acct identity.Account, next string) {
		t.Helper()
		must(t, chromedp.Do(bctx,
			chromedp.Navigate(e.URL+"/login?next="+next),
			loginFormSteps(*acct.Phone, testenv.Password),
		))
		tctx, c := context.WithTimeout(bctx, 5*time.Second)
		defer c()
		if err := chromedp.Do(tctx, chromedp.WaitVisible(chromedp.CSS(`header.site form button`))); err != nil {
			html, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("login: %v\n%s", err, html)
		}
	}
	// The resident finds the hearing from the decision's public page.
	_, err = e.Consultation.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{
		EndsAt: day(0, 9).Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台逐条提出意见", ShowComments: true})
	must(t, err)
	notice := fmt.Sprintf("/hearings/%d", h.ID)
	login(phone, resident, fmt.Sprintf("/decisions/%d", d.ID))
	must(t, chromedp.Do(phone, chromedp.Navigate(fmt.Sprintf("%s/decisions/%d", e.URL, d.ID)),
		chromedp.Click(chromedp.CSS(`#hearings a[href="`+notice+`"]`)), chromedp.WaitVisible(chromedp.ID("apply-title"))))
	browsertest.Screenshot(t, phone, "hearing-notice-phone")
	noSideScroll(t, phone, "notice")
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`label[for="f-side-1"]`)),
		chromedp.SendKeys(chromedp.ID("f-public_name"), "王女士"),
		chromedp.SendKeys(chromedp.ID("f-statement"), "新片区上学要穿过建设路，希望保留原片区。"),
		chromedp.Click(chromedp.CSS(`#my-application form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#my-application .notice.ok`)),
	))
	mine := textOf(t, phone, chromedp.CSS(`#my-application .notice.ok`))
	if !strings.Contains(mine, "A004") || !strings.Contains(mine, "反对方") || !strings.Contains(mine, "王女士") {
		t.Fatalf("application confirmation: %q", mine)
	}
	browsertest.Screenshot(t, phone, "hearing-applied-phone")

	// Applications close; staff draw, publish the list, deliver the
	// materials 7 days before and record the hearing.
	e.Clock.Set(day(15, 9))
	_, err = hs.DrawParticipants(ctx, &staff, h.ID)
	must(t, err)
	_, err = hs.PublishHearingParticipants(ctx, &staff, h.ID)
	must(t, err)
	e.Clock.Set(day(16, 9))
	ps, err := hs.Participants(ctx, &staff, h.ID)
	must(t, err)
	var in hearing.MinutesInput
	in.Summary = "听证会于" + start.Format("2006年1月2日") + "举行，4名听证参加人出席并发言。"
	for _, p := range ps {
		_, err := hs.RecordHearingMaterialsDelivery(ctx, &staff, h.ID, hearing.DeliveryInput{ApplicationID: p.ApplicationID, DeliveredOn: day(16, 0).Format(time.DateOnly), Method: "当面送达"})
		must(t, err)
		id := p.ApplicationID
		in.Statements = append(in.Statements, hearing.StatementInput{ApplicationID: &id, Points: p.Side + "：片区应兼顾就近入学。", Reasons: "通勤安全。"})
	}
	e.Clock.Set(start.Add(3 * time.Hour))
	_, err = hs.RecordHearingMinutes(ctx, &staff, h.ID, in)
	must(t, err)

	// The public draw check agrees when recomputed in the browser.
	must(t, chromedp.Do(phone, chromedp.Navigate(e.URL+notice+"/draw"),
		chromedp.WaitVisible(chromedp.CSS(`#browser-check[data-state="match"]`))))
	browsertest.Screenshot(t, phone, "hearing-draw-phone")
	noSideScroll(t, phone, "draw check")

	// The resident signs the record on the phone (their session expired
	// with the weeks that passed: they sign in again).
	login(phone, resident, notice+"/sign")
	must(t, chromedp.Do(phone, chromedp.Navigate(e.URL+notice+"/sign"), chromedp.WaitVisible(chromedp.ID("minutes-title"))))
	browsertest.Screenshot(t, phone, "hearing-sign-phone")
	noSideScroll(t, phone, "signing page")
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`form[action$="/sign/code"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`main > .notice.ok`)),
	))
	code := e.SMS.Code(*resident.Phone)
	if code == "" {
		t.Fatal("no signing code sent")
	}
	must(t, chromedp.Do(phone,
		chromedp.SendKeys(chromedp.ID("f-code"), code),
		chromedp.Click(chromedp.CSS(`form[action$="/sign"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("signed")),
	))
	browsertest.Screenshot(t, phone, "hearing-signed-phone")
	var kind *string
	for _, p := range ps {
		if p.PublicName == "王女士" {
			ps2, _ := hs.Participants(ctx, &staff, h.ID)
			for _, q := range ps2 {
				if q.ApplicationID == p.ApplicationID {
					kind = q.SignatureKind
				}
			}
		}
	}
	if kind == nil || *kind != "sms" {
		t.Fatalf("signature kind %v", kind)
	}

	// Staff pages at desktop width.
	desk := chrome(t, browsertest.Desktop, 60*time.Second)
	login(desk, staff, "/staff/decisions")
	must(t, chromedp.Do(desk, chromedp.Navigate(fmt.Sprintf("%s/staff/decisions/%d/hearings/%d", e.URL, d.ID, h.ID)),
		chromedp.WaitVisible(chromedp.ID("step-report"))))
	browsertest.Screenshot(t, desk, "staff-hearing-desktop")
	steps := textOf(t, desk, chromedp.ID("step-participants"))
	if !strings.Contains(steps, "本人在平台以短信验证码签字") || !strings.Contains(steps, "尚未签字") {
		t.Fatalf("staff page signatures: %q", steps)
	}
	must(t, chromedp.Do(desk, chromedp.Navigate(fmt.Sprintf("%s/staff/decisions/%d/participation", e.URL, d.ID)),
		chromedp.WaitVisible(chromedp.ID("opinions"))))
	browsertest.Screenshot(t, desk, "staff-participation-desktop")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+notice), chromedp.WaitVisible(chromedp.ID("list-title"))))
	browsertest.Screenshot(t, desk, "hearing-notice-desktop")
}
