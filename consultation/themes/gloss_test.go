package themes

import (
	"encoding/json"
	"slices"
	"testing"
)

func glossFeatures(s string) []string {
	var out []string
	for _, t := range terms(Normalize(s), true) {
		if isGloss(t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func sharesGloss(a, b string) bool {
	fb := glossFeatures(b)
	for _, t := range glossFeatures(a) {
		if slices.Contains(fb, t) {
			return true
		}
	}
	return false
}

// TestGlossFeatures: words that mean the same in different characters
// share a gloss feature, unrelated words do not, and without glosses terms
// has none.
func TestGlossFeatures(t *testing.T) {
	for _, c := range []struct {
		a, b  string
		share bool
	}{
		{"噪音太大", "晚上太吵了", true},
		{"噪音扰民", "楼下嘈杂", true},
		{"价格偏高", "价钱不合理", true},
		{"房子空置", "闲置的房子", true},
		{"燙死了", "好烫", true}, // traditional characters normalised first
		{"噪音太大", "价格偏高", false},
		{"狗绳太短", "价钱不合理", false},
	} {
		if got := sharesGloss(c.a, c.b); got != c.share {
			t.Errorf("%s / %s share a gloss feature: %v, want %v (%v / %v)", c.a, c.b, got, c.share,
				glossFeatures(c.a), glossFeatures(c.b))
		}
	}
	for _, tm := range terms(Normalize("噪音太大，价格偏高"), false) {
		if isGloss(tm) {
			t.Errorf("terms without glosses has %s", tm)
		}
	}
}

// TestGlossVocabulary: a gloss feature in more than glossMaxShare of the
// comments (the draft's own topic) is not in the vocabulary; a rarer one
// shared by two comments is.
func TestGlossVocabulary(t *testing.T) {
	var docs [][]string
	for i := range 40 {
		ts := []string{"g:dog"}
		if i < 2 {
			ts = append(ts, "g:nois")
		}
		docs = append(docs, ts)
	}
	v := buildVocabulary(docs)
	if _, ok := v.IDs["g:dog"]; ok {
		t.Error("g:dog, in every comment, is in the vocabulary")
	}
	if _, ok := v.IDs["g:nois"]; !ok {
		t.Error("g:nois, in two comments of 40, is not in the vocabulary")
	}
}

// TestGlossDevSet: with the gloss features the development set still keeps
// its campaigns in one theme, every theme is described, and the weight
// survives the analysis' stored parameters (the incremental join reads it
// back to place new comments with the same features).
func TestGlossDevSet(t *testing.T) {
	p := glossParams()
	for _, d := range loadDev(t) {
		s, cl := measure(d, p)
		t.Logf("dev gloss %-11s F1=%.3f themes=%d", d.Key, s.F1, s.Themes)
		if s.CampaignThemes > 1 {
			t.Errorf("dev %s: the campaign is in %d themes", d.Key, s.CampaignThemes)
		}
		checkDescribed(t, d, cl, p)
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Params
	if err := json.Unmarshal(b, &back); err != nil || back.GlossWeight != p.GlossWeight {
		t.Errorf("GlossWeight after JSON: %v (%v), want %v", back.GlossWeight, err, p.GlossWeight)
	}
}
