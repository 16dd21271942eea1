package search_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/search"
)

// BenchmarkIndexerDrain measures outbox throughput: each iteration inserts
// n comments of one decision in one statement (the triggers write one
// outbox row each), then times Drain into fresh embedded public and staff
// indexes. "published" comments are upserted to both indexes; "pending"
// ones, what a comment flash crowd mostly writes, go to the staff index
// and are deleted from the public one. Reports outbox rows per second and
// this process's CPU time per row (the indexer's share of a comment flood;
// PostgreSQL's own CPU is another process and not counted).
//
//	go test ./search -run '^$' -bench IndexerDrain -benchtime 3x -cpuprofile /tmp/drain.prof
func BenchmarkIndexerDrain(b *testing.B) {
	for _, status := range []string{"published", "pending"} {
		b.Run(status, func(b *testing.B) {
			const n = 5000
			s := newSearchScene(b, 1)
			ctx := context.Background()
			public, err := search.NewEmbedded(filepath.Join(b.TempDir(), "public"))
			if err != nil {
				b.Fatal(err)
			}
			defer public.Close()
			staff, err := search.NewEmbedded(filepath.Join(b.TempDir(), "staff"))
			if err != nil {
				b.Fatal(err)
			}
			defer staff.Close()
			x := search.NewIndexer(s.DB, public, staff, nil)
			if err := x.Drain(ctx); err != nil {
				b.Fatal(err)
			}
			var rows int
			var took, cpu time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				if _, err := s.DB.Exec(ctx, `INSERT INTO comments (decision_id, consultation_id, version_id, article_anchor, account_id,
					receipt, body, body_hash, normalized_hash, status, created_at)
					SELECT k.decision_id, k.id, k.version_id, NULL, $2, $3 || g, '第' || g || '条意见：小区停车位太少，晚上找车位要转半小时。',
						md5(g::text), md5(g::text), $4, now()
					FROM consultations k, generate_series(1, $5) g WHERE k.decision_id = $1`,
					s.decision.ID, s.residents[0].ID, fmt.Sprintf("bench-%s-%d-", status, i), status, n); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start, c0 := time.Now(), cpuTime()
				if err := x.Drain(ctx); err != nil {
					b.Fatal(err)
				}
				took += time.Since(start)
				// bleve merges segments in the background after the
				// batch: their CPU is part of indexing the rows too.
				public.Settled(time.Minute)
				staff.Settled(time.Minute)
				cpu += cpuTime() - c0
				rows += n
			}
			b.ReportMetric(float64(rows)/took.Seconds(), "rows/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(rows), "cpu-µs/row")
		})
	}
}
