package themes_test

import (
	"context"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
)

// BenchmarkSubmitPaced offers comment submissions at a fixed rate
// (CANYU_THEMES_BENCH_RATE a second, default 1,000, for
// CANYU_THEMES_BENCH_SECONDS, default 10) to SubmitComment, open loop (a
// submission that waits does not hold back the next one), on the wall
// clock, and reports the rate achieved and the mean and 95th-percentile
// latency of a submission. The comment checkpoint runs every
// consultation.CheckpointInterval throughout, as it does in service (it
// seals and groups new comments; the join takes only grouped ones):
//
//   - "alone": an analysis exists, nothing joins;
//   - "join-job": new comments join the analysis' themes as the
//     join_themes job does in service (jobs.JoinThemesInterval, every 5 s;
//     submission itself never touches themes). After the offered seconds
//     the jobs run on until every comment of the round has joined, and the
//     time from a comment's receipt until the join has placed it is
//     reported;
//   - "join-tight": the same with the join run every 50 ms.
//
// "alone" and "join-job" alternate CANYU_THEMES_BENCH_ROUNDS times (default
// 3) and the medians are compared. The target: submission's mean and p95
// latency rise by no more than 10% while comments join.
//
//	go test ./consultation/themes -run '^$' -bench SubmitPaced -benchtime 1x -timeout 30m -v
func BenchmarkSubmitPaced(b *testing.B) {
	rate := benchSize("CANYU_THEMES_BENCH_RATE", 1000)
	seconds := benchSize("CANYU_THEMES_BENCH_SECONDS", 10)
	s := newScene(b, benchSize("CANYU_THEMES_BENCH_COMMENTS", 5_000))
	ctx := context.Background()
	s.e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	residents := make([]identity.Account, 32)
	for i := range residents {
		residents[i], _ = s.e.Account(identity.RoleResident, "")
	}
	texts := generate(4096, 7)
	a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
	if err != nil {
		b.Fatal(err)
	}
	// The wall clock from here: JoinLag and the wait to join are real time.
	s.e.Consultation.Now, s.svc.Now = time.Now, time.Now
	w := &joinWatch{analysis: a.ID}

	var seq atomic.Int64
	offer := func(b *testing.B) (achieved float64, mean, p95 time.Duration) {
		total := rate * seconds
		work := make(chan struct{}, total)
		lat := make([]time.Duration, 0, total)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for r := range residents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					i := seq.Add(1)
					in := consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: texts[i%int64(len(texts))].body, ClientAddr: "203.0.113.9"}
					start := time.Now()
					c, _, err := s.e.Consultation.SubmitComment(ctx, &residents[r], s.d.ID, in)
					d := time.Since(start)
					if err != nil {
						b.Error(err)
						continue
					}
					w.submitted(c.ID)
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		start := time.Now()
		tick := time.Second / time.Duration(rate)
		for i := 0; i < total; i++ {
			if wait := time.Until(start.Add(time.Duration(i) * tick)); wait > 0 {
				time.Sleep(wait)
			}
			work <- struct{}{}
		}
		close(work)
		wg.Wait()
		el := time.Since(start)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		var sum time.Duration
		for _, d := range lat {
			sum += d
		}
		return float64(len(lat)) / el.Seconds(), sum / time.Duration(len(lat)), lat[len(lat)*95/100]
	}
	checkpoint := periodic{consultation.CheckpointInterval, func() error {
		_, err := s.e.Consultation.CheckpointComments(ctx)
		return err
	}}
	join := func(every time.Duration) periodic {
		return periodic{every, func() error {
			if _, err := s.svc.JoinNewComments(ctx); err != nil {
				return err
			}
			return w.joined(ctx, s)
		}}
	}
	type arm struct {
		rate, mean, p95 []float64
	}
	var alone, joining arm
	var waits []time.Duration
	round := func(b *testing.B, name string, into *arm, jobs ...periodic) {
		stop := background(b, jobs...)
		defer stop()
		r, m, p := offer(b)
		into.rate, into.mean, into.p95 = append(into.rate, r), append(into.mean, float64(m)), append(into.p95, float64(p))
		b.ReportMetric(r, "comments/s")
		b.ReportMetric(float64(m.Microseconds())/1000, "ms-mean")
		b.ReportMetric(float64(p.Microseconds())/1000, "ms-p95")
		msg := ""
		if len(jobs) > 1 {
			ws := w.drain(b)
			waits = append(waits, ws...)
			msg = " wait to join " + quantiles(ws)
		}
		b.Logf("%s: offered %d/s for %d s, achieved %.0f/s, latency mean %v p95 %v%s", name, rate, seconds, r, m, p, msg)
	}
	// catchUp joins what the rounds alone left (untimed), so that a join
	// round starts in the steady state, and watches the comments to come.
	catchUp := func(b *testing.B) {
		time.Sleep(themes.JoinLag)
		if _, err := s.e.Consultation.CheckpointComments(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.svc.JoinNewComments(ctx); err != nil {
			b.Fatal(err)
		}
		w.start()
	}
	// Rounds alternate alone and with the join job, so that load from
	// elsewhere on the machine falls on both alike; medians are reported.
	rounds := benchSize("CANYU_THEMES_BENCH_ROUNDS", 3)
	for r := 0; r < rounds; r++ {
		b.Run("alone", func(b *testing.B) {
			w.stop()
			round(b, "alone", &alone, checkpoint)
		})
		b.Run("join-job", func(b *testing.B) {
			catchUp(b)
			round(b, "join-job", &joining, checkpoint, join(jobs.JoinThemesInterval))
		})
	}
	b.Logf("median over %d rounds (checkpoint job in both): alone %.0f/s, mean %v, p95 %v; with the join job %.0f/s, mean %v, p95 %v: "+
		"rate %+.1f%%, mean latency %+.1f%%, p95 %+.1f%% (target: latency within +10%%); wait from receipt to joined %s",
		rounds, median(alone.rate), time.Duration(median(alone.mean)), time.Duration(median(alone.p95)),
		median(joining.rate), time.Duration(median(joining.mean)), time.Duration(median(joining.p95)),
		100*(median(joining.rate)/median(alone.rate)-1), 100*(median(joining.mean)/median(alone.mean)-1),
		100*(median(joining.p95)/median(alone.p95)-1), quantiles(waits))
	b.Run("join-tight", func(b *testing.B) {
		catchUp(b)
		var tight arm
		round(b, "join-tight", &tight, checkpoint, join(50*time.Millisecond))
	})
}

// periodic is a job the benchmark runs on a ticker, as River runs the
// periodic jobs in service.
type periodic struct {
	every time.Duration
	run   func() error
}

// background runs each job on its own ticker until stop is called.
func background(b *testing.B, jobs ...periodic) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(j.every)
			defer t.Stop()
			for {
				select {
				case <-done:
					return
				case <-t.C:
				}
				if err := j.run(); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	return func() { close(done); wg.Wait() }
}

// joinWatch measures how long submitted comments wait until the join has
// placed them (passed them with the analysis' cursor, into a theme or
// left unthemed below the threshold).
type joinWatch struct {
	analysis int64
	mu       sync.Mutex
	on       bool
	waiting  []receipt
	waits    []time.Duration
}

type receipt struct {
	id int64
	at time.Time
}

func (w *joinWatch) start() { w.mu.Lock(); w.on, w.waiting, w.waits = true, nil, nil; w.mu.Unlock() }
func (w *joinWatch) stop()  { w.mu.Lock(); w.on = false; w.mu.Unlock() }

func (w *joinWatch) submitted(id int64) {
	w.mu.Lock()
	if w.on {
		w.waiting = append(w.waiting, receipt{id, time.Now()})
	}
	w.mu.Unlock()
}

// joined moves the comments the join has passed from waiting to waits.
func (w *joinWatch) joined(ctx context.Context, s *scene) error {
	var cursor int64
	if err := s.e.DB.QueryRow(ctx, `SELECT last_comment_id FROM theme_analyses WHERE id = $1`, w.analysis).Scan(&cursor); err != nil {
		return err
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	rest := w.waiting[:0]
	for _, r := range w.waiting {
		if r.id <= cursor {
			w.waits = append(w.waits, now.Sub(r.at))
		} else {
			rest = append(rest, r)
		}
	}
	w.waiting = rest
	return nil
}

// drain waits (at most a minute) until every watched comment has joined
// and returns the waits.
func (w *joinWatch) drain(b *testing.B) []time.Duration {
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		w.mu.Lock()
		left, waits := len(w.waiting), w.waits
		w.mu.Unlock()
		if left == 0 {
			w.stop()
			return waits
		}
		if time.Now().After(deadline) {
			b.Errorf("%d comments not joined a minute after the round", left)
			w.stop()
			return waits
		}
	}
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// quantiles describes waits by their median, 99th percentile and maximum.
func quantiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "(none)"
	}
	ds = append([]time.Duration(nil), ds...)
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	r := func(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
	return "p50 " + r(ds[len(ds)/2]).String() + " p99 " + r(ds[len(ds)*99/100]).String() + " max " + r(ds[len(ds)-1]).String() +
		" (" + strconv.Itoa(len(ds)) + " comments)"
}
