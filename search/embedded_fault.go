package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
)

// Fault isolation of the embedded index (issue 15, finding 1). A full disk
// or a read-only data directory made bleve fail a batch with "no space left
// on device" and then panic ("assignment to entry in nil map" in zapx's
// term dictionary cache of a segment the failed persist had closed) in the
// next search, which took the whole process down; at restart bleve.Open
// failed on the read-only directory and the process exited again, a crash
// loop, while /readyz said search was fine.
//
// Now a failed write, a recovered panic or an asynchronous error of bleve's
// persister or merger puts the index out of service: every call answers
// ErrUnavailable at once (search-... operations answer 503
// search_unavailable, /readyz reports search unavailable) without touching
// the bleve index whose in-memory state is no longer trusted, and writes of
// the service go on (they only add outbox rows, which the indexer retries).
// At most every faultRetry the index tries to recover: it closes the old
// bleve index, checks that the directory takes a probe file, and reopens
// the last persisted snapshot. Changes whose batches failed are still in
// the outbox, so the indexer re-applies them once the index is back.

// faultRetry is the shortest pause between two recovery attempts.
const faultRetry = 2 * time.Second

// probeBytes is the size of the file the recovery writes to check the
// directory: a little more than a small segment, so a disk with a few
// bytes left does not pass.
const probeBytes = 256 << 10

// closeTimeout bounds closing a failed bleve index: a persister stuck on
// the failed disk must not hold the recovery forever (the old index is
// abandoned then).
const closeTimeout = 5 * time.Second

// faultState is the fault of an out-of-service index.
type faultState struct {
	mu      sync.Mutex
	err     error     // nil: in service
	since   time.Time // when it went out of service
	nextTry time.Time
	// inject, when set (tests), is consulted before every batch write: a
	// non-nil error fails the batch as a full disk would.
	inject func() error
}

// asyncIndexes maps a bleve index path to its Embedded, for the
// asynchronous error callback every embedded index registers.
var asyncIndexes sync.Map // string → *Embedded

const asyncCallbackName = "canyu_embedded"

func init() {
	scorch.RegistryAsyncErrorCallbacks[asyncCallbackName] = func(err error, path string) {
		asyncIndexes.Range(func(k, v any) bool {
			if p := k.(string); path == p || strings.HasPrefix(path, p+string(filepath.Separator)) {
				v.(*Embedded).markFault(fmt.Errorf("background index error: %w", err))
				return false
			}
			return true
		})
	}
}

// runtimeConfig is the bleve runtime configuration of every embedded
// index: it routes scorch's asynchronous errors to markFault.
func runtimeConfig() map[string]any {
	return map[string]any{"asyncErrorCallbackName": asyncCallbackName}
}

// openBleve opens the index in directory name under e.dir.
func (e *Embedded) openBleve(name string) (bleve.Index, error) {
	path := filepath.Join(e.dir, name)
	asyncIndexes.Store(path, e)
	return bleve.OpenUsing(path, runtimeConfig())
}

// OpenEmbedded is NewEmbedded for the service: it never fails. When the
// directory cannot be created or the index opened (a read-only or full
// disk), it returns the index out of service, and the index opens itself
// as soon as the directory allows it, so the process starts and serves
// everything but search instead of exiting (and crash-looping).
func OpenEmbedded(dir string, logger *slog.Logger) *Embedded {
	e, err := NewEmbedded(dir)
	if err == nil {
		e.logger = logger
		return e
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger.Error("search: the embedded index cannot be opened; search is unavailable until it can", "dir", dir, "error", err)
	e = &Embedded{dir: dir, analyzer: defaultAnalyzer, logger: logger, groups: newGroupTables()}
	e.markFault(err)
	return e
}

// markFault puts the index out of service (the first error is kept).
func (e *Embedded) markFault(err error) {
	e.fault.mu.Lock()
	defer e.fault.mu.Unlock()
	if e.fault.err != nil {
		return
	}
	e.fault.err = err
	e.fault.since = time.Now()
	e.fault.nextTry = time.Now().Add(faultRetry)
	e.log().Error("search: the embedded index is out of service until its directory is writable again", "dir", e.dir, "error", err)
}

// Fault returns why the index is out of service, or nil.
func (e *Embedded) Fault() error {
	e.fault.mu.Lock()
	defer e.fault.mu.Unlock()
	return e.fault.err
}

// InjectWriteFault makes every later batch write call f first and fail
// with its error when it returns one (tests: a full disk where no small
// file system can be mounted). nil removes it.
func (e *Embedded) InjectWriteFault(f func() error) {
	e.fault.mu.Lock()
	defer e.fault.mu.Unlock()
	e.fault.inject = f
}

// RetryNow lets the next call try to recover at once instead of after
// faultRetry (tests).
func (e *Embedded) RetryNow() {
	e.fault.mu.Lock()
	defer e.fault.mu.Unlock()
	e.fault.nextTry = time.Time{}
}

func (e *Embedded) log() *slog.Logger {
	if e.logger != nil {
		return e.logger
	}
	return slog.Default()
}

// inService returns nil when the index is in service, recovering it first
// when it is out of service and a retry is due; otherwise an error
// wrapping ErrUnavailable.
func (e *Embedded) inService() error {
	e.fault.mu.Lock()
	f := e.fault.err
	if f == nil {
		e.fault.mu.Unlock()
		return nil
	}
	if time.Now().Before(e.fault.nextTry) {
		e.fault.mu.Unlock()
		return fmt.Errorf("%w: embedded index out of service: %v", ErrUnavailable, f)
	}
	e.fault.nextTry = time.Now().Add(faultRetry)
	e.fault.mu.Unlock()

	if err := e.reopen(); err != nil {
		e.fault.mu.Lock()
		e.fault.err = err
		e.fault.mu.Unlock()
		return fmt.Errorf("%w: embedded index out of service: %v", ErrUnavailable, err)
	}
	e.fault.mu.Lock()
	since := e.fault.since
	e.fault.err = nil
	e.fault.mu.Unlock()
	e.log().Info("search: the embedded index is back in service", "dir", e.dir, "out_of_service", time.Since(since).Round(time.Second).String())
	return nil
}

// reopen closes the failed bleve index, checks the directory takes a
// probe file and opens the last persisted snapshot (or a new index).
func (e *Embedded) reopen() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errors.New("embedded index is closed")
	}
	if e.idx != nil {
		closeQuietly(e.idx)
		e.idx = nil
	}
	if err := os.MkdirAll(e.dir, 0o750); err != nil {
		return err
	}
	if err := probe(e.dir); err != nil {
		return err
	}
	cur, err := os.ReadFile(filepath.Join(e.dir, "CURRENT"))
	if err == nil && strings.TrimSpace(string(cur)) != "" {
		name := strings.TrimSpace(string(cur))
		idx, err := e.openBleve(name)
		if err != nil {
			return fmt.Errorf("open index %s (run `canyu reindex` if it stays unreadable): %v", name, err)
		}
		e.idx, e.name = idx, name
		return nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	name, idx, err := e.createIndex()
	if err != nil {
		return err
	}
	if err := e.writeCurrent(name); err != nil {
		closeQuietly(idx)
		return err
	}
	e.idx, e.name = idx, name
	return nil
}

// probe writes, syncs and removes a probeBytes file in dir.
func probe(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, probeBytes))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// closeQuietly closes idx, recovering a panic and giving up after
// closeTimeout: the index failed, and its close must not fail the
// recovery.
func closeQuietly(idx bleve.Index) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }()
		idx.Close()
	}()
	select {
	case <-done:
	case <-time.After(closeTimeout):
	}
}

// guard turns a panic of bleve into a fault: deferred by every method
// that calls into the index, with err the method's named result.
func (e *Embedded) guard(err *error) {
	if r := recover(); r != nil {
		f := fmt.Errorf("panic in the index: %v", r)
		e.markFault(f)
		*err = fmt.Errorf("%w: %v", ErrUnavailable, f)
	}
}

// batch applies b to idx. An error (the disk refused the segment) puts
// the index out of service. The batch runs in its own goroutine so that a
// persister that died with the disk cannot hold the caller past ctx.
func (e *Embedded) batch(ctx context.Context, idx bleve.Index, b *bleve.Batch) error {
	e.fault.mu.Lock()
	inject := e.fault.inject
	e.fault.mu.Unlock()
	if inject != nil {
		if err := inject(); err != nil {
			e.markFault(err)
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("panic in the index: %v", r)
			}
		}()
		done <- idx.Batch(b)
	}()
	select {
	case err := <-done:
		if err != nil {
			e.markFault(err)
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.Canceled) {
			return ctx.Err() // shutting down; the batch finishes or fails on its own
		}
		err := fmt.Errorf("index write did not finish: %w", ctx.Err())
		e.markFault(err)
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
}
