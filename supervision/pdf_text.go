package supervision

import (
	"math"
	"strings"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// run is a stretch of text set in one font: ASCII in Helvetica, the rest
// in the embedded CJK font.
type run struct {
	latin bool
	text  string
}

func runs(s string) []run {
	var out []run
	for _, r := range s {
		latin := r < utf8.RuneSelf
		if n := len(out); n > 0 && out[n-1].latin == latin {
			out[n-1].text += string(r)
			continue
		}
		out = append(out, run{latin, string(r)})
	}
	return out
}

// pdfText sets mixed Chinese and Latin text at one size.
type pdfText struct {
	p    *fpdf.Fpdf
	size float64
}

func (t *pdfText) font(latin bool) {
	if latin {
		t.p.SetFont("Helvetica", "", t.size)
	} else {
		t.p.SetFont("cjk", "", t.size)
	}
}

// setSize sets the size in points for the following text.
func (t *pdfText) setSize(pt float64) {
	t.size = pt
	t.font(false)
}

func (t *pdfText) width(s string) float64 {
	w := 0.0
	for _, r := range runs(s) {
		t.font(r.latin)
		w += t.p.GetStringWidth(r.text)
	}
	return w
}

// cell draws a box of width w and height h with s aligned in it ("L", "C"
// or "R"), like fpdf's CellFormat; ln 1 moves to the next line.
func (t *pdfText) cell(w, h float64, s, border string, ln int, align string, fill bool) {
	x, y := t.p.GetXY()
	if w == 0 {
		_, _, r, _ := t.p.GetMargins()
		pw, _ := t.p.GetPageSize()
		w = pw - r - x
	}
	t.p.CellFormat(w, h, "", border, 0, "", fill, 0, "")
	tw := t.width(s)
	pad := 1.5
	tx := x + pad
	switch align {
	case "R":
		tx = x + w - pad - tw
	case "C":
		tx = x + (w-tw)/2
	}
	_, unit := t.p.GetFontSize()
	baseline := y + h/2 + unit*0.35
	for _, r := range runs(s) {
		t.font(r.latin)
		t.p.Text(tx, baseline, r.text)
		tx += t.p.GetStringWidth(r.text)
	}
	if ln == 1 {
		l, _, _, _ := t.p.GetMargins()
		t.p.SetXY(l, y+h)
	} else {
		t.p.SetXY(x+w, y)
	}
}

// para flows s as a paragraph from the left margin, wrapping at the right
// margin, with line height h. Lines are broken here rather than by fpdf,
// which breaks anywhere: no line begins with a closing mark (，。、… ,
// GB/T 15834) or ends with an opening one, and a run of Latin letters or
// digits ("12345", "91.7%", "Excel") is not cut in two.
func (t *pdfText) para(h float64, s string) {
	l, _, r, _ := t.p.GetMargins()
	pw, _ := t.p.GetPageSize()
	// fpdf's Write wraps past the width less its cell margins; stay inside.
	avail := pw - l - r - 2*t.p.GetCellMargin() - 0.01
	for _, paragraph := range strings.Split(s, "\n") {
		for _, line := range t.breakLines(paragraph, avail) {
			for _, r := range runs(line) {
				t.font(r.latin)
				t.p.Write(h, r.text)
			}
			t.p.Ln(h)
		}
	}
}

// noLineStart are the marks a line may not begin with, noLineEnd those it
// may not end with.
const (
	noLineStart = "，。、；：？！）》」』】〕〉”’…—·%,.;:!?)]}"
	noLineEnd   = "（《「『【〔〈“‘([{"
)

// latinWord reports whether r belongs to a run that is not broken: any
// ASCII character but the space.
func latinWord(r rune) bool { return r < utf8.RuneSelf && r != ' ' }

// breakLines cuts one paragraph into lines no wider than w.
func (t *pdfText) breakLines(s string, w float64) []string {
	widths := map[rune]float64{}
	width := func(r rune) float64 {
		if v, ok := widths[r]; ok {
			return v
		}
		widths[r] = t.width(string(r))
		return widths[r]
	}
	var lines []string
	var cur []rune
	curW := 0.0
	for _, r := range s {
		rw := width(r)
		if curW+rw <= w || len(cur) == 0 {
			cur, curW = append(cur, r), curW+rw
			continue
		}
		k := len(cur) // the next line starts with cur[k:] and r
		if latinWord(r) {
			j := k
			for j > 0 && latinWord(cur[j-1]) {
				j--
			}
			if j > 0 {
				k = j
			}
		}
		next := func() rune {
			if k < len(cur) {
				return cur[k]
			}
			return r
		}
		for k > 1 && (strings.ContainsRune(noLineStart, next()) || strings.ContainsRune(noLineEnd, cur[k-1])) {
			k--
		}
		lines = append(lines, strings.TrimRight(string(cur[:k]), " "))
		rest := append(append([]rune{}, cur[k:]...), r)
		for len(rest) > 1 && rest[0] == ' ' {
			rest = rest[1:]
		}
		cur, curW = rest, 0
		for _, c := range cur {
			curW += width(c)
		}
	}
	return append(lines, string(cur))
}

// lines estimates how many lines s takes at the current size in a column
// w millimetres wide (each paragraph at least one).
func (t *pdfText) lines(s string, w float64) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n += max(1, int(math.Ceil(t.width(l)/w)))
	}
	return n
}
