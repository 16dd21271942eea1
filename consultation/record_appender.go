package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// Append implements record.Appender for the packages beside consultation
// (hearings, the catalogue, themes, supervision): it serialises appends per
// decision by taking the decision row lock that consultation's own steps
// take (lockDecision), since those packages cannot take it themselves.
func (s *Service) Append(ctx context.Context, tx pgx.Tx, decisionID int64, actor record.Actor, kind record.Kind, payload any, evidence ...record.Evidence) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM decisions WHERE id = $1 FOR UPDATE`, decisionID); err != nil {
		return errs.Internal(err)
	}
	_, err := record.AppendEntry(ctx, tx, record.Step{DecisionID: decisionID, Actor: actor, Kind: kind, Payload: payload,
		Evidence: evidence, At: s.now()}, nil)
	return err
}

var _ record.Appender = (*Service)(nil)
