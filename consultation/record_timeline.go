package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// GetDecisionRecordKinds returns the first `limit` entries of the given
// kinds in a decision's process record, in order of seq, as
// GetDecisionRecord shows them to the actor (same visibility, same
// redaction). The public decision page builds its timeline from the few
// procedure steps of a record whose bulk is comment moderation and
// checkpoint entries: reading the whole record for it cost a viral
// decision with 4,690 moderated comments ~210 ms a page view (issue 8),
// filtering in the query reads only the steps. Codes: decision_not_found.
func (s *Service) GetDecisionRecordKinds(ctx context.Context, actor *identity.Account, decisionID int64, kinds []RecordKind, limit int) ([]RecordEntry, error) {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	var out []RecordEntry
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		d, err := getDecision(ctx, tx, decisionID, false)
		if err != nil {
			return err
		}
		if !canSee(actor, &d) {
			return errDecisionNotFound
		}
		rows, err := tx.Query(ctx, `SELECT `+recordColumns+` FROM record_entries WHERE decision_id = $1 AND kind = ANY($2::text[])
			ORDER BY seq LIMIT $3`, decisionID, names, limit)
		if err != nil {
			return errs.Internal(err)
		}
		entries, err := pgx.CollectRows(rows, pgx.RowToStructByName[RecordEntry])
		if err != nil {
			return errs.Internal(err)
		}
		if !canSeeInternal(actor, &d) {
			public := map[int64]bool{}
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
