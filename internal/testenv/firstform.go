package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// FirstFormSQL is the canonical content of the rows whose evidence gained
// a second form, exactly as canyu bound them before content forms existed
// (a copy of that code's queries, kept frozen here: entries already written
// hold hashes of it, so the first forms registered today must never change).
var FirstFormSQL = map[string]string{
	"deliberations": `SELECT id, decision_id, version_id, version_hash, review_id, sign_off_seq, meeting_kind, meeting_date, session,
		members, head_name, outcome, majority, head_reason, dissent, minutes, recorded_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM deliberations WHERE id = $1`,
	"decision_publications": `SELECT id, decision_id, deliberation_id, party_report_id, version_id, version_hash, document_number,
		channels, published_on, effective_on, adoption_report_id, adoption_report_hash, note, published_by, record_seq,
		created_at AT TIME ZONE 'UTC' AS created_at FROM decision_publications WHERE id = $1`,
	"adoption_reports": `SELECT id, decision_id, consultation_id, figures, body, status, published_at AT TIME ZONE 'UTC' AS published_at,
		published_by, published_hash FROM adoption_reports WHERE id = $1`,
	"comment_dispositions": `SELECT comment_id, decision_id, disposition, reason, group_id, decided_by,
		decided_at AT TIME ZONE 'UTC' AS decided_at FROM comment_dispositions WHERE comment_id = $1`,
	"comment_group_dispositions": `SELECT $1::bigint AS group_id, coalesce(jsonb_agg(jsonb_build_object('comment_id', comment_id,
	'disposition', disposition, 'reason', reason) ORDER BY comment_id), '[]') AS dispositions
	FROM comment_dispositions WHERE group_id = $1`,
	"decision_proposals": `SELECT id, decision_body_id, proposer_kind, proposer_name, account_id, title, description, status, answer,
		catalogue_item_id, adjustment_id, answered_by, answered_at AT TIME ZONE 'UTC' AS answered_at,
		created_at AT TIME ZONE 'UTC' AS created_at FROM decision_proposals WHERE id = $1`,
}

// FirstFormEvidence is the evidence canyu bound a row with before content
// forms existed: the SHA-256 of its first form, no form named.
func FirstFormEvidence(tb testing.TB, q record.Querier, table string, rowID int64) record.Evidence {
	tb.Helper()
	content, err := consultation.RowHasher(FirstFormSQL[table])(context.Background(), q, rowID)
	if err != nil {
		tb.Fatalf("first form of %s row %d: %v", table, rowID, err)
	}
	return record.Evidence{Table: table, RowID: rowID, ContentHash: record.SHA256Hex(content)}
}

// BindInFirstForm turns a decision's record into the record canyu wrote
// before content forms existed, for the entry seq that binds a table's
// row: its evidence of the row becomes the first form's (no form named),
// the chain is re-linked from there, every signed entry from there on is
// signed again with the platform's key, as the platform signed it then,
// and the log of chain heads is rebuilt over it. Nothing but the entry's
// evidence differs from a record the platform wrote itself.
func (e *Env) BindInFirstForm(tb testing.TB, decisionID, seq int64, table string, rowID int64) {
	tb.Helper()
	e.bindInFirstForm(tb, func(q record.Querier) ([]record.Entry, error) {
		return record.Entries(context.Background(), q, decisionID, 0, 0)
	}, seq, table, rowID, nil)
}

// BindAsBefore is BindInFirstForm for a table whose first form cannot be
// re-read (a theme analysis): the entry's evidence of the row becomes
// then, the evidence canyu bound it with before the table had a hasher.
func (e *Env) BindAsBefore(tb testing.TB, decisionID, seq int64, then record.Evidence) {
	tb.Helper()
	e.bindInFirstForm(tb, func(q record.Querier) ([]record.Entry, error) {
		return record.Entries(context.Background(), q, decisionID, 0, 0)
	}, seq, then.Table, then.RowID, &then)
}

// BindInFirstFormNamed is BindInFirstForm on a named chain (a decision
// body's catalogue record).
func (e *Env) BindInFirstFormNamed(tb testing.TB, chain string, seq int64, table string, rowID int64) {
	tb.Helper()
	e.bindInFirstForm(tb, func(q record.Querier) ([]record.Entry, error) {
		return record.ChainEntries(context.Background(), q, chain)
	}, seq, table, rowID, nil)
}

func (e *Env) bindInFirstForm(tb testing.TB, load func(q record.Querier) ([]record.Entry, error), seq int64, table string, rowID int64,
	before *record.Evidence) {
	tb.Helper()
	ctx := context.Background()
	e.AsSuperuser(tb, func(tx pgx.Tx) error {
		entries, err := load(tx)
		if err != nil {
			return err
		}
		if seq < 1 || int(seq) > len(entries) {
			return fmt.Errorf("no entry %d in a chain of %d", seq, len(entries))
		}
		evs, err := record.EvidenceOf(entries[seq-1])
		if err != nil {
			return err
		}
		var bound record.Evidence
		for _, ev := range evs {
			if ev.Table == table && ev.RowID == rowID {
				bound = ev
			}
		}
		if bound.Form < 2 {
			return fmt.Errorf("entry %d binds %s row %d in form %d, not a later one: %v", seq, table, rowID, bound.Form, evs)
		}
		now, _ := record.CanonicalJSON(bound)
		first := before
		if first == nil {
			ev := FirstFormEvidence(tb, tx, table, rowID)
			first = &ev
		}
		then, _ := record.CanonicalJSON(*first)
		prev := record.GenesisHash
		if seq > 1 {
			prev = entries[seq-2].EntryHash
		}
		for _, en := range entries[seq-1:] {
			if en.Seq == seq {
				if !strings.Contains(en.Payload, string(now)) {
					return fmt.Errorf("entry %d does not hold %s: %s", seq, now, en.Payload)
				}
				en.Payload = strings.Replace(en.Payload, string(now), string(then), 1)
			}
			en.PrevHash = prev
			en.EntryHash = record.EntryHash(en)
			prev = en.EntryHash
			if en.Signature != "" {
				en.Signature = e.Consultation.Signer.SignEntryHash(en.EntryHash)
			}
			if _, err := tx.Exec(ctx, `UPDATE record_entries SET payload = $2, prev_hash = $3, entry_hash = $4, signature = $5 WHERE id = $1`,
				en.ID, en.Payload, en.PrevHash, en.EntryHash, en.Signature); err != nil {
				return err
			}
		}
		return nil
	})
	e.RebuildLog(tb)
}
