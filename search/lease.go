package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// EmbeddedLease keeps two service instances with the embedded backend off
// one database (issue 16, scaling out). Instances share the search outbox
// and each claims different rows, so two embedded instances on one
// database would each index only part of the changes and answer the same
// query differently. The lease is a session-level advisory lock that one
// connection, held for the life of the process, takes at start: a second
// instance cannot take it and refuses to start, naming Meilisearch as the
// way to run several instances. PostgreSQL releases the lock when the
// process or its connection ends, so a crashed instance never blocks its
// successor (no expiry to wait out).
//
// Chosen over consuming the outbox by a position per instance: that needs
// the rows kept until every instance has read them (so a registry of live
// instances and a collector), re-derives every document once per instance
// (N times the load on PostgreSQL), and a new instance would start with an
// empty index needing a full rebuild. Meilisearch already is the shared
// index several instances need.
type EmbeddedLease struct {
	mu     sync.Mutex
	conn   *pgxpool.Conn
	cancel context.CancelFunc
	done   chan struct{}
}

// leaseKey is the advisory lock (namespace lockNamespace of the indexer,
// key 1): one embedded instance per database.
const leaseKey = 1

// ErrLeaseHeld is returned when another live instance holds the lease.
var ErrLeaseHeld = errors.New("another canyu instance with the embedded search index is using this database; " +
	"the embedded index serves one instance only: to run several instances, set CANYU_MEILI_URL to a Meilisearch server " +
	"shared by all of them (README, \"Scaling out\")")

// AcquireEmbeddedLease takes the lease or fails with ErrLeaseHeld. The
// lease holds one connection of db until Release; a background check
// re-takes it if that connection is lost (logging an error when another
// instance took it meanwhile).
func AcquireEmbeddedLease(ctx context.Context, db *pgxpool.Pool, logger *slog.Logger) (*EmbeddedLease, error) {
	if logger == nil {
		logger = slog.Default()
	}
	conn, err := take(ctx, db)
	if err != nil {
		return nil, err
	}
	l := &EmbeddedLease{conn: conn, done: make(chan struct{})}
	var lctx context.Context
	lctx, l.cancel = context.WithCancel(context.Background())
	go l.watch(lctx, db, logger)
	return l, nil
}

func take(ctx context.Context, db *pgxpool.Pool) (*pgxpool.Conn, error) {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("search lease: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2)`, lockNamespace, leaseKey).Scan(&ok); err != nil {
		conn.Release()
		return nil, fmt.Errorf("search lease: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, ErrLeaseHeld
	}
	return conn, nil
}

// leaseCheck is how often the lease's connection is checked.
const leaseCheck = 10 * time.Second

func (l *EmbeddedLease) watch(ctx context.Context, db *pgxpool.Pool, logger *slog.Logger) {
	defer close(l.done)
	t := time.NewTicker(leaseCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := l.conn.Ping(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			// The connection (and with it the lock) is gone: take it anew.
			l.conn.Conn().Close(context.Background())
			l.conn.Release()
			tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			conn, terr := take(tctx, db)
			cancel()
			if terr != nil {
				logger.Error("search: the embedded index lease was lost and cannot be taken again; another instance may be indexing this database", "error", terr)
				// Keep trying with a fresh connection next time.
				if c, aerr := db.Acquire(ctx); aerr == nil {
					conn = c
				}
			}
			l.conn = conn
		}
		l.mu.Unlock()
		if l.conn == nil {
			return
		}
	}
}

// Release gives the lease up (at shutdown).
func (l *EmbeddedLease) Release() {
	if l == nil {
		return
	}
	l.cancel()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1, $2)`, lockNamespace, leaseKey)
		cancel()
		l.conn.Release()
		l.conn = nil
	}
}
