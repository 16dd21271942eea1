package search

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/longbridgeapp/opencc"
	"golang.org/x/text/unicode/norm"
)

// Normalisation applied to every indexed text and every query (issue 16):
// NFKC width folding (ＰＭ２.５ → pm2.5, full-width letters and digits),
// traditional to simplified characters (養老補貼 → 养老补贴, with the
// character table of OpenCC's t2s conversion, github.com/longbridgeapp/opencc),
// lower case. Each rune maps to exactly one rune, so an offset in the
// normalised text is the same rune offset in the original, which is what
// lets snippets mark the original text.
//
// Character level on purpose: OpenCC's phrase table (TSPhrases, 277
// phrases) only fixes one-to-many characters in running text, and for
// search both sides go through the same table, so a word matches whichever
// way it was written.

var (
	t2sOnce sync.Once
	t2s     map[rune]rune
)

// loadT2S builds the character table from OpenCC's t2s conversion (about
// 3,700 characters; 25 ms once per process).
func loadT2S() {
	t2s = map[rune]rune{}
	cc, err := opencc.New("t2s")
	if err != nil {
		return // no table: traditional text is searched as written
	}
	for _, block := range []struct{ lo, hi rune }{{0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF}} {
		for r := block.lo; r <= block.hi; r++ {
			s, err := cc.Convert(string(r))
			if err != nil || utf8.RuneCountInString(s) != 1 {
				continue
			}
			if out, _ := utf8.DecodeRuneInString(s); out != r {
				t2s[r] = out
			}
		}
	}
}

// normRune is the normalised form of one rune.
func normRune(r rune) rune {
	if r < utf8.RuneSelf {
		return unicode.ToLower(r)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if k := norm.NFKC.Bytes(buf[:n]); len(k) > 0 {
		if out, size := utf8.DecodeRune(k); size == len(k) {
			r = out
		}
	}
	r = unicode.ToLower(r)
	t2sOnce.Do(loadT2S)
	if s, ok := t2s[r]; ok {
		r = s
	}
	if isPunct(r) {
		return ' '
	}
	return r
}

// isPunct is punctuation and symbols that separate words (。，、《》“”
// and the like); the decimal point and the percent sign stay, so 2.5 and
// 50% are kept whole.
func isPunct(r rune) bool {
	switch r {
	case '.', '%', '-':
		return false
	}
	return unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// bmpNorm is normRune of every rune of the Basic Multilingual Plane,
// computed once: NFKC of one rune allocated, and the indexer normalises
// every character of every comment (a table lookup instead cut the
// indexer's CPU per comment; BenchmarkIndexerDrain).
var (
	bmpOnce sync.Once
	bmpNorm []rune
)

func loadBMP() {
	t := make([]rune, 0x10000)
	for r := range rune(0x10000) {
		if r >= 0xD800 && r <= 0xDFFF {
			t[r] = r // surrogates never come out of a Go string
			continue
		}
		t[r] = normRune(r)
	}
	bmpNorm = t
}

// Normalize returns text normalised rune by rune (same rune count).
func Normalize(text string) string {
	bmpOnce.Do(loadBMP)
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	if ascii {
		for i := 0; i < len(text); i++ {
			b.WriteRune(bmpNorm[text[i]])
		}
		return b.String()
	}
	for _, r := range text {
		if r < 0x10000 {
			b.WriteRune(bmpNorm[r])
		} else {
			b.WriteRune(normRune(r))
		}
	}
	return b.String()
}
