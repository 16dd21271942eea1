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
		status = "已通报 " + r.IssuedAt.In(shanghaiLoc()).Format("2006年1月2日")
	}
	t.cell(0, 7, status+"    数据生成于 "+r.GeneratedAt.In(shanghaiLoc()).Format("2006年1月2日 15:04"), "", 1, "C", false)
	p.Ln(3)

	heading(t, "一、主要数据")
	table(t, [2]string{"项目", "数量"}, r.Figures.Rows())
	heading(t, "二、决策事项所处阶段")
	table(t, [2]string{"阶段", "事项数"}, r.Figures.StageRows())

	heading(t, "三、近十二个月趋势")
	trendChart(t, r.Figures.Trend)
	trendTable(t, r.Figures.Trend)

	for _, sec := range []struct{ title, text string }{{"四、分析原因", r.Analysis}, {"五、薄弱环节", r.WeakLinks},
		{"六、改进措施", r.Measures}} {
		heading(t, sec.title)
		t.setSize(11)
		text := strings.TrimSpace(sec.text)
		if text == "" {
			text = "（尚未填写）"
		}
		t.para(7, text)
		p.Ln(2)
	}
	if r.ContentHash != nil {
		p.Ln(4)
		p.SetTextColor(90, 90, 90)
		t.setSize(8)
		t.para(5, "本报告通报后内容固定，平台以电子签名存证。存证摘要（SHA-256）："+*r.ContentHash)
	}
	return p
}

func reportTitle(r MonthlyReport) string {
	return r.Figures.ScopeName + r.Month.Format("2006年1月") + "法治政府建设月报告"
}

func heading(t *pdfText, s string) {
	t.p.Ln(2)
	if t.p.GetY() > 260 {
		t.p.AddPage()
	}
	t.setSize(13)
	t.cell(0, 9, s, "", 1, "L", false)
}

func table(t *pdfText, head [2]string, rows []FigureRow) {
	w1, w2 := 120.0, 50.0
	t.setSize(10)
	t.p.SetFillColor(230, 236, 245)
	t.cell(w1, 7, head[0], "1", 0, "L", true)
	t.cell(w2, 7, head[1], "1", 1, "R", true)
	for _, r := range rows {
		if t.p.GetY() > 270 {
			t.p.AddPage()
		}
		t.cell(w1, 7, r.Label, "1", 0, "L", false)
		t.cell(w2, 7, r.Value, "1", 1, "R", false)
	}
}

// trendChart draws the monthly comments received as bars, with the
// adoption rate as a line on its own scale (0 to 100%).
func trendChart(t *pdfText, trend []MonthlyTrendPoint) {
	p := t.p
	if len(trend) == 0 {
		return
	}
	if p.GetY() > 190 {
		p.AddPage()
	}
	x0, y0, w, h := 32.0, p.GetY()+4, 148.0, 55.0
	maxV := 1
	for _, tp := range trend {
		if tp.CommentsReceived > maxV {
			maxV = tp.CommentsReceived
		}
	}
	p.SetDrawColor(120, 120, 120)
	p.Line(x0, y0+h, x0+w, y0+h)
	p.Line(x0, y0, x0, y0+h)
	t.setSize(7)
	p.SetXY(x0-14, y0-2)
	t.cell(12, 4, fmt.Sprintf("%d", maxV), "", 0, "R", false)
	p.SetXY(x0-14, y0+h-2)
	t.cell(12, 4, "0", "", 0, "R", false)
	slot := w / float64(len(trend))
	var prevX, prevY float64
	for i, tp := range trend {
		bh := h * float64(tp.CommentsReceived) / float64(maxV)
		bx := x0 + float64(i)*slot + slot*0.2
		p.SetFillColor(30, 90, 160)
		p.Rect(bx, y0+h-bh, slot*0.6, bh, "F")
		p.SetXY(x0+float64(i)*slot, y0+h+1)
		m, _ := time.Parse("2006-01", tp.Month)
		t.cell(slot, 4, m.Format("1月"), "", 0, "C", false)
		lx, ly := bx+slot*0.3, y0+h-h*tp.AdoptionRate
		p.SetDrawColor(200, 80, 20)
		p.SetFillColor(200, 80, 20)
		p.Circle(lx, ly, 0.8, "F")
		if i > 0 {
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
	t.cell(60, 6, "意见采纳率（折线，0至100%）", "", 1, "L", false)
	p.SetDrawColor(0, 0, 0)
	p.Ln(3)
}

func trendTable(t *pdfText, trend []MonthlyTrendPoint) {
	heads := []string{"月份", "收到意见", "答复意见", "采纳率", "开始征求意见", "作出审查意见"}
	ws := []float64{26, 28, 28, 26, 31, 31}
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
			fmt.Sprintf("%.1f%%", tp.AdoptionRate*100), fmt.Sprint(tp.ConsultationsOpened), fmt.Sprint(tp.ReviewsConcluded)}
		for i, c := range cells {
			ln := 0
			if i == len(cells)-1 {
				ln = 1
			}
			t.cell(ws[i], 6.5, c, "1", ln, "C", false)
		}
	}
}
