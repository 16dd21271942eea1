package search

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// queryTerm is one word of a parsed query.
type queryTerm struct {
	text   string   // normalised
	phrase bool     // quoted by the resident: matched only as a whole
	alts   []string // near-synonyms (normalised), matched like text but ranked lower
	// sentence: the term is a word of a long question, matched as a
	// whole word in the strict tiers (see termQuery).
	sentence bool
}

// quoted finds phrases in straight or Chinese quotes.
var quoted = regexp.MustCompile(`"([^"]+)"|“([^”]+)”|「([^」]+)」|『([^』]+)』`)

// parseQuery turns query text into terms: quoted phrases as phrases; the
// rest normalised, stripped of filler words when it is a sentence, and cut
// into vocabulary words (forward maximum matching; unknown runs stay
// whole); each term with its near-synonyms from syn.
func parseQuery(raw string, syn *synonymSet) []queryTerm {
	var terms []queryTerm
	rest := quoted.ReplaceAllStringFunc(raw, func(m string) string {
		for _, g := range quoted.FindStringSubmatch(m)[1:] {
			if p := strings.Join(strings.Fields(Normalize(g)), " "); p != "" {
				for _, w := range strings.Fields(p) {
					terms = append(terms, queryTerm{text: w, phrase: true})
				}
			}
		}
		return " "
	})
	rest = Normalize(rest)
	chunks := strings.Fields(rest)
	long := utf8.RuneCountInString(strings.Join(chunks, "")) >= minLongQueryRunes
	voc := vocabulary(syn)
	for _, c := range chunks {
		if long {
			c = dropFillers(c)
		}
		for _, part := range strings.Fields(c) {
			for _, w := range segment(part, voc) {
				if long && utf8.RuneCountInString(w) == 1 && !voc.words[w] && !isDigitWord(w) {
					continue // a stray character of a sentence
				}
				terms = append(terms, queryTerm{text: w, sentence: long})
			}
		}
	}
	// One term per text; the synonyms of each.
	seen := map[string]bool{}
	out := terms[:0]
	for _, t := range terms {
		if seen[t.text] {
			continue
		}
		seen[t.text] = true
		if !t.phrase {
			t.alts = syn.alternatives(t.text)
		}
		out = append(out, t)
	}
	return out
}

func isDigitWord(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

var fillerOnce sync.Once
var fillersByLength []string

// dropFillers replaces filler words with spaces.
func dropFillers(s string) string {
	fillerOnce.Do(func() {
		fillersByLength = slices.Clone(fillerWords)
		sort.SliceStable(fillersByLength, func(i, j int) bool {
			return utf8.RuneCountInString(fillersByLength[i]) > utf8.RuneCountInString(fillersByLength[j])
		})
	})
	for _, f := range fillersByLength {
		s = strings.ReplaceAll(s, f, " ")
	}
	return s
}

// vocab is the segmenter's dictionary.
type vocab struct {
	words   map[string]bool
	maxLen  int // runes
	version *synonymSet
}

var vocabMu sync.Mutex
var vocabCache *vocab

// vocabulary is domainVocabulary plus the words of syn.
func vocabulary(syn *synonymSet) *vocab {
	vocabMu.Lock()
	defer vocabMu.Unlock()
	if vocabCache != nil && vocabCache.version == syn {
		return vocabCache
	}
	v := &vocab{words: map[string]bool{}, version: syn}
	add := func(w string) {
		w = Normalize(w)
		v.words[w] = true
		v.maxLen = max(v.maxLen, utf8.RuneCountInString(w))
	}
	for _, w := range domainVocabulary {
		add(w)
	}
	if syn != nil {
		for _, g := range syn.groups {
			for _, w := range g {
				add(w)
			}
		}
	}
	vocabCache = v
	return v
}

// segment cuts s by forward maximum matching over voc; runs of characters
// no word covers are kept together as one term, and Latin letters or
// digits are never cut.
func segment(s string, voc *vocab) []string {
	r := []rune(s)
	var out []string
	unknown := -1
	flush := func(i int) {
		if unknown >= 0 {
			out = append(out, string(r[unknown:i]))
			unknown = -1
		}
	}
	for i := 0; i < len(r); {
		if r[i] < utf8.RuneSelf {
			// An ASCII run (pm2.5, 12345, tingche) is one word.
			j := i
			for j < len(r) && r[j] < utf8.RuneSelf {
				j++
			}
			flush(i)
			out = append(out, string(r[i:j]))
			i = j
			continue
		}
		n := 0
		// Down to one character: a few words are one (狗, 吵).
		for l := min(voc.maxLen, len(r)-i); l >= 1; l-- {
			if voc.words[string(r[i:i+l])] {
				n = l
				break
			}
		}
		if n == 0 {
			if unknown < 0 {
				unknown = i
			}
			i++
			continue
		}
		flush(i)
		out = append(out, string(r[i:i+n]))
		i += n
	}
	flush(len(r))
	return out
}
