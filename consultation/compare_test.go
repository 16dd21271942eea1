package consultation

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// chineseNumeral writes 1..99 as in article labels: 一, 十, 十一, 二十, 二十一.
func chineseNumeral(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	default:
		return digits[n/10] + "十" + digits[n%10]
	}
}

// renderDraft writes bodies as a 条-style draft under a title, numbering them
// 第一条, 第二条 … as an agency would after inserting or removing articles.
func renderDraft(bodies []string) string {
	var b strings.Builder
	b.WriteString("某市公共场所控制吸烟条例（征求意见稿）\n")
	for i, body := range bodies {
		b.WriteString("第" + chineseNumeral(i+1) + "条　" + body + "\n")
	}
	return b.String()
}

// smokingBodies are the article bodies of the first version.
var smokingBodies = []string{
	"为了减少吸烟造成的危害，维护公众健康，创造良好的公共环境，根据有关法律、法规，结合本市实际，制定本条例。",
	"本市行政区域内公共场所、工作场所的室内区域以及室外公共交通工具内禁止吸烟。",
	"控制吸烟工作实行政府主导、单位负责、个人守法、社会监督的原则。",
	"市卫生健康主管部门负责本条例的组织实施，开展控制吸烟宣传和监督检查。",
	"禁止吸烟场所的经营者和管理者应当在醒目位置设置统一的禁止吸烟标识和监督电话。",
	"任何人不得在禁止吸烟场所吸烟，不得向未成年人出售烟草制品。",
	"幼儿园、中小学校、少年宫等以未成年人为主要活动人群的场所，其室外区域也禁止吸烟。",
	"违反本条例第六条规定，在禁止吸烟场所吸烟的，由卫生健康主管部门责令改正；拒不改正的，处五十元以上二百元以下罚款。",
	"禁止吸烟场所的经营者和管理者未履行本条例规定职责的，处二千元以上一万元以下罚款。",
	"本条例自二〇二五年十月一日起施行。",
}

// withInsertedBody returns bodies with extra inserted before index i.
func withInsertedBody(bodies []string, i int, extra string) []string {
	out := append([]string{}, bodies[:i]...)
	out = append(out, extra)
	return append(out, bodies[i:]...)
}

func withBody(bodies []string, i int, body string) []string {
	out := append([]string{}, bodies...)
	out[i] = body
	return out
}

func withoutBody(bodies []string, i int) []string {
	out := append([]string{}, bodies[:i]...)
	return append(out, bodies[i+1:]...)
}

var anchorFormat = regexp.MustCompile(`^a-[0-9a-f]{10}$`)

func assertUniqueAnchors(t *testing.T, arts []AnchoredArticle) {
	t.Helper()
	seen := map[string]int{}
	for i, a := range arts {
		if !anchorFormat.MatchString(a.Anchor) {
			t.Errorf("article %d: anchor %q is not of the form a-<10 hex>", a.Number, a.Anchor)
		}
		if j, dup := seen[a.Anchor]; dup {
			t.Errorf("articles %d and %d share anchor %q", j+1, i+1, a.Anchor)
		}
		seen[a.Anchor] = i
	}
}

func TestAssignAnchorsFirstVersion(t *testing.T) {
	arts := SplitArticles(wasteSortingDraft)
	v1 := AssignAnchors(nil, arts)
	if len(v1) != len(arts) {
		t.Fatalf("got %d anchored articles, want %d", len(v1), len(arts))
	}
	assertUniqueAnchors(t, v1)
	for i := range v1 {
		if v1[i].Article != arts[i] {
			t.Errorf("article %d changed while anchoring", i+1)
		}
	}
	if again := AssignAnchors(nil, SplitArticles(wasteSortingDraft)); !reflect.DeepEqual(again, v1) {
		t.Errorf("anchors are not deterministic")
	}
}

func TestAssignAnchorsCarryOver(t *testing.T) {
	const (
		inserted = "本条例所称吸烟，是指吸入、呼出烟草制品的烟雾或者携带点燃的烟草制品，包括使用电子烟。"
		// A light edit of article 5 (index 4): two words changed.
		lightlyEdited = "禁止吸烟场所的经营者和管理者应当在显著位置设置统一规范的禁止吸烟标识和投诉电话。"
		// A rewrite of article 5 on the same subject: comments on the old
		// wording would no longer fit.
		rewritten = "控烟标识的样式由市卫生健康主管部门统一制定并向社会公布，场所管理者按照样式制作。"
	)
	keep := func(idx ...int) []int { return idx }
	seq := func(from, to int) []int { // from..to inclusive
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	tests := []struct {
		name   string
		bodies []string
		// want[j] is the index in the first version whose anchor article j+1
		// keeps, or -1 for a new anchor.
		want []int
	}{
		{"SameText", smokingBodies, seq(0, 9)},
		{"InsertAtStartRenumbersAll", withInsertedBody(smokingBodies, 0, inserted), append(keep(-1), seq(0, 9)...)},
		{"InsertInMiddle", withInsertedBody(smokingBodies, 5, inserted), concatIndexes(seq(0, 4), keep(-1), seq(5, 9))},
		{"RemoveArticle", withoutBody(smokingBodies, 2), concatIndexes(seq(0, 1), seq(3, 9))},
		{"Move", []string{smokingBodies[0], smokingBodies[2], smokingBodies[1]}, keep(0, 2, 1)},
		{"LightEdit", withBody(smokingBodies, 4, lightlyEdited), seq(0, 9)},
		{"LightEditAfterInsertAtStart", withInsertedBody(withBody(smokingBodies, 4, lightlyEdited), 0, inserted), append(keep(-1), seq(0, 9)...)},
		{"Rewrite", withBody(smokingBodies, 4, rewritten), concatIndexes(seq(0, 3), keep(-1), seq(5, 9))},
		{
			// Inserting 第一条 turns the reference to 第六条 in the penalty article
			// into 第七条: a one-character edit that must not detach comments.
			"CrossReferenceRenumbered",
			withInsertedBody(withBody(smokingBodies, 7, strings.Replace(smokingBodies[7], "第六条", "第七条", 1)), 0, inserted),
			append(keep(-1), seq(0, 9)...),
		},
		{
			"HalfWidthPunctuationAndSpaces",
			withBody(smokingBodies, 2, "控制吸烟工作实行 政府主导、单位负责、个人守法、社会监督 的原则."),
			seq(0, 9),
		},
	}
	v1 := AssignAnchors(nil, SplitArticles(renderDraft(smokingBodies)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next := SplitArticles(renderDraft(tt.bodies))
			v2 := AssignAnchors(v1, next)
			assertUniqueAnchors(t, v2)
			prevAnchors := map[string]bool{}
			for _, a := range v1 {
				prevAnchors[a.Anchor] = true
			}
			for j, w := range tt.want {
				switch {
				case w >= 0 && v2[j].Anchor != v1[w].Anchor:
					t.Errorf("article %d (%s) got anchor %s, want the anchor %s of old article %d",
						j+1, v2[j].Label, v2[j].Anchor, v1[w].Anchor, w+1)
				case w < 0 && prevAnchors[v2[j].Anchor]:
					t.Errorf("article %d (%s) got old anchor %s, want a new one", j+1, v2[j].Label, v2[j].Anchor)
				}
			}
		})
	}
}

func concatIndexes(a, b []int, rest ...[]int) []int {
	out := append(append([]int{}, a...), b...)
	for _, r := range rest {
		out = append(out, r...)
	}
	return out
}

func TestAssignAnchorsDuplicateTexts(t *testing.T) {
	const deleted = "（本条删除）"
	bodies := []string{smokingBodies[0], deleted, smokingBodies[1], deleted, smokingBodies[2]}
	v1 := AssignAnchors(nil, SplitArticles(renderDraft(bodies)))
	assertUniqueAnchors(t, v1)

	t.Run("SameTextKeepsAnchorsInOrder", func(t *testing.T) {
		v2 := AssignAnchors(v1, SplitArticles(renderDraft(bodies)))
		if !reflect.DeepEqual(v2, v1) {
			t.Errorf("re-anchoring the same text changed anchors:\n got %+v\nwant %+v", v2, v1)
		}
	})
	t.Run("ThirdCopyGetsNewAnchor", func(t *testing.T) {
		v2 := AssignAnchors(v1, SplitArticles(renderDraft(append(bodies, deleted))))
		assertUniqueAnchors(t, v2)
		for i := range v1 {
			if v2[i].Anchor != v1[i].Anchor {
				t.Errorf("article %d lost its anchor", i+1)
			}
		}
	})
	t.Run("CorruptPrevWithRepeatedAnchor", func(t *testing.T) {
		bad := append([]AnchoredArticle{}, v1...)
		bad[3].Anchor = bad[1].Anchor
		assertUniqueAnchors(t, AssignAnchors(bad, SplitArticles(renderDraft(bodies))))
	})
	t.Run("AllIdentical", func(t *testing.T) {
		arts := SplitArticles(renderDraft(repeatString(deleted, 12)))
		assertUniqueAnchors(t, AssignAnchors(nil, arts))
	})
}

// segmentsText rebuilds the old and the new text from a diff.
func segmentsText(segs []DiffSegment) (oldText, newText string) {
	var o, n strings.Builder
	for _, s := range segs {
		if s.Op != DiffInsert {
			o.WriteString(s.Text)
		}
		if s.Op != DiffDelete {
			n.WriteString(s.Text)
		}
	}
	return o.String(), n.String()
}

func TestCompareVersions(t *testing.T) {
	const inserted = "本条例所称吸烟，是指吸入、呼出烟草制品的烟雾或者携带点燃的烟草制品，包括使用电子烟。"
	lightlyEdited := strings.Replace(smokingBodies[8], "二千元以上一万元以下", "五千元以上三万元以下", 1)
	rewritten := "控烟标识的样式由市卫生健康主管部门统一制定并向社会公布，场所管理者按照样式制作。"

	v1 := AssignAnchors(nil, SplitArticles(renderDraft(smokingBodies)))
	// Version 2: a new 第一条, old 第三条 removed, old 第五条 rewritten, old
	// 第九条 lightly edited, old 第六条 and 第七条 swapped.
	bodies := []string{inserted, smokingBodies[0], smokingBodies[1], smokingBodies[3], rewritten,
		smokingBodies[6], smokingBodies[5], smokingBodies[7], lightlyEdited, smokingBodies[9]}
	v2 := AssignAnchors(v1, SplitArticles(renderDraft(bodies)))

	type numbers struct{ old, new int }
	collect := func(chs []ArticleChange) []numbers {
		out := []numbers{}
		for _, c := range chs {
			out = append(out, numbers{c.OldNumber, c.NewNumber})
		}
		return out
	}
	c := CompareVersions(v1, v2)
	tests := []struct {
		name string
		got  []ArticleChange
		want []numbers
	}{
		{"Added", c.Added, []numbers{{0, 1}, {0, 5}}},
		{"Removed", c.Removed, []numbers{{3, 0}, {5, 0}}},
		{"Changed", c.Changed, []numbers{{9, 9}}},
		{"Unchanged", c.Unchanged, []numbers{{1, 2}, {2, 3}, {4, 4}, {7, 6}, {6, 7}, {8, 8}, {10, 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := collect(tt.got); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("(old, new) numbers = %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("ChangedHasReadableDiff", func(t *testing.T) {
		ch := c.Changed[0]
		if ch.Anchor != v1[8].Anchor {
			t.Errorf("changed article anchor = %s, want %s", ch.Anchor, v1[8].Anchor)
		}
		oldText, newText := segmentsText(ch.Diff)
		if oldText != ch.OldText || newText != ch.NewText {
			t.Errorf("diff does not rebuild the texts:\n old %q\n new %q", oldText, newText)
		}
		want := []DiffSegment{
			{DiffEqual, "第九条　禁止吸烟场所的经营者和管理者未履行本条例规定职责的，处"},
			{DiffDelete, "二"}, {DiffInsert, "五"}, {DiffEqual, "千元以上"},
			{DiffDelete, "一"}, {DiffInsert, "三"}, {DiffEqual, "万元以下罚款。"},
		}
		if !reflect.DeepEqual(ch.Diff, want) {
			t.Errorf("diff = %+v\nwant %+v", ch.Diff, want)
		}
	})
	t.Run("OnlyChangedHaveDiff", func(t *testing.T) {
		for _, list := range [][]ArticleChange{c.Added, c.Removed, c.Unchanged} {
			for _, ch := range list {
				if ch.Diff != nil {
					t.Errorf("article %d/%d has a diff", ch.OldNumber, ch.NewNumber)
				}
			}
		}
	})
	t.Run("SameVersionAllUnchanged", func(t *testing.T) {
		c := CompareVersions(v2, v2)
		if len(c.Unchanged) != len(v2) || len(c.Added)+len(c.Removed)+len(c.Changed) != 0 {
			t.Errorf("comparison of a version with itself = %+v", c)
		}
	})
}

func TestJSONFieldNames(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{
			"AnchoredArticle",
			AnchoredArticle{Article: Article{Number: 1, Label: "第一条", Heading: "第一章 总则", Text: "第一条　x"}, Anchor: "a-0123456789"},
			`{"number":1,"label":"第一条","heading":"第一章 总则","text":"第一条　x","anchor":"a-0123456789"}`,
		},
		{
			"Draft",
			Draft{Preamble: "p", Articles: []Article{}},
			`{"preamble":"p","articles":[]}`,
		},
		{
			"EmptyComparison",
			CompareVersions(nil, nil),
			`{"added":[],"removed":[],"changed":[],"unchanged":[]}`,
		},
		{
			"ArticleChange",
			ArticleChange{Anchor: "a", OldNumber: 1, NewNumber: 2, OldText: "x", NewText: "y", Diff: []DiffSegment{{Op: DiffDelete, Text: "x"}}},
			`{"anchor":"a","old_number":1,"new_number":2,"old_text":"x","new_text":"y","diff":[{"op":"delete","text":"x"}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON = %s, want %s", b, tt.want)
			}
		})
	}
}

// TestAnchorSimilarity pins the measurements behind AnchorSimilarityThreshold.
func TestAnchorSimilarity(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		keeps    bool
	}{
		{"OneReferenceRenumbered", smokingBodies[7], strings.Replace(smokingBodies[7], "第六条", "第七条", 1), true},
		{"AmountsChanged", smokingBodies[8], strings.Replace(smokingBodies[8], "二千元以上一万元以下", "五千元以上三万元以下", 1), true},
		{"SentenceAppended", smokingBodies[0], smokingBodies[0] + "本条例未规定的，适用有关法律法规。", true},
		{"HalfAgainAppended", smokingBodies[3], smokingBodies[3] + "各区人民政府负责本辖区控烟工作。", true},
		{"ThreePhrasesEdited", smokingBodies[4], "禁止吸烟场所的经营者和管理者应当在显著位置设置统一规范的禁止吸烟标识和投诉电话。", true},
		{"RewrittenSameSubject", smokingBodies[4], "控烟标识的样式由市卫生健康主管部门统一制定并向社会公布，场所管理者按照样式制作。", false},
		{"NeighbouringArticles", smokingBodies[4], smokingBodies[8], false},
		{"OneCharacter", "甲", "乙", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := jaccard(bigrams(articleKey(Article{Text: tt.old})), bigrams(articleKey(Article{Text: tt.new})))
			if got := sim >= AnchorSimilarityThreshold; got != tt.keeps {
				t.Errorf("similarity %.2f: keeps anchor = %v, want %v", sim, got, tt.keeps)
			}
		})
	}
}

func TestDiffTextsMergesScatteredMatches(t *testing.T) {
	// Without semantic cleanup the shared 管 of 主管 and 管理 would show as an
	// unchanged character in the middle of the replaced authority.
	got := diffTexts("由卫生健康主管部门责令改正", "由城市管理综合执法部门责令改正")
	want := []DiffSegment{
		{DiffEqual, "由"}, {DiffDelete, "卫生健康主管"}, {DiffInsert, "城市管理综合执法"}, {DiffEqual, "部门责令改正"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diff = %+v\nwant %+v", got, want)
	}
}
