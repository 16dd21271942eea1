package themes

import (
	"fmt"
	"os"
	"sort"
	"testing"
)

// TestDevKeyphraseSweep prints the development set's figures for the
// key-phrase method (KeyphraseParams, keyphrase.go) beside the default
// method, over a grid around KeyphraseParams (CANYU_THEMES_SWEEP=1), and
// variants of KeyphraseParams as JSON lines in the file named by
// CANYU_THEMES_KEYPHRASE_VARIANTS.
func TestDevKeyphraseSweep(t *testing.T) {
	if os.Getenv("CANYU_THEMES_SWEEP") == "" {
		t.Skip("set CANYU_THEMES_SWEEP=1 to sweep the parameters on the development set")
	}
	rs := []devFigures{measureDev(t, "default", DefaultParams), measureDev(t, "keyphrase", KeyphraseParams)}
	t.Log(rs[0])
	t.Log(rs[1])
	if os.Getenv("CANYU_THEMES_KEYPHRASE_GRID") != "" {
		for _, th := range []float64{0.2, 0.3, 0.4} {
			for _, co := range []float64{0.3, 0.5, 0.7} {
				for _, mx := range []int{80, 150} {
					p := KeyphraseParams
					p.PhraseThreshold, p.PhraseCooc, p.PhraseMax = th, co, mx
					r := measureDev(t, fmt.Sprintf("kp th=%.2f cooc=%.1f max=%d", th, co, mx), p)
					t.Log(r)
					rs = append(rs, r)
				}
			}
		}
	}
	if f := os.Getenv("CANYU_THEMES_KEYPHRASE_VARIANTS"); f != "" {
		t.Setenv("CANYU_THEMES_VARIANTS", f)
		saved := DefaultParams
		DefaultParams = KeyphraseParams
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
