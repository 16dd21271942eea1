package themes_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// strays are comments that say nothing a theme is about ("同意。"), as
// residents write them: the join leaves most of them in no theme.
func strays(n int) []genComment {
	says := []string{"同意", "支持", "没意见", "赞成", "OK", "好"}
	marks := []string{"。", "！", "!!", "", "～"}
	out := make([]genComment, n)
	for i := range out {
		out[i] = genComment{theme: "stray", article: -1, body: says[i%len(says)] + marks[i%len(marks)]}
	}
	return out
}

// TestUnthemedComments: the comments the analysis and the join left in no
// theme are listed apart (not lost from staff's view), staff put them into
// a theme, and a re-analysis keeps them there. Comments the join has not
// read yet are counted as waiting and cannot be placed by hand, so the
// join never places a comment staff placed.
func TestUnthemedComments(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 600)
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	s.insert(t, strays(12))
	s.e.Clock.Advance(themes.JoinLag + time.Second)
	if _, err := s.svc.JoinNewComments(ctx); err != nil {
		t.Fatal(err)
	}

	// What the database says is in no theme of the latest analysis.
	inNone := func() []int64 {
		t.Helper()
		rows, err := s.e.DB.Query(ctx, `SELECT c.id FROM comments c WHERE c.decision_id = $1 AND c.id NOT IN (
				SELECT m.comment_id FROM theme_members m JOIN themes th ON th.id = m.theme_id
				WHERE m.removed_at IS NULL AND th.status = 'active'
					AND th.analysis_id = (SELECT max(id) FROM theme_analyses WHERE decision_id = $1))
			ORDER BY c.id`, s.d.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		return ids
	}
	listAll := func() themes.Unthemed {
		t.Helper()
		var all themes.Unthemed
		cursor := ""
		for {
			u, err := s.svc.ListUnthemed(ctx, s.staff, s.d.ID, 5, cursor)
			if err != nil {
				t.Fatal(err)
			}
			all.Total, all.Waiting = u.Total, u.Waiting
			all.Comments = append(all.Comments, u.Comments...)
			if cursor = u.NextCursor; cursor == "" {
				return all
			}
		}
	}
	want := inNone()
	var strayIDs []int64 // the strays the join left in no theme
	for _, id := range s.commentID[600:] {
		if slices.Contains(want, id) {
			strayIDs = append(strayIDs, id)
		}
	}
	if len(strayIDs) < 2 {
		t.Fatalf("only %d of 12 strays in no theme; the test needs comments close to none", len(strayIDs))
	}
	u := listAll()
	var got []int64
	for _, c := range u.Comments {
		got = append(got, c.ID)
		if c.Receipt == "" || c.Body == "" {
			t.Fatalf("unthemed comment without receipt or text: %+v", c)
		}
	}
	if !slices.Equal(got, want) || u.Total != len(want) || u.Waiting != 0 {
		t.Fatalf("listed %d (total %d, waiting %d), want %v", len(got), u.Total, u.Waiting, want)
	}
	t.Logf("in no theme after the join: %d, of them strays %d of 12", len(want), len(strayIDs))

	// Comments the join has not read yet: waiting, and not placed by hand.
	s.insert(t, strays(3))
	late := s.commentID[len(s.commentID)-1]
	if u := listAll(); u.Waiting != 3 || u.Total != len(want) {
		t.Fatalf("after 3 new comments: total %d, waiting %d", u.Total, u.Waiting)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil || len(list) < 2 {
		t.Fatalf("themes: %d, %v", len(list), err)
	}
	target := list[0]
	if _, err := s.svc.AddComments(ctx, s.staff, target.ID, []int64{strayIDs[0], late}); !hasCode(err, "comment_awaiting_join") {
		t.Fatalf("adding a comment the join has not read: %v", err)
	}
	// A comment already in a theme is moved from there, not added.
	var placed int64
	if err := s.e.DB.QueryRow(ctx, `SELECT comment_id FROM theme_members WHERE theme_id = $1 AND removed_at IS NULL LIMIT 1`,
		list[1].ID).Scan(&placed); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.AddComments(ctx, s.staff, target.ID, []int64{strayIDs[0], placed}); !hasCode(err, "comment_not_unthemed") {
		t.Fatalf("adding a comment already in a theme: %v", err)
	}
	other, _ := s.e.Account(identity.RoleAgencyStaff, "pdsszf")
	if _, err := s.svc.AddComments(ctx, &other, target.ID, strayIDs[:1]); !hasCode(err, "not_lead_unit_staff") {
		t.Fatalf("staff of another unit: %v", err)
	}
	if got := inNone(); !slices.Equal(got[:len(want)], want) {
		t.Fatal("a refused addition changed the themes")
	}

	// Staff put two strays into the first theme.
	th, err := s.svc.AddComments(ctx, s.staff, target.ID, strayIDs[:2])
	if err != nil {
		t.Fatal(err)
	}
	if th.Size != target.Size+2 {
		t.Fatalf("theme size %d after adding 2 to %d", th.Size, target.Size)
	}
	if u := listAll(); u.Total != len(want)-2 {
		t.Fatalf("after adding 2: %d in no theme, want %d", u.Total, len(want)-2)
	}
	var n int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members WHERE theme_id = $1 AND comment_id = ANY($2)
			AND added_by = 'staff' AND is_primary AND removed_at IS NULL`, target.ID, strayIDs[:2]).Scan(&n); err != nil || n != 2 {
		t.Fatalf("staff memberships: %d (%v)", n, err)
	}
	var receipts []string
	if err := s.e.DB.QueryRow(ctx, `SELECT array(SELECT jsonb_array_elements_text(payload::jsonb->'receipts')) FROM record_entries
			WHERE decision_id = $1 AND kind = $2`, s.d.ID, string(themes.RecordThemeCommentsAdded)).Scan(&receipts); err != nil ||
		len(receipts) != 2 {
		t.Fatalf("record entry receipts %v (%v)", receipts, err)
	}

	// The join reads the late comments and does not touch the placed ones;
	// a full re-analysis keeps them in the theme staff put them in.
	s.e.Clock.Advance(themes.JoinLag + time.Second)
	if _, err := s.svc.JoinNewComments(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members m JOIN themes th ON th.id = m.theme_id
			WHERE th.carried_from = $1 AND m.comment_id = ANY($2) AND m.removed_at IS NULL AND m.is_primary`,
		target.ID, strayIDs[:2]).Scan(&n); err != nil || n != 2 {
		t.Fatalf("after re-analysis, %d of the 2 placed comments in the carried theme (%v)", n, err)
	}
}
