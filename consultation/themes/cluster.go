package themes

import (
	"hash/fnv"
	"math"
	"runtime"
	"sort"
	"strconv"
	"sync"
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
	// Method is how the sample of units is clustered: "" average link over
	// a second-order similarity, cut at Threshold; "dmm" the Dirichlet
	// multinomial mixture of dmm.go (the DMM fields). Both then share the
	// themes' minimum size, the joining and refinement by centroid.
	// "spectral" is latent semantic analysis and spectral clustering
	// (spectral.go, the fields from LSADims on).
	//
	// Tried as further options in session 9 and removed because neither
	// beat the default (mean pairwise F1 with articles / without, on the
	// development set and on the validation set; default 0.700 / 0.591 and
	// 0.535 / 0.376): English glosses from CC-CEDICT as features, so that
	// words of the same meaning meet (噪音 and 吵: 0.704 / 0.592 and 0.538 /
	// 0.392, within noise; on the development set, pairs of comments that
	// share a gloss but no character pair were in one coded theme 13% of the
	// time against 16% for any two comments), in 69df96b; and themes seeded
	// by key phrases that co-occur, then refined by centroid (0.605 / 0.510
	// and 0.435 / 0.370), in 2def795..42483b0.
	//
	// Measured in session 11 and not kept (before the inferred article;
	// development set, then validation set): a blind lexicon of 250
	// aspects and 2,919 words written by a helper who saw no data, in
	// place of concepts.txt or beside it (0.692 / 0.576 and 0.537 / 0.388
	// beside it: no change beyond noise); themes seeded by the articles
	// (each comment to the article its text is closest to, small ones
	// dropped, then k-means: 0.685 / 0.610 and 0.540 / 0.466, better
	// without articles, worse with them on the development set). After
	// it, also not kept: a consensus of the three methods (co-association
	// cut by average link: 0.723 / 0.648 and 0.544 / 0.450 against the
	// default's 0.712 / 0.642 and 0.542 / 0.424); the IDF counted over
	// other drafts' comments as well (at weight 0.3: 0.722 / 0.652 and
	// 0.545 / 0.430); more weight on a comment's first, last or proposing
	// clause; the nearest clause of an article instead of the article.
	//
	// Session 12 measured why (bound_test.go): a classifier that knows
	// every other comment's coded theme, in these features, scores 0.563
	// on the validation set (the method 0.542) and 0.660 on the coded set,
	// while a second coder agrees with the coding at 0.914. A jieba-style
	// segmentation with cppjieba's dictionary and general-corpus IDF, and
	// each comment's cosine to every sentence of the draft, did not move
	// that bound; the limit is the features, not the clustering.
	Method string `json:"method,omitempty"`
	// DMMClusters is the sampler's upper bound on clusters, DMMAlpha and
	// DMMBeta its priors (0: 30, 0.1 and 0.1, the paper's), DMMIterations
	// its sweeps (0: 30), DMMRestarts the seeded restarts (PCG seeded
	// DMMSeed, restart number), DMMConsensus the share of restarts at which
	// their co-association is cut (0: keep the restart of the highest
	// likelihood), DMMKinds the feature kinds that are words ("b" bigrams
	// and the prefixes of terms: "w", "u", "p", "s", "c", "a"; "" for
	// "bwsc"), DMMArticle the count of the article as a word (0: not),
	// DMMMaxShare leaves out words in more than that share of the units
	// (0: none).
	DMMClusters   int     `json:"dmm_clusters,omitempty"`
	DMMAlpha      float64 `json:"dmm_alpha,omitempty"`
	DMMBeta       float64 `json:"dmm_beta,omitempty"`
	DMMIterations int     `json:"dmm_iterations,omitempty"`
	DMMRestarts   int     `json:"dmm_restarts,omitempty"`
	DMMSeed       uint64  `json:"dmm_seed,omitempty"`
	DMMConsensus  float64 `json:"dmm_consensus,omitempty"`
	DMMKinds      string  `json:"dmm_kinds,omitempty"`
	DMMArticle    float64 `json:"dmm_article,omitempty"`
	// DMMIDF raises each word's count to a weight of IDF^DMMIDF (0: plain
	// counts) and DMMKindWeights multiplies it by its kind's weight
	// (WordWeight …); the weights are scaled to a mean of 1 a word.
	DMMIDF         float64 `json:"dmm_idf,omitempty"`
	DMMKindWeights bool    `json:"dmm_kind_weights,omitempty"`
	// DMMExpand adds to each unit's counts its Neighbours nearest units'
	// (by cosine) with this weight, scaled back to its own total (0: none).
	DMMExpand float64 `json:"dmm_expand,omitempty"`
	// DMMFromLink starts the sampler from the average-link clusters (cut
	// at Threshold) instead of a random assignment.
	DMMFromLink bool    `json:"dmm_from_link,omitempty"`
	DMMMaxShare float64 `json:"dmm_max_share,omitempty"`
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
	// InferredArticleWeight: a comment also gets the feature of the
	// draft's article its text is closest to (cosine at least
	// InferredArticleMin), weighing this times the cosine
	// (withInferredArticle); 0 leaves it out. Chosen on the development
	// set (weight 0.6 to 1.5, least cosine 0.05 or 0.1, the best or the
	// best two articles; see TestDevRobustSweep).
	InferredArticleWeight float64 `json:"inferred_article_weight,omitempty"`
	InferredArticleMin    float64 `json:"inferred_article_min,omitempty"`
	// WordWeight multiplies dictionary words of three characters or more.
	WordWeight float64 `json:"word_weight"`
	// UnigramWeight, PinyinWeight and SynonymWeight weigh the content
	// characters, the pinyin bigrams and the synonym groups (see terms);
	// 0 leaves the kind out.
	UnigramWeight float64 `json:"unigram_weight,omitempty"`
	PinyinWeight  float64 `json:"pinyin_weight,omitempty"`
	SynonymWeight float64 `json:"synonym_weight,omitempty"`
	// ConceptWeight weighs the aspects of concepts.txt (0 leaves them out).
	ConceptWeight float64 `json:"concept_weight,omitempty"`
	// MergeThreshold: after the cut, two themes whose centroids have at
	// least this cosine are one theme (0: no merging).
	MergeThreshold float64 `json:"merge_threshold,omitempty"`
	// AutoCut chooses the cut of the dendrogram per draft by the mean
	// silhouette, among heights from MinCut up to Threshold.
	AutoCut bool    `json:"auto_cut,omitempty"`
	MinCut  float64 `json:"min_cut,omitempty"`
	// Neighbours and Smooth: the similarity that average link works on is
	// second order (smoothSimilarity): each comment with its Neighbours
	// nearest weighted Smooth. 0 for plain cosine.
	Neighbours int     `json:"neighbours,omitempty"`
	Smooth     float64 `json:"smooth,omitempty"`
	// Refine is the most rounds of k-means refinement after the cut.
	Refine int `json:"refine,omitempty"`
	// MinThemeSize and MinThemeShare: a cluster becomes a theme when it has
	// at least max(MinThemeSize, min(MinThemeShare × units, MaxMinThemeSize))
	// units of the clustered sample; the units of a smaller cluster join
	// the nearest theme when close enough. The cap keeps themes of a few
	// per cent of a large decision's comments (40 units of a 2,500 sample).
	MinThemeSize    int     `json:"min_theme_size"`
	MinThemeShare   float64 `json:"min_theme_share"`
	MaxMinThemeSize int     `json:"max_min_theme_size,omitempty"`
	// MaxAgglomerative bounds the units clustered by average link (an n²
	// similarity matrix); beyond it a deterministic sample is clustered and
	// the rest join the nearest centroid.
	MaxAgglomerative int `json:"max_agglomerative"`
	// OffTopicThreshold: a comment in no theme whose cosine to every
	// article of the draft is below it is suggested as off-topic.
	OffTopicThreshold float64 `json:"off_topic_threshold"`
	// The fields below are the spectral method's (Method "spectral",
	// spectral.go), which uses, of those above, the features, MinThemeSize,
	// MinThemeShare, MaxMinThemeSize, Refine, JoinThreshold (second themes
	// and the incremental join), SecondRatio and OffTopicThreshold.
	//
	// LSADims is the rank of the truncated SVD of the term matrix (latent
	// semantic analysis); 0 stands for 40.
	LSADims int `json:"lsa_dims,omitempty"`
	// LSAPower: a unit's reduced coordinates are its row of U·Σ^LSAPower
	// (1 is classic LSA, 0 would whiten); 0 stands for 1.5.
	LSAPower float64 `json:"lsa_power,omitempty"`
	// SpectralNeighbours keeps, of the affinity between two units, only
	// the pairs where one is among the other's SpectralNeighbours nearest;
	// 0 stands for 8.
	SpectralNeighbours int `json:"spectral_neighbours,omitempty"`
	// MaxThemes bounds the number of themes of the spectral method; 0
	// stands for 12.
	MaxThemes int `json:"max_themes,omitempty"`
	// Restarts is the number of seeded k-means++ runs the spectral method
	// combines by consensus; 0 stands for 10.
	Restarts int `json:"restarts,omitempty"`
	// LSAJoin is the least cosine in the reduced space with which a unit
	// outside the clustered sample, or in a cluster too small to be a
	// theme, joins the nearest theme.
	LSAJoin float64 `json:"lsa_join,omitempty"`
	// SpectralSample bounds the units the spectral method clusters (two
	// dense eigenproblems of that size); the rest join by LSAJoin. 0 stands
	// for 800.
	SpectralSample int `json:"spectral_sample,omitempty"`
}

// DefaultParams are the parameters chosen on testdata/dev (see
// TestDevRobustSweep in sweep_test.go): the best sum of the pairwise F1
// with the articles the comments are on and without them.
var DefaultParams = Params{
	Threshold:             0.25,
	JoinThreshold:         0.10,
	SecondRatio:           0.8,
	ArticleWeight:         0.4,
	InferredArticleWeight: 1.2,
	InferredArticleMin:    0.05,
	WordWeight:            1.5,
	UnigramWeight:         1.5,
	PinyinWeight:          0.5,
	SynonymWeight:         1,
	ConceptWeight:         2.5,
	Neighbours:            10,
	Smooth:                1,
	MinThemeSize:          3,
	MinThemeShare:         0.05,
	MaxMinThemeSize:       40,
	Refine:                5,
	MaxAgglomerative:      2500,
	OffTopicThreshold:     0.05,
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
	// Carries is 1 + the index of the kept theme (ClusterDocsKeeping) this
	// theme carries on, 0 for a new theme.
	Carries int
}

// Clustering is the result of clustering a set of comments.
type Clustering struct {
	Vocab    *Vocabulary
	Vectors  []Vec
	Clusters []Cluster
	// First is each doc's first theme (index into Clusters), -1 for none.
	First []int
}

// parallel runs f(0..n-1) on every core (the features of a comment depend
// on nothing but its text and the fixed vocabulary).
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/1000))
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// unit is a campaign group or a single comment.
type unit struct {
	docs []int
	vec  Vec
	key  uint64 // deterministic sampling order
}

// ClusterDocs finds the themes of docs with the method p.Method names.
// articles are the texts of the draft's articles, in the draft's order:
// the article each comment's text is closest to is one of its features
// (Params.InferredArticleWeight), and comments close to no article are
// suggested as off-topic.
func ClusterDocs(docs []Doc, articles []string, p Params) *Clustering {
	return ClusterDocsKeeping(docs, articles, nil, p)
}

// ClusterDocsKeeping is ClusterDocs keeping the themes staff worked on
// (keep.go): their clusters come first, in kept's order, whatever becomes
// of their members.
func ClusterDocsKeeping(docs []Doc, articles []string, kept []KeptTheme, p Params) *Clustering {
	docTerms := make([][]string, len(docs))
	vocabTerms := make([][]string, len(docs))
	parallel(len(docs), func(i int) {
		d := docs[i]
		docTerms[i] = terms(Normalize(d.Text))
		vocabTerms[i] = docTerms[i]
		if d.Article != "" {
			vocabTerms[i] = append(docTerms[i][:len(docTerms[i]):len(docTerms[i])], articleTerm(d.Article))
		}
	})
	voc := buildVocabulary(vocabTerms)
	var arts []Vec
	if p.InferredArticleWeight > 0 && len(articles) > 0 {
		voc.addInferredArticles(len(articles))
		arts = voc.articleVectors(articles, p)
	}
	out := &Clustering{Vocab: voc, Vectors: make([]Vec, len(docs)), First: make([]int, len(docs))}
	parallel(len(docs), func(i int) {
		out.Vectors[i] = voc.vector(docTerms[i], docs[i].Article, p)
		if len(arts) > 0 && len(out.Vectors[i].IDs) > 0 {
			out.Vectors[i] = voc.withInferredArticle(out.Vectors[i], arts, p)
		}
		out.First[i] = -1
	})
	units := makeUnits(docs, out.Vectors, len(voc.Terms))
	if len(units) == 0 {
		return out
	}
	var firstOf []int
	var cents [][]float32
	var pinned []bool
	switch {
	case len(kept) > 0:
		firstOf, cents, pinned = keepingThemes(units, docs, docTerms, voc, kept, p)
	case p.Method == MethodSpectral:
		firstOf, cents = spectralThemes(units, len(voc.Terms), p)
	default:
		firstOf, cents = linkThemes(units, docs, docTerms, voc, p)
	}
	finishThemes(out, units, firstOf, cents, pinned, articles, p)
	for g := range min(len(kept), len(out.Clusters)) {
		out.Clusters[g].Carries = g + 1
	}
	return out
}

// sampleOrder is the units in a deterministic order (by the hash of their
// first comment's id): its first n are the sample a method clusters when
// there are too many units for it.
func sampleOrder(units []unit) []int {
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return units[order[a]].key < units[order[b]].key })
	return order
}

// minThemeSize is the least number of units of a sample of n that make a
// theme (see Params.MinThemeSize).
func (p Params) minThemeSize(n int) int {
	minSize := int(math.Ceil(p.MinThemeShare * float64(n)))
	if p.MaxMinThemeSize > 0 {
		minSize = min(minSize, p.MaxMinThemeSize)
	}
	return max(p.MinThemeSize, minSize)
}

// linkThemes is the methods "" and "dmm": a sample clustered by average
// link over the second-order similarity, cut (or, Method "dmm", by the
// Dirichlet multinomial mixture of dmm.go), small clusters dropped, the
// rest joining by centroid, then k-means refinement. It returns each
// unit's theme (-1 for none) and the themes' centroids over the vocabulary.
func linkThemes(units []unit, docs []Doc, docTerms [][]string, voc *Vocabulary, p Params) ([]int, [][]float32) {
	dim := len(voc.Terms)
	// Cluster a deterministic sample.
	sample := sampleOrder(units)
	if len(sample) > p.MaxAgglomerative {
		sample = sample[:p.MaxAgglomerative]
	}
	sv := make([]Vec, len(sample))
	for i, u := range sample {
		sv[i] = units[u].vec
	}
	minSize := p.minThemeSize(len(sample))
	var labels []int
	switch {
	case p.Method == "dmm":
		labels = dmmLabels(sample, units, docs, docTerms, voc, p)
	case p.AutoCut:
		merges, sim := dendrogram(sv, true, p.Neighbours, p.Smooth)
		labels = cut(merges, len(sv), silhouetteCut(merges, sim, len(sv), minSize, p.MinCut, p.Threshold))
	default:
		merges, _ := dendrogram(sv, false, p.Neighbours, p.Smooth)
		labels = cut(merges, len(sv), p.Threshold)
	}
	groups := labelGroups(labels, sample, minSize) // unit indexes per theme
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
	groups, cents = mergeClose(groups, cents, units, dim, p.MergeThreshold)
	for g, us := range groups {
		for _, u := range us {
			firstOf[u] = g
		}
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
	followMembers(cents, firstOf, units, dim)
	// Refinement (spherical k-means): every themed unit moves to the
	// centroid it is now closest to, and the centroids follow, a few
	// rounds; average link's early merges are greedy and never revisited.
	refine(units, firstOf, cents, nil, dim, p.Refine)
	if p.Refine > 0 { // a theme that lost every unit is dropped
		cents = dropEmpty(firstOf, cents, 0)
	}
	return firstOf, cents
}

// finishThemes fills out.Clusters and out.First from each unit's theme
// (firstOf, -1 for none) and the themes' centroids: the members with their
// cosines, second themes, and the off-topic suggestion. A pinned unit (nil:
// none) is where staff put it and gets no second theme from the machine.
func finishThemes(out *Clustering, units []unit, firstOf []int, cents [][]float32, pinned []bool, articles []string, p Params) {
	voc, dim := out.Vocab, len(out.Vocab.Terms)
	clusters := make([]Cluster, len(cents))
	// Themes with their members, first and second.
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
			if second >= 0 && (pinned == nil || !pinned[u]) && s2 >= p.JoinThreshold && s2 >= p.SecondRatio*s1 {
				clusters[second].add(d, false, s2)
			}
		}
	}
	// Comments in no theme that share almost nothing with the draft are
	// suggested as off-topic, as one theme staff confirm or undo.
	if len(articles) > 0 && len(unthemed) > 0 {
		art := make([][]float32, len(articles))
		for i, a := range articles {
			art[i] = voc.vector(terms(Normalize(a)), "", p.textOnly()).dense(dim)
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
}

// mergeClose merges, closest pair first, the groups whose centroids have a
// cosine of at least threshold: average link cuts where the mean pairwise
// similarity falls, and short comments of one theme that share few words
// pairwise can still have close means.
func mergeClose(groups [][]int, cents [][]float32, units []unit, dim int, threshold float64) ([][]int, [][]float32) {
	if threshold <= 0 {
		return groups, cents
	}
	for len(groups) > 1 {
		ba, bb, bs := -1, -1, threshold
		for a := range cents {
			for b := a + 1; b < len(cents); b++ {
				if s := dot32(cents[a], cents[b]); s >= bs {
					ba, bb, bs = a, b, s
				}
			}
		}
		if ba < 0 {
			break
		}
		groups[ba] = append(groups[ba], groups[bb]...)
		sort.Ints(groups[ba])
		vs := make([]Vec, len(groups[ba]))
		for i, u := range groups[ba] {
			vs[i] = units[u].vec
		}
		cents[ba] = centroid(vs, dim)
		groups = append(groups[:bb], groups[bb+1:]...)
		cents = append(cents[:bb], cents[bb+1:]...)
	}
	sort.SliceStable(groups, func(a, b int) bool { return len(groups[a]) > len(groups[b]) })
	return groups, recentroid(groups, units, dim)
}

// refine moves every themed unit that is not pinned (nil: none is) to the
// centroid it is closest to, the centroids following, for up to rounds
// rounds (spherical k-means).
func refine(units []unit, firstOf []int, cents [][]float32, pinned []bool, dim, rounds int) {
	for it := 0; it < rounds; it++ {
		moved := 0
		for u := range units {
			if firstOf[u] < 0 || pinned != nil && pinned[u] {
				continue
			}
			if g, _ := nearest(units[u].vec, cents, -1); g >= 0 && g != firstOf[u] {
				firstOf[u] = g
				moved++
			}
		}
		if moved == 0 {
			return
		}
		followMembers(cents, firstOf, units, dim)
	}
}

// dropEmpty drops the themes no unit is in, except the first keep, and
// renumbers firstOf; it returns the centroids left.
func dropEmpty(firstOf []int, cents [][]float32, keep int) [][]float32 {
	count := make([]int, len(cents))
	for _, g := range firstOf {
		if g >= 0 {
			count[g]++
		}
	}
	remap := make([]int, len(cents))
	var out [][]float32
	for g, c := range cents {
		remap[g] = -1
		if g < keep || count[g] > 0 {
			remap[g] = len(out)
			out = append(out, c)
		}
	}
	for u, g := range firstOf {
		if g >= 0 {
			firstOf[u] = remap[g]
		}
	}
	return out
}

// followMembers recomputes each centroid from the units whose first theme
// it is (firstOf: theme per unit, -1 for none).
func followMembers(cents [][]float32, firstOf []int, units []unit, dim int) {
	members := make([][]Vec, len(cents))
	for u, g := range firstOf {
		if g >= 0 {
			members[g] = append(members[g], units[u].vec)
		}
	}
	for g := range cents {
		cents[g] = centroid(members[g], dim)
	}
}

func recentroid(groups [][]int, units []unit, dim int) [][]float32 {
	cents := make([][]float32, len(groups))
	for g, us := range groups {
		vs := make([]Vec, len(us))
		for i, u := range us {
			vs[i] = units[u].vec
		}
		cents[g] = centroid(vs, dim)
	}
	return cents
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

// merge is one step of the dendrogram: clusters a and b joined at
// similarity s.
type merge struct {
	a, b int
	s    float32
}

// averageLink clusters vectors by average linkage on cosine similarity
// (UPGMA, the nearest-neighbour-chain algorithm: O(n²) time and memory)
// and cuts the dendrogram at threshold. It returns a cluster label per
// vector. Average linkage is reducible, so its merge heights are monotone
// and the cut is the union of the merges at or above the threshold.
func averageLink(vs []Vec, threshold float64) []int {
	merges, _ := dendrogram(vs, false, 0, 0)
	return cut(merges, len(vs), threshold)
}

// dendrogram returns the merges of average linkage over vs and, when
// keep, the pairwise similarity matrix as it was before merging.
func dendrogram(vs []Vec, keep bool, neighbours int, smooth float64) ([]merge, []float32) {
	n := len(vs)
	sim := similarityMatrix(vs)
	if neighbours > 0 && smooth > 0 {
		sim = smoothSimilarity(sim, n, neighbours, smooth)
	}
	var orig []float32
	if keep {
		orig = append([]float32(nil), sim...)
	}
	return linkage(sim, n), orig
}

// linkage returns the merges of average linkage over the n×n similarity
// matrix sim, which it overwrites.
func linkage(sim []float32, n int) []merge {
	size := make([]int, n)
	active := make([]bool, n)
	for i := range size {
		size[i], active[i] = 1, true
	}
	var merges []merge
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
	return merges
}

// smoothSimilarity is the second-order similarity of short texts: each
// comment stands for itself plus, with weight smooth, the mean of its
// neighbours nearest comments (weighted by similarity), S' = W S Wᵀ with
// W = I + smooth·A, renormalised to a cosine. Two short comments on one
// theme that share no word still meet through the comments that share a
// word with each (罚款 with 处罚 through a comment that says both).
func smoothSimilarity(sim []float32, n, neighbours int, smooth float64) []float32 {
	type nb struct {
		j int
		w float32
	}
	nbs := make([][]nb, n)
	for i := 0; i < n; i++ {
		row := sim[i*n : (i+1)*n]
		var top []nb
		for j, s := range row {
			if j == i || s <= 0 {
				continue
			}
			if len(top) < neighbours {
				top = append(top, nb{j, s})
				sort.Slice(top, func(a, b int) bool { return top[a].w > top[b].w })
				continue
			}
			if s > top[len(top)-1].w {
				top[len(top)-1] = nb{j, s}
				for k := len(top) - 1; k > 0 && top[k].w > top[k-1].w; k-- {
					top[k], top[k-1] = top[k-1], top[k]
				}
			}
		}
		var sum float32
		for _, t := range top {
			sum += t.w
		}
		for k := range top {
			top[k].w = float32(smooth) * top[k].w / sum
		}
		nbs[i] = top
	}
	// The diagonal of the input is 0 (similarityMatrix skips it); a
	// normalised vector's self-similarity is 1.
	at := func(i, j int) float32 {
		if i == j {
			return 1
		}
		return sim[i*n+j]
	}
	ws := make([]float32, n*n) // W S
	for i := 0; i < n; i++ {
		row := ws[i*n : (i+1)*n]
		for j := 0; j < n; j++ {
			row[j] = at(i, j)
		}
		for _, t := range nbs[i] {
			for j := 0; j < n; j++ {
				row[j] += t.w * at(t.j, j)
			}
		}
	}
	out := make([]float32, n*n) // (W S) Wᵀ
	for i := 0; i < n; i++ {
		wsRow := ws[i*n : (i+1)*n]
		for j := 0; j < n; j++ {
			v := wsRow[j]
			for _, t := range nbs[j] {
				v += t.w * wsRow[t.j]
			}
			out[i*n+j] = v
		}
	}
	diag := make([]float64, n)
	for i := range diag {
		diag[i] = math.Sqrt(max(float64(out[i*n+i]), 1e-12))
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				out[i*n+j] = 0
				continue
			}
			out[i*n+j] = float32(float64(out[i*n+j]) / (diag[i] * diag[j]))
		}
	}
	return out
}

// cut labels each of n vectors by the union of the merges at or above threshold.
func cut(merges []merge, n int, threshold float64) []int {
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

// silhouetteCut chooses where to cut the dendrogram without a fixed
// threshold: among the merge heights between lo and hi it takes the cut
// with the highest mean silhouette (cosine distance), every vector in a
// cluster smaller than minSize counting 0 (it would be in no theme). The
// silhouette weighs how much closer each comment is to its own theme than
// to the next: it does not grow by splitting a theme whose halves are as
// close to each other as within, which a fixed threshold does when the
// comments of a draft are longer or more varied than those it was chosen on.
func silhouetteCut(merges []merge, sim []float32, n, minSize int, lo, hi float64) float64 {
	var cands []float64
	seen := map[float32]bool{}
	for _, m := range merges {
		if float64(m.s) >= lo && float64(m.s) <= hi && !seen[m.s] {
			seen[m.s] = true
			cands = append(cands, float64(m.s))
		}
	}
	sort.Float64s(cands)
	// Thin the candidates to at most 60 evenly spread heights.
	if len(cands) > 60 {
		thin := make([]float64, 0, 60)
		for i := 0; i < 60; i++ {
			thin = append(thin, cands[i*len(cands)/60])
		}
		cands = thin
	}
	best, bestS := hi, math.Inf(-1)
	for _, th := range cands {
		if s := silhouette(cut(merges, n, th), sim, n, minSize); s > bestS {
			best, bestS = th, s
		}
	}
	return best
}

// silhouette is the mean silhouette of a labelling under cosine distance.
func silhouette(labels []int, sim []float32, n, minSize int) float64 {
	idx := map[int]int{}
	var sizes []int
	lab := make([]int, n)
	for i, l := range labels {
		k, ok := idx[l]
		if !ok {
			k = len(sizes)
			idx[l] = k
			sizes = append(sizes, 0)
		}
		sizes[k]++
		lab[i] = k
	}
	if len(sizes) < 2 {
		return -1
	}
	sums := make([]float64, len(sizes))
	var total float64
	for i := 0; i < n; i++ {
		if sizes[lab[i]] < minSize {
			continue
		}
		for k := range sums {
			sums[k] = 0
		}
		row := sim[i*n : (i+1)*n]
		for j, s := range row {
			if j != i {
				sums[lab[j]] += float64(s)
			}
		}
		a := 1 - sums[lab[i]]/float64(sizes[lab[i]]-1)
		b := math.Inf(1)
		for k, sz := range sizes {
			if k != lab[i] && sz >= minSize {
				b = min(b, 1-sums[k]/float64(sz))
			}
		}
		if math.IsInf(b, 1) {
			continue
		}
		total += (b - a) / max(a, b)
	}
	return total / float64(n)
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

// labelGroups turns the cluster labels of the clustered units (labels[i]
// is the label of unit sample[i]) into themes: the units of each label
// with at least minSize of them, in order, largest theme first (ties by
// first unit), so the numbering is deterministic.
func labelGroups(labels, sample []int, minSize int) [][]int {
	byLabel := map[int][]int{}
	for i, l := range labels {
		byLabel[l] = append(byLabel[l], sample[i])
	}
	var groups [][]int
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
	return groups
}
