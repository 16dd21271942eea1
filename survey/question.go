package survey

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Kind is the type of a question.
type Kind string

// The question types.
const (
	KindSingleChoice   Kind = "single_choice"
	KindMultipleChoice Kind = "multiple_choice"
	KindScale          Kind = "scale"
	KindMatrix         Kind = "matrix"
	KindText           Kind = "text"
	KindNumber         Kind = "number"
	KindRanking        Kind = "ranking"
)

// Kinds lists the question types.
var Kinds = []Kind{KindSingleChoice, KindMultipleChoice, KindScale, KindMatrix, KindText, KindNumber, KindRanking}

// KindNames are the Chinese names of the question types.
var KindNames = map[Kind]string{KindSingleChoice: "单选题", KindMultipleChoice: "多选题", KindScale: "量表题",
	KindMatrix: "矩阵量表题", KindText: "填空题", KindNumber: "数值题", KindRanking: "排序题"}

// Choice reports whether answers pick options (the kinds a display
// condition and a cross-tabulation may use).
func (k Kind) Choice() bool { return k == KindSingleChoice || k == KindMultipleChoice }

func (k Kind) valid() bool { return KindNames[k] != "" }

// OtherOptionID is the option id of the "other, please specify" choice.
const OtherOptionID = "other"

// Limits of the builder.
const (
	maxOptions      = 50
	maxMatrixRows   = 30
	maxScaleSpan    = 20   // 0–10 is the widest scale in common use; 20 leaves room
	defaultTextMax  = 1000 // characters of a text answer unless set
	maxTextMax      = 5000
	maxOtherTextLen = 200
	maxQuestions    = 200
)

// Option is one answer option (or matrix row) with a stable id that
// conditions and exports refer to.
type Option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Condition shows a question only when the answer to an earlier single or
// multiple choice question includes one of OptionIDs.
type Condition struct {
	QuestionID int64    `json:"question_id"`
	OptionIDs  []string `json:"option_ids"`
}

// Config holds the kind-specific settings of a question; fields that do
// not concern the kind are cleared when it is saved.
type Config struct {
	Options    []Option `json:"options,omitempty"`     // choice, ranking
	MinChoices int      `json:"min_choices,omitempty"` // multiple_choice
	MaxChoices int      `json:"max_choices,omitempty"` // multiple_choice; 0: no limit
	AllowOther bool     `json:"allow_other,omitempty"` // choice: an "other" option with text
	OtherLabel string   `json:"other_label,omitempty"`
	ScaleMin   int      `json:"scale_min"` // scale, matrix
	ScaleMax   int      `json:"scale_max"`
	MinLabel   string   `json:"min_label,omitempty"` // e.g. 非常不满意
	MaxLabel   string   `json:"max_label,omitempty"` // e.g. 非常满意
	Rows       []Option `json:"rows,omitempty"`      // matrix
	MaxLength  int      `json:"max_length,omitempty"`
	NumberMin  *float64 `json:"number_min,omitempty"`
	NumberMax  *float64 `json:"number_max,omitempty"`
	Integer    bool     `json:"integer,omitempty"`
}

// Question is one question of a survey.
type Question struct {
	ID       int64  `db:"id"`
	SurveyID int64  `db:"survey_id"`
	Position int    `db:"position"`
	Kind     Kind   `db:"kind"`
	Title    string `db:"title"`
	Help     string `db:"help"`
	Required bool   `db:"required"`
	// Sensitive questions need the separate consent to be answered and
	// are never required (SensitiveOptionalBasis); only surveys closed
	// before migration 00120 may hold one that was.
	Sensitive bool       `db:"sensitive"`
	Config    Config     `db:"config"`
	Condition *Condition `db:"condition"`
}

// QuestionInput is a question as the builder sends it. Position 0 adds at
// the end (or keeps the place, on update); otherwise it is the 1-based place.
type QuestionInput struct {
	Kind      Kind
	Title     string
	Help      string
	Required  bool
	Sensitive bool
	Config    Config
	Condition *Condition
	Position  int
}

// HasOption reports whether id is an option of the question, "other"
// included when allowed.
func (q *Question) HasOption(id string) bool {
	if id == OtherOptionID && q.Config.AllowOther {
		return true
	}
	for _, o := range q.Config.Options {
		if o.ID == id {
			return true
		}
	}
	return false
}

// OptionLabel returns the label of an option id.
func (q *Question) OptionLabel(id string) string {
	if id == OtherOptionID && q.Config.AllowOther {
		if q.Config.OtherLabel != "" {
			return q.Config.OtherLabel
		}
		return "其他"
	}
	for _, o := range q.Config.Options {
		if o.ID == id {
			return o.Label
		}
	}
	return id
}

// ChoiceOptions returns the options of a choice question, "other" last.
func (q *Question) ChoiceOptions() []Option {
	out := append([]Option(nil), q.Config.Options...)
	if q.Config.AllowOther {
		out = append(out, Option{ID: OtherOptionID, Label: q.OptionLabel(OtherOptionID)})
	}
	return out
}

// SensitiveOptionalBasis is the rule that keeps sensitive questions
// optional: a resident may decline the separate consent for sensitive
// personal information (PIPL Art. 28–29), and a survey may not be refused
// to them for declining processing it does not need (PIPL Art. 16). A
// required sensitive question did exactly that: without the consent the
// survey could not be submitted.
const SensitiveOptionalBasis = "PIPL Art. 16"

func errSensitiveRequired() *errs.Error {
	e := errs.InvalidField("question_sensitive_must_be_optional", "required",
		"涉及敏感个人信息的题目只能设为选答：居民不同意处理其敏感个人信息的，不得因此不让其提交问卷")
	e.Basis = SensitiveOptionalBasis
	return e
}

var optionID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func fieldErr(code, field, format string, args ...any) *errs.Error {
	return errs.InvalidField(code, field, fmt.Sprintf(format, args...))
}

func textLen(s string) int { return utf8.RuneCountInString(s) }

// normalizeOptions trims labels, checks ids and gives ids to options that
// have none ("o1", "o2", … skipping ids in use), so conditions can name them.
func normalizeOptions(in []Option, field string, min, max int, reserveOther bool) ([]Option, error) {
	if len(in) < min || len(in) > max {
		return nil, fieldErr("question_options_invalid", field, "选项数量应在%d到%d之间", min, max)
	}
	used := map[string]bool{}
	out := make([]Option, len(in))
	for i, o := range in {
		o.ID = strings.TrimSpace(o.ID)
		o.Label = strings.TrimSpace(o.Label)
		if o.Label == "" || textLen(o.Label) > 200 {
			return nil, fieldErr("question_options_invalid", field, "第%d项的文字不能为空且不超过200字", i+1)
		}
		if o.ID != "" {
			if !optionID.MatchString(o.ID) || used[o.ID] || (reserveOther && o.ID == OtherOptionID) {
				return nil, fieldErr("question_options_invalid", field, "第%d项的编号无效或重复：%s", i+1, o.ID)
			}
			used[o.ID] = true
		}
		out[i] = o
	}
	n := 0
	for i := range out {
		if out[i].ID != "" {
			continue
		}
		for {
			n++
			id := fmt.Sprintf("o%d", n)
			if field == "config.rows" {
				id = fmt.Sprintf("r%d", n)
			}
			if !used[id] {
				out[i].ID = id
				used[id] = true
				break
			}
		}
	}
	return out, nil
}

// normalizeQuestion checks a question's own settings and returns the
// question with the settings of its kind only. Conditions are checked
// against the whole survey by checkConditions.
func normalizeQuestion(in QuestionInput) (Question, error) {
	q := Question{Kind: in.Kind, Title: strings.TrimSpace(in.Title), Help: strings.TrimSpace(in.Help),
		Required: in.Required, Sensitive: in.Sensitive, Condition: in.Condition}
	if !in.Kind.valid() {
		return q, fieldErr("question_kind_invalid", "kind", "题型无效")
	}
	if q.Title == "" || textLen(q.Title) > 500 {
		return q, fieldErr("question_title_invalid", "title", "题目不能为空且不超过500字")
	}
	if textLen(q.Help) > 2000 {
		return q, fieldErr("question_help_too_long", "help", "说明不能超过2000字")
	}
	if q.Required && q.Sensitive {
		return q, errSensitiveRequired()
	}
	c := in.Config
	var out Config
	var err error
	switch in.Kind {
	case KindSingleChoice, KindMultipleChoice:
		if out.Options, err = normalizeOptions(c.Options, "config.options", 2, maxOptions, true); err != nil {
			return q, err
		}
		out.AllowOther = c.AllowOther
		if c.AllowOther {
			out.OtherLabel = strings.TrimSpace(c.OtherLabel)
			if textLen(out.OtherLabel) > 50 {
				return q, fieldErr("question_options_invalid", "config.other_label", "“其他”选项的文字不能超过50字")
			}
		}
		if in.Kind == KindMultipleChoice {
			n := len(out.Options)
			if c.AllowOther {
				n++
			}
			if c.MinChoices < 0 || c.MaxChoices < 0 || c.MinChoices > n || c.MaxChoices > n || (c.MaxChoices > 0 && c.MinChoices > c.MaxChoices) {
				return q, fieldErr("question_choice_limits_invalid", "config.max_choices", "最少、最多选择数应满足 0 ≤ 最少 ≤ 最多 ≤ 选项数")
			}
			out.MinChoices, out.MaxChoices = c.MinChoices, c.MaxChoices
		}
	case KindRanking:
		if out.Options, err = normalizeOptions(c.Options, "config.options", 2, 20, false); err != nil {
			return q, err
		}
	case KindScale, KindMatrix:
		if c.ScaleMin >= c.ScaleMax || c.ScaleMin < -10 || c.ScaleMax > 100 || c.ScaleMax-c.ScaleMin > maxScaleSpan {
			return q, fieldErr("question_scale_invalid", "config.scale_max", "量表的最小值应小于最大值，跨度不超过%d", maxScaleSpan)
		}
		out.ScaleMin, out.ScaleMax = c.ScaleMin, c.ScaleMax
		out.MinLabel, out.MaxLabel = strings.TrimSpace(c.MinLabel), strings.TrimSpace(c.MaxLabel)
		if textLen(out.MinLabel) > 50 || textLen(out.MaxLabel) > 50 {
			return q, fieldErr("question_scale_invalid", "config.min_label", "量表两端的文字不能超过50字")
		}
		if in.Kind == KindMatrix {
			if out.Rows, err = normalizeOptions(c.Rows, "config.rows", 1, maxMatrixRows, false); err != nil {
				return q, err
			}
		}
	case KindText:
		out.MaxLength = c.MaxLength
		if out.MaxLength == 0 {
			out.MaxLength = defaultTextMax
		}
		if out.MaxLength < 1 || out.MaxLength > maxTextMax {
			return q, fieldErr("question_max_length_invalid", "config.max_length", "字数上限应在1到%d之间", maxTextMax)
		}
	case KindNumber:
		for _, p := range []*float64{c.NumberMin, c.NumberMax} {
			if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0) || math.Abs(*p) > 1e12) {
				return q, fieldErr("question_number_range_invalid", "config.number_min", "数值范围无效")
			}
		}
		if c.NumberMin != nil && c.NumberMax != nil && *c.NumberMin > *c.NumberMax {
			return q, fieldErr("question_number_range_invalid", "config.number_max", "最小值不能大于最大值")
		}
		out.NumberMin, out.NumberMax, out.Integer = c.NumberMin, c.NumberMax, c.Integer
	}
	q.Config = out
	if q.Condition != nil {
		cond := Condition{QuestionID: q.Condition.QuestionID}
		seen := map[string]bool{}
		for _, id := range q.Condition.OptionIDs {
			id = strings.TrimSpace(id)
			if !seen[id] {
				cond.OptionIDs = append(cond.OptionIDs, id)
				seen[id] = true
			}
		}
		if cond.QuestionID <= 0 || len(cond.OptionIDs) == 0 {
			return q, fieldErr("condition_invalid", "condition", "显示条件须指明前面的一道选择题及其选项")
		}
		q.Condition = &cond
	}
	return q, nil
}

// checkConditions checks every display condition of a survey's questions
// (in display order): it names an earlier single or multiple choice
// question and options that question has.
func checkConditions(qs []Question) error {
	earlier := map[int64]*Question{}
	for i := range qs {
		q := &qs[i]
		if c := q.Condition; c != nil {
			src := earlier[c.QuestionID]
			if src == nil {
				return fieldErr("condition_not_earlier", "condition", "第%d题的显示条件须引用排在它前面的题目", i+1)
			}
			if !src.Kind.Choice() {
				return fieldErr("condition_not_choice", "condition", "第%d题的显示条件只能引用单选题或多选题", i+1)
			}
			for _, id := range c.OptionIDs {
				if !src.HasOption(id) {
					return fieldErr("condition_option_unknown", "condition", "第%d题的显示条件引用了不存在的选项：%s", i+1, id)
				}
			}
		}
		earlier[q.ID] = q
	}
	return nil
}
