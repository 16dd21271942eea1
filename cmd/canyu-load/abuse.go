package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// abuseAddrAccounts is how many accounts share the abusive address: more
// than the per-address limit divided by the per-account one (30/5 = 6), so
// the address limit, not the accounts', is what stops them.
const abuseAddrAccounts = 24

// abuser is one side of the abuse run: an account hammering from its own
// address (the per-account limit must answer 429), or many accounts
// hammering from one address (the per-address limit must).
type abuser struct {
	name     string
	accounts []resident
	client   *http.Client

	mu         sync.Mutex
	ok         int
	limited    int // 429 with a Retry-After of at least one second
	noRetry    int // 429 without Retry-After: a failure
	errors     map[string]int
	limitedLat []time.Duration
	retryAfter []time.Duration
}

func newAbuser(name string, accounts []resident, ip net.IP, timeout time.Duration) *abuser {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &abuser{name: name, accounts: accounts, errors: map[string]int{},
		client: &http.Client{Timeout: timeout, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 16}}}
}

// abuseResidents is how many of the fixture's residents the abusers take
// (the last ones; the paced residents are the others).
func abuseResidents(cfg config) int {
	if !cfg.abuse {
		return 0
	}
	return 1 + abuseAddrAccounts
}

// runAbusers hammers comments, --abuse-concurrency requests in flight per
// abuser, from start to end (offsets from the run's start), ignoring
// Retry-After as abusers do.
func (l *load) runAbusers(ctx context.Context, runStart time.Time) func() {
	n := len(l.fx.residents)
	k := abuseResidents(l.cfg)
	// 127.3.0.x: outside the residents' 127.1.x.x addresses.
	l.abusers = []*abuser{
		newAbuser("one account, its own address", l.fx.residents[n-k:n-k+1], net.IPv4(127, 3, 0, 1), l.cfg.timeout),
		newAbuser(fmt.Sprintf("%d accounts, one address", k-1), l.fx.residents[n-k+1:], net.IPv4(127, 3, 0, 2), l.cfg.timeout),
	}
	var wg sync.WaitGroup
	var seq atomic.Int64
	for _, a := range l.abusers {
		for range l.cfg.abuseConcurrency {
			wg.Go(func() {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(runStart.Add(l.cfg.window.start))):
				}
				// Past the window's end an abuser that was never refused goes
				// on until it is (at most 30 s more): on a slow machine it may
				// not reach the limit within a short window.
				end := runStart.Add(l.cfg.window.start + l.cfg.window.length)
				for ctx.Err() == nil && (time.Now().Before(end) || (!a.refused() && time.Now().Before(end.Add(30*time.Second)))) {
					i := seq.Add(1)
					r := a.accounts[int(i)%len(a.accounts)]
					body := fmt.Sprintf(`{"body":"刷屏意见第%d条：反对票价调整，反对票价调整，反对票价调整。","stance":"oppose"}`, i)
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost,
						fmt.Sprintf("%s/api/v1/decisions/%d/comments", l.cfg.baseURL, l.fx.decisionID), strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+r.token)
					req.Header.Set("Idempotency-Key", fmt.Sprintf("abuse-%s-%d", l.fx.run, i))
					t0 := time.Now()
					status, code, resp, ra, err := do(a.client, req)
					if ctx.Err() != nil {
						return
					}
					a.record(time.Since(t0), status, code, ra, err)
					if status == http.StatusCreated {
						// Verified with the residents' comments: exactly once.
						var out struct {
							Receipt string `json:"receipt"`
						}
						json.Unmarshal(resp, &out)
						l.acksMu.Lock()
						l.commentAcks = append(l.commentAcks, ack{account: r.id, key: req.Header.Get("Idempotency-Key"), receipt: out.Receipt})
						l.acksMu.Unlock()
					}
				}
			})
		}
	}
	return wg.Wait
}

func (a *abuser) refused() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limited+a.noRetry > 0
}

func (a *abuser) record(d time.Duration, status int, code string, ra time.Duration, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case err != nil:
		a.errors[shortErr(err)]++
	case status == http.StatusCreated:
		a.ok++
	case status == http.StatusTooManyRequests && ra >= time.Second:
		a.limited++
		a.limitedLat = append(a.limitedLat, d)
		a.retryAfter = append(a.retryAfter, ra)
	case status == http.StatusTooManyRequests:
		a.noRetry++
	default:
		a.errors[fmt.Sprintf("%d %s", status, code)]++
	}
}

// reportAbuse prints what the abusers got; false when a 429 came without
// Retry-After, an abuser got an error other than 429, or the limits let
// more through than they allow.
func (l *load) reportAbuse(w io.Writer) bool {
	ok := true
	secs := l.cfg.window.length.Seconds()
	fmt.Fprintf(w, "abuse (%s from %s, %d requests in flight each, Retry-After ignored):\n", l.cfg.window.length, l.cfg.window.start, l.cfg.abuseConcurrency)
	for i, a := range l.abusers {
		a.mu.Lock()
		slices.Sort(a.limitedLat)
		slices.Sort(a.retryAfter)
		// Accepted at most: the limit per started minute of the window.
		minutes := int(l.cfg.window.length/time.Minute) + 1
		allowed := minutes * l.cfg.perMinute
		if i == 1 {
			allowed = minutes * l.cfg.addrPerMinute
		}
		fmt.Fprintf(w, "  %-30s %6d requests (%.0f/s): accepted %d (limit allows %d), 429 with Retry-After %d (p50 %s ms, p99 %s ms; Retry-After %s–%s), 429 without Retry-After %d, errors %v\n",
			a.name, a.ok+a.limited+a.noRetry+errCount(a.errors), float64(a.ok+a.limited+a.noRetry)/secs, a.ok, allowed, a.limited,
			ms(percentile(a.limitedLat, 0.5)), ms(percentile(a.limitedLat, 0.99)), percentile(a.retryAfter, 0), percentile(a.retryAfter, 1),
			a.noRetry, a.errors)
		// The limits are counted without a lock (checkCommentRate): requests
		// racing at the limit may all pass, one per request in flight.
		if a.noRetry > 0 || len(a.errors) > 0 || a.limited == 0 || a.ok > allowed+l.cfg.abuseConcurrency {
			ok = false
		}
		a.mu.Unlock()
	}
	if !ok {
		fmt.Fprintln(w, "abuse: FAILED (a 429 without Retry-After, an error, no 429 at all, or more accepted than the limit allows)")
	}
	return ok
}
