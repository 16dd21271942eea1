package survey

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// OptionCount is how many respondents chose an option (or gave a value).
type OptionCount struct {
	ID    string
	Label string
	Count int64
	// Percent of the respondents who answered the question, one decimal;
	// for multiple choice the options add up to more than 100.
	Percent float64
}

// ValueCount is one value of a scale or number distribution.
type ValueCount struct {
	Value   float64
	Count   int64
	Percent float64
}

// Summary is the distribution, mean and median of a numeric answer.
type Summary struct {
	Distribution []ValueCount
	Mean         *float64
	Median       *float64
}

// RowResult is one row of a matrix question.
type RowResult struct {
	ID    string
	Label string
	Summary
}

// RankResult is one option of a ranking question.
type RankResult struct {
	ID          string
	Label       string
	AverageRank float64 // 1 = first place
	// Places[i] is how many ranked it at place i+1.
	Places []int64
}

// QuestionResult is the result of one question.
type QuestionResult struct {
	Question Question
	// Answered is how many respondents answered it (hidden or skipped
	// questions have fewer than the respondents).
	Answered int64
	Options  []OptionCount // single_choice, multiple_choice
	Summary                // scale, number
	Rows     []RowResult   // matrix
	Ranking  []RankResult  // ranking, in option order
	// TextAnswers are the newest text answers (text questions, and the
	// "other" texts of choice questions); staff of the survey only.
	TextAnswers []string
}

// Results are a survey's results.
type Results struct {
	Survey      Survey
	Respondents int64
	Questions   []QuestionResult
	// Full reports that text answers are included (the survey's staff).
	Full bool
}

// maxTextAnswers is how many text answers results show per question; the
// responses export has all of them.
const maxTextAnswers = 100

func percent(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

// summarize computes the distribution, mean and median from a histogram.
// The median is the middle value (the mean of the two middle values for an
// even count), found by walking the sorted histogram.
func summarize(hist map[float64]int64, total int64) Summary {
	var out Summary
	values := make([]float64, 0, len(hist))
	for v := range hist {
		values = append(values, v)
	}
	slices.Sort(values)
	var n int64
	var sum float64
	for _, v := range values {
		c := hist[v]
		out.Distribution = append(out.Distribution, ValueCount{Value: v, Count: c, Percent: percent(c, total)})
		n += c
		sum += v * float64(c)
	}
	if n == 0 {
		return out
	}
	mean := sum / float64(n)
	out.Mean = &mean
	at := func(k int64) float64 { // k-th smallest value, 0-based
		var seen int64
		for _, v := range values {
			seen += hist[v]
			if k < seen {
				return v
			}
		}
		return values[len(values)-1]
	}
	median := at((n - 1) / 2)
	if n%2 == 0 {
		median = (median + at(n/2)) / 2
	}
	out.Median = &median
	return out
}

// mayReadResults: the survey's staff always; everyone else once it has
// closed, if its results were announced as public.
func mayReadResults(actor *identity.Account, sv *Survey) (full bool, err error) {
	if !canSee(actor, sv) {
		return false, errSurveyNotFound
	}
	if canManage(actor, sv) {
		return true, nil
	}
	if sv.Status == StatusClosed && sv.ResultsPublicAfterClose {
		return false, nil
	}
	return false, errs.Forbidden("survey_results_not_public", "问卷结果尚未公开")
}

// SurveyResults returns per-question results computed from the running
// counters (never from the responses, except the newest text answers for
// staff), so reading them costs the same at ten or a hundred thousand
// responses. Codes: survey_not_found, survey_results_not_public.
func (s *Service) SurveyResults(ctx context.Context, actor *identity.Account, id int64) (Results, error) {
	var out Results
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		sv, err := getSurveyWithQuestions(ctx, tx, id, false)
		if err != nil {
			return err
		}
		full, err := mayReadResults(actor, &sv)
		if err != nil {
			return err
		}
		tallies, err := readTallies(ctx, tx, id)
		if err != nil {
			return err
		}
		out = buildResults(sv, tallies)
		out.Full = full
		if full {
			for i := range out.Questions {
				q := &out.Questions[i].Question
				if q.Kind == KindText || q.Config.AllowOther {
					if out.Questions[i].TextAnswers, err = textAnswers(ctx, tx, id, q); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return out, err
}

type tallies map[int64]map[string]int64

func readTallies(ctx context.Context, q querier, surveyID int64) (tallies, error) {
	// The counters are sharded (tallyShards rows per key at most, see
	// SubmitResponse): add them up.
	rows, err := q.Query(ctx, `SELECT question_id, answer_key, sum(count)::bigint FROM survey_tally_shards
		WHERE survey_id = $1 GROUP BY question_id, answer_key`, surveyID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	t := tallies{}
	var qid, n int64
	var key string
	_, err = pgx.ForEachRow(rows, []any{&qid, &key, &n}, func() error {
		if t[qid] == nil {
			t[qid] = map[string]int64{}
		}
		t[qid][key] = n
		return nil
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return t, nil
}

// buildResults turns the counters into results (pure).
func buildResults(sv Survey, t tallies) Results {
	out := Results{Survey: sv, Respondents: t[0][keyRespondents]}
	for _, q := range sv.Questions {
		qt := t[q.ID]
		r := QuestionResult{Question: q, Answered: qt[keyAnswered]}
		switch q.Kind {
		case KindSingleChoice, KindMultipleChoice:
			for _, o := range q.ChoiceOptions() {
				c := qt["c:"+o.ID]
				r.Options = append(r.Options, OptionCount{ID: o.ID, Label: o.Label, Count: c, Percent: percent(c, r.Answered)})
			}
		case KindScale:
			hist := map[float64]int64{}
			for v := q.Config.ScaleMin; v <= q.Config.ScaleMax; v++ {
				hist[float64(v)] = qt["v:"+strconv.Itoa(v)]
			}
			r.Summary = summarize(hist, r.Answered)
		case KindMatrix:
			for _, row := range q.Config.Rows {
				hist := map[float64]int64{}
				for v := q.Config.ScaleMin; v <= q.Config.ScaleMax; v++ {
					hist[float64(v)] = qt["r:"+row.ID+":"+strconv.Itoa(v)]
				}
				r.Rows = append(r.Rows, RowResult{ID: row.ID, Label: row.Label, Summary: summarize(hist, r.Answered)})
			}
		case KindNumber:
			hist := map[float64]int64{}
			for k, c := range qt {
				if v, ok := strings.CutPrefix(k, "n:"); ok {
					if f, err := strconv.ParseFloat(v, 64); err == nil {
						hist[f] += c
					}
				}
			}
			r.Summary = summarize(hist, r.Answered)
		case KindRanking:
			for _, o := range q.Config.Options {
				rr := RankResult{ID: o.ID, Label: o.Label, Places: make([]int64, len(q.Config.Options))}
				var n, sum int64
				for place := 1; place <= len(q.Config.Options); place++ {
					c := qt["k:"+o.ID+":"+strconv.Itoa(place)]
					rr.Places[place-1] = c
					n += c
					sum += c * int64(place)
				}
				if n > 0 {
					rr.AverageRank = math.Round(float64(sum)*100/float64(n)) / 100
				}
				r.Ranking = append(r.Ranking, rr)
			}
		}
		out.Questions = append(out.Questions, r)
	}
	return out
}

// textAnswers returns the newest text answers of a question (for choice
// questions, the "other" texts). Rows are read newest first through the
// (survey_id, id) index, so this stops after maxTextAnswers matches.
func textAnswers(ctx context.Context, q querier, surveyID int64, qu *Question) ([]string, error) {
	field := "text"
	if qu.Kind != KindText {
		field = "other_text"
	}
	rows, err := q.Query(ctx, `SELECT answers -> $2 ->> $3 FROM survey_responses
		WHERE survey_id = $1 AND answers -> $2 ->> $3 <> '' ORDER BY id DESC LIMIT $4`,
		surveyID, strconv.FormatInt(qu.ID, 10), field, maxTextAnswers)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// Crosstab is a cross-tabulation of one choice question (rows) by another
// (columns): Counts[i][j] respondents chose row option i and column option
// j (with multiple choice a respondent counts in several cells).
type Crosstab struct {
	Survey      Survey
	RowQuestion Question
	ColQuestion Question
	Rows        []Option
	Columns     []Option
	Counts      [][]int64
	// RowTotals[i] is how many respondents who answered both chose row
	// option i; Respondents how many answered both.
	RowTotals   []int64
	Respondents int64
	// Withheld[i][j] marks a cell not shown to the public (its count is 0
	// in Counts): fewer than MinPublicCell respondents, or hidden with
	// one so that it cannot be worked out from the totals.
	Withheld    [][]bool
	GeneratedAt time.Time
}

// MinPublicCell is the fewest respondents a cell of a cross-tabulation
// shows to the public (outside check sec2: crossing 您居住的楼栋 with 是否
// 同意 showed the one respondent of a building and their answer, in an
// anonymous survey). The survey's staff, who hold the responses export,
// see every cell.
const MinPublicCell = 5

// withholdSmallCells marks the cells the public is not shown: every count
// from 1 to MinPublicCell-1, then, while a row or a column has exactly one
// cell withheld, the smallest other cell of that row or column too (a
// row's total, and a column's count in the question's own results, would
// otherwise give the withheld count back by subtraction). Zero cells are
// shown: nobody to identify. Pure.
func withholdSmallCells(counts [][]int64) [][]bool {
	w := make([][]bool, len(counts))
	for i, row := range counts {
		w[i] = make([]bool, len(row))
		for j, n := range row {
			w[i][j] = n > 0 && n < MinPublicCell
		}
	}
	// line returns the cells of row k (col false) or of column k (col true).
	type cell struct{ i, j int }
	line := func(k int, col bool) []cell {
		var out []cell
		if !col {
			for j := range counts[k] {
				out = append(out, cell{k, j})
			}
			return out
		}
		for i := range counts {
			if k < len(counts[i]) {
				out = append(out, cell{i, k})
			}
		}
		return out
	}
	width := 0
	for _, row := range counts {
		width = max(width, len(row))
	}
	for changed := true; changed; {
		changed = false
		for _, col := range []bool{false, true} {
			n := len(counts)
			if col {
				n = width
			}
			for k := 0; k < n; k++ {
				cells := line(k, col)
				withheld, best := 0, -1
				for x, c := range cells {
					if w[c.i][c.j] {
						withheld++
						continue
					}
					// The smallest shown cell, a non-zero one before a zero.
					if best < 0 || shownBefore(counts[c.i][c.j], counts[cells[best].i][cells[best].j]) {
						best = x
					}
				}
				if withheld == 1 && best >= 0 {
					w[cells[best].i][cells[best].j] = true
					changed = true
				}
			}
		}
	}
	return w
}

// shownBefore orders cells for the second withheld one: non-zero counts first,
// smallest first.
func shownBefore(a, b int64) bool {
	if (a == 0) != (b == 0) {
		return b == 0
	}
	return a < b
}

// SurveyCrosstab cross-tabulates two choice questions, for whoever may read
// the results; to the public (not the survey's staff) without the cells
// of fewer than MinPublicCell respondents (withholdSmallCells). It aggregates in SQL over the survey's responses (one index
// range scan; measured in the benchmarks). Codes: survey_not_found,
// survey_results_not_public, survey_question_not_found,
// crosstab_question_not_choice, crosstab_same_question.
func (s *Service) SurveyCrosstab(ctx context.Context, actor *identity.Account, id, rowQuestion, colQuestion int64) (Crosstab, error) {
	var out Crosstab
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		sv, err := getSurveyWithQuestions(ctx, tx, id, false)
		if err != nil {
			return err
		}
		full, err := mayReadResults(actor, &sv)
		if err != nil {
			return err
		}
		find := func(qid int64, field string) (Question, error) {
			i := slices.IndexFunc(sv.Questions, func(q Question) bool { return q.ID == qid })
			if i < 0 {
				return Question{}, errs.InvalidField("survey_question_not_found", field, "问卷中没有这道题")
			}
			if !sv.Questions[i].Kind.Choice() {
				return Question{}, errs.InvalidField("crosstab_question_not_choice", field, "交叉分析只能用于单选题或多选题")
			}
			return sv.Questions[i], nil
		}
		if rowQuestion == colQuestion {
			return errs.InvalidField("crosstab_same_question", "column_question", "请选择两道不同的题目")
		}
		rq, err := find(rowQuestion, "row_question")
		if err != nil {
			return err
		}
		cq, err := find(colQuestion, "column_question")
		if err != nil {
			return err
		}
		out = Crosstab{Survey: sv, RowQuestion: rq, ColQuestion: cq, Rows: rq.ChoiceOptions(), Columns: cq.ChoiceOptions(), GeneratedAt: s.now()}
		ri := map[string]int{}
		for i, o := range out.Rows {
			ri[o.ID] = i
		}
		ci := map[string]int{}
		for i, o := range out.Columns {
			ci[o.ID] = i
		}
		out.Counts = make([][]int64, len(out.Rows))
		for i := range out.Counts {
			out.Counts[i] = make([]int64, len(out.Columns))
		}
		out.RowTotals = make([]int64, len(out.Rows))
		rk, ck := strconv.FormatInt(rq.ID, 10), strconv.FormatInt(cq.ID, 10)
		// One pass over the survey's responses: the cells, the row totals
		// and the respondents who answered both, as grouping sets. DISTINCT
		// r.id counts respondents, not option pairs, in the totals.
		rows, err := tx.Query(ctx, `SELECT a.v, b.v, GROUPING(a.v, b.v), count(DISTINCT r.id) FROM survey_responses r,
				jsonb_array_elements_text(r.answers -> $2 -> 'choices') AS a(v),
				jsonb_array_elements_text(r.answers -> $3 -> 'choices') AS b(v)
			WHERE r.survey_id = $1 AND r.answers ? $2 AND r.answers ? $3
			GROUP BY GROUPING SETS ((a.v, b.v), (a.v), ())`, id, rk, ck)
		if err != nil {
			return errs.Internal(err)
		}
		var a, b *string
		var grouping int32
		var n int64
		_, err = pgx.ForEachRow(rows, []any{&a, &b, &grouping, &n}, func() error {
			switch grouping {
			case 0: // a cell
				i, ok1 := ri[*a]
				j, ok2 := ci[*b]
				if ok1 && ok2 {
					out.Counts[i][j] = n
				}
			case 1: // a row total (b aggregated)
				if i, ok := ri[*a]; ok {
					out.RowTotals[i] = n
				}
			case 3:
				out.Respondents = n
			}
			return nil
		})
		if err != nil {
			return errs.Internal(err)
		}
		if !full {
			out.Withheld = withholdSmallCells(out.Counts)
			for i, row := range out.Withheld {
				for j, wh := range row {
					if wh {
						out.Counts[i][j] = 0
					}
				}
			}
		}
		return nil
	})
	return out, err
}
