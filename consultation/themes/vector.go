package themes

import (
	"math"
	"sort"
	"strconv"
)

// Vec is a sparse vector: term ids ascending, with their weights.
type Vec struct {
	IDs []int32
	W   []float32
}

// Dot is the inner product of two sparse vectors.
func (a Vec) Dot(b Vec) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.IDs) && j < len(b.IDs) {
		switch {
		case a.IDs[i] == b.IDs[j]:
			s += float64(a.W[i]) * float64(b.W[j])
			i++
			j++
		case a.IDs[i] < b.IDs[j]:
			i++
		default:
			j++
		}
	}
	return s
}

// dotDense is the inner product with a dense vector.
func (a Vec) dotDense(d []float32) float64 {
	var s float64
	for i, id := range a.IDs {
		if int(id) < len(d) {
			s += float64(a.W[i]) * float64(d[id])
		}
	}
	return s
}

func (a *Vec) normalize() {
	var n float64
	for _, w := range a.W {
		n += float64(w) * float64(w)
	}
	if n == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range a.W {
		a.W[i] *= inv
	}
}

// Vocabulary maps terms to ids with their inverse document frequencies. It
// is fixed by an analysis and reused to place new comments.
type Vocabulary struct {
	IDs map[string]int32 `json:"-"`
	// Terms and IDF are the serialised form (index = id).
	Terms []string  `json:"terms"`
	IDF   []float32 `json:"idf"`
}

// termWeight is the weight of a feature of kind given by its prefix
// (see terms); bigrams weigh 1.
func (p Params) termWeight(t string) float64 {
	if len(t) < 2 || t[1] != ':' {
		return 1
	}
	switch t[0] {
	case 'w':
		return p.WordWeight
	case 'u':
		return p.UnigramWeight
	case 'p':
		return p.PinyinWeight
	case 's':
		return p.SynonymWeight
	case 'c':
		return p.ConceptWeight
	}
	return 1
}

// textOnly is p without the article feature (for an article's own text or
// one sentence).
func (p Params) textOnly() Params {
	p.ArticleWeight = 0
	return p
}

// articleTerm is the feature of the article a comment is on.
func articleTerm(anchor string) string {
	if anchor == "" {
		return "@whole"
	}
	return "@" + anchor
}

// buildVocabulary counts document frequencies over the docs' terms and
// keeps the terms found in at least two (a term in one comment relates it
// to nothing and only dilutes its vector). IDF is smoothed: ln((N+1)/(df+1))+1.
func buildVocabulary(docTerms [][]string) *Vocabulary {
	df := map[string]int{}
	for _, ts := range docTerms {
		seen := map[string]bool{}
		for _, t := range ts {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	keep := make([]string, 0, len(df))
	for t, n := range df {
		if n >= 2 {
			keep = append(keep, t)
		}
	}
	sort.Strings(keep)
	v := &Vocabulary{IDs: make(map[string]int32, len(keep)), Terms: keep, IDF: make([]float32, len(keep))}
	n := float64(len(docTerms))
	for i, t := range keep {
		v.IDs[t] = int32(i)
		v.IDF[i] = float32(math.Log((n+1)/float64(df[t]+1)) + 1)
	}
	return v
}

// index rebuilds IDs after the vocabulary was read back from JSON.
func (v *Vocabulary) index() {
	v.IDs = make(map[string]int32, len(v.Terms))
	for i, t := range v.Terms {
		v.IDs[t] = int32(i)
	}
}

// vector weighs terms by sublinear term frequency times IDF (dictionary
// words by wordWeight more), L2-normalises, then adds the article feature
// with weight articleWeight and normalises again: comments on the same
// article lean together without being forced together.
func (v *Vocabulary) vector(ts []string, article string, p Params) Vec {
	type acc struct {
		id      int32
		n, kind float64
	}
	// A comment has tens of features: a sorted slice beats a map.
	as := make([]acc, 0, len(ts))
	for _, t := range ts {
		if id, ok := v.IDs[t]; ok {
			if w := p.termWeight(t); w > 0 {
				as = append(as, acc{id, 1, w})
			}
		}
	}
	sort.Slice(as, func(i, j int) bool { return as[i].id < as[j].id })
	out := Vec{IDs: make([]int32, 0, len(as)+1), W: make([]float32, 0, len(as)+1)}
	for i := 0; i < len(as); {
		j := i + 1
		for j < len(as) && as[j].id == as[i].id {
			j++
		}
		id, n := as[i].id, float64(j-i)
		out.IDs = append(out.IDs, id)
		out.W = append(out.W, float32(as[i].kind*(1+math.Log(n))*float64(v.IDF[id])))
		i = j
	}
	out.normalize()
	if p.ArticleWeight > 0 && len(out.IDs) > 0 && article != "" {
		if id, ok := v.IDs[articleTerm(article)]; ok {
			out = out.with(id, float32(p.ArticleWeight))
		}
	}
	return out
}

// with is a normalised a with the feature id added at weight w (a holds
// no id yet).
func (a Vec) with(id int32, w float32) Vec {
	pos := sort.Search(len(a.IDs), func(i int) bool { return a.IDs[i] >= id })
	out := Vec{IDs: make([]int32, 0, len(a.IDs)+1), W: make([]float32, 0, len(a.W)+1)}
	out.IDs = append(append(append(out.IDs, a.IDs[:pos]...), id), a.IDs[pos:]...)
	out.W = append(append(append(out.W, a.W[:pos]...), w), a.W[pos:]...)
	out.normalize()
	return out
}

// inferredArticleTerm is the feature of the draft's i-th article as the one
// a comment's text is closest to (Params.InferredArticleWeight).
func inferredArticleTerm(i int) string { return "~" + strconv.Itoa(i) }

// addInferredArticles adds the features of n articles as inferred ones
// (weight 1 before the parameter's).
func (v *Vocabulary) addInferredArticles(n int) {
	for i := range n {
		t := inferredArticleTerm(i)
		if _, ok := v.IDs[t]; ok {
			continue
		}
		v.IDs[t] = int32(len(v.Terms))
		v.Terms = append(v.Terms, t)
		v.IDF = append(v.IDF, 1)
	}
}

// articleVectors are the texts of the draft's articles as vectors: nil
// when p infers no article.
func (v *Vocabulary) articleVectors(articles []string, p Params) []Vec {
	if p.InferredArticleWeight <= 0 {
		return nil
	}
	out := make([]Vec, len(articles))
	for i, a := range articles {
		out[i] = v.vector(terms(Normalize(a)), "", p.textOnly())
	}
	return out
}

// withInferredArticle adds to a comment's vector x the feature of the
// article whose text it is closest to, weighing InferredArticleWeight times
// that cosine, when the cosine is at least InferredArticleMin: comments
// about what one article provides lean together whether they were filed
// on that article, on another, or on the whole draft.
func (v *Vocabulary) withInferredArticle(x Vec, arts []Vec, p Params) Vec {
	best, bs := -1, 0.0
	for i, a := range arts {
		if s := x.Dot(a); s > bs {
			best, bs = i, s
		}
	}
	if best < 0 || bs < p.InferredArticleMin {
		return x
	}
	id, ok := v.IDs[inferredArticleTerm(best)]
	if !ok {
		return x
	}
	return x.with(id, float32(p.InferredArticleWeight*bs))
}

// commentVector is a comment's vector as the analysis' method sees it: its
// text and article (vector) and, with articles' vectors, the article its
// text is closest to.
func (v *Vocabulary) commentVector(text, article string, arts []Vec, p Params) Vec {
	x := v.vector(terms(Normalize(text)), article, p)
	if len(arts) > 0 && len(x.IDs) > 0 {
		x = v.withInferredArticle(x, arts, p)
	}
	return x
}

// centroid is the normalised mean of vectors, dense over the vocabulary.
func centroid(vs []Vec, dim int) []float32 {
	c := make([]float32, dim)
	for _, v := range vs {
		for i, id := range v.IDs {
			c[id] += v.W[i]
		}
	}
	var n float64
	for _, w := range c {
		n += float64(w) * float64(w)
	}
	if n > 0 {
		inv := float32(1 / math.Sqrt(n))
		for i := range c {
			c[i] *= inv
		}
	}
	return c
}

// sparse keeps the k largest weights of a dense vector (to store a
// centroid), renormalised.
func sparse(d []float32, k int) Vec {
	ids := make([]int32, 0, k)
	for i, w := range d {
		if w > 0 {
			ids = append(ids, int32(i))
		}
	}
	sort.Slice(ids, func(a, b int) bool { return d[ids[a]] > d[ids[b]] })
	if len(ids) > k {
		ids = ids[:k]
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	out := Vec{IDs: ids, W: make([]float32, len(ids))}
	for i, id := range ids {
		out.W[i] = d[id]
	}
	out.normalize()
	return out
}

// dense spreads a sparse vector over dim.
func (a Vec) dense(dim int) []float32 {
	d := make([]float32, dim)
	for i, id := range a.IDs {
		if int(id) < dim {
			d[id] = a.W[i]
		}
	}
	return d
}
