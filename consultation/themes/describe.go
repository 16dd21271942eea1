package themes

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Description is what the method says of one theme.
type Description struct {
	// Label is up to three distinctive words joined by "、".
	Label string
	Words []string
	// Representatives are member indexes, closest to the centroid first,
	// one per campaign group.
	Representatives []int
	Summary         []SummarySentence
}

// SummarySentence is one sentence of an extractive summary with the
// members it comes from (the first is where it was taken from).
type SummarySentence struct {
	Text    string
	Sources []int
}

// Bounds of a description.
const (
	labelWords        = 3
	representatives   = 5
	summarySentences  = 3
	summaryMaxMembers = 400 // members whose sentences are considered
	minSentenceRunes  = 6
	maxSentenceRunes  = 120
	citeSimilarity    = 0.6 // a member's sentence this close to a summary sentence cites it
)

// labelStopWords say nothing about a theme however often they occur.
var labelStopWords = map[string]bool{"能不能": true, "以后": true, "之后": true, "怎么办": true, "多少": true, "为什么": true,
	"有没有": true, "是不是": true, "可不可以": true, "好几": true, "现在": true, "时候": true}

// glueRunes never sit inside a word of a label (的问题, 温度的).
var glueRunes = map[rune]bool{'的': true, '了': true, '是': true, '和': true, '与': true, '在': true, '吗': true, '呢': true}

// ngramStats counts, over a set of texts, the documents each Han n-gram
// (2 to 4 characters) appears in, keeping only n-grams that look like
// words: a dictionary word, or one seen with at least two different
// characters (or a text edge) on each side. A fragment such as 收基本热
// is always followed by 费 and is dropped (a light form of branching
// entropy, as in unsupervised Chinese word discovery).
func ngramStats(texts []string) map[string]int {
	df := map[string]int{}
	left, right := map[string]map[rune]bool{}, map[string]map[rune]bool{}
	note := func(m map[string]map[rune]bool, g string, r rune) {
		if m[g] == nil {
			m[g] = map[rune]bool{}
		}
		if len(m[g]) < 2 {
			m[g][r] = true
		}
	}
	edge := rune(0)
	for ti, t := range texts {
		seen := map[string]bool{}
		han, _ := runs(Normalize(t))
		for _, h := range han {
			rs := []rune(h)
			for n := 2; n <= 4; n++ {
				for i := 0; i+n <= len(rs); i++ {
					if stopRunes[rs[i]] || stopRunes[rs[i+n-1]] {
						continue // 的停车, 停车了: not a word's edge
					}
					glued := false
					for _, r := range rs[i : i+n] {
						glued = glued || glueRunes[r]
					}
					if glued {
						continue
					}
					g := string(rs[i : i+n])
					if (n == 2 && stopBigrams[g]) || labelStopWords[g] || (rs[i] == '第' && rs[i+n-1] == '条') {
						continue
					}
					l, r := edge-rune(ti)-1, edge-rune(ti)-1 // a text edge is a context of its own
					if i > 0 {
						l = rs[i-1]
					}
					if i+n < len(rs) {
						r = rs[i+n]
					}
					note(left, g, l)
					note(right, g, r)
					if !seen[g] {
						seen[g] = true
						df[g]++
					}
				}
			}
		}
	}
	for g := range df {
		if !dictionary[g] && (len(left[g]) < 2 || len(right[g]) < 2) {
			delete(df, g)
		}
	}
	return df
}

// labelFor picks the distinctive words of a theme: n-grams frequent in it
// and rarer elsewhere (the in-theme share times the log of the ratio of
// shares), preferring a dictionary word or a longer n-gram over the
// fragments it contains when the longer one is nearly as frequent.
func labelFor(in map[string]int, nIn int, all map[string]int, nAll int) []string {
	type cand struct {
		g     string
		score float64
		df    int
	}
	var cs, common []cand
	for g, df := range in {
		if df < 2 && nIn > 2 {
			continue
		}
		pIn := float64(df) / float64(nIn)
		pAll := (float64(all[g]) + 1) / (float64(nAll) + 1)
		if pIn <= pAll {
			// A theme that holds (nearly) every comment has no word more
			// frequent in it than overall: its most frequent words name it.
			common = append(common, cand{g, pIn * (1 + 0.1*float64(utf8.RuneCountInString(g)-2)), df})
			continue
		}
		s := pIn * math.Log(pIn/pAll)
		if dictionary[g] {
			s *= 1.3
		}
		s *= 1 + 0.1*float64(utf8.RuneCountInString(g)-2)
		cs = append(cs, cand{g, s, df})
	}
	if len(cs) == 0 {
		cs = common
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].score != cs[b].score {
			return cs[a].score > cs[b].score
		}
		return cs[a].g < cs[b].g
	})
	var out []string
	for _, c := range cs {
		overlaps := false
		for i, w := range out {
			if strings.Contains(w, c.g) {
				overlaps = true
				break
			}
			if strings.Contains(c.g, w) {
				out[i] = c.g // the longer n-gram scored close enough to be listed
				overlaps = true
				break
			}
		}
		if !overlaps {
			out = append(out, c.g)
		}
		if len(out) == labelWords {
			break
		}
	}
	return dedupe(out)
}

func dedupe(ws []string) []string {
	var out []string
	for _, w := range ws {
		dup := false
		for _, o := range out {
			if strings.Contains(o, w) || strings.Contains(w, o) {
				dup = true
			}
		}
		if !dup {
			out = append(out, w)
		}
	}
	return out
}

// Describe labels every cluster, picks its representative comments and
// writes its extractive summary. background is a sample of all texts to
// compare word frequencies with.
func Describe(docs []Doc, cl *Clustering, p Params) []Description {
	dictOnce.Do(loadDictionary)
	step := max(1, len(docs)/3000)
	var bg []string
	for i := 0; i < len(docs); i += step {
		bg = append(bg, docs[i].Text)
	}
	all := ngramStats(bg)
	// The background of wholeWords counts a campaign once.
	var bgOnce []string
	seen := map[int64]bool{}
	for i := 0; i < len(docs); i += step {
		if gr := docs[i].Group; gr == 0 || !seen[gr] {
			seen[gr] = true
			bgOnce = append(bgOnce, docs[i].Text)
		}
	}
	out := make([]Description, len(cl.Clusters))
	for g, c := range cl.Clusters {
		ranked := rankMembers(c)
		if len(ranked) > summaryMaxMembers {
			ranked = ranked[:summaryMaxMembers]
		}
		var texts []string
		seenGroup := map[int64]bool{}
		for _, m := range ranked {
			if gr := docs[m].Group; gr != 0 {
				if seenGroup[gr] {
					continue // a campaign counts once in the words and among the representatives
				}
				seenGroup[gr] = true
			}
			texts = append(texts, docs[m].Text)
			if len(out[g].Representatives) < representatives {
				out[g].Representatives = append(out[g].Representatives, m)
			}
		}
		out[g].Words = wholeWords(labelFor(ngramStats(texts), len(texts), all, len(bg)), texts, bgOnce)
		out[g].Label = strings.Join(out[g].Words, "、")
		if c.OffTopic {
			out[g].Label = "与草案无关"
		}
		out[g].Summary = summarize(docs, ranked, cl, c.Centroid, p)
		if out[g].Label == "" {
			var first []string
			for _, s := range out[g].Summary {
				first = append(first, s.Text)
			}
			for _, m := range out[g].Representatives {
				first = append(first, docs[m].Text)
			}
			out[g].Label = clauseLabel(first)
		}
	}
	return out
}

// clauseLabelRunes bounds a label taken from a comment's words.
const clauseLabelRunes = 16

// clauseLabel names a theme none of whose words is distinctive (its
// comments share no word often enough, as short ones such as 同意 and
// 支持 do) by the first clause of its first summary sentence or
// representative comment, rather than leaving it unnamed.
func clauseLabel(texts []string) string {
	for _, t := range texts {
		t = strings.TrimSpace(t)
		if i := strings.IndexAny(t, "，。！？；,.!?;\n"); i >= 0 {
			if c := strings.TrimSpace(t[:i]); c != "" {
				t = c
			}
		}
		t = strings.Trim(t, "，。！？；,.!?; ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) > clauseLabelRunes {
			t = string([]rune(t)[:clauseLabelRunes]) + "…"
		}
		return t
	}
	return ""
}

// rankMembers orders a cluster's members by similarity to its centroid,
// first-theme members before second-theme ones.
func rankMembers(c Cluster) []int {
	idx := make([]int, len(c.Members))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if c.Primary[idx[a]] != c.Primary[idx[b]] {
			return c.Primary[idx[a]]
		}
		return c.Sims[idx[a]] > c.Sims[idx[b]]
	})
	out := make([]int, len(idx))
	for i, j := range idx {
		out[i] = c.Members[j]
	}
	return out
}

// summarize picks up to three sentences of the members that are closest to
// the centroid, each unlike those already picked (maximal marginal
// relevance), and cites every member that has a sentence close to it.
func summarize(docs []Doc, members []int, cl *Clustering, cent []float32, p Params) []SummarySentence {
	type sent struct {
		text   string
		member int
		vec    Vec
		score  float64
	}
	var ss []sent
	seenText := map[string]bool{}
	for _, m := range members {
		for _, s := range sentences(docs[m].Text) {
			n := utf8.RuneCountInString(s)
			if n < minSentenceRunes || n > maxSentenceRunes {
				continue
			}
			v := cl.Vocab.vector(terms(Normalize(s)), "", p.textOnly())
			if len(v.IDs) == 0 {
				continue
			}
			key := Normalize(s)
			ss = append(ss, sent{text: s, member: m, vec: v, score: v.dotDense(cent)})
			if seenText[key] {
				ss[len(ss)-1].score = -1 // the same sentence again: a source, not a candidate
			}
			seenText[key] = true
		}
	}
	var picked []int
	for len(picked) < summarySentences {
		best, bs := -1, 0.0
		for i, s := range ss {
			if s.score <= 0 {
				continue
			}
			red := 0.0
			for _, j := range picked {
				red = max(red, s.vec.Dot(ss[j].vec))
			}
			if red > 0.7 {
				continue
			}
			if v := 0.7*s.score - 0.3*red; v > bs {
				best, bs = i, v
			}
		}
		if best < 0 {
			break
		}
		picked = append(picked, best)
	}
	out := make([]SummarySentence, 0, len(picked))
	for _, i := range picked {
		s := SummarySentence{Text: ss[i].text, Sources: []int{ss[i].member}}
		cited := map[int]bool{ss[i].member: true}
		for _, o := range ss {
			if !cited[o.member] && o.vec.Dot(ss[i].vec) >= citeSimilarity {
				cited[o.member] = true
				s.Sources = append(s.Sources, o.member)
			}
		}
		out = append(out, s)
	}
	return out
}

// Stances of a comment for the breakdown.
const (
	StanceSupport    = "support"
	StanceOppose     = "oppose"
	StanceSuggestion = "suggestion"
	StanceNone       = "none"
)

var (
	opposeCues     = []string{"反对", "不同意", "不赞成", "不支持", "不合理", "不能接受", "太贵", "太高", "乱收费", "抗议", "凭什么", "坚决不"}
	supportCues    = []string{"支持", "赞成", "同意", "赞同", "点赞", "拥护", "好政策", "叫好"}
	suggestionCues = []string{"建议", "希望", "能否", "可否", "是否可以", "应当", "应该", "最好", "请"}
)

// Stance is the stance of a comment: the one the resident chose, else one
// read from the text with a small lexicon (a negated support cue or an
// opposing cue is opposition; then support; then a suggestion cue). It is
// a lexicon, not a model: it reads "不太同意" as opposition and misses irony.
func Stance(chosen, text string) string {
	switch chosen {
	case StanceSupport, StanceOppose, StanceSuggestion:
		return chosen
	}
	t := Normalize(text)
	for _, c := range opposeCues {
		if strings.Contains(t, c) {
			return StanceOppose
		}
	}
	for _, c := range supportCues {
		if strings.Contains(t, c) {
			return StanceSupport
		}
	}
	for _, c := range suggestionCues {
		if strings.Contains(t, c) {
			return StanceSuggestion
		}
	}
	return StanceNone
}

// wholeWords lengthens by one character each label word that is not a
// dictionary word and that both the theme's texts and the background
// nearly always continue with the same character (低收 → 低收入): the
// n-gram filter keeps a fragment next to where some copies of a campaign
// were edited and drops the whole word, whose neighbours never vary. The
// background (campaigns counted once) keeps a word that merely sits in a
// campaign's sentence (家庭 in 家庭来说) as it is. One character, to the
// right only: in a campaign every word has the same text on both sides,
// and a word taken on to the left (入家庭) reads worse than one cut short.
func wholeWords(words, texts, background []string) []string {
	out := make([]string, 0, len(words))
	for _, w := range words {
		if !dictionary[w] {
			if r := follower(w, texts); r != 0 && r == follower(w, background) {
				w += string(r)
			}
		}
		out = append(out, w)
	}
	return dedupe(out)
}

// follower returns the Han character that follows w in at least 80% of
// its (at least 3) occurrences in the texts, when it may sit inside a
// word, else 0.
func follower(w string, texts []string) rune {
	next := map[rune]int{}
	n := 0
	for _, t := range texts {
		t = Normalize(t)
		for rest := t; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			n++
			rest = rest[i+len(w):]
			if c, size := utf8.DecodeRuneInString(rest); size > 0 {
				next[c]++
			}
		}
	}
	for c, k := range next {
		if n >= 3 && float64(k) >= 0.8*float64(n) && unicode.Is(unicode.Han, c) && !stopRunes[c] && !glueRunes[c] {
			return c
		}
	}
	return 0
}
