package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/canyu-gov/canyu/search"
)

// The judged sets of issue 16. testdata/dev is the development set the
// analyzer and query understanding were tuned on (the relevance corpus
// extended to 34 drafts, with queries of the twelve kinds).
// testdata/heldout is written by someone who has not seen the analyzer and
// is never used for tuning: while iterating run only
// -run 'TestJudged/dev'; the held-out figures are read once.
//
// Both are measured at the level of decisions, as a resident reads a page
// of grouped results: a hit counts as its decision, each decision once
// (search.GroupHits), and a query's relevant decisions are those of its
// relevant documents.

// Held-out targets (issue 16).
const (
	heldOutMinRecall = 0.9
	heldOutMinMRR    = 0.9
)

// judgedKinds are the twelve kinds of query, in report order.
var judgedKinds = []string{"exact_phrase", "two_char_word", "abbreviation", "synonym", "colloquial", "partial",
	"typo", "traditional", "mixed_width", "long_question", "number", "multi_term"}

type judgedQuery struct {
	Q        string `json:"q"`
	Kind     string `json:"kind"`
	Relevant []struct {
		ID    string `json:"id"`
		Grade int    `json:"grade"`
	} `json:"relevant"`
}

type judgedSet struct {
	name    string
	docs    []search.Document
	queries []judgedQuery
	// relevant decisions of each query
	relevant []map[int64]bool
}

// loadJudged reads testdata/<name>; ok is false when the set is absent.
func loadJudged(t *testing.T, name string) (set judgedSet, ok bool) {
	t.Helper()
	dir := filepath.Join("testdata", name)
	raw, err := os.ReadFile(filepath.Join(dir, "corpus.json"))
	if errors.Is(err, os.ErrNotExist) {
		return set, false
	}
	if err != nil {
		t.Fatal(err)
	}
	set.name = name
	if err := json.Unmarshal(raw, &set.docs); err != nil {
		t.Fatalf("%s corpus: %v", name, err)
	}
	raw, err = os.ReadFile(filepath.Join(dir, "queries.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &set.queries); err != nil {
		t.Fatalf("%s queries: %v", name, err)
	}
	decisionOf := map[string]int64{}
	for _, d := range set.docs {
		decisionOf[d.ID] = d.DecisionID
	}
	for _, q := range set.queries {
		if !slices.Contains(judgedKinds, q.Kind) {
			t.Fatalf("%s: query %q has unknown kind %q", name, q.Q, q.Kind)
		}
		rel := map[int64]bool{}
		for _, r := range q.Relevant {
			d, ok := decisionOf[r.ID]
			if !ok {
				t.Fatalf("%s: query %q names unknown document %s", name, q.Q, r.ID)
			}
			if r.Grade > 0 {
				rel[d] = true
			}
		}
		set.relevant = append(set.relevant, rel)
	}
	return set, true
}

// ranker returns the decisions a query finds, best first, each once.
type ranker func(q string) []int64

// scores are recall@10 and MRR per kind ("all" for the whole set).
type scores map[string]struct {
	n           int
	recall, mrr float64
}

func evaluate(t *testing.T, set judgedSet, rank ranker, logMisses bool) scores {
	t.Helper()
	out := scores{}
	add := func(kind string, r, rr float64) {
		s := out[kind]
		s.n++
		s.recall += r
		s.mrr += rr
		out[kind] = s
	}
	for i, q := range set.queries {
		got := rank(q.Q)
		got = got[:min(len(got), 10)]
		rel := set.relevant[i]
		found, rr := 0, 0.0
		for k, d := range got {
			if rel[d] {
				found++
				if rr == 0 {
					rr = 1 / float64(k+1)
				}
			}
		}
		r := 1.0
		if len(rel) > 0 {
			r = float64(found) / float64(len(rel))
		}
		if logMisses && (r < 1 || rr < 1) {
			t.Logf("  %-14s %s: recall %.2f, RR %.2f, top %v, relevant %v", q.Kind, q.Q, r, rr, got, keys(rel))
		}
		add(q.Kind, r, rr)
		add("all", r, rr)
	}
	for k, s := range out {
		s.recall /= float64(s.n)
		s.mrr /= float64(s.n)
		out[k] = s
	}
	return out
}

func keys(m map[int64]bool) []int64 {
	var out []int64
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// engineRanker indexes set in a fresh embedded index and ranks through
// the grouped search a page shows.
func engineRanker(t *testing.T, set judgedSet) ranker {
	t.Helper()
	idx, err := search.NewEmbedded(filepath.Join(t.TempDir(), set.name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	ctx := context.Background()
	if err := idx.Upsert(ctx, set.docs); err != nil {
		t.Fatal(err)
	}
	return func(q string) []int64 {
		res, err := search.SearchGrouped(ctx, idx, search.Query{Text: q, Limit: 10})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var out []int64
		for _, g := range res.Groups {
			out = append(out, g.DecisionID)
		}
		return out
	}
}

// bm25Ranker is the baseline of issue 16: one document per decision (all
// its texts), character bigrams (and whole runs of letters or digits),
// BM25 with k1 = 1.2, b = 0.75. No normalisation, no synonyms.
func bm25Ranker(set judgedSet) ranker {
	texts := map[int64]*strings.Builder{}
	for _, d := range set.docs {
		b := texts[d.DecisionID]
		if b == nil {
			b = &strings.Builder{}
			texts[d.DecisionID] = b
		}
		for _, s := range []string{d.Title, d.Body, d.Explanation, d.LegalBasis, d.Attachments} {
			b.WriteString(s)
			b.WriteString("\n")
		}
	}
	type doc struct {
		id  int64
		tf  map[string]int
		len int
	}
	var docs []doc
	df := map[string]int{}
	total := 0
	for id, b := range texts {
		toks := bigramTokens(b.String())
		tf := map[string]int{}
		for _, tk := range toks {
			tf[tk]++
		}
		for tk := range tf {
			df[tk]++
		}
		docs = append(docs, doc{id, tf, len(toks)})
		total += len(toks)
	}
	avg := float64(total) / float64(len(docs))
	n := float64(len(docs))
	return func(q string) []int64 {
		type scored struct {
			id    int64
			score float64
		}
		var res []scored
		qt := bigramTokens(q)
		for _, d := range docs {
			s := 0.0
			for _, tk := range qt {
				f := float64(d.tf[tk])
				if f == 0 {
					continue
				}
				idf := math.Log(1 + (n-float64(df[tk])+0.5)/(float64(df[tk])+0.5))
				s += idf * f * 2.2 / (f + 1.2*(0.25+0.75*float64(d.len)/avg))
			}
			if s > 0 {
				res = append(res, scored{d.id, s})
			}
		}
		sort.Slice(res, func(i, j int) bool {
			if res[i].score != res[j].score {
				return res[i].score > res[j].score
			}
			return res[i].id < res[j].id
		})
		var out []int64
		for _, r := range res {
			out = append(out, r.id)
		}
		return out
	}
}

// bigramTokens: overlapping bigrams of each run of Han characters (a lone
// character as itself) and each run of letters or digits lower-cased whole.
func bigramTokens(s string) []string {
	var out []string
	var han []rune
	var word []rune
	flush := func() {
		if len(han) == 1 {
			out = append(out, string(han))
		}
		for i := 0; i+1 < len(han); i++ {
			out = append(out, string(han[i:i+2]))
		}
		han = han[:0]
		if len(word) > 0 {
			out = append(out, strings.ToLower(string(word)))
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			if len(word) > 0 {
				flush()
			}
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if len(han) > 0 {
				flush()
			}
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

// TestJudged measures the judged sets (issue 16) and prints, by kind,
// recall@10 and MRR of the engine and of the bigram-BM25 baseline. The
// held-out targets are asserted only in the subtest HeldOutTargets.
func TestJudged(t *testing.T) {
	type row struct{ engine, baseline scores }
	results := map[string]row{}
	var order []string
	for _, name := range []string{"dev", "heldout"} {
		t.Run(name, func(t *testing.T) {
			set, ok := loadJudged(t, name)
			if !ok {
				t.Skipf("testdata/%s is absent: the held-out set lands on main separately", name)
			}
			if name == "dev" && (len(set.docs) < 500 || len(set.queries) < 60) {
				t.Fatalf("dev set has %d documents and %d queries, want ≥500 and ≥60", len(set.docs), len(set.queries))
			}
			r := row{engine: evaluate(t, set, engineRanker(t, set), name == "dev"), baseline: evaluate(t, set, bm25Ranker(set), false)}
			results[name] = r
			order = append(order, name)
			for _, k := range judgedKinds {
				if _, ok := r.engine[k]; !ok {
					t.Errorf("%s set has no %s query", name, k)
				}
			}
		})
	}
	t.Run("HeldOutTargets", func(t *testing.T) {
		r, ok := results["heldout"]
		if !ok {
			t.Skip("no held-out figures (set absent or its subtest not run)")
		}
		if a := r.engine["all"]; a.recall < heldOutMinRecall || a.mrr < heldOutMinMRR {
			t.Errorf("held-out recall@10 %.3f (want ≥ %.2f), MRR %.3f (want ≥ %.2f)", a.recall, heldOutMinRecall, a.mrr, heldOutMinMRR)
		}
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%-14s", "kind")
	for _, name := range order {
		fmt.Fprintf(&b, " | %-7s n  R@10  MRR  bm25 R@10 MRR", name)
	}
	b.WriteString("\n")
	for _, k := range append(slices.Clone(judgedKinds), "all") {
		fmt.Fprintf(&b, "%-14s", k)
		for _, name := range order {
			e, bl := results[name].engine[k], results[name].baseline[k]
			fmt.Fprintf(&b, " | %-7s %2d %.3f %.3f      %.3f %.3f", "", e.n, e.recall, e.mrr, bl.recall, bl.mrr)
		}
		b.WriteString("\n")
	}
	t.Log("\n" + b.String())
	if testing.Verbose() {
		fmt.Print(b.String())
	}
}
