package themes_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/errs"
)

// TestScenarioFiveThousand is the scenario: 5,000 comments on one
// draft analysed, two themes merged by staff, one theme answered once and
// every comment in it carrying the answer, one comment overridden, the
// adoption report drafted with the right counts.
func TestScenarioFiveThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 comments")
	}
	ctx := context.Background()
	s := newScene(t, 5000)

	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("analysed %d comments into %d themes (%d unthemed) in %v", a.CommentCount, a.ThemeCount, a.Unthemed, a.Took)
	if a.CommentCount != 5000 || a.ThemeCount < 4 || a.Unthemed > 500 {
		t.Fatalf("analysis %+v", a)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The campaign is in one theme.
	if copies, n := s.campaignThemes(t); n != 1 {
		t.Fatalf("the campaign's %d copies are in %d themes", copies, n)
	}
	for _, th := range list {
		t.Logf("theme %d %q size %d articles %v", th.ID, th.Label, th.Size, th.Articles[:min(2, len(th.Articles))])
		if len(th.Summary) == 0 && !th.OffTopic {
			t.Errorf("theme %d has no summary", th.ID)
		}
		for _, sen := range th.Summary {
			if len(sen.Receipts) == 0 {
				t.Errorf("summary sentence %q cites nothing", sen.Text)
			}
		}
	}

	// Staff merge the two largest themes.
	into, other := list[0], list[1]
	wantSize := unionSize(t, s, into.ID, other.ID)
	merged, err := s.svc.MergeThemes(ctx, s.staff, into.ID, []int64{other.ID}, "供暖费用与基本热费")
	if err != nil {
		t.Fatal(err)
	}
	if merged.Size != wantSize || merged.Label != "供暖费用与基本热费" || merged.MachineLabel != into.MachineLabel {
		t.Fatalf("merged %+v, want size %d", merged, wantSize)
	}
	if _, err := s.svc.MergeThemes(ctx, s.staff, other.ID, []int64{into.ID}, ""); err == nil || !strings.Contains(err.Error(), "合并") {
		t.Fatalf("merging a merged theme: %v", err)
	}

	// Answering waits for the window to close.
	in := themes.ThemeAnswerInput{Disposition: consultation.DispositionPartiallyAdopted,
		Reason: "供热价格由价格主管部门核定；对空置房基本热费的意见予以采纳，调整为百分之二十。", ArticlesChanged: []string{s.anchors[2]}}
	if _, err := s.svc.AnswerTheme(ctx, s.staff, merged.ID, in); !hasCode(err, "consultation_still_open") {
		t.Fatalf("answer while open: %v", err)
	}
	s.closeWindow(t)
	res, err := s.svc.AnswerTheme(ctx, s.staff, merged.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Set != merged.Published || res.Theme.Answered != merged.Published || res.Theme.Unanswered != 0 {
		t.Fatalf("answer set %d, theme %+v, want %d", res.Set, res.Theme, merged.Published)
	}
	var carrying int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_members m JOIN comment_dispositions p ON p.comment_id = m.comment_id
		WHERE m.theme_id = $1 AND m.removed_at IS NULL AND p.disposition = 'partially_adopted' AND p.reason = $2`,
		merged.ID, in.Reason).Scan(&carrying); err != nil {
		t.Fatal(err)
	}
	if carrying != merged.Size {
		t.Fatalf("%d of %d comments carry the answer", carrying, merged.Size)
	}

	// One comment is answered on its own.
	var one int64
	if err := s.e.DB.QueryRow(ctx, `SELECT comment_id FROM theme_members WHERE theme_id = $1 AND removed_at IS NULL ORDER BY comment_id LIMIT 1`,
		merged.ID).Scan(&one); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.Consultation.SetCommentDisposition(ctx, s.staff, one, consultation.DispositionAdopted, "该意见已单独研究并采纳。"); err != nil {
		t.Fatal(err)
	}
	// Answering the theme again revises its own answers, not the override.
	in.Reason = "供热价格由价格主管部门核定；空置房基本热费调整为百分之二十。"
	res, err = s.svc.AnswerTheme(ctx, s.staff, merged.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Set != merged.Published-1 || res.Kept != 1 || res.Theme.Overridden != 1 {
		t.Fatalf("re-answer: set %d kept %d overridden %d", res.Set, res.Kept, res.Theme.Overridden)
	}

	// The report drafted from the themes.
	rep, err := s.svc.DraftAdoptionReportFromThemes(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var fig *themes.ThemeFigure
	for i := range rep.Themes {
		if rep.Themes[i].ThemeID == merged.ID {
			fig = &rep.Themes[i]
		}
	}
	if fig == nil || fig.Published != merged.Published || fig.Answered != merged.Published-1 || fig.Overridden != 1 ||
		fig.ByChannel[0].Count != merged.Published || len(fig.Quotes) == 0 || fig.ArticlesChanged[0] != "第三条" {
		t.Fatalf("theme figure %+v", fig)
	}
	want := fmt.Sprintf("供暖费用与基本热费：共%d条意见（网上征求意见%d条）", merged.Published, merged.Published)
	if !strings.Contains(rep.Report.Body, want) || !strings.Contains(rep.Report.Body, "据此修改的条款：第三条") ||
		!strings.Contains(rep.Report.Body, "其中1条意见另行逐条处理") {
		t.Fatalf("report body lacks %q:\n%s", want, rep.Report.Body)
	}
	f := rep.Report.Figures
	if countOf(f.ByDisposition, "partially_adopted") != merged.Published-1 || countOf(f.ByDisposition, "adopted") != 1 {
		t.Fatalf("report dispositions %+v", f.ByDisposition)
	}
	// Every step is in the record.
	for _, k := range []string{"themes_analysed", "themes_merged", "batch_disposition_set", "comment_disposition_set"} {
		var n int
		if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = $2`, s.d.ID, k).Scan(&n); err != nil || n == 0 {
			t.Errorf("no %s record entry (%v)", k, err)
		}
	}
}

func unionSize(t *testing.T, s *scene, a, b int64) int {
	t.Helper()
	var n int
	if err := s.e.DB.QueryRow(context.Background(), `SELECT count(DISTINCT comment_id) FROM theme_members
		WHERE theme_id IN ($1, $2) AND removed_at IS NULL`, a, b).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countOf(cs []consultation.CountFigure, key string) int {
	for _, c := range cs {
		if c.Key == key {
			return c.Count
		}
	}
	return -1
}

func hasCode(err error, code string) bool {
	return errs.HasCode(err, code)
}
