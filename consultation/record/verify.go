package record

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// TxBeginner starts the read-only snapshot verification runs in (a pool).
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// Verify verifies a decision's record in one read-only snapshot, so an
// entry appended meanwhile cannot make a consistent record look broken: it
// recomputes the hash chain, checks every signature against the keys the
// platform published, re-reads every row an entry binds (evidence), runs
// the registered checks and checks the decision's chain against the log of
// signed tree heads (heads.go). It names the first broken entry; err is
// only for failures to read.
func Verify(ctx context.Context, db TxBeginner, decisionID int64) (VerifyResult, error) {
	return verifySnapshot(ctx, db, decisionChain(decisionID))
}

// VerifyNamed verifies a named chain (chains.go) the way Verify verifies
// a decision's record: the hash chain, the signatures, the rows its
// entries bind, the checks registered for its scope and its logged heads.
// A chain with no entries verifies as empty; the scope's checks still run
// (they name rows no entry records).
func VerifyNamed(ctx context.Context, db TxBeginner, chain string) (VerifyResult, error) {
	if err := checkChainName(chain); err != nil {
		return VerifyResult{}, err
	}
	return verifySnapshot(ctx, db, chainKey{name: chain})
}

func verifySnapshot(ctx context.Context, db TxBeginner, k chainKey) (VerifyResult, error) {
	var r VerifyResult
	err := pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		r, err = verifyIn(ctx, tx, k)
		return err
	})
	return r, err
}

func verifyIn(ctx context.Context, tx pgx.Tx, k chainKey) (VerifyResult, error) {
	entries, err := chainEntries(ctx, tx, k)
	if err != nil {
		return VerifyResult{}, err
	}
	r := VerifyChain(k.decision, entries)
	r.Chain = k.name
	scope, id := k.scope()
	ring, err := LoadKeyring(ctx, tx)
	if err != nil {
		return r, err
	}
	seq, problem, n, key := CheckSignatures(entries, ring)
	r.Signatures, r.SignerKey = n, key
	r.fail(seq, problem)
	personal, err := personalKeysOf(ctx, tx, entries)
	if err != nil {
		return r, errs.Internal(err)
	}
	seq, problem, r.PersonalSignatures, r.PersonalKeys = CheckPersonalSignatures(entries, personal)
	r.fail(seq, problem)
	seq, problem, r.Anchored, err = checkLogged(ctx, tx, k, entries, ring)
	if err != nil {
		return r, err
	}
	r.fail(seq, problem)
	seq, problem, n, err = checkEvidence(entries, onlineEvidence(ctx, tx))
	if err != nil {
		return r, errs.Internal(err)
	}
	r.Evidence = n
	r.fail(seq, problem)
	for _, c := range registeredChecks() {
		if c.Online == nil || c.Scope != scope {
			continue
		}
		seq, problem, err := c.Online(ctx, tx, id, entries)
		if err != nil {
			return r, errs.Internal(err)
		}
		r.fail(seq, problem)
	}
	return r, nil
}

// VerifyAll verifies the records of the decisions, in the order given. It fails only on a database error; broken records are results
// with OK false.
func VerifyAll(ctx context.Context, db TxBeginner, decisionIDs []int64) ([]VerifyResult, error) {
	out := make([]VerifyResult, 0, len(decisionIDs))
	for _, id := range decisionIDs {
		r, err := Verify(ctx, db, id)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}
