package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/survey"
)

// questionFormData backs the form that adds or edits a question.
type questionFormData struct {
	Survey   survey.Survey
	Question *survey.Question // nil when adding
	Kind     survey.Kind
	Number   int
	// Sources are the earlier choice questions a display condition may
	// name, with their options as checkboxes (value "question:option").
	Sources     []conditionSource
	Selected    map[string]bool
	Action      string
	SubmitLabel string
}

// conditionSource is an earlier choice question offered for a condition.
type conditionSource struct {
	Number  int
	Title   string
	Options []conditionOption
}

// conditionOption is one option of a condition source: its checkbox's
// value ("question:option") and element id.
type conditionOption struct {
	Value, Label, ID string
}

// The kind-specific fields, as the form's template asks for them.

// IsChoice reports a single or multiple choice question.
func (d questionFormData) IsChoice() bool { return d.Kind.Choice() }

// HasOptions reports a question with an option list (choice, ranking).
func (d questionFormData) HasOptions() bool { return d.Kind.Choice() || d.Kind == survey.KindRanking }

// HasScale reports a scale or matrix question.
func (d questionFormData) HasScale() bool {
	return d.Kind == survey.KindScale || d.Kind == survey.KindMatrix
}

// KindName is the Chinese name of the question type.
func (d questionFormData) KindName() string { return survey.KindNames[d.Kind] }

func (s *site) questionFormData(sv survey.Survey, q *survey.Question, kind survey.Kind) questionFormData {
	data := questionFormData{Survey: sv, Question: q, Kind: kind, Number: len(sv.Questions) + 1, Selected: map[string]bool{},
		Action: staffSurveyURL(sv.ID, "/questions/new"), SubmitLabel: "添加题目"}
	if q != nil {
		data.Action = staffSurveyURL(sv.ID, "/questions/"+strconv.FormatInt(q.ID, 10)+"/edit")
		data.SubmitLabel = "保存题目"
	}
	for i, src := range sv.Questions {
		if q != nil && src.ID == q.ID {
			data.Number = i + 1
			break // a condition names an earlier question only
		}
		if !src.Kind.Choice() {
			continue
		}
		cs := conditionSource{Number: i + 1, Title: src.Title}
		for _, o := range src.ChoiceOptions() {
			cs.Options = append(cs.Options, conditionOption{Value: strconv.FormatInt(src.ID, 10) + ":" + o.ID, Label: o.Label,
				ID: "f-cond-" + strconv.FormatInt(src.ID, 10) + "-" + o.ID})
		}
		data.Sources = append(data.Sources, cs)
	}
	return data
}

// questionFormValues fills the form from a stored question.
func questionFormValues(p *page, data *questionFormData, q survey.Question) {
	c := q.Config
	p.Form["title"], p.Form["help"] = q.Title, q.Help
	if q.Required {
		p.Form["required"] = "on"
	}
	if q.Sensitive {
		p.Form["sensitive"] = "on"
	}
	opts := make([]string, len(c.Options))
	for i, o := range c.Options {
		opts[i] = o.Label
	}
	p.Form["config.options"] = strings.Join(opts, "\n")
	rows := make([]string, len(c.Rows))
	for i, o := range c.Rows {
		rows[i] = o.Label
	}
	p.Form["config.rows"] = strings.Join(rows, "\n")
	if c.AllowOther {
		p.Form["config.allow_other"] = "on"
	}
	p.Form["config.other_label"] = c.OtherLabel
	p.Form["config.min_choices"] = intValue(c.MinChoices)
	p.Form["config.max_choices"] = intValue(c.MaxChoices)
	p.Form["config.scale_min"] = strconv.Itoa(c.ScaleMin)
	p.Form["config.scale_max"] = strconv.Itoa(c.ScaleMax)
	p.Form["config.min_label"], p.Form["config.max_label"] = c.MinLabel, c.MaxLabel
	p.Form["config.max_length"] = intValue(c.MaxLength)
	if c.NumberMin != nil {
		p.Form["config.number_min"] = formatFloat(*c.NumberMin)
	}
	if c.NumberMax != nil {
		p.Form["config.number_max"] = formatFloat(*c.NumberMax)
	}
	if c.Integer {
		p.Form["config.integer"] = "on"
	}
	if q.Condition != nil {
		for _, id := range q.Condition.OptionIDs {
			data.Selected[strconv.FormatInt(q.Condition.QuestionID, 10)+":"+id] = true
		}
	}
}

func intValue(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// defaultQuestionValues are the settings a new question starts with.
func defaultQuestionValues(p *page, kind survey.Kind) {
	p.Form["required"] = "on"
	switch kind {
	case survey.KindScale, survey.KindMatrix:
		p.Form["config.scale_min"], p.Form["config.scale_max"] = "1", "5"
		p.Form["config.min_label"], p.Form["config.max_label"] = "非常不满意", "非常满意"
	case survey.KindText:
		p.Form["config.max_length"] = "1000"
	}
}

// lines splits a textarea into its non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// optionsOf makes options from lines, keeping the id of an option whose
// label is unchanged, so display conditions that name it still hold.
func optionsOf(labels []string, old []survey.Option) []survey.Option {
	out := make([]survey.Option, len(labels))
	used := map[string]bool{}
	for i, l := range labels {
		out[i].Label = l
		for _, o := range old {
			if o.Label == l && !used[o.ID] {
				out[i].ID, used[o.ID] = o.ID, true
				break
			}
		}
	}
	return out
}

// readQuestionForm reads the posted question into the page and the service
// input; it reports false when a field cannot be parsed.
func readQuestionForm(r *http.Request, p *page, data *questionFormData) (survey.QuestionInput, bool) {
	p.keep(r, "title", "help", "config.options", "config.other_label", "config.min_choices", "config.max_choices",
		"config.scale_min", "config.scale_max", "config.min_label", "config.max_label", "config.rows", "config.max_length",
		"config.number_min", "config.number_max")
	p.keepChecked(r, "required", "sensitive", "config.allow_other", "config.integer")
	in := survey.QuestionInput{Kind: data.Kind, Title: p.Form["title"], Help: p.Form["help"], Required: p.Form["required"] != "",
		Sensitive: p.Form["sensitive"] != ""}
	var old survey.Config
	if data.Question != nil {
		old = data.Question.Config
	}
	ok := true
	integer := func(name string, dst *int) {
		v := strings.TrimSpace(p.Form[name])
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Errors[name] = "请填写整数"
			ok = false
		}
		*dst = n
	}
	number := func(name string) *float64 {
		v := strings.TrimSpace(p.Form[name])
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			p.Errors[name] = "请填写数字"
			ok = false
			return nil
		}
		return &f
	}
	c := &in.Config
	switch {
	case data.HasOptions():
		c.Options = optionsOf(lines(p.Form["config.options"]), old.Options)
	}
	if data.IsChoice() {
		c.AllowOther, c.OtherLabel = p.Form["config.allow_other"] != "", p.Form["config.other_label"]
	}
	if data.Kind == survey.KindMultipleChoice {
		integer("config.min_choices", &c.MinChoices)
		integer("config.max_choices", &c.MaxChoices)
	}
	if data.HasScale() {
		integer("config.scale_min", &c.ScaleMin)
		integer("config.scale_max", &c.ScaleMax)
		c.MinLabel, c.MaxLabel = p.Form["config.min_label"], p.Form["config.max_label"]
	}
	switch data.Kind {
	case survey.KindMatrix:
		c.Rows = optionsOf(lines(p.Form["config.rows"]), old.Rows)
	case survey.KindText:
		integer("config.max_length", &c.MaxLength)
	case survey.KindNumber:
		c.NumberMin, c.NumberMax = number("config.number_min"), number("config.number_max")
		c.Integer = p.Form["config.integer"] != ""
	}
	// The condition: options of one earlier choice question.
	var source int64
	for _, v := range r.PostForm["condition"] {
		data.Selected[v] = true
		qs, opt, found := strings.Cut(v, ":")
		qid, err := strconv.ParseInt(qs, 10, 64)
		if !found || err != nil {
			continue
		}
		if source != 0 && qid != source {
			p.Errors["condition"] = "显示条件只能引用一道题：请只勾选同一道题的选项"
			ok = false
			continue
		}
		source = qid
		if in.Condition == nil {
			in.Condition = &survey.Condition{QuestionID: qid}
		}
		if !slices.Contains(in.Condition.OptionIDs, opt) {
			in.Condition.OptionIDs = append(in.Condition.OptionIDs, opt)
		}
	}
	return in, ok
}

// loadQuestion finds the question of the path in the survey.
func loadQuestion(r *http.Request, sv survey.Survey) (*survey.Question, bool) {
	qid := questionID(r)
	for i := range sv.Questions {
		if sv.Questions[i].ID == qid {
			return &sv.Questions[i], true
		}
	}
	return nil, false
}

func (s *site) newQuestionForm(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	kind, ok := kindInQuery(w, r, survey.KindNames, staffSurveyURL(sv.ID, "#add-question"))
	if !ok {
		return
	}
	p := s.newPage(r, "添加"+survey.KindNames[kind])
	data := s.questionFormData(sv, nil, kind)
	defaultQuestionValues(&p, kind)
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_survey_question", p)
}

// saveQuestion adds or updates a question from the posted form.
func (s *site) saveQuestion(w http.ResponseWriter, r *http.Request, editing bool) {
	id, ok := s.postedID(w, r, "您访问的问卷不存在。")
	if !ok {
		return
	}
	ctx, actor := r.Context(), currentAccount(r)
	p := s.newPage(r, "题目")
	sv, err := s.svc.Survey.GetSurvey(ctx, actor, id)
	if err != nil {
		// The builder operation gives its own refusal: staff of another
		// agency are not_survey_owner there, whether or not they may see
		// the survey.
		if editing {
			_, err = s.svc.Survey.UpdateQuestion(ctx, actor, id, questionID(r), survey.QuestionInput{})
		} else {
			_, _, err = s.svc.Survey.AddQuestion(ctx, actor, id, survey.QuestionInput{})
		}
		s.surveyPageError(w, r, err)
		return
	}
	var q *survey.Question
	kind := survey.Kind(r.PostFormValue("kind"))
	if editing {
		if q, ok = loadQuestion(r, sv); ok {
			kind = q.Kind
		}
	}
	data := s.questionFormData(sv, q, kind)
	in, parsed := readQuestionForm(r, &p, &data)
	status := http.StatusUnprocessableEntity
	if parsed {
		var qid int64
		if editing {
			qid = questionID(r)
			_, err = s.svc.Survey.UpdateQuestion(ctx, actor, id, qid, in)
		} else {
			_, qid, err = s.svc.Survey.AddQuestion(ctx, actor, id, in)
		}
		if err == nil {
			flash := "question_added"
			if editing {
				flash = "question_saved"
			}
			http.Redirect(w, r, staffSurveyURL(id, "?flash="+flash+"#question-"+strconv.FormatInt(qid, 10)), http.StatusSeeOther)
			return
		}
		if status = s.formError(r, &p, err); accessRefusal(status) {
			s.surveyPageError(w, r, err)
			return
		}
	}
	if m := p.Errors["kind"]; m != "" && p.Message == "" {
		p.Message = m
	}
	p.askToFix()
	p.Title = "添加" + survey.KindNames[kind]
	if editing {
		p.Title = "编辑第" + strconv.Itoa(data.Number) + "题"
	}
	p.Data = data
	s.render(w, r, status, "staff_survey_question", p)
}

func (s *site) addQuestion(w http.ResponseWriter, r *http.Request)    { s.saveQuestion(w, r, false) }
func (s *site) updateQuestion(w http.ResponseWriter, r *http.Request) { s.saveQuestion(w, r, true) }

func (s *site) editQuestionForm(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	q, ok := loadQuestion(r, sv)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "这道题不存在或已被删除。")
		return
	}
	data := s.questionFormData(sv, q, q.Kind)
	p := s.newPage(r, "编辑第"+strconv.Itoa(data.Number)+"题")
	questionFormValues(&p, &data, *q)
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_survey_question", p)
}
