package search

// Test-only access to the analyzer choice, for the relevance comparison.
var (
	NewEmbeddedWithAnalyzer = newEmbedded
	AnalyzerBigram          = analyzerBigram
	AnalyzerUniBigram       = analyzerUniBigram
)
