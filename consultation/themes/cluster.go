package themes

import (
	"hash/fnv"
	"math"
	"sort"
	"strconv"
)

// Doc is one comment as the method sees it.
type Doc struct {
	ID      int64
	Receipt string
	Text    string
	// Article is the anchor of the article commented on, "" for the whole draft.
	Article string
	// Group is the campaign group (identical or near-identical copies,
	// consultation/grouping.go), 0 for none: a group is one unit and lands
	// in one theme.
	Group int64
	// Stance is the stance the resident chose ("" for none).
	Stance string
}

// Params are the parameters of the method. DefaultParams were chosen on the
// development set (testdata/dev), never on the coded set.
type Params struct {
	// Threshold is where the average-link dendrogram is cut (cosine).
	Threshold float64 `json:"threshold"`
	// JoinThreshold is the least cosine to a theme's centroid with which a
	// comment outside the clustered sample (or a new one) joins it.
	JoinThreshold float64 `json:"join_threshold"`
	// SecondRatio: a comment is in a second theme too when its cosine to
	// that centroid is at least SecondRatio times its cosine to the first
	// and at least JoinThreshold.
	SecondRatio float64 `json:"second_ratio"`
	// ArticleWeight is the weight of the article feature (see vector).
	ArticleWeight float64 `json:"article_weight"`
	// WordWeight multiplies dictionary words of three characters or more.
	WordWeight float64 `json:"word_weight"`
	// MinThemeSize and MinThemeShare: a cluster becomes a theme when it has
	// at least max(MinThemeSize, MinThemeShare × units) units.
	MinThemeSize  int     `json:"min_theme_size"`
	MinThemeShare float64 `json:"min_theme_share"`
	// MaxAgglomerative bounds the units clustered by average link (an n²
	// similarity matrix); beyond it a deterministic sample is clustered and
	// the rest join the nearest centroid.
	MaxAgglomerative int `json:"max_agglomerative"`
	// OffTopicThreshold: a comment in no theme whose cosine to every
	// article of the draft is below it is suggested as off-topic.
	OffTopicThreshold float64 `json:"off_topic_threshold"`
}

// DefaultParams are the parameters tuned on testdata/dev (see dev_test.go).
var DefaultParams = Params{
	Threshold:         0.12,
	JoinThreshold:     0.20,
	SecondRatio:       0.8,
	ArticleWeight:     0.4,
	WordWeight:        1.5,
	MinThemeSize:      3,
	MinThemeShare:     0.005,
	MaxAgglomerative:  2500,
	OffTopicThreshold: 0.05,
}

// Cluster is one theme found by Cluster.
type Cluster struct {
	// Members are indexes into the docs, Primary those whose first theme
	// this is (the rest are in it as their second theme).
	Members []int
	Primary []bool
	Sims    []float64
	// Centroid is dense over the vocabulary.
	Centroid []float32
	OffTopic bool
}

// Clustering is the result of clustering a set of comments.
type Clustering struct {
	Vocab    *Vocabulary
	Vectors  []Vec
	Clusters []Cluster
	// First is each doc's first theme (index into Clusters), -1 for none.
	First []int
}

// unit is a campaign group or a single comment.
type unit struct {
	docs []int
	vec  Vec
	key  uint64 // deterministic sampling order
}

// Cluster finds the themes of docs. articles are the texts of the draft's
// articles, used only to suggest off-topic comments.
func ClusterDocs(docs []Doc, articles []string, p Params) *Clustering {
	docTerms := make([][]string, len(docs))
	vocabTerms := make([][]string, len(docs))
	for i, d := range docs {
		docTerms[i] = terms(Normalize(d.Text))
		vocabTerms[i] = append(docTerms[i][:len(docTerms[i]):len(docTerms[i])], articleTerm(d.Article))
	}
	voc := buildVocabulary(vocabTerms)
	out := &Clustering{Vocab: voc, Vectors: make([]Vec, len(docs)), First: make([]int, len(docs))}
	for i, d := range docs {
		out.Vectors[i] = voc.vector(docTerms[i], d.Article, p)
		out.First[i] = -1
	}
	units := makeUnits(docs, out.Vectors, len(voc.Terms))
	if len(units) == 0 {
		return out
	}
	// Cluster a deterministic sample by average link.
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return units[order[a]].key < units[order[b]].key })
	sample := order
	if len(sample) > p.MaxAgglomerative {
		sample = sample[:p.MaxAgglomerative]
	}
	sv := make([]Vec, len(sample))
	for i, u := range sample {
		sv[i] = units[u].vec
	}
	labels := averageLink(sv, p.Threshold)
	minSize := max(p.MinThemeSize, int(math.Ceil(p.MinThemeShare*float64(len(sample)))))
	byLabel := map[int][]int{}
	for i, l := range labels {
		byLabel[l] = append(byLabel[l], sample[i])
	}
	var groups [][]int // unit indexes per theme
	for _, us := range byLabel {
		if len(us) >= minSize {
			sort.Ints(us)
			groups = append(groups, us)
		}
	}
	sort.Slice(groups, func(a, b int) bool {
		if len(groups[a]) != len(groups[b]) {
			return len(groups[a]) > len(groups[b])
		}
		return groups[a][0] < groups[b][0]
	})
	dim := len(voc.Terms)
	cents := make([][]float32, len(groups))
	firstOf := make([]int, len(units))
	for i := range firstOf {
		firstOf[i] = -1
	}
	for g, us := range groups {
		vs := make([]Vec, len(us))
		for i, u := range us {
			vs[i] = units[u].vec
			firstOf[u] = g
		}
		cents[g] = centroid(vs, dim)
	}
	// Every other unit joins its nearest centroid when close enough; then
	// the centroids are recomputed from all members.
	for u := range units {
		if firstOf[u] >= 0 {
			continue
		}
		if g, s := nearest(units[u].vec, cents, -1); g >= 0 && s >= p.JoinThreshold {
			firstOf[u] = g
		}
	}
	members := make([][]Vec, len(groups))
	for u, g := range firstOf {
		if g >= 0 {
			members[g] = append(members[g], units[u].vec)
		}
	}
	for g := range cents {
		cents[g] = centroid(members[g], dim)
	}
	// Themes with their members, first and second.
	clusters := make([]Cluster, len(groups))
	for g := range clusters {
		clusters[g].Centroid = cents[g]
	}
	var unthemed []int
	for u, un := range units {
		g := firstOf[u]
		if g < 0 {
			unthemed = append(unthemed, u)
			continue
		}
		s1 := un.vec.dotDense(cents[g])
		second, s2 := nearest(un.vec, cents, g)
		for _, d := range un.docs {
			out.First[d] = g
			clusters[g].add(d, true, s1)
			if second >= 0 && s2 >= p.JoinThreshold && s2 >= p.SecondRatio*s1 {
				clusters[second].add(d, false, s2)
			}
		}
	}
	// Comments in no theme that share almost nothing with the draft are
	// suggested as off-topic, as one theme staff confirm or undo.
	if len(articles) > 0 && len(unthemed) > 0 {
		art := make([][]float32, len(articles))
		for i, a := range articles {
			art[i] = voc.vector(terms(Normalize(a)), "", Params{WordWeight: p.WordWeight}).dense(dim)
		}
		var off Cluster
		var offVecs []Vec
		for _, u := range unthemed {
			if _, s := nearest(units[u].vec, art, -1); s < p.OffTopicThreshold {
				for _, d := range units[u].docs {
					off.add(d, true, 0)
				}
				offVecs = append(offVecs, units[u].vec)
			}
		}
		if len(off.Members) >= p.MinThemeSize {
			off.OffTopic = true
			off.Centroid = centroid(offVecs, dim)
			for _, d := range off.Members {
				out.First[d] = len(clusters)
			}
			clusters = append(clusters, off)
		}
	}
	out.Clusters = clusters
	return out
}

func (c *Cluster) add(doc int, primary bool, sim float64) {
	c.Members = append(c.Members, doc)
	c.Primary = append(c.Primary, primary)
	c.Sims = append(c.Sims, sim)
}

// makeUnits folds each campaign group into one unit whose vector is the
// normalised mean of its copies.
func makeUnits(docs []Doc, vecs []Vec, dim int) []unit {
	var units []unit
	byGroup := map[int64]int{}
	for i, d := range docs {
		if d.Group != 0 {
			if u, ok := byGroup[d.Group]; ok {
				units[u].docs = append(units[u].docs, i)
				continue
			}
			byGroup[d.Group] = len(units)
		}
		h := fnv.New64a()
		h.Write([]byte(strconv.FormatInt(d.ID, 10)))
		units = append(units, unit{docs: []int{i}, key: h.Sum64()})
	}
	for i := range units {
		if len(units[i].docs) == 1 {
			units[i].vec = vecs[units[i].docs[0]]
			continue
		}
		vs := make([]Vec, len(units[i].docs))
		for j, d := range units[i].docs {
			vs[j] = vecs[d]
		}
		units[i].vec = sparse(centroid(vs, dim), 400)
	}
	return units
}

// nearest returns the centroid closest to v (skipping index skip) and the cosine.
func nearest(v Vec, cents [][]float32, skip int) (int, float64) {
	best, bs := -1, -1.0
	for g, c := range cents {
		if g == skip {
			continue
		}
		if s := v.dotDense(c); s > bs {
			best, bs = g, s
		}
	}
	return best, bs
}

// averageLink clusters vectors by average linkage on cosine similarity
// (UPGMA, the nearest-neighbour-chain algorithm: O(n²) time and memory)
// and cuts the dendrogram at threshold. It returns a cluster label per
// vector. Average linkage is reducible, so its merge heights are monotone
// and the cut is the union of the merges at or above the threshold.
func averageLink(vs []Vec, threshold float64) []int {
	n := len(vs)
	sim := similarityMatrix(vs)
	size := make([]int, n)
	active := make([]bool, n)
	for i := range size {
		size[i], active[i] = 1, true
	}
	type merge struct {
		a, b int
		s    float32
	}
	var merges []merge
	// rep[i] is the original index a merged cluster i stands for in the union-find below.
	chain := make([]int, 0, n)
	remaining := n
	for remaining > 1 {
		if len(chain) == 0 {
			for i := range active {
				if active[i] {
					chain = append(chain, i)
					break
				}
			}
		}
		a := chain[len(chain)-1]
		var prev = -1
		if len(chain) > 1 {
			prev = chain[len(chain)-2]
		}
		b, bs := -1, float32(math.Inf(-1))
		row := sim[a*n : (a+1)*n]
		for j := 0; j < n; j++ {
			if j == a || !active[j] {
				continue
			}
			if s := row[j]; s > bs || (s == bs && j == prev) {
				b, bs = j, s
			}
		}
		if b == prev {
			chain = chain[:len(chain)-2]
			merges = append(merges, merge{a, b, bs})
			// Merge b into a (Lance–Williams for average linkage).
			na, nb := float32(size[a]), float32(size[b])
			for k := 0; k < n; k++ {
				if !active[k] || k == a || k == b {
					continue
				}
				s := (na*sim[a*n+k] + nb*sim[b*n+k]) / (na + nb)
				sim[a*n+k], sim[k*n+a] = s, s
			}
			size[a] += size[b]
			active[b] = false
			remaining--
			continue
		}
		chain = append(chain, b)
	}
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, m := range merges {
		if float64(m.s) >= threshold {
			parent[find(m.b)] = find(m.a)
		}
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = find(i)
	}
	return labels
}

// similarityMatrix computes all pairwise cosines of normalised sparse
// vectors through an inverted index.
func similarityMatrix(vs []Vec) []float32 {
	n := len(vs)
	sim := make([]float32, n*n)
	postings := map[int32][]struct {
		doc int32
		w   float32
	}{}
	for i, v := range vs {
		for k, id := range v.IDs {
			postings[id] = append(postings[id], struct {
				doc int32
				w   float32
			}{int32(i), v.W[k]})
		}
	}
	for _, ps := range postings {
		for x := 0; x < len(ps); x++ {
			row := int(ps[x].doc) * n
			for y := x + 1; y < len(ps); y++ {
				sim[row+int(ps[y].doc)] += ps[x].w * ps[y].w
			}
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			sim[j*n+i] = sim[i*n+j]
		}
	}
	return sim
}
