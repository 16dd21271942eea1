package survey

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/sheet"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Export formats of the responses export.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// column is one column of the responses export.
type column struct {
	header string
	// free marks text typed by a respondent: in CSV a leading = + - @ is
	// neutralised so a spreadsheet never runs it as a formula.
	free bool
	cell func(Answers) any // string, float64 or nil (not answered)
}

// exportColumns lays out one column per question, per option for multiple
// choice and ranking, per row for matrix, and one for each "other" text.
func exportColumns(qs []Question) []column {
	var cols []column
	for n, q := range qs {
		q := q
		title := fmt.Sprintf("第%d题 %s", n+1, q.Title)
		get := func(as Answers) (Answer, bool) { a, ok := as[q.ID]; return a, ok }
		switch q.Kind {
		case KindSingleChoice:
			cols = append(cols, column{header: title, cell: func(as Answers) any {
				if a, ok := get(as); ok && len(a.Choices) == 1 {
					return q.OptionLabel(a.Choices[0])
				}
				return nil
			}})
		case KindMultipleChoice:
			for _, o := range q.ChoiceOptions() {
				id := o.ID
				cols = append(cols, column{header: title + "：" + o.Label, cell: func(as Answers) any {
					a, ok := get(as)
					if !ok {
						return nil
					}
					for _, c := range a.Choices {
						if c == id {
							return float64(1)
						}
					}
					return float64(0)
				}})
			}
		case KindScale:
			cols = append(cols, column{header: title, cell: func(as Answers) any {
				if a, ok := get(as); ok && a.Value != nil {
					return float64(*a.Value)
				}
				return nil
			}})
		case KindMatrix:
			for _, r := range q.Config.Rows {
				id := r.ID
				cols = append(cols, column{header: title + "：" + r.Label, cell: func(as Answers) any {
					if a, ok := get(as); ok {
						if v, ok := a.Rows[id]; ok {
							return float64(v)
						}
					}
					return nil
				}})
			}
		case KindText:
			cols = append(cols, column{header: title, free: true, cell: func(as Answers) any {
				if a, ok := get(as); ok && a.Text != "" {
					return a.Text
				}
				return nil
			}})
		case KindNumber:
			cols = append(cols, column{header: title, cell: func(as Answers) any {
				if a, ok := get(as); ok && a.Number != nil {
					return *a.Number
				}
				return nil
			}})
		case KindRanking:
			for _, o := range q.Config.Options {
				id := o.ID
				cols = append(cols, column{header: title + "：" + o.Label + "（名次）", cell: func(as Answers) any {
					if a, ok := get(as); ok {
						for i, c := range a.Ranking {
							if c == id {
								return float64(i + 1)
							}
						}
					}
					return nil
				}})
			}
		}
		if q.Kind.Choice() && q.Config.AllowOther {
			cols = append(cols, column{header: title + "：" + q.OptionLabel(OtherOptionID) + "（内容）", free: true, cell: func(as Answers) any {
				if a, ok := get(as); ok && a.OtherText != "" {
					return a.OtherText
				}
				return nil
			}})
		}
	}
	return cols
}

// csvText is one CSV cell. Every text cell that starts with = + - @ (or a
// tab or carriage return) is neutralised, whoever wrote it: a staff
// member's option label is as able to carry a formula as a respondent's
// answer (issue 15, finding 7). Numbers are written as numbers.
func csvText(v any, _ bool) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return formatNumber(x)
	case string:
		return sheet.Text(x)
	}
	return fmt.Sprint(v)
}

var shanghai = workday.Location()

// eachResponse streams a survey's responses in export order. For an
// anonymous survey the order is that of the respondent hash, which says
// nothing about when (or by whom) a response was given.
func eachResponse(ctx context.Context, tx pgx.Tx, sv *Survey, fn func(Answers, time.Time) error) error {
	order := "id"
	if sv.Anonymous {
		order = "respondent_key"
	}
	rows, err := tx.Query(ctx, `SELECT id, survey_id, idempotency_key, sensitive_consent, answers, submitted_at
		FROM survey_responses WHERE survey_id = $1 ORDER BY `+order, sv.ID)
	if err != nil {
		return errs.Internal(err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := pgx.RowToStructByName[storedResponse](rows)
		if err != nil {
			return errs.Internal(err)
		}
		resp, err := r.response()
		if err != nil {
			return err
		}
		if err := fn(resp.Answers, resp.SubmittedAt); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// readForExport checks the actor may export and runs fn with the survey in
// one read-only snapshot.
func (s *Service) readForExport(ctx context.Context, actor *identity.Account, id int64, fn func(tx pgx.Tx, sv *Survey) error) error {
	return pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		sv, err := getSurveyWithQuestions(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if err := requireOwner(actor, &sv); err != nil {
			return err
		}
		return fn(tx, &sv)
	})
}

// ExportResponses writes every response, one row each and one column per
// question (per option for multiple choice), as CSV (UTF-8 with BOM, so
// spreadsheet programs read the Chinese) or XLSX. It holds no personal
// data: no account, no name, no phone; an anonymous survey's rows carry no
// time either. Only staff of the survey's agency may call it. Codes:
// survey_not_found, not_survey_owner, export_format_invalid.
func (s *Service) ExportResponses(ctx context.Context, actor *identity.Account, id int64, format string, w io.Writer) error {
	if format != FormatCSV && format != FormatXLSX {
		return errs.InvalidField("export_format_invalid", "format", "导出格式应为 csv 或 xlsx")
	}
	return s.readForExport(ctx, actor, id, func(tx pgx.Tx, sv *Survey) error {
		cols := exportColumns(sv.Questions)
		header := []string{"序号"}
		if !sv.Anonymous {
			header = append(header, "提交时间")
		}
		for _, c := range cols {
			header = append(header, c.header)
		}
		n := 0
		if format == FormatCSV {
			cw, err := sheet.NewCSV(w)
			if err != nil {
				return err
			}
			escaped := make([]string, len(header))
			for i, h := range header {
				escaped[i] = csvText(h, false)
			}
			cw.Write(escaped)
			err = eachResponse(ctx, tx, sv, func(as Answers, at time.Time) error {
				n++
				rec := []string{strconv.Itoa(n)}
				if !sv.Anonymous {
					rec = append(rec, at.In(shanghai).Format("2006-01-02 15:04:05"))
				}
				for _, c := range cols {
					rec = append(rec, csvText(c.cell(as), c.free))
				}
				return cw.Write(rec)
			})
			if err != nil {
				return err
			}
			cw.Flush()
			return cw.Error()
		}
		x, err := sheet.NewXLSX(w, "答卷", sheet.Layout{})
		if err != nil {
			return errs.Internal(err)
		}
		defer x.Discard()
		row := make([]any, len(header))
		for i, h := range header {
			row[i] = h
		}
		if err := x.WriteRow(row); err != nil {
			return errs.Internal(err)
		}
		err = eachResponse(ctx, tx, sv, func(as Answers, at time.Time) error {
			n++
			row := []any{n}
			if !sv.Anonymous {
				row = append(row, at.In(shanghai).Format("2006-01-02 15:04:05"))
			}
			for _, c := range cols {
				row = append(row, c.cell(as))
			}
			return x.WriteRow(row)
		})
		if err != nil {
			return errs.Internal(err)
		}
		return x.Close()
	})
}

// ExportResults writes the results as XLSX: the respondent count, then per
// question its counts and percentages, distribution, mean and median, per
// row or per option as its kind has them. Only staff of the survey's agency
// may call it. Codes: survey_not_found, not_survey_owner.
func (s *Service) ExportResults(ctx context.Context, actor *identity.Account, id int64, w io.Writer) error {
	return s.readForExport(ctx, actor, id, func(tx pgx.Tx, sv *Survey) error {
		t, err := readTallies(ctx, tx, id)
		if err != nil {
			return err
		}
		res := buildResults(*sv, t)
		f := excelize.NewFile()
		defer f.Close()
		const sheet = "结果"
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return errs.Internal(err)
		}
		r := 0
		put := func(vals ...any) error {
			r++
			cell, _ := excelize.CoordinatesToCellName(1, r)
			return f.SetSheetRow(sheet, cell, &vals)
		}
		opt := func(p *float64) any {
			if p == nil {
				return nil
			}
			return *p
		}
		rows := [][]any{{sv.Title}, {"状态", StatusNames[sv.Status]}, {"受访人数", res.Respondents}, {}}
		for n, qr := range res.Questions {
			q := qr.Question
			rows = append(rows, []any{fmt.Sprintf("第%d题 %s（%s）", n+1, q.Title, KindNames[q.Kind])}, []any{"作答人数", qr.Answered})
			switch q.Kind {
			case KindSingleChoice, KindMultipleChoice:
				rows = append(rows, []any{"选项", "人数", "百分比（%）"})
				for _, o := range qr.Options {
					rows = append(rows, []any{o.Label, o.Count, o.Percent})
				}
			case KindScale, KindNumber:
				rows = append(rows, []any{"平均值", opt(qr.Mean)}, []any{"中位数", opt(qr.Median)}, []any{"取值", "人数", "百分比（%）"})
				for _, d := range qr.Distribution {
					rows = append(rows, []any{d.Value, d.Count, d.Percent})
				}
			case KindMatrix:
				head := []any{"行", "平均值", "中位数"}
				for v := q.Config.ScaleMin; v <= q.Config.ScaleMax; v++ {
					head = append(head, fmt.Sprintf("%d分人数", v))
				}
				rows = append(rows, head)
				for _, row := range qr.Rows {
					line := []any{row.Label, opt(row.Mean), opt(row.Median)}
					for _, d := range row.Distribution {
						line = append(line, d.Count)
					}
					rows = append(rows, line)
				}
			case KindRanking:
				rows = append(rows, []any{"选项", "平均名次"})
				for _, rr := range qr.Ranking {
					rows = append(rows, []any{rr.Label, rr.AverageRank})
				}
			case KindText:
				rows = append(rows, []any{"文字答案见答卷导出"})
			}
			rows = append(rows, []any{})
		}
		for _, row := range rows {
			if err := put(row...); err != nil {
				return errs.Internal(err)
			}
		}
		f.SetColWidth(sheet, "A", "A", 40)
		return f.Write(w)
	})
}
