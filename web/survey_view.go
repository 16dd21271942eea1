package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/survey"
)

// questionView is one question as the survey page shows it.
type questionView struct {
	survey.Question
	Number int
	// Anchor is the id of the question's fieldset (error summary links).
	Anchor string
	// Name is the base name of its form fields.
	Name string
	// Condition is the display condition in words; CondName and
	// CondOptions feed the script that shows and hides the question.
	Condition   string
	CondName    string
	CondOptions string
	Err         string
	// Scale lists the values of a scale or matrix question.
	Scale []scalePoint
	// Places are the places of a ranking question (1..n).
	Places []int
	// Options are the options of a choice ("other" last) or ranking question.
	Options []survey.Option
}

// scalePoints are the values of a scale or matrix question, the two ends
// with their labels.
func scalePoints(q survey.Question) []scalePoint {
	var out []scalePoint
	for n := q.Config.ScaleMin; n <= q.Config.ScaleMax; n++ {
		p := scalePoint{Value: n}
		switch n {
		case q.Config.ScaleMin:
			p.Label = q.Config.MinLabel
		case q.Config.ScaleMax:
			p.Label = q.Config.MaxLabel
		}
		out = append(out, p)
	}
	return out
}

// scalePoint is one value of a scale, with its end label if any.
type scalePoint struct {
	Value int
	Label string
}

// HelpID is the id of the question's help text.
func (q questionView) HelpID() string { return q.Anchor + "-help" }

// ErrID is the id of the question's error message.
func (q questionView) ErrID() string { return q.Anchor + "-error" }

// Describedby lists the help and error ids of the question.
func (q questionView) Describedby() string {
	var ids []string
	if q.Help != "" {
		ids = append(ids, q.HelpID())
	}
	if q.Sensitive {
		ids = append(ids, q.Anchor+"-sensitive")
	}
	if q.Condition != "" {
		ids = append(ids, q.Anchor+"-condition")
	}
	if q.Limits() != "" {
		ids = append(ids, q.Anchor+"-limits")
	}
	if q.Err != "" {
		ids = append(ids, q.ErrID())
	}
	return strings.Join(ids, " ")
}

// SubName is the name of a sub-field (matrix row, ranking option, other text).
func (q questionView) SubName(id string) string { return q.Name + "_" + id }

// Limits describes the limits of a multiple choice, text or number
// question in words, or "".
func (q questionView) Limits() string {
	c := q.Config
	switch q.Kind {
	case survey.KindMultipleChoice:
		switch {
		case c.MinChoices > 0 && c.MaxChoices > 0 && c.MinChoices == c.MaxChoices:
			return fmt.Sprintf("请选择%d项。", c.MinChoices)
		case c.MinChoices > 0 && c.MaxChoices > 0:
			return fmt.Sprintf("请选择%d至%d项。", c.MinChoices, c.MaxChoices)
		case c.MinChoices > 0:
			return fmt.Sprintf("至少选择%d项。", c.MinChoices)
		case c.MaxChoices > 0:
			return fmt.Sprintf("最多选择%d项。", c.MaxChoices)
		}
		return "可多选。"
	case survey.KindText:
		return fmt.Sprintf("不超过%d字。", c.MaxLength)
	case survey.KindNumber:
		var parts []string
		if c.NumberMin != nil && c.NumberMax != nil {
			parts = append(parts, "范围"+formatFloat(*c.NumberMin)+"至"+formatFloat(*c.NumberMax))
		} else if c.NumberMin != nil {
			parts = append(parts, "不小于"+formatFloat(*c.NumberMin))
		} else if c.NumberMax != nil {
			parts = append(parts, "不大于"+formatFloat(*c.NumberMax))
		}
		if c.Integer {
			parts = append(parts, "填写整数")
		}
		if len(parts) == 0 {
			return ""
		}
		return strings.Join(parts, "，") + "。"
	case survey.KindRanking:
		return "请为每个选项选择名次，1为最优先，名次不能重复。"
	case survey.KindMatrix:
		return "请为每一行选择分值。"
	}
	return ""
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// questionViews prepares the questions of a survey for the page; errors
// are keyed as the service reports them (answers.<question id>).
func questionViews(qs []survey.Question, errors map[string]string) []questionView {
	number := map[int64]int{}
	byID := map[int64]*survey.Question{}
	out := make([]questionView, len(qs))
	for i := range qs {
		q := qs[i]
		number[q.ID], byID[q.ID] = i+1, &qs[i]
		v := questionView{Question: q, Number: i + 1, Anchor: "q-" + strconv.FormatInt(q.ID, 10), Name: answerName(&q),
			Err: errors[answerField(q.ID)]}
		if c := q.Condition; c != nil {
			if src := byID[c.QuestionID]; src != nil {
				labels := make([]string, len(c.OptionIDs))
				for j, id := range c.OptionIDs {
					labels[j] = "“" + src.OptionLabel(id) + "”"
				}
				v.Condition = fmt.Sprintf("仅当第%d题选择了%s时回答本题，否则请跳过。", number[src.ID], strings.Join(labels, "或"))
				v.CondName = answerName(src)
				v.CondOptions = strings.Join(c.OptionIDs, " ")
			}
		}
		if q.Kind == survey.KindScale || q.Kind == survey.KindMatrix {
			v.Scale = scalePoints(q)
		}
		switch {
		case q.Kind.Choice():
			v.Options = q.ChoiceOptions()
		case q.Kind == survey.KindRanking:
			v.Options = q.Config.Options
			for n := range q.Config.Options {
				v.Places = append(v.Places, n+1)
			}
		}
		out[i] = v
	}
	return out
}

// errorLink is one entry of the error summary at the top of a form.
type errorLink struct {
	Href    string
	Message string
}

// answerErrorSummary lists the errors of a response in question order.
func answerErrorSummary(qs []questionView, errors map[string]string) []errorLink {
	var out []errorLink
	if msg := errors["sensitive_consent"]; msg != "" {
		out = append(out, errorLink{Href: "#f-sensitive_consent", Message: msg})
	}
	for _, q := range qs {
		// Without the consent every sensitive question is refused for
		// that one reason: the summary names it once, at the consent box.
		if q.Err != "" && !(q.Sensitive && errors["sensitive_consent"] != "") {
			out = append(out, errorLink{Href: "#" + q.Anchor, Message: q.Err})
		}
	}
	if msg := errors["answers"]; msg != "" {
		out = append(out, errorLink{Href: "#questions", Message: msg})
	}
	return out
}

// conditionText is a question's display condition in words, for the builder.
func conditionText(qs []survey.Question, q survey.Question) string {
	if q.Condition == nil {
		return ""
	}
	for i := range qs {
		if qs[i].ID == q.Condition.QuestionID {
			labels := make([]string, len(q.Condition.OptionIDs))
			for j, id := range q.Condition.OptionIDs {
				labels[j] = "“" + qs[i].OptionLabel(id) + "”"
			}
			return fmt.Sprintf("第%d题选择了%s时显示", i+1, strings.Join(labels, "或"))
		}
	}
	return ""
}
