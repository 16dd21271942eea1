package themes

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestDevEval prints the development set's pairwise F1 per draft, with the
// articles the comments are on and without (CANYU_THEMES_EVAL=1). Variants
// of DefaultParams can be given as JSON lines in the file named by
// CANYU_THEMES_VARIANTS ({"name": ..., "p": {partial Params}}).
func TestDevEval(t *testing.T) {
	if os.Getenv("CANYU_THEMES_EVAL") == "" {
		t.Skip("set CANYU_THEMES_EVAL=1")
	}
	vs := []evalVariant{{"default", DefaultParams}}
	if f := os.Getenv("CANYU_THEMES_VARIANTS"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
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
			vs = append(vs, evalVariant{v.Name, p})
		}
	}
	for _, v := range vs {
		devReport(t, v.name, v.p)
	}
}

type evalVariant struct {
	name string
	p    Params
}

func devReport(t *testing.T, name string, p Params) (float64, float64) {
	drafts := loadDev(t)
	dump := os.Getenv("CANYU_THEMES_DUMP")
	var f1, f1n float64
	line := ""
	for _, d := range drafts {
		s, _ := measure(d, p)
		for j := range d.Comments {
			d.Comments[j].Article = ""
		}
		sn, cl := measure(d, p)
		f1 += s.F1 / float64(len(drafts))
		f1n += sn.F1 / float64(len(drafts))
		line += fmt.Sprintf(" %s=%.2f/%.2f(%d/%d)", d.Key, s.F1, sn.F1, s.Themes, sn.Themes)
		if os.Getenv("CANYU_THEMES_PR") != "" {
			un := 0
			for _, f := range cl.First {
				if f < 0 {
					un++
				}
			}
			line += fmt.Sprintf("[P%.2f R%.2f u%d]", sn.Precision, sn.Recall, un)
		}
		if dump == d.Key {
			for g, c := range cl.Clusters {
				var b strings.Builder
				for i, m := range c.Members {
					fmt.Fprintf(&b, "\n    %v %v %.2f %s", d.Comments[m].Themes, c.Primary[i], c.Sims[i], d.Comments[m].Text)
				}
				t.Logf("  theme %d off=%v:%s", g, c.OffTopic, b.String())
			}
			var b strings.Builder
			for i, f := range cl.First {
				if f < 0 {
					fmt.Fprintf(&b, "\n    %v %s", d.Comments[i].Themes, d.Comments[i].Text)
				}
			}
			t.Logf("  unthemed:%s", b.String())
		}
	}
	t.Logf("%-34s art=%.3f noart=%.3f sum=%.3f |%s", name, f1, f1n, f1+f1n, line)
	return f1, f1n
}
