package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
)

// Hooks for features outside this package that take part in the decision
// procedure (surveys): they add gates and write record entries of a
// decision inside their own transaction.

// AddGate registers a gate on entering stage `to`. Call it from an init
// function only: the gate table is read without locks.
func AddGate(to Status, g Gate) { addGate(to, g) }

// AppendRecordTx appends an entry to the decision's process record inside
// the caller's transaction tx, taking the decision row lock first so
// entries stay ordered. The caller decides who may act. Codes:
// decision_not_found.
func (s *Service) AppendRecordTx(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, kind RecordKind, payload any) (RecordEntry, error) {
	if _, err := lockDecision(ctx, tx, decisionID); err != nil {
		return RecordEntry{}, err
	}
	return s.appendRecord(ctx, tx, decisionID, actor, kind, payload)
}
