package search

import "time"

// Test-only access to the analyzer choice, for the relevance comparison.
var (
	NewEmbeddedWithAnalyzer = newEmbedded
	AnalyzerBigram          = analyzerBigram
	AnalyzerUniBigram       = analyzerUniBigram
)

// Settled waits until the index's background merger and persister have
// caught up with every batch (bleve's index_bgthreads_active), so a
// benchmark measures queries, not queries racing a merge of fresh
// segments. It reports whether that happened within timeout.
func (e *Embedded) Settled(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		idx, err := e.current()
		if err != nil {
			return false
		}
		active, _ := idx.StatsMap()["index_bgthreads_active"].(bool)
		e.mu.RUnlock()
		if !active {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
