package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// RecordEntryView is one entry of a decision's process record (决策档案).
type RecordEntryView struct {
	Seq              int64          `json:"seq" doc:"Position in the decision's record, from 1."`
	RecordedAt       time.Time      `json:"recorded_at"`
	ActorRole        string         `json:"actor_role" doc:"Role of the account that acted, or system."`
	ActorID          *int64         `json:"actor_id,omitempty" doc:"Account that acted; shown only to staff who may see the decision internally."`
	Kind             string         `json:"kind" doc:"What happened, e.g. stage_changed, draft_version_created, attachment_stored."`
	Payload          map[string]any `json:"payload" doc:"The entry's content."`
	PayloadCanonical string         `json:"payload_canonical,omitempty" doc:"The payload exactly as hashed (canonical JSON: sorted keys, no insignificant whitespace); absent when redacted."`
	Redacted         bool           `json:"redacted,omitempty" doc:"The payload describes internal material (an unpublished draft version, a procedure document or their files) and is reduced to identifiers and hashes for public readers."`
	PrevHash         string         `json:"prev_hash" doc:"entry_hash of the previous entry; 64 zeros for the first."`
	EntryHash        string         `json:"entry_hash" doc:"SHA-256 over the entry's fields and prev_hash (see the archive's README.txt)."`
	Signature        string         `json:"signature,omitempty"`
	SignerKey        string         `json:"signer_key,omitempty"`
	SignatureMethod  string         `json:"signature_method,omitempty" enum:"personal_key,password,platform" doc:"How a signed entry was signed: with the signer's own key (and countersigned by the platform), by the platform after the signer re-entered their password, or by the platform alone."`
}

func recordEntryView(e consultation.RecordEntry) (RecordEntryView, error) {
	payload, err := consultation.ParseRecordPayload(e.Payload)
	if err != nil {
		return RecordEntryView{}, errs.Internal(err)
	}
	v := RecordEntryView{Seq: e.Seq, RecordedAt: e.RecordedAt.UTC(), ActorRole: e.ActorRole, ActorID: e.ActorID,
		Kind: string(e.Kind), Payload: payload, PayloadCanonical: e.Payload, Redacted: e.Redacted, PrevHash: e.PrevHash,
		EntryHash: e.EntryHash, Signature: e.Signature, SignerKey: e.SignerKey, SignatureMethod: record.SignatureMethod(e)}
	if e.Redacted {
		v.PayloadCanonical = ""
	}
	return v, nil
}

// DecisionRecordView is one page of a decision's process record.
type DecisionRecordView struct {
	DecisionID int64             `json:"decision_id"`
	Entries    []RecordEntryView `json:"entries"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// RecordVerificationView is the outcome of recomputing a record's hash chain
// and checking the evidence it points to.
type RecordVerificationView struct {
	DecisionID  int64  `json:"decision_id" doc:"The decision whose record was verified; 0 for a catalogue record (chain)."`
	Chain       string `json:"chain,omitempty" doc:"The named chain verified: catalogue:<decision body id>, a decision body's catalogue record (verify-catalogue-record)."`
	OK          bool   `json:"ok" doc:"Whether the whole record and its evidence are intact."`
	Entries     int    `json:"entries" doc:"Number of entries checked."`
	FirstBadSeq int64  `json:"first_bad_seq" doc:"seq of the first broken entry; 0 when intact (or when the fault is evidence no entry records)."`
	Problem     string `json:"problem" doc:"What is broken; empty when intact."`
	LastHash    string `json:"last_hash" doc:"entry_hash of the last entry when intact; keep it to detect a later replacement of the whole record."`
	Signatures  int    `json:"signatures" doc:"Number of entry signatures checked (signed opinions, conclusions and other sign-offs)."`
	SignerKey   string `json:"signer_key,omitempty" doc:"Id of the key the signatures were checked with; compare with get-record-public-key."`
	Evidence    int    `json:"evidence" doc:"Number of rows bound to entries (opinions, dispositions, reports…) re-read and matched by content hash."`
	Anchored    int    `json:"anchored" doc:"Number of the decision's logged chain heads checked against the signed tree heads (list-record-heads)."`
	// Issue 12: signatures the signer controls.
	PersonalSignatures int      `json:"personal_signatures" doc:"Number of steps signed with the signer's own key whose signature, statement and key were checked."`
	PersonalKeys       []string `json:"personal_keys,omitempty" doc:"Ids of the signers' own keys that made them (list-signing-keys)."`
}

func recordVerificationView(r consultation.VerifyResult) RecordVerificationView {
	return RecordVerificationView{DecisionID: r.DecisionID, Chain: r.Chain, OK: r.OK, Entries: r.Entries, FirstBadSeq: r.FirstBadSeq,
		Problem: r.Problem, LastHash: r.LastHash, Signatures: r.Signatures, SignerKey: r.SignerKey, Evidence: r.Evidence,
		Anchored: r.Anchored, PersonalSignatures: r.PersonalSignatures, PersonalKeys: r.PersonalKeys}
}

type getDecisionRecordInput struct {
	DecisionPath
	PageQuery
}

func (s *server) registerRecord() {
	tags := []string{"Process record"}
	s.registerRecordHeads()
	answer(s, huma.Operation{OperationID: "get-decision-record", Method: http.MethodGet, Path: "/decisions/{decision_id}/record",
		Summary: "The decision's process record", Tags: tags,
		Description: "The append-only, hash-chained record of every step (Decree 713 Art. 33), oldest first. " +
			"Public once the decision is public; before that only staff who may see the decision internally read it. " +
			"Public readers see the acting role, never the account."},
		public(), func(ctx context.Context, in *getDecisionRecordInput) (DecisionRecordView, error) {
			entries, next, err := s.svc.Consultation.GetDecisionRecord(ctx, actor(ctx), in.DecisionID, in.Limit, in.Cursor)
			if err != nil {
				return DecisionRecordView{}, err
			}
			v := DecisionRecordView{DecisionID: in.DecisionID, Entries: make([]RecordEntryView, len(entries)), NextCursor: next}
			for i, e := range entries {
				if v.Entries[i], err = recordEntryView(e); err != nil {
					return DecisionRecordView{}, err
				}
			}
			return v, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "verify-decision-record", Method: http.MethodPost, Path: "/decisions/{decision_id}/record/verify",
		Summary: "Verify the decision's process record", Tags: tags,
		Description: "Recomputes the hash chain, checks every recorded draft version and attachment, every row an entry binds (opinions, " +
			"conclusions, procedure documents, deliberations, dispositions, adoption reports, publications), the comments' checkpoints, " +
			"the signatures with every key the platform published and the chain against the signed tree heads; names the first broken entry. " +
			"Whoever may read the record may verify it. A broken record is a 200 answer with ok false."},
		public(), func(ctx context.Context, in *DecisionPath) (consultation.VerifyResult, error) {
			return s.svc.Consultation.VerifyDecisionRecord(ctx, actor(ctx), in.DecisionID)
		}, recordVerificationView)
	register(s, huma.Operation{OperationID: "export-decision-archive", Method: http.MethodGet, Path: "/decisions/{decision_id}/archive",
		Summary: "Export the decision's archive package", Tags: tags,
		Description: "One ZIP with the record (record.json), the decision, every draft version with its articles and attachments, the procedure documents, " +
			"the consultations and a manifest of SHA-256 hashes, verifiable offline (`canyu record verify-archive`; README.txt inside explains how). " +
			"Only staff of the lead unit, decision body or co-units, the legality-review roles and admins may export (403 `archive_forbidden`).",
		Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The archive package.",
			Content: map[string]*huma.MediaType{"application/zip": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		signedIn(), func(ctx context.Context, in *DecisionPath) (*streamedFile, error) {
			return streamFile(ctx, "canyu-archive-*.zip", "application/zip",
				`attachment; filename="`+consultation.ArchiveFilename(in.DecisionID)+`"`, func(w io.Writer) error {
					return s.svc.Consultation.ExportDecisionArchive(ctx, actor(ctx), in.DecisionID, w)
				})
		})
}
