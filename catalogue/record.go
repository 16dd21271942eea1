package catalogue

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The catalogue's process record. A catalogue, its adjustments, the
// initiation of its items and the proposals of decision items are public
// acts of the decision body (Decree 713 Art. 3(3), 10–11; Henan Decree 210
// Art. 4) that supervision and the public read, most of them before any
// decision exists: they belong to no decision's record. Each decision body
// has one named chain of the record (record.ChainName(ChainScope, body
// id)), for its catalogues of every year, their adjustments, initiations
// and the proposals made to it with their answers: a proposal of one year
// answered into the next year's catalogue stays in one chain, in order.
// Every write of this package appends an entry to it in the same
// transaction, binding the rows it wrote (record.Bind: the row's canonical
// content, re-read by verification) and the history row (catalogue_events)
// the public page shows. Verification (record.VerifyNamed, `canyu record
// verify`) recomputes the chain, re-reads every bound row and names a row
// of the body that no entry binds (checkCatalogueRows).

// ChainScope is the scope of the decision bodies' catalogue chains.
const ChainScope = "catalogue"

// ChainOf is the name of a decision body's catalogue chain.
func ChainOf(bodyID int64) string { return record.ChainName(ChainScope, bodyID) }

// Record kinds of the catalogue chain. A catalogue step's kind is its
// history kind (catalogue_events.kind) prefixed with "catalogue_" (e.g.
// catalogue_item_added, catalogue_adjustment_published).
const (
	RecordProposalSubmitted record.Kind = "decision_proposal_submitted"
	RecordProposalAnswered  record.Kind = "decision_proposal_answered"
	RecordRecordStarted     record.Kind = "catalogue_record_started"
)

// The tables the catalogue chain binds, with the rows' canonical content
// in its first form (the columns each table had then, times in UTC).
var evidenceRows = map[string]string{
	"catalogues": `SELECT id, decision_body_id, year, status, party_doc_number, party_doc_date,
		published_at AT TIME ZONE 'UTC' AS published_at, created_by, created_at AT TIME ZONE 'UTC' AS created_at
		FROM catalogues WHERE id = $1`,
	"catalogue_items": `SELECT id, catalogue_id, title, lead_agency_id, domain, category, planned_quarter, hearing_planned,
		survey_planned, status, decision_id, created_at AT TIME ZONE 'UTC' AS created_at FROM catalogue_items WHERE id = $1`,
	"catalogue_adjustments": `SELECT id, catalogue_id, kind, item_id, proposed, reason, status, party_doc_number, party_doc_date,
		requested_by, requested_at AT TIME ZONE 'UTC' AS requested_at, published_at AT TIME ZONE 'UTC' AS published_at
		FROM catalogue_adjustments WHERE id = $1`,
	"catalogue_events": `SELECT id, catalogue_id, item_id, kind, payload, actor_id, created_at AT TIME ZONE 'UTC' AS created_at
		FROM catalogue_events WHERE id = $1`,
	"decision_initiations": `SELECT id, catalogue_item_id, proposer_kind, proposer_name, proposal_id, start_reference, start_date,
		lead_agency_id, recorded_by, created_at AT TIME ZONE 'UTC' AS created_at FROM decision_initiations WHERE id = $1`,
	"decision_proposals": `SELECT id, decision_body_id, proposer_kind, proposer_name, account_id, title, description, status, answer,
		catalogue_item_id, adjustment_id, answered_by, answered_at AT TIME ZONE 'UTC' AS answered_at,
		created_at AT TIME ZONE 'UTC' AS created_at FROM decision_proposals WHERE id = $1`,
}

// bodyRowsSQL lists every row of a decision body's catalogues and
// proposals ($1: the body), the rows its chain must bind.
const bodyRowsSQL = `
	SELECT 'catalogues' AS t, c.id FROM catalogues c WHERE c.decision_body_id = $1
	UNION ALL SELECT 'catalogue_items', i.id FROM catalogue_items i JOIN catalogues c ON c.id = i.catalogue_id
		WHERE c.decision_body_id = $1
	UNION ALL SELECT 'catalogue_adjustments', a.id FROM catalogue_adjustments a JOIN catalogues c ON c.id = a.catalogue_id
		WHERE c.decision_body_id = $1
	UNION ALL SELECT 'catalogue_events', e.id FROM catalogue_events e JOIN catalogues c ON c.id = e.catalogue_id
		WHERE c.decision_body_id = $1
	UNION ALL SELECT 'decision_initiations', n.id FROM decision_initiations n JOIN catalogue_items i ON i.id = n.catalogue_item_id
		JOIN catalogues c ON c.id = i.catalogue_id WHERE c.decision_body_id = $1
	UNION ALL SELECT 'decision_proposals', p.id FROM decision_proposals p WHERE p.decision_body_id = $1
	ORDER BY 1, 2`

// laterForms are the later forms of the tables' canonical content
// (consultation's laterForms says how forms work), form 2 first.
var laterForms = map[string][]string{
	// Form 2 adds the organisation a proposal was filed in the name of, as
	// the integrations verified it (migration 00108).
	"decision_proposals": {`SELECT id, decision_body_id, proposer_kind, proposer_name, account_id, title, description, status,
		answer, catalogue_item_id, adjustment_id, answered_by, answered_at AT TIME ZONE 'UTC' AS answered_at,
		created_at AT TIME ZONE 'UTC' AS created_at, organisation_id FROM decision_proposals WHERE id = $1`},
}

func init() {
	consultation.RegisterEvidenceForms(evidenceRows, laterForms)
	record.RegisterCheck(record.Check{Name: "catalogue rows", Label: "决策事项目录、目录调整、决策启动和建议的每一行均有记录",
		Scope: ChainScope, Online: checkCatalogueRows})
}

// boundRow is a row a step binds.
type boundRow struct {
	table string
	id    int64
}

// appendStep appends a step to the decision body's catalogue chain in tx,
// binding rows as they are now (after the step wrote them).
func (s *Service) appendStep(ctx context.Context, tx pgx.Tx, bodyID int64, actor *identity.Account, kind record.Kind,
	payload map[string]any, rows ...boundRow) error {
	evs := make([]record.Evidence, 0, len(rows))
	for _, r := range rows {
		ev, err := record.Bind(ctx, tx, r.table, r.id)
		if err != nil {
			return err
		}
		evs = append(evs, ev)
	}
	_, err := record.AppendEntry(ctx, tx, record.Step{Chain: ChainOf(bodyID), Actor: consultation.RecordActor(actor), Kind: kind,
		Payload: payload, Evidence: evs, At: s.now()}, nil)
	return err
}

// step writes a history row (catalogue_events, the public page's history)
// and appends the step to the body's catalogue chain, binding the history
// row and rows (the catalogue, item, adjustment or initiation written).
func (s *Service) step(ctx context.Context, tx pgx.Tx, c Catalogue, itemID *int64, kind string, payload map[string]any,
	actor *identity.Account, at time.Time, rows ...boundRow) error {
	evID, err := event(ctx, tx, c.ID, itemID, kind, payload, actor, at)
	if err != nil {
		return err
	}
	body := make(map[string]any, len(payload)+3)
	for k, v := range payload {
		body[k] = v
	}
	body["catalogue_id"], body["year"] = c.ID, c.Year
	if itemID != nil {
		body["item_id"] = *itemID
	}
	if !strings.HasPrefix(kind, "catalogue_") {
		kind = "catalogue_" + kind
	}
	return s.appendStep(ctx, tx, c.DecisionBodyID, actor, record.Kind(kind), body,
		append([]boundRow{{"catalogue_events", evID}}, rows...)...)
}

// bodyRow is a row of a decision body's catalogues or proposals.
type bodyRow struct {
	T  string
	ID int64
}

// unbound returns the body's rows that no entry binds, and the cut-offs
// of the rows written before the catalogue had a record (migration 00103).
func unbound(ctx context.Context, q record.Querier, bodyID int64, entries []record.Entry) ([]bodyRow, map[string]int64, error) {
	bound := map[bodyRow]bool{}
	for _, e := range entries {
		evs, err := record.EvidenceOf(e)
		if err != nil {
			continue // the chain check names an entry that is not JSON
		}
		for _, ev := range evs {
			bound[bodyRow{ev.Table, ev.RowID}] = true
		}
	}
	rows, err := pgrows.AllByPos[bodyRow](ctx, q, bodyRowsSQL, bodyID)
	if err != nil {
		return nil, nil, err
	}
	cuts, err := pgrows.AllByPos[bodyRow](ctx, q, `SELECT table_name, max_id FROM catalogue_record_cutoffs`)
	if err != nil {
		return nil, nil, err
	}
	cutoff := map[string]int64{}
	for _, c := range cuts {
		cutoff[c.T] = c.ID
	}
	var out []bodyRow
	for _, r := range rows {
		if !bound[r] {
			out = append(out, r)
		}
	}
	return out, cutoff, nil
}

// checkCatalogueRows names a row of the body's catalogues or proposals
// that no entry of its chain binds: a catalogue, item, adjustment,
// initiation, history row or proposal inserted behind the service's back
// (a row changed or deleted is named by the evidence check, at its entry).
// Rows written before the catalogue had a record and not sealed yet
// (SealUnrecorded) are not named.
func checkCatalogueRows(ctx context.Context, q record.Querier, bodyID int64, entries []record.Entry) (int64, string, error) {
	rows, cutoff, err := unbound(ctx, q, bodyID, entries)
	if err != nil {
		return 0, "", err
	}
	for _, r := range rows {
		if r.ID > cutoff[r.T] {
			return 0, fmt.Sprintf("%s row %d is stored but no entry of the catalogue record binds it (written behind the service's back)",
				r.T, r.ID), nil
		}
	}
	return 0, "", nil
}

// SealUnrecorded seals, for every decision body, the catalogue rows
// written before the catalogue had a record (up to the cut-offs migration
// 00103 took) that no entry binds yet: one catalogue_record_started entry
// binds them as they are now, so that from then on a change to them is
// caught (what they were before cannot be proven). serve runs it at start;
// it does nothing once every such row is sealed. It returns how many rows
// it sealed.
func (s *Service) SealUnrecorded(ctx context.Context) (int, error) {
	bodies, err := pgrows.Column[int64](ctx, s.DB, `SELECT decision_body_id FROM catalogues UNION SELECT decision_body_id FROM decision_proposals
		ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	sealed := 0
	for _, bodyID := range bodies {
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			// The chain's lock first, so that the rows read are those no
			// entry appended meanwhile binds.
			if err := record.LockChain(ctx, tx, ChainOf(bodyID)); err != nil {
				return err
			}
			entries, err := record.ChainEntries(ctx, tx, ChainOf(bodyID))
			if err != nil {
				return err
			}
			rows, cutoff, err := unbound(ctx, tx, bodyID, entries)
			if err != nil {
				return err
			}
			var legacy []boundRow
			for _, r := range rows {
				if r.ID <= cutoff[r.T] {
					legacy = append(legacy, boundRow{r.T, r.ID})
				}
			}
			if len(legacy) == 0 {
				return nil
			}
			sealed += len(legacy)
			return s.appendStep(ctx, tx, bodyID, nil, RecordRecordStarted, map[string]any{"rows": len(legacy), "cutoffs": cutoff,
				"note": "目录、目录调整、决策启动和建议在此之前写入的数据行自此纳入过程记录；此前的改动无从证明"}, legacy...)
		})
		if err != nil {
			return sealed, err
		}
	}
	return sealed, nil
}

// VerifyCatalogueRecords verifies the catalogue chain of every decision
// body that has catalogues, proposals or a chain, in order of the body's
// id, for an operator with database access (`canyu record verify`). It
// fails only on a database error; a broken chain is a result with OK
// false.
func (s *Service) VerifyCatalogueRecords(ctx context.Context) ([]record.VerifyResult, error) {
	bodies, err := pgrows.Column[int64](ctx, s.DB, `SELECT decision_body_id FROM catalogues UNION SELECT decision_body_id FROM decision_proposals`)
	if err != nil {
		return nil, err
	}
	chains, err := record.NamedChains(ctx, s.DB, ChainScope)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	var ids []int64
	for _, id := range append(bodies, chains...) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := make([]record.VerifyResult, 0, len(ids))
	for _, id := range ids {
		r, err := record.VerifyNamed(ctx, s.DB, ChainOf(id))
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// VerifyCatalogueRecord verifies the catalogue chain of the decision body
// of a catalogue (the record of its catalogues of every year, adjustments,
// initiations and proposals). Whoever may see the catalogue may verify it.
// Codes: catalogue_not_found.
func (s *Service) VerifyCatalogueRecord(ctx context.Context, actor *identity.Account, catalogueID int64) (record.VerifyResult, error) {
	c, err := s.GetCatalogue(ctx, actor, catalogueID)
	if err != nil {
		return record.VerifyResult{}, err
	}
	return record.VerifyNamed(ctx, s.DB, ChainOf(c.DecisionBodyID))
}

// VerifyBodyCatalogueRecord verifies the catalogue chain of the decision
// body with the agency code, for an operator with database access (`canyu
// record verify --catalogue CODE`). Codes: decision_body_not_found.
func (s *Service) VerifyBodyCatalogueRecord(ctx context.Context, bodyCode string) (record.VerifyResult, error) {
	var bodyID int64
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) (err error) {
		bodyID, err = body(ctx, tx, bodyCode)
		return err
	})
	if err != nil {
		return record.VerifyResult{}, err
	}
	return record.VerifyNamed(ctx, s.DB, ChainOf(bodyID))
}

// RecordEntries returns the entries of the catalogue chain of the decision
// body of a catalogue, in order: the public list of what the record holds
// (its catalogues of every year, adjustments, initiations and proposals),
// each with its time and the chain's hashes, so that anyone can follow the
// chain from entry to entry; it used to have no public list, only the
// verification's verdict (outside check). Whoever may see the catalogue
// may read them; the caller shows no payload (a proposal's entry names its
// proposer). Codes: catalogue_not_found.
func (s *Service) RecordEntries(ctx context.Context, actor *identity.Account, catalogueID int64) ([]record.Entry, error) {
	c, err := s.GetCatalogue(ctx, actor, catalogueID)
	if err != nil {
		return nil, err
	}
	return record.ChainEntries(ctx, s.DB, ChainOf(c.DecisionBodyID))
}
