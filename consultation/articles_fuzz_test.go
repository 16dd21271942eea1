package consultation

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzSplitArticles checks the invariants that comments and comparisons rely
// on, for any text an agency might upload: no panic; articles numbered 1..N;
// every article non-empty, starting with its label and cut verbatim from the
// normalised text; anchors unique; re-anchoring the same text keeps every
// anchor; and comparing a version with itself finds nothing changed.
func FuzzSplitArticles(f *testing.F) {
	// Short seeds, one per style: the fixtures are covered by the unit tests,
	// and the fuzzer's minimisation of kilobyte-long inputs takes its whole budget.
	for _, seed := range []string{
		"某市养犬管理规定\n第一章　总　则\n第一条　为了规范养犬行为，制定本规定。\n　　（一）犬只登记；\n第一条之一 甲\n第二章\n犬只登记\n第三条规定的",
		"关于停车管理的意见\n一、总体要求\n（一）规划；\n二、建设\n1.路内泊位\n\n某市人民政府\n2025年3月1日",
		"改造方案\n1. 范围。\n（1）基础类；\n2. 资金\n1.5亿元由市级财政安排\n3、4月份",
		"（1）甲\n（2）乙\n①丙\n②丁",
		"说明\n\n第一段。\n\n\n第二段。\n第三段。",
		"", "\ufeff", "第一条", "第一章\n", "第一章\n第二章\n第一条 甲\n第一条 甲",
		"一、\n二、\n", "\r\n\r\n\u3000第二条之一　x\r第三条规定的", "\xff\xfe第\x80条",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := SplitDraft(text)
		norm := normalizeText(text)
		for i, a := range d.Articles {
			if a.Number != i+1 {
				t.Fatalf("article %d has Number %d", i+1, a.Number)
			}
			if a.Text == "" || a.Text != strings.TrimSpace(a.Text) {
				t.Fatalf("article %d text %q is empty or untrimmed", a.Number, a.Text)
			}
			if !strings.HasPrefix(a.Text, a.Label) {
				t.Fatalf("article %d text %q does not start with its label %q", a.Number, a.Text, a.Label)
			}
			if !strings.Contains(norm, a.Text) {
				t.Fatalf("article %d text %q is not in the normalised input %q", a.Number, a.Text, norm)
			}
		}
		if again := SplitDraft(norm); !reflect.DeepEqual(again, d) {
			t.Fatalf("splitting the normalised text gives a different draft")
		}

		v1 := AssignAnchors(nil, d.Articles)
		checkAnchorsUnique(t, v1)
		v2 := AssignAnchors(v1, d.Articles)
		if !reflect.DeepEqual(v2, v1) {
			t.Fatalf("re-anchoring the same articles changed anchors")
		}
		if len(d.Articles) > 1 {
			// A version with the first article removed and a copy of the
			// last one appended: anchors stay unique, the rest keep theirs.
			next := append(append([]Article{}, d.Articles[1:]...), d.Articles[len(d.Articles)-1])
			for i := range next {
				next[i].Number = i + 1
			}
			v3 := AssignAnchors(v1, next)
			checkAnchorsUnique(t, v3)
			c := CompareVersions(v1, v3)
			if n := len(c.Added) + len(c.Changed) + len(c.Unchanged); n != len(v3) {
				t.Fatalf("comparison accounts for %d new articles, want %d", n, len(v3))
			}
			if n := len(c.Removed) + len(c.Changed) + len(c.Unchanged); n != len(v1) {
				t.Fatalf("comparison accounts for %d old articles, want %d", n, len(v1))
			}
		}
		c := CompareVersions(v1, v1)
		if len(c.Unchanged) != len(v1) || len(c.Added)+len(c.Removed)+len(c.Changed) != 0 {
			t.Fatalf("comparing a version with itself found changes: %+v", c)
		}
	})
}

func checkAnchorsUnique(t *testing.T, arts []AnchoredArticle) {
	t.Helper()
	seen := make(map[string]bool, len(arts))
	for _, a := range arts {
		if a.Anchor == "" || seen[a.Anchor] {
			t.Fatalf("article %d has an empty or repeated anchor %q", a.Number, a.Anchor)
		}
		seen[a.Anchor] = true
	}
}
