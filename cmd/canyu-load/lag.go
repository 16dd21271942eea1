package main

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// lagProbe measures the search index lag under load (issue 8: "index lag
// under the comment load p99 under 2 s"). New comments are pending and not
// public until staff publish them, so a sample of the comments — at most
// --lag-rate a second — carries a unique ASCII token ("LAG" + base32,
// one word for both backends' tokenisers: bleve's Unicode word breaking
// keeps letters and digits together and lower-cases, Meilisearch does the
// same), is published by the fixture's staff member through
// POST /api/v1/comments/{id}/moderation, and is then looked up with
// GET /api/v1/search?q=<token> until the hit comment-{id} comes back. The
// lag is from the publish acknowledgement to the first search that finds
// it. A comment not found within --lag-timeout fails the verification:
// every published comment must become searchable.
type lagProbe struct {
	l       *load
	rate    float64
	timeout time.Duration
	queue   chan lagSample

	bucketMu sync.Mutex
	tokens   float64
	last     time.Time

	wg        sync.WaitGroup
	mu        sync.Mutex
	published int
	failed    int // publications given up (a 4xx, or 5xx past --retry-for)
	lags      []time.Duration
	foundAt   []time.Time // when each was first found
	// backlog is the last time a comment published before the end of the
	// run's window (a fault) was found: the backlog had drained by then.
	backlog      time.Time
	backlogCount int
	missing      []lagSample
	publishErrs  map[string]int
	pollErrs     map[string]int
	polls        int
}

// lagSample is one sampled comment.
type lagSample struct {
	id          int64
	token       string
	publishedAt time.Time
}

func newLagProbe(l *load, rate float64, timeout time.Duration) *lagProbe {
	return &lagProbe{l: l, rate: rate, timeout: timeout, queue: make(chan lagSample, 100000), last: time.Now(), tokens: 1,
		publishErrs: map[string]int{}, pollErrs: map[string]int{}}
}

// token returns a fresh token when the sampling rate allows one now, else "".
func (p *lagProbe) token() string {
	if p == nil || p.rate <= 0 {
		return ""
	}
	p.bucketMu.Lock()
	now := time.Now()
	p.tokens = min(1, p.tokens+now.Sub(p.last).Seconds()*p.rate)
	p.last = now
	ok := p.tokens >= 1
	if ok {
		p.tokens--
	}
	p.bucketMu.Unlock()
	if !ok {
		return ""
	}
	b := make([]byte, 10)
	rand.Read(b)
	return "LAG" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// sampled queues an acknowledged comment that carries a token.
func (p *lagProbe) sampled(id int64, token string) {
	select {
	case p.queue <- lagSample{id: id, token: token}:
	default: // cannot happen at the rates used; never block a comment worker
	}
}

// start runs the publishers until the queue is closed by finish.
func (p *lagProbe) start(ctx context.Context) {
	for range 2 {
		p.wg.Go(func() {
			for s := range p.queue {
				p.publish(ctx, s)
			}
		})
	}
}

// finish stops sampling and waits for every sampled comment to be
// published and found (or to time out).
func (p *lagProbe) finish() {
	close(p.queue)
	p.wg.Wait()
}

func (p *lagProbe) publish(ctx context.Context, s lagSample) {
	path := fmt.Sprintf("%s/api/v1/comments/%d/moderation", p.l.cfg.baseURL, s.id)
	start := time.Now()
	for {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, path, strings.NewReader(`{"action":"publish"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+p.l.fx.staffToken)
		status, code, _, _, err := do(p.l.shared, req)
		if err == nil && status == http.StatusOK {
			break
		}
		p.mu.Lock()
		p.publishErrs[fmt.Sprintf("%d %s", status, code)]++
		p.mu.Unlock()
		// Retry outages (5xx, network) as the write path does; a 4xx is a bug.
		if (err == nil && status < 500) || time.Since(start) > p.l.cfg.retryFor {
			p.mu.Lock()
			p.failed++
			p.mu.Unlock()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.publishedAt = time.Now()
	p.mu.Lock()
	p.published++
	p.mu.Unlock()
	p.wg.Go(func() { p.poll(ctx, s) })
}

// poll searches for the token until comment-{id} is a hit: every 50 ms for
// the first 2 s (the target), then every 250 ms, then every second after
// 10 s, so that a long outage does not turn the probe into a flood.
func (p *lagProbe) poll(ctx context.Context, s lagSample) {
	want := fmt.Sprintf("comment-%d", s.id)
	u := p.l.cfg.baseURL + "/api/v1/search?type=comment&limit=10&q=" + url.QueryEscape(s.token)
	for {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, u, nil)
		resp, err := p.l.shared.Do(req)
		found := false
		if err == nil {
			var out struct {
				Hits []struct {
					ID string `json:"id"`
				} `json:"hits"`
			}
			if resp.StatusCode == http.StatusOK {
				err = json.NewDecoder(resp.Body).Decode(&out)
			} else {
				p.mu.Lock()
				p.pollErrs[fmt.Sprint(resp.StatusCode)]++
				p.mu.Unlock()
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			found = slices.ContainsFunc(out.Hits, func(h struct {
				ID string `json:"id"`
			}) bool {
				return h.ID == want
			})
		}
		if err != nil {
			p.mu.Lock()
			p.pollErrs[shortErr(err)]++
			p.mu.Unlock()
		}
		now := time.Now()
		p.mu.Lock()
		p.polls++
		if found {
			p.lags = append(p.lags, now.Sub(s.publishedAt))
			p.foundAt = append(p.foundAt, now)
			if w := p.l.cfg.window; w.length > 0 && s.publishedAt.Before(p.l.start.Add(w.start+w.length)) {
				p.backlogCount++
				if now.After(p.backlog) {
					p.backlog = now
				}
			}
		}
		p.mu.Unlock()
		if found {
			return
		}
		since := now.Sub(s.publishedAt)
		if since > p.timeout {
			p.mu.Lock()
			p.missing = append(p.missing, s)
			p.mu.Unlock()
			return
		}
		switch {
		case since < 2*time.Second:
			time.Sleep(50 * time.Millisecond)
		case since < 10*time.Second:
			time.Sleep(250 * time.Millisecond)
		default:
			time.Sleep(time.Second)
		}
	}
}

// report prints the lag percentiles and the verification of searchability;
// false when a published comment was never found.
func (p *lagProbe) report(w io.Writer) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	sorted := slices.Clone(p.lags)
	slices.Sort(sorted)
	var last time.Time
	for _, t := range p.foundAt {
		if t.After(last) {
			last = t
		}
	}
	fmt.Fprintf(w, "index lag (publish acknowledged → found by GET /api/v1/search, polled every 50 ms for 2 s): %d published, %d found; p50 %s ms, p95 %s ms, p99 %s ms, max %s ms; %d searches",
		p.published, len(p.lags), ms(percentile(sorted, 0.5)), ms(percentile(sorted, 0.95)), ms(percentile(sorted, 0.99)),
		ms(percentile(sorted, 1)), p.polls)
	if !last.IsZero() {
		fmt.Fprintf(w, "; last found at %s", last.Format("15:04:05.000"))
	}
	fmt.Fprintln(w)
	if win := p.l.cfg.window; win.length > 0 && !p.backlog.IsZero() {
		end := p.l.start.Add(win.start + win.length)
		fmt.Fprintf(w, "index lag: the %d comments published before the window's end (%s) were all found by %s, %.1f s after it\n",
			p.backlogCount, end.Format("15:04:05.000"), p.backlog.Format("15:04:05.000"), p.backlog.Sub(end).Seconds())
	}
	if len(p.publishErrs) > 0 || len(p.pollErrs) > 0 {
		fmt.Fprintf(w, "index lag: publish errors %v, search answers other than 200 %v\n", p.publishErrs, p.pollErrs)
	}
	ok := true
	if p.failed > 0 {
		fmt.Fprintf(w, "verify search: FAILED, %d sampled comments could not be published\n", p.failed)
		ok = false
	}
	if len(p.missing) > 0 {
		var ids []string
		for _, s := range p.missing[:min(len(p.missing), 10)] {
			ids = append(ids, fmt.Sprintf("comment-%d (%s)", s.id, s.token))
		}
		fmt.Fprintf(w, "verify search: FAILED, %d published comments not searchable after %s: %s\n", len(p.missing), p.timeout, strings.Join(ids, ", "))
		ok = false
	}
	if ok {
		fmt.Fprintf(w, "verify search: OK, every published comment (%d) was found by search\n", p.published)
	}
	return ok
}
