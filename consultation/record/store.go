package record

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Querier is what the record's SQL runs on: a pool, a connection or a
// transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Columns are record_entries' columns in the order Entry scans them by name.
// A named chain's entries have no decision (NULL, read as 0).
const Columns = `id, coalesce(decision_id, 0) AS decision_id, chain, seq, recorded_at, actor_id, actor_role, kind, payload, prev_hash,
	entry_hash, signature, signer_key`

// Step is one step to append to a decision's record, or to a named chain.
type Step struct {
	DecisionID int64
	// Chain, when set, names the named chain (ChainName) the entry goes
	// to instead; DecisionID is then 0. Appends to a named chain are
	// ordered by an advisory lock AppendEntry takes itself.
	Chain string
	Actor Actor
	Kind  Kind
	// Payload is encoded as canonical JSON. With Evidence, a map payload
	// gets an "evidence" member; any other payload is wrapped as
	// {"step": payload, "evidence": [...]}.
	Payload  any
	Evidence []Evidence
	// At is the time recorded (truncated to microseconds, which PostgreSQL
	// keeps, so the hash covers what is read back).
	At time.Time
	// Seq, when not 0, is the seq the caller expects the entry to get
	// (NextSeq; a row that stores its entry's seq is written before the
	// entry binds it). Any other seq is an internal error.
	Seq int64
}

// NextSeq returns the seq the decision's next entry will get; the caller
// holds the decision's row lock, so it stays the next until it appends.
func NextSeq(ctx context.Context, q Querier, decisionID int64) (int64, error) {
	var seq int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM record_entries WHERE decision_id = $1`, decisionID).Scan(&seq); err != nil {
		return 0, errs.Internal(err)
	}
	return seq, nil
}

// AppendEntry appends st to its decision's record inside tx, signed by
// signer when it is not nil (the signer's key is published first, and a
// tree head covering the entry is signed in the same transaction). The
// caller orders appends per decision (holds the decision's row lock); the
// UNIQUE (decision_id, seq) constraint is the backstop.
func AppendEntry(ctx context.Context, tx pgx.Tx, st Step, signer *Signer) (Entry, error) {
	payload := st.Payload
	if len(st.Evidence) > 0 {
		if m, ok := payload.(map[string]any); ok {
			body := make(map[string]any, len(m)+1)
			for k, v := range m {
				body[k] = v
			}
			body["evidence"] = st.Evidence
			payload = body
		} else {
			payload = map[string]any{"step": payload, "evidence": st.Evidence}
		}
	}
	body, err := CanonicalJSON(payload)
	if err != nil {
		return Entry{}, errs.Internal(err)
	}
	e := Entry{DecisionID: st.DecisionID, Chain: st.Chain, Kind: st.Kind, Payload: string(body), PrevHash: GenesisHash,
		RecordedAt: st.At.UTC().Truncate(time.Microsecond), ActorID: st.Actor.AccountID, ActorRole: st.Actor.Role}
	if e.ActorRole == "" {
		e.ActorRole = System.Role
	}
	key := decisionChain(st.DecisionID)
	if st.Chain != "" {
		if err := checkChainName(st.Chain); err != nil || st.DecisionID != 0 {
			return Entry{}, errs.Internal(fmt.Errorf("record: step of decision %d on chain %q: %v", st.DecisionID, st.Chain, err))
		}
		key = chainKey{name: st.Chain}
		if err := LockChain(ctx, tx, st.Chain); err != nil {
			return Entry{}, err
		}
	}
	var lastSeq int64
	var lastHash string
	cond, arg := key.where(1)
	err = tx.QueryRow(ctx, `SELECT seq, entry_hash FROM record_entries WHERE `+cond+` ORDER BY seq DESC LIMIT 1`, arg).Scan(&lastSeq, &lastHash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return Entry{}, errs.Internal(err)
	default:
		e.PrevHash = lastHash
	}
	e.Seq = lastSeq + 1
	if st.Seq != 0 && st.Seq != e.Seq {
		return Entry{}, errs.Internal(fmt.Errorf("record: decision %d: entry would be %d, the caller wrote %d (no decision lock?)",
			st.DecisionID, e.Seq, st.Seq))
	}
	e.EntryHash = EntryHash(e)
	if signer != nil {
		if err := PublishKey(ctx, tx, signer, e.RecordedAt); err != nil {
			return Entry{}, err
		}
		e.Signature, e.SignerKey = signer.SignEntryHash(e.EntryHash), signer.KeyID()
	}
	err = tx.QueryRow(ctx, `INSERT INTO record_entries (decision_id, chain, seq, recorded_at, actor_id, actor_role, kind, payload,
		prev_hash, entry_hash, signature, signer_key) VALUES (nullif($1, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		e.DecisionID, e.Chain, e.Seq, e.RecordedAt, e.ActorID, e.ActorRole, e.Kind, e.Payload, e.PrevHash, e.EntryHash,
		e.Signature, e.SignerKey).Scan(&e.ID)
	if err != nil {
		return Entry{}, errs.Internal(err)
	}
	if signer != nil {
		// Every signed step is anchored at once: a tree head covering it
		// commits with it (heads.go).
		if _, _, err := LogHeads(ctx, tx, signer, e.RecordedAt); err != nil {
			return Entry{}, err
		}
	}
	return e, nil
}

// Entries loads a decision's entries with seq > after, in order; limit 0
// loads all of them.
func Entries(ctx context.Context, q Querier, decisionID, after int64, limit int) ([]Entry, error) {
	sql := `SELECT ` + Columns + ` FROM record_entries WHERE decision_id = $1 AND chain = '' AND seq > $2 ORDER BY seq`
	args := []any{decisionID, after}
	if limit > 0 {
		sql += ` LIMIT $3`
		args = append(args, limit)
	}
	return queryEntries(ctx, q, sql, args...)
}

// EntriesOfKinds loads the first limit entries of the given kinds, in order.
func EntriesOfKinds(ctx context.Context, q Querier, decisionID int64, kinds []Kind, limit int) ([]Entry, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	sql := `SELECT ` + Columns + ` FROM record_entries WHERE decision_id = $1 AND chain = '' AND kind = ANY($2::text[]) ORDER BY seq`
	args := []any{decisionID, names}
	if limit > 0 {
		sql += ` LIMIT $3`
		args = append(args, limit)
	}
	return queryEntries(ctx, q, sql, args...)
}

func queryEntries(ctx context.Context, q Querier, sql string, args ...any) ([]Entry, error) {
	return pgrows.All[Entry](ctx, q, sql, args...)
}
