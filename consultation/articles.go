package consultation

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Article is one commentable unit of a draft version: a 条 of a regulation-style
// draft, a 一、 section of a notice, a numbered paragraph of a plan, or a plain
// paragraph when the draft has no markers at all.
type Article struct {
	// Number is the article's position in the version, 1..N in reading order.
	// It is not the number written in the label: a draft that skips a number or
	// inserts 第十一条之一 is still numbered 1..N.
	Number int `json:"number"`
	// Label is the marker as written at the start of Text: "第三条",
	// "第十一条之一", "三、", "3.", "（3）"; empty for plain paragraphs.
	Label string `json:"label"`
	// Heading is the chapter (and section) heading the article falls under,
	// e.g. "第二章 分类投放" or "第三章 监督管理 / 第一节 日常检查"; empty if none.
	Heading string `json:"heading"`
	// Text is the article's full text including its label and sub-items,
	// trimmed; it is always a substring of the normalised draft text.
	Text string `json:"text"`
}

// Draft is a draft text split into its preamble and its articles.
type Draft struct {
	// Preamble is the text before the first chapter heading or article: the
	// title, the issuing body, an introductory paragraph. It is not commentable
	// per article, only as part of the whole draft.
	Preamble string `json:"preamble"`
	// Articles are the draft's articles in reading order, numbered 1..N.
	Articles []Article `json:"articles"`
}

// SplitArticles splits a draft text into its articles; it is SplitDraft(text).Articles.
func SplitArticles(text string) []Article {
	return SplitDraft(text).Articles
}

// SplitDraft splits a draft text into its preamble and articles. The text is
// first normalised (BOM and zero-width characters dropped, CRLF and CR turned into
// LF, every line trimmed including full-width spaces, runs of blank lines
// collapsed into one). The article markers tried, in order, each at a line start:
//
//  1. 第X条 (Chinese numerals or digits, also 第X条之一): the usual form of
//     办法, 规定, 条例 drafts. Lines 第X编/第X部分/第X章/第X节 are headings.
//  2. 一、二、 (at least two): notices and opinions (通知, 意见).
//  3. numbered paragraphs "（一）" "1." "1、" "（1）" "①" (at least two of one
//     family; the family seen first wins, so （1） items under 1. stay inside it).
//  4. none: every blank-line separated paragraph is an article (every line,
//     when the text has no blank line at all, as in a pasted Word document).
//
// Lines that follow a marker without starting a new one (（一）items, tables,
// the signature and date at the end) stay in that article. With markers, text
// before the first heading or article is the preamble; a heading line that is
// only "第二章" takes the next line as its title; any other text between a
// heading and the next article becomes an unlabelled article so that no part of
// the draft is lost to commenters.
func SplitDraft(text string) Draft {
	norm := normalizeText(text)
	d := Draft{Articles: []Article{}}
	if norm == "" {
		return d
	}
	lines := splitDraftLines(norm)
	if marker := pickMarker(lines); marker != nil {
		d = splitMarked(norm, lines, marker)
	} else {
		d.Articles = splitParagraphs(norm)
	}
	for i := range d.Articles {
		d.Articles[i].Number = i + 1
	}
	return d
}

// normalizeText puts a pasted or uploaded draft into the one form that splitting,
// anchors and the fuzz invariants rely on.
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = draftLineBreaks.Replace(s)
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := true // drops leading blank lines and collapses runs
	for _, l := range lines {
		l = strings.TrimFunc(l, unicode.IsSpace) // includes U+3000 and U+00A0
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	if n := len(out); n > 0 && out[n-1] == "" {
		out = out[:n-1]
	}
	return strings.Join(out, "\n")
}

// draftLineBreaks turns every line-break convention seen in pasted drafts into
// LF and drops the BOM and zero-width characters that Word and WPS leave behind.
var draftLineBreaks = strings.NewReplacer(
	"\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n", "\f", "\n", "\v", "\n",
	"\uFEFF", "", "\u200B", "", "\u200C", "", "\u200D", "", "\u2060", "",
)

// draftLine is one line of the normalised text with its byte offsets, so that an
// article's text can be cut out of the normalised text as one substring.
type draftLine struct {
	text       string
	start, end int
}

func splitDraftLines(norm string) []draftLine {
	var lines []draftLine
	start := 0
	for start <= len(norm) {
		end := strings.IndexByte(norm[start:], '\n')
		if end < 0 {
			end = len(norm)
		} else {
			end += start
		}
		lines = append(lines, draftLine{text: norm[start:end], start: start, end: end})
		start = end + 1
	}
	return lines
}

// articleNumerals are the characters of a written article or chapter number: Chinese
// numerals (with 〇 and 两 as they occur in practice), ASCII and full-width digits.
const articleNumerals = `零〇一二两三四五六七八九十百千0-9０-９`

var (
	articleMarker  = regexp.MustCompile(`^第[` + articleNumerals + `]+条(?:之[` + articleNumerals + `]+)?`)
	headingMarker  = regexp.MustCompile(`^第[` + articleNumerals + `]+(编|部分|章|节)`)
	sectionMarker  = regexp.MustCompile(`^[一二三四五六七八九十百零]+[、．.]`)
	numberedDotted = regexp.MustCompile(`^[0-9０-９]{1,3}[.．、]`)
	numberedParen  = regexp.MustCompile(`^[（(][0-9０-９]{1,3}[）)]`)
	numberedHan    = regexp.MustCompile(`^[（(][一二三四五六七八九十]+[）)]`)
	numberedCircle = regexp.MustCompile(`^[①-⑳]`)
)

// referenceFollowers are characters that, right after "第五条" or "第二章" at a
// line start, show a cross-reference in running text ("第五条规定的情形",
// "第五条第二款", "第三章至第五章") rather than a new article or heading.
const referenceFollowers = "的规、，,至和或及与中第之所项款"

// markerFunc returns the label a line starts with, or "" when it starts none.
type markerFunc func(string) string

func matchArticle(s string) string {
	label := articleMarker.FindString(s)
	if label == "" || followedByReference(s, label) {
		return ""
	}
	return label
}

func matchSection(s string) string {
	return sectionMarker.FindString(s)
}

func matchDotted(s string) string {
	label := numberedDotted.FindString(s)
	if label == "" {
		return ""
	}
	// "1.5亿元" starts with an amount, not a paragraph marker. ("3、4月份" is
	// left a marker: after 、 a digit is as often item 3 as "March and April".)
	if r, _ := utf8.DecodeRuneInString(s[len(label):]); isDecimalDigit(r) && !strings.HasSuffix(label, "、") {
		return ""
	}
	return label
}

func matchParen(s string) string    { return numberedParen.FindString(s) }
func matchParenHan(s string) string { return numberedHan.FindString(s) }
func matchCircle(s string) string   { return numberedCircle.FindString(s) }

func isDecimalDigit(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }

func followedByReference(s, label string) bool {
	r, _ := utf8.DecodeRuneInString(s[len(label):])
	return strings.ContainsRune(referenceFollowers, r)
}

// Heading levels: 编 or 部分, 章, 节. A new heading clears the levels below it.
const headingLevels = 3

// maxHeadingRunes bounds a heading line: a longer line, or one with a full stop,
// that happens to start with 第二部分 is running text.
const maxHeadingRunes = 40

// matchHeading reports a chapter-like heading line: its level and its marker.
func matchHeading(s string) (level int, marker string, ok bool) {
	m := headingMarker.FindStringSubmatch(s)
	if m == nil || followedByReference(s, m[0]) ||
		utf8.RuneCountInString(s) > maxHeadingRunes || strings.Contains(s, "。") {
		return 0, "", false
	}
	switch m[1] {
	case "章":
		level = 1
	case "节":
		level = 2
	}
	return level, m[0], true
}

// pickMarker chooses the article marker of a draft, or nil for plain paragraphs.
func pickMarker(lines []draftLine) markerFunc {
	if countMarked(lines, matchArticle) >= 1 {
		return matchArticle
	}
	if countMarked(lines, matchSection) >= 2 {
		return matchSection
	}
	var best markerFunc
	bestFirst := len(lines)
	for _, m := range []markerFunc{matchParenHan, matchDotted, matchParen, matchCircle} {
		first := -1
		n := 0
		for i, l := range lines {
			if m(l.text) != "" {
				if first < 0 {
					first = i
				}
				n++
			}
		}
		if n >= 2 && first < bestFirst {
			best, bestFirst = m, first
		}
	}
	return best
}

func countMarked(lines []draftLine, m markerFunc) int {
	n := 0
	for _, l := range lines {
		if _, _, isHeading := matchHeading(l.text); !isHeading && m(l.text) != "" {
			n++
		}
	}
	return n
}

// splitMarked cuts the normalised text at the lines that start with marker.
func splitMarked(norm string, lines []draftLine, marker markerFunc) Draft {
	d := Draft{Articles: []Article{}}
	var (
		headings   [headingLevels]string
		bare       = -1 // level of a heading written without title, awaiting it
		structured bool // a heading or article has been seen: no more preamble
		preamble   []string
		open       *Article
		openStart  int
		openEnd    int
	)
	flush := func() {
		if open != nil {
			open.Text = strings.TrimSpace(norm[openStart:openEnd])
			d.Articles = append(d.Articles, *open)
			open = nil
		}
	}
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		if level, m, ok := matchHeading(l.text); ok {
			flush()
			structured = true
			headings[level] = tidyHeading(m, l.text[len(m):])
			for k := level + 1; k < headingLevels; k++ {
				headings[k] = ""
			}
			bare = -1
			if l.text == m {
				bare = level
			}
			continue
		}
		if label := marker(l.text); label != "" {
			flush()
			structured = true
			bare = -1
			open = &Article{Label: label, Heading: joinHeadings(headings)}
			openStart, openEnd = l.start, l.end
			continue
		}
		switch {
		case bare >= 0:
			headings[bare] = tidyHeading(headings[bare], l.text)
			bare = -1
		case open != nil:
			openEnd = l.end
		case !structured:
			preamble = append(preamble, l.text)
		default:
			// Text between a heading and the next article: keep it commentable.
			open = &Article{Heading: joinHeadings(headings)}
			openStart, openEnd = l.start, l.end
		}
	}
	flush()
	d.Preamble = strings.Join(preamble, "\n")
	return d
}

// tidyHeading writes a heading as "第一章 总则": one space after the marker,
// and the typographic spaces of "总　则" removed between Chinese characters.
func tidyHeading(marker, title string) string {
	title = strings.TrimLeft(strings.TrimSpace(title), ":：、.．")
	var b strings.Builder
	var prev rune
	pendingSpace := false
	for _, r := range title {
		if unicode.IsSpace(r) {
			pendingSpace = true
			continue
		}
		if pendingSpace && !(unicode.Is(unicode.Han, prev) && unicode.Is(unicode.Han, r)) {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
		prev = r
	}
	if b.Len() == 0 {
		return marker
	}
	return marker + " " + b.String()
}

func joinHeadings(h [headingLevels]string) string {
	parts := make([]string, 0, headingLevels)
	for _, s := range h {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " / ")
}

// splitParagraphs makes every blank-line separated paragraph an article, or
// every line when the text has no blank line (a Word paste: one line per paragraph).
func splitParagraphs(norm string) []Article {
	sep := "\n\n"
	if !strings.Contains(norm, sep) {
		sep = "\n"
	}
	paras := strings.Split(norm, sep)
	arts := make([]Article, 0, len(paras))
	for _, p := range paras {
		if p = strings.TrimSpace(p); p != "" {
			arts = append(arts, Article{Text: p})
		}
	}
	return arts
}
