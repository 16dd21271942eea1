package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Meeting compositions (组成人员, Decree 713 Art. 30), decision-body
// settings, and the working-day calendar's coverage.

// CompositionMemberView is one member of a decision body's meetings.
type CompositionMemberView struct {
	Name     string `json:"name" maxLength:"50"`
	Position string `json:"position,omitempty" maxLength:"100" doc:"职务, e.g. 副市长."`
	IsHead   bool   `json:"is_head,omitempty" doc:"The head (行政首长); exactly one member."`
}

// MeetingCompositionView is a decision body's meeting composition.
type MeetingCompositionView struct {
	DecisionBody     string                  `json:"decision_body" doc:"Code of the decision body."`
	DecisionBodyName string                  `json:"decision_body_name"`
	Members          []CompositionMemberView `json:"members"`
	Quorum           int                     `json:"quorum" doc:"Members who must be present: more than half (Art. 30)."`
	UpdatedAt        *time.Time              `json:"updated_at,omitempty"`
}

func compositionView(c consultation.MeetingComposition) MeetingCompositionView {
	v := MeetingCompositionView{DecisionBody: c.DecisionBodyCode, DecisionBodyName: c.DecisionBodyName,
		Members: views(c.Members, compositionMemberView), Quorum: len(c.Members)/2 + 1, UpdatedAt: c.UpdatedAt}
	if len(c.Members) == 0 {
		v.Quorum = 0
	}
	return v
}

func compositionMemberView(m consultation.MeetingCompositionMember) CompositionMemberView {
	return CompositionMemberView{Name: m.Name, Position: m.Position, IsHead: m.IsHead}
}

type bodyCodePath struct {
	Code string `path:"code" maxLength:"64" doc:"Code of the decision body (an agency of kind government or department)."`
}

type setCompositionInput struct {
	Code string `path:"code" maxLength:"64"`
	Body struct {
		Members []CompositionMemberView `json:"members" maxItems:"100" doc:"Every member of the executive or plenary meeting; exactly one is the head."`
	}
}

// BodySettingsView are a decision body's settings.
type BodySettingsView struct {
	DecisionBody       string     `json:"decision_body,omitempty" readOnly:"true"`
	SurveyMinResponses int        `json:"survey_min_responses" minimum:"0" maximum:"1000000" doc:"Fewest responses a survey needs for the livelihood-domain gate (0: one)."`
	CatalogueRequired  bool       `json:"catalogue_required" doc:"A decision outside the published catalogue must first be added to it (Decree 713 Art. 3(3))."`
	FeedbackThreshold  int        `json:"feedback_threshold" minimum:"0" maximum:"1000000" doc:"Implementation opinions at which a post-evaluation is triggered (Art. 36); 0: none."`
	UpdatedAt          *time.Time `json:"updated_at,omitempty"`
}

type setBodySettingsInput struct {
	Code string `path:"code" maxLength:"64"`
	Body BodySettingsView
}

func bodySettingsView(b consultation.BodySettings) BodySettingsView {
	return BodySettingsView{DecisionBody: b.DecisionBodyCode, SurveyMinResponses: b.SurveyMinResponses, CatalogueRequired: b.CatalogueRequired,
		FeedbackThreshold: b.FeedbackThreshold, UpdatedAt: b.UpdatedAt}
}

// CalendarCoverageView is what the working-day calendar covers.
type CalendarCoverageView struct {
	Version      string     `json:"version"`
	Years        []int      `json:"years" doc:"Years whose State Council holiday notice is loaded."`
	NextYear     int        `json:"next_year"`
	NextMissing  bool       `json:"next_missing" doc:"The next year's notice is not loaded: deadlines running into it are refused (calendar_not_covered)."`
	ReminderSent *time.Time `json:"reminder_sent_at,omitempty" doc:"When the admins were reminded to load it (each November)."`
}

func (s *server) registerMeetings() {
	tags := []string{"Decision bodies"}
	answer(s, huma.Operation{OperationID: "set-meeting-composition", Method: http.MethodPut, Path: "/decision-bodies/{code}/meeting-composition",
		Summary: "Set a decision body's meeting composition (组成人员)", Tags: tags, Errors: []int{404, 422},
		Description: "Replaces the members of the decision body's executive or plenary meeting, with its head (行政首长) and at least two others " +
			"(422 `too_few_members`: a meeting of one or two is no collective discussion). Meeting records are " +
			"checked against it: every member listed belongs to it, more than half present, the head speaks last (Decree 713 Art. 30). " +
			"Departments and township governments keep their own (Art. 42). Admins."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *setCompositionInput) (consultation.MeetingComposition, error) {
			members := make([]consultation.MeetingCompositionMember, len(in.Body.Members))
			for i, m := range in.Body.Members {
				members[i] = consultation.MeetingCompositionMember{Name: m.Name, Position: m.Position, IsHead: m.IsHead}
			}
			return s.svc.Consultation.SetMeetingComposition(ctx, actor(ctx), in.Code, members)
		}, compositionView)
	answer(s, huma.Operation{OperationID: "get-meeting-composition", Method: http.MethodGet, Path: "/decision-bodies/{code}/meeting-composition",
		Summary: "A decision body's meeting composition", Tags: tags, Errors: []int{404},
		Description: "Empty members when none is kept yet. Admins, agency staff and reviewers."},
		roles(identity.RoleAdmin, identity.RoleAgencyStaff, identity.RoleReviewer), func(ctx context.Context, in *bodyCodePath) (consultation.MeetingComposition, error) {
			return s.svc.Consultation.GetMeetingComposition(ctx, actor(ctx), in.Code)
		}, compositionView)
	answer(s, huma.Operation{OperationID: "set-decision-body-settings", Method: http.MethodPut, Path: "/decision-bodies/{code}/settings",
		Summary: "Set a decision body's settings", Tags: tags, Errors: []int{404, 422},
		Description: "The survey minimum for the livelihood gate, whether decisions must be in the published catalogue, and the implementation-feedback " +
			"threshold that triggers a post-evaluation. Admins."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *setBodySettingsInput) (consultation.BodySettings, error) {
			return s.svc.Consultation.SetBodySettings(ctx, actor(ctx), in.Code, consultation.BodySettings{SurveyMinResponses: in.Body.SurveyMinResponses,
				CatalogueRequired: in.Body.CatalogueRequired, FeedbackThreshold: in.Body.FeedbackThreshold})
		}, bodySettingsView)
	answer(s, huma.Operation{OperationID: "get-decision-body-settings", Method: http.MethodGet, Path: "/decision-bodies/{code}/settings",
		Summary: "A decision body's settings", Tags: tags, Errors: []int{404},
		Description: "Admins and agency staff."},
		roles(identity.RoleAdmin, identity.RoleAgencyStaff), func(ctx context.Context, in *bodyCodePath) (consultation.BodySettings, error) {
			return s.svc.Consultation.GetBodySettings(ctx, actor(ctx), in.Code)
		}, bodySettingsView)
	answer(s, huma.Operation{OperationID: "get-workday-calendar-coverage", Method: http.MethodGet, Path: "/workday-calendar/coverage",
		Summary: "Which years the working-day calendar covers", Tags: []string{"Working-day calendar"},
		Description: "A deadline in working days that runs into a year whose State Council notice is not loaded is refused with 409 " +
			"`calendar_not_covered`; admins are reminded each November to load the next year's notice."},
		public(), func(ctx context.Context, _ *struct{}) (consultation.CalendarCoverage, error) {
			return s.svc.Consultation.CalendarCoverage(ctx)
		}, func(c consultation.CalendarCoverage) CalendarCoverageView {
			return CalendarCoverageView{Version: c.Version, Years: c.Years, NextYear: c.NextYear,
				NextMissing: c.NextMissing, ReminderSent: c.ReminderSent}
		})
}
