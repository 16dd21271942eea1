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
	f.e.RewriteChain(t, f.decision.ID, updated, func(p string) string { return strings.Replace(p, "阶梯水价", "统一水价", 1) })
	// The attacker rewrites the decision's row to match, or verification
	// names the rewritten entry by the row alone.
	f.e.AsSuperuser(t, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE decisions SET summary = replace(summary, '阶梯水价', '统一水价') WHERE id = $1`, f.decision.ID)
		return err
	})
	if got := record.VerifyChain(f.decision.ID, mustEntries(t, f.e.DB, f.decision.ID)); !got.OK {
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
	// signed heads, and the service signs a head over the rebuilt log: the
	// database alone no longer shows it, the saved head does.
	f.e.RebuildLog(t)
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

func mustEntries(t *testing.T, q record.Querier, decisionID int64) []record.Entry {
	t.Helper()
	entries, err := record.Entries(context.Background(), q, decisionID, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
