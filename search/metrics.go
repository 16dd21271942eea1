package search

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collectors are the indexer's Prometheus gauges, read from PostgreSQL at
// scrape time (GaugeFunc), so every instance reports the shared outbox:
// canyu_search_outbox_rows (the backlog) and canyu_search_index_lag_seconds
// (the age of the oldest change not yet indexed; 0 when caught up). A
// failed read reports NaN rather than a stale number.
func (x *Indexer) Collectors() []prometheus.Collector {
	read := func(pick func(Backlog) float64) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			b, err := x.Backlog(ctx)
			if err != nil {
				return math.NaN()
			}
			return pick(b)
		}
	}
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canyu_search_outbox_rows",
			Help: "Changes waiting in the search outbox (the indexing backlog)."},
			read(func(b Backlog) float64 { return float64(b.Rows) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "canyu_search_index_lag_seconds",
			Help: "Age of the oldest change not yet indexed, in seconds (0 when the index has caught up)."},
			read(func(b Backlog) float64 { return b.Lag.Seconds() })),
	}
}
