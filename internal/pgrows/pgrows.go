// Package pgrows reads query results into structs by column name, the one
// way the services do it, with the error handling every such read repeats:
// a failed query is an internal error, and a missing single row is the
// caller's own not-found error (its stable code).
package pgrows

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Querier is what a read runs on: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// All returns every row of the query as a T (columns matched to fields by
// name); no row is an empty list, not an error.
func All[T any](ctx context.Context, q Querier, sql string, args ...any) ([]T, error) {
	return collect(ctx, q, pgx.RowToStructByName[T], sql, args...)
}

// AllByPos is All for a T whose fields are the query's columns in order
// (joined columns such as an agency's name have no field name to match).
func AllByPos[T any](ctx context.Context, q Querier, sql string, args ...any) ([]T, error) {
	return collect(ctx, q, pgx.RowToStructByPos[T], sql, args...)
}

// Column returns the query's one column of every row as a T (ids, names).
func Column[T any](ctx context.Context, q Querier, sql string, args ...any) ([]T, error) {
	return collect(ctx, q, pgx.RowTo[T], sql, args...)
}

func collect[T any](ctx context.Context, q Querier, row pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	list, err := pgx.CollectRows(rows, row)
	if err != nil {
		return nil, errs.Internal(err)
	}
	return list, nil
}

// One returns the query's one row as a T, or notFound when there is none.
// More than one row is an internal error: the query should not allow it.
func One[T any](ctx context.Context, q Querier, notFound error, sql string, args ...any) (T, error) {
	var zero T
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return zero, errs.Internal(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if errors.Is(err, pgx.ErrNoRows) {
		return zero, notFound
	}
	if err != nil {
		return zero, errs.Internal(err)
	}
	return v, nil
}

// Returning returns the one row an INSERT or UPDATE … RETURNING gives as a
// T. Any failure, no row included, is internal: the caller has already
// checked that the row exists (locked) or may be inserted.
func Returning[T any](ctx context.Context, q Querier, sql string, args ...any) (T, error) {
	return One[T](ctx, q, errs.Internal(pgx.ErrNoRows), sql, args...)
}
