package consultation_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// TestCoveredUpTamperingCaughtBySavedHead takes each tampering of
// TestVerifyCatchesTamperedBoundRows (and an entry edited alone) as far as
// a superuser can cover it up (issue 12): the row is changed, the entry that
// binds it is rewritten to bind the changed row (a sealed comment: its
// checkpoint's Merkle root), the decision's chain is recomputed and
// re-linked from there, the log of chain heads is rebuilt and the service
// signs a head over it. The rows, the chain and the log then agree with
// each other; the head saved before the cover-up (what `canyu record verify
// --heads FILE` reads) shows the log was rewritten, and the signatures of
// the signed steps at or after the rewritten entry, made over the old
// hashes, fail online and in an archive exported afterwards: the first one
// is named.
func TestCoveredUpTamperingCaughtBySavedHead(t *testing.T) {
	cases := []struct {
		name  string
		table string // the bound row's table; "" for an entry edited alone
		sql   string // the superuser's change of the row, $1 its id
		// row is the changed row's id and the seq of the entry that binds it.
		row func(t *testing.T, s *evidenceScene) (id, seq int64)
	}{
		{"OpinionConclusion", "legal_opinions", `UPDATE legal_opinions SET overall = 'lawful' WHERE id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) { return s.opinion.ID, s.opinion.RecordSeq }},
		{"ProcedureDocumentContent", "procedure_documents",
			`UPDATE procedure_documents SET content = jsonb_set(content, '{conclusion}', '"low"') WHERE id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) {
				return s.doc.ID, s.seqOfKind(t, "procedure_document_added")
			}},
		{"AnonymisedCommentText", "comments",
			`UPDATE comments SET body = '（该居民已删除个人数据）', body_hash = encode(sha256(convert_to('（该居民已删除个人数据）', 'UTF8')), 'hex') WHERE id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) {
				return s.anonymised.ID, s.seqOfKind(t, "comment_checkpoint")
			}},
		{"DeliberationOutcome", "deliberations", `UPDATE deliberations SET outcome = 'deferred' WHERE id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) { return s.meeting.ID, s.meeting.RecordSeq }},
		{"DispositionKindAndReason", "comment_dispositions",
			`UPDATE comment_dispositions SET disposition = 'adopted', reason = '已采纳。' WHERE comment_id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) {
				var seq int64
				if err := s.e.DB.QueryRow(context.Background(), `SELECT min(seq) FROM record_entries WHERE decision_id = $1
					AND kind = 'comment_disposition_set'`, s.d.ID).Scan(&seq); err != nil {
					t.Fatal(err)
				}
				return s.kept.ID, seq
			}},
		{"PublishedAdoptionReportText", "adoption_reports", `UPDATE adoption_reports SET body = body || '（已全部采纳）' WHERE id = $1`,
			func(t *testing.T, s *evidenceScene) (int64, int64) {
				var id int64
				if err := s.e.DB.QueryRow(context.Background(), `SELECT id FROM adoption_reports WHERE decision_id = $1`, s.d.ID).Scan(&id); err != nil {
					t.Fatal(err)
				}
				return id, s.seqOfKind(t, "adoption_report_published")
			}},
		{"WholeChainFromTheFirstEntry", "", "", func(t *testing.T, s *evidenceScene) (int64, int64) { return 0, 1 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newEvidenceScene(t)
			saved, err := record.LatestHead(ctx, s.e.DB) // the deliberation, the last step, logged it
			if err != nil {
				t.Fatal(err)
			}
			if r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK || r.Anchored == 0 {
				t.Fatalf("intact record: %+v, %v", r, err)
			}
			id, seq := c.row(t, s)
			entries := mustEntries(t, s.e.DB, s.d.ID)
			var edit func(string) string
			switch c.table {
			case "":
				edit = func(p string) string { return strings.Replace(p, s.d.Title, s.d.Title+"（已修订）", 1) }
				// The decision's row is rewritten to match, or verification
				// names entry 1 by the row alone.
				s.e.AsSuperuser(t, func(tx pgx.Tx) error {
					_, err := tx.Exec(ctx, `UPDATE decisions SET title = title || '（已修订）' WHERE id = $1`, s.d.ID)
					return err
				})
			case "comments":
				s.e.AsSuperuser(t, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, c.sql, id); err != nil {
						return err
					}
					cp, recorded, now, err := consultation.SealedCommentsRoot(ctx, tx, s.d.ID, seq)
					if err == nil && recorded == now {
						t.Error("the comment's change left its checkpoint's root as it was")
					}
					edit = func(p string) string { return strings.Replace(p, recorded, now, 1) }
					if err == nil {
						_, err = tx.Exec(ctx, `UPDATE comment_checkpoints SET merkle_root = $2 WHERE id = $1`, cp, now)
					}
					return err
				})
			default:
				var bound record.Evidence
				evs, err := record.EvidenceOf(entries[seq-1])
				for _, ev := range evs {
					if ev.Table == c.table && ev.RowID == id {
						bound = ev
					}
				}
				if err != nil || bound.ContentHash == "" {
					t.Fatalf("entry %d binds no %s row %d: %v %v", seq, c.table, id, evs, err)
				}
				s.e.AsSuperuser(t, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, c.sql, id); err != nil {
						return err
					}
					now, err := record.Bind(ctx, tx, c.table, id)
					edit = func(p string) string { return strings.Replace(p, bound.ContentHash, now.ContentHash, 1) }
					return err
				})
			}
			s.e.RewriteChain(t, s.d.ID, seq, edit)
			s.e.RebuildLog(t)

			// The first signed entry at or after the rewritten one.
			var signed int64
			for _, en := range entries[seq-1:] {
				if en.Signature != "" {
					signed = en.Seq
					break
				}
			}
			if signed == 0 {
				t.Fatalf("no signed entry at or after entry %d", seq)
			}
			r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID)
			if err != nil || r.OK || r.FirstBadSeq != signed || !strings.Contains(r.Problem, "the signature does not verify") {
				t.Fatalf("online: %+v, %v; want the signature of entry %d", r, err, signed)
			}
			a := s.archive(t)
			if r, err = record.VerifyArchive(bytes.NewReader(a), int64(len(a))); err != nil || r.OK || r.FirstBadSeq != signed ||
				!strings.Contains(r.Problem, "the signature does not verify") {
				t.Fatalf("offline: %+v, %v; want the signature of entry %d", r, err, signed)
			}
			problems, err := record.CheckSavedHeads(ctx, s.e.DB, []record.TreeHead{saved})
			if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "inconsistent with the saved head") {
				t.Fatalf("saved head %d: %v, %v", saved.TreeSize, problems, err)
			}
			t.Logf("entry %d rewritten; online: entry %d: %s; saved head: %s", seq, r.FirstBadSeq, r.Problem, problems[0])
		})
	}
}
