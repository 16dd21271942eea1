package api

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// SurveyOptionView is an answer option or a matrix row.
type SurveyOptionView struct {
	ID    string `json:"id,omitempty" maxLength:"32" doc:"Stable id that conditions, answers and exports use; given by the server when absent (o1, o2, … / r1, r2, …). \"other\" is the reserved id of the other-with-text option."`
	Label string `json:"label" maxLength:"1000"`
}

// SurveyConditionView shows a question only when an earlier choice answer
// includes one of the options.
type SurveyConditionView struct {
	QuestionID int64    `json:"question_id" doc:"An earlier single_choice or multiple_choice question."`
	OptionIDs  []string `json:"option_ids" maxItems:"60" doc:"Show the question when the answer includes any of these options."`
}

// SurveyQuestionConfigView is the kind-specific part of a question.
type SurveyQuestionConfigView struct {
	Options    []SurveyOptionView `json:"options,omitempty" maxItems:"60" doc:"single_choice, multiple_choice, ranking."`
	MinChoices int                `json:"min_choices,omitempty" minimum:"0" doc:"multiple_choice: fewest options to pick."`
	MaxChoices int                `json:"max_choices,omitempty" minimum:"0" doc:"multiple_choice: most options to pick; 0 is no limit."`
	AllowOther bool               `json:"allow_other,omitempty" doc:"Choice questions: add an \"other\" option (id other) whose text the respondent types."`
	OtherLabel string             `json:"other_label,omitempty" maxLength:"200"`
	ScaleMin   int                `json:"scale_min" required:"false" doc:"scale, matrix: lowest value (e.g. 1 or 0)."`
	ScaleMax   int                `json:"scale_max" required:"false" doc:"scale, matrix: highest value (e.g. 5 or 10)."`
	MinLabel   string             `json:"min_label,omitempty" maxLength:"200" doc:"Label of the lowest value, e.g. 非常不满意."`
	MaxLabel   string             `json:"max_label,omitempty" maxLength:"200" doc:"Label of the highest value, e.g. 非常满意."`
	Rows       []SurveyOptionView `json:"rows,omitempty" maxItems:"60" doc:"matrix: the rows, each rated on the scale."`
	MaxLength  int                `json:"max_length,omitempty" minimum:"0" doc:"text: most characters (default 1000, at most 5000)."`
	NumberMin  *float64           `json:"number_min,omitempty" doc:"number: smallest allowed value."`
	NumberMax  *float64           `json:"number_max,omitempty" doc:"number: largest allowed value."`
	Integer    bool               `json:"integer,omitempty" doc:"number: whole numbers only."`
}

// SurveyQuestionView is a question of a survey.
type SurveyQuestionView struct {
	ID        int64                    `json:"id"`
	Position  int                      `json:"position" doc:"Place in the survey, from 1."`
	Kind      string                   `json:"kind" enum:"single_choice,multiple_choice,scale,matrix,text,number,ranking"`
	KindName  string                   `json:"kind_name"`
	Title     string                   `json:"title"`
	Help      string                   `json:"help,omitempty"`
	Required  bool                     `json:"required"`
	Sensitive bool                     `json:"sensitive" doc:"Asks for sensitive personal information (health, children): answering needs the separate sensitive_consent. Never required: a resident without the consent skips it (PIPL Art. 16); only a survey closed before that rule may show one with required true."`
	Config    SurveyQuestionConfigView `json:"config"`
	Condition *SurveyConditionView     `json:"condition,omitempty"`
}

// SurveyView is an opinion survey (民意调查).
type SurveyView struct {
	ID                      int64                `json:"id"`
	Agency                  AgencyRefView        `json:"agency" doc:"The agency that runs the survey."`
	DecisionID              *int64               `json:"decision_id,omitempty" doc:"The decision item the survey is about."`
	Title                   string               `json:"title"`
	Description             string               `json:"description,omitempty"`
	OpensAt                 time.Time            `json:"opens_at"`
	ClosesAt                time.Time            `json:"closes_at"`
	Audience                string               `json:"audience" enum:"public" doc:"public: any verified resident."`
	Anonymous               bool                 `json:"anonymous" doc:"Results and exports never link an answer to an account."`
	ResultsPublicAfterClose bool                 `json:"results_public_after_close"`
	PrivacyNotice           string               `json:"privacy_notice" doc:"Who collects the answers, why, and how long they are kept."`
	Status                  string               `json:"status" enum:"draft,open,closed"`
	StatusName              string               `json:"status_name"`
	AcceptingResponses      bool                 `json:"accepting_responses" doc:"Whether answers are accepted now."`
	CreatedAt               time.Time            `json:"created_at"`
	UpdatedAt               time.Time            `json:"updated_at"`
	OpenedAt                *time.Time           `json:"opened_at,omitempty"`
	ClosedAt                *time.Time           `json:"closed_at,omitempty"`
	TargetResponses         *int                 `json:"target_responses,omitempty" doc:"The number of responses the survey aims for; absent: none set."`
	Questions               []SurveyQuestionView `json:"questions" doc:"In display order; empty in lists."`
}

func surveyOptionViews(os []survey.Option) []SurveyOptionView {
	if os == nil {
		return nil
	}
	return views(os, func(o survey.Option) SurveyOptionView { return SurveyOptionView{ID: o.ID, Label: o.Label} })
}

func surveyOptions(vs []SurveyOptionView) []survey.Option {
	if vs == nil {
		return nil
	}
	out := make([]survey.Option, len(vs))
	for i, v := range vs {
		out[i] = survey.Option{ID: v.ID, Label: v.Label}
	}
	return out
}

func surveyQuestionView(q survey.Question) SurveyQuestionView {
	c := q.Config
	v := SurveyQuestionView{ID: q.ID, Position: q.Position, Kind: string(q.Kind), KindName: survey.KindNames[q.Kind], Title: q.Title,
		Help: q.Help, Required: q.Required, Sensitive: q.Sensitive,
		Config: SurveyQuestionConfigView{Options: surveyOptionViews(c.Options), MinChoices: c.MinChoices, MaxChoices: c.MaxChoices,
			AllowOther: c.AllowOther, OtherLabel: c.OtherLabel, ScaleMin: c.ScaleMin, ScaleMax: c.ScaleMax, MinLabel: c.MinLabel,
			MaxLabel: c.MaxLabel, Rows: surveyOptionViews(c.Rows), MaxLength: c.MaxLength, NumberMin: c.NumberMin, NumberMax: c.NumberMax,
			Integer: c.Integer}}
	if q.Condition != nil {
		v.Condition = &SurveyConditionView{QuestionID: q.Condition.QuestionID, OptionIDs: q.Condition.OptionIDs}
	}
	return v
}

func surveyView(sv survey.Survey, now time.Time) SurveyView {
	return SurveyView{ID: sv.ID, Agency: AgencyRefView{Code: sv.AgencyCode, Name: sv.AgencyName}, DecisionID: sv.DecisionID,
		Title: sv.Title, Description: sv.Description, OpensAt: sv.OpensAt.UTC(), ClosesAt: sv.ClosesAt.UTC(), Audience: string(sv.Audience),
		Anonymous: sv.Anonymous, ResultsPublicAfterClose: sv.ResultsPublicAfterClose, PrivacyNotice: sv.PrivacyNotice,
		Status: string(sv.Status), StatusName: survey.StatusNames[sv.Status], AcceptingResponses: sv.AcceptsResponses(now),
		CreatedAt: sv.CreatedAt.UTC(), UpdatedAt: sv.UpdatedAt.UTC(), OpenedAt: utcPtr(sv.OpenedAt), ClosedAt: utcPtr(sv.ClosedAt),
		TargetResponses: sv.TargetResponses, Questions: views(sv.Questions, surveyQuestionView)}
}

// SurveyInputBody is the editable part of a survey.
type SurveyInputBody struct {
	Title                   string     `json:"title" maxLength:"1000" doc:"At most 200 characters." example:"城区义务教育学校招生入学办法民意调查"`
	Description             string     `json:"description,omitempty" maxLength:"20000" doc:"At most 5000 characters."`
	DecisionID              *int64     `json:"decision_id,omitempty" minimum:"1" doc:"A decision item of the caller's agency as lead unit."`
	OpensAt                 *time.Time `json:"opens_at,omitempty" doc:"When answers start; when the survey is opened if absent or past."`
	ClosesAt                time.Time  `json:"closes_at" doc:"When answers end; the survey closes by itself then."`
	Audience                string     `json:"audience,omitempty" enum:"public" default:"public" doc:"public: any verified resident."`
	Anonymous               bool       `json:"anonymous,omitempty" doc:"Results and exports never link an answer to an account; one response per resident still holds (keyed hash)."`
	ResultsPublicAfterClose bool       `json:"results_public_after_close,omitempty" doc:"Anyone may read the results once the survey has closed."`
	PrivacyNotice           string     `json:"privacy_notice,omitempty" maxLength:"12000" doc:"Who collects the answers, why and how long they are kept (PIPL Art. 17); required, at most 3000 characters."`
	TargetResponses         *int       `json:"target_responses,omitempty" doc:"The number of responses the survey aims for, 1 to 1,000,000 (422 survey_target_invalid otherwise); absent: none. For a decision in a livelihood domain the survey counts as held only when it closed with at least this many responses and the decision body's minimum (gate survey_required)."`
}

func (b SurveyInputBody) input() survey.Input {
	return survey.Input{Title: b.Title, Description: b.Description, DecisionID: b.DecisionID, OpensAt: deref(b.OpensAt),
		ClosesAt: b.ClosesAt, Anonymous: b.Anonymous, ResultsPublicAfterClose: b.ResultsPublicAfterClose,
		PrivacyNotice: b.PrivacyNotice, TargetResponses: b.TargetResponses}
}

// SurveyQuestionInputBody is a question as the builder sends it.
type SurveyQuestionInputBody struct {
	Kind      string                   `json:"kind" enum:"single_choice,multiple_choice,scale,matrix,text,number,ranking"`
	Title     string                   `json:"title" maxLength:"2000" doc:"At most 500 characters."`
	Help      string                   `json:"help,omitempty" maxLength:"8000" doc:"At most 2000 characters."`
	Required  bool                     `json:"required,omitempty"`
	Sensitive bool                     `json:"sensitive,omitempty" doc:"Health, children and other sensitive information: answering needs a separate consent. Not with required (422 question_sensitive_must_be_optional, PIPL Art. 16)."`
	Config    SurveyQuestionConfigView `json:"config,omitempty"`
	Condition *SurveyConditionView     `json:"condition,omitempty"`
	Position  int                      `json:"position,omitempty" minimum:"0" doc:"1-based place; absent: at the end (add) or where it is (update)."`
}

func (b SurveyQuestionInputBody) input() survey.QuestionInput {
	c := b.Config
	in := survey.QuestionInput{Kind: survey.Kind(b.Kind), Title: b.Title, Help: b.Help, Required: b.Required, Sensitive: b.Sensitive,
		Position: b.Position, Config: survey.Config{Options: surveyOptions(c.Options), MinChoices: c.MinChoices, MaxChoices: c.MaxChoices,
			AllowOther: c.AllowOther, OtherLabel: c.OtherLabel, ScaleMin: c.ScaleMin, ScaleMax: c.ScaleMax, MinLabel: c.MinLabel,
			MaxLabel: c.MaxLabel, Rows: surveyOptions(c.Rows), MaxLength: c.MaxLength, NumberMin: c.NumberMin, NumberMax: c.NumberMax,
			Integer: c.Integer}}
	if b.Condition != nil {
		in.Condition = &survey.Condition{QuestionID: b.Condition.QuestionID, OptionIDs: b.Condition.OptionIDs}
	}
	return in
}

// SurveyAnswerView is the answer to one question; which fields count
// depends on the question's kind.
type SurveyAnswerView struct {
	QuestionID int64          `json:"question_id" minimum:"1"`
	Choices    []string       `json:"choices,omitempty" maxItems:"60" doc:"single_choice (one id), multiple_choice."`
	OtherText  string         `json:"other_text,omitempty" maxLength:"1000" doc:"The text of the \"other\" option when chosen."`
	Value      *int           `json:"value,omitempty" doc:"scale."`
	Rows       map[string]int `json:"rows,omitempty" doc:"matrix: row id → value, every row."`
	Text       string         `json:"text,omitempty" maxLength:"20000" doc:"text."`
	Number     *float64       `json:"number,omitempty" doc:"number."`
	Ranking    []string       `json:"ranking,omitempty" maxItems:"60" doc:"ranking: every option id, first place first."`
}

// SurveyResponseView is a resident's own response.
type SurveyResponseView struct {
	ID               int64              `json:"id"`
	SurveyID         int64              `json:"survey_id"`
	SubmittedAt      time.Time          `json:"submitted_at" doc:"For an anonymous survey, only the day."`
	SensitiveConsent bool               `json:"sensitive_consent"`
	Answers          []SurveyAnswerView `json:"answers"`
}

func surveyResponseView(r survey.Response) SurveyResponseView {
	v := SurveyResponseView{ID: r.ID, SurveyID: r.SurveyID, SubmittedAt: r.SubmittedAt.UTC(), SensitiveConsent: r.SensitiveConsent,
		Answers: make([]SurveyAnswerView, 0, len(r.Answers))}
	for id, a := range r.Answers {
		v.Answers = append(v.Answers, SurveyAnswerView{QuestionID: id, Choices: a.Choices, OtherText: a.OtherText, Value: a.Value,
			Rows: a.Rows, Text: a.Text, Number: a.Number, Ranking: a.Ranking})
	}
	slices.SortFunc(v.Answers, func(a, b SurveyAnswerView) int { return int(a.QuestionID - b.QuestionID) })
	return v
}

// SurveyOptionCountView is how many chose an option.
type SurveyOptionCountView struct {
	ID      string  `json:"id"`
	Label   string  `json:"label"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent" doc:"Of the respondents who answered the question, one decimal."`
}

// SurveyValueCountView is one value of a distribution.
type SurveyValueCountView struct {
	Value   float64 `json:"value"`
	Count   int64   `json:"count"`
	Percent float64 `json:"percent"`
}

// SurveyRowResultView is one matrix row.
type SurveyRowResultView struct {
	ID           string                 `json:"id"`
	Label        string                 `json:"label"`
	Distribution []SurveyValueCountView `json:"distribution"`
	Mean         *float64               `json:"mean,omitempty"`
	Median       *float64               `json:"median,omitempty"`
}

// SurveyRankResultView is one option of a ranking question.
type SurveyRankResultView struct {
	ID          string  `json:"id"`
	Label       string  `json:"label"`
	AverageRank float64 `json:"average_rank" doc:"1 is first place."`
	Places      []int64 `json:"places" doc:"How many ranked it first, second, …"`
}

// SurveyQuestionResultView is the result of one question.
type SurveyQuestionResultView struct {
	QuestionID   int64                   `json:"question_id"`
	Kind         string                  `json:"kind" enum:"single_choice,multiple_choice,scale,matrix,text,number,ranking"`
	Title        string                  `json:"title"`
	Answered     int64                   `json:"answered" doc:"Respondents who answered this question."`
	Options      []SurveyOptionCountView `json:"options,omitempty"`
	Distribution []SurveyValueCountView  `json:"distribution,omitempty" doc:"scale, number."`
	Mean         *float64                `json:"mean,omitempty"`
	Median       *float64                `json:"median,omitempty"`
	Rows         []SurveyRowResultView   `json:"rows,omitempty"`
	Ranking      []SurveyRankResultView  `json:"ranking,omitempty"`
	TextAnswers  []string                `json:"text_answers,omitempty" doc:"The newest 100 text answers (and other-option texts); staff of the survey only."`
}

// SurveyResultsView are a survey's results.
type SurveyResultsView struct {
	SurveyID            int64                      `json:"survey_id"`
	Title               string                     `json:"title"`
	Status              string                     `json:"status" enum:"draft,open,closed"`
	Respondents         int64                      `json:"respondents"`
	TextAnswersIncluded bool                       `json:"text_answers_included"`
	Questions           []SurveyQuestionResultView `json:"questions"`
}

func surveyValueCount(d survey.ValueCount) SurveyValueCountView {
	return SurveyValueCountView{Value: d.Value, Count: d.Count, Percent: d.Percent}
}

func surveyResultsView(r survey.Results) SurveyResultsView {
	v := SurveyResultsView{SurveyID: r.Survey.ID, Title: r.Survey.Title, Status: string(r.Survey.Status), Respondents: r.Respondents,
		TextAnswersIncluded: r.Full, Questions: make([]SurveyQuestionResultView, len(r.Questions))}
	for i, q := range r.Questions {
		qv := SurveyQuestionResultView{QuestionID: q.Question.ID, Kind: string(q.Question.Kind), Title: q.Question.Title,
			Answered: q.Answered, Mean: q.Mean, Median: q.Median, TextAnswers: q.TextAnswers}
		for _, o := range q.Options {
			qv.Options = append(qv.Options, SurveyOptionCountView{ID: o.ID, Label: o.Label, Count: o.Count, Percent: o.Percent})
		}
		if q.Distribution != nil {
			qv.Distribution = views(q.Distribution, surveyValueCount)
		}
		for _, row := range q.Rows {
			qv.Rows = append(qv.Rows, SurveyRowResultView{ID: row.ID, Label: row.Label, Distribution: views(row.Distribution, surveyValueCount),
				Mean: row.Mean, Median: row.Median})
		}
		for _, rr := range q.Ranking {
			qv.Ranking = append(qv.Ranking, SurveyRankResultView{ID: rr.ID, Label: rr.Label, AverageRank: rr.AverageRank, Places: rr.Places})
		}
		v.Questions[i] = qv
	}
	return v
}

// SurveyQuestionRefView names a question.
type SurveyQuestionRefView struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// SurveyCrosstabView is a cross-tabulation of two choice questions.
type SurveyCrosstabView struct {
	SurveyID       int64                 `json:"survey_id"`
	RowQuestion    SurveyQuestionRefView `json:"row_question"`
	ColumnQuestion SurveyQuestionRefView `json:"column_question"`
	Rows           []SurveyOptionView    `json:"rows" doc:"Options of the row question."`
	Columns        []SurveyOptionView    `json:"columns" doc:"Options of the column question."`
	Counts         [][]*int64            `json:"counts" doc:"counts[i][j]: respondents who chose row option i and column option j. Null when withheld from the public: a cell of 1 to 4 respondents, or one hidden with it so that it cannot be worked out from the totals (the survey's staff see every cell)."`
	RowTotals      []int64               `json:"row_totals" doc:"Respondents who answered both questions and chose row option i."`
	Respondents    int64                 `json:"respondents" doc:"Respondents who answered both questions."`
}

func surveyCrosstabView(c survey.Crosstab) SurveyCrosstabView {
	return SurveyCrosstabView{SurveyID: c.Survey.ID, RowQuestion: SurveyQuestionRefView{ID: c.RowQuestion.ID, Title: c.RowQuestion.Title},
		ColumnQuestion: SurveyQuestionRefView{ID: c.ColQuestion.ID, Title: c.ColQuestion.Title}, Rows: surveyOptionViews(c.Rows),
		Columns: surveyOptionViews(c.Columns), Counts: crosstabCounts(c), RowTotals: c.RowTotals, Respondents: c.Respondents}
}

// crosstabCounts are the cells with the withheld ones null.
func crosstabCounts(c survey.Crosstab) [][]*int64 {
	out := make([][]*int64, len(c.Counts))
	for i, row := range c.Counts {
		out[i] = make([]*int64, len(row))
		for j := range row {
			if c.Withheld == nil || !c.Withheld[i][j] {
				out[i][j] = &row[j]
			}
		}
	}
	return out
}

// SurveyWaiverView is the recorded reason why a livelihood decision held no survey.
type SurveyWaiverView struct {
	DecisionID int64     `json:"decision_id"`
	Reason     string    `json:"reason"`
	WaivedAt   time.Time `json:"waived_at"`
}

// SurveyPath names one survey in the path.
type SurveyPath struct {
	SurveyID int64 `path:"survey_id" minimum:"1"`
}

type surveysOutputBody struct {
	Surveys    []SurveyView `json:"surveys"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

type listSurveysInput struct {
	DecisionID int64  `query:"decision_id" minimum:"0" doc:"Only the surveys of this decision item."`
	Status     string `query:"status" enum:"draft,open,closed,"`
	Mine       bool   `query:"mine" doc:"Only the surveys of the caller's agency, drafts included."`
	PageQuery
}

type updateSurveyInput struct {
	SurveyPath
	Body SurveyInputBody
}

type addSurveyQuestionInput struct {
	SurveyPath
	Body SurveyQuestionInputBody
}

// SurveyQuestionPath names one question of a survey in the path.
type SurveyQuestionPath struct {
	SurveyPath
	QuestionID int64 `path:"question_id" minimum:"1"`
}

type updateSurveyQuestionInput struct {
	SurveyQuestionPath
	Body SurveyQuestionInputBody
}

type addSurveyQuestionOutput struct {
	Location string `header:"Location"`
	Body     SurveyView
}

type submitSurveyResponseInput struct {
	SurveyID       int64  `path:"survey_id" minimum:"1"`
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"A retry with the same key returns the first response and stores nothing new."`
	Body           struct {
		Answers          []SurveyAnswerView `json:"answers" maxItems:"400"`
		SensitiveConsent bool               `json:"sensitive_consent,omitempty" doc:"The separate consent to answer questions marked sensitive; never pre-ticked."`
	}
}

type surveyResponseOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the first response returned again for a retried Idempotency-Key."`
	Body     SurveyResponseView
}

type surveyCrosstabInput struct {
	SurveyID       int64 `path:"survey_id" minimum:"1"`
	RowQuestion    int64 `query:"row_question" minimum:"1" required:"true" doc:"A choice question, e.g. the district."`
	ColumnQuestion int64 `query:"column_question" minimum:"1" required:"true" doc:"Another choice question, e.g. the opinion."`
}

type exportSurveyResponsesInput struct {
	SurveyID int64  `path:"survey_id" minimum:"1"`
	Format   string `query:"format" enum:"csv,xlsx" default:"csv"`
}

type waiveSurveyRequirementInputBody struct {
	Reason string `json:"reason,omitempty" maxLength:"8000" doc:"Why no opinion survey is held; required, at most 2000 characters."`
}

// surveyFile streams what write makes as the file filename.
func surveyFile(ctx context.Context, contentType, filename string, write func(io.Writer) error) (*streamedFile, error) {
	return streamFile(ctx, "canyu-survey-*", contentType, `attachment; filename="`+filename+`"`, write)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *server) registerSurveys() {
	tags := []string{"Surveys"}
	staff := roles(identity.RoleAgencyStaff)
	resident := roles(identity.RoleResident)
	now := func() time.Time { return s.svc.Survey.Now() }
	view := func(sv survey.Survey) SurveyView { return surveyView(sv, now()) }
	answerPage(s, huma.Operation{OperationID: "list-surveys", Method: http.MethodGet, Path: "/surveys",
		Summary: "List surveys", Tags: tags, Errors: []int{422},
		Description: "Newest first, without questions. Everyone sees open and closed surveys; staff also their own agency's drafts."},
		public(), func(ctx context.Context, in *listSurveysInput) ([]survey.Survey, string, error) {
			return s.svc.Survey.ListSurveys(ctx, actor(ctx), survey.ListFilter{DecisionID: in.DecisionID,
				Status: survey.Status(in.Status), Mine: in.Mine, Limit: in.Limit, Cursor: in.Cursor})
		}, view, func(list []SurveyView, next string) surveysOutputBody {
			return surveysOutputBody{Surveys: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "create-survey", Method: http.MethodPost, Path: "/surveys",
		Summary: "Create a survey", Tags: tags, Errors: []int{422}, DefaultStatus: http.StatusCreated,
		Description: "Creates a draft survey of the caller's agency, optionally linked to a decision item the agency leads. The privacy notice is required."},
		staff, func(ctx context.Context, in *withBody[SurveyInputBody]) (survey.Survey, error) {
			return s.svc.Survey.CreateSurvey(ctx, actor(ctx), in.Body.input())
		}, view)
	answer(s, huma.Operation{OperationID: "get-survey", Method: http.MethodGet, Path: "/surveys/{survey_id}",
		Summary: "Get a survey with its questions", Tags: tags, Errors: []int{404},
		Description: "Open and closed surveys are public; a draft is not found except for its agency's staff."},
		public(), func(ctx context.Context, in *SurveyPath) (survey.Survey, error) {
			return s.svc.Survey.GetSurvey(ctx, actor(ctx), in.SurveyID)
		}, view)
	answer(s, huma.Operation{OperationID: "update-survey", Method: http.MethodPut, Path: "/surveys/{survey_id}",
		Summary: "Update a draft survey", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Replaces the editable fields. Only while the survey is a draft (409 `survey_not_editable` after opening)."},
		staff, func(ctx context.Context, in *updateSurveyInput) (survey.Survey, error) {
			return s.svc.Survey.UpdateSurvey(ctx, actor(ctx), in.SurveyID, in.Body.input())
		}, view)
	register(s, huma.Operation{OperationID: "add-survey-question", Method: http.MethodPost, Path: "/surveys/{survey_id}/questions",
		Summary: "Add a question", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "Adds a question at `position` or at the end and returns the survey. A display condition names an earlier single or multiple choice question and its options. A sensitive question cannot be required " +
			"(422 `question_sensitive_must_be_optional`, basis PIPL Art. 16: a resident who declines the separate consent must still be able to answer the rest). Only while the survey is a draft."},
		staff, func(ctx context.Context, in *addSurveyQuestionInput) (*addSurveyQuestionOutput, error) {
			sv, id, err := s.svc.Survey.AddQuestion(ctx, actor(ctx), in.SurveyID, in.Body.input())
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			return &addSurveyQuestionOutput{Location: "/api/v1/surveys/" + strconv.FormatInt(sv.ID, 10) + "/questions/" + strconv.FormatInt(id, 10),
				Body: surveyView(sv, now())}, nil
		})
	answer(s, huma.Operation{OperationID: "update-survey-question", Method: http.MethodPut, Path: "/surveys/{survey_id}/questions/{question_id}",
		Summary: "Update or move a question", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Replaces the question; `position` moves it. Every display condition must still refer to an earlier choice question; a sensitive question cannot be required " +
			"(422 `question_sensitive_must_be_optional`). Only while the survey is a draft."},
		staff, func(ctx context.Context, in *updateSurveyQuestionInput) (survey.Survey, error) {
			return s.svc.Survey.UpdateQuestion(ctx, actor(ctx), in.SurveyID, in.QuestionID, in.Body.input())
		}, view)
	answer(s, huma.Operation{OperationID: "delete-survey-question", Method: http.MethodDelete, Path: "/surveys/{survey_id}/questions/{question_id}",
		Summary: "Delete a question", Tags: tags, Errors: []int{404, 409},
		Description: "Removes the question; refused (409 `survey_question_referenced`) while another question's condition refers to it. Only while the survey is a draft."},
		staff, func(ctx context.Context, in *SurveyQuestionPath) (survey.Survey, error) {
			return s.svc.Survey.DeleteQuestion(ctx, actor(ctx), in.SurveyID, in.QuestionID)
		}, view)
	answer(s, huma.Operation{OperationID: "open-survey", Method: http.MethodPost, Path: "/surveys/{survey_id}/open",
		Summary: "Open a survey", Tags: tags, Errors: []int{404, 409},
		Description: "Publishes the draft: from now on it is fixed, it accepts answers from opens_at to closes_at and closes by itself at closes_at. Recorded in the linked decision's process record."},
		staff, func(ctx context.Context, in *SurveyPath) (survey.Survey, error) {
			return s.svc.Survey.OpenSurvey(ctx, actor(ctx), in.SurveyID)
		}, view)
	answer(s, huma.Operation{OperationID: "close-survey", Method: http.MethodPost, Path: "/surveys/{survey_id}/close",
		Summary: "Close a survey early", Tags: tags, Errors: []int{404, 409},
		Description: "Ends an open survey before closes_at. Recorded in the linked decision's process record."},
		staff, func(ctx context.Context, in *SurveyPath) (survey.Survey, error) {
			return s.svc.Survey.CloseSurvey(ctx, actor(ctx), in.SurveyID)
		}, view)
	register(s, huma.Operation{OperationID: "submit-survey-response", Method: http.MethodPost, Path: "/surveys/{survey_id}/responses",
		Summary: "Answer a survey", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "Stores a verified resident's response, all of it or nothing. One response per resident (409 `survey_already_answered`, also for " +
			"two submissions at once); outside the window 409 `survey_not_open`. Answers are checked against the questions: types, ranges, required, " +
			"display conditions (422 `answer_to_hidden_question`) and the consent for sensitive questions (422 `sensitive_consent_required` for an answer to one without it; " +
			"without the consent the sensitive questions are skipped and the rest is stored, PIPL Art. 16); " +
			"each refused answer is listed in `errors` with location body.answers.<question id>."},
		resident, func(ctx context.Context, in *submitSurveyResponseInput) (*surveyResponseOutput, error) {
			ri := survey.ResponseInput{SensitiveConsent: in.Body.SensitiveConsent, IdempotencyKey: in.IdempotencyKey}
			for _, a := range in.Body.Answers {
				ri.Answers = append(ri.Answers, survey.Answer{QuestionID: a.QuestionID, Choices: a.Choices, OtherText: a.OtherText,
					Value: a.Value, Rows: a.Rows, Text: a.Text, Number: a.Number, Ranking: a.Ranking})
			}
			r, replayed, err := s.svc.Survey.SubmitResponse(ctx, actor(ctx), in.SurveyID, ri)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			out := &surveyResponseOutput{Body: surveyResponseView(r)}
			if replayed {
				out.Replayed = "true"
			}
			return out, nil
		})
	answer(s, huma.Operation{OperationID: "get-my-survey-response", Method: http.MethodGet, Path: "/surveys/{survey_id}/responses/mine",
		Summary: "My response to a survey", Tags: tags, Errors: []int{404},
		Description: "The caller's own response (404 `survey_response_not_found` before answering)."},
		resident, func(ctx context.Context, in *SurveyPath) (survey.Response, error) {
			return s.svc.Survey.MyResponse(ctx, actor(ctx), in.SurveyID)
		}, surveyResponseView)
	answer(s, huma.Operation{OperationID: "get-survey-results", Method: http.MethodGet, Path: "/surveys/{survey_id}/results",
		Summary: "Survey results", Tags: tags, Errors: []int{403, 404},
		Description: "Counts and percentages (choice), distribution, mean and median (scale, number, matrix rows), average rank (ranking) and the respondent count. " +
			"The survey's staff always, with the newest text answers; everyone else once it has closed, if its results were announced as public (403 `survey_results_not_public`)."},
		public(), func(ctx context.Context, in *SurveyPath) (survey.Results, error) {
			return s.svc.Survey.SurveyResults(ctx, actor(ctx), in.SurveyID)
		}, surveyResultsView)
	answer(s, huma.Operation{OperationID: "get-survey-crosstab", Method: http.MethodGet, Path: "/surveys/{survey_id}/crosstab",
		Summary: "Cross-tabulate two choice questions", Tags: tags, Errors: []int{403, 404, 422},
		Description: "Respondents by the options of one choice question (rows, e.g. district) and another (columns, e.g. opinion). Same access as the results. " +
			"The public is not shown cells of fewer than 5 respondents (null), nor the cells hidden with them so that a row's or column's total " +
			"does not give them back; the survey's staff see every cell."},
		public(), func(ctx context.Context, in *surveyCrosstabInput) (survey.Crosstab, error) {
			return s.svc.Survey.SurveyCrosstab(ctx, actor(ctx), in.SurveyID, in.RowQuestion, in.ColumnQuestion)
		}, surveyCrosstabView)
	register(s, huma.Operation{OperationID: "export-survey-responses", Method: http.MethodGet, Path: "/surveys/{survey_id}/responses/export",
		Summary: "Export the responses", Tags: tags, Errors: []int{403, 404, 422},
		Description: "One row per response, one column per question (per option for multiple choice and ranking, per row for matrix), as CSV or XLSX. " +
			"No personal data: no account, name or phone; an anonymous survey's rows carry no time and are not in submission order. Staff of the survey's agency only.",
		Responses: map[string]*huma.Response{"200": {Description: "The responses.", Content: map[string]*huma.MediaType{
			"text/csv": {Schema: &huma.Schema{Type: "string"}}, xlsxType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		staff, func(ctx context.Context, in *exportSurveyResponsesInput) (*streamedFile, error) {
			ct := "text/csv; charset=utf-8"
			if in.Format == survey.FormatXLSX {
				ct = xlsxType
			}
			name := "survey-" + strconv.FormatInt(in.SurveyID, 10) + "-responses." + in.Format
			return surveyFile(ctx, ct, name, func(w io.Writer) error {
				return s.svc.Survey.ExportResponses(ctx, actor(ctx), in.SurveyID, in.Format, w)
			})
		})
	register(s, huma.Operation{OperationID: "export-survey-results", Method: http.MethodGet, Path: "/surveys/{survey_id}/results/export",
		Summary: "Export the results", Tags: tags, Errors: []int{403, 404},
		Description: "The results as XLSX: per question its counts and percentages, distribution, mean and median. Staff of the survey's agency only.",
		Responses: map[string]*huma.Response{"200": {Description: "The results workbook.", Content: map[string]*huma.MediaType{
			xlsxType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		staff, func(ctx context.Context, in *SurveyPath) (*streamedFile, error) {
			name := "survey-" + strconv.FormatInt(in.SurveyID, 10) + "-results.xlsx"
			return surveyFile(ctx, xlsxType, name, func(w io.Writer) error {
				return s.svc.Survey.ExportResults(ctx, actor(ctx), in.SurveyID, w)
			})
		})
	answer(s, huma.Operation{OperationID: "waive-survey-requirement", Method: http.MethodPost, Path: "/decisions/{decision_id}/survey-waiver",
		Summary: "Record why no opinion survey is held", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "For a decision item in a livelihood domain, the written reason why no opinion survey is held; it satisfies the `survey_required` gate " +
			"of legality review and is recorded in the process record. Staff of the lead unit, before legality review, once."},
		staff, func(ctx context.Context, in *onDecision[waiveSurveyRequirementInputBody]) (survey.Waiver, error) {
			return s.svc.Survey.WaiveSurveyRequirement(ctx, actor(ctx), in.DecisionID, in.Body.Reason)
		}, func(w survey.Waiver) SurveyWaiverView {
			return SurveyWaiverView{DecisionID: w.DecisionID, Reason: w.Reason, WaivedAt: w.WaivedAt.UTC()}
		})
}
