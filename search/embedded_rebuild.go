package search

import (
	"context"
	"os"
	"path/filepath"
)

// Rebuild builds a complete new index from source aside, in a sibling
// directory, while the current one keeps answering searches, then swaps it
// in atomically: CURRENT is renamed to point at the new directory, the
// pointer is swapped under the lock, and the old directory is removed.
// Upserts and deletes that arrive during the build go to the current index
// and are replayed onto the new one after the source is exhausted, so they
// win over the possibly older state source yielded. On error the current
// index is left untouched.
func (e *Embedded) Rebuild(ctx context.Context, source func(yield func(Document) error) error) error {
	e.rebuildMu.Lock()
	defer e.rebuildMu.Unlock()

	name, next, err := e.createIndex()
	if err != nil {
		return err
	}
	abandon := func() {
		e.journalMu.Lock()
		e.journal = nil
		e.journalMu.Unlock()
		next.Close()
		os.RemoveAll(filepath.Join(e.dir, name))
	}
	e.journalMu.Lock()
	e.journal = &[]journalOp{}
	e.journalMu.Unlock()

	batch := make([]Document, 0, indexBatchSize)
	err = source(func(d Document) error {
		batch = append(batch, d)
		if len(batch) < indexBatchSize {
			return nil
		}
		err := upsertInto(ctx, next, batch)
		batch = batch[:0]
		return err
	})
	if err == nil {
		err = upsertInto(ctx, next, batch)
	}
	if err != nil {
		abandon()
		return err
	}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		abandon()
		return ErrUnavailable
	}
	e.journalMu.Lock()
	ops := *e.journal
	e.journal = nil
	e.journalMu.Unlock()
	for _, op := range ops {
		if err = upsertInto(context.WithoutCancel(ctx), next, op.upsert); err == nil {
			err = deleteFrom(context.WithoutCancel(ctx), next, op.delete)
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		err = e.writeCurrent(name)
	}
	if err != nil {
		e.mu.Unlock()
		next.Close()
		os.RemoveAll(filepath.Join(e.dir, name))
		return err
	}
	old, oldName := e.idx, e.name
	e.idx, e.name = next, name
	e.mu.Unlock()

	old.Close()
	return os.RemoveAll(filepath.Join(e.dir, oldName))
}
