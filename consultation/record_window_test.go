package consultation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

// TestVerifyCatchesRewrittenWindow rewrites the consultation window that the
// public notice, the procedure gates and supervision's "30 days or a public
// reason" (Decree 713 Art. 15) read from the consultations row: the record's
// entries say what was published, and verification must name the entry the
// row no longer matches. The table has no immutability trigger, so the
// application's own database role could do it.
func TestVerifyCatchesRewrittenWindow(t *testing.T) {
	cases := []struct {
		name    string
		sql     string // $1: decision id
		kind    consultation.RecordKind
		problem string
	}{
		{"EndsAtLater", `UPDATE consultations SET ends_at = ends_at + interval '20 days' WHERE decision_id = $1`,
			consultation.RecordConsultationExtended, "ends"},
		{"OriginalEndsAtLater", `UPDATE consultations SET original_ends_at = original_ends_at + interval '20 days' WHERE decision_id = $1`,
			consultation.RecordConsultationOpened, "published end"},
		{"OpensAtEarlier", `UPDATE consultations SET opens_at = opens_at - interval '20 days' WHERE decision_id = $1`,
			consultation.RecordConsultationOpened, "opening"},
		{"ShorteningReason", `UPDATE consultations SET shortening_reason = '防汛形势紧急' WHERE decision_id = $1`,
			consultation.RecordConsultationOpened, "shortening reason"},
		{"ClosedEarly", `UPDATE consultations SET closed_at = opens_at + interval '1 day' WHERE decision_id = $1`,
			consultation.RecordConsultationOpened, "closed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t)
			f.open(t)
			ctx := context.Background()
			f.e.Clock.Advance(24 * time.Hour)
			if _, err := f.svc.ExtendConsultation(ctx, f.staff, f.decision.ID, f.e.Clock.Now().Add(40*24*time.Hour), "应群众要求延长"); err != nil {
				t.Fatal(err)
			}
			if r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID); err != nil || !r.OK {
				t.Fatalf("intact record: %+v, %v", r, err)
			}
			if _, err := f.e.DB.Exec(ctx, c.sql, f.decision.ID); err != nil {
				t.Fatal(err)
			}
			r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID)
			if err != nil {
				t.Fatal(err)
			}
			if seq := f.seqOf(t, c.kind, 1); r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want entry %d broken (%s), got %+v", seq, c.problem, r)
			}
		})
	}
	t.Run("Closed", func(t *testing.T) {
		f := newRecFixture(t)
		f.open(t)
		ctx := context.Background()
		f.e.Clock.Advance(32 * 24 * time.Hour)
		if _, err := f.svc.CloseDueConsultations(ctx); err != nil {
			t.Fatal(err)
		}
		if r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID); err != nil || !r.OK {
			t.Fatalf("intact closed record: %+v, %v", r, err)
		}
		if _, err := f.e.DB.Exec(ctx, `UPDATE consultations SET ends_at = ends_at + interval '5 days', closed_at = closed_at + interval '5 days'
			WHERE decision_id = $1`, f.decision.ID); err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID)
		if err != nil {
			t.Fatal(err)
		}
		if seq := f.seqOf(t, consultation.RecordConsultationClosed, 1); r.OK || r.FirstBadSeq != seq {
			t.Fatalf("want entry %d broken, got %+v", seq, r)
		}
	})
}
