package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Search limits.
const (
	// DefaultLimit is the page size when Query.Limit is 0.
	DefaultLimit = 20
	// MaxLimit is the largest page; the embedded backend clamps to it.
	MaxLimit = 100
	// MaxWindow bounds Offset+Limit: deep pages cost memory in every
	// backend (Meilisearch's maxTotalHits defaults to 1000 as well).
	MaxWindow = 1000
	// SnippetRunes is the length of a highlighted snippet.
	SnippetRunes = 120
)

// Boosts: a match in the title ranks above one in the body, and the
// query as a contiguous phrase above its words scattered.
const (
	boostTitlePhrase = 8
	boostBodyPhrase  = 4
	boostTitleTerms  = 1 // 2 let comments titled with the decision's name outrank real matches
	boostBodyTerms   = 1
	boostSynonym     = 0.3
	// minShouldRatio is the share of a word's analysed tokens a document
	// must contain. For a word of one or two characters the tokens are
	// its unigrams and bigram (0.6 measured recall@10 0.931, 0.4 measured
	// 0.986, see embedded.go); for a sentence (longQueryRunes) its bigrams.
	minShouldRatio = 0.4
	// bigramShouldRatio is the share of bigrams a word of three to
	// longQueryRunes characters needs (水费涨价 → 水费又要涨: one of its
	// three bigrams). Such a word used to be matched by 40% of its
	// unigrams and bigrams; the unigrams (水, 费, 车) each match a large
	// share of the corpus and scanning them was half of a query's CPU
	// (BenchmarkEmbeddedQuery at 100,000 comments: 27.5 → 14.8 cpu-ms per
	// query, recall@10 0.986 → 0.990, MRR 0.992 → 1.000).
	bigramShouldRatio = 0.3
	// unigramRunes is the longest word still matched by its unigrams.
	unigramRunes = 2
)

// longQueryRunes: a query term of three to longQueryRunes characters is
// matched by bigramShouldRatio of its bigrams, a longer one (an unknown run
// the vocabulary did not cut) by minShouldRatio of them. Each near-synonym
// of a term (synonyms.go, at most maxQueryVariants) adds its own clauses;
// the older caps per query (five variants for a word, two for a sentence)
// went when queries came to be cut into vocabulary words (query_parse.go),
// each word with its own synonym group.
const longQueryRunes = 6

// facetFields are the facets Search can count.
var facetFields = map[string]bool{"type": true, "domain": true, "status": true, "lead_agency": true}

// Search runs q. An empty Text lists the filtered documents by date, newest
// first, unless Sort says otherwise.
func (e *Embedded) Search(ctx context.Context, q Query) (_ Result, err error) {
	if err := validate(&q); err != nil {
		return Result{}, err
	}
	idx, err := e.current()
	if err != nil {
		return Result{}, err
	}
	defer e.mu.RUnlock()
	defer e.guard(&err)

	terms := map[string]bool{}
	bq := e.buildQuery(idx, q, terms)
	req := bleve.NewSearchRequestOptions(bq, q.Limit, q.Offset, false)
	req.Fields = []string{"doc"}
	// No IncludeLocations: reading every match's term locations cost a
	// third of a query's CPU at 100,000 comments; snippet re-analyses the
	// page's few bodies instead.
	a := idx.Mapping().AnalyzerNamed(e.analyzer)
	switch q.Sort {
	case "date_desc":
		req.SortBy([]string{"-date", "_id"})
	case "date_asc":
		req.SortBy([]string{"date", "_id"})
	default:
		// Score alone: breaking ties by date in bleve read the date and id
		// of every match (63 → 44 ms of CPU per query at 100,000
		// comments). Ties are ordered by date within the page below;
		// across pages bleve's order (score, then index order) is stable.
		req.SortBy([]string{"-_score"})
	}
	// Facets and the grouped window come from our own pass over the
	// matches (embedded_collect.go).
	var gc *groupCollector
	if len(q.Facets) > 0 || (q.perGroup > 0 && q.Sort == "") {
		perGroup := 0
		if q.Sort == "" {
			perGroup = q.perGroup
		}
		gc = newGroupCollector(e.groups, perGroup)
		ctx = context.WithValue(ctx, blevesearch.MakeDocumentMatchHandlerKey, blevesearch.MakeDocumentMatchHandler(gc.handler))
	}
	res, err := idx.SearchInContext(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	out := Result{Total: int(res.Total), Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		d, err := storedHit(h.Fields)
		if err != nil {
			return Result{}, err
		}
		score := h.Score
		if math.IsNaN(score) {
			score = 0
		}
		h := Hit{Document: d, Score: score}
		if !q.NoSnippets {
			h.Snippet = snippet(d, a, terms)
		}
		out.Hits = append(out.Hits, h)
	}
	if q.Sort == "" {
		slices.SortStableFunc(out.Hits, func(a, b Hit) int {
			if a.Score != b.Score {
				return cmp.Compare(b.Score, a.Score)
			}
			if c := b.Document.Date.Compare(a.Document.Date); c != 0 {
				return c
			}
			return strings.Compare(a.Document.ID, b.Document.ID)
		})
	}
	if gc != nil {
		out.Total, out.support = gc.total, gc.support
		if len(q.Facets) > 0 {
			out.Facets = gc.facets(q)
		}
	}
	return out, nil
}

// validate checks q and fills defaults; errors wrap ErrInvalid.
func validate(q *Query) error {
	switch q.Sort {
	case "", "date_desc", "date_asc":
	default:
		return fmt.Errorf("%w: sort %q", ErrInvalid, q.Sort)
	}
	if utf8.RuneCountInString(q.Text) > MaxQueryRunes {
		return fmt.Errorf("%w: query longer than %d characters", ErrInvalid, MaxQueryRunes)
	}
	if q.Offset < 0 || q.Limit < 0 {
		return fmt.Errorf("%w: negative offset or limit", ErrInvalid)
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	if q.Offset+q.Limit > MaxWindow {
		return fmt.Errorf("%w: offset beyond %d", ErrInvalid, MaxWindow)
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return fmt.Errorf("%w: date range ends before it starts", ErrInvalid)
	}
	for _, f := range q.Facets {
		if !facetFields[f] {
			return fmt.Errorf("%w: facet %q", ErrInvalid, f)
		}
	}
	if strings.TrimSpace(q.Text) == "" && q.Sort == "" {
		q.Sort = "date_desc"
	}
	return nil
}

// buildQuery is the text query at tier q.Relax (embedded_query.go)
// joined with the filters.
func (e *Embedded) buildQuery(idx bleve.Index, q Query, terms map[string]bool) query.Query {
	var must []query.Query
	if text := strings.TrimSpace(q.Text); text != "" {
		tq := e.tierQuery(idx, q, terms)
		if tq == nil {
			return bleve.NewMatchNoneQuery()
		}
		must = append(must, tq)
	}
	if len(q.Types) > 0 {
		var any []query.Query
		for _, t := range q.Types {
			any = append(any, term("type", string(t)))
		}
		must = append(must, bleve.NewDisjunctionQuery(any...))
	}
	for field, v := range map[string]string{"domain": q.Domain, "status": q.Status, "lead_agency": q.LeadAgency} {
		if v != "" {
			must = append(must, term(field, v))
		}
	}
	if q.DecisionID != 0 {
		must = append(must, term("decision_id", strconv.FormatInt(q.DecisionID, 10)))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		incl := true
		r := bleve.NewDateRangeInclusiveQuery(q.From.UTC(), q.To.UTC(), &incl, &incl)
		r.SetField("date")
		must = append(must, r)
	}
	switch len(must) {
	case 0:
		return bleve.NewMatchAllQuery()
	case 1:
		return must[0]
	}
	return bleve.NewConjunctionQuery(must...)
}

func term(field, v string) query.Query {
	t := bleve.NewTermQuery(v)
	t.SetField(field)
	t.SetBoost(0.0001) // filters do not rank
	return t
}

func conjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

func fieldTerm(field, t string, boost float64) query.Query {
	q := bleve.NewTermQuery(t)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}

// analyze returns the distinct terms analyzer makes of text.
func analyze(idx bleve.Index, analyzer, text string) []string {
	a := idx.Mapping().AnalyzerNamed(analyzer)
	if a == nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range a.Analyze([]byte(text)) {
		s := string(t.Term)
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// snippet is about SnippetRunes of the body around its first match with
// every match in the window marked; the title when only it matched; the
// start of the body when nothing did (a listing without a query). A match
// is a token of the query (terms) the analyzer finds in the text.
func snippet(d Document, a analysis.Analyzer, terms map[string]bool) string {
	if spans := matchSpans(a, d.Body, terms); len(spans) > 0 {
		return window(d.Body, spans)
	}
	if spans := matchSpans(a, d.Title, terms); len(spans) > 0 {
		return mark(d.Title, spans)
	}
	return truncate(d.Body, SnippetRunes)
}

type span struct{ start, end int }

// matchSpans merges the byte ranges of the tokens of text in terms.
func matchSpans(a analysis.Analyzer, text string, terms map[string]bool) []span {
	if a == nil || len(terms) == 0 || text == "" {
		return nil
	}
	// The index holds normalised text (one rune for one rune): analyse
	// the normalised text and map its offsets back to the original.
	normal := Normalize(text)
	var origAt []int // byte offset in text of each byte offset in normal
	if normal != text {
		origAt = make([]int, len(normal)+1)
		i := 0
		for j := range normal {
			origAt[j] = i
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			_, nsize := utf8.DecodeRuneInString(normal[j:])
			for k := 1; k < nsize; k++ {
				origAt[j+k] = i
			}
		}
		origAt[len(normal)] = len(text)
	}
	var spans []span
	for _, t := range a.Analyze([]byte(normal)) {
		if !terms[string(t.Term)] || t.End > len(normal) || t.Start >= t.End {
			continue
		}
		start, end := t.Start, t.End
		if origAt != nil {
			start, end = origAt[start], origAt[end]
		}
		spans = append(spans, span{start, end})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// window cuts SnippetRunes runes of text starting a little before the first
// span and marks the spans inside it.
func window(text string, spans []span) string {
	start := spans[0].start
	// Up to 20 runes of context before the first match.
	for n := 0; n < 20 && start > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(text[:start])
		start -= size
	}
	end := start
	for n := 0; n < SnippetRunes && end < len(text); n++ {
		_, size := utf8.DecodeRuneInString(text[end:])
		end += size
	}
	var in []span
	for _, s := range spans {
		if s.start >= start && s.start < end {
			in = append(in, span{s.start - start, min(s.end, end) - start})
		}
	}
	out := mark(text[start:end], in)
	if start > 0 {
		out = "…" + out
	}
	if end < len(text) {
		out += "…"
	}
	return out
}

func mark(text string, spans []span) string {
	var b strings.Builder
	at := 0
	for _, s := range spans {
		b.WriteString(text[at:s.start])
		b.WriteString(HighlightPre)
		b.WriteString(text[s.start:s.end])
		b.WriteString(HighlightPost)
		at = s.end
	}
	b.WriteString(text[at:])
	return b.String()
}

func truncate(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	r := []rune(text)
	return string(r[:n]) + "…"
}

// Snippets fills the snippets of hits for q's text at tier q.Relax (the
// hits SearchGrouped shows out of its window).
func (e *Embedded) Snippets(q Query, hits []Hit) {
	idx, err := e.current()
	if err != nil {
		return
	}
	defer e.mu.RUnlock()
	defer func() { _ = recover() }()
	terms := map[string]bool{}
	e.tierQuery(idx, q, terms)
	a := idx.Mapping().AnalyzerNamed(e.analyzer)
	for i := range hits {
		hits[i].Snippet = snippet(hits[i].Document, a, terms)
	}
}
