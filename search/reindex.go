package search

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// reindexBatch is how many rows one store read covers.
const reindexBatch = 1000

// Rebuilder is a backend that can build a complete new index aside and
// swap it in while the current one keeps answering (the embedded backend).
type Rebuilder interface {
	Rebuild(ctx context.Context, source func(yield func(Document) error) error) error
}

// ReindexProgress is called after each batch with the rows done so far and
// the total to do.
type ReindexProgress func(done, total int64)

// Reindex rebuilds the public index and, when staff is not nil, the staff
// comment index from PostgreSQL, in batches, without taking search
// offline: a backend that implements Rebuilder (the embedded one) builds
// aside and swaps; Meilisearch gets every current document upserted and
// every document the store no longer shows publicly deleted (superseded
// articles, rejected comments, draft surveys) in the live index, which
// converges on the same state. (Not an index swap: the indexers of the
// running instances write to the live index meanwhile, and their changes
// would be lost with the old index.) Each batch holds the indexer's
// advisory locks of its groups from reading the store until its index
// write (underGroupLocks), so an indexer running meanwhile never has its
// newer state overwritten by the reindex's older read; a change that lands
// during the rebuild is applied by the indexer afterwards (or replayed by
// the Rebuilder).
func Reindex(ctx context.Context, db *pgxpool.Pool, public, staff Index, progress ReindexProgress) error {
	if progress == nil {
		progress = func(int64, int64) {}
	}
	var decisions, comments, surveys int64
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM decisions), (SELECT count(*) FROM comments), (SELECT count(*) FROM surveys)`).
		Scan(&decisions, &comments, &surveys); err != nil {
		return err
	}
	total := decisions + comments + surveys
	if staff != nil {
		total += comments
	}
	var done int64
	step := func(n int) {
		done += int64(n)
		progress(done, total)
	}
	for _, idx := range []Index{public, staff} {
		if idx == nil {
			continue
		}
		if err := idx.ApplySettings(ctx); err != nil {
			return fmt.Errorf("applying search settings: %w", err)
		}
	}
	progress(0, total)
	publicSource := func(emit func(changes) error) error {
		if err := walk(ctx, db, `SELECT id FROM decisions WHERE id > $1 ORDER BY id LIMIT $2`, func(ids []int64) error {
			return underGroupLocks(ctx, db, prefixed("decision:", ids), func(q querier) error {
				var c changes
				for _, id := range ids {
					d, err := decisionDocuments(ctx, q, id)
					if err != nil {
						return err
					}
					c.add(d)
				}
				step(len(ids))
				return emit(c)
			})
		}); err != nil {
			return err
		}
		if err := walkComments(ctx, db, func(c changes) error { return emit(changes{Upsert: c.Upsert, Delete: c.Delete}) }, step); err != nil {
			return err
		}
		return walk(ctx, db, `SELECT id FROM surveys WHERE id > $1 ORDER BY id LIMIT $2`, func(ids []int64) error {
			return underGroupLocks(ctx, db, prefixed("survey:", ids), func(q querier) error {
				c, err := surveyDocuments(ctx, q, ids)
				if err != nil {
					return err
				}
				step(len(ids))
				return emit(c)
			})
		})
	}
	if err := rebuildWith(ctx, public, publicSource); err != nil {
		return fmt.Errorf("rebuilding the public index: %w", err)
	}
	if staff == nil {
		return nil
	}
	staffSource := func(emit func(changes) error) error {
		return walkComments(ctx, db, func(c changes) error { return emit(changes{Upsert: c.StaffUpsert, Delete: c.StaffDelete}) }, step)
	}
	if err := rebuildWith(ctx, staff, staffSource); err != nil {
		return fmt.Errorf("rebuilding the staff comment index: %w", err)
	}
	return nil
}

// rebuildWith feeds source to idx: aside-and-swap when idx can, otherwise
// deletes and upserts batch by batch on the live index.
func rebuildWith(ctx context.Context, idx Index, source func(emit func(changes) error) error) error {
	if r, ok := idx.(Rebuilder); ok {
		return r.Rebuild(ctx, func(yield func(Document) error) error {
			return source(func(c changes) error {
				for _, d := range c.Upsert {
					if err := yield(d); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
	return source(func(c changes) error {
		if len(c.Delete) > 0 {
			if err := idx.Delete(ctx, c.Delete); err != nil {
				return err
			}
		}
		if len(c.Upsert) > 0 {
			return idx.Upsert(ctx, c.Upsert)
		}
		return nil
	})
}

func walkComments(ctx context.Context, db *pgxpool.Pool, emit func(changes) error, step func(int)) error {
	return walk(ctx, db, `SELECT id FROM comments WHERE id > $1 ORDER BY id LIMIT $2`, func(ids []int64) error {
		rows, err := db.Query(ctx, `SELECT DISTINCT decision_id FROM comments WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		decisions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		return underGroupLocks(ctx, db, prefixed("comments:", decisions), func(q querier) error {
			c, err := commentDocuments(ctx, q, ids)
			if err != nil {
				return err
			}
			step(len(ids))
			return emit(c)
		})
	})
}

// underGroupLocks runs fn in a transaction holding the indexer's advisory
// locks of the lock keys (indexer.go): the indexer's protocol, so that a
// running indexer and reindex never interleave on a group. Without them a
// reindex that read a comment, then lost the race to an indexer writing
// its newer state, wrote the old state over it (issue 16: reindex without
// --queue beside a running service). The locks wait (the indexer only
// tries and skips a held group), taken in hash order so two reindexes
// cannot deadlock; fn reads the store through the transaction, after the
// locks, and writes the index before they are released.
func underGroupLocks(ctx context.Context, db *pgxpool.Pool, keys []string, fn func(q querier) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, h)
		FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k) AS keys ORDER BY h`, lockNamespace, keys); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func prefixed(prefix string, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = prefix + strconv.FormatInt(id, 10)
	}
	return out
}

// walk reads ids in keyset order, reindexBatch at a time.
func walk(ctx context.Context, db *pgxpool.Pool, sql string, each func([]int64) error) error {
	var after int64
	for {
		rows, err := db.Query(ctx, sql, after, reindexBatch)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := each(ids); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}
