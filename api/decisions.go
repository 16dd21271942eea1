package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The enum tags below document the domain's lists in the spec; a test
// checks they equal consultation.Categories, Domains and Statuses.

// AgencyRefView names an agency in a decision.
type AgencyRefView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// DecisionView is a decision item (决策事项) as the API shows it.
type DecisionView struct {
	ID                    int64             `json:"id"`
	Title                 string            `json:"title"`
	Summary               string            `json:"summary"`
	Category              string            `json:"category" enum:"public_services,market_regulation,social_management,environment_protection,natural_resources,cultural_heritage,development_plans,major_public_projects,other,fiscal_monetary_macro_control,legislation,emergency_response" doc:"Statutory category (Henan decree No. 210 Art. 3)."`
	CategoryName          string            `json:"category_name"`
	Domain                string            `json:"domain" enum:"education_culture,health,food_safety,resources,environment,public_utilities,other" doc:"Livelihood domain."`
	DomainName            string            `json:"domain_name"`
	DecisionBody          AgencyRefView     `json:"decision_body" doc:"The decision body (决策机关)."`
	LeadAgency            AgencyRefView     `json:"lead_agency" doc:"The lead unit (承办单位)."`
	CoAgencies            []string          `json:"co_agencies" doc:"Codes of the co-units."`
	Technical             bool              `json:"technical" doc:"Professional or technical questions: expert argumentation required (Decree 713 Art. 19)."`
	StabilityRisk         bool              `json:"stability_risk" doc:"May affect social stability or public safety: risk assessment required (Art. 22)."`
	AffectsSpecificGroups bool              `json:"affects_specific_groups" doc:"Affects specific groups: stakeholder consultation required (Art. 14)."`
	MarketRelated         bool              `json:"market_related" doc:"Concerns market entities: fair-competition review required (Art. 29)."`
	NotDisclosable        bool              `json:"not_disclosable" doc:"Public consultation legally withheld (Art. 14)."`
	NotDisclosableReason  string            `json:"not_disclosable_reason,omitempty" doc:"The legal reason for withholding public consultation."`
	PlannedDecisionDate   string            `json:"planned_decision_date,omitempty" format:"date"`
	Status                string            `json:"status" enum:"drafting,consulting,handling,under_review,deliberation,published,in_effect,suspended,evaluated,withdrawn,ended" doc:"The stage."`
	StatusName            string            `json:"status_name"`
	WithdrawnReason       string            `json:"withdrawn_reason,omitempty" doc:"Why the decision was withdrawn."`
	Public                bool              `json:"public" doc:"Whether residents and anonymous visitors may see the decision (from the opening of its consultation, or its publication)."`
	PublicSince           *time.Time        `json:"public_since,omitempty"`
	CreatedAt             time.Time         `json:"created_at"`
	UpdatedAt             time.Time         `json:"updated_at"`
	Consultation          *ConsultationView `json:"consultation,omitempty" doc:"The current consultation notice (get-decision only)."`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func decisionView(d consultation.Decision) DecisionView {
	v := DecisionView{ID: d.ID, Title: d.Title, Summary: d.Summary, Category: string(d.Category), CategoryName: consultation.CategoryNames[d.Category],
		Domain: string(d.Domain), DomainName: consultation.DomainNames[d.Domain],
		DecisionBody: AgencyRefView{Code: d.DecisionBodyCode, Name: d.DecisionBodyName},
		LeadAgency:   AgencyRefView{Code: d.LeadAgencyCode, Name: d.LeadAgencyName},
		CoAgencies:   d.CoAgencyCodes, Technical: d.Technical, StabilityRisk: d.StabilityRisk,
		AffectsSpecificGroups: d.AffectsSpecificGroups, MarketRelated: d.MarketRelated, NotDisclosable: d.NotDisclosable,
		NotDisclosableReason: d.NotDisclosableReason, Status: string(d.Status), StatusName: consultation.StatusNames[d.Status],
		WithdrawnReason: d.WithdrawnReason, Public: d.Public(), PublicSince: utcPtr(d.PublicSince),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if v.CoAgencies == nil {
		v.CoAgencies = []string{}
	}
	if d.PlannedDecisionDate != nil {
		v.PlannedDecisionDate = d.PlannedDecisionDate.Format(time.DateOnly)
	}
	return v
}

// ConsultationView is a consultation notice (公开征求意见公告).
type ConsultationView struct {
	ID               int64      `json:"id"`
	VersionNumber    int        `json:"version_number" doc:"The draft version under consultation."`
	OpensAt          time.Time  `json:"opens_at"`
	EndsAt           time.Time  `json:"ends_at"`
	OriginalEndsAt   time.Time  `json:"original_ends_at" doc:"The end announced at opening, before any extension."`
	Extended         bool       `json:"extended"`
	WaysToComment    string     `json:"ways_to_comment" doc:"How to submit opinions."`
	ShorteningReason string     `json:"shortening_reason,omitempty" doc:"Why the window is shorter than 30 days; published with the notice (Decree 713 Art. 15)."`
	ShowComments     bool       `json:"show_comments" doc:"Whether published comments are shown publicly."`
	Open             bool       `json:"open" doc:"Whether comments are accepted now."`
	ClosedAt         *time.Time `json:"closed_at,omitempty"`
}

func consultationView(c consultation.Consultation, now time.Time) *ConsultationView {
	return &ConsultationView{ID: c.ID, VersionNumber: c.VersionNumber, OpensAt: c.OpensAt.UTC(), EndsAt: c.EndsAt.UTC(),
		OriginalEndsAt: c.OriginalEndsAt.UTC(), Extended: c.EndsAt.After(c.OriginalEndsAt), WaysToComment: c.WaysToComment,
		ShorteningReason: c.ShorteningReason, ShowComments: c.ShowComments, Open: c.IsOpen(now), ClosedAt: utcPtr(c.ClosedAt)}
}

// GateResultView is one gate of the next stage.
type GateResultView struct {
	Code    string `json:"code" doc:"Stable code of the gate."`
	Basis   string `json:"basis" doc:"Legal basis, e.g. Decree 713 Art. 15."`
	Title   string `json:"title" doc:"What is checked."`
	Passed  bool   `json:"passed" doc:"True only when the gate was checked and passed."`
	State   string `json:"state" enum:"passed,failed,not_yet_applicable" doc:"not_yet_applicable: the gate checks what is entered at the step itself (e.g. the consultation window when opening) and cannot be checked before."`
	Message string `json:"message,omitempty" doc:"Why it fails, when it does."`
}

// GateReportView tells the lead unit what the next stage still needs.
type GateReportView struct {
	Status    string           `json:"status" enum:"drafting,consulting,handling,under_review,deliberation,published,in_effect,suspended,evaluated,withdrawn,ended"`
	NextStage string           `json:"next_stage,omitempty" enum:"drafting,consulting,handling,under_review,deliberation,published,in_effect,suspended,evaluated,withdrawn,ended" doc:"The stage the decision normally goes to next; absent when there is none."`
	Ready     bool             `json:"ready" doc:"Whether every gate of the next stage passes now."`
	Gates     []GateResultView `json:"gates"`
}

func gateReportView(r consultation.GateReport) GateReportView {
	return GateReportView{Status: string(r.Status), NextStage: string(r.NextStage), Ready: r.Ready, Gates: views(r.Gates, gateResultView)}
}

func gateResultView(g consultation.GateResult) GateResultView {
	return GateResultView{Code: g.Code, Basis: g.Basis, Title: g.Title, Passed: g.Passed, State: string(g.State), Message: g.Message}
}

// DecisionInputBody is the editable part of a decision.
type DecisionInputBody struct {
	Title                 string   `json:"title" maxLength:"1000" doc:"At most 200 characters." example:"平顶山市城区义务教育学校招生入学办法"`
	Summary               string   `json:"summary,omitempty" maxLength:"20000" doc:"At most 5000 characters."`
	Category              string   `json:"category" enum:"public_services,market_regulation,social_management,environment_protection,natural_resources,cultural_heritage,development_plans,major_public_projects,other,fiscal_monetary_macro_control,legislation,emergency_response" doc:"Statutory category. The last three are excluded matters (Decree 713 Art. 3) and are refused with excluded_matter."`
	Domain                string   `json:"domain" enum:"education_culture,health,food_safety,resources,environment,public_utilities,other"`
	DecisionBody          string   `json:"decision_body" maxLength:"64" doc:"Code of the decision body (an agency of kind government)." example:"pdsszf"`
	LeadAgency            string   `json:"lead_agency,omitempty" maxLength:"64" doc:"Code of the lead unit; must be the caller's agency. It cannot change; on update it may be omitted." example:"jyj"`
	CoAgencies            []string `json:"co_agencies,omitempty" maxItems:"50" doc:"Codes of the co-units."`
	Technical             bool     `json:"technical,omitempty"`
	StabilityRisk         bool     `json:"stability_risk,omitempty"`
	AffectsSpecificGroups bool     `json:"affects_specific_groups,omitempty"`
	MarketRelated         bool     `json:"market_related,omitempty"`
	NotDisclosable        bool     `json:"not_disclosable,omitempty"`
	NotDisclosableReason  string   `json:"not_disclosable_reason,omitempty" maxLength:"2000" doc:"Required when not_disclosable."`
	PlannedDecisionDate   string   `json:"planned_decision_date,omitempty" format:"date" example:"2026-06-30"`
}

func (b DecisionInputBody) input() (consultation.DecisionInput, error) {
	in := consultation.DecisionInput{Title: b.Title, Summary: b.Summary, Category: consultation.Category(b.Category),
		Domain: consultation.Domain(b.Domain), DecisionBody: b.DecisionBody, LeadAgency: b.LeadAgency, CoAgencies: b.CoAgencies,
		Technical: b.Technical, StabilityRisk: b.StabilityRisk, AffectsSpecificGroups: b.AffectsSpecificGroups,
		MarketRelated: b.MarketRelated, NotDisclosable: b.NotDisclosable, NotDisclosableReason: b.NotDisclosableReason}
	if b.PlannedDecisionDate != "" {
		t, err := time.Parse(time.DateOnly, b.PlannedDecisionDate)
		if err != nil {
			return in, errs.InvalidField("invalid_planned_decision_date", "planned_decision_date", "计划决策日期格式应为 2006-01-02")
		}
		in.PlannedDecisionDate = &t
	}
	return in, nil
}

type listDecisionsInput struct {
	Domain     string `query:"domain" enum:"education_culture,health,food_safety,resources,environment,public_utilities,other,"`
	Status     string `query:"status" enum:"drafting,consulting,handling,under_review,deliberation,published,in_effect,suspended,evaluated,withdrawn,ended,"`
	LeadAgency string `query:"lead_agency" maxLength:"64" doc:"Code of the lead unit."`
	Q          string `query:"q" maxLength:"200" doc:"Text searched in title and summary."`
	Mine       bool   `query:"mine" doc:"Only the decisions of the caller's agency (lead unit, decision body or co-unit), including those not yet public."`
	PageQuery
}

type decisionsOutputBody struct {
	Decisions  []DecisionView `json:"decisions"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

type withdrawDecisionInputBody struct {
	Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Why the decision is withdrawn; required."`
}

type openConsultationInputBody struct {
	OpensAt          *time.Time `json:"opens_at,omitempty" doc:"When the window opens; now when absent or past."`
	EndsAt           time.Time  `json:"ends_at" doc:"When the window ends. At least 30 days after opening unless shortening_reason is given (Decree 713 Art. 15)."`
	WaysToComment    string     `json:"ways_to_comment,omitempty" maxLength:"2000" doc:"How to submit opinions; required."`
	ShorteningReason string     `json:"shortening_reason,omitempty" maxLength:"2000" doc:"Why the window is shorter than 30 days; shown publicly with the notice."`
	ShowComments     *bool      `json:"show_comments,omitempty" default:"true" doc:"Whether published comments are shown publicly."`
}

type extendConsultationInputBody struct {
	EndsAt time.Time `json:"ends_at" doc:"The new end; must be later than the current one."`
	Reason string    `json:"reason,omitempty" maxLength:"2000" doc:"Why the window is extended; required."`
}

func (s *server) registerDecisions() {
	tags := []string{"Decisions"}
	staff := roles(identity.RoleAgencyStaff)
	consultationNow := func(c consultation.Consultation) *ConsultationView {
		return consultationView(c, s.svc.Consultation.Now())
	}
	answerPage(s, huma.Operation{OperationID: "list-decisions", Method: http.MethodGet, Path: "/decisions",
		Summary: "List decisions", Tags: tags, Errors: []int{422},
		Description: "Newest first. Residents and anonymous visitors see only public decisions; staff also see their own agency's drafts."},
		public(), func(ctx context.Context, in *listDecisionsInput) ([]consultation.Decision, string, error) {
			return s.svc.Consultation.ListDecisions(ctx, actor(ctx), consultation.DecisionFilter{
				Domain: consultation.Domain(in.Domain), Status: consultation.Status(in.Status), LeadAgency: in.LeadAgency,
				Text: in.Q, Mine: in.Mine, Limit: in.Limit, Cursor: in.Cursor})
		}, decisionView, func(list []DecisionView, next string) decisionsOutputBody {
			return decisionsOutputBody{Decisions: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "create-decision", Method: http.MethodPost, Path: "/decisions",
		Summary: "Create a decision item", Tags: tags, Errors: []int{422}, DefaultStatus: http.StatusCreated,
		Description: "Creates a decision item in drafting, with the caller's agency as lead unit. Excluded matters (Decree 713 Art. 3) are refused with excluded_matter."},
		staff, func(ctx context.Context, in *withBody[DecisionInputBody]) (consultation.Decision, error) {
			di, err := in.Body.input()
			if err != nil {
				return consultation.Decision{}, err
			}
			return s.svc.Consultation.CreateDecision(ctx, actor(ctx), di)
		}, decisionView)
	answer(s, huma.Operation{OperationID: "get-decision", Method: http.MethodGet, Path: "/decisions/{decision_id}",
		Summary: "Get a decision", Tags: tags, Errors: []int{404},
		Description: "With the current consultation notice, if any. A decision that is not yet public is not found for residents and anonymous visitors."},
		public(), func(ctx context.Context, in *DecisionPath) (DecisionView, error) {
			d, err := s.svc.Consultation.GetDecision(ctx, actor(ctx), in.DecisionID)
			if err != nil {
				return DecisionView{}, err
			}
			v := decisionView(d)
			c, err := s.svc.Consultation.CurrentConsultation(ctx, actor(ctx), in.DecisionID)
			switch {
			case err == nil:
				v.Consultation = consultationNow(c)
			case !errs.HasCode(err, "consultation_not_found"):
				return DecisionView{}, err
			}
			return v, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "update-decision", Method: http.MethodPut, Path: "/decisions/{decision_id}",
		Summary: "Update a decision item", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Replaces the editable fields; only staff of the lead unit, and not after the legality review. The lead unit cannot change."},
		staff, func(ctx context.Context, in *onDecision[DecisionInputBody]) (consultation.Decision, error) {
			di, err := in.Body.input()
			if err != nil {
				return consultation.Decision{}, err
			}
			return s.svc.Consultation.UpdateDecision(ctx, actor(ctx), in.DecisionID, di)
		}, decisionView)
	answer(s, huma.Operation{OperationID: "withdraw-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/withdraw",
		Summary: "Withdraw a decision item", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Withdraws the decision with a reason, at any stage before publication; an open consultation closes with it."},
		staff, func(ctx context.Context, in *onDecision[withdrawDecisionInputBody]) (consultation.Decision, error) {
			return s.svc.Consultation.WithdrawDecision(ctx, actor(ctx), in.DecisionID, in.Body.Reason)
		}, decisionView)
	answer(s, huma.Operation{OperationID: "open-consultation", Method: http.MethodPost, Path: "/decisions/{decision_id}/consultation",
		Summary: "Open the public consultation", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "Opens the consultation on the latest draft version, which needs its explanation. The window is at least 30 calendar days unless a shortening reason is given, which is shown publicly (Decree 713 Art. 15). The consultation closes by itself at its end. A refusal lists every failed gate."},
		staff, func(ctx context.Context, in *onDecision[openConsultationInputBody]) (consultation.Consultation, error) {
			ci := consultation.ConsultationInput{EndsAt: in.Body.EndsAt, WaysToComment: in.Body.WaysToComment,
				ShorteningReason: in.Body.ShorteningReason, ShowComments: in.Body.ShowComments == nil || *in.Body.ShowComments}
			if in.Body.OpensAt != nil {
				ci.OpensAt = *in.Body.OpensAt
			}
			return s.svc.Consultation.OpenConsultation(ctx, actor(ctx), in.DecisionID, ci)
		}, consultationNow)
	answer(s, huma.Operation{OperationID: "extend-consultation", Method: http.MethodPost, Path: "/decisions/{decision_id}/consultation/extend",
		Summary: "Extend the open consultation", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Moves the end of the open window later, with a reason. A window is never shortened once open."},
		staff, func(ctx context.Context, in *onDecision[extendConsultationInputBody]) (consultation.Consultation, error) {
			return s.svc.Consultation.ExtendConsultation(ctx, actor(ctx), in.DecisionID, in.Body.EndsAt, in.Body.Reason)
		}, consultationNow)
	answer(s, huma.Operation{OperationID: "get-decision-gates", Method: http.MethodGet, Path: "/decisions/{decision_id}/gates",
		Summary: "What the next stage still needs", Tags: tags, Errors: []int{403, 404},
		Description: "Evaluates the gates of the decision's next stage without changing anything. For staff of the agencies concerned, the legality-review department, legal advisers and admins."},
		signedIn(), func(ctx context.Context, in *DecisionPath) (consultation.GateReport, error) {
			return s.svc.Consultation.DecisionGates(ctx, actor(ctx), in.DecisionID)
		}, gateReportView)
}
