package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Indexer drains the search outbox (migrations/00013_search_outbox.sql):
// PostgreSQL triggers write a row in the same transaction as every domain
// change, and the indexer re-derives the named documents from the store's
// public view after commit and upserts or deletes them.
//
// Several indexers (one per service instance) may run at once. Each batch
// claims due rows with FOR UPDATE SKIP LOCKED, groups them by lock_key
// (the unit of ordering: one decision with its articles, one decision's
// comments, one survey) and takes a transaction-scoped advisory lock per
// group with pg_try_advisory_xact_lock (all of a batch's groups in one
// statement), skipping groups another worker holds. The lock is held from before the store is read until after the
// index write and the deletion of the rows, so two workers never interleave
// on a group: whoever processes it next reads a state at least as new and
// writes after. An update committed while a group is being processed
// leaves its own row, which a later batch applies. Rows are idempotent
// ("re-derive X"), so a crash between the index write and the commit only
// repeats work.
//
// Comments in every moderation state go to a second index (Staff), not to
// the public one with a moderation field: the public index then cannot
// leak a pending or rejected comment through a forgotten filter, and
// search-agency-comments (lead-unit staff only, checked in Service) reads
// only the staff index. The embedded backend keeps it in its own
// directory, Meilisearch in its own index uid.
//
// A failed group keeps its rows with attempts+1 and next_attempt_at set by
// exponential backoff with jitter (capped at MaxBackoff); while the backend
// is down, writes still succeed because they only insert outbox rows.
type Indexer struct {
	DB *pgxpool.Pool
	// Index is the public index; Staff, when not nil, the index of
	// search-agency-comments (comments in every moderation state).
	Index Index
	Staff Index
	// Now is the clock that schedules retries (injected in tests).
	Now    func() time.Time
	Logger *slog.Logger
	// BatchSize is how many outbox rows one batch claims.
	BatchSize int
	// PollInterval is the pause between batches when the outbox is empty.
	PollInterval time.Duration
	// BaseBackoff and MaxBackoff bound the retry delays.
	BaseBackoff, MaxBackoff time.Duration

	mu     sync.Mutex
	down   bool // the last batch failed every write (afterOutage)
	cancel context.CancelFunc
	done   chan struct{}
}

// Defaults of NewIndexer.
const (
	DefaultIndexerBatch = indexBatchSize
	defaultPoll         = 500 * time.Millisecond
	defaultBaseBackoff  = time.Second
	defaultMaxBackoff   = 5 * time.Minute
	// batchTimeout bounds one batch, index writes included, so a hung
	// backend never holds the claimed rows for long.
	batchTimeout = 2 * time.Minute
	// lockNamespace is the first key of the two-key advisory locks the
	// indexer takes (the second is hashtext(lock_key)), apart from the
	// single-key locks of migrations and River.
	lockNamespace = 7007
)

// NewIndexer returns an indexer over db writing to the public index and,
// when staff is not nil, to the staff comment index.
func NewIndexer(db *pgxpool.Pool, public, staff Index, logger *slog.Logger) *Indexer {
	if logger == nil {
		logger = slog.Default()
	}
	return &Indexer{DB: db, Index: public, Staff: staff, Now: time.Now, Logger: logger, BatchSize: DefaultIndexerBatch,
		PollInterval: defaultPoll, BaseBackoff: defaultBaseBackoff, MaxBackoff: defaultMaxBackoff}
}

// outboxRow is one claimed outbox row.
type outboxRow struct {
	ID       int64  `db:"id"`
	DocType  string `db:"doc_type"`
	DocKey   int64  `db:"doc_key"`
	LockKey  string `db:"lock_key"`
	Attempts int    `db:"attempts"`
}

// group is the rows of one lock_key in a batch.
type group struct {
	key      string
	rows     []outboxRow
	attempts int
}

func (g *group) ids() []int64 {
	out := make([]int64, len(g.rows))
	for i, r := range g.rows {
		out[i] = r.ID
	}
	return out
}

// BatchResult says what one batch did.
type BatchResult struct {
	Claimed int // rows claimed
	Applied int // rows applied and deleted
	Failed  int // rows rescheduled after an error
	Skipped int // rows of groups another worker holds
}

// DrainOnce processes one batch of due outbox rows. It returns an error
// only when the database fails; backend errors reschedule the rows.
func (x *Indexer) DrainOnce(ctx context.Context) (BatchResult, error) {
	var res BatchResult
	ctx, cancel := context.WithTimeout(ctx, batchTimeout)
	defer cancel()
	tx, err := x.DB.Begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	now := x.now()
	rows, err := tx.Query(ctx, `SELECT id, doc_type, doc_key, lock_key, attempts FROM search_outbox
		WHERE next_attempt_at IS NULL OR next_attempt_at <= $1
		ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`, now, x.batchSize())
	if err != nil {
		return res, err
	}
	claimed, err := pgx.CollectRows(rows, pgx.RowToStructByName[outboxRow])
	if err != nil {
		return res, err
	}
	res.Claimed = len(claimed)
	if len(claimed) == 0 {
		return res, nil
	}
	// Group by lock_key, oldest row first.
	var groups []*group
	byKey := map[string]*group{}
	for _, r := range claimed {
		g := byKey[r.LockKey]
		if g == nil {
			g = &group{key: r.LockKey}
			byKey[r.LockKey] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, r)
		g.attempts = max(g.attempts, r.Attempts)
	}
	// One statement tries every group's lock (a round trip per group
	// halved the drain rate with many decisions in a batch); the lock is
	// still per group, so the ordering argument above is unchanged.
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = g.key
	}
	lrows, err := tx.Query(ctx, `SELECT k, pg_try_advisory_xact_lock($1, hashtext(k)) FROM unnest($2::text[]) AS k`, lockNamespace, keys)
	if err != nil {
		return res, err
	}
	locked := map[string]bool{}
	var key string
	var ok bool
	if _, err := pgx.ForEachRow(lrows, []any{&key, &ok}, func() error {
		locked[key] = ok
		return nil
	}); err != nil {
		return res, err
	}
	var mine []*group
	var mineRows []outboxRow
	for _, g := range groups {
		if !locked[g.key] {
			res.Skipped += len(g.rows)
			continue
		}
		mine = append(mine, g)
		mineRows = append(mineRows, g.rows...)
	}
	// Read the state only now, under the locks: a change committed before
	// its row was claimed is visible to these statements. All groups are
	// derived together (one comment query for a batch's comments); apply
	// re-derives group by group only if the backend refuses a document.
	var all changes
	if len(mine) > 0 {
		if all, err = derive(ctx, tx, mineRows); err != nil {
			return res, err
		}
	}
	failed := x.apply(ctx, tx, mine, all)
	var done []int64
	for _, g := range mine {
		if e, bad := failed[g]; bad {
			res.Failed += len(g.rows)
			delay := x.backoff(g.attempts + 1)
			if _, err := tx.Exec(ctx, `UPDATE search_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = ANY($1)`,
				g.ids(), now.Add(delay), clipError(e.Error(), 500)); err != nil {
				return res, err
			}
			continue
		}
		done = append(done, g.ids()...)
	}
	if len(done) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM search_outbox WHERE id = ANY($1)`, done); err != nil {
			return res, err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return BatchResult{Claimed: res.Claimed}, err
	}
	res.Applied = len(done)
	if res.Failed > 0 {
		x.Logger.WarnContext(ctx, "search: indexing failed, will retry", "rows", res.Failed, "error", firstError(failed))
	}
	if err := x.afterOutage(ctx, res, now); err != nil {
		return res, err
	}
	return res, nil
}

// afterOutage remembers a batch in which every write failed (the backend
// is down) and, at the first batch that succeeds after one, makes every
// backed-off row due at once. Without it the rows of a one-minute outage
// waited out their backoff (up to MaxBackoff) after the backend was back:
// the search-outage fault run (scripts/fault-search-outage.sh) measured a
// 50 s drain after a 60 s outage.
func (x *Indexer) afterOutage(ctx context.Context, res BatchResult, now time.Time) error {
	x.mu.Lock()
	switch {
	case res.Failed > 0 && res.Applied == 0:
		x.down = true
		x.mu.Unlock()
		return nil
	case res.Applied == 0 || !x.down:
		x.mu.Unlock()
		return nil
	}
	x.down = false
	x.mu.Unlock()
	_, err := x.DB.Exec(ctx, `UPDATE search_outbox SET next_attempt_at = $1 WHERE next_attempt_at > $1`, now)
	return err
}

// apply writes the groups' changes (all, derived together): in one call
// per index when that works; otherwise group by group, re-derived, so one
// document the backend refuses (ErrInvalid) does not hold back the others.
// It returns the groups that failed with their error.
func (x *Indexer) apply(ctx context.Context, q querier, groups []*group, all changes) map[*group]error {
	failed := map[*group]error{}
	if len(groups) == 0 {
		return failed
	}
	err := x.write(ctx, all)
	if err == nil {
		return failed
	}
	if errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
		for _, g := range groups {
			failed[g] = err
		}
		return failed
	}
	for _, g := range groups {
		ch, err := derive(ctx, q, g.rows)
		if err == nil {
			err = x.write(ctx, ch)
		}
		if err != nil {
			failed[g] = err
		}
	}
	return failed
}

// batchWriter is implemented by backends that apply deletes and upserts
// in one write (the embedded one: one bleve batch, one fsync wait).
type batchWriter interface {
	apply(ctx context.Context, upsert []Document, delete []string) error
}

// write applies changes to the public and the staff index concurrently
// (each embedded write waits for its own fsync); per index, deletes first,
// then upserts (ids never overlap).
func (x *Indexer) write(ctx context.Context, c changes) error {
	var staffErr error
	var wg sync.WaitGroup
	if x.Staff != nil && len(c.StaffUpsert)+len(c.StaffDelete) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			staffErr = writeIndex(ctx, x.Staff, c.StaffUpsert, c.StaffDelete)
		}()
	}
	err := writeIndex(ctx, x.Index, c.Upsert, c.Delete)
	wg.Wait()
	return errors.Join(err, staffErr)
}

func writeIndex(ctx context.Context, idx Index, upsert []Document, del []string) error {
	if len(upsert)+len(del) == 0 {
		return nil
	}
	if bw, ok := idx.(batchWriter); ok {
		return bw.apply(ctx, upsert, del)
	}
	if len(del) > 0 {
		if err := idx.Delete(ctx, del); err != nil {
			return err
		}
	}
	if len(upsert) > 0 {
		return idx.Upsert(ctx, upsert)
	}
	return nil
}

// derive re-derives the documents named by one group's rows (coalesced:
// ten updates of a comment re-derive it once).
func derive(ctx context.Context, q querier, rows []outboxRow) (changes, error) {
	var out changes
	seen := map[string]bool{}
	var comments, surveys []int64
	for _, r := range rows {
		k := fmt.Sprintf("%s:%d", r.DocType, r.DocKey)
		if seen[k] {
			continue
		}
		seen[k] = true
		switch r.DocType {
		case "decision":
			c, err := decisionDocuments(ctx, q, r.DocKey)
			if err != nil {
				return out, err
			}
			out.add(c)
		case "decision_comments":
			ids, err := decisionCommentIDs(ctx, q, r.DocKey)
			if err != nil {
				return out, err
			}
			comments = append(comments, ids...)
		case "comment":
			comments = append(comments, r.DocKey)
		case "survey":
			surveys = append(surveys, r.DocKey)
		}
	}
	if len(comments) > 0 {
		c, err := commentDocuments(ctx, q, dedupe(comments))
		if err != nil {
			return out, err
		}
		out.add(c)
	}
	if len(surveys) > 0 {
		c, err := surveyDocuments(ctx, q, surveys)
		if err != nil {
			return out, err
		}
		out.add(c)
	}
	return out, nil
}

func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Drain runs batches until no due row is left that this indexer could
// process (rows rescheduled after a failure are not due yet). Tests use it
// to make the index catch up synchronously.
func (x *Indexer) Drain(ctx context.Context) error {
	for {
		res, err := x.DrainOnce(ctx)
		if err != nil {
			return err
		}
		if res.Applied == 0 && res.Failed == 0 {
			return nil
		}
	}
}

// Start runs the worker in the background until Stop or ctx ends.
func (x *Indexer) Start(ctx context.Context) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.done != nil {
		return
	}
	ctx, x.cancel = context.WithCancel(ctx)
	x.done = make(chan struct{})
	go x.loop(ctx, x.done)
}

func (x *Indexer) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	for {
		res, err := x.DrainOnce(ctx)
		if err != nil && ctx.Err() == nil {
			x.Logger.ErrorContext(ctx, "search: indexer batch failed", "error", err)
		}
		// A full batch means more is waiting: go on at once.
		if err == nil && res.Applied+res.Failed > 0 && res.Claimed >= x.batchSize() {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(x.PollInterval):
		}
	}
}

// Stop ends the worker after its current batch (or when ctx ends).
func (x *Indexer) Stop(ctx context.Context) error {
	x.mu.Lock()
	cancel, done := x.cancel, x.done
	x.cancel, x.done = nil, nil
	x.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Backlog is the outbox's size and the age of its oldest row.
type Backlog struct {
	Rows int64
	// Lag is the age of the oldest unprocessed change (0 when empty).
	Lag time.Duration
}

// Backlog reads the outbox's size and lag (for /metrics).
func (x *Indexer) Backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	var oldest *time.Time
	var now time.Time
	if err := x.DB.QueryRow(ctx, `SELECT count(*), min(enqueued_at), now() FROM search_outbox`).Scan(&b.Rows, &oldest, &now); err != nil {
		return b, err
	}
	if oldest != nil {
		b.Lag = max(now.Sub(*oldest), 0)
	}
	return b, nil
}

func (x *Indexer) now() time.Time {
	if x.Now == nil {
		return time.Now()
	}
	return x.Now()
}

func (x *Indexer) batchSize() int {
	if x.BatchSize <= 0 {
		return DefaultIndexerBatch
	}
	return x.BatchSize
}

// backoff is the delay before attempt n+1: base·2^(n-1) capped at
// MaxBackoff, with "equal jitter" (half fixed, half random) so that
// instances retrying after an outage do not hit the backend in step.
func (x *Indexer) backoff(attempts int) time.Duration {
	base, ceiling := x.BaseBackoff, x.MaxBackoff
	if base <= 0 {
		base = defaultBaseBackoff
	}
	if ceiling <= 0 {
		ceiling = defaultMaxBackoff
	}
	d := base
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}

// clipError cuts s to at most n bytes without splitting a character.
func clipError(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func firstError(m map[*group]error) error {
	for _, e := range m {
		return e
	}
	return nil
}
