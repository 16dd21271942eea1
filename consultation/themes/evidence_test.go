package themes_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestVerifyCatchesTamperedAnalysis: the entry of a theme analysis binds
// its theme_analyses row and the machine's themes. Before, no hasher was
// registered for the table, verification skipped the row, and a rewritten
// analysis (its comment count, its result's hash, a machine label or
// summary) verified ok. Staff's later work on the themes (a rename) is
// their own step and leaves the binding intact. An entry written before
// (the hash of the result as computed, which no query reproduces) still
// verifies, unchecked as it was.
func TestVerifyCatchesTamperedAnalysis(t *testing.T) {
	ctx := context.Background()
	// Comments submitted and published through the service, so that the
	// record holds their steps (the scene's bulk insert does not).
	s := newScene(t, 0)
	s.e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	for i, c := range generate(40, 42) {
		author, _ := s.e.Account(identity.RoleResident, "")
		in := consultation.CommentInput{Body: c.body, ClientAddr: fmt.Sprintf("203.0.113.%d", i+1)}
		if c.article >= 0 {
			in.ArticleAnchor = s.anchors[c.article]
		}
		cm, _, err := s.e.Consultation.SubmitComment(ctx, &author, s.d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.e.Consultation.ModerateComment(ctx, s.staff, cm.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
	}
	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil || len(list) == 0 {
		t.Fatalf("themes: %d, %v", len(list), err)
	}
	var seq int64
	if err := s.e.DB.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE decision_id = $1 AND kind = $2`,
		s.d.ID, string(themes.RecordThemesAnalysed)).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	archive := func() []byte {
		t.Helper()
		var buf bytes.Buffer
		if err := s.e.Consultation.ExportDecisionArchive(ctx, s.staff, s.d.ID, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	r, err := s.e.Consultation.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil || !r.OK || r.Evidence < 1 {
		t.Fatalf("intact record: %+v, %v", r, err)
	}
	evidence := r.Evidence
	label := "供热收费（已由工作人员改名）"
	if _, err := s.svc.UpdateTheme(ctx, s.staff, list[0].ID, themes.ThemeUpdate{Label: &label}); err != nil {
		t.Fatal(err)
	}
	if r, err := s.e.Consultation.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK || r.Evidence != evidence {
		t.Fatalf("after staff renamed a theme: %+v, %v", r, err)
	}
	if b := archive(); true {
		if r, err := record.VerifyArchive(bytes.NewReader(b), int64(len(b))); err != nil || !r.OK || r.Evidence != evidence {
			t.Fatalf("intact archive: %+v, %v", r, err)
		}
	}
	var machineLabel, summary string
	if err := s.e.DB.QueryRow(ctx, `SELECT machine_label, summary::text FROM themes WHERE id = $1`, list[0].ID).
		Scan(&machineLabel, &summary); err != nil {
		t.Fatal(err)
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	names := fmt.Sprintf("entry %d (%s): theme_analyses row %d", seq, themes.RecordThemesAnalysed, a.ID)
	cases := []struct {
		name, tamper, restore string
		id                    int64
	}{
		{"CommentCount", `UPDATE theme_analyses SET comment_count = comment_count + 40 WHERE id = $1`,
			`UPDATE theme_analyses SET comment_count = comment_count - 40 WHERE id = $1`, a.ID},
		{"ContentHash", `UPDATE theme_analyses SET content_hash = repeat('0', 64) WHERE id = $1`,
			`UPDATE theme_analyses SET content_hash = ` + quote(a.ContentHash) + ` WHERE id = $1`, a.ID},
		{"MachineLabel", `UPDATE themes SET machine_label = '无关意见' WHERE id = $1`,
			`UPDATE themes SET machine_label = ` + quote(machineLabel) + ` WHERE id = $1`, list[0].ID},
		{"CitedSummary", `UPDATE themes SET summary = '[]' WHERE id = $1`,
			`UPDATE themes SET summary = ` + quote(summary) + ` WHERE id = $1`, list[0].ID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(sql string) {
				t.Helper()
				if tag, err := s.e.DB.Exec(ctx, sql, c.id); err != nil || tag.RowsAffected() != 1 {
					t.Fatalf("%s: %v %v", sql, tag, err)
				}
			}
			run(c.tamper)
			defer run(c.restore)
			r, err := s.e.Consultation.VerifyStoredRecord(ctx, s.d.ID)
			if err != nil || r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, names) {
				t.Fatalf("online: %+v, %v; want %q", r, err, names)
			}
			t.Logf("online: %s", r.Problem)
			b := archive()
			r, err = record.VerifyArchive(bytes.NewReader(b), int64(len(b)))
			if err != nil || r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, names) {
				t.Fatalf("offline: %+v, %v; want %q", r, err, names)
			}
		})
		if r, err := s.e.Consultation.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK {
			t.Fatalf("after restoring %s: %+v, %v", c.name, r, err)
		}
	}

	// The entry as canyu wrote it before: the result's hash, no form.
	s.e.BindAsBefore(t, s.d.ID, seq, record.Evidence{Table: "theme_analyses", RowID: a.ID, ContentHash: a.ContentHash})
	if p := mustPayload(t, s, seq); strings.Contains(p, "content_form") || !strings.Contains(p, a.ContentHash) {
		t.Fatalf("the entry is not as before: %s", p)
	}
	r, err = s.e.Consultation.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil || !r.OK || r.Evidence != evidence-1 {
		t.Fatalf("a record with the analysis bound as before: %+v, %v (want evidence %d)", r, err, evidence-1)
	}
	b := archive()
	if r, err := record.VerifyArchive(bytes.NewReader(b), int64(len(b))); err != nil || !r.OK || r.Evidence != evidence-1 {
		t.Fatalf("its archive: %+v, %v", r, err)
	}
}

func mustPayload(t *testing.T, s *scene, seq int64) string {
	t.Helper()
	var p string
	if err := s.e.DB.QueryRow(context.Background(), `SELECT payload FROM record_entries WHERE decision_id = $1 AND seq = $2`,
		s.d.ID, seq).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}
