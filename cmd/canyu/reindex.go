package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/schollz/progressbar/v3"

	"github.com/canyu-gov/canyu/search"
)

// staffMeiliIndex is the Meilisearch index of search-agency-comments.
const staffMeiliIndex = search.DefaultMeiliIndex + "-staff-comments"

// openSearch opens the public and the staff comment index: Meilisearch
// when CANYU_MEILI_URL is set, otherwise the embedded index under
// CANYU_DATA_DIR/search (public/ and staff/).
func openSearch(cfg Config) (public, staff search.Index, err error) {
	if cfg.MeiliURL != "" {
		p, err := search.NewMeili(cfg.MeiliURL, cfg.MeiliKey)
		if err != nil {
			return nil, nil, fmt.Errorf("CANYU_MEILI_URL: %w", err)
		}
		s, err := search.NewMeili(cfg.MeiliURL, cfg.MeiliKey, search.WithMeiliIndex(staffMeiliIndex))
		if err != nil {
			return nil, nil, fmt.Errorf("CANYU_MEILI_URL: %w", err)
		}
		return p, s, nil
	}
	dir := filepath.Join(cfg.DataDir, "search")
	p, err := search.NewEmbedded(filepath.Join(dir, "public"))
	if err != nil {
		return nil, nil, fmt.Errorf("opening the search index under %s: %w", dir, err)
	}
	s, err := search.NewEmbedded(filepath.Join(dir, "staff"))
	if err != nil {
		p.Close()
		return nil, nil, fmt.Errorf("opening the search index under %s: %w", dir, err)
	}
	return p, s, nil
}

// openServeSearch is openSearch for `canyu serve`: an embedded index that
// cannot be opened (a read-only or full data directory) starts out of
// service and opens itself when the directory allows it, instead of
// stopping the service (issue 15: the process crash-looped).
func openServeSearch(cfg Config, logger *slog.Logger) (public, staff search.Index, err error) {
	if cfg.MeiliURL != "" {
		return openSearch(cfg)
	}
	dir := filepath.Join(cfg.DataDir, "search")
	return search.OpenEmbedded(filepath.Join(dir, "public"), logger), search.OpenEmbedded(filepath.Join(dir, "staff"), logger), nil
}

const reindexHelp = `Rebuilds the search index from PostgreSQL in batches, without taking
search offline: the embedded index is built aside and swapped in; with
Meilisearch every current document is written and every document that is no
longer public is deleted. Shows a progress bar on a terminal and plain
progress lines otherwise.

The embedded index serves one instance per database (a lease in
PostgreSQL): while 'canyu serve' runs with the embedded index on the same
database, reindex refuses to start; use --queue, which asks the running
service's indexer to re-derive every document (through the search outbox)
and follows its progress. With Meilisearch, reindex may run beside the
services: each batch takes the indexer's locks of its documents, so the
two never overwrite each other's newer state.`

func cmdReindex(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "reindex", reindexHelp)
	queue := fs.Bool("queue", false, "re-derive every document through the outbox of a running service instead of rebuilding here")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("reindex takes no arguments")
	}
	db, cfg, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	bar := newProgress(env.stdout)
	start := time.Now()
	if *queue {
		if err := reindexByQueue(ctx, db, bar); err != nil {
			return err
		}
		bar.finish()
		fmt.Fprintf(env.stdout, "search outbox drained in %s\n", time.Since(start).Round(time.Millisecond))
		return nil
	}
	if cfg.MeiliURL == "" {
		// The embedded index serves the one instance holding the lease
		// (README, "Scaling out"); a rebuild here beside a running
		// service would swap in an index that service's indexer never
		// writes to, and the service would never see the rebuilt one.
		lease, err := search.AcquireEmbeddedLease(ctx, db, nil)
		if errors.Is(err, search.ErrLeaseHeld) {
			return fmt.Errorf("a running canyu instance holds the embedded search index of this database: " +
				"run `canyu reindex --queue` to rebuild through it, or stop it first")
		} else if err != nil {
			return err
		}
		defer lease.Release()
	}
	public, staff, err := openSearch(cfg)
	if err != nil {
		return err
	}
	defer public.Close()
	defer staff.Close()
	if err := search.Reindex(ctx, db, public, staff, bar.update); err != nil {
		return err
	}
	bar.finish()
	fmt.Fprintf(env.stdout, "search index rebuilt: %d rows read in %s\n", bar.done, time.Since(start).Round(time.Millisecond))
	return nil
}

// reindexByQueue enqueues every document into the search outbox and waits
// until the running service's indexer has drained what it enqueued.
func reindexByQueue(ctx context.Context, db *pgxpool.Pool, bar *progress) error {
	var last int64
	err := db.QueryRow(ctx, `WITH ins AS (
		INSERT INTO search_outbox (doc_type, doc_key, lock_key)
		SELECT 'decision', id, 'decision:' || id FROM decisions
		UNION ALL SELECT 'decision_comments', id, 'comments:' || id FROM decisions
		UNION ALL SELECT 'survey', id, 'survey:' || id FROM surveys
		RETURNING id)
		SELECT coalesce(max(id), 0) FROM ins`).Scan(&last)
	if err != nil {
		return err
	}
	var total int64
	if err := db.QueryRow(ctx, `SELECT count(*) FROM search_outbox WHERE id <= $1`, last).Scan(&total); err != nil {
		return err
	}
	for {
		var left int64
		if err := db.QueryRow(ctx, `SELECT count(*) FROM search_outbox WHERE id <= $1`, last).Scan(&left); err != nil {
			return err
		}
		bar.update(total-left, total)
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// progress draws a bar on a terminal and prints a plain line at most every
// few seconds (and at the end) otherwise, so logs stay readable.
type progress struct {
	out       io.Writer
	bar       *progressbar.ProgressBar
	done      int64
	total     int64
	lastPrint time.Time
	// printedLast is the count of the last plain line (-1: none yet).
	printedLast int64
}

func newProgress(out io.Writer) *progress {
	p := &progress{out: out, printedLast: -1}
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.bar = progressbar.NewOptions64(-1, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription("reindex"),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		}
	}
	return p
}

func (p *progress) update(done, total int64) {
	p.done, p.total = done, total
	if p.bar != nil {
		if p.bar.GetMax64() != total {
			p.bar.ChangeMax64(total)
		}
		p.bar.Set64(done)
		return
	}
	if done == total && p.printedLast == done {
		return
	}
	if time.Since(p.lastPrint) >= 2*time.Second || done == total {
		p.lastPrint, p.printedLast = time.Now(), done
		fmt.Fprintf(p.out, "reindex: %d/%d rows\n", done, total)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(p.out)
	}
}
