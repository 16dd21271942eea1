package themes

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"sort"
	"testing"
)

// Two measurements that say where the method's limit lies, beside the
// figures of TestDevSet, TestValidationSet and TestCodedSet.
//
// TestIntercoderAgreement: a second coder, given only the drafts and the
// comments, agrees with the coded set's coding at pairwise F1 0.914
// (parking 0.909, enrolment 0.911, waste 0.922; ARI 0.90–0.94). The
// coding is reproducible: the themes can be found by reading.
//
// TestRepresentationBound: with the coders' own themes known, each
// comment put in the theme whose other comments' centroid is nearest
// (nearest centroid, leave one out), or the theme most of its nine
// nearest comments are in (k nearest neighbours, leave one out), in the
// features the method clusters. Session 12, DefaultParams:
//
//	set          method  nearest centroid  9 nearest
//	development   0.712       0.730           0.728
//	validation    0.542       0.563           0.540
//	coded         0.562       0.660           0.642
//	coded2        0.701       0.727           0.694
//
// A classifier that knows the answer for every other comment does no
// better on the validation set than the clustering, and 0.66 on the coded
// set: what two comments of one theme share, in these features (character
// bigrams, words, content characters, pinyin, synonym groups, aspects,
// the article), is not enough to find the target 0.75. Feature
// variants measured by this bound (development / validation, nearest
// centroid), none better than ±0.01 beyond noise: the words of a
// jieba-style segmentation with the 349,000-word dictionary of cppjieba
// (MIT, from npm's nodejieba) beside or instead of the bigrams (0.731 /
// 0.562), with its general-corpus IDF (0.730 / 0.557) or nouns weighing
// more; every comment's cosine to each sentence or clause of the draft as
// features (0.731 / 0.571); character trigrams (0.734 / 0.560) or
// pairs of characters one apart (0.730 / 0.568); the aspect weight 0 or 4, content characters
// 0.5 or 3, no pinyin (0.727 / 0.572), no inferred article (0.713 /
// 0.555). Two comments of one theme mostly share meaning, not words; a
// reader finds it (0.914 above), character statistics do not.

// TestIntercoderAgreement compares the coded set's coding with a second,
// independent coding of the same comments (testdata/coded/intercoder.json,
// written in session 12 by a helper who read only the drafts and the
// comments). It fails when the two codings no longer cover the same
// comments or agree at less than 0.8: either file was damaged.
func TestIntercoderAgreement(t *testing.T) {
	b, err := os.ReadFile("testdata/coded/intercoder.json")
	if err != nil {
		t.Fatal(err)
	}
	var second struct {
		Drafts []struct {
			Key      string              `json:"key"`
			Codebook map[string]string   `json:"codebook"`
			Codes    map[string][]string `json:"codes"`
		} `json:"drafts"`
	}
	if err := json.Unmarshal(b, &second); err != nil {
		t.Fatal(err)
	}
	byKey := map[string]map[string][]string{}
	for _, d := range second.Drafts {
		for id, cs := range d.Codes {
			for _, c := range cs {
				if _, ok := d.Codebook[c]; !ok {
					t.Errorf("intercoder %s: comment %s coded %q, not in the codebook", d.Key, id, c)
				}
			}
		}
		byKey[d.Key] = d.Codes
	}
	var mean float64
	drafts := loadCoded(t)
	for _, d := range drafts {
		codes := byKey[d.Key]
		if len(codes) != len(d.Comments) {
			t.Fatalf("intercoder %s: %d comments coded, the coded set has %d", d.Key, len(codes), len(d.Comments))
		}
		gold := make([][]string, len(d.Comments))
		other := make([][]string, len(d.Comments))
		for i, c := range d.Comments {
			gold[i] = c.Themes
			if other[i] = codes[c.ID]; len(other[i]) == 0 {
				t.Fatalf("intercoder %s: comment %s not coded", d.Key, c.ID)
			}
		}
		p, r, f := pairwiseSets(gold, other)
		firstGold, firstOther := make([]string, len(gold)), make([]string, len(gold))
		for i := range gold {
			firstGold[i], firstOther[i] = gold[i][0], other[i][0]
		}
		t.Logf("intercoder %-9s P=%.3f R=%.3f F1=%.3f ARI=%.3f (themes %d and %d)",
			d.Key, p, r, f, adjustedRand(firstGold, firstOther), codedThemes(d), len(distinct(other)))
		mean += f / float64(len(drafts))
		if f < 0.8 {
			t.Errorf("intercoder %s: two codings agree at F1 %.3f", d.Key, f)
		}
	}
	t.Logf("intercoder mean pairwise F1 %.3f", mean)
}

// TestRepresentationBound prints, per set, the method's pairwise F1 beside
// two classifiers that know every other comment's coded theme
// (CANYU_THEMES_BOUND=1; see the table above).
func TestRepresentationBound(t *testing.T) {
	if os.Getenv("CANYU_THEMES_BOUND") == "" {
		t.Skip("set CANYU_THEMES_BOUND=1 to measure the supervised bound of the features")
	}
	sets := []struct {
		name   string
		drafts []labelledDraft
	}{{"development", loadDev(t)}, {"validation", loadLines(t, "testdata/validation")}, {"coded", loadCoded(t)},
		{"coded2", loadLines(t, "testdata/coded2")}}
	for _, set := range sets {
		var method, centroid, knn float64
		n := float64(len(set.drafts))
		for _, d := range set.drafts {
			s, _ := measure(d, DefaultParams)
			c, k := supervisedBound(d, DefaultParams, 9)
			t.Logf("%-11s %-11s method %.3f  nearest centroid %.3f  9 nearest %.3f", set.name, d.Key, s.F1, c, k)
			method, centroid, knn = method+s.F1/n, centroid+c/n, knn+k/n
		}
		t.Logf("%-11s mean        method %.3f  nearest centroid %.3f  9 nearest %.3f", set.name, method, centroid, knn)
	}
}

// supervisedBound is the pairwise F1 (first themes) of two leave-one-out
// classifiers in the features ClusterDocs gives d's comments under p: the
// coded theme whose other comments' centroid is nearest, and the coded
// theme of most of the k nearest other comments (weighted by cosine).
func supervisedBound(d labelledDraft, p Params, k int) (centroid, knn float64) {
	docs := make([]Doc, len(d.Comments))
	var arts []string
	for _, a := range d.Articles {
		arts = append(arts, a.Text)
	}
	gold := make([][]string, len(d.Comments))
	for i, c := range d.Comments {
		docs[i] = Doc{ID: int64(i + 1), Text: c.Text, Article: c.Article}
		gold[i] = c.Themes
	}
	cl := ClusterDocs(docs, arts, p)
	vs, dim := cl.Vectors, len(cl.Vocab.Terms)
	theme := map[string]int{}
	own := make([]int, len(docs))
	var sums [][]float64
	for i, c := range d.Comments {
		g, ok := theme[c.Themes[0]]
		if !ok {
			g = len(sums)
			theme[c.Themes[0]] = g
			sums = append(sums, make([]float64, dim))
		}
		own[i] = g
		for j, id := range vs[i].IDs {
			sums[g][id] += float64(vs[i].W[j])
		}
	}
	norms := make([]float64, len(sums))
	for g, s := range sums {
		for _, x := range s {
			norms[g] += x * x
		}
	}
	byCentroid, byNeighbours := make([]string, len(docs)), make([]string, len(docs))
	names := make([]string, len(sums))
	for name, g := range theme {
		names[g] = name
	}
	for i, v := range vs {
		var self float64 // |v|², removed with v from its own theme's sum
		for _, w := range v.W {
			self += float64(w) * float64(w)
		}
		best, bs := -1, math.Inf(-1)
		for g, s := range sums {
			var dot float64
			for j, id := range v.IDs {
				dot += float64(v.W[j]) * s[id]
			}
			nn := norms[g]
			if g == own[i] {
				nn, dot = nn-2*dot+self, dot-self
			}
			if nn <= 1e-12 {
				continue
			}
			if c := dot / math.Sqrt(nn); c > bs {
				best, bs = g, c
			}
		}
		byCentroid[i] = names[best]
		type neighbour struct {
			j int
			s float64
		}
		ns := make([]neighbour, 0, len(vs)-1)
		for j := range vs {
			if j != i {
				ns = append(ns, neighbour{j, v.Dot(vs[j])})
			}
		}
		sort.Slice(ns, func(a, b int) bool { return ns[a].s > ns[b].s || ns[a].s == ns[b].s && ns[a].j < ns[b].j })
		votes := map[string]float64{}
		for _, nb := range ns[:min(k, len(ns))] {
			votes[d.Comments[nb.j].Themes[0]] += nb.s
		}
		top, tv := "", math.Inf(-1)
		for name, v := range votes {
			if v > tv || v == tv && name < top {
				top, tv = name, v
			}
		}
		byNeighbours[i] = top
	}
	single := func(xs []string) [][]string {
		out := make([][]string, len(xs))
		for i, x := range xs {
			out[i] = []string{x}
		}
		return out
	}
	_, _, centroid = pairwiseSets(gold, single(byCentroid))
	_, _, knn = pairwiseSets(gold, single(byNeighbours))
	return centroid, knn
}

// pairwiseSets is the pairwise precision, recall and F1 of a coding b
// against a coding a, each a set of themes per comment: a pair is together
// when its two sets intersect (as measure counts).
func pairwiseSets(a, b [][]string) (p, r, f float64) {
	var tp, fp, fn float64
	for i := range a {
		for j := i + 1; j < len(a); j++ {
			ga, gb := intersects(a[i], a[j]), intersects(b[i], b[j])
			switch {
			case ga && gb:
				tp++
			case gb:
				fp++
			case ga:
				fn++
			}
		}
	}
	if tp+fp > 0 {
		p = tp / (tp + fp)
	}
	if tp+fn > 0 {
		r = tp / (tp + fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

func distinct(sets [][]string) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		for _, x := range s {
			out[x] = true
		}
	}
	return out
}

// TestWeakestFirst measures the order OrderWeakest gives a theme's
// comments: of the comments of each theme found (the off-topic one
// aside), the share in a theme whose most first comments are of another
// coded theme ("misplaced"), over all and among the fifth of each theme
// least close to it, on the development set, the validation set and the
// coded sets (held out: the order was chosen on the development set, over
// the margin to the second nearest theme, before the coded sets were read;
// coded2: 18% over all, 39% of the least close fifth). The
// order is worth showing staff only when the least close fifth holds
// clearly more misplaced comments: the test fails when it holds less than
// 1.3 times the overall share.
func TestWeakestFirst(t *testing.T) {
	for _, set := range []struct {
		name   string
		drafts []labelledDraft
	}{{"development", loadDev(t)}, {"validation", loadLines(t, "testdata/validation")}, {"coded", loadCoded(t)},
		{"coded2", loadLines(t, "testdata/coded2")}} {
		var all, allBad, low, lowBad int
		for _, d := range set.drafts {
			_, cl := measure(d, DefaultParams)
			for _, c := range cl.Clusters {
				if c.OffTopic {
					continue
				}
				count := map[string]int{}
				for k, m := range c.Members {
					if c.Primary[k] {
						count[d.Comments[m].Themes[0]]++
					}
				}
				major, most := "", 0
				for th, n := range count {
					if n > most || n == most && th < major {
						major, most = th, n
					}
				}
				order := make([]int, len(c.Members))
				for k := range order {
					order[k] = k
				}
				sort.SliceStable(order, func(a, b int) bool { return c.Sims[order[a]] < c.Sims[order[b]] })
				fifth := (len(order) + 4) / 5
				for rank, k := range order {
					bad := !slices.Contains(d.Comments[c.Members[k]].Themes, major)
					all++
					if bad {
						allBad++
					}
					if rank < fifth {
						low++
						if bad {
							lowBad++
						}
					}
				}
			}
		}
		overall, least := float64(allBad)/float64(all), float64(lowBad)/float64(low)
		t.Logf("%-11s misplaced %3d of %3d (%.1f%%); of the least close fifth %3d of %3d (%.1f%%)",
			set.name, allBad, all, 100*overall, lowBad, low, 100*least)
		if least < 1.3*overall {
			t.Errorf("%s: the least close fifth holds %.1f%% misplaced comments against %.1f%% over all", set.name, 100*least, 100*overall)
		}
	}
}
