package search_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/search/searchtest"
)

func newEmbedded(t *testing.T) *search.Embedded {
	t.Helper()
	idx, err := search.NewEmbedded(filepath.Join(t.TempDir(), "search"))
	if err != nil {
		t.Fatalf("NewEmbedded: %v", err)
	}
	return idx
}

func TestEmbeddedConformance(t *testing.T) {
	searchtest.Run(t, func(t *testing.T) search.Index { return newEmbedded(t) })
}

func comment(i int, body string) search.Document {
	return search.Document{
		ID: fmt.Sprintf("comment-%d", i), Type: search.TypeComment, DecisionID: 1,
		Title: "意见", Body: body, URL: fmt.Sprintf("/decisions/1#comment-%d", i),
		Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute),
	}
}

func TestEmbeddedReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	idx, err := search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := idx.Upsert(ctx, []search.Document{comment(1, "公交站台太少")}); err != nil {
		t.Fatal(err)
	}
	if err := idx.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := idx.Search(ctx, search.Query{Text: "站台"}); !errors.Is(err, search.ErrUnavailable) {
		t.Errorf("Search after Close: %v, want ErrUnavailable", err)
	}
	if h := idx.Health(ctx); h.OK {
		t.Errorf("Health after Close = %+v, want not OK", h)
	}
	idx, err = search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	res, err := idx.Search(ctx, search.Query{Text: "站台"})
	if err != nil || res.Total != 1 {
		t.Errorf("after reopen: %+v, %v; want the comment", res, err)
	}
}

// TestEmbeddedRebuild rebuilds while searches and writes continue: searches
// never fail, the new index has the source's documents, and a write made
// during the rebuild survives the swap.
func TestEmbeddedRebuild(t *testing.T) {
	idx := newEmbedded(t)
	defer idx.Close()
	ctx := context.Background()
	if err := idx.Upsert(ctx, []search.Document{comment(0, "旧的意见：路灯不亮")}); err != nil {
		t.Fatal(err)
	}
	const n = 3000
	started := make(chan struct{})
	release := make(chan struct{})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var searchErr error
	loopUntil(&wg, stop, func() error {
		_, err := idx.Search(ctx, search.Query{Text: "公交"})
		return err
	}, func(err error) { searchErr = err })
	errc := make(chan error, 1)
	go func() {
		errc <- idx.Rebuild(ctx, func(yield func(search.Document) error) error {
			for i := 1; i <= n; i++ {
				if i == n/2 {
					close(started)
					<-release
				}
				if err := yield(comment(i, fmt.Sprintf("第%d条意见：建议增加公交班次", i))); err != nil {
					return err
				}
			}
			// A stale version of the comment written live below.
			return yield(comment(n+1, "旧版本"))
		})
	}()
	<-started
	// Written during the rebuild: must be in the new index, newer than the
	// stale version the source yields afterwards.
	if err := idx.Upsert(ctx, []search.Document{comment(n+1, "新版本：夜班公交")}); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	close(stop)
	wg.Wait()
	if searchErr != nil {
		t.Errorf("a search failed during the rebuild: %v", searchErr)
	}
	res, err := idx.Search(ctx, search.Query{Text: "公交", Limit: 1})
	if err != nil || res.Total != n+1 {
		t.Errorf("公交 after rebuild: total %d, %v; want %d", res.Total, err, n+1)
	}
	if res, _ := idx.Search(ctx, search.Query{Text: "夜班"}); res.Total != 1 {
		t.Errorf("the write made during the rebuild was lost")
	}
	if res, _ := idx.Search(ctx, search.Query{Text: "路灯"}); res.Total != 0 {
		t.Errorf("a document absent from the source survived the rebuild")
	}
}

func TestEmbeddedRebuildFailureKeepsIndex(t *testing.T) {
	idx := newEmbedded(t)
	defer idx.Close()
	ctx := context.Background()
	if err := idx.Upsert(ctx, []search.Document{comment(1, "路灯不亮")}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("database gone")
	err := idx.Rebuild(ctx, func(yield func(search.Document) error) error {
		yield(comment(2, "别的"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Rebuild: %v, want %v", err, boom)
	}
	if res, err := idx.Search(ctx, search.Query{Text: "路灯"}); err != nil || res.Total != 1 {
		t.Errorf("after a failed rebuild: %+v, %v; want the old index intact", res, err)
	}
}

// TestEmbeddedApplySettingsMigrates opens an index built with another
// analyzer: ApplySettings rebuilds it from its own stored documents.
func TestEmbeddedApplySettingsMigrates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "search")
	old, err := search.NewEmbeddedWithAnalyzer(dir, search.AnalyzerBigram)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var docs []search.Document
	for i := range 2500 {
		docs = append(docs, comment(i, fmt.Sprintf("第%d条：楼下烧烤烟太大", i)))
	}
	if err := old.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	old.Close()
	idx, err := search.NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	// One character: only the unigram analyzer indexes it.
	if res, _ := idx.Search(ctx, search.Query{Text: "烟"}); res.Total != 0 {
		t.Fatalf("before ApplySettings the bigram index matched 烟 %d times", res.Total)
	}
	if err := idx.ApplySettings(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := idx.Search(ctx, search.Query{Text: "烟"}); err != nil || res.Total != len(docs) {
		t.Errorf("after ApplySettings 烟 matched %d, %v; want %d", res.Total, err, len(docs))
	}
	if err := idx.ApplySettings(ctx); err != nil {
		t.Errorf("second ApplySettings: %v", err)
	}
}

func TestEmbeddedQueryTooLong(t *testing.T) {
	idx := newEmbedded(t)
	defer idx.Close()
	long := ""
	for range search.MaxQueryRunes + 1 {
		long += "停"
	}
	if _, err := idx.Search(context.Background(), search.Query{Text: long}); !errors.Is(err, search.ErrInvalid) {
		t.Errorf("query of %d characters: %v, want ErrInvalid", search.MaxQueryRunes+1, err)
	}
}

// loopUntil runs step over and over in a goroutine counted in wg until
// stop is closed or step fails, which it reports.
func loopUntil(wg *sync.WaitGroup, stop <-chan struct{}, step func() error, report func(error)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := step(); err != nil {
				report(err)
				return
			}
		}
	}()
}
