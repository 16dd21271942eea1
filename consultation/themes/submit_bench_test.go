package themes_test

import (
	"context"
	"sort"
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
// submission that waits does not hold back the next one), and reports the
// rate achieved and the mean and 95th-percentile latency of a submission:
//
//   - "alone": nothing joins (an analysis exists);
//   - "join-job": an analysis exists and new comments join its themes as
//     the join_themes job does in service (jobs.JoinThemesInterval, every
//     5 s; submission itself never touches themes);
//   - "join-tight": the same job run back to back every 50 ms, the worst
//     case (the figure of the earlier BenchmarkSubmitWhileJoining).
//
// "alone" and "join-job" alternate CANYU_THEMES_BENCH_ROUNDS times (default
// 3) and the medians are compared. The target: submission slows by no more
// than 10% while comments join.
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
	var seq atomic.Int64
	offer := func(b *testing.B) (achieved float64, mean, p95 time.Duration) {
		total := rate * seconds
		work := make(chan struct{}, total)
		lat := make([]time.Duration, 0, total)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for w := range residents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					i := seq.Add(1)
					in := consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: texts[i%int64(len(texts))].body, ClientAddr: "203.0.113.9"}
					start := time.Now()
					if _, _, err := s.e.Consultation.SubmitComment(ctx, &residents[w], s.d.ID, in); err != nil {
						b.Error(err)
					}
					d := time.Since(start)
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
	report := func(b *testing.B, name string, achieved float64, mean, p95 time.Duration, joined int) {
		b.ReportMetric(achieved, "comments/s")
		b.ReportMetric(float64(mean.Microseconds())/1000, "ms-mean")
		b.ReportMetric(float64(p95.Microseconds())/1000, "ms-p95")
		b.Logf("%s: offered %d/s for %d s, achieved %.0f/s, latency mean %v p95 %v, joined %d", name, rate, seconds, achieved, mean, p95, joined)
	}
	withJoin := func(b *testing.B, every time.Duration) (float64, time.Duration, time.Duration, int) {
		// Catch up first (untimed): the round starts in the steady state.
		s.e.Clock.Advance(themes.JoinLag + time.Second)
		if _, err := s.svc.JoinNewComments(ctx); err != nil {
			b.Fatal(err)
		}
		{
			stop := make(chan struct{})
			done := make(chan int)
			go func() {
				joined := 0
				t := time.NewTicker(every)
				defer t.Stop()
				for {
					select {
					case <-stop:
						done <- joined
						return
					case <-t.C:
					}
					s.e.Clock.Advance(themes.JoinLag + time.Second)
					n, err := s.svc.JoinNewComments(ctx)
					if err != nil {
						b.Error(err)
					}
					joined += n
				}
			}()
			a, m, p := offer(b)
			close(stop)
			return a, m, p, <-done
		}
	}
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		b.Fatal(err)
	}
	// Rounds alternate alone and with the join job, so that load from
	// elsewhere on the machine falls on both alike; medians are reported.
	rounds := benchSize("CANYU_THEMES_BENCH_ROUNDS", 3)
	var aloneRate, joinRate, aloneMean, joinMean []float64
	for r := 0; r < rounds; r++ {
		b.Run("alone", func(b *testing.B) {
			a, m, p := offer(b)
			report(b, "alone", a, m, p, 0)
			aloneRate, aloneMean = append(aloneRate, a), append(aloneMean, float64(m))
		})
		b.Run("join-job", func(b *testing.B) {
			a, m, p, n := withJoin(b, jobs.JoinThemesInterval)
			report(b, "join-job", a, m, p, n)
			joinRate, joinMean = append(joinRate, a), append(joinMean, float64(m))
		})
	}
	med := func(xs []float64) float64 {
		sort.Float64s(xs)
		return xs[len(xs)/2]
	}
	b.Logf("median over %d rounds: alone %.0f/s mean %v; with the join job %.0f/s mean %v; submission rate %+.1f%%, mean latency %+.1f%%",
		rounds, med(aloneRate), time.Duration(med(aloneMean)), med(joinRate), time.Duration(med(joinMean)),
		100*(med(joinRate)/med(aloneRate)-1), 100*(med(joinMean)/med(aloneMean)-1))
	b.Run("join-tight", func(b *testing.B) {
		a, m, p, n := withJoin(b, 50*time.Millisecond)
		report(b, "join-tight", a, m, p, n)
	})
}
