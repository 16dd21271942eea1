package hearing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/identity"
)

// openHearing is a hearing of the scene's decision on 25 March with
// applications open until the 18th, its notice and selection method
// published, on sides.
func (s *scene) openHearing(t *testing.T, sides []string, seats int) hearing.Hearing {
	t.Helper()
	hs := s.e.Hearing
	h, err := hs.CreateHearing(s.ctx, s.staff, s.d.ID, hearing.HearingInput{Title: "划片调整方案听证会", Place: "市政务服务中心三楼听证室",
		StartsAt: shanghai(2026, 3, 25, 9), ApplicationsCloseAt: shanghai(2026, 3, 18, 17), Sides: sides, SeatsPerSide: seats})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingNotice(s.ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	if h, err = hs.PublishHearingSelectionMethod(s.ctx, s.staff, h.ID, "每方以公开可验证的抽签方式遴选，其余为候补。"); err != nil {
		t.Fatal(err)
	}
	return h
}

// A decision withheld from consultation (not_disclosable, Art. 14: 依法不予
// 公开的决策事项除外) had its hearing's notice publish its draft and
// explanation to everyone, while the decision and its versions answered
// 404 to the public. The hearing is refused with the article.
func TestHearingOnWithheldDecisionRefused(t *testing.T) {
	s := newScene(t)
	ctx, e := s.ctx, s.e
	d, err := e.Consultation.CreateDecision(ctx, s.staff, consultation.DecisionInput{Title: "中小学校园安全防范工作方案",
		Summary: "校园安保部署。", Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf",
		LeadAgency: "jyj", NotDisclosable: true, NotDisclosableReason: "涉及校园安保部署，依法不予公开。"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.CreateDraftVersion(ctx, s.staff, d.ID, consultation.DraftVersionInput{Text: "第一条 学校应当配备专职保安。",
		Explanation: "涉及安保部署。", LegalBasis: []string{"《中小学幼儿园安全管理办法》"}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Hearing.CreateHearing(ctx, s.staff, d.ID, hearing.HearingInput{Title: "校园安全防范方案听证会", Place: "市教育局",
		StartsAt: shanghai(2026, 3, 25, 9), ApplicationsCloseAt: shanghai(2026, 3, 18, 17), Sides: []string{"家长", "学校"}, SeatsPerSide: 1})
	if e := wantCode(t, err, "hearing_decision_not_disclosable"); e.Basis != hearing.BasisChannels {
		t.Fatalf("basis %q", e.Basis)
	}
	if list, err := e.Hearing.ListHearings(ctx, s.staff, d.ID); err != nil || len(list) != 0 {
		t.Fatalf("a refused hearing was created: %d %v", len(list), err)
	}
}

// A draw with a declared side that nobody applied for went through, and
// then the list could never be published (hearing_side_unrepresented) and
// nothing could be done: applications could not be reopened once drawn.
// The draw is refused, naming the side; the lead unit extends applications
// (and the hearing) with a public reason, someone applies for the side,
// and the draw goes through.
func TestDrawRefusedWhileASideHasNoApplicant(t *testing.T) {
	s := newScene(t)
	ctx, e, hs := s.ctx, s.e, s.e.Hearing
	h := s.openHearing(t, []string{"支持方", "反对方", "其他利害关系方"}, 1)
	people := residents(t, e, 3)
	for i, side := range []string{"支持方", "反对方"} {
		if _, err := hs.ApplyToHearing(ctx, &people[i], h.ID, hearing.ApplicationInput{Side: side, PublicName: "居民" + side}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Set(shanghai(2026, 3, 18, 18))
	_, err := hs.DrawParticipants(ctx, s.staff, h.ID)
	if e := wantCode(t, err, "hearing_side_without_applicants"); !strings.Contains(e.Message, "其他利害关系方") {
		t.Fatalf("the refusal does not name the side: %s", e.Message)
	}
	if got, _ := hs.GetHearing(ctx, s.staff, h.ID); got.DrawnAt != nil {
		t.Fatal("a refused draw was done")
	}
	newClose := shanghai(2026, 3, 30, 17)
	if _, err := hs.RescheduleHearing(ctx, s.staff, h.ID, hearing.RescheduleInput{StartsAt: shanghai(2026, 4, 8, 9),
		ApplicationsCloseAt: newClose, Reason: "其他利害关系方无人报名，延长报名时间，听证会相应延期。"}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.ApplyToHearing(ctx, &people[2], h.ID, hearing.ApplicationInput{Side: "其他利害关系方", PublicName: "学校代表"}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(newClose)
	if _, err := hs.DrawParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
}

// Materials could be recorded as delivered years before anyone was
// selected (2020-01-01 for a draw in 2026), which made the 7-day rule a
// matter of typing an early date. A delivery before the participant was
// selected is refused.
func TestDeliveryBeforeSelectionRefused(t *testing.T) {
	s := newScene(t)
	ctx, e, hs := s.ctx, s.e, s.e.Hearing
	h := s.openHearing(t, []string{"支持方", "反对方"}, 1)
	people := residents(t, e, 2)
	for i, side := range []string{"支持方", "反对方"} {
		if _, err := hs.ApplyToHearing(ctx, &people[i], h.ID, hearing.ApplicationInput{Side: side, PublicName: "居民" + side}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Set(shanghai(2026, 3, 18, 18))
	if _, err := hs.DrawParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	ps, err := hs.Participants(ctx, s.staff, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2020-01-01", "2026-03-17"} {
		_, err = hs.RecordHearingMaterialsDelivery(ctx, s.staff, h.ID, hearing.DeliveryInput{ApplicationID: ps[0].ApplicationID,
			DeliveredOn: day, Method: "当面送达"})
		wantCode(t, err, "delivered_before_selection")
	}
	if _, err := hs.RecordHearingMaterialsDelivery(ctx, s.staff, h.ID, hearing.DeliveryInput{ApplicationID: ps[0].ApplicationID,
		DeliveredOn: "2026-03-18", Method: "当面送达"}); err != nil {
		t.Fatal(err)
	}
}

// The lead unit's withdrawal of the decision left its hearing open for
// applications. An application is refused once the decision has left the
// stages where the public is heard, and on a cancelled hearing.
func TestApplicationsStopWithTheDecisionOrTheHearing(t *testing.T) {
	s := newScene(t)
	ctx, e, hs := s.ctx, s.e, s.e.Hearing
	h := s.openHearing(t, []string{"支持方", "反对方"}, 1)
	people := residents(t, e, 2)
	if _, err := e.Consultation.WithdrawDecision(ctx, s.staff, s.d.ID, "方案另行研究。"); err != nil {
		t.Fatal(err)
	}
	_, err := hs.ApplyToHearing(ctx, &people[0], h.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "张女士"})
	wantCode(t, err, "participation_not_allowed_in_stage")

	s2 := newScene(t)
	h2 := s2.openHearing(t, []string{"支持方", "反对方"}, 1)
	p2 := residents(t, s2.e, 1)
	if _, err := s2.e.Hearing.CancelHearing(s2.ctx, s2.staff, h2.ID, "决策方案需重新论证，本次听证会取消。"); err != nil {
		t.Fatal(err)
	}
	_, err = s2.e.Hearing.ApplyToHearing(s2.ctx, &p2[0], h2.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "张女士"})
	wantCode(t, err, "hearing_cancelled")
	got, err := s2.e.Hearing.GetHearing(s2.ctx, nil, h2.ID)
	if err != nil || got.CancelledAt == nil || got.AcceptsApplications(s2.e.Clock.Now()) {
		t.Fatalf("the cancelled hearing as the public sees it: %+v %v", got, err)
	}
	_ = identity.RoleResident
	_ = time.Second
}
