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
// margin, with line height h.
func (t *pdfText) para(h float64, s string) {
	for _, r := range runs(s) {
		t.font(r.latin)
		t.p.Write(h, r.text)
	}
	t.p.Ln(h)
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
