package consultation

import (
	"context"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Who reads the process record (决策档案, Decree 713 Art. 33). Before a
// decision is public the whole record is internal, like the draft itself,
// and only those who may see the decision internally (canSeeInternal) read
// it. From the moment the decision is public (its consultation opened or it
// was published) everyone reads it: the law wants the procedure traceable,
// and every entry is shown with its hashes so the chain can be followed.
// What the record says about internal material is reduced for public
// readers to numbers and hashes (RecordEntry.Redacted): a draft version that was never
// put to consultation, attachments of such versions and of procedure
// documents, and the procedure documents themselves, which stay internal
// until a later step publishes them. Public readers never learn who acted,
// only in which role: actor ids are blanked (PIPL: residents act under a
// pseudonym, and the record must not link it to an account).

// GetDecisionRecord returns one page of the decision's process record in
// order of seq (cursor: the last seq of the previous page). Anyone may call
// it for a public decision; before that only those who may see the decision
// internally. Public readers get entries without actor ids and with the
// payloads about internal material reduced and marked Redacted. Codes:
// decision_not_found, invalid_cursor.
func (s *Service) GetDecisionRecord(ctx context.Context, actor *identity.Account, decisionID int64, limit int, cur string) ([]RecordEntry, string, error) {
	after, err := cursor.Decode(cur)
	if err != nil {
		return nil, "", err
	}
	limit = cursor.Limit(limit)
	next := ""
	out, err := s.readRecord(ctx, actor, decisionID, func(tx pgx.Tx) ([]RecordEntry, error) {
		entries, err := record.Entries(ctx, tx, decisionID, after, limit+1)
		if len(entries) > limit {
			entries = entries[:limit]
			next = cursor.Encode(entries[len(entries)-1].Seq)
		}
		return entries, err
	})
	if err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// GetDecisionRecordKinds returns the first limit entries of the given kinds
// in the decision's process record, in order of seq, as GetDecisionRecord
// shows them to the actor. The public decision page builds its timeline from
// the few procedure steps of a record whose bulk is comment moderation and
// checkpoints: reading the whole record for it cost a decision with 4,690
// moderated comments ~210 ms a page view (issue 8). Codes:
// decision_not_found.
func (s *Service) GetDecisionRecordKinds(ctx context.Context, actor *identity.Account, decisionID int64, kinds []RecordKind, limit int) ([]RecordEntry, error) {
	return s.readRecord(ctx, actor, decisionID, func(tx pgx.Tx) ([]RecordEntry, error) {
		return record.EntriesOfKinds(ctx, tx, decisionID, kinds, limit)
	})
}

// readRecord reads record entries with fetch in one read-only snapshot, if
// the actor may see the decision, and redacts them for public readers:
// entries without actor ids, payloads about internal material reduced.
func (s *Service) readRecord(ctx context.Context, actor *identity.Account, decisionID int64,
	fetch func(pgx.Tx) ([]RecordEntry, error)) ([]RecordEntry, error) {
	var out []RecordEntry
	err := inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := visibleDecision(ctx, tx, actor, decisionID)
		if err != nil {
			return err
		}
		entries, err := fetch(tx)
		if err != nil {
			return err
		}
		if !canSeeInternal(actor, &d) {
			public := map[int64]bool{} // version id → public, asked once per version
			for i := range entries {
				entries[i].ActorID = nil
				if err := redactForPublic(ctx, tx, &entries[i], public); err != nil {
					return err
				}
			}
		}
		out = entries
		return nil
	})
	return out, err
}

// redactForPublic reduces the payload of an entry about internal material
// to its identifiers and hashes.
func redactForPublic(ctx context.Context, q querier, e *RecordEntry, public map[int64]bool) error {
	var keep []string
	switch e.Kind {
	case RecordDraftVersionCreated, RecordAttachmentStored, RecordProcedureDocument, RecordDeliberation, RecordPartyReport:
	case RecordCommentModerated, RecordCommentDisposition, RecordGroupDisposition, RecordBatchDisposition:
		return redactCommentEntry(e)
	default:
		if k, ok := reviewPublicKeys[e.Kind]; ok {
			return reducePayload(e, k)
		}
		if strings.Contains(e.Payload, `"signed_by"`) {
			// Any other signed step (the publication): its content is
			// public, its signer's account and statement are not.
			return reduceSignedBy(e)
		}
		return nil
	}
	p, err := record.ParsePayload(e.Payload)
	if err != nil {
		return errs.Internal(err)
	}
	versionIsPublic := func() (bool, error) {
		id, ok := record.PayloadInt(p, "version_id")
		if !ok {
			return false, nil
		}
		if v, seen := public[id]; seen {
			return v, nil
		}
		v, err := versionPublic(ctx, q, e.DecisionID, id)
		public[id] = v
		return v, err
	}
	switch e.Kind {
	case RecordDraftVersionCreated:
		ok, err := versionIsPublic()
		if err != nil || ok {
			return err
		}
		keep = []string{"version_id", "number", "content_hash"}
	case RecordAttachmentStored:
		if _, ok := p["procedure_document_id"]; !ok {
			ok, err := versionIsPublic()
			if err != nil || ok {
				return err
			}
		}
		keep = []string{"attachment_id", "version_id", "procedure_document_id", "sha256", "size"}
	case RecordProcedureDocument:
		keep = []string{"document_id", "kind", "content_hash", "version_id", "version_number", "version_hash"}
	case RecordDeliberation:
		// Members' votes, dissent, the head's reason and the minutes are the
		// meeting's internal record (Decree 713 Art. 30); the public learns
		// which meeting decided what on which version.
		keep = []string{"deliberation_id", "meeting_kind", "meeting_date", "session", "outcome", "version_id", "version_number", "version_hash",
			"signed_by"}
	case RecordPartyReport:
		// A report to the Party committee is an internal document; its date
		// shows that it was made before publication (Art. 31).
		keep = []string{"party_report_id", "deliberation_id", "committee", "report_date", "version_hash"}
	}
	return reducePayload(e, keep)
}

// publicSignedBy reduces a kept signed_by to what public readers see: the
// role, time and platform key, how it was signed (method) and, for the
// signer's own key, its id and origin; not the account, nor the statement,
// which repeats the internal content.
func publicSignedBy(by map[string]any) map[string]any {
	out := map[string]any{"role": by["role"], "signed_at": by["signed_at"], "key_id": by["key_id"]}
	if m, ok := by["method"]; ok {
		out["method"] = m
	}
	if k, ok := by["personal"].(map[string]any); ok {
		out["personal"] = map[string]any{"key_id": k["key_id"], "origin": k["origin"]}
	}
	return out
}

// reviewPublicKeys is what public readers see of the legality review's
// entries: the steps, the version hashes and the outcomes, not the internal
// reasoning of opinions and conclusions nor the advisers' accounts
// (signed_by keeps the role, time and key, not the account id).
var reviewPublicKeys = map[RecordKind][]string{
	RecordAdviserAssigned:    {"review_id"},
	RecordLegalOpinion:       {"review_id", "version_id", "version_number", "version_hash", "overall", "signed_by"},
	RecordReviewConclusion:   {"review_id", "version_id", "version_number", "version_hash", "outcome", "risk_statement", "earliest_at", "calendar_version", "signed_by"},
	RecordReviewConfirmation: {"review_id", "version_id", "version_number", "version_hash", "reviewed_version_hash", "signed_by"},
}

// reducePayload keeps only the keys of an entry's payload, and of a
// signed_by object what publicSignedBy keeps, and marks it Redacted.
func reducePayload(e *RecordEntry, keep []string) error {
	return reduceEntry(e, func(k string) bool { return slices.Contains(keep, k) })
}

// reduceSignedBy keeps the whole payload but reduces its signed_by to what
// publicSignedBy keeps, and marks the entry Redacted.
func reduceSignedBy(e *RecordEntry) error {
	return reduceEntry(e, func(string) bool { return true })
}

func reduceEntry(e *RecordEntry, keep func(key string) bool) error {
	body, _, err := record.ReducePayload(e.Payload, func(k string, v any) (any, bool) {
		if !keep(k) {
			return nil, false
		}
		if by, ok := v.(map[string]any); ok && k == "signed_by" {
			return publicSignedBy(by), true
		}
		return v, true
	})
	if err != nil {
		return errs.Internal(err)
	}
	e.Payload, e.Redacted = body, true
	return nil
}

// VerifyDecisionRecord verifies the decision's process record
// (record.Verify: the hash chain, the signatures with every key the
// platform published, the rows entries bind, the draft versions and
// attachments, the comment checkpoints), naming the first broken entry.
// Whoever may read the record may verify it (see GetDecisionRecord).
// Codes: decision_not_found.
func (s *Service) VerifyDecisionRecord(ctx context.Context, actor *identity.Account, decisionID int64) (VerifyResult, error) {
	if _, err := visibleDecision(ctx, s.DB, actor, decisionID); err != nil {
		return VerifyResult{}, err
	}
	return record.Verify(ctx, s.DB, decisionID)
}

// VerifyStoredRecord is VerifyDecisionRecord for an operator with database
// access (`canyu record verify --decision`): it checks no account. Codes:
// decision_not_found.
func (s *Service) VerifyStoredRecord(ctx context.Context, decisionID int64) (VerifyResult, error) {
	if _, err := getDecision(ctx, s.DB, decisionID, false); err != nil {
		return VerifyResult{}, err
	}
	return record.Verify(ctx, s.DB, decisionID)
}

// VerifyAllRecords verifies the record of every decision, in order of id,
// for an operator with database access (`canyu record verify`). It fails
// only on a database error; broken records are results with OK false.
func (s *Service) VerifyAllRecords(ctx context.Context) ([]VerifyResult, error) {
	ids, err := queryIDs(ctx, s.DB, `SELECT id FROM decisions ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return record.VerifyAll(ctx, s.DB, ids)
}

// commentSecrets are payload fields of comment entries that the public
// record must not show: a receipt is the resident's bearer secret for
// looking up their comment (and, when a consultation hides individual
// comments, the only way to read one), and the text is shown publicly only
// through the comment lists, which honour the consultation's setting. The
// entry's hashes still commit to them.
var commentSecrets = map[string]bool{"receipt": true, "receipts": true, "body": true}

func redactCommentEntry(e *RecordEntry) error {
	body, dropped, err := record.ReducePayload(e.Payload, func(k string, v any) (any, bool) { return v, !commentSecrets[k] })
	if err != nil {
		return errs.Internal(err)
	}
	if dropped {
		e.Payload, e.Redacted = body, true
	}
	return nil
}
