package search

import (
	"math"
	"slices"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Relaxation tiers of a text query (Query.Relax), tried in order by
// SearchGrouped and Service.Search while a stricter tier finds too little,
// so a query never ends in nothing merely because one of its words is not
// in the text (issue 16: long questions and multi-term queries found
// nothing because every word had to match).
const (
	RelaxAll    = 0 // every term matches (a term: a word or one of its near-synonyms)
	RelaxFewer  = 1 // at least half of the terms
	RelaxAny    = 2 // any bigram of any term
	RelaxPinyin = 3 // pinyin and homophones (pinyin.go)
	// MaxRelax is the last tier.
	MaxRelax = RelaxPinyin
)

// Field weights: whole word, then the share-of-tokens match.
var textFields = []struct {
	field        string
	whole, terms float64
}{
	{"title", boostTitlePhrase, boostTitleTerms},
	{"body", boostBodyPhrase, boostBodyTerms},
	{"extra", boostExtraPhrase, boostExtraTerms},
}

// The explanation, legal basis and attachments of a draft are long; a
// match there says less than one in its title or articles.
const (
	boostExtraPhrase = 2
	boostExtraTerms  = 0.5
)

// tierQuery is the text part of q at tier q.Relax; nil when the tier has
// nothing to match (no terms, or no pinyin in them). A phrase the resident
// quoted is matched whole at every tier: the tiers relax the other words
// only, and with none to relax a relaxed tier matches nothing new.
func (e *Embedded) tierQuery(idx bleve.Index, q Query, terms map[string]bool) query.Query {
	parsed := parseQuery(q.Text, e.synonyms())
	if len(parsed) == 0 {
		return nil
	}
	var quoted []query.Query
	var loose []queryTerm
	for _, t := range parsed {
		if !t.phrase {
			loose = append(loose, t)
		} else if w := e.termQuery(idx, t, terms); w != nil {
			quoted = append(quoted, w)
		} else {
			return nil // a quoted phrase with no token to match
		}
	}
	if q.Relax == RelaxAll {
		words := quoted
		for _, t := range loose {
			if w := e.termQuery(idx, t, terms); w != nil {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			return nil
		}
		return conjunction(words)
	}
	if len(quoted) == 0 {
		return e.relaxedQuery(idx, q.Relax, loose, terms)
	}
	// With quoted phrases: at least half of all the terms, the phrases
	// among them; then the phrases alone, the other words only ranking.
	switch q.Relax {
	case RelaxFewer:
		var words []query.Query
		for _, t := range loose {
			if w := e.termQuery(idx, t, terms); w != nil {
				words = append(words, w)
			}
		}
		need := int(math.Ceil(float64(len(quoted)+len(words))/2)) - len(quoted)
		if len(words) == 0 || need <= 0 {
			return conjunction(quoted)
		}
		if need >= len(words) {
			return nil // the same as RelaxAll
		}
		d := bleve.NewDisjunctionQuery(words...)
		d.SetMin(float64(need))
		return conjunction(append(quoted, d))
	case RelaxAny:
		if len(loose) == 0 {
			return nil // the same as RelaxAll
		}
		return conjunction(quoted)
	}
	return nil
}

// relaxedQuery is the match of the unquoted terms at a relaxed tier; nil
// when the tier has nothing to add.
func (e *Embedded) relaxedQuery(idx bleve.Index, tier int, parsed []queryTerm, terms map[string]bool) query.Query {
	switch tier {
	case RelaxFewer:
		var words []query.Query
		for _, t := range parsed {
			if w := e.termQuery(idx, t, terms); w != nil {
				words = append(words, w)
			}
		}
		if len(words) < 2 {
			return nil // the same as RelaxAll
		}
		d := bleve.NewDisjunctionQuery(words...)
		d.SetMin(math.Ceil(float64(len(words)) / 2))
		return d
	case RelaxAny:
		var any []query.Query
		seen := map[string]bool{}
		for _, t := range parsed {
			for i, form := range append([]string{t.text}, t.alts...) {
				scale := 1.0
				if i > 0 {
					scale = boostSynonym
				}
				toks := analyze(idx, e.analyzer, form)
				if long := multiRune(toks); len(long) > 0 {
					toks = long
				}
				for _, tk := range toks {
					if seen[tk] {
						continue
					}
					seen[tk] = true
					terms[tk] = true
					for _, f := range textFields {
						any = append(any, fieldTerm(f.field, tk, f.terms*scale))
					}
				}
			}
		}
		if len(any) == 0 {
			return nil
		}
		return bleve.NewDisjunctionQuery(any...)
	case RelaxPinyin:
		var any []query.Query
		for _, t := range parsed {
			if p := pinyinQuery(t.text); p != nil {
				any = append(any, p)
			}
		}
		if len(any) == 0 {
			return nil
		}
		return bleve.NewDisjunctionQuery(any...)
	}
	return nil
}

// termQuery matches a term or one of its near-synonyms (ranked lower) in
// any text field: as a whole word (all its bigrams) or, unless it is a
// quoted phrase, by a share of its tokens. A word of a long question
// (公交票价涨了老人怎么办) is matched by its share of tokens only in its own
// form and only when it has three characters or more: for 老人, 公交 and
// their near-synonyms 长者, 巴士 the share clause is "both characters
// anywhere in the text", which in a sentence adds noise, not recall, and
// walked the long postings of 人, 公, 长 over three fields (the strict tier
// of that sentence: 62 → 38 ms of CPU at 100,000 comments; the judged
// development set and the relevance set unchanged).
func (e *Embedded) termQuery(idx bleve.Index, t queryTerm, terms map[string]bool) query.Query {
	var clauses []query.Query
	for i, form := range append([]string{t.text}, t.alts...) {
		scale := 1.0
		if i > 0 {
			scale = boostSynonym
		}
		tokens := analyze(idx, e.analyzer, form)
		if len(tokens) == 0 {
			continue
		}
		n := utf8.RuneCountInString(form)
		ratio := minShouldRatio
		if n > unigramRunes {
			if long := multiRune(tokens); len(long) > 0 {
				tokens = long
				if n <= longQueryRunes {
					ratio = bigramShouldRatio
				}
			}
		}
		whole := multiRune(tokens)
		if len(whole) == 0 {
			whole = tokens
		}
		// Snippets mark whole matched words (their bigrams), never the
		// stray single characters the share-of-tokens clause matches.
		for _, tk := range whole {
			terms[tk] = true
		}
		for _, f := range textFields {
			var w []query.Query
			for _, tk := range whole {
				w = append(w, fieldTerm(f.field, tk, f.whole*scale))
			}
			clauses = append(clauses, conjunction(w))
			if t.phrase || len(tokens) == 1 || (t.sentence && (i > 0 || n <= unigramRunes)) {
				continue
			}
			clauses = append(clauses, shareQuery(f.field, tokens, ratio, f.terms*scale))
		}
	}
	if len(clauses) == 0 {
		return nil
	}
	return bleve.NewDisjunctionQuery(clauses...)
}

// shareQuery matches a share (ratio) of tokens in field. For a word of
// two characters (tokens a, b and the bigram ab, two of three needed) it
// is written as ab OR (a AND b), which matches the same documents: bleve
// walks a disjunction with a minimum through the union of its children's
// postings, and the unigrams' postings are long, so a conjunction of two
// such words (过期食品: 过期 AND 食品) walked most of the index: 140 ms of
// CPU at 100,000 comments and 2,000 drafts, against 3 ms for the
// intersections of the rewritten form (BenchmarkEmbeddedGroupedQuery).
func shareQuery(field string, tokens []string, ratio, boost float64) query.Query {
	need := int(math.Ceil(ratio * float64(len(tokens))))
	if len(tokens) == 3 && need == 2 {
		var uni []string
		var bi string
		for _, tk := range tokens {
			if utf8.RuneCountInString(tk) == 1 {
				uni = append(uni, tk)
			} else {
				bi = tk
			}
		}
		if len(uni) == 2 && bi != "" {
			return bleve.NewDisjunctionQuery(fieldTerm(field, bi, boost),
				conjunction([]query.Query{fieldTerm(field, uni[0], boost), fieldTerm(field, uni[1], boost)}))
		}
	}
	var ts []query.Query
	for _, tk := range tokens {
		ts = append(ts, fieldTerm(field, tk, boost))
	}
	d := bleve.NewDisjunctionQuery(ts...)
	d.SetMin(float64(need))
	return d
}

// pinyinQuery matches a term by sound: a Latin word split into syllables
// (tingche) or read as initials (tcsf), a Chinese word by its own pinyin
// (幼儿圆 sounds like 幼儿园).
func pinyinQuery(w string) query.Query {
	var toks []string
	field := "py"
	min := 0.0
	switch {
	case isLatinWord(w):
		if syl, ok := splitPinyin(w); ok && len(syl) >= 2 {
			toks = syllableBigrams(syl)
		} else if len(w) >= 2 && len(w) <= 8 {
			field = "pyi"
			for i := 0; i+1 < len(w); i++ {
				toks = append(toks, w[i:i+2])
			}
		}
	default:
		for _, run := range pinyinRuns(w) {
			toks = append(toks, syllableBigrams(run)...)
		}
		min = 0.6
	}
	toks = slices.Compact(toks)
	if len(toks) == 0 {
		return nil
	}
	var qs []query.Query
	for _, tk := range toks {
		qs = append(qs, fieldTerm(field, tk, 1))
	}
	if min == 0 {
		return conjunction(qs)
	}
	d := bleve.NewDisjunctionQuery(qs...)
	d.SetMin(math.Ceil(min * float64(len(qs))))
	return d
}

func multiRune(tokens []string) []string {
	return slices.DeleteFunc(slices.Clone(tokens), func(t string) bool { return utf8.RuneCountInString(t) == 1 })
}

// SetSynonyms replaces the near-synonym groups staff added (they extend
// the built-in table); queries use them from the next call.
func (e *Embedded) SetSynonyms(extra [][]string) {
	e.syn.Store(newSynonymSet(extra))
}

func (e *Embedded) synonyms() *synonymSet {
	if s := e.syn.Load(); s != nil {
		return s
	}
	return defaultSynonymSet
}
