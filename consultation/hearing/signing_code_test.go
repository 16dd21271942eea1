package hearing_test

import (
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/hearing"
)

// A participant could have the platform send a signing code once a
// minute, all day long: 1,440 SMS a day on the platform's account, and
// five more guesses at the code with each (outside check sec2). Five codes
// in 24 hours; the sixth is refused with the wait until the first leaves
// the window, and then one more is sent.
func TestSigningCodesPerDay(t *testing.T) {
	s := newScene(t)
	e, ctx, hs := s.e, s.ctx, s.e.Hearing
	if _, err := hs.SetHearingRequirement(ctx, s.staff, s.d.ID, hearing.GroundsBoth, "涉及学生家长切身利益。"); err != nil {
		t.Fatal(err)
	}
	start := shanghai(2026, 3, 25, 9)
	h, err := hs.CreateHearing(ctx, s.staff, s.d.ID, hearing.HearingInput{Title: "划片调整听证会", Place: "市政务服务中心",
		StartsAt: start, ApplicationsCloseAt: shanghai(2026, 3, 18, 17), Sides: []string{"支持方", "反对方"}, SeatsPerSide: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingNotice(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingSelectionMethod(ctx, s.staff, h.ID, "每方抽签遴选1人。"); err != nil {
		t.Fatal(err)
	}
	people := residents(t, e, 2)
	person := people[0]
	app, err := hs.ApplyToHearing(ctx, &person, h.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "张女士"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := hs.ApplyToHearing(ctx, &people[1], h.ID, hearing.ApplicationInput{Side: "反对方", PublicName: "王先生"})
	if err != nil {
		t.Fatal(err)
	}
	e.Clock.Set(shanghai(2026, 3, 18, 17))
	if _, err := hs.DrawParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.PublishHearingParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{app.ID, other.ID} {
		if _, err := hs.RecordHearingMaterialsDelivery(ctx, s.staff, h.ID, hearing.DeliveryInput{ApplicationID: id,
			DeliveredOn: "2026-03-18", Method: "当面送达"}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock.Set(start.Add(3 * time.Hour))
	if _, err := hs.RecordHearingMinutes(ctx, s.staff, h.ID, hearing.MinutesInput{Summary: "听证会如期举行。",
		Statements: []hearing.StatementInput{{ApplicationID: &app.ID, Points: "支持调整。", Reasons: "就近入学。"},
			{ApplicationID: &other.ID, Points: "反对调整。", Reasons: "通勤太远。"}}}); err != nil {
		t.Fatal(err)
	}
	first := e.Clock.Now()
	for i := 0; i < hearing.SigningCodesPerDay; i++ {
		if err := hs.SendSigningCode(ctx, &person, h.ID); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
		e.Clock.Advance(2 * time.Minute)
	}
	e.Clock.Set(first.Add(23 * time.Hour))
	refused := wantCode(t, hs.SendSigningCode(ctx, &person, h.ID), "sms_limit_reached")
	if refused.RetryAfter != time.Hour {
		t.Errorf("the participant is told to wait %s, want the hour until the first code is a day old", refused.RetryAfter)
	}
	e.Clock.Set(first.Add(24*time.Hour + time.Second))
	if err := hs.SendSigningCode(ctx, &person, h.ID); err != nil {
		t.Fatalf("a day after the first code: %v", err)
	}
	if _, err := hs.SignHearingMinutes(ctx, &person, h.ID, e.SMS.Code(*person.Phone), ""); err != nil {
		t.Fatal(err)
	}
}
