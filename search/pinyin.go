package search

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// Pinyin (issue 16): residents type tingche for 停车 and lajifenlei for
// 垃圾分类, or a homophone (幼儿圆 for 幼儿园). Decision and article
// documents (not comments: they are most of the index and of its
// indexing CPU) carry two extra fields: "py", the toneless pinyin of each
// run of Chinese characters as syllable bigrams (停车收费 → tingche
// cheshou shoufei), and "pyi", the initials as bigrams (tc cs sf). The
// lowest tier of a query matches a Latin word split into syllables, a
// string of initials, or a Chinese word's own pinyin against them, so a
// homophone finds the word it sounds like, ranked below every exact match.
// Readings come from github.com/mozillazg/go-pinyin (the first reading of
// a polyphone).

var (
	pinyinMu    sync.Mutex
	pinyinCache = map[rune]string{}
	syllOnce    sync.Once
	syllables   map[string]bool
	maxSyllable int
)

// pinyinOf is the toneless pinyin of a Chinese character ("" if none).
func pinyinOf(r rune) string {
	pinyinMu.Lock()
	defer pinyinMu.Unlock()
	if p, ok := pinyinCache[r]; ok {
		return p
	}
	p := ""
	if ps := pinyin.SinglePinyin(r, pinyin.Args{Style: pinyin.Normal}); len(ps) > 0 {
		p = strings.ReplaceAll(ps[0], "ü", "v")
	}
	pinyinCache[r] = p
	return p
}

// pinyinRuns returns the syllables of each run of Chinese characters.
func pinyinRuns(text string) [][]string {
	var runs [][]string
	var cur []string
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			if p := pinyinOf(r); p != "" {
				cur = append(cur, p)
				continue
			}
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// pinyinFields are the "py" and "pyi" field texts of text.
func pinyinFields(text string) (py, initials string) {
	var b, bi strings.Builder
	for _, run := range pinyinRuns(text) {
		for _, t := range syllableBigrams(run) {
			b.WriteString(t)
			b.WriteByte(' ')
		}
		for _, t := range initialBigrams(run) {
			bi.WriteString(t)
			bi.WriteByte(' ')
		}
	}
	return b.String(), bi.String()
}

func syllableBigrams(run []string) []string {
	if len(run) == 1 {
		return []string{run[0]}
	}
	out := make([]string, 0, len(run)-1)
	for i := 0; i+1 < len(run); i++ {
		out = append(out, run[i]+run[i+1])
	}
	return out
}

func initialBigrams(run []string) []string {
	if len(run) < 2 {
		return nil
	}
	out := make([]string, 0, len(run)-1)
	for i := 0; i+1 < len(run); i++ {
		out = append(out, run[i][:1]+run[i+1][:1])
	}
	return out
}

// loadSyllables collects every toneless syllable of the dictionary.
func loadSyllables() {
	syllables = map[string]bool{}
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		for _, p := range pinyin.SinglePinyin(r, pinyin.Args{Style: pinyin.Normal, Heteronym: true}) {
			p = strings.ReplaceAll(p, "ü", "v")
			if p != "" {
				syllables[p] = true
				maxSyllable = max(maxSyllable, len(p))
			}
		}
	}
}

// splitPinyin splits a Latin word into pinyin syllables (fewest syllables
// first); ok is false when it is not pinyin.
func splitPinyin(w string) ([]string, bool) {
	syllOnce.Do(loadSyllables)
	n := len(w)
	// best[i]: fewest syllables covering w[:i]; from[i] where the last
	// syllable starts.
	best := make([]int, n+1)
	from := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i] = -1
		for j := max(0, i-maxSyllable); j < i; j++ {
			if best[j] < 0 || !syllables[w[j:i]] {
				continue
			}
			if best[i] < 0 || best[j]+1 < best[i] {
				best[i], from[i] = best[j]+1, j
			}
		}
	}
	if best[n] < 0 {
		return nil, false
	}
	out := make([]string, best[n])
	for i, k := n, best[n]-1; i > 0; i, k = from[i], k-1 {
		out[k] = w[from[i]:i]
	}
	return out, true
}

// isLatinWord is a word of ASCII letters only.
func isLatinWord(w string) bool {
	if w == "" {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}
