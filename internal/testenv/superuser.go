package testenv

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// What a database superuser can do behind the service's back (issue 12):
// the record's tests tamper with rows, rewrite a chain and rebuild the log
// of chain heads the way such an attacker would, and check what still
// catches it.

// AsSuperuser runs fn in one transaction with every trigger off
// (session_replication_role replica, which only a superuser may set): the
// append-only and immutability triggers no longer stop an update.
func (e *Env) AsSuperuser(tb testing.TB, fn func(tx pgx.Tx) error) {
	tb.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, e.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
			return err
		}
		return fn(tx)
	}); err != nil {
		tb.Fatalf("as superuser: %v", err)
	}
}

// RewriteChain rewrites a decision's record from entry seq on: edit
// changes that entry's payload, and every entry hash from there on is
// recomputed and re-linked, so the chain by itself verifies again. A later
// signed entry's signature, over its old hash, no longer verifies: only the
// platform's key could sign the new one.
func (e *Env) RewriteChain(tb testing.TB, decisionID, seq int64, edit func(payload string) string) {
	tb.Helper()
	ctx := context.Background()
	e.AsSuperuser(tb, func(tx pgx.Tx) error {
		entries, err := record.Entries(ctx, tx, decisionID, 0, 0)
		if err != nil {
			return err
		}
		prev := record.GenesisHash
		if seq > 1 {
			prev = entries[seq-2].EntryHash
		}
		for _, en := range entries[seq-1:] {
			if en.Seq == seq {
				if changed := edit(en.Payload); changed != en.Payload {
					en.Payload = changed
				} else {
					tb.Errorf("rewrite: the edit left entry %d of decision %d unchanged", seq, decisionID)
				}
			}
			en.PrevHash = prev
			en.EntryHash = record.EntryHash(en)
			prev = en.EntryHash
			if _, err := tx.Exec(ctx, `UPDATE record_entries SET payload = $2, prev_hash = $3, entry_hash = $4 WHERE id = $1`,
				en.ID, en.Payload, en.PrevHash, en.EntryHash); err != nil {
				return err
			}
		}
		return nil
	})
}

// RebuildLog covers rewritten chains in the log of chain heads: every
// logged leaf takes the hash its entry has now, the signed tree heads
// (which the attacker cannot sign again) are dropped, and the service's
// next run signs a head over the rebuilt leaves. The database is then
// consistent with itself; only a tree head someone saved before shows the
// rewrite.
func (e *Env) RebuildLog(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	e.AsSuperuser(tb, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE record_log_leaves l SET entry_hash = e.entry_hash FROM record_entries e
			WHERE (e.decision_id = l.decision_id AND e.chain = '' AND l.chain = '' OR l.chain <> '' AND e.chain = l.chain) AND e.seq = l.seq;
			DELETE FROM record_tree_heads`)
		return err
	})
	if signed, err := e.Consultation.LogRecordHeads(ctx); err != nil || !signed {
		tb.Fatalf("the service signs a head over the rebuilt log: %v %v", signed, err)
	}
}
