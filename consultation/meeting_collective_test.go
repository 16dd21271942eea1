package consultation_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/workday"
)

// TestOnePersonMeetingIsNoCollectiveDiscussion (outside check adm): Decree
// 713 Art. 30 wants the draft discussed collectively at the executive or
// plenary meeting. On the old code an admin could keep a composition of
// the head alone (quorum: one) and a "meeting" of the head by himself then
// counted as the collective discussion and decision. A composition now
// needs the head and at least two other members; a meeting against a
// smaller composition kept before the rule is refused.
func TestOnePersonMeetingIsNoCollectiveDiscussion(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	for _, n := range []int{0, 1} {
		_, err := f.svc.SetMeetingComposition(ctx, f.admin(t), "pdsszf", testComposition(n))
		e, ok := errs.As(err)
		if !ok || e.Code != "too_few_members" || e.Basis != "Decree 713 Art. 30" || e.Kind != errs.KindInvalid {
			t.Fatalf("composition of %d: got %v, want 422 too_few_members with Art. 30", n+1, err)
		}
	}
	c, err := f.svc.GetMeetingComposition(ctx, f.admin(t), "pdsszf")
	if err != nil || len(c.Members) != 9 {
		t.Fatalf("a refused composition changed the one kept: %+v %v", c, err)
	}
	if _, err := f.svc.SetMeetingComposition(ctx, f.admin(t), "pdsszf", testComposition(2)); err != nil {
		t.Fatalf("the head and two members: %v", err)
	}

	// A composition of the head alone kept before the rule.
	if _, err := f.e.DB.Exec(ctx, `DELETE FROM meeting_members WHERE name <> '张市长'
		AND decision_body_id = (SELECT id FROM agencies WHERE code = 'pdsszf')`); err != nil {
		t.Fatal(err)
	}
	d, hash := signedOff(t, f, consultation.OutcomeLawful)
	today := f.e.Clock.Now().In(workday.Location())
	in := meetingInput(hash, time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC))
	in.Members, in.Dissent = []consultation.MeetingMember{{Name: "张市长"}}, nil
	_, err = f.svc.RecordDeliberation(ctx, f.body, d.ID, in)
	e, ok := errs.As(err)
	if !ok || e.Code != "meeting_composition_too_small" || e.Basis != "Decree 713 Art. 30" {
		t.Fatalf("the head alone: got %v, want meeting_composition_too_small with Art. 30", err)
	}
	got, _ := f.svc.GetDecision(ctx, f.staff, d.ID)
	if got.Status != consultation.StatusUnderReview {
		t.Fatalf("a refused meeting changed the stage to %s", got.Status)
	}
}
