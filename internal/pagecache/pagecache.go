// Package pagecache keeps rendered public pages for a short time so that a
// flash crowd reading one page thousands of times a second costs one render
// (and its PostgreSQL round trips) per TTL instead of one per reader.
//
// It is a small LRU map from a key to a rendered response with:
//   - a TTL after which an entry is fresh no more;
//   - single flight: when an entry is missing or expired, one caller renders
//     it; concurrent callers for the same key wait for that render, or are
//     served the expired copy when it expired less than Grace ago (so a
//     crowd never queues behind a re-render);
//   - bounds on the number of entries and on their bytes, least recently
//     used evicted first.
//
// A page is therefore at most TTL+Grace older than the data it was rendered
// from (plus the length of one render). What may be cached — anonymous
// readers only, successful or cheap pages only — is the caller's decision.
package pagecache

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Page is one rendered response.
type Page struct {
	Status int
	Header http.Header
	Body   []byte
	// Gzip is Body compressed, when the renderer made it (served to
	// readers that accept it, compressed once per render, not per reader).
	Gzip []byte
	// ETag is a strong validator of Body, set when the page is stored.
	ETag string
	// Cacheable is set by the renderer when the page may be kept and shared.
	Cacheable bool
}

func (p *Page) size() int { return len(p.Body) + len(p.Gzip) }

// Cache is the page cache. The zero value is not usable: use New.
type Cache struct {
	ttl, grace time.Duration
	maxEntries int
	maxBytes   int
	now        func() time.Time

	mu    sync.Mutex
	m     map[string]*list.Element // of *entry
	lru   list.List                // front: most recently used
	bytes int

	hits, stale, misses atomic.Int64
}

type entry struct {
	key    string
	page   *Page // nil until the first render is stored
	stored time.Time
	flight *flight // non-nil while one caller renders
}

type flight struct {
	done chan struct{}
	page *Page // the page rendered, cacheable or not; nil if the render panicked
}

// Options configure a Cache.
type Options struct {
	// TTL is how long a page is served without rendering it again.
	TTL time.Duration
	// Grace is how long after the TTL an expired page may still be served
	// to other readers while one of them renders the fresh one.
	Grace time.Duration
	// MaxEntries and MaxBytes bound the memory held (bodies only, plain
	// and compressed).
	MaxEntries int
	MaxBytes   int
	// Now is the clock (tests inject one); nil is time.Now.
	Now func() time.Time
}

// New returns an empty cache.
func New(o Options) *Cache {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 1
	}
	return &Cache{ttl: o.TTL, grace: o.Grace, maxEntries: o.MaxEntries, maxBytes: o.MaxBytes, now: o.Now,
		m: map[string]*list.Element{}}
}

// Outcome says how Get answered.
type Outcome int

// The outcomes of Get.
const (
	Miss   Outcome = iota // rendered by this caller
	Hit                   // a fresh stored page
	Stale                 // an expired page served while another caller renders
	Shared                // the page another caller rendered at the same time
)

// Stats are the counts of answers since the cache was made.
type Stats struct{ Hits, Stale, Misses int64 }

// Stats returns the counts of answers.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Stale: c.stale.Load(), Misses: c.misses.Load()}
}

// Get returns the page for key, calling render when there is no fresh one
// and no other caller is rendering it. render's page is stored when it is
// Cacheable. Callers waiting for another's render get that render's page
// (cacheable or not); if that render panicked, or ctx ends first, they
// render for themselves.
func (c *Cache) Get(ctx context.Context, key string, render func() *Page) (*Page, Outcome) {
	c.mu.Lock()
	now := c.now()
	var e *entry
	if el, ok := c.m[key]; ok {
		e = el.Value.(*entry)
		c.lru.MoveToFront(el)
		if e.page != nil {
			age := now.Sub(e.stored)
			if age < c.ttl {
				p := e.page
				c.mu.Unlock()
				c.hits.Add(1)
				return p, Hit
			}
			if e.flight != nil && age < c.ttl+c.grace {
				p := e.page
				c.mu.Unlock()
				c.stale.Add(1)
				return p, Stale
			}
		}
		if f := e.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
				if f.page != nil {
					c.hits.Add(1)
					return f.page, Shared
				}
			case <-ctx.Done():
			}
			c.misses.Add(1)
			return render(), Miss
		}
	} else {
		e = &entry{key: key}
		c.m[key] = c.lru.PushFront(e)
		c.evict()
	}
	f := &flight{done: make(chan struct{})}
	e.flight = f
	c.mu.Unlock()
	c.misses.Add(1)

	defer func() {
		c.mu.Lock()
		if el, ok := c.m[key]; ok && el.Value.(*entry) == e {
			e.flight = nil
			if f.page != nil && f.page.Cacheable {
				if e.page != nil {
					c.bytes -= e.page.size()
				}
				e.page, e.stored = f.page, c.now()
				c.bytes += f.page.size()
				c.evict()
			} else if e.page == nil {
				c.remove(el)
			}
		}
		c.mu.Unlock()
		close(f.done)
	}()
	p := render()
	if p != nil && p.Cacheable && p.ETag == "" {
		sum := sha256.Sum256(p.Body)
		p.ETag = `"` + hex.EncodeToString(sum[:12]) + `"`
	}
	f.page = p
	return p, Miss
}

// evict drops least recently used entries, never one being rendered, until
// both bounds hold. c.mu is held.
func (c *Cache) evict() {
	el := c.lru.Back()
	for el != nil && (c.lru.Len() > c.maxEntries || (c.maxBytes > 0 && c.bytes > c.maxBytes)) {
		prev := el.Prev()
		if el.Value.(*entry).flight == nil {
			c.remove(el)
		}
		el = prev
	}
}

func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	if e.page != nil {
		c.bytes -= e.page.size()
	}
	c.lru.Remove(el)
	delete(c.m, e.key)
}

// Len returns the number of entries and the bytes of their bodies.
func (c *Cache) Len() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}
