package supervision

import (
	"context"
	"errors"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// RecordMonthlyReportIssued is the process-record entry an issued monthly
// report leaves on each decision it counts (DOMAIN.md: every figure traces
// back to the decisions behind it; the record shows, from the decision's
// side, which issued reports counted it and in which figures).
const RecordMonthlyReportIssued record.Kind = "monthly_report_issued"

// reportEvidenceTable is the table whose issued rows the record binds.
const reportEvidenceTable = "monthly_reports"

func init() {
	// Verification (record verify, the archive) re-reads an issued report
	// through this hasher: the canonical issued content, whose SHA-256 is
	// also the report's own content_hash. A report that is not issued has
	// no such content and reads as missing.
	record.RegisterEvidence(reportEvidenceTable, func(ctx context.Context, q record.Querier, id int64) ([]byte, error) {
		rows, err := q.Query(ctx, `SELECT `+reportColumns+` FROM monthly_reports WHERE id = $1 AND status = 'issued'`, id)
		if err != nil {
			return nil, err
		}
		r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[MonthlyReport])
		if err != nil {
			return nil, err
		}
		if r.IssuedAt == nil {
			return nil, pgx.ErrNoRows
		}
		return issuedContent(r, *r.IssuedAt)
	})
}

// figuresByDecision maps each decision the figures count to the keys of
// the figures that count it, in order.
func figuresByDecision(fig MonthlyFigures) map[int64][]string {
	out := map[int64][]string{}
	keys := make([]string, 0, len(fig.Sources))
	for k := range fig.Sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, id := range fig.Sources[k] {
			ids := out[int64(id)]
			if len(ids) == 0 || ids[len(ids)-1] != k {
				out[int64(id)] = append(ids, k)
			}
		}
	}
	return out
}

// recordIssued appends the issue of r to the process record of every
// decision its figures count, in the issuing transaction, each entry
// binding the report row (evidence), so that verifying a decision's record
// re-reads the issued report and names it when it was changed. Decisions
// are appended in id order, the order every multi-decision step locks them.
func (s *Service) recordIssued(ctx context.Context, tx pgx.Tx, actor *identity.Account, r MonthlyReport) (int, error) {
	if s.Record == nil {
		return 0, errs.Internal(errors.New("supervision: no process record appender configured"))
	}
	ev, err := record.Bind(ctx, tx, reportEvidenceTable, r.ID)
	if err != nil {
		return 0, err
	}
	byDecision := figuresByDecision(r.Figures)
	ids := make([]int64, 0, len(byDecision))
	for id := range byDecision {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	who := consultation.RecordActor(actor)
	for _, id := range ids {
		if err := s.Record.Append(ctx, tx, id, who, RecordMonthlyReportIssued, map[string]any{
			"monthly_report_id": r.ID, "month": r.Month.Format("2006-01"), "scope": r.Figures.ScopeName,
			"report_scope": string(r.Scope),
			"agency_id":    r.AgencyID, "figures": byDecision[id], "content_hash": deref(r.ContentHash),
			"signer_key": deref(r.SignerKey)}, ev); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
