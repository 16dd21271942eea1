package events

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Querier is what Read needs: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Beginner starts a transaction (a *pgxpool.Pool).
type Beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

const storedColumns = `id, kind, occurred_at, decision_id, agency_id, domain, subject_type, subject_ids, payload, public`

// Read returns up to limit events with id above after, in id order.
func Read(ctx context.Context, q Querier, after int64, limit int) ([]Stored, error) {
	rows, err := q.Query(ctx, `SELECT `+storedColumns+` FROM domain_events WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events: read: %w", err)
	}
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Stored])
	if err != nil {
		return nil, fmt.Errorf("events: read: %w", err)
	}
	return evs, nil
}

// Get returns one event by id (pgx.ErrNoRows when there is none).
func Get(ctx context.Context, q Querier, id int64) (Stored, error) {
	rows, err := q.Query(ctx, `SELECT `+storedColumns+` FROM domain_events WHERE id = $1`, id)
	if err != nil {
		return Stored{}, err
	}
	return pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Stored])
}

// Consume hands the next events after consumer's cursor (at most limit) to
// handle inside one transaction that holds the cursor row locked, and moves
// the cursor past them when handle succeeds. Work that handle writes in tx
// (jobs, deliveries) commits together with the cursor, so every event is
// handled exactly once even with several instances: a second instance waits
// on the cursor row, then sees the moved cursor. It returns how many events
// it handled; 0 means none were waiting.
func Consume(ctx context.Context, db Beginner, consumer string, limit int,
	handle func(ctx context.Context, tx pgx.Tx, evs []Stored) error) (int, error) {
	tx, err := db.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, `INSERT INTO domain_event_cursors (consumer) VALUES ($1) ON CONFLICT DO NOTHING`, consumer); err != nil {
		return 0, fmt.Errorf("events: cursor: %w", err)
	}
	var last int64
	if err := tx.QueryRow(ctx, `SELECT last_id FROM domain_event_cursors WHERE consumer = $1 FOR UPDATE`, consumer).Scan(&last); err != nil {
		return 0, fmt.Errorf("events: cursor: %w", err)
	}
	evs, err := Read(ctx, tx, last, limit)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	if err := handle(ctx, tx, evs); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE domain_event_cursors SET last_id = $2, updated_at = now() WHERE consumer = $1`,
		consumer, evs[len(evs)-1].ID); err != nil {
		return 0, fmt.Errorf("events: cursor: %w", err)
	}
	return len(evs), tx.Commit(ctx)
}

// Cursor returns the id of the last event consumer has handled (0 when it
// has handled none).
func Cursor(ctx context.Context, q Querier, consumer string) (int64, error) {
	rows, err := q.Query(ctx, `SELECT coalesce((SELECT last_id FROM domain_event_cursors WHERE consumer = $1), 0)`, consumer)
	if err != nil {
		return 0, err
	}
	return pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
}
