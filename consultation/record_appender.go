package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Append implements record.Appender for the packages beside consultation
// (hearings, the catalogue, themes, supervision): it serialises appends per
// decision by taking the decision row lock that consultation's own steps
// take (lockDecision), since those packages cannot take it themselves.
func (s *Service) Append(ctx context.Context, tx pgx.Tx, decisionID int64, actor record.Actor, kind record.Kind, payload any, evidence ...record.Evidence) error {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM decisions WHERE id = $1 FOR UPDATE`, decisionID); err != nil {
		return errs.Internal(err)
	}
	var acct *identity.Account
	if actor.AccountID != nil {
		acct = &identity.Account{ID: *actor.AccountID, Role: identity.Role(actor.Role)}
	}
	if len(evidence) > 0 {
		payload = map[string]any{"step": payload, "evidence": evidence}
	}
	_, err := s.appendRecord(ctx, tx, decisionID, acct, RecordKind(kind), payload)
	return err
}

var _ record.Appender = (*Service)(nil)
