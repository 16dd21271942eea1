package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
)

// emit writes the domain event of a step of decision d in tx (package
// events). The payload gets the decision's title; the event is public
// unless the decision is withheld from disclosure.
func emit(ctx context.Context, tx pgx.Tx, d *Decision, kind events.Kind, subject string, ids []int64, at time.Time,
	payload map[string]any) error {
	payload["decision_title"] = d.Title
	err := events.Emit(ctx, tx, events.Event{Kind: kind, OccurredAt: at, DecisionID: d.ID, AgencyID: d.LeadAgencyID,
		Domain: string(d.Domain), SubjectType: subject, SubjectIDs: ids, Payload: payload, Public: !d.NotDisclosable})
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}
