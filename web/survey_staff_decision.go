package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/survey"
)

// decisionSurveysData backs the page of a decision's survey requirement.
type decisionSurveysData struct {
	Decision  consultation.Decision
	Surveys   []survey.Survey
	Required  bool
	Waiver    string
	WaivedAt  time.Time
	Satisfied bool
	CanWaive  bool
}

// decisionSurveys is the lead unit's page of a decision's opinion surveys:
// its linked surveys, a link to create one, and the written waiver.
func (s *site) decisionSurveys(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderDecisionSurveys(w, r, http.StatusOK, d, s.newPage(r, "民意调查："+d.Title))
}

func (s *site) renderDecisionSurveys(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor := r.Context(), currentAccount(r)
	list, _, err := s.svc.Survey.ListSurveys(ctx, actor, survey.ListFilter{DecisionID: d.ID, Limit: 100})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := decisionSurveysData{Decision: d, Surveys: list, Required: d.Domain.Livelihood()}
	for _, sv := range list {
		if sv.Status == survey.StatusClosed {
			data.Satisfied = true
		}
	}
	// The waiver is a process-record entry of the decision: read only those
	// (the record of a busy decision holds thousands of moderation entries,
	// and a waiver after the first 2,000 entries used to be missed).
	entries, err := s.svc.Consultation.GetDecisionRecordKinds(ctx, actor, d.ID,
		[]consultation.RecordKind{survey.RecordSurveyRequirementWaived}, maxTimelineEvents)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, e := range entries {
		if pl, err := consultation.ParseRecordPayload(e.Payload); err == nil {
			data.Waiver, _ = pl["reason"].(string)
			data.WaivedAt = e.RecordedAt
		}
	}
	switch d.Status {
	case consultation.StatusDrafting, consultation.StatusConsulting, consultation.StatusHandling:
		data.CanWaive = data.Required && data.Waiver == ""
	}
	p.Data = data
	s.render(w, r, status, "staff_survey_decision", p)
}

func (s *site) waiveSurvey(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedDecisionID(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "民意调查")
	p.keep(r, "reason")
	_, err := s.svc.Survey.WaiveSurveyRequirement(r.Context(), currentAccount(r), id, p.Form["reason"])
	if err == nil {
		http.Redirect(w, r, "/staff/surveys/decisions/"+strconv.FormatInt(id, 10)+"?flash=waiver_recorded", http.StatusSeeOther)
		return
	}
	d, status, ok := s.refusedDecisionForm(w, r, &p, err)
	if !ok {
		return
	}
	p.Title = "民意调查：" + d.Title
	s.renderDecisionSurveys(w, r, status, d, p)
}
