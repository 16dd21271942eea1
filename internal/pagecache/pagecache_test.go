package pagecache

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(entries, bytes int) (*Cache, *clock) {
	clk := &clock{t: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
	return New(Options{TTL: time.Second, Grace: time.Second, MaxEntries: entries, MaxBytes: bytes, Now: clk.now}), clk
}

func page(body string) *Page {
	return &Page{Status: 200, Body: []byte(body), Cacheable: true}
}

// TestSingleFlight: 64 readers of an expired page cause one render.
func TestSingleFlight(t *testing.T) {
	c, _ := newTest(10, 0)
	var renders atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			p, _ := c.Get(context.Background(), "k", func() *Page {
				renders.Add(1)
				<-release
				return page("v1")
			})
			if string(p.Body) != "v1" {
				t.Errorf("body %q", p.Body)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Fatalf("%d renders, want 1", n)
	}
}

// TestStalenessIsBounded: fresh for the TTL; after it the expired page is
// served only while another reader renders and only within the grace; past
// TTL+grace a reader waits for the fresh page.
func TestStalenessIsBounded(t *testing.T) {
	c, clk := newTest(10, 0)
	ctx := context.Background()
	c.Get(ctx, "k", func() *Page { return page("v1") })
	clk.advance(900 * time.Millisecond)
	if p, o := c.Get(ctx, "k", func() *Page { return page("v2") }); o != Hit || string(p.Body) != "v1" {
		t.Fatalf("within the TTL: %v %q", o, p.Body)
	}
	clk.advance(200 * time.Millisecond) // 1.1 s: expired
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		c.Get(ctx, "k", func() *Page { close(started); <-release; return page("v2") })
		close(done)
	}()
	<-started
	if p, o := c.Get(ctx, "k", func() *Page { t.Error("second render"); return nil }); o != Stale || string(p.Body) != "v1" {
		t.Fatalf("during the re-render: %v %q", o, p.Body)
	}
	clk.advance(time.Second) // 2.1 s: past the grace, wait for the render
	got := make(chan *Page)
	go func() {
		p, _ := c.Get(ctx, "k", func() *Page { t.Error("second render"); return nil })
		got <- p
	}()
	select {
	case p := <-got:
		t.Fatalf("served %q past TTL+grace", p.Body)
	case <-time.After(30 * time.Millisecond):
	}
	close(release)
	if p := <-got; string(p.Body) != "v2" {
		t.Fatalf("after the render: %q", p.Body)
	}
	<-done
	if p, o := c.Get(ctx, "k", nil); o != Hit || string(p.Body) != "v2" {
		t.Fatalf("stored: %v %q", o, p.Body)
	}
}

// TestNotCacheableAndPanics: an uncacheable page is shared with the readers
// waiting for it but not stored; a render that panics leaves no entry.
func TestNotCacheableAndPanics(t *testing.T) {
	c, _ := newTest(10, 0)
	ctx := context.Background()
	var renders int
	for range 2 {
		c.Get(ctx, "err", func() *Page { renders++; return &Page{Status: 500} })
	}
	if renders != 2 {
		t.Fatalf("%d renders of an uncacheable page, want 2", renders)
	}
	func() {
		defer func() { recover() }()
		c.Get(ctx, "boom", func() *Page { panic("render") })
	}()
	if p, o := c.Get(ctx, "boom", func() *Page { return page("ok") }); o != Miss || string(p.Body) != "ok" {
		t.Fatalf("after a panic: %v", o)
	}
	if n, _ := c.Len(); n != 1 {
		t.Fatalf("%d entries, want 1 (boom)", n)
	}
}

// TestBounded: entries and bytes stay under their caps, least recently used
// evicted first.
func TestBounded(t *testing.T) {
	c, _ := newTest(3, 25)
	ctx := context.Background()
	for i := range 3 {
		c.Get(ctx, strconv.Itoa(i), func() *Page { return page("0123456789") })
	}
	// 3 × 10 bytes > 25: the oldest ("0") went.
	if n, b := c.Len(); n != 2 || b != 20 {
		t.Fatalf("%d entries, %d bytes", n, b)
	}
	c.Get(ctx, "1", nil) // "1" is now the most recent
	c.Get(ctx, "3", func() *Page { return page("x") })
	c.Get(ctx, "4", func() *Page { return page("y") })
	if n, _ := c.Len(); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
	if _, o := c.Get(ctx, "1", nil); o != Hit {
		t.Fatal("the most recently used entry was evicted")
	}
	if _, o := c.Get(ctx, "2", func() *Page { return page("z") }); o != Miss {
		t.Fatal("the least recently used entry was kept")
	}
}
