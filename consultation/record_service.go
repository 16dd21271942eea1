package consultation

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

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

const recordColumns = `id, decision_id, seq, recorded_at, actor_id, actor_role, kind, payload, prev_hash, entry_hash, signature, signer_key`

// recordEntries loads a decision's entries with seq > after, in order; limit
// 0 loads all of them.
func recordEntries(ctx context.Context, q querier, decisionID, after int64, limit int) ([]RecordEntry, error) {
	sql := `SELECT ` + recordColumns + ` FROM record_entries WHERE decision_id = $1 AND seq > $2 ORDER BY seq`
	args := []any{decisionID, after}
	if limit > 0 {
		sql += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[RecordEntry])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

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
		entries, err := recordEntries(ctx, tx, decisionID, after, limit+1)
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
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return s.readRecord(ctx, actor, decisionID, func(tx pgx.Tx) ([]RecordEntry, error) {
		rows, err := tx.Query(ctx, `SELECT `+recordColumns+` FROM record_entries WHERE decision_id = $1 AND kind = ANY($2::text[])
			ORDER BY seq LIMIT $3`, decisionID, names, limit)
		if err != nil {
			return nil, errs.Internal(err)
		}
		entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[RecordEntry])
		if err != nil {
			return nil, errs.Internal(err)
		}
		return entries, nil
	})
}

// readRecord reads record entries with fetch in one read-only snapshot, if
// the actor may see the decision, and redacts them for public readers:
// entries without actor ids, payloads about internal material reduced.
func (s *Service) readRecord(ctx context.Context, actor *identity.Account, decisionID int64,
	fetch func(pgx.Tx) ([]RecordEntry, error)) ([]RecordEntry, error) {
	var out []RecordEntry
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		d, err := getDecision(ctx, tx, decisionID, false)
		if err != nil {
			return err
		}
		if !canSee(actor, &d) {
			return errDecisionNotFound
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
		return nil
	}
	p, err := parseRecordPayload(e.Payload)
	if err != nil {
		return errs.Internal(err)
	}
	versionIsPublic := func() (bool, error) {
		id, ok := payloadInt(p, "version_id")
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
		keep = []string{"deliberation_id", "meeting_kind", "meeting_date", "session", "outcome", "version_id", "version_number", "version_hash"}
	case RecordPartyReport:
		// A report to the Party committee is an internal document; its date
		// shows that it was made before publication (Art. 31).
		keep = []string{"party_report_id", "deliberation_id", "committee", "report_date", "version_hash"}
	}
	reduced := map[string]any{}
	for _, k := range keep {
		if v, ok := p[k]; ok {
			reduced[k] = v
		}
	}
	body, err := CanonicalJSON(reduced)
	if err != nil {
		return errs.Internal(err)
	}
	e.Payload, e.Redacted = string(body), true
	return nil
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
// signed_by object its role, time and key id, and marks it Redacted.
func reducePayload(e *RecordEntry, keep []string) error {
	p, err := parseRecordPayload(e.Payload)
	if err != nil {
		return errs.Internal(err)
	}
	reduced := map[string]any{}
	for _, k := range keep {
		if v, ok := p[k]; ok {
			reduced[k] = v
		}
	}
	if by, ok := reduced["signed_by"].(map[string]any); ok {
		reduced["signed_by"] = map[string]any{"role": by["role"], "signed_at": by["signed_at"], "key_id": by["key_id"]}
	}
	body, err := CanonicalJSON(reduced)
	if err != nil {
		return errs.Internal(err)
	}
	e.Payload, e.Redacted = string(body), true
	return nil
}

// VerifyDecisionRecord recomputes the decision's hash chain and checks the
// evidence the record points to (draft versions and attachments, by hash)
// and the signatures of signed entries, naming the first broken entry. Whoever may read the record may verify it
// (see GetDecisionRecord). Codes: decision_not_found.
func (s *Service) VerifyDecisionRecord(ctx context.Context, actor *identity.Account, decisionID int64) (VerifyResult, error) {
	d, err := getDecision(ctx, s.DB, decisionID, false)
	if err != nil {
		return VerifyResult{}, err
	}
	if !canSee(actor, &d) {
		return VerifyResult{}, errDecisionNotFound
	}
	return s.verifyRecord(ctx, decisionID)
}

// VerifyStoredRecord is VerifyDecisionRecord for an operator with database
// access (`canyu record verify --decision`): it checks no account. Codes:
// decision_not_found.
func (s *Service) VerifyStoredRecord(ctx context.Context, decisionID int64) (VerifyResult, error) {
	if _, err := getDecision(ctx, s.DB, decisionID, false); err != nil {
		return VerifyResult{}, err
	}
	return s.verifyRecord(ctx, decisionID)
}

// VerifyAllRecords verifies the record of every decision, in order of id,
// for an operator with database access (`canyu record verify`). It fails
// only on a database error; broken records are results with OK false.
func (s *Service) VerifyAllRecords(ctx context.Context) ([]VerifyResult, error) {
	rows, err := s.DB.Query(ctx, `SELECT id FROM decisions ORDER BY id`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := make([]VerifyResult, 0, len(ids))
	for _, id := range ids {
		r, err := s.verifyRecord(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// verifyRecord reads the record and its evidence in one snapshot, so an
// entry appended meanwhile cannot make a consistent record look broken.
func (s *Service) verifyRecord(ctx context.Context, decisionID int64) (VerifyResult, error) {
	var r VerifyResult
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		entries, err := recordEntries(ctx, tx, decisionID, 0, 0)
		if err != nil {
			return err
		}
		r = VerifyChain(decisionID, entries)
		ev, err := loadEvidence(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		if seq, problem := ev.check(entries); problem != "" && (r.OK || (seq != 0 && seq < r.FirstBadSeq)) {
			r.OK, r.FirstBadSeq, r.Problem, r.LastHash = false, seq, problem, ""
		}
		// Signatures (signing.go), checked with the platform's key.
		var pub ed25519.PublicKey
		if s.Signer != nil {
			pub, r.SignerKey = s.Signer.PublicKey(), s.Signer.KeyID()
		}
		seq, problem, n := checkSignatures(entries, pub)
		r.Signatures = n
		if problem != "" && (r.OK || seq < r.FirstBadSeq) {
			r.OK, r.FirstBadSeq, r.Problem, r.LastHash = false, seq, problem, ""
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	// Comments are covered by Merkle checkpoints in the record rather than
	// one entry each (checkpoints.go): recompute them from the stored rows.
	ok, problem, err := s.VerifyCommentCheckpoints(ctx, decisionID)
	if err != nil {
		return r, err
	}
	if !ok && r.OK {
		r.OK, r.Problem, r.LastHash = false, "comments: "+problem, ""
	}
	return r, nil
}

// storedVersion is a draft version as the evidence check reads it.
type storedVersion struct {
	ID          int64
	Number      int
	Text        string
	Explanation string
	LegalBasis  []byte
	ContentHash string
}

// storedAttachment is an attachment's metadata and the SHA-256 of the bytes
// actually stored (computed by PostgreSQL, so the bytes need not travel).
type storedAttachment struct {
	ID          int64
	VersionID   *int64
	Filename    string
	SHA256      string
	ActualHash  string
	Size        int64
	ActualSize  int64
	ContentType string
}

// evidence is what the record points to by hash.
type evidence struct {
	versions    []storedVersion
	attachments []storedAttachment
	// recompute recomputes a version's content hash from its parts.
	recompute func(v storedVersion, atts []storedAttachment) string
}

func loadEvidence(ctx context.Context, q querier, decisionID int64) (*evidence, error) {
	ev := &evidence{recompute: versionHasher}
	rows, err := q.Query(ctx, `SELECT id, number, text, explanation, legal_basis, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var v storedVersion
	if _, err := pgx.ForEachRow(rows, []any{&v.ID, &v.Number, &v.Text, &v.Explanation, &v.LegalBasis, &v.ContentHash}, func() error {
		ev.versions = append(ev.versions, v)
		v = storedVersion{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	rows, err = q.Query(ctx, `SELECT id, version_id, filename, sha256, encode(sha256(data), 'hex'), size, octet_length(data), content_type
		FROM attachments WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var a storedAttachment
	if _, err := pgx.ForEachRow(rows, []any{&a.ID, &a.VersionID, &a.Filename, &a.SHA256, &a.ActualHash, &a.Size, &a.ActualSize, &a.ContentType}, func() error {
		ev.attachments = append(ev.attachments, a)
		a = storedAttachment{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return ev, nil
}

func (ev *evidence) versionAttachments(versionID int64) []storedAttachment {
	var out []storedAttachment
	for _, a := range ev.attachments {
		if a.VersionID != nil && *a.VersionID == versionID {
			out = append(out, a)
		}
	}
	return out
}

// check compares the evidence with the entries that point to it and returns
// the first entry (by seq) whose evidence does not match. Evidence that no
// entry points to is reported with seq 0.
func (ev *evidence) check(entries []RecordEntry) (int64, string) {
	seenVersion := map[int64]bool{}
	seenAttachment := map[int64]bool{}
	for _, e := range entries {
		switch e.Kind {
		case RecordDraftVersionCreated:
			p, err := parseRecordPayload(e.Payload)
			if err != nil {
				return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err)
			}
			v, ok := ev.findVersion(p)
			if !ok {
				return e.Seq, fmt.Sprintf("entry %d: the draft version it records is not stored", e.Seq)
			}
			seenVersion[v.ID] = true
			if problem := ev.checkVersion(e.Seq, p, v); problem != "" {
				return e.Seq, problem
			}
		case RecordAttachmentStored:
			p, err := parseRecordPayload(e.Payload)
			if err != nil {
				return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err)
			}
			a, ok := ev.findAttachment(p)
			if !ok {
				return e.Seq, fmt.Sprintf("entry %d: the attachment it records is not stored", e.Seq)
			}
			seenAttachment[a.ID] = true
			if problem := checkRecordedAttachment(e.Seq, payloadString(p, "sha256"), a); problem != "" {
				return e.Seq, problem
			}
		}
	}
	for _, v := range ev.versions {
		if !seenVersion[v.ID] {
			return 0, fmt.Sprintf("draft version %d is stored but no %s entry records it", v.Number, RecordDraftVersionCreated)
		}
	}
	// Attachments are recorded either by their own entry or inside the entry
	// of their version (the version's content hash covers their hashes).
	for _, a := range ev.attachments {
		if seenAttachment[a.ID] {
			continue
		}
		if a.ActualHash != a.SHA256 || a.ActualSize != a.Size {
			return 0, fmt.Sprintf("attachment %d: stored bytes do not match its SHA-256 (stored %s…, recomputed %s…)",
				a.ID, hashPrefix(a.SHA256), hashPrefix(a.ActualHash))
		}
	}
	return 0, ""
}

func (ev *evidence) checkVersion(seq int64, p map[string]any, v storedVersion) string {
	recorded := payloadString(p, "content_hash")
	if recorded != v.ContentHash {
		return fmt.Sprintf("entry %d: draft version %d's stored content hash %s… differs from the recorded %s…", seq, v.Number, hashPrefix(v.ContentHash), hashPrefix(recorded))
	}
	// The content hash covers the attachments' recorded SHA-256, not their
	// bytes: those are checked at each attachment's own entry.
	atts := ev.versionAttachments(v.ID)
	if ev.recompute != nil {
		if got := ev.recompute(v, atts); got != v.ContentHash {
			return fmt.Sprintf("entry %d: draft version %d's text, explanation, legal basis or attachments do not match its content hash (stored %s…, recomputed %s…)",
				seq, v.Number, hashPrefix(v.ContentHash), hashPrefix(got))
		}
	}
	return ""
}

func checkRecordedAttachment(seq int64, recorded string, a storedAttachment) string {
	switch {
	case recorded != a.SHA256:
		return fmt.Sprintf("entry %d: attachment %d: stored SHA-256 %s… differs from the recorded %s…", seq, a.ID, hashPrefix(a.SHA256), hashPrefix(recorded))
	case a.ActualHash != a.SHA256 || a.ActualSize != a.Size:
		return fmt.Sprintf("entry %d: attachment %d: stored bytes do not match the recorded SHA-256 (recorded %s…, recomputed %s…)",
			seq, a.ID, hashPrefix(recorded), hashPrefix(a.ActualHash))
	}
	return ""
}

// findVersion finds the version an entry names, by id or by number.
func (ev *evidence) findVersion(p map[string]any) (storedVersion, bool) {
	id, hasID := payloadInt(p, "version_id")
	n, hasNumber := payloadInt(p, "number", "version_number", "version")
	for _, v := range ev.versions {
		if (hasID && v.ID == id) || (!hasID && hasNumber && int64(v.Number) == n) {
			return v, true
		}
	}
	return storedVersion{}, false
}

// findAttachment finds the attachment an entry names, by id or, failing
// that, by its hash.
func (ev *evidence) findAttachment(p map[string]any) (storedAttachment, bool) {
	id, hasID := payloadInt(p, "attachment_id", "id")
	sum := payloadString(p, "sha256")
	for _, a := range ev.attachments {
		if (hasID && a.ID == id) || (!hasID && sum != "" && a.SHA256 == sum) {
			return a, true
		}
	}
	return storedAttachment{}, false
}

// parsePayload reads a canonical payload, keeping numbers exact.
func parseRecordPayload(s string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("null")
	}
	return m, nil
}

// ParseRecordPayload parses an entry's canonical payload into a JSON object,
// keeping numbers exact (json.Number), for showing it.
func ParseRecordPayload(payload string) (map[string]any, error) { return parseRecordPayload(payload) }

func payloadString(p map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := p[k].(string); ok {
			return s
		}
	}
	return ""
}

func payloadInt(p map[string]any, keys ...string) (int64, bool) {
	for _, k := range keys {
		switch v := p[k].(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				return n, true
			}
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

func hashPrefix(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// versionHasher recomputes a draft version's content hash from its stored
// parts with VersionContentHash: its attachments' digests in upload order
// (by id) with the SHA-256 as stored in the attachment row (the bytes are
// checked against it separately).
func versionHasher(v storedVersion, atts []storedAttachment) string {
	var legal []string
	if err := json.Unmarshal(v.LegalBasis, &legal); err != nil {
		return "legal basis is not a list of strings"
	}
	digests := make([]AttachmentDigest, len(atts))
	for i, a := range atts {
		digests[i] = AttachmentDigest{Filename: a.Filename, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType}
	}
	return VersionContentHash(v.Text, v.Explanation, legal, digests)
}

// commentSecrets are payload fields of comment entries that the public
// record must not show: a receipt is the resident's bearer secret for
// looking up their comment (and, when a consultation hides individual
// comments, the only way to read one), and the text is shown publicly only
// through the comment lists, which honour the consultation's setting. The
// entry's hashes still commit to them.
var commentSecrets = map[string]bool{"receipt": true, "receipts": true, "body": true}

func redactCommentEntry(e *RecordEntry) error {
	p, err := parseRecordPayload(e.Payload)
	if err != nil {
		return errs.Internal(err)
	}
	reduced := map[string]any{}
	changed := false
	for k, v := range p {
		if commentSecrets[k] {
			changed = true
			continue
		}
		reduced[k] = v
	}
	if !changed {
		return nil
	}
	body, err := CanonicalJSON(reduced)
	if err != nil {
		return errs.Internal(err)
	}
	e.Payload, e.Redacted = string(body), true
	return nil
}
