package consultation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
)

// TestVerifyCatchesRewrittenDecision rewrites the decisions row, which no
// trigger guards: its domain (a livelihood domain needs a survey or a
// waiver), its lead unit (who may act on it), its title, its stage. The
// decision_created, decision_updated and stage_changed entries say what
// they are, and verification must name the entry the row contradicts.
func TestVerifyCatchesRewrittenDecision(t *testing.T) {
	cases := []struct {
		name    string
		sql     string // $1: decision id
		kind    consultation.RecordKind
		problem string
	}{
		{"Domain", `UPDATE decisions SET domain = 'other' WHERE id = $1`, consultation.RecordDecisionUpdated, "domain"},
		{"LeadUnit", `UPDATE decisions SET lead_agency_id = (SELECT id FROM agencies WHERE code = 'jyj') WHERE id = $1`,
			consultation.RecordDecisionUpdated, "lead_agency"},
		{"Title", `UPDATE decisions SET title = '平顶山市城市供水价格管理办法' WHERE id = $1`, consultation.RecordDecisionUpdated, "title"},
		{"Stage", `UPDATE decisions SET status = 'published' WHERE id = $1`, consultation.RecordStageChanged, "stage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t)
			f.open(t)
			ctx := context.Background()
			if r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID); err != nil || !r.OK {
				t.Fatalf("intact record: %+v, %v", r, err)
			}
			if _, err := f.e.DB.Exec(ctx, c.sql, f.decision.ID); err != nil {
				t.Fatal(err)
			}
			r, err := f.svc.VerifyStoredRecord(ctx, f.decision.ID)
			if err != nil {
				t.Fatal(err)
			}
			if seq := f.seqOf(t, c.kind, 1); r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want entry %d broken (%s), got %+v", seq, c.problem, r)
			}
		})
	}
}
