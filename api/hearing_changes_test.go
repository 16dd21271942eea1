package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// hearingStory is a hearing of 市教育局 on 25 March with applications open
// until the 18th, its notice and selection method published, as the tests
// of what happens after a notice start it.
type hearingStory struct {
	e      *testenv.Env
	staff  identity.Account
	tok    string
	h      hearing.Hearing
	people []identity.Account
}

func cst(m time.Month, d, h int) time.Time {
	return time.Date(2026, m, d, h, 0, 0, 0, workday.Location())
}

func newHearingStory(t *testing.T, sides []string, seats, people int) *hearingStory {
	t.Helper()
	e := newCity(t, "pdsszf", "jyj")
	e.Clock.Set(cst(3, 2, 9))
	s := &hearingStory{e: e}
	s.staff, s.tok = e.Account(identity.RoleAgencyStaff, "jyj")
	d, _ := draftDecision(t, e, &s.staff, consultation.DecisionInput{Title: "城区学校划片调整方案", Summary: "调整片区。",
		Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "jyj"},
		consultation.DraftVersionInput{Text: "第一条 为合理配置教育资源，制定本方案。", Explanation: "起草说明。",
			LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	ctx, hs := context.Background(), e.Hearing
	h, err := hs.CreateHearing(ctx, &s.staff, d.ID, hearing.HearingInput{Title: "划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: cst(3, 25, 9), ApplicationsCloseAt: cst(3, 18, 17), Sides: sides, SeatsPerSide: seats})
	must(t, err)
	_, err = hs.PublishHearingNotice(ctx, &s.staff, h.ID)
	must(t, err)
	s.h, err = hs.PublishHearingSelectionMethod(ctx, &s.staff, h.ID, "每方以公开可验证的抽签方式遴选，其余为候补，入选者退出的按排序递补。")
	must(t, err)
	for i := 0; i < people; i++ {
		a, _ := e.Account(identity.RoleResident, "")
		s.people = append(s.people, a)
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// token signs the account in again (sessions last a day; the stories run
// for weeks).
func (s *hearingStory) token(t *testing.T, a identity.Account) string {
	t.Helper()
	sess, err := s.e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *a.Phone, Password: testenv.Password})
	must(t, err)
	return sess.Token
}

func (s *hearingStory) apply(t *testing.T, i int, side string) hearing.Application {
	t.Helper()
	a, err := s.e.Hearing.ApplyToHearing(context.Background(), &s.people[i], s.h.ID, hearing.ApplicationInput{Side: side,
		PublicName: fmt.Sprintf("居民%d", i+1)})
	must(t, err)
	return a
}

func (s *hearingStory) path(rest string) string { return fmt.Sprintf("/hearings/%d%s", s.h.ID, rest) }

// TestHearingCancelledAfterNotice: the lead unit cancels a hearing whose
// notice is out, with a public reason; applications stop and the notice
// says so. There was no way to cancel: the notice kept inviting
// applications for a hearing that would not take place.
func TestHearingCancelledAfterNotice(t *testing.T) {
	s := newHearingStory(t, []string{"支持方", "反对方"}, 1, 1)
	s.e.Do(http.MethodPost, s.path("/cancellation"), s.tok, map[string]any{"reason": " "}).Expect(t, 422, "reason_required")
	var h struct {
		CancelledAt  *time.Time `json:"cancelled_at"`
		CancelReason *string    `json:"cancel_reason"`
	}
	r := s.e.Do(http.MethodPost, s.path("/cancellation"), s.tok, map[string]any{"reason": "决策方案需重新论证，本次听证会取消。"}).Expect(t, 200, "")
	r.JSON(t, &h)
	if h.CancelledAt == nil || h.CancelReason == nil || *h.CancelReason != "决策方案需重新论证，本次听证会取消。" {
		t.Fatalf("cancelled hearing: %s", r.Body)
	}
	s.e.Do(http.MethodGet, s.path(""), "", nil).Expect(t, 200, "").JSON(t, &h)
	if h.CancelledAt == nil {
		t.Fatal("the public notice does not say the hearing is cancelled")
	}
	s.e.Do(http.MethodPost, s.path("/applications"), s.token(t, s.people[0]), map[string]any{"side": "支持方", "public_name": "李先生"}).
		Expect(t, 409, "hearing_cancelled")
	s.e.Do(http.MethodPost, s.path("/cancellation"), s.tok, map[string]any{"reason": "再次取消"}).Expect(t, 409, "hearing_cancelled")
}

// TestHearingRescheduled: the lead unit moves a hearing to a later day and
// another room with a public reason; the notice shows the new time and
// place and what they were. An earlier day is refused once the notice is
// out, as is a change without a reason.
func TestHearingRescheduled(t *testing.T) {
	s := newHearingStory(t, []string{"支持方", "反对方"}, 1, 0)
	later := cst(4, 8, 9)
	s.e.Do(http.MethodPost, s.path("/schedule"), s.tok, map[string]any{"starts_at": later, "reason": ""}).Expect(t, 422, "reason_required")
	s.e.Do(http.MethodPost, s.path("/schedule"), s.tok, map[string]any{"starts_at": cst(3, 24, 9), "reason": "提前举行"}).
		Expect(t, 409, "hearing_reschedule_earlier")
	r := s.e.Do(http.MethodPost, s.path("/schedule"), s.tok, map[string]any{"starts_at": later, "place": "市政务服务中心五楼会议室",
		"reason": "原听证室维修，听证会延期并变更地点。"}).Expect(t, 200, "")
	var h struct {
		StartsAt    time.Time `json:"starts_at"`
		Place       string    `json:"place"`
		Reschedules []struct {
			OldStartsAt time.Time `json:"old_starts_at"`
			NewStartsAt time.Time `json:"new_starts_at"`
			OldPlace    string    `json:"old_place"`
			Reason      string    `json:"reason"`
		} `json:"reschedules"`
	}
	s.e.Do(http.MethodGet, s.path(""), "", nil).Expect(t, 200, "").JSON(t, &h)
	if !h.StartsAt.Equal(later) || h.Place != "市政务服务中心五楼会议室" || len(h.Reschedules) != 1 ||
		!h.Reschedules[0].OldStartsAt.Equal(cst(3, 25, 9)) || h.Reschedules[0].OldPlace != "市政务服务中心三楼听证室" ||
		!strings.Contains(h.Reschedules[0].Reason, "维修") {
		t.Fatalf("rescheduled hearing as the public sees it: %s (answer %s)", mustBody(t, s, ""), r.Body)
	}
}

func mustBody(t *testing.T, s *hearingStory, rest string) string {
	return string(s.e.Do(http.MethodGet, s.path(rest), "", nil).Body)
}

// TestHearingParticipantWithdrawsAndIsReplaced: a selected participant
// withdraws before the hearing; the next of their side in the published
// draw takes the seat (递补) and the list and the draw check say so. There
// was no way to withdraw, and the alternates the draw ranked (其余为候补)
// were never used.
func TestHearingParticipantWithdrawsAndIsReplaced(t *testing.T) {
	s := newHearingStory(t, []string{"支持方", "反对方"}, 1, 3)
	codes := map[string]identity.Account{}
	for i, side := range []string{"支持方", "支持方", "反对方"} {
		codes[s.apply(t, i, side).Code] = s.people[i]
	}
	s.e.Clock.Set(cst(3, 18, 18))
	ctx := context.Background()
	_, err := s.e.Hearing.DrawParticipants(ctx, &s.staff, s.h.ID)
	must(t, err)
	_, err = s.e.Hearing.PublishHearingParticipants(ctx, &s.staff, s.h.ID)
	must(t, err)
	ps, err := s.e.Hearing.Participants(ctx, nil, s.h.ID)
	must(t, err)
	var leaving, staying string
	for _, p := range ps {
		if p.Side == "支持方" {
			leaving = p.Code
		}
	}
	for c := range codes {
		if c != leaving && c != "A003" {
			staying = c
		}
	}
	tok := s.token(t, codes[leaving])
	s.e.Do(http.MethodPost, s.path("/withdrawals"), tok, map[string]any{"reason": "临时出差"}).Expect(t, 200, "")
	s.e.Do(http.MethodPost, s.path("/withdrawals"), tok, map[string]any{}).Expect(t, 409, "hearing_application_withdrawn")
	var list struct {
		Items []struct {
			Code     string  `json:"code"`
			Side     string  `json:"side"`
			Replaces *string `json:"replaces"`
		} `json:"items"`
	}
	s.e.Do(http.MethodGet, s.path("/participants"), "", nil).Expect(t, 200, "").JSON(t, &list)
	found := false
	for _, p := range list.Items {
		if p.Code == leaving {
			t.Fatalf("the withdrawn participant is still on the list: %+v", list)
		}
		if p.Code == staying && p.Replaces != nil && *p.Replaces == leaving {
			found = true
		}
	}
	if !found || len(list.Items) != 2 {
		t.Fatalf("%s does not replace %s: %+v", staying, leaving, list)
	}
	var draw struct {
		Replacements []struct {
			Withdrawn   string  `json:"withdrawn"`
			Replacement *string `json:"replacement"`
		} `json:"replacements"`
	}
	s.e.Do(http.MethodGet, s.path("/draw"), "", nil).Expect(t, 200, "").JSON(t, &draw)
	if len(draw.Replacements) != 1 || draw.Replacements[0].Withdrawn != leaving || draw.Replacements[0].Replacement == nil ||
		*draw.Replacements[0].Replacement != staying {
		t.Fatalf("the draw check does not show the replacement: %+v", draw)
	}
}

// TestHearingRecordClosesWithObjectionRefusalAndAbsence: one participant
// signs the record with an objection attached, one refuses to sign with
// the reason, one did not come and the lead unit notes it; the record then
// locks and the report can be published. Before, a participant could only
// sign: a refusal or an absence left the record open for ever and the
// decision could not go to legality review (hearing_required).
func TestHearingRecordClosesWithObjectionRefusalAndAbsence(t *testing.T) {
	s := newHearingStory(t, []string{"支持方", "反对方", "学校方"}, 1, 3)
	byCode := map[string]identity.Account{}
	for i, side := range []string{"支持方", "反对方", "学校方"} {
		byCode[s.apply(t, i, side).Code] = s.people[i]
	}
	ctx, hs := context.Background(), s.e.Hearing
	s.e.Clock.Set(cst(3, 18, 18))
	_, err := hs.DrawParticipants(ctx, &s.staff, s.h.ID)
	must(t, err)
	_, err = hs.PublishHearingParticipants(ctx, &s.staff, s.h.ID)
	must(t, err)
	ps, err := hs.Participants(ctx, &s.staff, s.h.ID)
	must(t, err)
	in := hearing.MinutesInput{Summary: "听证会于2026年3月25日举行，A003未到会。"}
	for _, p := range ps {
		_, err := hs.RecordHearingMaterialsDelivery(ctx, &s.staff, s.h.ID, hearing.DeliveryInput{ApplicationID: p.ApplicationID,
			DeliveredOn: "2026-03-18", Method: "当面送达"})
		must(t, err)
		if p.Code != "A003" {
			id := p.ApplicationID
			in.Statements = append(in.Statements, hearing.StatementInput{ApplicationID: &id, Points: p.Side + "的观点。", Reasons: "理由。"})
		}
	}
	s.e.Clock.Set(cst(3, 25, 12))
	_, err = hs.RecordHearingMinutes(ctx, &s.staff, s.h.ID, in)
	must(t, err)
	tok := s.token(t, s.staff)

	// A001 signs with the code and an objection to how their part reads.
	a1 := s.token(t, byCode["A001"])
	s.e.Do(http.MethodPost, s.path("/signing-code"), a1, nil).Expect(t, 204, "")
	s.e.Do(http.MethodPost, s.path("/signatures"), a1, map[string]any{"kind": "sms", "code": s.e.SMS.Code(*byCode["A001"].Phone),
		"note": "我的发言还提到了校车接送，笔录未记载。"}).Expect(t, 200, "")
	// A002 refuses, with the reason; a refusal without one is refused.
	a2 := s.token(t, byCode["A002"])
	s.e.Do(http.MethodPost, s.path("/signatures"), a2, map[string]any{"kind": "refused", "note": ""}).Expect(t, 422, "reason_required")
	s.e.Do(http.MethodPost, s.path("/signatures"), a2, map[string]any{"kind": "refused", "note": "笔录把我的反对意见写成了附条件同意。"}).
		Expect(t, 200, "")
	// Only the lead unit notes an absence; the participant cannot.
	var a3 int64
	for _, p := range ps {
		if p.Code == "A003" {
			a3 = p.ApplicationID
		}
	}
	s.e.Do(http.MethodPost, s.path("/signatures"), s.token(t, byCode["A003"]), map[string]any{"kind": "absent", "note": "缺席"}).
		Expect(t, 403, "not_lead_unit_staff")
	var h struct {
		MinutesLockedAt *time.Time `json:"minutes_locked_at"`
	}
	s.e.Do(http.MethodPost, s.path("/signatures"), tok, map[string]any{"kind": "absent", "application_id": a3,
		"note": "经电话通知，未到会，未说明理由。"}).Expect(t, 200, "").JSON(t, &h)
	if h.MinutesLockedAt == nil {
		t.Fatal("every participant signed, refused or is noted absent, and the record is not locked")
	}
	var list struct {
		Items []struct {
			Code          string  `json:"code"`
			SignatureKind *string `json:"signature_kind"`
			SignatureNote *string `json:"signature_note"`
			SignatureOwn  bool    `json:"signature_own"`
		} `json:"items"`
	}
	s.e.Do(http.MethodGet, s.path("/participants"), "", nil).Expect(t, 200, "").JSON(t, &list)
	want := map[string][2]string{"A001": {"sms", "校车接送"}, "A002": {"refused", "附条件同意"}, "A003": {"absent", "未到会"}}
	for _, p := range list.Items {
		w := want[p.Code]
		if p.SignatureKind == nil || *p.SignatureKind != w[0] || p.SignatureNote == nil || !strings.Contains(*p.SignatureNote, w[1]) ||
			p.SignatureOwn != (p.Code != "A003") {
			t.Errorf("%s on the public list: %+v", p.Code, p)
		}
	}
	var sts struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	s.e.Do(http.MethodGet, s.path("/statements"), "", nil).Expect(t, 200, "").JSON(t, &sts)
	var answers []any
	for _, st := range sts.Items {
		answers = append(answers, map[string]any{"statement_id": st.ID, "disposition": "partially_adopted", "answer": "已研究。"})
	}
	s.e.Do(http.MethodPost, s.path("/report"), tok, map[string]any{"body": "听证报告。", "answers": answers}).Expect(t, 200, "")
}
