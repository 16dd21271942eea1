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

// TransitionTx moves a decision to stage `to` inside the caller's
// transaction through the one transition (stage rules, gates, the
// stage_changed record entry), after taking the decision row lock. For the
// packages that carry a decision after publication (implementation,
// post-evaluation). The caller decides who may act. Codes:
// decision_not_found, stage_transition_not_allowed, the gates' codes.
func (s *Service) TransitionTx(ctx context.Context, tx pgx.Tx, decisionID int64, actor *identity.Account, to Status, payload map[string]any) (Decision, error) {
	d, err := lockDecision(ctx, tx, decisionID)
	if err != nil {
		return Decision{}, err
	}
	if err := s.transition(ctx, tx, actor, &d, to, payload); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// LockDecisionTx reads the decision FOR UPDATE inside the caller's
// transaction, for packages beside consultation that check its stage and
// its units before a step. Codes: decision_not_found.
func (s *Service) LockDecisionTx(ctx context.Context, tx pgx.Tx, decisionID int64) (Decision, error) {
	return lockDecision(ctx, tx, decisionID)
}

// CanSeeInternal reports whether the actor may see the decision's internal
// working records (its units' staff, the legality-review roles, admins).
func CanSeeInternal(actor *identity.Account, d *Decision) bool { return canSeeInternal(actor, d) }
