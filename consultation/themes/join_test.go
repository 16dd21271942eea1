package themes_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/themes"
)

// TestJoinWaitsForCheckpoint: the join takes only comments the comment
// checkpoint has grouped, up to the oldest it has not, and never groups
// (writes) comments itself; once the checkpoint has run, they all join.
func TestJoinWaitsForCheckpoint(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 300)
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	join := func(want int) {
		t.Helper()
		s.e.Clock.Advance(themes.JoinLag + time.Second)
		if n, err := s.svc.JoinNewComments(ctx); err != nil || n != want {
			t.Fatalf("joined %d (want %d), %v", n, want, err)
		}
	}
	ungrouped := func(want int) {
		t.Helper()
		var n int
		if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM comments WHERE decision_id = $1 AND group_id IS NULL`, s.d.ID).Scan(&n); err != nil || n != want {
			t.Fatalf("%d comments ungrouped (want %d), %v", n, want, err)
		}
	}
	checkpoint := func() {
		t.Helper()
		if _, err := s.e.Consultation.CheckpointComments(ctx); err != nil {
			t.Fatal(err)
		}
	}
	s.insertUngrouped(t, generate(100, 11))
	join(0)
	ungrouped(100)
	checkpoint()
	ungrouped(0)
	s.insertUngrouped(t, generate(50, 12))
	join(100) // the sealed ones, not the 50 behind them
	ungrouped(50)
	checkpoint()
	join(50)
	var members int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(DISTINCT comment_id) FROM theme_members WHERE added_by = 'incremental'`).Scan(&members); err != nil || members < 100 {
		t.Fatalf("%d of 150 new comments in a theme (%v)", members, err)
	}
}
