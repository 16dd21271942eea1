package survey_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/canyu-gov/canyu/survey"
)

// TestResultsOnTenThousandResponses submits 10,000 generated responses
// from eight goroutines and checks every figure of the results (kept as
// running counters) and a cross-tabulation (aggregated in SQL) against
// counts the test computes itself from what it submitted.
func TestResultsOnTenThousandResponses(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 responses")
	}
	const n = 10000
	ctx := context.Background()
	f := newFixture(t)
	submitted := f.fill(t, residents(t, f.e, n), 42, 8)

	// The independent count.
	choice := map[int64]map[string]int64{}
	answered := map[int64]int64{}
	values := map[int64][]float64{} // scale and number answers, and matrix rows under "qid/row"
	matrix := map[string][]float64{}
	rankSum := map[string]int64{}
	cross := map[[2]string]int64{}
	for _, resp := range submitted {
		var district, opinion string
		for _, a := range resp {
			answered[a.QuestionID]++
			if choice[a.QuestionID] == nil {
				choice[a.QuestionID] = map[string]int64{}
			}
			for _, c := range a.Choices {
				choice[a.QuestionID][c]++
			}
			switch {
			case a.Value != nil:
				values[a.QuestionID] = append(values[a.QuestionID], float64(*a.Value))
			case a.Number != nil:
				values[a.QuestionID] = append(values[a.QuestionID], *a.Number)
			}
			for row, v := range a.Rows {
				matrix[row] = append(matrix[row], float64(v))
			}
			for i, id := range a.Ranking {
				rankSum[id] += int64(i + 1)
			}
			switch a.QuestionID {
			case f.q["district"].ID:
				district = a.Choices[0]
			case f.q["opinion"].ID:
				opinion = a.Choices[0]
			}
		}
		cross[[2]string{district, opinion}]++
	}
	median := func(vs []float64) float64 {
		s := slices.Clone(vs)
		slices.Sort(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	mean := func(vs []float64) float64 {
		var sum float64
		for _, v := range vs {
			sum += v
		}
		return sum / float64(len(vs))
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

	res, err := f.e.Survey.SurveyResults(ctx, &f.staff, f.sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Respondents != n {
		t.Fatalf("respondents %d", res.Respondents)
	}
	for _, qr := range res.Questions {
		q := qr.Question
		if qr.Answered != answered[q.ID] {
			t.Errorf("%s: answered %d, counted %d", q.Title, qr.Answered, answered[q.ID])
		}
		switch q.Kind {
		case survey.KindSingleChoice, survey.KindMultipleChoice:
			var total int64
			for _, o := range qr.Options {
				total += o.Count
				if o.Count != choice[q.ID][o.ID] {
					t.Errorf("%s/%s: %d, counted %d", q.Title, o.Label, o.Count, choice[q.ID][o.ID])
				}
				if want := math.Round(float64(o.Count)*1000/float64(qr.Answered)) / 10; o.Percent != want {
					t.Errorf("%s/%s: %v%%, want %v", q.Title, o.Label, o.Percent, want)
				}
			}
			if q.Kind == survey.KindSingleChoice && total != qr.Answered {
				t.Errorf("%s: options add up to %d of %d", q.Title, total, qr.Answered)
			}
		case survey.KindScale, survey.KindNumber:
			vs := values[q.ID]
			if !near(*qr.Mean, mean(vs)) || *qr.Median != median(vs) {
				t.Errorf("%s: mean %v median %v, counted %v %v", q.Title, *qr.Mean, *qr.Median, mean(vs), median(vs))
			}
			var total int64
			for _, d := range qr.Distribution {
				total += d.Count
			}
			if total != int64(len(vs)) {
				t.Errorf("%s: distribution adds up to %d", q.Title, total)
			}
		case survey.KindMatrix:
			for _, row := range qr.Rows {
				vs := matrix[row.ID]
				if !near(*row.Mean, mean(vs)) || *row.Median != median(vs) {
					t.Errorf("%s/%s: mean %v median %v, counted %v %v", q.Title, row.Label, *row.Mean, *row.Median, mean(vs), median(vs))
				}
				for _, d := range row.Distribution {
					var c int64
					for _, v := range vs {
						if v == d.Value {
							c++
						}
					}
					if d.Count != c {
						t.Errorf("%s/%s=%v: %d, counted %d", q.Title, row.Label, d.Value, d.Count, c)
					}
				}
			}
		case survey.KindRanking:
			for _, r := range qr.Ranking {
				if want := math.Round(float64(rankSum[r.ID])*100/float64(answered[q.ID])) / 100; r.AverageRank != want {
					t.Errorf("%s/%s: average rank %v, counted %v", q.Title, r.Label, r.AverageRank, want)
				}
			}
		case survey.KindText:
			if len(qr.TextAnswers) != int(min(answered[q.ID], 100)) {
				t.Errorf("%s: %d text answers", q.Title, len(qr.TextAnswers))
			}
		}
	}

	ct, err := f.e.Survey.SurveyCrosstab(ctx, &f.staff, f.sv.ID, f.q["district"].ID, f.q["opinion"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if ct.Respondents != n {
		t.Fatalf("crosstab respondents %d", ct.Respondents)
	}
	for i, r := range ct.Rows {
		for j, c := range ct.Columns {
			if got, want := ct.Counts[i][j], cross[[2]string{r.ID, c.ID}]; got != want {
				t.Errorf("crosstab %s×%s: %d, counted %d", r.Label, c.Label, got, want)
			}
		}
	}
}
