package search_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/search"
)

// pausingIndex is a live index (written in place, like Meilisearch) whose
// first upsert of one document stops until resumed: the moment a reindex
// has read the store and not yet written.
type pausingIndex struct {
	search.Index
	id      string
	once    sync.Once
	paused  chan struct{}
	resumed chan struct{}
}

func (p *pausingIndex) Upsert(ctx context.Context, docs []search.Document) error {
	if slices.ContainsFunc(docs, func(d search.Document) bool { return d.ID == p.id }) {
		p.once.Do(func() {
			close(p.paused)
			<-p.resumed
		})
	}
	return p.Index.Upsert(ctx, docs)
}

// TestReindexBesideIndexer: a comment edited while a reindex is between
// reading it and writing it. The indexer of a running service must not
// write the new text first only to have the reindex write the old text
// over it (the index then kept the old text until the next change). The
// reindex holds the indexer's lock of the comment's group, so the indexer
// skips the group until the reindex has written, then writes the new text.
func TestReindexBesideIndexer(t *testing.T) {
	s := newSearchScene(t, 1)
	ctx := context.Background()
	c := s.comment(t, 0, s.anchors[0], "小区里的旧车棚应当改成电动车充电车棚")
	s.moderate(t, c.ID, consultation.ModerationPublish)

	live, err := search.NewEmbedded(filepath.Join(t.TempDir(), "live"))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	x := search.NewIndexer(s.DB, live, nil, nil)
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	p := &pausingIndex{Index: live, id: commentID(c.ID), paused: make(chan struct{}), resumed: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- search.Reindex(ctx, s.DB, p, nil, nil) }()
	select {
	case <-p.paused:
	case err := <-done:
		t.Fatalf("reindex ended before writing the comment: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("reindex never reached the comment")
	}
	// The resident's comment changes (here: its text is corrected) while
	// the reindex holds the old text.
	if _, err := s.DB.Exec(ctx, `UPDATE comments SET body = '旧车棚改建为非机动车停车场' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	res, err := x.DrainOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applied != 0 || res.Skipped == 0 {
		t.Errorf("indexer during the reindex: %+v, want the comment's group skipped (held by the reindex)", res)
	}
	close(p.resumed)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := x.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if hits := find(t, live, search.Query{Text: "非机动车停车场"}); len(hits) != 1 {
		t.Errorf("the corrected text is not in the index (hits %v): the reindex's older read overwrote it", hits)
	}
	if hits := find(t, live, search.Query{Text: "充电车棚", Types: []search.DocType{search.TypeComment}}); len(hits) != 0 {
		t.Errorf("the old text is still found: %v", hits)
	}
}
