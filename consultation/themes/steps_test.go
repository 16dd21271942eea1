package themes_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestJoinSplitMove: new comments join the themes of the latest analysis
// (a campaign copy the theme of its group), staff split a theme, move
// comments back and mark a theme off-topic; every step is recorded and
// the machine's memberships stay, marked removed.
func TestJoinSplitMove(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 600)
	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing new yet.
	if n, err := s.svc.JoinNewComments(ctx); err != nil || n != 0 {
		t.Fatalf("join with nothing new: %d, %v", n, err)
	}
	s.insert(t, generate(200, 9))
	// Comments younger than JoinLag wait.
	if n, err := s.svc.JoinNewComments(ctx); err != nil || n != 0 {
		t.Fatalf("join of comments younger than the lag: %d, %v", n, err)
	}
	s.e.Clock.Advance(themes.JoinLag + time.Second)
	n, err := s.svc.JoinNewComments(ctx)
	if err != nil || n != 200 {
		t.Fatalf("joined %d, %v", n, err)
	}
	var joined, campaignThemes int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(DISTINCT comment_id) FROM theme_members WHERE added_by = 'incremental'`).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if joined < 150 {
		t.Fatalf("only %d of 200 new comments joined a theme", joined)
	}
	var campaign []int64
	for i, c := range s.comments {
		if c.campaign {
			campaign = append(campaign, s.commentID[i])
		}
	}
	for i, c := range generate(200, 9) {
		if c.campaign {
			campaign = append(campaign, s.commentID[600+i])
		}
	}
	if err := s.e.DB.QueryRow(ctx, `SELECT count(DISTINCT theme_id) FROM theme_members WHERE comment_id = ANY($1) AND is_primary`,
		campaign).Scan(&campaignThemes); err != nil || campaignThemes != 1 {
		t.Fatalf("campaign (with new copies) in %d themes (%v)", campaignThemes, err)
	}
	// A second run finds nothing more.
	if n, err := s.svc.JoinNewComments(ctx); err != nil || n != 0 {
		t.Fatalf("second join: %d, %v", n, err)
	}

	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	th := list[0]
	detail, err := s.svc.GetTheme(ctx, s.staff, th.ID, themes.ThemePage{Limit: 5})
	if err != nil || len(detail.Comments) != 5 || detail.NextCursor == "" {
		t.Fatalf("get theme: %d comments, cursor %q, %v", len(detail.Comments), detail.NextCursor, err)
	}
	ids := []int64{detail.Comments[0].ID, detail.Comments[1].ID, detail.Comments[2].ID}
	if _, err := s.svc.SplitTheme(ctx, s.staff, th.ID, ids, " "); !errsHas(err, "theme_label_required") {
		t.Fatalf("split without label: %v", err)
	}
	if _, err := s.svc.SplitTheme(ctx, s.staff, th.ID, []int64{s.commentID[0], -5}, "x"); !errsHas(err, "comment_not_in_theme") {
		t.Fatalf("split of comments not in the theme: %v", err)
	}
	split, err := s.svc.SplitTheme(ctx, s.staff, th.ID, ids, "提前供暖")
	if err != nil {
		t.Fatal(err)
	}
	if split.Size != 3 || split.Origin != "staff" || split.SplitFrom == nil || *split.SplitFrom != th.ID {
		t.Fatalf("split %+v", split)
	}
	back, err := s.svc.MoveComments(ctx, s.staff, split.ID, th.ID, ids[:2])
	if err != nil {
		t.Fatal(err)
	}
	if back.Size != th.Size-1 {
		t.Fatalf("after moving two back: %d, want %d", back.Size, th.Size-1)
	}
	var removed int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members WHERE theme_id = $1 AND removed_at IS NOT NULL`, split.ID).
		Scan(&removed); err != nil || removed != 2 {
		t.Fatalf("removed memberships of the split theme: %d (%v)", removed, err)
	}
	off := true
	u, err := s.svc.UpdateTheme(ctx, s.staff, split.ID, themes.ThemeUpdate{OffTopic: &off})
	if err != nil || !u.OffTopic || u.MachineOffTopic {
		t.Fatalf("off-topic: %+v, %v", u, err)
	}
	// A new analysis is the next version; the earlier one's themes are outdated for staff steps.
	a2, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil || a2.Version != a.Version+1 || a2.CommentCount != 800 {
		t.Fatalf("second analysis %+v, %v", a2, err)
	}
	if _, err := s.svc.UpdateTheme(ctx, s.staff, th.ID, themes.ThemeUpdate{OffTopic: &off}); !errsHas(err, "theme_analysis_outdated") {
		t.Fatalf("step on an outdated analysis: %v", err)
	}
	for _, k := range []string{"themes_analysed", "theme_split", "theme_comments_moved", "theme_updated"} {
		var n int
		if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = $2`, s.d.ID, k).Scan(&n); err != nil || n == 0 {
			t.Errorf("no %s record entry (%v)", k, err)
		}
	}
	// Someone else's staff may not act.
	other, _ := s.e.Account("agency_staff", "pdsszf")
	if _, err := s.svc.Analyze(ctx, &other, s.d.ID); !errsHas(err, "not_lead_unit_staff") {
		t.Fatalf("analysis by the decision body's staff: %v", err)
	}
	if _, _, err := s.svc.ListThemes(ctx, &other, s.d.ID, ""); err != nil {
		t.Fatalf("the decision body's staff read the themes: %v", err)
	}
}

func errsHas(err error, code string) bool { return hasCode(err, code) }

// TestThemeQuery: a theme's comments that contain a query, a page of them
// with their number, and all of them for a step on every one at once.
func TestThemeQuery(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 300)
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	th := list[0]
	const q = "供暖"
	var want int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members m JOIN comments c ON c.id = m.comment_id
		WHERE m.theme_id = $1 AND m.removed_at IS NULL AND c.status <> 'rejected' AND strpos(c.body, $2) > 0`, th.ID, q).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if want < 6 || want == th.Size {
		t.Fatalf("the scene's first theme (%d comments) has %d with %q: choose another query", th.Size, want, q)
	}
	page, err := s.svc.GetTheme(ctx, s.staff, th.ID, themes.ThemePage{Limit: 5, Query: " " + q + " "})
	if err != nil || page.Matching != want || len(page.Comments) != 5 || page.NextCursor == "" {
		t.Fatalf("query page: %d matching (want %d), %d comments, cursor %q, %v", page.Matching, want, len(page.Comments), page.NextCursor, err)
	}
	for _, c := range page.Comments {
		if !strings.Contains(c.Body, q) {
			t.Fatalf("comment %q does not contain %q", c.Body, q)
		}
	}
	all, err := s.svc.MatchingComments(ctx, s.staff, th.ID, q)
	if err != nil || len(all) != want {
		t.Fatalf("matching comments: %d, want %d, %v", len(all), want, err)
	}
	// A comment typed half in traditional characters, with full-width
	// capitals, is found by queries that mix them otherwise.
	s.insert(t, []genComment{{theme: "fee", article: 0, body: "供暖停車收费太贵了，ＡＰＰ上交費也不方便，建议降低"}})
	s.e.Clock.Advance(themes.JoinLag + time.Second)
	if n, err := s.svc.JoinNewComments(ctx); err != nil || n != 1 {
		t.Fatalf("joined %d, %v", n, err)
	}
	var joinedTheme int64
	if err := s.e.DB.QueryRow(ctx, `SELECT theme_id FROM theme_members WHERE comment_id = $1 AND is_primary`,
		s.commentID[len(s.commentID)-1]).Scan(&joinedTheme); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"停车收费", "停車收費", "停车收費", "app上交费", "App上交費"} {
		page, err := s.svc.GetTheme(ctx, s.staff, joinedTheme, themes.ThemePage{Query: q, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range page.Comments {
			found = found || c.ID == s.commentID[len(s.commentID)-1]
		}
		if !found || page.Matching != len(page.Comments) {
			t.Errorf("query %q: the mixed comment found %v, matching %d of %d listed", q, found, page.Matching, len(page.Comments))
		}
	}
	if _, err := s.svc.GetTheme(ctx, s.staff, th.ID, themes.ThemePage{Query: strings.Repeat("长", themes.MaxQueryRunes+1)}); !errsHas(err, "invalid_query") {
		t.Fatalf("a query too long: %v", err)
	}
	resident, _ := s.e.Account(identity.RoleResident, "")
	if _, err := s.svc.MatchingComments(ctx, &resident, th.ID, q); !errsHas(err, "themes_not_visible") {
		t.Fatalf("a resident read the theme's comments: %v", err)
	}
}
