package themes_test

import (
	"testing"

	"github.com/canyu-gov/canyu/consultation/themes"
)

// BenchmarkClusterInMemory times the method alone (features, clustering,
// labels, summaries) on generated comments, without the database
// (CANYU_THEMES_BENCH_METHOD=dmm for DMMParams, spectral for SpectralParams):
//
//	CANYU_THEMES_BENCH_COMMENTS=100000 go test ./consultation/themes -run '^$' -bench ClusterInMemory -benchtime 1x
func BenchmarkClusterInMemory(b *testing.B) {
	n := benchSize("CANYU_THEMES_BENCH_COMMENTS", 20_000)
	gen := generate(n, 42)
	docs := make([]themes.Doc, n)
	for i, g := range gen {
		docs[i] = themes.Doc{ID: int64(i + 1), Text: g.body, Article: "a" + string(rune('0'+g.article+1))}
		if g.campaign {
			docs[i].Group = 1
		}
	}
	p := benchParams()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cl := themes.ClusterDocs(docs, nil, p)
		themes.Describe(docs, cl, p)
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "comments/s")
}
