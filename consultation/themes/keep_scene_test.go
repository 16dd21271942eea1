package themes_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
)

// TestReanalysisKeepsStaffDecisions: staff rename and answer a theme,
// split one, move comments into another, mark one off-topic and check
// one; new comments arrive and staff analyse again. The new version
// carries those themes on with their names, marks and answers; the
// comments staff placed or confirmed by checking and those answered
// through a theme stay there (and in no other theme); comments that joined
// a checked theme since are counted until staff check it again;
// answering the carried theme again revises the answers given through the
// earlier version; and the record entry names what was carried.
func TestReanalysisKeepsStaffDecisions(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 600)
	first, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Kept != 0 {
		t.Fatalf("a first analysis keeps %d themes", first.Kept)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var active []themes.Theme
	for _, th := range list {
		if !th.OffTopic {
			active = append(active, th)
		}
	}
	if len(active) < 5 {
		t.Fatalf("need five themes, have %d", len(active))
	}
	renamed, source, moveFrom, moveTo, marked := active[0], active[1], active[2], active[3], active[4]
	label := "供热收费标准"
	if _, err := s.svc.UpdateTheme(ctx, s.staff, renamed.ID, themes.ThemeUpdate{Label: &label}); err != nil {
		t.Fatal(err)
	}
	members := func(themeID int64, n int) []int64 {
		t.Helper()
		page, err := s.svc.GetTheme(ctx, s.staff, themeID, themes.ThemePage{Limit: n})
		if err != nil || len(page.Comments) < n {
			t.Fatalf("theme %d: %d comments, %v", themeID, len(page.Comments), err)
		}
		var ids []int64
		for _, c := range page.Comments {
			ids = append(ids, c.ID)
		}
		return ids
	}
	splitIDs := members(source.ID, 3)
	split, err := s.svc.SplitTheme(ctx, s.staff, source.ID, splitIDs, "空置房收费")
	if err != nil {
		t.Fatal(err)
	}
	movedIDs := members(moveFrom.ID, 2)
	if _, err := s.svc.MoveComments(ctx, s.staff, moveFrom.ID, moveTo.ID, movedIDs); err != nil {
		t.Fatal(err)
	}
	off := true
	if _, err := s.svc.UpdateTheme(ctx, s.staff, marked.ID, themes.ThemeUpdate{OffTopic: &off}); err != nil {
		t.Fatal(err)
	}
	// Staff check the theme they took comments from: what is in it now is confirmed.
	checked, err := s.svc.UpdateTheme(ctx, s.staff, moveFrom.ID, themes.ThemeUpdate{Checked: &off})
	if err != nil || checked.CheckedAt == nil || checked.JoinedSinceCheck != 0 {
		t.Fatalf("check: %+v, %v", checked, err)
	}
	// A second theme checked later: each carried theme keeps its own time.
	s.e.Clock.Advance(time.Hour)
	checkedLater, err := s.svc.UpdateTheme(ctx, s.staff, marked.ID, themes.ThemeUpdate{Checked: &off})
	if err != nil || checkedLater.CheckedAt == nil || !checkedLater.CheckedAt.After(*checked.CheckedAt) {
		t.Fatalf("second check: %+v, %v", checkedLater, err)
	}
	var confirmedIDs []int64
	if err := s.e.DB.QueryRow(ctx, `SELECT array_agg(comment_id ORDER BY comment_id) FROM theme_members
		WHERE theme_id = $1 AND removed_at IS NULL AND is_primary`, moveFrom.ID).Scan(&confirmedIDs); err != nil || len(confirmedIDs) == 0 {
		t.Fatalf("members of the checked theme: %v, %v", confirmedIDs, err)
	}
	s.closeWindow(t)
	in := themes.ThemeAnswerInput{Disposition: consultation.DispositionNotAdopted,
		Reason: "收费标准由价格主管部门依法核定，本办法不作规定。"}
	res, err := s.svc.AnswerTheme(ctx, s.staff, renamed.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	one := res.CommentIDs[0]
	if _, err := s.e.Consultation.SetCommentDisposition(ctx, s.staff, one, consultation.DispositionAdopted, "该意见已单独研究并采纳。"); err != nil {
		t.Fatal(err)
	}
	answeredBefore := res.Set - 1

	// New comments arrive (late, by post, entered by staff) and staff analyse again.
	s.insert(t, generate(100, 7))
	second, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if second.Version != 2 || second.Kept != 5 || second.CommentCount != 700 {
		t.Fatalf("second analysis %+v, want version 2 keeping 5 themes of 700 comments", second)
	}
	list, a, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil || a.Kept != 5 {
		t.Fatalf("list: kept %d, %v", a.Kept, err)
	}
	carried := map[int64]themes.Theme{}
	for _, th := range list {
		if th.CarriedFrom != nil {
			carried[*th.CarriedFrom] = th
		}
	}
	if len(carried) != 5 {
		t.Fatalf("%d themes carried on, want 5", len(carried))
	}
	if _, ok := carried[source.ID]; ok {
		t.Errorf("theme %d, which staff only took comments from, was carried on", source.ID)
	}
	r := carried[renamed.ID]
	if r.Label != label || r.Answer == nil || r.Answer.Reason != in.Reason || r.Answered != answeredBefore || r.Overridden != 1 {
		t.Fatalf("renamed and answered theme carried as %+v (answered %d overridden %d), want %d answered", r, r.Answered, r.Overridden, answeredBefore)
	}
	if sp := carried[split.ID]; sp.Label != "空置房收费" || sp.Origin != "staff" {
		t.Fatalf("split theme carried as %+v", sp)
	}
	if m := carried[marked.ID]; !m.OffTopic || m.Label != marked.Label || m.CheckedAt == nil || !m.CheckedAt.Equal(*checkedLater.CheckedAt) {
		t.Fatalf("theme marked off-topic carried as %+v", m)
	}
	// The checked theme is still checked; what was in it stays, confirmed;
	// what the machine placed in it since waits for the next check.
	c := carried[moveFrom.ID]
	if c.CheckedAt == nil || !c.CheckedAt.Equal(*checked.CheckedAt) {
		t.Fatalf("checked theme carried as %+v", c)
	}
	var kept, confirmed int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE confirmed) FROM theme_members
		WHERE theme_id = $1 AND removed_at IS NULL AND is_primary AND comment_id = ANY($2)`, c.ID, confirmedIDs).Scan(&kept, &confirmed); err != nil {
		t.Fatal(err)
	}
	if kept != len(confirmedIDs) || confirmed != kept {
		t.Fatalf("%d of the %d comments confirmed by checking stayed (%d confirmed)", kept, len(confirmedIDs), confirmed)
	}
	if c.JoinedSinceCheck != c.Primary-kept {
		t.Fatalf("joined since check %d, want %d (primary %d, confirmed %d)", c.JoinedSinceCheck, c.Primary-kept, c.Primary, kept)
	}
	t.Logf("checked theme: %d confirmed, %d joined since check", kept, c.JoinedSinceCheck)
	if c.JoinedSinceCheck > 0 {
		yes := true
		again, err := s.svc.UpdateTheme(ctx, s.staff, c.ID, themes.ThemeUpdate{Checked: &yes})
		if err != nil || again.JoinedSinceCheck != 0 || !again.CheckedAt.After(*checked.CheckedAt) && !again.CheckedAt.Equal(*checked.CheckedAt) {
			t.Fatalf("checking again: %+v, %v", again, err)
		}
	}
	// Where staff put comments, they stay, as staff's and in no other theme.
	where := func(ids []int64) map[int64][]int64 {
		t.Helper()
		rows, err := s.e.DB.Query(ctx, `SELECT m.comment_id, m.theme_id FROM theme_members m JOIN themes t ON t.id = m.theme_id
			WHERE t.analysis_id = $1 AND m.comment_id = ANY($2) AND m.removed_at IS NULL AND m.added_by = 'staff'
			UNION ALL SELECT m.comment_id, -m.theme_id FROM theme_members m JOIN themes t ON t.id = m.theme_id
			WHERE t.analysis_id = $1 AND m.comment_id = ANY($2) AND m.removed_at IS NULL AND m.added_by <> 'staff'`, second.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64][]int64{}
		var c, th int64
		for rows.Next() {
			if err := rows.Scan(&c, &th); err != nil {
				t.Fatal(err)
			}
			out[c] = append(out[c], th)
		}
		return out
	}
	for theme, ids := range map[int64][]int64{carried[split.ID].ID: splitIDs, carried[moveTo.ID].ID: movedIDs} {
		for c, in := range where(ids) {
			if !slices.Equal(in, []int64{theme}) {
				t.Errorf("comment %d placed by staff is in %v of the new version, want only %d", c, in, theme)
			}
		}
	}
	// Answering the carried theme again revises what the first version's
	// answer set, not the comment answered on its own.
	in.Reason = "收费标准由价格主管部门依法核定并公布，本办法不再重复规定。"
	again, err := s.svc.AnswerTheme(ctx, s.staff, r.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if again.Theme.Answered != r.Answered+r.Unanswered || again.Theme.Overridden != 1 || again.Kept != 1 {
		t.Fatalf("re-answer of the carried theme: answered %d overridden %d kept %d, want %d, 1, 1", again.Theme.Answered,
			again.Theme.Overridden, again.Kept, r.Answered+r.Unanswered)
	}
	var stale int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM comment_dispositions WHERE decision_id = $1 AND reason = $2`,
		s.d.ID, "收费标准由价格主管部门依法核定，本办法不作规定。").Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d comments still carry the first answer (%v)", stale, err)
	}
	// The record entry of the second analysis names what it carried on.
	var payload []byte
	if err := s.e.DB.QueryRow(ctx, `SELECT payload FROM record_entries WHERE decision_id = $1 AND kind = 'themes_analysed'
		ORDER BY id DESC LIMIT 1`, s.d.ID).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var entry struct {
		Version int `json:"version"`
		Kept    int `json:"kept"`
		Themes  []struct {
			ThemeID     int64  `json:"theme_id"`
			Label       string `json:"label"`
			CarriedFrom int64  `json:"carried_from"`
		} `json:"themes"`
	}
	if err := json.Unmarshal(payload, &entry); err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, th := range entry.Themes {
		if th.CarriedFrom == renamed.ID && th.Label == label && th.ThemeID == r.ID {
			named++
		}
	}
	if entry.Version != 2 || entry.Kept != 5 || named != 1 {
		t.Fatalf("record entry %s", payload)
	}
	// A third analysis carries them on again, answers included.
	third, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil || third.Kept != 5 {
		t.Fatalf("third analysis %+v, %v", third, err)
	}
	list, _, err = s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range list {
		if th.CarriedFrom != nil && *th.CarriedFrom == r.ID {
			if th.Answered != again.Theme.Answered || th.Answer == nil || th.Answer.Reason != in.Reason {
				t.Fatalf("third version: answered %d (want %d), answer %+v", th.Answered, again.Theme.Answered, th.Answer)
			}
			return
		}
	}
	t.Fatal("the third analysis did not carry the answered theme on")
}

// TestReanalysisNoticesStaffStepsMeanwhile: a staff step made while an
// analysis clusters is not lost: the analysis starts again and keeps it;
// when staff keep changing the themes, it gives up with
// themes_changed_during_analysis and stores nothing.
func TestReanalysisNoticesStaffStepsMeanwhile(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 300)
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	target := list[0]
	runs := 0
	themes.SetClustered(s.svc, func() {
		runs++
		if runs == 1 {
			label := "分析期间改的名称"
			if _, err := s.svc.UpdateTheme(ctx, s.staff, target.ID, themes.ThemeUpdate{Label: &label}); err != nil {
				t.Error(err)
			}
		}
	})
	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil || runs != 2 || a.Kept != 1 {
		t.Fatalf("analysis with a rename meanwhile: %+v, %d runs, %v", a, runs, err)
	}
	list, _, err = s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	renamed := false
	for _, th := range list {
		renamed = renamed || th.Label == "分析期间改的名称" && th.CarriedFrom != nil && *th.CarriedFrom == target.ID
	}
	if !renamed {
		t.Fatal("the rename made during the analysis is not in the new version")
	}

	// Staff who never stop: the analysis gives up and the version stays.
	var latest themes.Theme
	for _, th := range list {
		if th.CarriedFrom != nil {
			latest = th
		}
	}
	runs = 0
	themes.SetClustered(s.svc, func() {
		runs++
		label := "第" + string(rune('0'+runs)) + "次改名"
		if _, err := s.svc.UpdateTheme(ctx, s.staff, latest.ID, themes.ThemeUpdate{Label: &label}); err != nil {
			t.Error(err)
		}
	})
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); !hasCode(err, "themes_changed_during_analysis") {
		t.Fatalf("analysis while staff keep changing the themes: %v", err)
	}
	if _, a, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, ""); err != nil || a.Version != 2 {
		t.Fatalf("after the refused analysis the latest version is %d (%v)", a.Version, err)
	}
}
