package themes_test

import (
	"context"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// benchSize reads a size from the environment.
func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchParams are the parameters the benchmarks run with:
// themes.DefaultParams, or themes.DMMParams or themes.SpectralParams when
// CANYU_THEMES_BENCH_METHOD is dmm or spectral.
func benchParams() themes.Params {
	switch os.Getenv("CANYU_THEMES_BENCH_METHOD") {
	case "dmm":
		return themes.DMMParams
	case themes.MethodSpectral:
		return themes.SpectralParams
	}
	return themes.DefaultParams
}

// BenchmarkAnalyze times a full theme analysis of one decision's comments
// (loading them, features, clustering, labels, summaries, storing the
// themes and members, the record entry). The target is 100,000 comments in
// under 60 s:
//
//	CANYU_THEMES_BENCH_COMMENTS=100000 go test ./consultation/themes -run '^$' -bench Analyze -benchtime 1x -timeout 60m
//
// The default size is 20,000, to keep a run short on a shared machine.
func BenchmarkAnalyze(b *testing.B) {
	n := benchSize("CANYU_THEMES_BENCH_COMMENTS", 20_000)
	s := newScene(b, n)
	s.svc.Params = benchParams()
	last := timeAnalyses(b, s, n)
	b.ReportMetric(float64(last.ThemeCount), "themes")
	b.Logf("%d comments: %d themes, %d unthemed, %v", n, last.ThemeCount, last.Unthemed, last.Took)
}

// timeAnalyses times b.N analyses of the scene's n comments and reports
// the rate of the last; it returns the last.
func timeAnalyses(b *testing.B, s *scene, n int) themes.Analysis {
	ctx := context.Background()
	b.ResetTimer()
	var last themes.Analysis
	for i := 0; i < b.N; i++ {
		a, err := s.svc.Analyze(ctx, s.staff, s.d.ID)
		if err != nil {
			b.Fatal(err)
		}
		last = a
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/last.Took.Seconds(), "comments/s")
	return last
}

// BenchmarkReanalyzeKeeping times a full re-analysis that keeps staff's
// work: after a first analysis of CANYU_THEMES_BENCH_COMMENTS comments
// (default 20,000) staff check the three largest themes (every comment in
// them confirmed), rename one and move 50 comments; the second analysis
// is timed.
//
//	CANYU_THEMES_BENCH_COMMENTS=100000 go test ./consultation/themes -run '^$' -bench ReanalyzeKeeping -benchtime 1x -timeout 60m
func BenchmarkReanalyzeKeeping(b *testing.B) {
	n := benchSize("CANYU_THEMES_BENCH_COMMENTS", 20_000)
	s := newScene(b, n)
	s.svc.Params = benchParams()
	ctx := context.Background()
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		b.Fatal(err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil || len(list) < 4 {
		b.Fatalf("%d themes, %v", len(list), err)
	}
	yes, label := true, "供热收费"
	for i, th := range list[:3] {
		in := themes.ThemeUpdate{Checked: &yes}
		if i == 0 {
			in.Label = &label
		}
		if _, err := s.svc.UpdateTheme(ctx, s.staff, th.ID, in); err != nil {
			b.Fatal(err)
		}
	}
	page, err := s.svc.GetTheme(ctx, s.staff, list[3].ID, themes.ThemePage{Limit: 50, Order: themes.OrderWeakest})
	if err != nil {
		b.Fatal(err)
	}
	var ids []int64
	for _, c := range page.Comments {
		ids = append(ids, c.ID)
	}
	if _, err := s.svc.MoveComments(ctx, s.staff, list[3].ID, list[0].ID, ids); err != nil {
		b.Fatal(err)
	}
	last := timeAnalyses(b, s, n)
	b.ReportMetric(float64(last.Kept), "kept")
	b.Logf("%d comments: %d themes (%d kept), %d unthemed, %v", n, last.ThemeCount, last.Kept, last.Unthemed, last.Took)
}

// BenchmarkJoin times placing 1,000 new comments into the themes of an
// analysis of CANYU_THEMES_BENCH_COMMENTS (default 20,000) comments, as the
// join_themes job does; the target is at least 1,000 comments a second.
//
//	CANYU_THEMES_BENCH_COMMENTS=100000 go test ./consultation/themes -run '^$' -bench Join -benchtime 5x -timeout 60m
func BenchmarkJoin(b *testing.B) {
	n := benchSize("CANYU_THEMES_BENCH_COMMENTS", 20_000)
	s := newScene(b, n)
	ctx := context.Background()
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		b.Fatal(err)
	}
	var joined int
	var took time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s.insert(b, generate(1000, uint64(100+i)))
		s.e.Clock.Advance(themes.JoinLag + time.Second)
		b.StartTimer()
		start := time.Now()
		got, err := s.svc.JoinNewComments(ctx)
		took += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		joined += got
	}
	b.ReportMetric(float64(joined)/took.Seconds(), "comments/s")
}

// BenchmarkSubmitWhileJoining measures comment submission (SubmitComment,
// sequential, one resident per worker) alone and while the join job runs
// in a loop, so the two rates can be compared (target: submission slows by
// less than 10%). Each sub-benchmark submits b.N comments.
//
//	go test ./consultation/themes -run '^$' -bench SubmitWhileJoining -benchtime 2000x
func BenchmarkSubmitWhileJoining(b *testing.B) {
	s := newScene(b, benchSize("CANYU_THEMES_BENCH_COMMENTS", 5_000))
	ctx := context.Background()
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		b.Fatal(err)
	}
	s.e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	residents := make([]identity.Account, 4)
	for i := range residents {
		residents[i], _ = s.e.Account(identity.RoleResident, "")
	}
	texts := generate(4096, 7)
	submit := func(b *testing.B) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range residents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1)
					if i > int64(b.N) {
						return
					}
					in := consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: texts[i%int64(len(texts))].body, ClientAddr: "203.0.113.9"}
					if _, _, err := s.e.Consultation.SubmitComment(ctx, &residents[w], s.d.ID, in); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	b.Run("alone", func(b *testing.B) {
		start := time.Now()
		submit(b)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "comments/s")
	})
	b.Run("joining", func(b *testing.B) {
		stop := make(chan struct{})
		done := make(chan int)
		go func() {
			joined := 0
			for {
				select {
				case <-stop:
					done <- joined
					return
				default:
				}
				s.e.Clock.Advance(themes.JoinLag + time.Second)
				n, err := s.svc.JoinNewComments(ctx)
				if err != nil {
					b.Error(err)
				}
				joined += n
				time.Sleep(50 * time.Millisecond)
			}
		}()
		start := time.Now()
		submit(b)
		el := time.Since(start)
		close(stop)
		joined := <-done
		b.ReportMetric(float64(b.N)/el.Seconds(), "comments/s")
		b.ReportMetric(float64(joined), "joined")
	})
}
