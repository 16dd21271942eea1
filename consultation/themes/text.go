// Package themes finds the themes of the public comments on a decision
// (issue 19): comments clustered by what they are about, each theme
// labelled by its distinctive words, with its stance breakdown, the
// articles it concerns, representative comments and an extractive summary
// whose every sentence cites the receipts it comes from; staff rename,
// merge, split and move, answer a theme once (fanned out to every comment
// through consultation's disposition rules) and draft the adoption report
// from the themes. Every analysis and every staff change is appended to the
// process record through record.Appender.
//
// The text mining is statistical and local: no model, no outside service.
// Features are our own (this file): NFKC width folding, traditional to
// simplified (an OpenCC port), character bigrams plus the words of a small
// embedded dictionary found by forward maximum matching, content
// characters, toneless pinyin bigrams (a homophone typo reads the same),
// the near-synonym groups of the search service, generic aspects
// (concepts.txt: cost, time, noise …), TF-IDF; comments are
// clustered by average link over a second-order similarity (each comment
// with its nearest neighbours), which short colloquial comments need; as an
// option (Params.Method "spectral", spectral.go) by spectral clustering of
// their latent semantic analysis, no better on the development set.
package themes

import (
	_ "embed"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"github.com/mozillazg/go-pinyin"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/canyu-gov/canyu/search"
)

//go:embed words.txt
var wordsFile string

//go:embed concepts.txt
var conceptsFile string

// dictionary is the embedded word list (civic and livelihood vocabulary),
// maxWordRunes its longest entry.
var (
	dictOnce     sync.Once
	dictionary   map[string]bool
	maxWordRunes int
)

func loadDictionary() {
	dictionary = map[string]bool{}
	for _, l := range strings.Split(wordsFile, "\n") {
		for _, w := range strings.Fields(l) {
			if strings.HasPrefix(w, "#") {
				break
			}
			w = Normalize(w)
			if n := utf8.RuneCountInString(w); n >= 2 {
				dictionary[w] = true
				maxWordRunes = max(maxWordRunes, n)
			}
		}
	}
}

// Traditional to simplified: the converter works phrase by phrase and is
// slow, so a text goes through it only when it holds a character that
// converts on its own (tradRunes, built once over the CJK Unified
// Ideographs block); nearly all comments are simplified already.
const (
	cjkFirst = 0x4E00
	cjkLast  = 0x9FFF
)

var (
	t2sOnce   sync.Once
	t2s       *opencc.OpenCC
	tradRunes []bool // indexed by r - cjkFirst
)

func loadT2S() {
	cc, err := opencc.New("t2s")
	if err != nil {
		return // the dictionaries are embedded; without them texts stay as typed
	}
	t2s = cc
	tradRunes = make([]bool, cjkLast-cjkFirst+1)
	for r := rune(cjkFirst); r <= cjkLast; r++ {
		s := string(r)
		if out, err := cc.Convert(s); err == nil && out != s {
			tradRunes[r-cjkFirst] = true
		}
	}
}

func hasTraditional(s string) bool {
	for _, r := range s {
		if r >= cjkFirst && r <= cjkLast && tradRunes[r-cjkFirst] {
			return true
		}
	}
	return false
}

// Normalize folds a text for comparison: NFKC (full-width letters, digits
// and punctuation to their usual forms), width folding, lower case, and
// traditional characters to simplified.
func Normalize(s string) string {
	t2sOnce.Do(loadT2S)
	s = strings.ToLower(width.Fold.String(norm.NFKC.String(strings.ToValidUTF8(s, ""))))
	if t2s != nil && hasTraditional(s) {
		if out, err := t2s.Convert(s); err == nil {
			s = out
		}
	}
	return s
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// runs splits a normalised text into runs of Han characters and runs of
// letters and digits; everything else separates them.
func runs(s string) (han, alnum []string) {
	start, kind := -1, 0 // kind 1 Han, 2 alnum
	flush := func(end int) {
		if start >= 0 {
			if kind == 1 {
				han = append(han, s[start:end])
			} else {
				alnum = append(alnum, s[start:end])
			}
		}
		start, kind = -1, 0
	}
	for i, r := range s {
		k := 0
		switch {
		case isHan(r):
			k = 1
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			k = 2
		}
		if k != kind {
			flush(i)
			if k != 0 {
				start, kind = i, k
			}
		}
	}
	flush(len(s))
	return han, alnum
}

// stopRunes are function characters: a bigram of two of them carries no
// topic (的是, 我们, 这个).
var stopRunes = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "的了是在有和与及或但而被把给对从向让吗呢吧啊呀哦嘛么个些一不没很太更最也都就还又才只我你他她它们这那啥咋怎之其此该" {
		m[r] = true
	}
	return m
}()

// stopBigrams are frequent words that say how someone writes, not what
// about (建议, 希望, 觉得): every comment may carry them.
var stopBigrams = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`建议 希望 觉得 认为 感觉 因为 所以 但是 如果 可以 应该 应当 能够 还是 已经 没有 不是 就是 这样 那样
		非常 真的 其实 目前 现在 大家 相关 部门 方面 问题 情况 办法 条例 规定 意见 征求 本条 这条 一下 一些 一点 比较 特别 确实
		什么 怎么 为什么 市民 我们 你们 他们 自己 个人 支持 反对 同意 赞成 希望 能否 是否 请问 谢谢 另外 而且 并且 同时 以及 关于 对于
		政府 有关 需要 要求 一定 尽快 考虑 进一步 加强 规范 明确 具体 合理 实际 问题 提出 第一 第二 第三 第四 第五 第六 第七 第八 第九 第十`) {
		m[w] = true
	}
	return m
}()

// unigramStop are characters too common to tell topics apart on their own
// (beyond the function characters of stopRunes).
var unigramStop = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range "人要说到去来用得地为以可能会上下中大小多少好事时年月日天里后前能然如果所因自己家样点儿当应该想看做让使" {
		m[r] = true
	}
	for r := range stopRunes {
		m[r] = true
	}
	return m
}()

// Pinyin readings of the CJK Unified Ideographs (toneless, first reading),
// for the homophone-robust features: residents type 充电装 for 充电桩 and
// 以经 for 已经; the syllable bigram is the same.
var (
	pinyinOnce  sync.Once
	pinyinTable []string // indexed by r - cjkFirst
)

func loadPinyin() {
	pinyinTable = make([]string, cjkLast-cjkFirst+1)
	for r := rune(cjkFirst); r <= cjkLast; r++ {
		if ps := pinyin.SinglePinyin(r, pinyin.Args{Style: pinyin.Normal}); len(ps) > 0 {
			pinyinTable[r-cjkFirst] = ps[0]
		}
	}
}

func pinyinOf(r rune) string {
	if r < cjkFirst || r > cjkLast {
		return ""
	}
	return pinyinTable[r-cjkFirst]
}

// Phrase features: the near-synonym groups of the search service
// (search.BuiltinSynonyms: 电动车/电瓶车/电动自行车, 噪音/噪声/吵, 补贴/补助 …)
// become one feature per group ("s:N"), and the generic aspects residents
// raise about any local regulation (concepts.txt: cost, time, noise, dirt,
// enforcement …) one per aspect ("c:KEY"), so comments that name the same
// thing in different words meet.
var (
	phraseOnce  sync.Once
	phraseFirst map[rune][]phrase // phrases by their first character
)

type phrase struct {
	w       []rune
	feature string
}

func loadPhrases() {
	phraseFirst = map[rune][]phrase{}
	add := func(w, feature string) {
		if rs := []rune(Normalize(w)); len(rs) > 0 {
			phraseFirst[rs[0]] = append(phraseFirst[rs[0]], phrase{rs, feature})
		}
	}
	for g, ws := range search.BuiltinSynonyms() {
		for _, w := range ws {
			add(w, "s:"+strconv.Itoa(g))
		}
	}
	for _, l := range strings.Split(conceptsFile, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		for _, w := range f[1:] {
			add(w, "c:"+f[0])
		}
	}
}

// terms returns the features of a normalised text: the character bigrams of
// its Han runs (except stop bigrams), the dictionary words found in them by
// forward maximum matching (prefixed "w:"), its content characters ("u:"),
// the toneless pinyin of its bigrams ("p:", the same for a homophone typo),
// the synonym groups ("s:") and aspects ("c:") it names, and letter or
// digit tokens of two characters or more that are not only digits ("a:").
// The weight of each kind is a parameter (Vocabulary.vector).
func terms(s string) []string {
	dictOnce.Do(loadDictionary)
	pinyinOnce.Do(loadPinyin)
	phraseOnce.Do(loadPhrases)
	han, alnum := runs(s)
	var out []string
	var named map[string]bool // phrase features already out
	for _, h := range han {
		rs := []rune(h)
		for i := 0; i+1 < len(rs); i++ {
			if stopRunes[rs[i]] && stopRunes[rs[i+1]] {
				continue
			}
			bg := string(rs[i : i+2])
			if stopBigrams[bg] {
				continue
			}
			out = append(out, bg)
			if a, b := pinyinOf(rs[i]), pinyinOf(rs[i+1]); a != "" && b != "" {
				out = append(out, "p:"+a+"_"+b)
			}
		}
		for i, r := range rs {
			if !unigramStop[r] {
				out = append(out, "u:"+string(r))
			}
			for _, ph := range phraseFirst[r] {
				// slices.Equal: comparing as strings allocated two strings
				// per candidate, most of the cost of features at 100,000 comments.
				if i+len(ph.w) <= len(rs) && slices.Equal(rs[i:i+len(ph.w)], ph.w) && !named[ph.feature] {
					if named == nil {
						named = map[string]bool{}
					}
					named[ph.feature] = true
					out = append(out, ph.feature)
				}
			}
		}
		for i := 0; i < len(rs); {
			n := min(maxWordRunes, len(rs)-i)
			for ; n >= 2; n-- {
				if dictionary[string(rs[i:i+n])] {
					break
				}
			}
			if n >= 2 {
				if n > 2 { // a two-character word is already its bigram
					out = append(out, "w:"+string(rs[i:i+n]))
				}
				i += n
				continue
			}
			i++
		}
	}
	for _, a := range alnum {
		if utf8.RuneCountInString(a) < 2 || strings.IndexFunc(a, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		out = append(out, "a:"+a)
	}
	return out
}

// sentences splits a text (as typed) into sentences at 。！？；!?; and line
// breaks, trimmed, dropping empty ones.
func sentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		switch r {
		case '。', '！', '？', '；', '!', '?', ';', '\n', '…':
			if t := strings.TrimSpace(s[start : i+utf8.RuneLen(r)]); t != "" {
				out = append(out, t)
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}
