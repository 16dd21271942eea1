package themes_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestExportThemes: the themes with their comments as a spreadsheet, in
// the board's order, each theme's rows as many as its comments, staff's
// name and marks on them, then the comments in no theme; a text not yet
// moderated is left out; CSV and XLSX hold the same rows; a resident may
// not export and a bad format is refused.
func TestExportThemes(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 300)
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	label, yes := "=供热收费标准", true
	if _, err := s.svc.UpdateTheme(ctx, s.staff, list[0].ID, themes.ThemeUpdate{Label: &label, Checked: &yes}); err != nil {
		t.Fatal(err)
	}
	// A comment still waiting for moderation, in a theme.
	var pending string
	if err := s.e.DB.QueryRow(ctx, `UPDATE comments SET status = 'pending' WHERE id = (SELECT comment_id FROM theme_members
		WHERE theme_id = $1 ORDER BY comment_id LIMIT 1) RETURNING body`, list[1].ID).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	list, _, err = s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := s.svc.ExportThemes(ctx, s.staff, s.d.ID, "csv", &buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\uFEFF")) {
		t.Error("the CSV has no byte-order mark")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if records[0][0] != "主题" || records[0][len(records[0])-1] != "意见内容" {
		t.Fatalf("header %q", records[0])
	}
	rows := records[1:]
	// The rows of each theme, in the board's order, then those in no theme.
	at := 0
	themed := map[string]bool{}
	for _, th := range list {
		want := th.Label
		if th.ID == list[0].ID {
			want = "'" + label // a cell a spreadsheet would evaluate is neutralised
		}
		for i := 0; i < th.Size; i++ {
			if at >= len(rows) || rows[at][0] != want {
				t.Fatalf("row %d of theme %q: %q", at, want, rows[at])
			}
			themed[rows[at][8]] = true
			at++
		}
	}
	if list[0].CheckedAt == nil || !strings.Contains(strings.Join(records[1], " "), "已核对") {
		t.Errorf("the checked theme's row lacks its mark: %q", records[1])
	}
	var total int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM comments WHERE decision_id = $1 AND status <> 'rejected'`, s.d.ID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[at:] {
		if r[0] != "未归入主题" || themed[r[8]] {
			t.Fatalf("row after the themes: %q", r)
		}
	}
	if len(themed)+len(rows[at:]) != total {
		t.Errorf("%d comments in themes and %d in none, of %d", len(themed), len(rows[at:]), total)
	}
	if strings.Contains(buf.String(), pending) || !strings.Contains(buf.String(), "[待审核，未导出]") {
		t.Error("a text not yet moderated was exported")
	}

	buf.Reset()
	if err := s.svc.ExportThemes(ctx, s.staff, s.d.ID, "xlsx", &buf); err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sheetRows, err := x.GetRows("意见主题")
	if err != nil || len(sheetRows) != len(records) || sheetRows[1][0] != "'"+label {
		t.Fatalf("xlsx: %d rows (want %d), %v", len(sheetRows), len(records), err)
	}

	resident, _ := s.e.Account(identity.RoleResident, "")
	if err := s.svc.ExportThemes(ctx, &resident, s.d.ID, "csv", &buf); !hasCode(err, "themes_not_visible") {
		t.Errorf("a resident exported the themes: %v", err)
	}
	if err := s.svc.ExportThemes(ctx, s.staff, s.d.ID, "pdf", &buf); !hasCode(err, "invalid_export_format") {
		t.Errorf("format pdf: %v", err)
	}
}
