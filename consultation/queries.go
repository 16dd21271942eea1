package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The shapes of read that recur across the package's stores: one row by
// name, one value, a list of ids. Failures to read are internal errors.

// queryOne reads the one row of query into a T by column name; no row is
// notFound (pgrows.One, the same read the other packages use).
func queryOne[T any](ctx context.Context, q querier, notFound error, query string, args ...any) (T, error) {
	return pgrows.One[T](ctx, q, notFound, query, args...)
}

// queryValue reads the one value of a query that always returns one row
// (EXISTS, count).
func queryValue[T any](ctx context.Context, q querier, query string, args ...any) (T, error) {
	var zero T
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return zero, errs.Internal(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[T])
	if err != nil {
		return zero, errs.Internal(err)
	}
	return v, nil
}

// queryIDs reads a column of ids.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	return pgrows.Column[int64](ctx, q, query, args...)
}
