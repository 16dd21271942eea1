package consultation

import (
	"context"
	"encoding/base64"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The process record itself (entries, chain, signatures, evidence,
// checkpoints' Merkle tree, archive, verification) is package record; this
// file is consultation's thin side of it: the kinds it writes and the calls
// its steps make. The aliases keep the names the rest of the code and the
// packages beside consultation use.

// RecordKind names a kind of process-record entry.
type RecordKind = record.Kind

// RecordEntry is one entry of a decision's process record.
type RecordEntry = record.Entry

// VerifyResult is the outcome of verifying a decision's record.
type VerifyResult = record.VerifyResult

// Signer holds the platform's record-signing key.
type Signer = record.Signer

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

// CanonicalJSON encodes v as canonical JSON (record.CanonicalJSON).
func CanonicalJSON(v any) ([]byte, error) { return record.CanonicalJSON(v) }

// SHA256Hex returns the hex SHA-256 of b.
func SHA256Hex(b []byte) string { return record.SHA256Hex(b) }

// ParseRecordPayload parses an entry's canonical payload into a JSON object,
// keeping numbers exact (json.Number), for showing it.
func ParseRecordPayload(payload string) (map[string]any, error) { return record.ParsePayload(payload) }

// RecordActor is the record's actor of a step that the account took, or
// the system's when there is no account (a scheduled step).
func RecordActor(a *identity.Account) record.Actor {
	if a == nil {
		return record.System
	}
	return record.Actor{AccountID: &a.ID, Role: string(a.Role)}
}

// appendRecord adds an entry to the decision's record inside tx, binding
// the rows in evidence (record.Bind). Callers hold the decision row lock
// (lockDecision), which orders entries per decision.
func (s *Service) appendRecord(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, kind RecordKind,
	payload any, evidence ...record.Evidence) (RecordEntry, error) {
	return record.AppendEntry(ctx, tx, record.Step{DecisionID: decisionID, Actor: RecordActor(actor), Kind: kind,
		Payload: payload, Evidence: evidence, At: s.now()}, nil)
}

// bind returns the evidence of a row this transaction wrote (record.Bind).
func bind(ctx context.Context, tx pgx.Tx, table string, id int64) ([]record.Evidence, error) {
	ev, err := record.Bind(ctx, tx, table, id)
	if err != nil {
		return nil, err
	}
	return []record.Evidence{ev}, nil
}

// appendSignedRecord appends an entry the platform signs: the payload gets
// "signed_by" (the actor's account id and role, the time, the key id) and,
// when versionHash is not empty, "version_hash", the content hash of the
// draft version signed off; the entry's signature is the platform's
// Ed25519 signature over its entry hash.
func (s *Service) appendSignedRecord(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, kind RecordKind,
	payload map[string]any, versionHash string, evidence ...record.Evidence) (RecordEntry, error) {
	return s.appendStep(ctx, tx, signedStep{decisionID: decisionID, actor: actor, kind: kind, payload: payload,
		versionHash: versionHash, signed: true, at: s.now(), evidence: evidence})
}

// signedStep is a step appendStep records.
type signedStep struct {
	decisionID  int64
	actor       *identity.Account
	kind        RecordKind
	payload     map[string]any
	versionHash string
	signed      bool
	at          time.Time
	seq         int64
	evidence    []record.Evidence
	// auth, for a sign-off the signer authorised (authorise), says how:
	// their own signature, or a re-entered password.
	auth *signOff
}

func (s *Service) appendStep(ctx context.Context, tx pgx.Tx, st signedStep) (RecordEntry, error) {
	at := st.at.Truncate(time.Microsecond)
	body := make(map[string]any, len(st.payload)+2)
	for k, v := range st.payload {
		body[k] = v
	}
	var signer *record.Signer
	if st.signed {
		if s.Signer == nil {
			return RecordEntry{}, errs.Internal(errors.New("no record signing key configured"))
		}
		signer = s.Signer
		signedBy := map[string]any{"role": "system", "signed_at": at.Format(time.RFC3339Nano), "key_id": s.Signer.KeyID()}
		if st.actor != nil {
			signedBy["account_id"], signedBy["role"] = st.actor.ID, string(st.actor.Role)
		}
		switch {
		case st.auth != nil && st.auth.personal != nil:
			for k, v := range st.auth.personal.SignedBy() {
				signedBy[k] = v
			}
		case st.auth != nil && st.auth.platform:
			signedBy["method"] = record.MethodPlatform
		case st.auth != nil:
			signedBy["method"] = record.MethodPassword
		}
		body["signed_by"] = signedBy
	}
	if st.versionHash != "" {
		body["version_hash"] = st.versionHash
	}
	return record.AppendEntry(ctx, tx, record.Step{DecisionID: st.decisionID, Actor: RecordActor(st.actor), Kind: st.kind,
		Payload: body, Evidence: st.evidence, At: at, Seq: st.seq}, signer)
}

// appendBound records a step that writes a row others read (an opinion, a
// deliberation, a publication) and stores its entry's seq and time: write
// is called with the seq and time the entry will have, writes the row and
// returns its table and id; the entry then binds the row's content hash
// (record.Bind), so that verification catches the row changed later.
func (s *Service) appendBound(ctx context.Context, tx pgx.Tx, st signedStep,
	write func(seq int64, at time.Time) (table string, id int64, err error)) (RecordEntry, error) {
	seq, err := record.NextSeq(ctx, tx, st.decisionID)
	if err != nil {
		return RecordEntry{}, err
	}
	st.seq, st.at = seq, st.at.UTC().Truncate(time.Microsecond)
	table, id, err := write(st.seq, st.at)
	if err != nil {
		if _, ok := errs.As(err); ok {
			return RecordEntry{}, err
		}
		return RecordEntry{}, errs.Internal(err)
	}
	ev, err := record.Bind(ctx, tx, table, id)
	if err != nil {
		return RecordEntry{}, err
	}
	st.evidence = append(st.evidence, ev)
	return s.appendStep(ctx, tx, st)
}

// RecordPublicKey is the platform's record-signing public key.
type RecordPublicKey struct {
	KeyID     string
	Algorithm string
	PEM       string
	Base64    string
}

// GetRecordPublicKey returns the public key that signs process-record
// entries now. Anyone may call it. Without a configured key it fails as an
// internal error (the service starts only with one).
func (s *Service) GetRecordPublicKey(ctx context.Context) (RecordPublicKey, error) {
	if s.Signer == nil {
		return RecordPublicKey{}, errs.Internal(errors.New("no record signing key configured"))
	}
	return RecordPublicKey{KeyID: s.Signer.KeyID(), Algorithm: "Ed25519", PEM: string(s.Signer.PublicKeyPEM()),
		Base64: base64.StdEncoding.EncodeToString(s.Signer.PublicKey())}, nil
}

// LogRecordHeads appends the chain heads that grew since the last tree
// head to the record's log and signs a new tree head (record.LogHeads); the
// job runs it every record.HeadInterval. It reports whether a head was
// signed.
func (s *Service) LogRecordHeads(ctx context.Context) (bool, error) {
	if s.Signer == nil {
		return false, nil // nothing can be signed; the service starts with a key
	}
	signed := false
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		_, made, err := record.LogHeads(ctx, tx, s.Signer, s.now())
		signed = made
		return err
	})
	return signed, err
}
