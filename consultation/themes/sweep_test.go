package themes

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// devFigures is the development set's pairwise F1 for p, per draft and on
// average, as it is (with the articles the comments are on) and with every
// comment's article removed.
type devFigures struct {
	name        string
	f1, f1n, ar float64
	per, pern   []float64
	th, thn     []int
	keys        []string
}

func (r devFigures) String() string {
	var b strings.Builder
	for i, k := range r.keys {
		fmt.Fprintf(&b, " %s=%.2f/%.2f(%d/%d)", k, r.per[i], r.pern[i], r.th[i], r.thn[i])
	}
	return fmt.Sprintf("%-34s F1=%.3f noart=%.3f ARI=%.3f |%s", r.name, r.f1, r.f1n, r.ar, b.String())
}

func measureDev(t *testing.T, name string, p Params) devFigures {
	t.Helper()
	drafts := loadDev(t)
	r := devFigures{name: name}
	for _, d := range drafts {
		s, _ := measure(d, p)
		for j := range d.Comments {
			d.Comments[j].Article = ""
		}
		sn, _ := measure(d, p)
		n := float64(len(drafts))
		r.f1 += s.F1 / n
		r.ar += s.ARI / n
		r.f1n += sn.F1 / n
		r.keys = append(r.keys, d.Key)
		r.per, r.pern = append(r.per, s.F1), append(r.pern, sn.F1)
		r.th, r.thn = append(r.th, s.Themes), append(r.thn, sn.Themes)
	}
	return r
}

// TestDevRobustSweep prints, over a grid of parameters, the development
// set's pairwise F1 per draft as it is and with every comment's article
// removed (CANYU_THEMES_SWEEP=1). The article a comment is on lines up with
// its theme in the first five drafts of the development set more than it
// does elsewhere; the text alone must carry the themes, so DefaultParams
// were chosen for the best sum of the two figures. It measures the
// spectral method too (SpectralParams and a grid around it). Variants of
// DefaultParams can also be given as JSON lines in the file named by
// CANYU_THEMES_VARIANTS ({"name": …, "p": {partial Params}}; "method":
// "spectral" for the spectral method).
//
// Runs of 2026-12-03 (five drafts): plain cosine cut at 0.12 gave 0.772
// with articles and 0.421 without; the second-order similarity (10
// neighbours, weight 1) cut at 0.20, 0.749 and 0.512; with a theme at least
// 5% of the units, 5 rounds of refinement, cut 0.25 and join 0.10, 0.762
// and 0.567. With the three drafts whose themes cut across articles
// (afterschool, heating, parking) that method gave 0.683 and 0.520 over
// eight; the aspect features (concepts.txt, weight 2) and content
// characters weighing 1.5, chosen on the eight over concept weight 0/1/2,
// unigram weight 0.6/1/1.5, cut 0.20/0.25, give 0.700 and 0.566 (the three
// new drafts 0.553→0.593 and 0.440→0.507). Measured and left out, no
// better on the eight: the smoothed IDF without its +1, dropping terms in
// more than 15 or 30% of the comments, bigrams of content characters,
// clustering again what the first round left in no theme, joining a
// comment by its nearest clustered comments instead of the centroid.
//
// Runs of 2026-12-03 afternoon (eight drafts; before: 0.700 and 0.566, per
// draft with/without articles afterschool 0.63/0.56, dogs 0.82/0.67, ebikes
// 0.80/0.69, heating 0.62/0.50, lifts 0.70/0.47, parking 0.53/0.46, parks
// 0.81/0.66, vendors 0.69/0.51). Ten more generic aspects in concepts.txt
// (convenience, online, inform, supply, upkeep, subsidy, transition,
// consent, responsibility, green) with the aspect weight 2.5 give 0.700
// and 0.591: afterschool 0.62/0.57, dogs 0.83/0.73, ebikes 0.81/0.66,
// heating 0.62/0.51, lifts 0.70/0.61, parking 0.53/0.50, parks 0.81/0.64,
// vendors 0.69/0.51 (without articles five drafts better, two worse by
// 0.02–0.03; with articles unchanged). Most of the gain comes from supply,
// consent and online, aspects chosen after reading the development set's
// theme names (without them 0.702 and 0.571): the held-out figure says
// whether they carry. Measured and left out: matching the aspect and
// synonym phrases of two characters or more by their toneless syllables
// (homophone typos; 0.693 and 0.556, worse on heating and parks: 事件 for
// 时间 and the like), the aspect weight 1.5 or 3, no pinyin bigrams, a
// second weight 2 on synonym groups, 20 neighbours or smoothing weight 2,
// merging themes whose centroids have a cosine of 0.35–0.55, 20 rounds of
// refinement, a theme at least 8% of the units, the cut at 0.22 or 0.28,
// the join threshold 0, 0.05 or 0.15, the second-theme ratio 0.7 or 0.9,
// the silhouette cut (0.661 and 0.557): none better on both figures.
func TestDevRobustSweep(t *testing.T) {
	if os.Getenv("CANYU_THEMES_SWEEP") == "" {
		t.Skip("set CANYU_THEMES_SWEEP=1 to sweep the parameters on the development set")
	}
	rs := []devFigures{measureDev(t, "default", DefaultParams)}
	t.Log(rs[0])
	for _, c := range []float64{0, 1, 2, 2.5} {
		for _, u := range []float64{0.6, 1, 1.5} {
			for _, th := range []float64{0.2, 0.25} {
				p := DefaultParams
				p.ConceptWeight, p.UnigramWeight, p.Threshold = c, u, th
				rs = append(rs, measureDev(t, fmt.Sprintf("concept=%.1f unigram=%.1f th=%.2f", c, u, th), p))
			}
		}
	}
	// The spectral method (spectral.go; SpectralParams has its figures).
	rs = append(rs, measureDev(t, "spectral", SpectralParams))
	t.Log(rs[len(rs)-1])
	for _, d := range []int{20, 40} {
		for _, nb := range []int{8, 10} {
			for _, pw := range []float64{1, 1.5} {
				p := SpectralParams
				p.LSADims, p.SpectralNeighbours, p.LSAPower = d, nb, pw
				rs = append(rs, measureDev(t, fmt.Sprintf("spectral dims=%d neighbours=%d power=%.1f", d, nb, pw), p))
			}
		}
	}
	for _, v := range variantsFromFile(t) {
		rs = append(rs, measureDev(t, v.name, v.p))
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].f1+rs[a].f1n > rs[b].f1+rs[b].f1n })
	for _, r := range rs[:min(30, len(rs))] {
		t.Log(r)
	}
}

type namedParams struct {
	name string
	p    Params
}

// variantsFromFile reads the variants of DefaultParams in the file named by
// CANYU_THEMES_VARIANTS, if any.
func variantsFromFile(t *testing.T) []namedParams {
	f := os.Getenv("CANYU_THEMES_VARIANTS")
	if f == "" {
		return nil
	}
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []namedParams
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var v struct {
			Name string          `json:"name"`
			P    json.RawMessage `json:"p"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		p := DefaultParams
		if err := json.Unmarshal(v.P, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, namedParams{v.Name, p})
	}
	return out
}

// TestDevDMMSweep prints the development set's figures for the Dirichlet
// multinomial mixture (DMMParams, dmm.go) beside the default method
// (CANYU_THEMES_SWEEP=1), and variants of DMMParams as JSON lines in the
// file named by CANYU_THEMES_DMM_VARIANTS).
func TestDevDMMSweep(t *testing.T) {
	if os.Getenv("CANYU_THEMES_SWEEP") == "" {
		t.Skip("set CANYU_THEMES_SWEEP=1 to sweep the parameters on the development set")
	}
	rs := []devFigures{measureDev(t, "default", DefaultParams), measureDev(t, "dmm", DMMParams)}
	t.Log(rs[0])
	t.Log(rs[1])
	if f := os.Getenv("CANYU_THEMES_DMM_VARIANTS"); f != "" {
		t.Setenv("CANYU_THEMES_VARIANTS", f)
		saved := DefaultParams
		DefaultParams = DMMParams
		vs := variantsFromFile(t)
		DefaultParams = saved
		for _, v := range vs {
			r := measureDev(t, v.name, v.p)
			t.Log(r)
			rs = append(rs, r)
		}
	}
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].f1+rs[a].f1n > rs[b].f1+rs[b].f1n })
	for _, r := range rs[:min(30, len(rs))] {
		t.Log(r)
	}
}
