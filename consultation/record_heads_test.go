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

// rewriteChain changes the payload of entry seq of the decision's record
// and recomputes every entry hash from there on, as a superuser with the
// append-only trigger disabled could: the chain itself then verifies.
func rewriteChain(t *testing.T, f *recFixture, seq int64) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, f.e.DB, func(tx pgx.Tx) error {
		entries, err := record.Entries(ctx, tx, f.decision.ID, 0, 0)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ALTER TABLE record_entries DISABLE TRIGGER record_entries_append_only`); err != nil {
			return err
		}
		prev := entries[seq-2].EntryHash
		for _, e := range entries[seq-1:] {
			if e.Seq == seq {
				e.Payload = strings.Replace(e.Payload, "阶梯水价", "统一水价", 1)
			}
			e.PrevHash = prev
			e.EntryHash = record.EntryHash(e)
			prev = e.EntryHash
			if _, err := tx.Exec(ctx, `UPDATE record_entries SET payload = $2, prev_hash = $3, entry_hash = $4 WHERE id = $1`,
				e.ID, e.Payload, e.PrevHash, e.EntryHash); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `ALTER TABLE record_entries ENABLE TRIGGER record_entries_append_only`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRecomputedChainCaughtByTreeHeads: a decision with no signed entry
// whose chain is recomputed from a changed entry on verified "ok" before
// (issue 12). Its chain head was logged in a signed tree head: online
// verification and the exported archive name the logged entry that no
// longer matches; and when the attacker also rebuilds the log (and deletes
// the signed heads they cannot forge), a tree head saved earlier shows
// today's log is inconsistent with it.
func TestRecomputedChainCaughtByTreeHeads(t *testing.T) {
	ctx := context.Background()
	f := newRecFixture(t)
	if signed, err := f.svc.LogRecordHeads(ctx); err != nil || !signed {
		t.Fatalf("log heads: %v %v", signed, err)
	}
	if signed, err := f.svc.LogRecordHeads(ctx); err != nil || signed {
		t.Fatalf("nothing grew, yet a head was signed: %v %v", signed, err)
	}
	saved, err := record.LatestHead(ctx, f.e.DB)
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.VerifyStoredRecord(ctx, f.decision.ID)
	if err != nil || !r.OK || r.Anchored != 1 || r.Signatures != 0 {
		t.Fatalf("intact: %+v %v", r, err)
	}
	logged := int64(r.Entries) // the chain head when the head was signed
	updated := f.seqOf(t, consultation.RecordDecisionUpdated, 1)
	rewriteChain(t, f, updated)
	if got := record.VerifyChain(f.decision.ID, mustEntries(t, f)); !got.OK {
		t.Fatalf("the rewrite should leave a consistent chain: %+v", got)
	}

	r, err = f.svc.VerifyStoredRecord(ctx, f.decision.ID)
	if err != nil || r.OK || r.FirstBadSeq != logged || !strings.Contains(r.Problem, "the chain was rewritten") {
		t.Fatalf("online: %+v %v; want entry %d", r, err, logged)
	}
	a := f.export(t, f.staff)
	r, err = record.VerifyArchive(bytes.NewReader(a), int64(len(a)))
	if err != nil || r.OK || r.FirstBadSeq != logged || !strings.Contains(r.Problem, "the chain was rewritten") {
		t.Fatalf("offline: %+v %v; want entry %d", r, err, logged)
	}
	if problems, err := record.CheckSavedHeads(ctx, f.e.DB, []record.TreeHead{saved}); err != nil || len(problems) != 0 {
		t.Fatalf("the log itself is untouched: %v %v", problems, err)
	}

	// The attacker rebuilds the log from the rewritten chain and drops the
	// signed heads: the database alone no longer shows it, the saved head does.
	if _, err := f.e.DB.Exec(ctx, `ALTER TABLE record_log_leaves DISABLE TRIGGER record_log_leaves_append_only;
		ALTER TABLE record_tree_heads DISABLE TRIGGER record_tree_heads_append_only;
		UPDATE record_log_leaves l SET entry_hash = e.entry_hash FROM record_entries e WHERE e.decision_id = l.decision_id AND e.seq = l.seq;
		DELETE FROM record_tree_heads;
		ALTER TABLE record_log_leaves ENABLE TRIGGER record_log_leaves_append_only;
		ALTER TABLE record_tree_heads ENABLE TRIGGER record_tree_heads_append_only`); err != nil {
		t.Fatal(err)
	}
	if r, err := f.svc.VerifyStoredRecord(ctx, f.decision.ID); err != nil || !r.OK {
		t.Fatalf("after the log was rebuilt the database is consistent with itself: %+v %v", r, err)
	}
	problems, err := record.CheckSavedHeads(ctx, f.e.DB, []record.TreeHead{saved})
	if err != nil || len(problems) != 1 || !strings.Contains(problems[0], "inconsistent with the saved head") {
		t.Fatalf("saved head: %v %v", problems, err)
	}
	forged := saved
	forged.RootHash = strings.Repeat("0", 64)
	if problems, _ := record.CheckSavedHeads(ctx, f.e.DB, []record.TreeHead{forged}); len(problems) != 1 ||
		!strings.Contains(problems[0], "signature does not verify") {
		t.Fatalf("a forged saved head: %v", problems)
	}
}

func mustEntries(t *testing.T, f *recFixture) []record.Entry {
	t.Helper()
	entries, err := record.Entries(context.Background(), f.e.DB, f.decision.ID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
