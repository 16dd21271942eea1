package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// StagesAt returns the stage every decision that existed before t was in
// at t, read from the stage changes its process record holds (transition
// is the only place a stage changes, and it records each change); a
// decision with no change before t was still drafting. Supervision's
// monthly report counts the decisions by stage at the month's end with it.
func StagesAt(ctx context.Context, q record.Querier, t time.Time) (map[int64]Status, error) {
	rows, err := q.Query(ctx, `SELECT d.id, COALESCE(last.stage, 'drafting')
		FROM decisions d
		LEFT JOIN LATERAL (SELECT e.payload::jsonb->>'to' AS stage FROM record_entries e
			WHERE e.decision_id = d.id AND e.chain = '' AND e.kind = $2 AND e.recorded_at < $1
			ORDER BY e.seq DESC LIMIT 1) last ON true
		WHERE d.created_at < $1`, t, string(RecordStageChanged))
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := map[int64]Status{}
	var id int64
	var stage string
	if _, err := pgx.ForEachRow(rows, []any{&id, &stage}, func() error { out[id] = Status(stage); return nil }); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}
