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

// TestHearingWhenPlansChangeInBrowser walks a hearing where things do not
// go to plan, as the people involved see it. Nobody applies for one side:
// the lead unit's page says so and the draw is refused, and staff extend
// applications and postpone the hearing with a reason the notice shows. A
// selected participant withdraws on their phone and the next of their side
// takes the seat. After the hearing one participant refuses to sign the
// record on their phone, saying why, another signs with an objection, and
// staff note that the third did not come; the record locks and the public
// notice shows how each confirmed it. A second hearing is cancelled, and
// its notice says so. Before, none of this could be done: the draw went
// through and the list could never be published, nobody could withdraw,
// the signing page offered only to sign, and a hearing could be neither
// cancelled nor moved.
func TestHearingWhenPlansChangeInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	ctx, staff, hs := context.Background(), e.staff, e.Hearing
	loc := workday.Location()
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
	h, err := hs.CreateHearing(ctx, &staff, d.ID, hearing.HearingInput{Title: "城区学校划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: day(23, 9), ApplicationsCloseAt: day(14, 17), Sides: []string{"支持方", "反对方", "学校方"}, SeatsPerSide: 1})
	must(t, err)
	_, err = hs.PublishHearingNotice(ctx, &staff, h.ID)
	must(t, err)
	_, err = hs.PublishHearingSelectionMethod(ctx, &staff, h.ID, "每方以公开可验证的抽签方式遴选1人，其余为候补，入选者退出的按排序递补。")
	must(t, err)
	people := map[string]identity.Account{}
	for i, side := range []string{"支持方", "支持方", "反对方"} {
		a, _ := e.Account(identity.RoleResident, "")
		app, err := hs.ApplyToHearing(ctx, &a, h.ID, hearing.ApplicationInput{Side: side, PublicName: fmt.Sprintf("居民代表%d", i+1)})
		must(t, err)
		people[app.Code] = a
	}
	as := func(bctx context.Context, a identity.Account) {
		t.Helper()
		login := a.Email
		if a.Phone != nil {
			login = a.Phone
		}
		sess, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: *login, Password: testenv.Password})
		must(t, err)
		sessionCookie(t, bctx, e.URL, sess.Token)
	}
	notice := fmt.Sprintf("%s/hearings/%d", e.URL, h.ID)
	staffPage := fmt.Sprintf("%s/staff/decisions/%d/hearings/%d", e.URL, d.ID, h.ID)
	desk := chrome(t, browsertest.Desktop, 4*time.Minute)
	phone := chrome(t, browsertest.Phone, 4*time.Minute)

	// Applications have closed with nobody for 学校方: the page says so,
	// and the draw is refused naming the side.
	e.Clock.Set(day(15, 9))
	as(desk, staff)
	must(t, chromedp.Do(desk, chromedp.Navigate(staffPage), chromedp.WaitVisible(chromedp.ID("empty-sides"))))
	wantContains(t, "the staff page before the draw", textOf(t, desk, chromedp.ID("empty-sides")), "学校方", "延长报名时间")
	must(t, chromedp.Do(desk, chromedp.Click(chromedp.CSS(`form[action$="/draw"] button`)), chromedp.WaitVisible(chromedp.ID("refusal"))))
	wantContains(t, "the refused draw", textOf(t, desk, chromedp.ID("refusal")), "学校方无人报名")
	browsertest.Screenshot(t, desk, "hearing-side-without-applicants-desktop")

	// Staff extend applications and postpone the hearing, with a reason.
	must(t, chromedp.Do(desk,
		chromedp.Click(chromedp.CSS(`#step-change details summary`)),
		chromedp.SetValue(chromedp.ID("f-new_starts_at"), day(33, 9).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("f-new_applications_close_at"), day(22, 17).Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.ID("f-reschedule_reason"), "学校方无人报名，延长报名时间，听证会相应延期。"),
		chromedp.Click(chromedp.CSS(`form[action$="/schedule"] button`)),
		chromedp.WaitVisible(chromedp.ID("changes-title")),
	))
	browsertest.Screenshot(t, desk, "hearing-rescheduled-staff-desktop")
	must(t, chromedp.Do(phone, chromedp.Navigate(notice), chromedp.WaitVisible(chromedp.ID("rescheduled"))))
	wantContains(t, "the notice after the change", textOf(t, phone, chromedp.ID("rescheduled")), "报名截止时间由", "延长至", "学校方无人报名")
	if txt := textOf(t, phone, chromedp.CSS(".facts")); !strings.Contains(txt, day(33, 9).Format("2006年1月2日")) {
		t.Errorf("the notice does not show the new time: %s", txt)
	}
	browsertest.Screenshot(t, phone, "hearing-rescheduled-notice-phone")
	noSideScroll(t, phone, "rescheduled notice")
	school, _ := e.Account(identity.RoleResident, "")
	app, err := hs.ApplyToHearing(ctx, &school, h.ID, hearing.ApplicationInput{Side: "学校方", PublicName: "学校代表"})
	must(t, err)
	people[app.Code] = school

	// The draw; the selected 支持方 participant withdraws on their phone.
	e.Clock.Set(day(23, 9))
	_, err = hs.DrawParticipants(ctx, &staff, h.ID)
	must(t, err)
	_, err = hs.PublishHearingParticipants(ctx, &staff, h.ID)
	must(t, err)
	ps, err := hs.Participants(ctx, nil, h.ID)
	must(t, err)
	var leaving, staying string
	for _, p := range ps {
		if p.Side == "支持方" {
			leaving = p.Code
		}
	}
	staying = map[string]string{"A001": "A002", "A002": "A001"}[leaving]
	as(phone, people[leaving])
	must(t, chromedp.Do(phone, chromedp.Navigate(notice),
		chromedp.Click(chromedp.CSS(`details.withdraw summary`)),
		chromedp.SetValue(chromedp.ID("f-withdraw_reason"), "临时出差，不能参加。"),
		chromedp.Click(chromedp.CSS(`form[action$="/withdraw"] button`)),
		chromedp.WaitVisible(chromedp.ID("withdrawn"))))
	browsertest.Screenshot(t, phone, "hearing-withdrawn-phone")
	must(t, chromedp.Do(phone, chromedp.Navigate(notice), chromedp.WaitVisible(chromedp.ID("list-title"))))
	wantContains(t, "the public list", textOf(t, phone, chromedp.CSS(`section[aria-labelledby="list-title"]`)), staying, "递补"+leaving)

	// Materials, the hearing, the record.
	ps, err = hs.Participants(ctx, nil, h.ID)
	must(t, err)
	in := hearing.MinutesInput{Summary: "听证会按期举行，学校方代表未到会。"}
	for _, p := range ps {
		_, err := hs.RecordHearingMaterialsDelivery(ctx, &staff, h.ID, hearing.DeliveryInput{ApplicationID: p.ApplicationID,
			DeliveredOn: day(23, 0).Format(time.DateOnly), Method: "当面送达"})
		must(t, err)
		if p.Side != "学校方" {
			id := p.ApplicationID
			in.Statements = append(in.Statements, hearing.StatementInput{ApplicationID: &id, Points: p.Side + "：片区应兼顾就近入学。",
				Reasons: "通勤安全。"})
		}
	}
	e.Clock.Set(day(33, 12))
	_, err = hs.RecordHearingMinutes(ctx, &staff, h.ID, in)
	must(t, err)

	// 反对方 refuses to sign, saying why.
	var against string
	for c, a := range people {
		if c != leaving && c != staying && a.ID != school.ID {
			against = c
		}
	}
	as(phone, people[against])
	must(t, chromedp.Do(phone, chromedp.Navigate(notice+"/sign"),
		chromedp.Click(chromedp.CSS(`details.refuse summary`)),
		chromedp.SetValue(chromedp.ID("f-refuse_note"), "笔录把我的反对意见写成了附条件同意。"),
		chromedp.Click(chromedp.CSS(`form[action$="/sign/refuse"] button`)),
		chromedp.WaitVisible(chromedp.ID("not-signed"))))
	wantContains(t, "the refusal", textOf(t, phone, chromedp.ID("not-signed")), "本人在平台拒绝签字", "附条件同意")
	browsertest.Screenshot(t, phone, "hearing-refused-phone")
	noSideScroll(t, phone, "signing page after a refusal")

	// The replacement signs with an objection.
	as(phone, people[staying])
	must(t, chromedp.Do(phone, chromedp.Navigate(notice+"/sign"),
		chromedp.Click(chromedp.CSS(`form[action$="/sign/code"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`main > .notice.ok`))))
	must(t, chromedp.Do(phone,
		chromedp.SendKeys(chromedp.ID("f-code"), e.SMS.Code(*people[staying].Phone)),
		chromedp.SetValue(chromedp.ID("f-note"), "我还提到了校车接送，笔录未记载。"),
		chromedp.Click(chromedp.CSS(`form[action$="/sign"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("signed"))))
	wantContains(t, "the signature", textOf(t, phone, chromedp.ID("signed")), "对笔录的异议", "校车接送")

	// Staff note that 学校方 did not attend; the record locks.
	as(desk, staff)
	var schoolApp int64
	for _, p := range ps {
		if p.Side == "学校方" {
			schoolApp = p.ApplicationID
		}
	}
	card := fmt.Sprintf("#participant-%d", schoolApp)
	must(t, chromedp.Do(desk, chromedp.Navigate(staffPage),
		chromedp.Click(chromedp.CSS(card+` details.not-signed-form summary`)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for="ns-a-%d"]`, schoolApp))),
		chromedp.SetValue(chromedp.ID(fmt.Sprintf("nn-%d", schoolApp)), "已于会前三日电话通知，未到会，未说明理由。"),
		chromedp.Click(chromedp.CSS(card+` form[action$="/not-signed"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`main > .notice.ok`))))
	wantContains(t, "the staff page", textOf(t, desk, chromedp.ID("step-minutes")), "已锁定")
	browsertest.Screenshot(t, desk, "hearing-record-closed-staff-desktop")
	as(phone, school)
	must(t, chromedp.Do(phone, chromedp.Navigate(notice), chromedp.WaitVisible(chromedp.ID("signatures"))))
	wantContains(t, "the public record", textOf(t, phone, chromedp.ID("signatures")), "本人在平台拒绝签字", "附条件同意",
		"对笔录的异议", "缺席听证会，未签字（承办单位注明）", "未到会")
	browsertest.Screenshot(t, phone, "hearing-record-signatures-phone")
	noSideScroll(t, phone, "the public record")

	// A second hearing is cancelled from the staff page; its notice says so.
	h2, err := hs.CreateHearing(ctx, &staff, d.ID, hearing.HearingInput{Title: "划片调整方案第二次听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: day(70, 9), ApplicationsCloseAt: day(50, 17), Sides: []string{"支持方", "反对方"}, SeatsPerSide: 1})
	must(t, err)
	_, err = hs.PublishHearingNotice(ctx, &staff, h2.ID)
	must(t, err)
	_, err = hs.PublishHearingSelectionMethod(ctx, &staff, h2.ID, "每方抽签1人。")
	must(t, err)
	must(t, chromedp.Do(desk, chromedp.Navigate(fmt.Sprintf("%s/staff/decisions/%d/hearings/%d", e.URL, d.ID, h2.ID)),
		chromedp.Click(chromedp.CSS(`#step-change details:nth-of-type(2) summary`)),
		chromedp.SetValue(chromedp.ID("f-cancel_reason"), "方案需重新论证，本次听证会取消。"),
		chromedp.Click(chromedp.CSS(`form[action$="/cancel"] button`)),
		chromedp.WaitVisible(chromedp.ID("cancelled"))))
	browsertest.Screenshot(t, desk, "hearing-cancelled-staff-desktop")
	must(t, chromedp.Do(phone, chromedp.Navigate(fmt.Sprintf("%s/hearings/%d", e.URL, h2.ID)), chromedp.WaitVisible(chromedp.ID("cancelled"))))
	wantContains(t, "the cancelled notice", textOf(t, phone, chromedp.ID("cancelled")), "已于", "取消", "重新论证")
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/apply"]').length`)); err != nil || n != 0 {
		t.Errorf("the cancelled hearing still offers the application form (%d, %v)", n, err)
	}
	browsertest.Screenshot(t, phone, "hearing-cancelled-notice-phone")
}
