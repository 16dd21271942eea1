package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/survey"
)

// resultView is one question of the results page: the chart and the table
// with the same numbers.
type resultView struct {
	survey.QuestionResult
	Number int
	Anchor string
	Chart  *barChart
	// Caption says how to read the chart when bars are not counts.
	Caption string
	// Rows are the table of choice, scale and number questions.
	Rows         []resultRow
	Mean, Median string
	// Binned is set when number answers are grouped into ranges.
	Binned bool
	// Matrix: the scale values (columns) and one row per matrix row.
	ScaleHeader []scalePoint
	MatrixRows  []matrixRow
	// Ranking: the places (columns) and one row per option.
	PlaceHeader []int
	RankRows    []rankRow
}

// resultRow is one line of a distribution table.
type resultRow struct {
	Label   string
	Count   int64
	Percent string
}

// matrixRow is one matrix row's distribution.
type matrixRow struct {
	Label        string
	Cells        []resultRow
	Mean, Median string
}

// rankRow is one ranking option's places.
type rankRow struct {
	Label       string
	AverageRank string
	Places      []int64
}

// surveyResultsData backs the results page.
type surveyResultsData struct {
	Results   survey.Results
	Questions []resultView
	// ChoiceQuestions are the questions a cross-tabulation may use.
	ChoiceQuestions []questionView
	Crosstab        *crosstabView
	RowQuestion     int64
	ColQuestion     int64
	Manage          bool
}

// crosstabView is a cross-tabulation as a table.
type crosstabView struct {
	survey.Crosstab
	RowNumber, ColNumber int
	// Cells are the counts with their share of the row's respondents;
	// Hidden[i][j] a cell withheld from the public (survey.MinPublicCell).
	Cells  [][]resultRow
	Hidden [][]bool
	// AnyHidden says the note on withheld cells is needed.
	AnyHidden bool
	MinCell   int
}

func optionalNumber(f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*f*100)/100, 'f', -1, 64)
}

// scaleLabel names a scale value with its end label, e.g. 1（非常不满意）.
func scaleLabel(c survey.Config, v int) string {
	s := strconv.Itoa(v)
	switch {
	case v == c.ScaleMin && c.MinLabel != "":
		s += "（" + c.MinLabel + "）"
	case v == c.ScaleMax && c.MaxLabel != "":
		s += "（" + c.MaxLabel + "）"
	}
	return s
}

// maxNumberBars is the number of distinct number answers shown one by one;
// beyond it they are grouped into ranges so the chart stays readable.
const maxNumberBars = 12

// numberRows is the distribution of a number question: one row per value,
// or ten equal ranges when there are many values.
func numberRows(dist []survey.ValueCount, answered int64) ([]resultRow, bool) {
	if len(dist) <= maxNumberBars {
		rows := make([]resultRow, len(dist))
		for i, v := range dist {
			rows[i] = resultRow{Label: formatFloat(v.Value), Count: v.Count, Percent: pct(v.Percent)}
		}
		return rows, false
	}
	lo, hi := dist[0].Value, dist[len(dist)-1].Value
	const bins = 10
	width := (hi - lo) / bins
	counts := make([]int64, bins)
	for _, v := range dist {
		i := int((v.Value - lo) / width)
		if i >= bins {
			i = bins - 1
		}
		counts[i] += v.Count
	}
	rows := make([]resultRow, bins)
	for i := range rows {
		from, to := lo+float64(i)*width, lo+float64(i+1)*width
		label := fmt.Sprintf("%s 至 %s 以下", roundLabel(from), roundLabel(to))
		if i == bins-1 {
			label = fmt.Sprintf("%s 至 %s", roundLabel(from), roundLabel(hi))
		}
		p := 0.0
		if answered > 0 {
			p = math.Round(float64(counts[i])*1000/float64(answered)) / 10
		}
		rows[i] = resultRow{Label: label, Count: counts[i], Percent: pct(p)}
	}
	return rows, true
}

func roundLabel(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

// resultViews prepares each question's chart and table.
func resultViews(res survey.Results) []resultView {
	out := make([]resultView, len(res.Questions))
	for i, qr := range res.Questions {
		q := qr.Question
		v := resultView{QuestionResult: qr, Number: i + 1, Anchor: "result-" + strconv.FormatInt(q.ID, 10)}
		id := "chart-" + strconv.FormatInt(q.ID, 10)
		what := fmt.Sprintf("第%d题（%d人作答）", i+1, qr.Answered)
		switch q.Kind {
		case survey.KindSingleChoice, survey.KindMultipleChoice:
			var labels []string
			var counts []int64
			var pcts []float64
			for _, o := range qr.Options {
				v.Rows = append(v.Rows, resultRow{Label: o.Label, Count: o.Count, Percent: pct(o.Percent)})
				labels, counts, pcts = append(labels, o.Label), append(counts, o.Count), append(pcts, o.Percent)
			}
			c := countChart(id, what+"各选项人数", labels, counts, pcts)
			v.Chart = &c
			if q.Kind == survey.KindMultipleChoice {
				v.Caption = "多选题：百分比按作答人数计算，合计可超过100%。"
			}
		case survey.KindScale, survey.KindNumber:
			if q.Kind == survey.KindScale {
				for _, d := range qr.Distribution {
					v.Rows = append(v.Rows, resultRow{Label: scaleLabel(q.Config, int(d.Value)), Count: d.Count, Percent: pct(d.Percent)})
				}
			} else {
				v.Rows, v.Binned = numberRows(qr.Distribution, qr.Answered)
			}
			v.Mean, v.Median = optionalNumber(qr.Mean), optionalNumber(qr.Median)
			labels := make([]string, len(v.Rows))
			counts := make([]int64, len(v.Rows))
			pcts := make([]float64, len(v.Rows))
			for j, r := range v.Rows {
				labels[j], counts[j] = r.Label, r.Count
				pcts[j], _ = strconv.ParseFloat(strings.TrimSuffix(r.Percent, "%"), 64)
			}
			c := countChart(id, what+"各分值人数", labels, counts, pcts)
			if q.Kind == survey.KindNumber {
				c = countChart(id, what+"数值分布", labels, counts, pcts)
			}
			c.Summary += "平均数" + v.Mean + "，中位数" + v.Median + "。"
			v.Chart = &c
		case survey.KindMatrix:
			v.ScaleHeader = scalePoints(q)
			var items []chartItem
			var parts []string
			span := float64(q.Config.ScaleMax - q.Config.ScaleMin)
			for _, row := range qr.Rows {
				mr := matrixRow{Label: row.Label, Mean: optionalNumber(row.Mean), Median: optionalNumber(row.Median)}
				for _, d := range row.Distribution {
					mr.Cells = append(mr.Cells, resultRow{Count: d.Count, Percent: pct(d.Percent)})
				}
				v.MatrixRows = append(v.MatrixRows, mr)
				share := 0.0
				if row.Mean != nil && span > 0 {
					share = (*row.Mean - float64(q.Config.ScaleMin)) / span
				}
				items = append(items, chartItem{Label: row.Label, Share: share, Value: "平均" + mr.Mean + "分"})
				parts = append(parts, row.Label+" 平均"+mr.Mean+"分")
			}
			c := newBarChart(id, fmt.Sprintf("%s各行平均分（%d至%d分）：%s。", what, q.Config.ScaleMin, q.Config.ScaleMax, strings.Join(parts, "；")), items)
			v.Chart = &c
			v.Caption = fmt.Sprintf("条形长度表示平均分，从%d分（最短）到%d分（最长）。", q.Config.ScaleMin, q.Config.ScaleMax)
		case survey.KindRanking:
			n := float64(len(q.Config.Options))
			for p := range q.Config.Options {
				v.PlaceHeader = append(v.PlaceHeader, p+1)
			}
			var items []chartItem
			var parts []string
			for _, rr := range qr.Ranking {
				avg := "—"
				share := 0.0
				if rr.AverageRank > 0 {
					avg = strconv.FormatFloat(rr.AverageRank, 'f', -1, 64)
					share = (n + 1 - rr.AverageRank) / n
				}
				v.RankRows = append(v.RankRows, rankRow{Label: rr.Label, AverageRank: avg, Places: rr.Places})
				items = append(items, chartItem{Label: rr.Label, Share: share, Value: "平均第" + avg + "位"})
				parts = append(parts, rr.Label+" 平均第"+avg+"位")
			}
			c := newBarChart(id, what+"各选项平均名次（名次越小越靠前）："+strings.Join(parts, "；")+"。", items)
			v.Chart = &c
			v.Caption = "条形越长表示平均排名越靠前；平均名次越小越优先。"
		}
		out[i] = v
	}
	return out
}

// surveyResults is the results page: per question a chart drawn on the
// server and a table with the same numbers, and a cross-tabulation of two
// choice questions. Who may read them is the service's decision.
func (s *site) surveyResults(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "您访问的问卷不存在或尚未发布。")
	if !ok {
		return
	}
	ctx, actor := r.Context(), currentAccount(r)
	res, err := s.svc.Survey.SurveyResults(ctx, actor, id)
	if err != nil {
		s.surveyPageError(w, r, err)
		return
	}
	p := s.newPage(r, "调查结果："+res.Survey.Title)
	data := surveyResultsData{Results: res, Questions: resultViews(res), Manage: actor.IsStaffOf(res.Survey.AgencyID)}
	for _, q := range questionViews(res.Survey.Questions, nil) {
		if q.Kind.Choice() {
			data.ChoiceQuestions = append(data.ChoiceQuestions, q)
		}
	}
	status := http.StatusOK
	q := r.URL.Query()
	if q.Get("row") != "" || q.Get("column") != "" {
		data.RowQuestion, _ = strconv.ParseInt(q.Get("row"), 10, 64)
		data.ColQuestion, _ = strconv.ParseInt(q.Get("column"), 10, 64)
		ct, err := s.svc.Survey.SurveyCrosstab(ctx, actor, id, data.RowQuestion, data.ColQuestion)
		if err != nil {
			status = s.formError(r, &p, err)
			if accessRefusal(status) {
				s.surveyPageError(w, r, err)
				return
			}
			// The crosstab form names its fields row and column.
			if m, ok := p.Errors["row_question"]; ok {
				p.Errors["row"] = m
			}
			if m, ok := p.Errors["column_question"]; ok {
				p.Errors["column"] = m
			}
		} else {
			data.Crosstab = crosstabOf(ct, data.ChoiceQuestions)
		}
	}
	p.Data = data
	s.render(w, r, status, "survey_results", p)
}

func crosstabOf(ct survey.Crosstab, qs []questionView) *crosstabView {
	v := &crosstabView{Crosstab: ct}
	for _, q := range qs {
		if q.ID == ct.RowQuestion.ID {
			v.RowNumber = q.Number
		}
		if q.ID == ct.ColQuestion.ID {
			v.ColNumber = q.Number
		}
	}
	v.Cells = make([][]resultRow, len(ct.Counts))
	v.Hidden = make([][]bool, len(ct.Counts))
	v.MinCell = survey.MinPublicCell
	for i, row := range ct.Counts {
		v.Cells[i] = make([]resultRow, len(row))
		v.Hidden[i] = make([]bool, len(row))
		for j, n := range row {
			if ct.Withheld != nil && ct.Withheld[i][j] {
				v.Hidden[i][j], v.AnyHidden = true, true
				continue
			}
			p := 0.0
			if ct.RowTotals[i] > 0 {
				p = math.Round(float64(n)*1000/float64(ct.RowTotals[i])) / 10
			}
			v.Cells[i][j] = resultRow{Count: n, Percent: pct(p)}
		}
	}
	return v
}
