package consultation

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/canyu-gov/canyu/consultation/record"
)

// The rows consultation's entries bind (record.Bind, issue 12): what the API,
// the pages and the gates read from them after the step was recorded. Each
// hasher reads one row as JSON with the columns it names (times in UTC, so
// the content does not depend on the session's time zone) and returns it as
// canonical JSON; the entry carries its SHA-256 and verification re-reads
// it. These are the tables' first forms, as entries written before
// laterForms existed bound them: some lack columns added later. A row that is rewritten through the service (a revised disposition)
// is bound again by the entry that revises it; the latest binding counts.
var evidenceRows = map[string]string{
	"legal_opinions": `SELECT id, review_id, decision_id, version_id, version_hash, adviser_id, questions, overall, changes,
		record_seq, created_at AT TIME ZONE 'UTC' AS created_at FROM legal_opinions WHERE id = $1`,
	"review_conclusions": `SELECT id, review_id, decision_id, version_id, version_hash, reviewer_id, questions, outcome, changes,
		risk_statement, expedite_reason, resolution, earliest_at AT TIME ZONE 'UTC' AS earliest_at, calendar_version, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM review_conclusions WHERE id = $1`,
	"review_confirmations": `SELECT id, review_id, conclusion_id, decision_id, version_id, version_hash, reviewer_id, note, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM review_confirmations WHERE id = $1`,
	"procedure_documents": `SELECT id, decision_id, version_id, kind, content, created_by, created_at AT TIME ZONE 'UTC' AS created_at
		FROM procedure_documents WHERE id = $1`,
	"deliberations": `SELECT id, decision_id, version_id, version_hash, review_id, sign_off_seq, meeting_kind, meeting_date, session,
		members, head_name, outcome, majority, head_reason, dissent, minutes, recorded_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM deliberations WHERE id = $1`,
	"party_reports": `SELECT id, decision_id, deliberation_id, committee, report_date, reference_number, note, recorded_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM party_reports WHERE id = $1`,
	"decision_publications": `SELECT id, decision_id, deliberation_id, party_report_id, version_id, version_hash, document_number,
		channels, published_on, effective_on, adoption_report_id, adoption_report_hash, note, published_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM decision_publications WHERE id = $1`,
	// An adoption report is bound when it is published; a draft is not
	// yet something anyone reads.
	"adoption_reports": `SELECT id, decision_id, consultation_id, figures, body, status, published_at AT TIME ZONE 'UTC' AS published_at,
		published_by, published_hash FROM adoption_reports WHERE id = $1`,
	// The row id of a disposition is its comment's id.
	"comment_dispositions": `SELECT comment_id, decision_id, disposition, reason, group_id, decided_by,
		decided_at AT TIME ZONE 'UTC' AS decided_at FROM comment_dispositions WHERE comment_id = $1`,
}

// groupDispositions is the evidence of a group answer (row id: the group's
// id): the dispositions its comments carry from the group. An individual
// answer that replaces one of them binds the group again.
const groupDispositions = "comment_group_dispositions"

const groupDispositionsSQL = `SELECT $1::bigint AS group_id, coalesce(jsonb_agg(jsonb_build_object('comment_id', comment_id,
	'disposition', disposition, 'reason', reason) ORDER BY comment_id), '[]') AS dispositions
	FROM comment_dispositions WHERE group_id = $1`

// laterForms are the later forms of a table's canonical content
// (record.RegisterEvidenceForm), form 2 first: each reads every column the
// table has, by name, when it is written. New entries bind the latest;
// the forms above (evidenceRows, form 1) stay as they were, for the
// entries bound in them, and so does every form here once an entry may
// have been bound in it: a table that gains a column gets a new form
// (TestEvidenceHashersReadEveryColumn fails until it does).
var laterForms = map[string][]string{
	// Form 2 adds the members who attended without a vote (列席), the
	// size of the body's composition the quorum is counted against
	// (migration 00030) and the absent members with their reasons
	// (migration 00110): Decree 713 Art. 30.
	"deliberations": {`SELECT id, decision_id, version_id, version_hash, review_id, sign_off_seq, meeting_kind, meeting_date, session,
		members, head_name, outcome, majority, head_reason, dissent, minutes, recorded_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at, attendees, composition_size, absences FROM deliberations WHERE id = $1`},
	// Form 2 adds the implementing unit and its reporting interval
	// (migration 00030, Decree 713 Art. 34).
	"decision_publications": {`SELECT id, decision_id, deliberation_id, party_report_id, version_id, version_hash, document_number,
		channels, published_on, effective_on, adoption_report_id, adoption_report_hash, note, published_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at, implementing_agency_id, report_interval_days
		FROM decision_publications WHERE id = $1`},
	// Form 2 adds when the report was generated and last edited, and by
	// whom, which the API serves with it.
	"adoption_reports": {`SELECT id, decision_id, consultation_id, figures, body, status, published_at AT TIME ZONE 'UTC' AS published_at,
		published_by, published_hash, generated_at AT TIME ZONE 'UTC' AS generated_at, updated_at AT TIME ZONE 'UTC' AS updated_at,
		updated_by FROM adoption_reports WHERE id = $1`},
	// Form 2 adds the articles of the version changed by an adopted
	// opinion (migration 00040), which the resident is shown, and the
	// source of a batch answer.
	"comment_dispositions": {`SELECT comment_id, decision_id, disposition, reason, group_id, decided_by,
		decided_at AT TIME ZONE 'UTC' AS decided_at, changed_version, changed_articles, batch_ref
		FROM comment_dispositions WHERE comment_id = $1`},
}

// groupDispositionsForm2 adds who decided the group's answer and when,
// which the API and the pages serve with each disposition.
const groupDispositionsForm2 = `SELECT $1::bigint AS group_id, coalesce(jsonb_agg(jsonb_build_object('comment_id', comment_id,
	'disposition', disposition, 'reason', reason, 'decided_by', decided_by, 'decided_at', decided_at AT TIME ZONE 'UTC')
	ORDER BY comment_id), '[]') AS dispositions
	FROM comment_dispositions WHERE group_id = $1`

func init() {
	RegisterEvidenceForms(evidenceRows, laterForms)
	record.RegisterEvidence(groupDispositions, RowHasher(groupDispositionsSQL))
	record.RegisterEvidenceForm(groupDispositions, 2, RowHasher(groupDispositionsForm2))
}

// RegisterEvidenceForms registers a RowHasher for the first form of each
// table of first and for the later forms of later, in order; packages
// beside consultation register theirs with it too (the catalogue).
func RegisterEvidenceForms(first map[string]string, later map[string][]string) {
	for table, query := range first {
		record.RegisterEvidence(table, RowHasher(query))
		for i, q := range later[table] {
			record.RegisterEvidenceForm(table, i+2, RowHasher(q))
		}
	}
	for table := range later {
		if _, ok := first[table]; !ok {
			panic("consultation: a later evidence form of " + table + ", which has no first")
		}
	}
}

// RowHasher returns a hasher that reads one row of query (with the row id
// as $1) as canonical JSON; packages beside consultation register theirs
// with it too (the catalogue).
func RowHasher(query string) record.Hasher {
	q := `SELECT to_jsonb(r) FROM (` + query + `) r`
	return func(ctx context.Context, db record.Querier, id int64) ([]byte, error) {
		var raw []byte
		if err := db.QueryRow(ctx, q, id).Scan(&raw); err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		return record.CanonicalJSON(v)
	}
}
