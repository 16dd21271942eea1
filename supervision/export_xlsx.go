package supervision

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/internal/errs"
)

// MonthlyReportXLSX is the report as a workbook: the figures, the stages,
// the trend, and the office's analysis, one sheet each.
func MonthlyReportXLSX(r MonthlyReport) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	write := func(sheet string, rows [][]any) error {
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(sheet, cell, &row); err != nil {
				return err
			}
		}
		return f.SetColWidth(sheet, "A", "A", 40)
	}
	if err := f.SetSheetName("Sheet1", "主要数据"); err != nil {
		return nil, errs.Internal(err)
	}
	main := [][]any{{reportTitle(r)}}
	if r.Figures.Coverage != "" {
		main = append(main, []any{"统计范围", r.Figures.Coverage})
	}
	main = append(main, []any{"项目", "数量"})
	for _, row := range r.Figures.Rows() {
		main = append(main, []any{row.Label, figureCell(row.Value)})
	}
	stages := [][]any{{"阶段", "事项数"}}
	for _, row := range r.Figures.StageRows() {
		stages = append(stages, []any{row.Label, figureCell(row.Value)})
	}
	trend := [][]any{{"月份", "收到意见", "答复意见", "采纳率", "开始征求意见", "作出审查意见"}}
	for _, t := range r.Figures.Trend {
		trend = append(trend, []any{t.Month, t.CommentsReceived, t.CommentsAnswered, ratePercent(t.AdoptionRate, t.CommentsAnswered),
			t.ConsultationsOpened, t.ReviewsConcluded})
	}
	analysis := [][]any{{"分析原因", r.Analysis}, {"薄弱环节", r.WeakLinks}, {"改进措施", r.Measures}}
	sheets := []struct {
		name string
		rows [][]any
	}{{"主要数据", main}, {"决策阶段", stages}, {"十二个月趋势", trend}, {"分析与措施", analysis}}
	for i, sh := range sheets {
		if i > 0 {
			if _, err := f.NewSheet(sh.name); err != nil {
				return nil, errs.Internal(err)
			}
		}
		if err := write(sh.name, sh.rows); err != nil {
			return nil, errs.Internal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Internal(err)
	}
	return buf.Bytes(), nil
}

// figureCell is a figure as the workbook stores it: a count or an average
// as a number the office can add up and chart, anything else ("无",
// "50.0%") as the text the page shows.
func figureCell(v string) any {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if x, err := strconv.ParseFloat(v, 64); err == nil {
		return x
	}
	return v
}

// AssessmentXLSX is the year-end assessment as a workbook: one row per
// department and indicator, the computed and the adjusted score with its
// reason, and the decisions or problems each line counted.
func AssessmentXLSX(a Assessment) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := fmt.Sprintf("%d年度依法行政考核", a.Year)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, errs.Internal(err)
	}
	rows := [][]any{{"单位", "指标", "权重", "达标", "应计", "比例", "得分", "计算总分", "调整后总分", "调整理由", "统计的决策事项或问题编号"}}
	for _, d := range a.Departments {
		for _, l := range d.Lines {
			var adjusted any = ""
			if d.Adjusted != nil {
				adjusted = *d.Adjusted
			}
			ids := l.DecisionIDs
			if len(l.ProblemIDs) > 0 {
				ids = l.ProblemIDs
			}
			rows = append(rows, []any{d.AgencyName, l.Indicator.Title, l.Indicator.Weight, l.Numerator, l.Denominator,
				fmt.Sprintf("%.1f%%", l.Rate*100), l.Points, d.Computed, adjusted, d.Reason, fmt.Sprint(ids)})
		}
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, errs.Internal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Internal(err)
	}
	return buf.Bytes(), nil
}
