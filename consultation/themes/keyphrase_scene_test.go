package themes_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/themes"
)

// TestKeyphraseAnalyzeAndJoin: an analysis with the key-phrase method stores
// its themes with the campaign in one, and new comments join them through
// the centroids afterwards with the parameters stored with the analysis
// (the service's own parameters are back to the default by then).
func TestKeyphraseAnalyzeAndJoin(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 200)
	s.svc.Params = themes.KeyphraseParams
	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysed %d comments into %d themes (%d unthemed)", a.CommentCount, a.ThemeCount, a.Unthemed)
	if a.ThemeCount < 3 || a.Unthemed > 20 {
		t.Fatalf("analysis %+v", a)
	}
	if copies, n := s.campaignThemes(t); n != 1 {
		t.Fatalf("the campaign's %d copies are in %d themes", copies, n)
	}
	var method string
	if err := s.e.DB.QueryRow(ctx, `SELECT params->>'method' FROM theme_analyses WHERE decision_id = $1`, s.d.ID).Scan(&method); err != nil || method != themes.MethodKeyphrase {
		t.Fatalf("stored method %q (%v)", method, err)
	}
	s.svc.Params = themes.DefaultParams
	s.insert(t, generate(100, 21))
	s.e.Clock.Advance(themes.JoinLag + time.Second)
	if n, err := s.svc.JoinNewComments(ctx); err != nil || n != 100 {
		t.Fatalf("joined %d of 100 (%v)", n, err)
	}
	var members int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(DISTINCT comment_id) FROM theme_members WHERE added_by = 'incremental'`).Scan(&members); err != nil || members < 70 {
		t.Fatalf("%d of 100 new comments in a theme (%v)", members, err)
	}
}
