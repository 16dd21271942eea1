package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestHearingAsksUnverifiedToVerify: a resident who has not verified the
// phone number is told on the hearing notice to verify it first, with the
// link, as on the comment form and the survey; they were offered the
// application form and, after filling it in, refused with no way on.
func TestHearingAsksUnverifiedToVerify(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	d := e.decision(t, "平顶山市城区义务教育学校划片调整方案")
	if _, err := e.Consultation.CreateDraftVersion(ctx, &e.staff, d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	h, err := e.Hearing.CreateHearing(ctx, &e.staff, d.ID, hearing.HearingInput{Title: "划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: now.Add(30 * 24 * time.Hour), ApplicationsCloseAt: now.Add(14 * 24 * time.Hour), Sides: []string{"支持方", "反对方"},
		SeatsPerSide: 3})
	must(t, err)
	_, err = e.Hearing.PublishHearingNotice(ctx, &e.staff, h.ID)
	must(t, err)
	_, err = e.Hearing.PublishHearingSelectionMethod(ctx, &e.staff, h.ID, "每方以公开可验证的抽签方式遴选3人。")
	must(t, err)
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
