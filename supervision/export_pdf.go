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
// Debian ships are CFF-flavoured OpenType, which fpdf cannot embed.
//
//go:embed fonts/DroidSansFallbackFull.ttf
var cjkFont []byte

// MonthlyReportPDF renders a report for printing: A4, the Chinese font
// embedded, the figures, the decisions by stage, the twelve-month trend as
// a chart with its data table, the office's analysis, and page numbers.
func MonthlyReportPDF(r MonthlyReport) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes("cjk", "", cjkFont)
	p.SetMargins(20, 20, 20)
	p.SetAutoPageBreak(true, 20)
	p.AliasNbPages("{nb}")
	p.SetTitle(reportTitle(r), true)
	p.SetCreator("canyu", true)
	p.SetFooterFunc(func() {
		p.SetY(-14)
		p.SetFont("cjk", "", 9)
		p.SetTextColor(90, 90, 90)
		p.CellFormat(0, 6, fmt.Sprintf("第 %d 页 共 {nb} 页", p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetTextColor(0, 0, 0)
	p.SetFont("cjk", "", 18)
	p.MultiCell(0, 10, reportTitle(r), "", "C", false)
	p.SetFont("cjk", "", 10)
	status := "草稿（未通报）"
	if r.Issued() && r.IssuedAt != nil {
		status = "已通报  " + r.IssuedAt.In(shanghaiLoc()).Format("2006年1月2日")
	}
	p.CellFormat(0, 7, status+"    数据生成于 "+r.GeneratedAt.In(shanghaiLoc()).Format("2006年1月2日 15:04"), "", 1, "C", false, 0, "")
	p.Ln(3)

	heading(p, "一、主要数据")
	table(p, [2]string{"项目", "数量"}, r.Figures.Rows())
	heading(p, "二、决策事项所处阶段")
	table(p, [2]string{"阶段", "事项数"}, r.Figures.StageRows())

	heading(p, "三、近十二个月趋势")
	trendChart(p, r.Figures.Trend)
	trendTable(p, r.Figures.Trend)

	for _, sec := range []struct{ title, text string }{{"四、分析原因", r.Analysis}, {"五、薄弱环节", r.WeakLinks},
		{"六、改进措施", r.Measures}} {
		heading(p, sec.title)
		p.SetFont("cjk", "", 11)
		text := strings.TrimSpace(sec.text)
		if text == "" {
			text = "（尚未填写）"
		}
		p.MultiCell(0, 7, text, "", "L", false)
		p.Ln(2)
	}
	if r.ContentHash != nil {
		p.Ln(4)
		p.SetFont("cjk", "", 8)
		p.SetTextColor(90, 90, 90)
		p.MultiCell(0, 5, "本报告通报后内容固定，平台以电子签名存证。存证摘要（SHA-256）："+*r.ContentHash, "", "L", false)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, errs.Internal(err)
	}
	return buf.Bytes(), nil
}

func reportTitle(r MonthlyReport) string {
	return r.Figures.ScopeName + r.Month.Format("2006年1月") + "法治政府建设月报告"
}

func heading(p *fpdf.Fpdf, s string) {
	p.Ln(2)
	p.SetFont("cjk", "", 13)
	p.CellFormat(0, 9, s, "", 1, "L", false, 0, "")
}

func table(p *fpdf.Fpdf, head [2]string, rows []FigureRow) {
	w1, w2 := 120.0, 50.0
	p.SetFont("cjk", "", 10)
	p.SetFillColor(230, 236, 245)
	p.CellFormat(w1, 7, head[0], "1", 0, "L", true, 0, "")
	p.CellFormat(w2, 7, head[1], "1", 1, "R", true, 0, "")
	for _, r := range rows {
		p.CellFormat(w1, 7, r.Label, "1", 0, "L", false, 0, "")
		p.CellFormat(w2, 7, r.Value, "1", 1, "R", false, 0, "")
	}
}

// trendChart draws the monthly comments received as bars, with the
// adoption rate as a line on its own scale.
func trendChart(p *fpdf.Fpdf, trend []TrendPoint) {
	if len(trend) == 0 {
		return
	}
	if p.GetY() > 200 {
		p.AddPage()
	}
	x0, y0, w, h := 30.0, p.GetY()+4, 150.0, 55.0
	maxV := 1
	for _, t := range trend {
		if t.CommentsReceived > maxV {
			maxV = t.CommentsReceived
		}
	}
	p.SetDrawColor(120, 120, 120)
	p.Line(x0, y0+h, x0+w, y0+h)
	p.Line(x0, y0, x0, y0+h)
	p.SetFont("cjk", "", 7)
	p.SetXY(x0-12, y0-2)
	p.CellFormat(11, 4, fmt.Sprintf("%d", maxV), "", 0, "R", false, 0, "")
	p.SetXY(x0-12, y0+h-2)
	p.CellFormat(11, 4, "0", "", 0, "R", false, 0, "")
	slot := w / float64(len(trend))
	var prevX, prevY float64
	for i, t := range trend {
		bh := h * float64(t.CommentsReceived) / float64(maxV)
		bx := x0 + float64(i)*slot + slot*0.2
		p.SetFillColor(30, 90, 160)
		p.Rect(bx, y0+h-bh, slot*0.6, bh, "F")
		p.SetXY(x0+float64(i)*slot, y0+h+1)
		p.CellFormat(slot, 4, t.Month[5:]+"月", "", 0, "C", false, 0, "")
		lx, ly := bx+slot*0.3, y0+h-h*t.AdoptionRate
		p.SetDrawColor(200, 80, 20)
		p.SetFillColor(200, 80, 20)
		p.Circle(lx, ly, 0.8, "F")
		if i > 0 {
			p.Line(prevX, prevY, lx, ly)
		}
		prevX, prevY = lx, ly
	}
	p.SetXY(x0, y0+h+6)
	p.SetFont("cjk", "", 8)
	p.SetFillColor(30, 90, 160)
	p.Rect(x0, y0+h+7, 4, 3, "F")
	p.SetX(x0 + 5)
	p.CellFormat(40, 5, "收到公众意见（条，柱）", "", 0, "L", false, 0, "")
	p.SetFillColor(200, 80, 20)
	p.Rect(x0+50, y0+h+7, 4, 3, "F")
	p.SetX(x0 + 55)
	p.CellFormat(60, 5, "意见采纳率（折线，0–100%）", "", 1, "L", false, 0, "")
	p.SetDrawColor(0, 0, 0)
	p.Ln(3)
}

func trendTable(p *fpdf.Fpdf, trend []TrendPoint) {
	heads := []string{"月份", "收到意见", "答复意见", "采纳率", "开始征求意见", "作出审查意见"}
	ws := []float64{26, 28, 28, 26, 31, 31}
	p.SetFont("cjk", "", 9)
	p.SetFillColor(230, 236, 245)
	for i, h := range heads {
		p.CellFormat(ws[i], 7, h, "1", 0, "C", true, 0, "")
	}
	p.Ln(-1)
	for _, t := range trend {
		m, _ := time.Parse("2006-01", t.Month)
		cells := []string{m.Format("2006年1月"), fmt.Sprint(t.CommentsReceived), fmt.Sprint(t.CommentsAnswered),
			fmt.Sprintf("%.1f%%", t.AdoptionRate*100), fmt.Sprint(t.ConsultationsOpened), fmt.Sprint(t.ReviewsConcluded)}
		for i, c := range cells {
			p.CellFormat(ws[i], 6.5, c, "1", 0, "C", false, 0, "")
		}
		p.Ln(-1)
	}
}
