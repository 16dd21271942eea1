package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestHearingAsksUnverifiedToVerify: a resident who has not verified the
// phone number is told on the hearing notice to verify it first, with the
// link, as on the comment form and the survey; they were offered the
// application form and, after filling it in, refused with no way on.
func TestHearingAsksUnverifiedToVerify(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	h := openHearing(t, e)
	if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: "13700001235", Password: "secret-pass-1"}); err != nil {
		t.Fatal(err)
	}
	sess, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: "13700001235", Password: "secret-pass-1"})
	must(t, err)
	path := fmt.Sprintf("/hearings/%d", h.ID)
	_, body := newBrowser(t, e.URL, sess.Token).get(path)
	if !strings.Contains(body, `href="/verify"`) || strings.Contains(body, `action="`+path+`/apply"`) {
		t.Errorf("an unverified resident is offered the form, not told to verify:\n%s", snippet(body))
	}
	_, token := e.Account(identity.RoleResident, "")
	if _, body = newBrowser(t, e.URL, token).get(path); !strings.Contains(body, `action="`+path+`/apply"`) {
		t.Errorf("a verified resident is not offered the form:\n%s", snippet(body))
	}
}

// TestHearingNoticeNamesDecisionAndOrganiser: a hearing notice is often
// published while its decision is still in drafting, whose own page is not
// public; the notice then named neither the decision it is about nor who
// holds the hearing (the breadcrumb was left out, and nothing else said
// it). It names both.
func TestHearingNoticeNamesDecisionAndOrganiser(t *testing.T) {
	e := newPagesEnv(t)
	h := openHearing(t, e)
	_, body := newBrowser(t, e.URL, "").get(fmt.Sprintf("/hearings/%d", h.ID))
	wantContains(t, "the notice", body, "<dt>决策事项</dt><dd>平顶山市城区义务教育学校划片调整方案</dd>", "<dt>组织单位</dt><dd>平顶山市教育局</dd>")
}

// TestStaffHearingPageSaysMaterialsAreLate: once the last day for the
// materials (7 days before the hearing) has passed with a participant
// still without them, the lead unit's page says the hearing cannot go on
// as announced and points to postponing it; it only repeated the date,
// as if there were still time.
func TestStaffHearingPageSaysMaterialsAreLate(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	h := openHearing(t, e)
	for _, side := range []string{"支持方", "反对方"} {
		a, _ := e.Account(identity.RoleResident, "")
		if _, err := e.Hearing.ApplyToHearing(ctx, &a, h.ID, hearing.ApplicationInput{Side: side, PublicName: "居民" + side}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Set(h.ApplicationsCloseAt)
	_, err := e.Hearing.DrawParticipants(ctx, &e.staff, h.ID)
	must(t, err)
	_, err = e.Hearing.PublishHearingParticipants(ctx, &e.staff, h.ID)
	must(t, err)
	page := fmt.Sprintf("/staff/decisions/%d/hearings/%d", h.DecisionID, h.ID)
	sess := func() string {
		s, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: *e.staff.Phone, Password: testenv.Password})
		must(t, err)
		return s.Token
	}
	if _, body := newBrowser(t, e.URL, sess()).get(page); strings.Contains(body, "materials-late") {
		t.Fatalf("materials said late while there is time:\n%s", snippet(body))
	}
	// The hearing is 30 days after the notice: the last day is day 23.
	e.Clock.Set(h.StartsAt.AddDate(0, 0, -6))
	_, body := newBrowser(t, e.URL, sess()).get(page)
	wantContains(t, "the staff page", body, `id="materials-late"`, "最迟送达日期已过", "延期")
}

// TestCancelledHearingMarkedOnDecisionPage: the decision's page lists its
// hearings; a cancelled one was listed like the others, with its time and
// place, as if it would still take place.
func TestCancelledHearingMarkedOnDecisionPage(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	d := e.decision(t, "平顶山市城区义务教育学校划片调整方案")
	e.publish(t, d)
	now := e.Clock.Now()
	h, err := e.Hearing.CreateHearing(ctx, &e.staff, d.ID, hearing.HearingInput{Title: "划片调整方案听证会", Place: "市政务服务中心",
		StartsAt: now.Add(30 * 24 * time.Hour), ApplicationsCloseAt: now.Add(14 * 24 * time.Hour), Sides: []string{"支持方", "反对方"},
		SeatsPerSide: 1})
	must(t, err)
	_, err = e.Hearing.PublishHearingNotice(ctx, &e.staff, h.ID)
	must(t, err)
	_, err = e.Hearing.CancelHearing(ctx, &e.staff, h.ID, "方案需重新论证。")
	must(t, err)
	_, body := newBrowser(t, e.URL, "").get(fmt.Sprintf("/decisions/%d", d.ID))
	wantContains(t, "the decision page", body, "划片调整方案听证会</a>（", "，已取消）")
}
