package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
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
	// minShouldRatio is the share of a word's analysed tokens (unigrams
	// and bigrams) a document must contain: lets 过期食品 find 过期的面包.
	// 0.6 measured recall@10 0.931, 0.4 measured 0.986 (see embedded.go).
	minShouldRatio = 0.4
)

// A long query is a sentence (公交票价涨了老人怎么办): each near-synonym
// variant repeats its twenty-odd token clauses, which took 2.1 s at 20,000
// comments with all twelve variants; its own words carry it anyway.
const (
	longQueryRunes    = 6
	longQueryVariants = 3
)

// facetFields are the facets Search can count.
var facetFields = map[string]bool{"type": true, "domain": true, "status": true, "lead_agency": true}

// Search runs q. An empty Text lists the filtered documents by date, newest
// first, unless Sort says otherwise.
func (e *Embedded) Search(ctx context.Context, q Query) (Result, error) {
	if err := validate(&q); err != nil {
		return Result{}, err
	}
	idx, err := e.current()
	if err != nil {
		return Result{}, err
	}
	defer e.mu.RUnlock()

	bq := e.buildQuery(idx, q)
	req := bleve.NewSearchRequestOptions(bq, q.Limit, q.Offset, false)
	req.Fields = []string{"doc"}
	req.IncludeLocations = true
	switch q.Sort {
	case "date_desc":
		req.SortBy([]string{"-date", "_id"})
	case "date_asc":
		req.SortBy([]string{"date", "_id"})
	default:
		req.SortBy([]string{"-_score", "-date", "_id"})
	}
	for _, f := range q.Facets {
		req.AddFacet(f, bleve.NewFacetRequest(f, 100))
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
		d, err := storedDocument(h.Fields)
		if err != nil {
			return Result{}, err
		}
		score := h.Score
		if math.IsNaN(score) {
			score = 0
		}
		out.Hits = append(out.Hits, Hit{Document: d, Score: score, Snippet: snippet(d, h.Locations)})
	}
	if len(q.Facets) > 0 {
		out.Facets = map[string]map[string]int{}
		for _, f := range q.Facets {
			counts := map[string]int{}
			if fr := res.Facets[f]; fr != nil && fr.Terms != nil {
				for _, t := range fr.Terms.Terms() {
					if t.Term != "" {
						counts[t.Term] = t.Count
					}
				}
			}
			out.Facets[f] = counts
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

// buildQuery is the text query (near-synonym variants, each word as a
// phrase or most of its tokens, title boosted) joined with the filters.
func (e *Embedded) buildQuery(idx bleve.Index, q Query) query.Query {
	var must []query.Query
	if text := strings.TrimSpace(q.Text); text != "" {
		must = append(must, e.textQuery(idx, text))
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
		id, incl := float64(q.DecisionID), true
		r := bleve.NewNumericRangeInclusiveQuery(&id, &id, &incl, &incl)
		r.SetField("decision_id")
		must = append(must, r)
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

// textQuery matches text itself or, ranked well below, one of its
// near-synonym variants. Variants sit in their own disjunction because
// bleve multiplies a disjunction's score by the share of clauses matched:
// flat, a comment matching four variants of 停车难 outranked the article
// whose title says 停车难.
func (e *Embedded) textQuery(idx bleve.Index, text string) query.Query {
	var original query.Query
	var synonyms []query.Query
	variants := queryVariants(text)
	if utf8.RuneCountInString(text) > longQueryRunes {
		variants = variants[:min(len(variants), longQueryVariants)]
	}
	for i, v := range variants {
		scale := 1.0
		if i > 0 {
			scale = boostSynonym
		}
		var words []query.Query
		for _, w := range strings.Fields(v) {
			if wq := e.wordQuery(idx, w, scale); wq != nil {
				words = append(words, wq)
			}
		}
		switch {
		case len(words) == 0:
		case i == 0:
			original = bleve.NewConjunctionQuery(words...)
		default:
			synonyms = append(synonyms, bleve.NewConjunctionQuery(words...))
		}
	}
	if len(synonyms) == 0 {
		if original == nil {
			return bleve.NewMatchNoneQuery()
		}
		return original
	}
	syn := bleve.NewDisjunctionQuery(synonyms...)
	if original == nil {
		return syn
	}
	return bleve.NewDisjunctionQuery(original, syn)
}

// wordQuery matches one whitespace-free word: as a phrase in the title or
// body, or by most of its analysed tokens. Bleve ignores the boost of
// conjunctions and disjunctions, so scale multiplies the leaves' boosts.
func (e *Embedded) wordQuery(idx bleve.Index, w string, scale float64) query.Query {
	tokens := analyze(idx, e.analyzer, w)
	if utf8.RuneCountInString(w) > longQueryRunes {
		// Unigrams of a sentence (人, 了, 么) match most documents and
		// made the clause slow; its bigrams are selective enough.
		tokens = slices.DeleteFunc(tokens, func(t string) bool { return utf8.RuneCountInString(t) == 1 })
	}
	if len(tokens) == 0 {
		return nil
	}
	var clauses []query.Query
	for _, f := range []struct {
		field         string
		phrase, terms float64
	}{{"title", boostTitlePhrase, boostTitleTerms}, {"body", boostBodyPhrase, boostBodyTerms}} {
		p := bleve.NewMatchPhraseQuery(w)
		p.SetField(f.field)
		p.SetBoost(f.phrase * scale)
		clauses = append(clauses, p)
		var ts []query.Query
		for _, t := range tokens {
			tq := bleve.NewTermQuery(t)
			tq.SetField(f.field)
			tq.SetBoost(f.terms * scale)
			ts = append(ts, tq)
		}
		d := bleve.NewDisjunctionQuery(ts...)
		d.SetMin(math.Ceil(minShouldRatio * float64(len(tokens))))
		clauses = append(clauses, d)
	}
	return bleve.NewDisjunctionQuery(clauses...)
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
// start of the body when nothing did (a listing without a query).
func snippet(d Document, locs bsearch.FieldTermLocationMap) string {
	if spans := matchSpans(locs["body"], len(d.Body)); len(spans) > 0 {
		return window(d.Body, spans)
	}
	if spans := matchSpans(locs["title"], len(d.Title)); len(spans) > 0 {
		return mark(d.Title, spans)
	}
	return truncate(d.Body, SnippetRunes)
}

type span struct{ start, end int }

// matchSpans merges the byte ranges of the matched terms.
func matchSpans(terms bsearch.TermLocationMap, size int) []span {
	var spans []span
	for _, locs := range terms {
		for _, l := range locs {
			if int(l.End) <= size && l.Start < l.End {
				spans = append(spans, span{int(l.Start), int(l.End)})
			}
		}
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
