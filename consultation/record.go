package consultation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// RecordKind names a kind of process-record entry.
type RecordKind string

// Record entry kinds written by this package. Later features add their own.
const (
	RecordDecisionCreated      RecordKind = "decision_created"
	RecordDecisionUpdated      RecordKind = "decision_updated"
	RecordStageChanged         RecordKind = "stage_changed"
	RecordDraftVersionCreated  RecordKind = "draft_version_created"
	RecordConsultationOpened   RecordKind = "consultation_opened"
	RecordConsultationExtended RecordKind = "consultation_extended"
	RecordConsultationClosed   RecordKind = "consultation_closed"
	RecordProcedureDocument    RecordKind = "procedure_document_added"
	RecordAttachmentStored     RecordKind = "attachment_stored"
	RecordDecisionWithdrawn    RecordKind = "decision_withdrawn"
)

// GenesisHash is the prev_hash of a decision's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// RecordEntry is one entry of a decision's process record.
type RecordEntry struct {
	ID         int64      `db:"id" json:"-"`
	DecisionID int64      `db:"decision_id" json:"decision_id"`
	Seq        int64      `db:"seq" json:"seq"`
	RecordedAt time.Time  `db:"recorded_at" json:"recorded_at"`
	ActorID    *int64     `db:"actor_id" json:"actor_id"`
	ActorRole  string     `db:"actor_role" json:"actor_role"`
	Kind       RecordKind `db:"kind" json:"kind"`
	Payload    string     `db:"payload" json:"payload"`
	PrevHash   string     `db:"prev_hash" json:"prev_hash"`
	EntryHash  string     `db:"entry_hash" json:"entry_hash"`
	Signature  string     `db:"signature" json:"signature,omitempty"`
	SignerKey  string     `db:"signer_key" json:"signer_key,omitempty"`
	// Redacted reports that Payload was reduced for a public reader (see
	// GetDecisionRecord); it then no longer matches EntryHash.
	Redacted bool `db:"-" json:"-"`
}

// CanonicalJSON encodes v as canonical JSON: object keys sorted, no
// insignificant whitespace, no HTML escaping. Hashes are taken over it.
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// encoding/json sorts map keys, which makes the re-encoding canonical.
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// SHA256Hex returns the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// EntryHash computes an entry's hash from its fields: every field that
// carries meaning is covered, each length-prefixed so no two different
// entries can encode to the same bytes.
func EntryHash(e RecordEntry) string {
	actor := ""
	if e.ActorID != nil {
		actor = strconv.FormatInt(*e.ActorID, 10)
	}
	fields := []string{
		"canyu-record-v1",
		strconv.FormatInt(e.DecisionID, 10),
		strconv.FormatInt(e.Seq, 10),
		e.RecordedAt.UTC().Format(time.RFC3339Nano),
		actor,
		e.ActorRole,
		string(e.Kind),
		e.Payload,
		e.PrevHash,
	}
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// appendRecord adds an entry to the decision's record inside tx. Callers
// hold the decision row lock (lockDecision), which orders entries per
// decision; the UNIQUE (decision_id, seq) constraint is the backstop.
func (s *Service) appendRecord(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, kind RecordKind, payload any) (RecordEntry, error) {
	// PostgreSQL keeps microseconds; hash what will be read back.
	return s.appendEntry(ctx, tx, decisionID, actor, kind, payload, s.now().Truncate(time.Microsecond), nil)
}

// appendEntry is appendRecord at a given time, signed by signer when it is
// not nil (see appendSignedRecord in signing.go).
func (s *Service) appendEntry(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, kind RecordKind, payload any, at time.Time, signer *Signer) (RecordEntry, error) {
	body, err := CanonicalJSON(payload)
	if err != nil {
		return RecordEntry{}, errs.Internal(err)
	}
	e := RecordEntry{DecisionID: decisionID, Kind: kind, Payload: string(body), PrevHash: GenesisHash, RecordedAt: at}
	if actor != nil {
		e.ActorID = &actor.ID
		e.ActorRole = string(actor.Role)
	} else {
		e.ActorRole = "system"
	}
	var lastSeq int64
	var lastHash string
	err = tx.QueryRow(ctx, `SELECT seq, entry_hash FROM record_entries WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1`, decisionID).Scan(&lastSeq, &lastHash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return RecordEntry{}, errs.Internal(err)
	default:
		e.PrevHash = lastHash
	}
	e.Seq = lastSeq + 1
	e.EntryHash = EntryHash(e)
	if signer != nil {
		e.Signature, e.SignerKey = signer.SignEntryHash(e.EntryHash), signer.KeyID()
	}
	err = tx.QueryRow(ctx, `INSERT INTO record_entries (decision_id, seq, recorded_at, actor_id, actor_role, kind, payload, prev_hash, entry_hash, signature, signer_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		e.DecisionID, e.Seq, e.RecordedAt, e.ActorID, e.ActorRole, e.Kind, e.Payload, e.PrevHash, e.EntryHash, e.Signature, e.SignerKey).Scan(&e.ID)
	if err != nil {
		return RecordEntry{}, errs.Internal(err)
	}
	return e, nil
}

// VerifyResult is the outcome of recomputing a record's chain.
type VerifyResult struct {
	DecisionID  int64  `json:"decision_id"`
	Entries     int    `json:"entries"`
	OK          bool   `json:"ok"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
	Problem     string `json:"problem,omitempty"`
	LastHash    string `json:"last_hash,omitempty"`
	// Signatures is how many entry signatures were checked, and SignerKey
	// the id of the key they were checked with (compare it with the
	// published key, get-record-public-key).
	Signatures int    `json:"signatures"`
	SignerKey  string `json:"signer_key,omitempty"`
}

// VerifyChain recomputes the hash chain of entries (ordered by seq) and
// names the first broken entry.
func VerifyChain(decisionID int64, entries []RecordEntry) VerifyResult {
	r := VerifyResult{DecisionID: decisionID, Entries: len(entries), OK: true}
	prev := GenesisHash
	for i, e := range entries {
		fail := func(msg string) VerifyResult {
			r.OK, r.FirstBadSeq, r.Problem = false, e.Seq, msg
			return r
		}
		if e.Seq != int64(i+1) {
			return fail(fmt.Sprintf("entry %d: sequence number %d where %d was expected (an entry is missing or inserted)", e.Seq, e.Seq, i+1))
		}
		if e.PrevHash != prev {
			return fail(fmt.Sprintf("entry %d: previous-entry hash does not match entry %d", e.Seq, e.Seq-1))
		}
		if got := EntryHash(e); got != e.EntryHash {
			return fail(fmt.Sprintf("entry %d: content does not match its hash (stored %s…, recomputed %s…)", e.Seq, e.EntryHash[:12], got[:12]))
		}
		prev = e.EntryHash
	}
	r.LastHash = prev
	return r
}
