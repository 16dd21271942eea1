package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var validOp = map[string]bool{"comment": true, "survey": true, "page": true, "list": true, "search": true}

var opOrder = []string{"comment", "survey", "page", "list", "search"}

// searchTerms are what readers search for.
var searchTerms = []string{"票价", "公交", "老年人", "换乘优惠", "学生", "班次", "公共汽车票价调整"}

// opStats are the outcomes of one operation.
type opStats struct {
	mu        sync.Mutex
	samples   []time.Duration // latency of every acknowledged request, retries included
	ok        int
	limited   int            // 429: the service's rate limits, not errors
	errors    map[string]int // by status and problem code, or network error
	retries   int
	exhausted string // why the operation stopped early, if it did
	// Of the above, the requests begun inside --compare-window or
	// --abuse-window.
	win struct {
		samples         []time.Duration
		limited, errors int
	}
	outside []time.Duration // the acknowledged ones begun outside it
}

func (s *opStats) record(d time.Duration, status int, code string, retries int, inWindow bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retries += retries
	switch {
	case status >= 200 && status < 300:
		s.ok++
		s.samples = append(s.samples, d)
		if inWindow {
			s.win.samples = append(s.win.samples, d)
		} else {
			s.outside = append(s.outside, d)
		}
	case status == http.StatusTooManyRequests:
		s.limited++
		if inWindow {
			s.win.limited++
		}
	default:
		if inWindow {
			s.win.errors++
		}
		if s.errors == nil {
			s.errors = map[string]int{}
		}
		k := strconv.Itoa(status)
		if status == 0 {
			k = "network"
		}
		if code != "" {
			k += " " + code
		}
		s.errors[k]++
	}
}

// ack is one acknowledged write.
type ack struct {
	account int64
	key     string
	receipt string // comments
	id      int64  // survey responses
}

// load is one run of the mix.
type load struct {
	cfg     config
	fx      *fixture
	logf    func(string, ...any)
	stats   map[string]*opStats
	shared  *http.Client
	reader  *http.Client   // anonymous page and API reads: gzip kept, not inflated
	addrs   []*http.Client // per loopback source address, created lazily
	addrsMu sync.Mutex
	nAddrs  int
	pacer   *pacer
	surveyN atomic.Int64

	acksMu        sync.Mutex
	commentAcks   []ack
	responseAcks  []ack
	elapsed       time.Duration
	maxRSS        atomic.Int64 // kB
	searchSkipped string

	start    time.Time // of the run
	lag      *lagProbe
	abusers  []*abuser
	campaign struct{ reserved, acked atomic.Int64 }
}

// inWindow reports whether t falls in the configured window of the run.
func (l *load) inWindow(t time.Time) bool {
	w := l.cfg.window
	if w.length == 0 {
		return false
	}
	off := t.Sub(l.start)
	return off >= w.start && off < w.start+w.length
}

func newLoad(cfg config, fx *fixture, logf func(string, ...any)) *load {
	l := &load{cfg: cfg, fx: fx, logf: logf, stats: map[string]*opStats{}}
	for _, op := range opOrder {
		l.stats[op] = &opStats{}
	}
	l.shared = &http.Client{Timeout: cfg.timeout, Transport: &http.Transport{MaxIdleConns: 4 * cfg.concurrency,
		MaxIdleConnsPerHost: 2 * cfg.concurrency, IdleConnTimeout: 30 * time.Second}}
	// Readers take pages gzipped and do not inflate them, as a phone
	// inflates on its own CPU, not on the server's: with Go's transparent
	// gzip the generator spent 95–150 µs of the shared 2 cores per page
	// inflating, against 41–58 µs for the rest of the request.
	l.reader = &http.Client{Timeout: cfg.timeout, Transport: &http.Transport{MaxIdleConns: 4 * cfg.concurrency,
		MaxIdleConnsPerHost: 2 * cfg.concurrency, IdleConnTimeout: 30 * time.Second, DisableCompression: true}}
	// Each address carries at most addrPerMinute/perMinute residents, so
	// pacing every resident under the per-account limit keeps every
	// address under the per-address limit too.
	perAddr := max(1, cfg.addrPerMinute/max(1, cfg.perMinute))
	l.nAddrs = (len(fx.residents) + perAddr - 1) / perAddr
	l.addrs = make([]*http.Client, l.nAddrs)
	if u, err := url.Parse(cfg.baseURL); err != nil || !isLoopback(u.Hostname()) {
		if cfg.spreadAddrs {
			logf("spread-addrs: the base URL is not loopback; every comment comes from one address (expect 429s past %d a minute)", cfg.addrPerMinute)
		}
		l.cfg.spreadAddrs = false
	}
	interval := time.Minute/time.Duration(max(1, cfg.perMinute)) + 500*time.Millisecond
	// The abusers' accounts (the last ones) are not paced.
	l.pacer = newPacer(len(fx.residents)-abuseResidents(cfg), interval, cfg.perDay)
	if cfg.lagRate > 0 {
		l.lag = newLagProbe(l, cfg.lagRate, cfg.lagTimeout)
	}
	return l
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback() && ip.To4() != nil
}

// clientFor returns the client of a resident's source address.
func (l *load) clientFor(residentIdx int) *http.Client {
	if !l.cfg.spreadAddrs {
		return l.shared
	}
	a := residentIdx % l.nAddrs
	l.addrsMu.Lock()
	defer l.addrsMu.Unlock()
	if c := l.addrs[a]; c != nil {
		return c
	}
	// 127.1.0.0 upwards: 127.0.0.1 stays the address of everything else.
	n := a + 1<<16
	ip := net.IPv4(127, byte(n>>16), byte(n>>8), byte(n))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	c := &http.Client{Timeout: l.cfg.timeout, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1,
		IdleConnTimeout: 3 * time.Second}}
	l.addrs[a] = c
	return c
}

// run runs the mix until the duration passes or ctx ends; writes under way
// finish (with their retries) before it returns.
func (l *load) run(ctx context.Context) {
	total := 0
	for _, w := range l.cfg.mix {
		total += w
	}
	workers := map[string]int{}
	for op, w := range l.cfg.mix {
		if w > 0 {
			workers[op] = max(1, (l.cfg.concurrency*w+total/2)/total)
		}
	}
	l.probeSearch()
	if l.searchSkipped != "" && l.lag != nil {
		l.logf("index lag: not measured (%s)", l.searchSkipped)
		l.lag = nil
	}
	l.logf("run: %s, workers %v, %d residents on %d source addresses (spread %v)", l.cfg.duration, workers, len(l.fx.residents), l.nAddrs, l.cfg.spreadAddrs)
	stopRSS := l.sampleRSS()
	deadline := time.Now().Add(l.cfg.duration)
	start := time.Now()
	l.start = start
	if l.cfg.startedFile != "" {
		if err := os.WriteFile(l.cfg.startedFile, []byte(start.Format(time.RFC3339Nano)+"\n"), 0o644); err != nil {
			l.logf("started-file: %v", err)
		}
	}
	if l.lag != nil {
		l.lag.start(ctx)
	}
	waitAbusers := func() {}
	if l.cfg.abuse {
		waitAbusers = l.runAbusers(ctx, start)
	}
	var wg sync.WaitGroup
	for op, n := range workers {
		for w := range n {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
				for ctx.Err() == nil && time.Now().Before(deadline) {
					if !l.once(ctx, op, rng, deadline) {
						return
					}
				}
			})
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	last := map[string]int{}
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			var parts []string
			for _, op := range opOrder {
				s := l.stats[op]
				s.mu.Lock()
				parts = append(parts, fmt.Sprintf("%s %d/s (429: %d, err: %d)", op, (s.ok-last[op])/10, s.limited, errCount(s.errors)))
				last[op] = s.ok
				s.mu.Unlock()
			}
			l.logf("%s", strings.Join(parts, ", "))
		}
	}
	l.elapsed = min(time.Since(start), l.cfg.duration)
	waitAbusers()
	if l.lag != nil {
		l.logf("index lag: waiting for the published comments to be found (up to %s each)", l.cfg.lagTimeout)
		l.lag.finish()
	}
	stopRSS()
}

func errCount(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// probeSearch notes whether GET /api/v1/search answers; searches are left
// out of the mix when it does not (an instance without search).
func (l *load) probeSearch() {
	resp, err := l.shared.Get(l.cfg.baseURL + "/api/v1/search?q=" + url.QueryEscape("票价"))
	if err != nil {
		l.searchSkipped = "GET /api/v1/search: " + err.Error()
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		l.searchSkipped = fmt.Sprintf("GET /api/v1/search answered %d", resp.StatusCode)
	}
}

func (l *load) sampleRSS() func() {
	if l.cfg.servicePID == 0 {
		return func() {}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", l.cfg.servicePID)); err == nil {
				for _, line := range strings.Split(string(b), "\n") {
					if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
						if kb, _ := strconv.ParseInt(f[1], 10, 64); kb > l.maxRSS.Load() {
							l.maxRSS.Store(kb)
						}
					}
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(stop); <-done }
}

var commentPhrases = []string{"票价调整幅度过大", "建议保留一元线路", "老年人免费乘车应当保留", "学生优惠应扩大到高中生",
	"换乘优惠时间建议延长到120分钟", "应先增加班次再涨价", "支持调整，但要公开成本", "建议听证会邀请更多乘客代表",
	"郊区线路票价应单独核定", "夜班车票价不宜上调", "公交卡充值网点太少", "建议推行月票制度"}

// campaign is the text of a mass campaign: a share of the comments are
// near-identical copies of it, as in a flash crowd.
const campaign = "坚决反对公交票价从一元涨到两元，普通市民每天通勤负担太重，请市政府收回方案"

// once runs one operation; false stops the worker (nothing left to do).
func (l *load) once(ctx context.Context, op string, rng *rand.Rand, deadline time.Time) bool {
	switch op {
	case "comment":
		if l.cfg.campaign > 0 {
			if l.campaign.reserved.Add(1) > int64(l.cfg.campaign) {
				l.campaign.reserved.Add(-1)
				if l.campaign.acked.Load() >= int64(l.cfg.campaign) {
					return false
				}
				time.Sleep(20 * time.Millisecond) // copies in flight may fail and be sent again
				return ctx.Err() == nil
			}
		}
		idx, n, ok := l.pacer.take(ctx, deadline)
		if !ok {
			if l.cfg.campaign > 0 {
				l.campaign.reserved.Add(-1)
			}
			if ctx.Err() == nil && time.Now().Before(deadline) {
				l.stats[op].mu.Lock()
				l.stats[op].exhausted = "no resident is due again before the end (--per-day reached or paced past it)"
				l.stats[op].mu.Unlock()
			}
			return false
		}
		r := l.fx.residents[idx]
		body := map[string]any{"body": l.commentText(rng, idx, n)}
		if rng.IntN(2) == 0 && len(l.fx.anchors) > 0 {
			body["article_anchor"] = l.fx.anchors[rng.IntN(len(l.fx.anchors))]
		}
		if s := rng.IntN(4); s < 3 {
			body["stance"] = []string{"support", "oppose", "suggestion"}[s]
		}
		var token string
		if l.cfg.campaign > 0 {
			// The same stance for every copy: grouping keeps stances apart.
			body = map[string]any{"body": campaignCopy(rng), "stance": "oppose"}
		} else if token = l.lag.token(); token != "" {
			body["body"] = body["body"].(string) + " " + token
		}
		key := fmt.Sprintf("load-%s-%d-%d", l.fx.run, idx, n)
		status, code, resp, retryAfter := l.write(ctx, op, l.clientFor(idx), fmt.Sprintf("/api/v1/decisions/%d/comments", l.fx.decisionID), r.token, key, body)
		next := time.Now()
		if status == http.StatusCreated {
			var out struct {
				ID      int64  `json:"id"`
				Receipt string `json:"receipt"`
			}
			json.Unmarshal(resp, &out)
			l.acksMu.Lock()
			l.commentAcks = append(l.commentAcks, ack{account: r.id, key: key, receipt: out.Receipt})
			l.acksMu.Unlock()
			if token != "" {
				l.lag.sampled(out.ID, token)
			}
			l.campaign.acked.Add(1)
		} else {
			if status == http.StatusTooManyRequests {
				next = next.Add(retryAfter - l.pacer.interval)
			}
			if l.cfg.campaign > 0 {
				l.campaign.reserved.Add(-1)
			}
		}
		_ = code
		l.pacer.put(idx, next, status == http.StatusCreated)
		return true
	case "survey":
		idx := int(l.surveyN.Add(1) - 1)
		if idx >= len(l.fx.residents) {
			l.stats[op].mu.Lock()
			l.stats[op].exhausted = "every resident answered (one response each): raise --residents"
			l.stats[op].mu.Unlock()
			return false
		}
		r := l.fx.residents[idx]
		key := fmt.Sprintf("load-%s-s%d", l.fx.run, idx)
		status, _, resp, _ := l.write(ctx, op, l.shared, fmt.Sprintf("/api/v1/surveys/%d/responses", l.fx.surveyID), r.token, key, l.surveyAnswers(rng))
		if status == http.StatusCreated {
			var out struct {
				ID int64 `json:"id"`
			}
			json.Unmarshal(resp, &out)
			l.acksMu.Lock()
			l.responseAcks = append(l.responseAcks, ack{account: r.id, key: key, id: out.ID})
			l.acksMu.Unlock()
		}
		return true
	case "page":
		l.read(ctx, op, fmt.Sprintf("/decisions/%d", l.fx.decisionID))
		return true
	case "list":
		l.read(ctx, op, fmt.Sprintf("/api/v1/decisions/%d/comments?limit=20", l.fx.decisionID))
		return true
	case "search":
		if l.searchSkipped != "" {
			return false
		}
		l.read(ctx, op, "/api/v1/search?q="+url.QueryEscape(searchTerms[rng.IntN(len(searchTerms))]))
		return true
	}
	return false
}

func (l *load) commentText(rng *rand.Rand, idx, n int) string {
	if rng.IntN(5) == 0 {
		// A campaign copy with a small edit.
		r := []rune(campaign)
		i := rng.IntN(len(r))
		return string(r[:i]) + "！" + string(r[i:])
	}
	var b strings.Builder
	for range 1 + rng.IntN(3) {
		b.WriteString(commentPhrases[rng.IntN(len(commentPhrases))])
		b.WriteString("，")
	}
	fmt.Fprintf(&b, "以上是第%d位市民的第%d条意见。", idx+1, n+1)
	return b.String()
}

func (l *load) surveyAnswers(rng *rand.Rand) map[string]any {
	qs := l.fx.questions
	v := rng.IntN(11)
	answers := []map[string]any{
		{"question_id": qs[0].ID, "choices": []string{qs[0].Config.Options[rng.IntN(3)].ID}},
		{"question_id": qs[2].ID, "value": v},
	}
	if rng.IntN(2) == 0 {
		answers = append(answers, map[string]any{"question_id": qs[1].ID, "choices": []string{qs[1].Config.Options[rng.IntN(4)].ID}})
	}
	if rng.IntN(4) == 0 {
		answers = append(answers, map[string]any{"question_id": qs[3].ID, "text": commentPhrases[rng.IntN(len(commentPhrases))]})
	}
	return map[string]any{"answers": answers}
}

// write POSTs with an Idempotency-Key, retrying network errors and 5xx with
// the same key until --retry-for passes. The latency recorded runs from the
// first attempt to the answer: what the resident waits.
func (l *load) write(ctx context.Context, op string, client *http.Client, path, token, key string, body any) (int, string, []byte, time.Duration) {
	b, _ := json.Marshal(body)
	start := time.Now()
	backoff := 100 * time.Millisecond
	retries := 0
	for {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, l.cfg.baseURL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		status, code, resp, ra, err := do(client, req)
		if (err == nil && status < 500) || time.Since(start) > l.cfg.retryFor {
			l.stats[op].record(time.Since(start), status, code, retries, l.inWindow(start))
			return status, code, resp, ra
		}
		retries++
		time.Sleep(backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

func (l *load) read(ctx context.Context, op, path string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, l.cfg.baseURL+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	start := time.Now()
	status, code, _, _, err := do(l.reader, req)
	if ctx.Err() != nil {
		return
	}
	l.stats[op].record(time.Since(start), status, code, 0, l.inWindow(start))
	if err != nil || status >= 500 {
		time.Sleep(50 * time.Millisecond) // the service or its search is down: do not spin
	}
}

// do sends a request and reads the answer: status (0 for a network error),
// the problem code, the body and Retry-After.
func do(client *http.Client, req *http.Request) (int, string, []byte, time.Duration, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, shortErr(err), nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, shortErr(err), nil, 0, err
	}
	var code string
	if resp.StatusCode >= 300 {
		var p struct {
			Code string `json:"code"`
		}
		json.Unmarshal(body, &p)
		code = p.Code
	}
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, code, body, time.Duration(ra) * time.Second, nil
}

func shortErr(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "reset"):
		return "connection reset"
	case strings.Contains(err.Error(), "EOF"):
		return "EOF"
	}
	return "other"
}
