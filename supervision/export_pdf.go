package supervision

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/canyu-gov/canyu/internal/errs"
)

// cjkFont is Droid Sans Fallback (Apache License 2.0, from Debian's
// fonts-droid-fallback): a TrueType font with the CJK glyphs, embedded so
// that a printed report looks the same on every server. fpdf subsets it,
// so a report carries only the glyphs it uses. The Noto CJK fonts
// Debian ships are CFF-flavoured OpenType, which fpdf cannot embed. It has
// no Latin letters or digits: those are set in the PDF's standard
// Helvetica (see runs), which every reader has.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFont []byte

// MonthlyReportPDF renders a report for printing: A4, the Chinese font
// embedded, the figures, the decisions by stage, the twelve-month trend as
// a chart with its data table, the office's analysis, and page numbers.
func MonthlyReportPDF(r MonthlyReport) ([]byte, error) {
	// Rendered twice: the first pass counts the pages for "共 N 页" (fpdf's
	// page-count alias would be measured as its placeholder, off-centre).
	pages := renderReport(r, 0).PageCount()
	var buf bytes.Buffer
	if err := renderReport(r, pages).Output(&buf); err != nil {
		return nil, errs.Internal(err)
	}
	return buf.Bytes(), nil
}

func renderReport(r MonthlyReport, pages int) *fpdf.Fpdf {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("cjk", "", cjkFont)
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 20)
	p.SetTitle(reportTitle(r), true)
	p.SetCreator("canyu", true)
	t := &pdfText{p: p}
	p.SetFooterFunc(func() {
		// The footer runs inside a page break in the middle of a paragraph:
		// the paragraph goes on at its own size.
		size := t.size
		defer func() { t.size = size }()
		p.SetY(-14)
		p.SetTextColor(90, 90, 90)
		t.setSize(9)
		t.cell(0, 6, fmt.Sprintf("第 %d 页 共 %d 页", p.PageNo(), pages), "", 1, "C", false)
		p.SetTextColor(0, 0, 0)
	})
	p.AddPage()
	t.setSize(18)
	t.cell(0, 12, reportTitle(r), "", 1, "C", false)
	t.setSize(10)
	status := "草稿（未通报）"
	if r.Issued() && r.IssuedAt != nil {
		status = issuerName(r) + " " + r.IssuedAt.In(shanghaiLoc()).Format("2006年1月2日") + "通报"
	}
	t.cell(0, 7, status+"    数据生成于 "+r.GeneratedAt.In(shanghaiLoc()).Format("2006年1月2日 15:04"), "", 1, "C", false)
	if r.Figures.Coverage != "" {
		t.cell(0, 7, "统计范围："+r.Figures.Coverage, "", 1, "C", false)
	}
	// The certification goes under the title, not after the last section,
	// where it used to fall alone onto a page of its own.
	if r.ContentHash != nil {
		p.SetTextColor(90, 90, 90)
		t.setSize(8)
		t.cell(0, 5, "本报告通报后内容固定，平台以电子签名存证，存证校验值："+*r.ContentHash, "", 1, "C", false)
		p.SetTextColor(0, 0, 0)
	}
	p.Ln(3)

	heading(t, "一、主要数据", 7*4)
	table(t, [2]string{"项目", "数量"}, r.Figures.Rows())
	stages := r.Figures.StageRows()
	heading(t, "二、决策事项所处阶段", 7*float64(len(stages)+1))
	table(t, [2]string{"阶段", "事项数"}, stages)

	heading(t, "三、近十二个月趋势", chartHeight)
	trendChart(t, r.Figures.Trend)
	trendTable(t, r.Figures.Trend)

	for _, sec := range []struct{ title, text string }{{"四、分析原因", r.Analysis}, {"五、薄弱环节", r.WeakLinks},
		{"六、改进措施", r.Measures}} {
		text := strings.TrimSpace(sec.text)
		if text == "" {
			text = "（尚未填写）"
		}
		t.setSize(11)
		// A heading stays with its text (as much of it as a page holds).
		heading(t, sec.title, min(7*float64(t.lines(text, contentWidth)), 60))
		t.setSize(11)
		t.para(7, text)
		p.Ln(2)
	}
	return p
}

// Page geometry (A4, 20 mm margins): content from y 20 to 277 mm.
const (
	pageBottom   = 277.0
	contentWidth = 170.0
	chartHeight  = 75.0
)

// ensure starts a new page unless need millimetres fit below the cursor.
func ensure(t *pdfText, need float64) {
	if t.p.GetY()+need > pageBottom {
		t.p.AddPage()
	}
}

// issuerName is the office that issues the report: a district's report is
// its district's office's.
func issuerName(r MonthlyReport) string {
	if r.Scope == ScopeDistrict {
		return r.Figures.ScopeName + "法治政府建设领导小组办公室"
	}
	return "法治政府建设领导小组办公室"
}

func reportTitle(r MonthlyReport) string {
	return r.Figures.ScopeName + r.Month.Format("2006年1月") + "法治政府建设月报告"
}

// heading sets a section title, on a new page unless it and the first
// need millimetres of what follows fit on this one.
func heading(t *pdfText, s string, need float64) {
	t.p.Ln(2)
	ensure(t, 9+need)
	t.setSize(13)
	t.cell(0, 9, s, "", 1, "L", false)
}

// table draws a two-column table; a short one is kept on one page, a long
// one repeats its header row on each page it continues on.
func table(t *pdfText, head [2]string, rows []FigureRow) {
	const rowH = 7.0
	w1, w2 := 120.0, 50.0
	header := func() {
		t.setSize(10)
		t.p.SetFillColor(230, 236, 245)
		t.cell(w1, rowH, head[0], "1", 0, "L", true)
		t.cell(w2, rowH, head[1], "1", 1, "R", true)
	}
	if all := rowH * float64(len(rows)+1); all <= 100 {
		ensure(t, all)
	} else {
		ensure(t, rowH*4)
	}
	header()
	for _, r := range rows {
		if t.p.GetY()+rowH > pageBottom {
			t.p.AddPage()
			header()
		}
		t.cell(w1, rowH, r.Label, "1", 0, "L", false)
		t.cell(w2, rowH, r.Value, "1", 1, "R", false)
	}
}

// trendChart draws the monthly comments received as bars, with the
// adoption rate as a line on its own scale (0 to 100%).
func trendChart(t *pdfText, trend []MonthlyTrendPoint) {
	p := t.p
	if len(trend) == 0 {
		return
	}
	ensure(t, chartHeight)
	x0, y0, w, h := 32.0, p.GetY()+4, 148.0, 55.0
	maxV := 1
	for _, tp := range trend {
		if tp.CommentsReceived > maxV {
			maxV = tp.CommentsReceived
		}
	}
	// An even top, so the half-way guide is a whole number of comments.
	if maxV > 1 && maxV%2 == 1 {
		maxV++
	}
	p.SetDrawColor(120, 120, 120)
	p.Line(x0, y0+h, x0+w, y0+h)
	p.Line(x0, y0, x0, y0+h)
	t.setSize(7)
	p.SetXY(x0-14, y0-2)
	t.cell(12, 4, fmt.Sprintf("%d", maxV), "", 0, "R", false)
	p.SetXY(x0-14, y0+h-2)
	t.cell(12, 4, "0", "", 0, "R", false)
	// The rate's own scale on the right.
	p.Line(x0+w, y0, x0+w, y0+h)
	p.SetTextColor(200, 80, 20)
	p.SetXY(x0+w+1, y0-2)
	t.cell(12, 4, "100%", "", 0, "L", false)
	p.SetXY(x0+w+1, y0+h/2-2)
	t.cell(12, 4, "50%", "", 0, "L", false)
	p.SetXY(x0+w+1, y0+h-2)
	t.cell(12, 4, "0%", "", 0, "L", false)
	p.SetTextColor(0, 0, 0)
	if maxV >= 2 {
		p.SetXY(x0-14, y0+h/2-2)
		t.cell(12, 4, fmt.Sprintf("%d", maxV/2), "", 0, "R", false)
	}
	// Light guides at the half and the top.
	p.SetDrawColor(220, 220, 220)
	p.Line(x0, y0+h/2, x0+w, y0+h/2)
	p.Line(x0, y0, x0+w, y0)
	p.SetDrawColor(120, 120, 120)
	slot := w / float64(len(trend))
	prevX, prevY := 0.0, 0.0
	for i, tp := range trend {
		bh := h * float64(tp.CommentsReceived) / float64(maxV)
		bx := x0 + float64(i)*slot + slot*0.2
		p.SetFillColor(30, 90, 160)
		p.Rect(bx, y0+h-bh, slot*0.6, bh, "F")
		p.SetXY(x0+float64(i)*slot, y0+h+1)
		m, _ := time.Parse("2006-01", tp.Month)
		t.cell(slot, 4, m.Format("1月"), "", 0, "C", false)
		// A month with no comment answered has no rate: no point, and the
		// line breaks there rather than dropping to 0%.
		if tp.CommentsAnswered == 0 {
			prevX = 0
			continue
		}
		lx, ly := bx+slot*0.3, y0+h-h*tp.AdoptionRate
		p.SetDrawColor(200, 80, 20)
		p.SetFillColor(200, 80, 20)
		p.Circle(lx, ly, 0.8, "F")
		if prevX != 0 {
			p.Line(prevX, prevY, lx, ly)
		}
		prevX, prevY = lx, ly
	}
	t.setSize(8)
	p.SetFillColor(30, 90, 160)
	p.Rect(x0, y0+h+7.5, 4, 3, "F")
	p.SetXY(x0+5, y0+h+6)
	t.cell(45, 6, "收到公众意见（条，柱）", "", 0, "L", false)
	p.SetFillColor(200, 80, 20)
	p.Rect(x0+52, y0+h+7.5, 4, 3, "F")
	p.SetXY(x0+57, y0+h+6)
	t.cell(60, 6, "意见采纳率（折线，右侧刻度）", "", 1, "L", false)
	p.SetDrawColor(0, 0, 0)
	p.Ln(3)
}

func trendTable(t *pdfText, trend []MonthlyTrendPoint) {
	heads := []string{"月份", "收到意见", "答复意见", "采纳率", "开始征求意见", "作出审查意见"}
	ws := []float64{26, 28, 28, 26, 31, 31}
	ensure(t, 7+6.5*float64(len(trend)))
	t.setSize(9)
	t.p.SetFillColor(230, 236, 245)
	for i, h := range heads {
		ln := 0
		if i == len(heads)-1 {
			ln = 1
		}
		t.cell(ws[i], 7, h, "1", ln, "C", true)
	}
	for _, tp := range trend {
		m, _ := time.Parse("2006-01", tp.Month)
		cells := []string{m.Format("2006年1月"), fmt.Sprint(tp.CommentsReceived), fmt.Sprint(tp.CommentsAnswered),
			ratePercent(tp.AdoptionRate, tp.CommentsAnswered), fmt.Sprint(tp.ConsultationsOpened), fmt.Sprint(tp.ReviewsConcluded)}
		for i, c := range cells {
			ln := 0
			if i == len(cells)-1 {
				ln = 1
			}
			t.cell(ws[i], 6.5, c, "1", ln, "C", false)
		}
	}
}
