package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/pagecache"
)

// The public pages a flash crowd reads (a decision's page, its comment
// list, the home page) are served to anonymous readers from a cache of the
// rendered page (issue 8: 3,000 decision pages/s on a 2-core machine that
// also runs PostgreSQL and the load generator). An uncached decision page
// takes about fifteen PostgreSQL round trips: 6–8 ms for a quiet decision,
// 55–90 ms for one with 4,690 published comments (the comment counts scan
// them), measured at load average 16. Served from the cache it costs the
// service about 60 µs of CPU (canyu-load: 323 → 5,700 pages/s, p99 301 →
// 30 ms, same machine and load).
//
// Staleness: a cached page is fresh for pageTTL and, while one reader
// renders it again, the expired copy is served to the others for at most
// pageGrace more, so an anonymous reader sees data at most about 2 s old
// (plus one render). Comment counts and newly published comments lag that
// much on a public page, which nobody can tell from moderation latency;
// signed-in readers (residents who just commented, staff) are never served
// from the cache and see their writes at once.
const (
	pageTTL   = time.Second
	pageGrace = time.Second
	// pageMaxAge is the Cache-Control max-age of a cached page: a phone
	// reloading within it uses its copy, after it revalidates (ETag → 304).
	pageMaxAge = "public, max-age=1"
	// Bounds on the memory the cache holds: a decision page is about 20 KB.
	pageCacheEntries = 512
	pageCacheBytes   = 16 << 20
	// renderTimeout bounds a shared render (readers wait for it).
	renderTimeout = 10 * time.Second
)

func newPageCache(s *site) *pagecache.Cache {
	now := time.Now
	if s.svc.Consultation != nil {
		now = func() time.Time { return s.svc.Consultation.Now() }
	}
	return pagecache.New(pagecache.Options{TTL: pageTTL, Grace: pageGrace, MaxEntries: pageCacheEntries,
		MaxBytes: pageCacheBytes, Now: now})
}

// cached serves h from the page cache to anonymous readers whose query uses
// only the parameters listed (anything else, such as a flash message, is
// rendered for the request alone: made-up parameters add no variants, and
// the LRU bounds those of the listed ones). Only 200 and 404 pages are
// kept: a crowd following a link to a decision not public yet should not
// reach PostgreSQL either, and a 404 is small. Error pages (5xx, 4xx other
// than 404, redirects) are never kept.
func (s *site) cached(params []string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, ok := cacheKey(r, params)
		if !ok || currentAccount(r) != nil || elderlyOn(r) {
			h(w, r)
			return
		}
		p, _ := s.cache.Get(r.Context(), key, func() *pagecache.Page {
			// The render is shared with every reader waiting for it: it
			// must not fail because the one who started it went away.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), renderTimeout)
			defer cancel()
			rec := &recorder{header: http.Header{}}
			h(rec, r.WithContext(ctx))
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			cacheable := (status == http.StatusOK || status == http.StatusNotFound) && rec.header.Get("Set-Cookie") == ""
			p := &pagecache.Page{Status: status, Header: rec.header, Body: rec.body.Bytes(), Cacheable: cacheable}
			if cacheable && len(p.Body) >= 1024 {
				p.Gzip = gzipped(p.Body)
			}
			return p
		})
		writeCached(w, r, p)
	}
}

// cacheKey is the path and the listed query parameters, in a fixed order;
// false when the request may not be answered from the cache.
func cacheKey(r *http.Request, params []string) (string, bool) {
	if r.Method != http.MethodGet {
		return "", false
	}
	if _, err := r.Cookie(SessionCookie); err == nil {
		// A session cookie that did not authenticate (expired) still gets
		// the anonymous page, but not from the cache: the reader is about to
		// be asked to sign in again and may act on the page.
		return "", false
	}
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(params, k) || len(q[k]) > 1 {
			return "", false
		}
	}
	key := r.URL.Path
	if len(q) > 0 {
		v := url.Values{}
		for _, k := range params {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		key += "?" + v.Encode()
	}
	return key, true
}

// writeCached writes a page from the cache: a 304 when the reader holds
// the same version (If-None-Match), else the page with its validator.
func writeCached(w http.ResponseWriter, r *http.Request, p *pagecache.Page) {
	h := w.Header()
	for k, v := range p.Header {
		if k != "Cache-Control" {
			h[k] = slices.Clone(v) // the stored page is shared between readers
		}
	}
	if !p.Cacheable {
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(p.Status)
		w.Write(p.Body)
		return
	}
	h.Set("Cache-Control", pageMaxAge)
	// A shared cache must not give the anonymous page to a signed-in reader.
	h.Set("Vary", "Cookie, Accept-Encoding")
	body, etag := p.Body, p.ETag
	if p.Gzip != nil && acceptsGzip(r) {
		// Each encoding is its own representation with its own validator.
		body, etag = p.Gzip, strings.TrimSuffix(p.ETag, `"`)+`-gz"`
		h.Set("Content-Encoding", "gzip")
	}
	if p.Status == http.StatusOK {
		h.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			h.Del("Content-Type")
			h.Del("Content-Encoding")
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(p.Status)
	w.Write(body)
}

// gzipped compresses a page once per render: an 18.7 KB decision page
// becomes about 4 KB on the wire, which matters to phones on a crowded
// network and costs the service fewer bytes written per reader.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	if zw.Close() != nil {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether the reader accepts gzip (and did not refuse
// it with q=0).
func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// etagMatch reports whether an If-None-Match header names etag (weak
// comparison, as RFC 9110 asks for If-None-Match).
func etagMatch(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// recorder captures a handler's response for the cache.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
