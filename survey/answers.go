package survey

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Answer is the answer to one question. Which fields count depends on the
// question's kind: Choices (+ OtherText) for choice questions, Value for a
// scale, Rows (row id → value) for a matrix, Text, Number, and Ranking (all
// option ids, first = rank 1).
type Answer struct {
	QuestionID int64          `json:"-"`
	Choices    []string       `json:"choices,omitempty"`
	OtherText  string         `json:"other_text,omitempty"`
	Value      *int           `json:"value,omitempty"`
	Rows       map[string]int `json:"rows,omitempty"`
	Text       string         `json:"text,omitempty"`
	Number     *float64       `json:"number,omitempty"`
	Ranking    []string       `json:"ranking,omitempty"`
}

func (a *Answer) empty() bool {
	return len(a.Choices) == 0 && a.OtherText == "" && a.Value == nil && len(a.Rows) == 0 &&
		strings.TrimSpace(a.Text) == "" && a.Number == nil && len(a.Ranking) == 0
}

// Answers are a response's answers by question id, as stored.
type Answers map[int64]Answer

// validationErrors collects the field errors of a response; the first one
// gives the error its code, and every one is reported next to its question.
type validationErrors struct {
	first  *errs.Error
	fields []errs.FieldError
}

func (v *validationErrors) add(code string, qi int, q *Question, format string, args ...any) {
	msg := fmt.Sprintf("第%d题：", qi+1) + fmt.Sprintf(format, args...)
	field := "answers"
	if q != nil {
		field = "answers." + strconv.FormatInt(q.ID, 10)
	}
	if v.first == nil {
		v.first = errs.Invalid(code, msg)
	}
	v.fields = append(v.fields, errs.FieldError{Field: field, Message: msg})
}

func (v *validationErrors) err() error {
	if v.first == nil {
		return nil
	}
	v.first.Fields = v.fields
	return v.first
}

// visible reports whether q is shown given the answers accepted so far.
func visible(q *Question, accepted Answers) bool {
	if q.Condition == nil {
		return true
	}
	a, ok := accepted[q.Condition.QuestionID]
	if !ok {
		return false
	}
	for _, c := range a.Choices {
		if slices.Contains(q.Condition.OptionIDs, c) {
			return true
		}
	}
	return false
}

// ValidateResponse checks a whole response against the survey's questions
// (in display order) and returns the answers to store. Nothing of a
// response is stored unless all of it is valid. Codes: answer_question_unknown,
// answer_duplicate, answer_to_hidden_question, answer_required,
// sensitive_consent_required, answer_wrong_type, answer_option_unknown,
// answer_other_text_required, answer_too_few_choices,
// answer_too_many_choices, answer_out_of_range, answer_matrix_incomplete,
// answer_too_long, answer_not_integer, answer_ranking_invalid.
func ValidateResponse(qs []Question, answers []Answer, sensitiveConsent bool) (Answers, error) {
	var v validationErrors
	byID := map[int64]Answer{}
	pos := map[int64]int{}
	for i := range qs {
		pos[qs[i].ID] = i
	}
	for _, a := range answers {
		if _, ok := pos[a.QuestionID]; !ok {
			v.add("answer_question_unknown", 0, nil, "问卷中没有编号为%d的题目", a.QuestionID)
			continue
		}
		if _, dup := byID[a.QuestionID]; dup {
			v.add("answer_duplicate", pos[a.QuestionID], &qs[pos[a.QuestionID]], "同一题目只能作答一次")
			continue
		}
		if !a.empty() {
			byID[a.QuestionID] = a
		}
	}
	accepted := Answers{}
	for i := range qs {
		q := &qs[i]
		a, answered := byID[q.ID]
		if !visible(q, accepted) {
			if answered {
				v.add("answer_to_hidden_question", i, q, "根据前面的回答，本题不需要作答")
			}
			continue
		}
		// Without the separate consent (PIPL Art. 29) a sensitive question
		// is skipped, never required, whatever a survey of the past said
		// (PIPL Art. 16: SensitiveOptionalBasis); only an answer to it is
		// refused, as it may not be stored.
		if q.Sensitive && !sensitiveConsent {
			if answered {
				v.add("sensitive_consent_required", i, q, "本题涉及敏感个人信息，须单独勾选同意后才能作答；不同意的，请清空本题的回答")
			}
			continue
		}
		if q.Sensitive && !answered {
			continue
		}
		if !answered {
			if q.Required {
				v.add("answer_required", i, q, "本题为必答题")
			}
			continue
		}
		clean, ok := checkAnswer(&v, i, q, a)
		if ok {
			clean.QuestionID = q.ID
			accepted[q.ID] = clean
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return accepted, nil
}

// checkAnswer validates one answer against its question's kind.
func checkAnswer(v *validationErrors, i int, q *Question, a Answer) (Answer, bool) {
	c := &q.Config
	bad := func(code, format string, args ...any) (Answer, bool) {
		v.add(code, i, q, format, args...)
		return Answer{}, false
	}
	// Fields of another kind mean the client misread the question: refused
	// rather than silently dropped.
	switch q.Kind {
	case KindSingleChoice, KindMultipleChoice:
		if !(a.Value == nil && len(a.Rows) == 0 && a.Text == "" && a.Number == nil && len(a.Ranking) == 0) || len(a.Choices) == 0 {
			return bad("answer_wrong_type", "请选择选项")
		}
		seen := map[string]bool{}
		for _, id := range a.Choices {
			if !q.HasOption(id) {
				return bad("answer_option_unknown", "没有这个选项：%s", id)
			}
			if seen[id] {
				return bad("answer_option_unknown", "选项重复：%s", id)
			}
			seen[id] = true
		}
		other := strings.TrimSpace(storableText(a.OtherText))
		if seen[OtherOptionID] && other == "" {
			return bad("answer_other_text_required", "选择“%s”时请填写具体内容", q.OptionLabel(OtherOptionID))
		}
		if !seen[OtherOptionID] && other != "" {
			return bad("answer_wrong_type", "未选择“%s”时不能填写其内容", q.OptionLabel(OtherOptionID))
		}
		if textLen(other) > maxOtherTextLen {
			return bad("answer_too_long", "“其他”的内容不能超过%d字", maxOtherTextLen)
		}
		n := len(a.Choices)
		if q.Kind == KindSingleChoice && n != 1 {
			return bad("answer_too_many_choices", "本题只能选择一项")
		}
		if q.Kind == KindMultipleChoice {
			if n < c.MinChoices {
				return bad("answer_too_few_choices", "本题至少选择%d项", c.MinChoices)
			}
			if c.MaxChoices > 0 && n > c.MaxChoices {
				return bad("answer_too_many_choices", "本题最多选择%d项", c.MaxChoices)
			}
		}
		// Options are stored in the question's order, whatever order the
		// client sent them in.
		var choices []string
		for _, o := range q.ChoiceOptions() {
			if seen[o.ID] {
				choices = append(choices, o.ID)
			}
		}
		return Answer{Choices: choices, OtherText: other}, true
	case KindScale:
		if !(len(a.Choices) == 0 && a.OtherText == "" && len(a.Rows) == 0 && a.Text == "" && a.Number == nil && len(a.Ranking) == 0) || a.Value == nil {
			return bad("answer_wrong_type", "请选择一个分值")
		}
		if *a.Value < c.ScaleMin || *a.Value > c.ScaleMax {
			return bad("answer_out_of_range", "分值应在%d到%d之间", c.ScaleMin, c.ScaleMax)
		}
		val := *a.Value
		return Answer{Value: &val}, true
	case KindMatrix:
		if !(len(a.Choices) == 0 && a.OtherText == "" && a.Value == nil && a.Text == "" && a.Number == nil && len(a.Ranking) == 0) || len(a.Rows) == 0 {
			return bad("answer_wrong_type", "请为每一行选择分值")
		}
		rows := map[string]int{}
		for id, val := range a.Rows {
			if !slices.ContainsFunc(c.Rows, func(r Option) bool { return r.ID == id }) {
				return bad("answer_option_unknown", "没有这一行：%s", id)
			}
			if val < c.ScaleMin || val > c.ScaleMax {
				return bad("answer_out_of_range", "分值应在%d到%d之间", c.ScaleMin, c.ScaleMax)
			}
			rows[id] = val
		}
		if len(rows) != len(c.Rows) {
			return bad("answer_matrix_incomplete", "请为每一行选择分值")
		}
		return Answer{Rows: rows}, true
	case KindText:
		if !(len(a.Choices) == 0 && a.OtherText == "" && a.Value == nil && len(a.Rows) == 0 && a.Number == nil && len(a.Ranking) == 0) {
			return bad("answer_wrong_type", "请填写文字")
		}
		t := strings.TrimSpace(storableText(a.Text))
		if textLen(t) > c.MaxLength {
			return bad("answer_too_long", "不能超过%d字", c.MaxLength)
		}
		return Answer{Text: t}, true
	case KindNumber:
		if !(len(a.Choices) == 0 && a.OtherText == "" && a.Value == nil && len(a.Rows) == 0 && a.Text == "" && len(a.Ranking) == 0) || a.Number == nil {
			return bad("answer_wrong_type", "请填写数值")
		}
		n := *a.Number
		if math.IsNaN(n) || math.IsInf(n, 0) || (c.NumberMin != nil && n < *c.NumberMin) || (c.NumberMax != nil && n > *c.NumberMax) {
			return bad("answer_out_of_range", "数值超出允许范围%s", rangeText(c))
		}
		if c.Integer && n != math.Trunc(n) {
			return bad("answer_not_integer", "请填写整数")
		}
		return Answer{Number: &n}, true
	case KindRanking:
		if !(len(a.Choices) == 0 && a.OtherText == "" && a.Value == nil && len(a.Rows) == 0 && a.Text == "" && a.Number == nil) {
			return bad("answer_wrong_type", "请对全部选项排序")
		}
		seen := map[string]bool{}
		for _, id := range a.Ranking {
			if !q.HasOption(id) || seen[id] {
				return bad("answer_ranking_invalid", "排序须包含每个选项各一次")
			}
			seen[id] = true
		}
		if len(seen) != len(c.Options) {
			return bad("answer_ranking_invalid", "排序须包含每个选项各一次")
		}
		return Answer{Ranking: append([]string(nil), a.Ranking...)}, true
	}
	return bad("answer_wrong_type", "题型无效")
}

// storableText makes free text storable in jsonb: valid UTF-8 and no NUL
// (PostgreSQL refuses \u0000 in jsonb; found by FuzzSurveyAnswers).
func storableText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

func rangeText(c *Config) string {
	f := func(p *float64) string { return strconv.FormatFloat(*p, 'f', -1, 64) }
	switch {
	case c.NumberMin != nil && c.NumberMax != nil:
		return "（" + f(c.NumberMin) + "～" + f(c.NumberMax) + "）"
	case c.NumberMin != nil:
		return "（不小于" + f(c.NumberMin) + "）"
	case c.NumberMax != nil:
		return "（不大于" + f(c.NumberMax) + "）"
	}
	return ""
}

// formatNumber is the canonical text of a number answer (tally key, export).
func formatNumber(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

// Tally keys. Every answered question counts under keyAnswered; the
// respondent count lives under question 0.
const (
	keyAnswered    = "answered"
	keyRespondents = "respondents"
)

type tallyKey struct {
	question int64
	key      string
}

// tallyKeys lists the counters one response increments: per option chosen
// ("c:<id>"), scale value ("v:<n>"), matrix row value ("r:<row>:<n>"),
// number ("n:<value>") and ranking place ("k:<id>:<rank>").
func tallyKeys(qs []Question, answers Answers) []tallyKey {
	out := []tallyKey{{0, keyRespondents}}
	for i := range qs {
		q := &qs[i]
		a, ok := answers[q.ID]
		if !ok {
			continue
		}
		out = append(out, tallyKey{q.ID, keyAnswered})
		switch q.Kind {
		case KindSingleChoice, KindMultipleChoice:
			for _, c := range a.Choices {
				out = append(out, tallyKey{q.ID, "c:" + c})
			}
		case KindScale:
			out = append(out, tallyKey{q.ID, "v:" + strconv.Itoa(*a.Value)})
		case KindMatrix:
			for _, r := range q.Config.Rows {
				out = append(out, tallyKey{q.ID, "r:" + r.ID + ":" + strconv.Itoa(a.Rows[r.ID])})
			}
		case KindNumber:
			out = append(out, tallyKey{q.ID, "n:" + formatNumber(*a.Number)})
		case KindRanking:
			for rank, id := range a.Ranking {
				out = append(out, tallyKey{q.ID, "k:" + id + ":" + strconv.Itoa(rank+1)})
			}
		}
	}
	// One order for every transaction, so concurrent responses take the
	// counter row locks in the same order and never deadlock.
	slices.SortFunc(out, func(x, y tallyKey) int {
		if x.question != y.question {
			if x.question < y.question {
				return -1
			}
			return 1
		}
		return strings.Compare(x.key, y.key)
	})
	return out
}
