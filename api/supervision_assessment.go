package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/supervision"
)

// AssessmentView is the year-end assessment (依法行政考核).
type AssessmentView struct {
	Year        int                   `json:"year"`
	Indicators  []IndicatorView       `json:"indicators"`
	Departments []DepartmentScoreView `json:"departments"`
}

// IndicatorView is an indicator and its weight.
type IndicatorView struct {
	Key    string  `json:"key"`
	Title  string  `json:"title"`
	Weight float64 `json:"weight"`
}

// DepartmentScoreView is a department's scoring sheet.
type DepartmentScoreView struct {
	AgencyID   int64               `json:"agency_id"`
	AgencyName string              `json:"agency_name"`
	Computed   float64             `json:"computed" doc:"The score computed from the data."`
	Adjusted   *float64            `json:"adjusted,omitempty" doc:"The office's adjusted score, kept beside the computed one."`
	Reason     string              `json:"adjustment_reason,omitempty"`
	Lines      []IndicatorLineView `json:"lines"`
}

// IndicatorLineView is one indicator's count for a department, with what it counted.
type IndicatorLineView struct {
	Key         string  `json:"key"`
	Title       string  `json:"title"`
	Weight      float64 `json:"weight"`
	Numerator   int     `json:"numerator"`
	Denominator int     `json:"denominator"`
	Rate        float64 `json:"rate"`
	Points      float64 `json:"points"`
	DecisionIDs []int64 `json:"decision_ids,omitempty"`
	ProblemIDs  []int64 `json:"problem_ids,omitempty"`
}

func indicatorView(x supervision.Indicator) IndicatorView {
	return IndicatorView{Key: x.Key, Title: x.Title, Weight: x.Weight}
}

func departmentScoreView(d supervision.DepartmentScore) DepartmentScoreView {
	v := DepartmentScoreView{AgencyID: d.AgencyID, AgencyName: d.AgencyName, Computed: d.Computed, Adjusted: d.Adjusted, Reason: d.Reason}
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, IndicatorLineView{Key: l.Indicator.Key, Title: l.Indicator.Title, Weight: l.Indicator.Weight,
			Numerator: l.Numerator, Denominator: l.Denominator, Rate: l.Rate, Points: l.Points, DecisionIDs: l.DecisionIDs,
			ProblemIDs: l.ProblemIDs})
	}
	return v
}

func assessmentView(a supervision.Assessment) AssessmentView {
	v := AssessmentView{Year: a.Year, Indicators: views(a.Indicators, indicatorView)}
	for _, d := range a.Departments {
		v.Departments = append(v.Departments, departmentScoreView(d))
	}
	return v
}

// YearPath names the year of an annual assessment in the path.
type YearPath struct {
	Year int `path:"year" minimum:"2019" maximum:"2100"`
}

type indicatorsInput struct {
	YearPath
	Body struct {
		Weights map[string]float64 `json:"weights" doc:"Weight of every indicator (keys of get-annual-assessment), summing to 100."`
	}
}

type indicatorsOutputBody struct {
	Indicators []IndicatorView `json:"indicators"`
}

type adjustInput struct {
	YearPath
	Body struct {
		AgencyID int64   `json:"agency_id" minimum:"1" maximum:"9007199254740991"`
		Score    float64 `json:"score" minimum:"0" maximum:"100"`
		Reason   string  `json:"reason" maxLength:"5000"`
	}
}

func (s *server) registerAssessment(tags []string, office access) {
	sup := func() *supervision.Service { return s.svc.Supervision }
	answer(s, huma.Operation{OperationID: "get-annual-assessment", Method: http.MethodGet, Path: "/supervision/assessments/{year}",
		Summary: "The year-end assessment (依法行政考核)", Tags: tags, Errors: []int{403, 422},
		Description: "A scoring sheet per department computed from the data, each line with the decisions or problems it counted. " +
			"A department's staff see their own sheet."},
		signedIn(), func(ctx context.Context, in *YearPath) (supervision.Assessment, error) {
			return sup().GetAnnualAssessment(ctx, actor(ctx), in.Year)
		}, assessmentView)
	register(s, huma.Operation{OperationID: "export-annual-assessment", Method: http.MethodGet, Path: "/supervision/assessments/{year}/export",
		Summary: "Download the year-end assessment as XLSX", Tags: tags, Errors: []int{403, 422},
		Responses: map[string]*huma.Response{"200": {Description: "The scoring sheets.", Content: map[string]*huma.MediaType{
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}},
		signedIn(), func(ctx context.Context, in *YearPath) (*fileOutput, error) {
			a, err := sup().GetAnnualAssessment(ctx, actor(ctx), in.Year)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			b, err := supervision.AssessmentXLSX(a)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			return &fileOutput{ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
				ContentDisposition: contentDisposition(fmt.Sprintf("assessment-%d.xlsx", in.Year)), Body: b}, nil
		})
	answer(s, huma.Operation{OperationID: "update-assessment-indicators", Method: http.MethodPut,
		Path: "/supervision/assessments/{year}/indicators", Summary: "Set the year's indicator weights", Tags: tags, Errors: []int{403, 422},
		Description: "The city's rule-of-law office (an office whose government belongs to no other) or an admin; 403 `not_city_office` " +
			"for a district's office."},
		office, func(ctx context.Context, in *indicatorsInput) ([]supervision.Indicator, error) {
			return sup().UpdateAssessmentIndicators(ctx, actor(ctx), in.Year, in.Body.Weights)
		}, func(list []supervision.Indicator) indicatorsOutputBody {
			return indicatorsOutputBody{Indicators: views(list, indicatorView)}
		})
	answer(s, huma.Operation{OperationID: "adjust-assessment-score", Method: http.MethodPost,
		Path: "/supervision/assessments/{year}/adjustments", Summary: "Adjust a department's score, with a written reason",
		Tags: tags, Errors: []int{422},
		Description: "The computed score is kept beside the adjusted one; every adjustment is kept."},
		office, func(ctx context.Context, in *adjustInput) (supervision.DepartmentScore, error) {
			return sup().AdjustAssessmentScore(ctx, actor(ctx), in.Year, in.Body.AgencyID, in.Body.Score, in.Body.Reason)
		}, departmentScoreView)
}
