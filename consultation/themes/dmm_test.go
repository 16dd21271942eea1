package themes

import (
	"reflect"
	"testing"
)

// TestDMMDevSet runs the Dirichlet multinomial mixture (DMMParams) on the
// development set: the same seed gives the same themes, every campaign is
// in one theme, every theme has a centroid over the vocabulary and a
// label, and the mean pairwise F1 with the articles stays at least
// dmmDevFloor (0.700 when measured, see DMMParams).
func TestDMMDevSet(t *testing.T) {
	const dmmDevFloor = 0.65
	var mean float64
	drafts := loadDev(t)
	for _, d := range drafts {
		s, cl := measure(d, DMMParams)
		mean += s.F1 / float64(len(drafts))
		t.Logf("dmm %-11s n=%3d themes=%2d P=%.3f R=%.3f F1=%.3f campaign-themes=%d",
			d.Key, len(d.Comments), s.Themes, s.Precision, s.Recall, s.F1, s.CampaignThemes)
		if d.Key == drafts[0].Key { // one draft is enough to show it, and each run takes a second
			if _, again := measure(d, DMMParams); !reflect.DeepEqual(cl.First, again.First) {
				t.Errorf("dmm %s: two runs with one seed differ", d.Key)
			}
		}
		if s.CampaignThemes > 1 {
			t.Errorf("dmm %s: the campaign is in %d themes", d.Key, s.CampaignThemes)
		}
		if s.Themes < 2 {
			t.Errorf("dmm %s: %d themes", d.Key, s.Themes)
		}
		checkDescribed(t, d, cl, DMMParams)
	}
	t.Logf("dmm mean pairwise F1 %.3f", mean)
	if mean < dmmDevFloor {
		t.Errorf("dmm mean pairwise F1 %.3f below %.2f", mean, dmmDevFloor)
	}
}

// TestGSDMMSeparates checks the sampler on a corpus it cannot get wrong:
// two vocabularies of five words that share none, each unit four words of
// one, end in two clusters from an upper bound of 8, and a seed gives the
// same clusters every time.
func TestGSDMMSeparates(t *testing.T) {
	var docs []dmmDoc
	for i := 0; i < 40; i++ {
		base := int32(0)
		if i%2 == 1 {
			base = 10
		}
		d := dmmDoc{}
		for j := 0; j < 4; j++ {
			d.w = append(d.w, base+int32((i/2+j)%5))
			d.c = append(d.c, 1)
			d.n++
		}
		d.unseen = make([]float64, len(d.c))
		docs = append(docs, d)
	}
	run := func(seed uint64) []int {
		g := newGSDMM(docs, 8, 20, 0.1, 0.1)
		g.run(rngFor(seed, 0), 30, nil)
		return g.z
	}
	z := run(7)
	side := map[int]int{} // cluster → vocabulary (0 or 1)
	for i, c := range z {
		if s, ok := side[c]; ok && s != i%2 {
			t.Fatalf("cluster %d holds units of both vocabularies: %v", c, z)
		}
		side[c] = i % 2
	}
	if len(side) != 2 {
		t.Errorf("%d clusters for two vocabularies: %v", len(side), z)
	}
	if !reflect.DeepEqual(z, run(7)) {
		t.Error("one seed, two results")
	}
}
