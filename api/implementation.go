package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// After publication (Decree 713 Art. 34–39): implementation reports,
// post-evaluation, adjustment, the end of execution.

// ImplementationReportView is an implementing unit's report.
type ImplementationReportView struct {
	ID             int64     `json:"id"`
	Agency         string    `json:"agency_name"`
	Kind           string    `json:"kind" enum:"periodic,problem,major_change"`
	PeriodEnd      string    `json:"period_end" format:"date"`
	Progress       string    `json:"progress"`
	Problems       string    `json:"problems,omitempty"`
	EffectAchieved bool      `json:"effect_achieved" doc:"Whether the expected effect is being achieved, in the unit's view."`
	RecordSeq      int64     `json:"record_seq"`
	CreatedAt      time.Time `json:"created_at"`
}

type submitReportInputBody struct {
	Kind           string `json:"kind" enum:"periodic,problem,major_change"`
	PeriodEnd      string `json:"period_end" format:"date"`
	Progress       string `json:"progress" maxLength:"80000"`
	Problems       string `json:"problems,omitempty" maxLength:"80000" doc:"Required for problem and major_change reports."`
	EffectAchieved bool   `json:"effect_achieved"`
}

type reportsOutputBody struct {
	Reports            []ImplementationReportView `json:"reports"`
	ImplementingAgency string                     `json:"implementing_agency"`
	IntervalDays       int                        `json:"report_interval_days"`
	NextDue            string                     `json:"next_due" format:"date"`
	Overdue            bool                       `json:"overdue"`
}

func reportView(r implementation.Report) ImplementationReportView {
	return ImplementationReportView{ID: r.ID, Agency: r.AgencyName, Kind: string(r.Kind), PeriodEnd: r.PeriodEnd.Format(time.DateOnly),
		Progress: r.Progress, Problems: r.Problems, EffectAchieved: r.EffectAchieved, RecordSeq: r.RecordSeq, CreatedAt: r.CreatedAt.UTC()}
}

// PostEvaluationView is a post-evaluation.
type PostEvaluationView struct {
	ID                  int64      `json:"id"`
	Trigger             string     `json:"trigger" enum:"effect_not_achieved,feedback_volume,body_choice"`
	TriggerDetail       string     `json:"trigger_detail"`
	Evaluator           string     `json:"evaluator"`
	Status              string     `json:"status" enum:"in_progress,reported"`
	PublicParticipation string     `json:"public_participation,omitempty"`
	Report              string     `json:"report,omitempty"`
	Outcome             string     `json:"outcome,omitempty" enum:"continue,adjust,stop,"`
	StartedAt           time.Time  `json:"started_at"`
	ReportedAt          *time.Time `json:"reported_at,omitempty"`
}

func evaluationView(e implementation.Evaluation) PostEvaluationView {
	v := PostEvaluationView{ID: e.ID, Trigger: string(e.Trigger), TriggerDetail: e.TriggerDetail, Evaluator: e.Evaluator, Status: e.Status,
		PublicParticipation: e.PublicParticipation, Report: e.Report, StartedAt: e.StartedAt.UTC(), ReportedAt: e.ReportedAt}
	if e.Outcome != nil {
		v.Outcome = string(*e.Outcome)
	}
	return v
}

// EvaluationTriggerView is one trigger of Art. 36.
type EvaluationTriggerView struct {
	Trigger string `json:"trigger" enum:"effect_not_achieved,feedback_volume,body_choice"`
	Met     bool   `json:"met"`
	Detail  string `json:"detail"`
}

type evaluationsOutputBody struct {
	Evaluations []PostEvaluationView    `json:"evaluations"`
	Triggers    []EvaluationTriggerView `json:"triggers,omitempty" doc:"For staff of the decision's units."`
}

type startEvaluationInputBody struct {
	Trigger   string `json:"trigger" enum:"effect_not_achieved,feedback_volume,body_choice"`
	Reason    string `json:"reason,omitempty" maxLength:"20000" doc:"Required for body_choice."`
	Evaluator string `json:"evaluator" maxLength:"800" doc:"May not be the unit or expert that did the argumentation or risk assessment (Art. 36)."`
}

type evaluationReportInputBody struct {
	Report              string `json:"report" maxLength:"200000"`
	PublicParticipation string `json:"public_participation" maxLength:"40000" doc:"How the public's views were heard."`
	Outcome             string `json:"outcome" enum:"continue,adjust,stop"`
}

// DecisionAdjustmentView is an adjustment of a decision in effect.
type DecisionAdjustmentView struct {
	ID            int64     `json:"id"`
	DecisionID    int64     `json:"decision_id"`
	Major         bool      `json:"major"`
	Description   string    `json:"description"`
	Reason        string    `json:"reason"`
	EvaluationID  *int64    `json:"evaluation_id,omitempty"`
	NewDecisionID *int64    `json:"new_decision_id,omitempty" doc:"The new decision item a major adjustment opened."`
	CreatedAt     time.Time `json:"created_at"`
}

type adjustDecisionInputBody struct {
	Major       bool   `json:"major" doc:"A major adjustment opens a new decision item that runs the whole procedure again (Art. 37)."`
	Description string `json:"description" maxLength:"40000"`
	Reason      string `json:"reason" maxLength:"40000"`
	NewTitle    string `json:"new_title,omitempty" maxLength:"800"`
}

type endDecisionInputBody struct {
	Reason string `json:"reason" maxLength:"20000"`
}

func (s *server) registerImplementation() {
	tags := []string{"Implementation and post-evaluation"}
	answer(s, huma.Operation{OperationID: "submit-implementation-report", Method: http.MethodPost, Path: "/decisions/{decision_id}/implementation-reports",
		DefaultStatus: http.StatusCreated, Summary: "Report on a decision's implementation", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "Periodic reports on the schedule set at publication, and reports of problems or major changes at once (Decree 713 Art. 35). " +
			"Staff of the implementing unit named at publication."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[submitReportInputBody]) (implementation.Report, error) {
			end, err := parseDateField("period_end", in.Body.PeriodEnd)
			if err != nil {
				return implementation.Report{}, err
			}
			return s.svc.Implementation.SubmitImplementationReport(ctx, actor(ctx), in.DecisionID, implementation.ReportInput{
				Kind: implementation.ReportKind(in.Body.Kind), PeriodEnd: end, Progress: in.Body.Progress, Problems: in.Body.Problems,
				EffectAchieved: in.Body.EffectAchieved})
		}, reportView)
	answer(s, huma.Operation{OperationID: "list-implementation-reports", Method: http.MethodGet, Path: "/decisions/{decision_id}/implementation-reports",
		Summary: "A decision's implementation reports and schedule", Tags: tags, Errors: []int{404},
		Description: "Oldest first, with the implementing unit, the interval and the next report due. Public once the decision is published."},
		public(), func(ctx context.Context, in *DecisionPath) (reportsOutputBody, error) {
			list, sch, err := s.svc.Implementation.ListImplementationReports(ctx, actor(ctx), in.DecisionID)
			if err != nil {
				return reportsOutputBody{}, err
			}
			return reportsOutputBody{Reports: views(list, reportView), ImplementingAgency: sch.ImplementingAgencyName,
				IntervalDays: sch.IntervalDays, NextDue: sch.NextDue.Format(time.DateOnly), Overdue: sch.Overdue}, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "list-post-evaluations", Method: http.MethodGet, Path: "/decisions/{decision_id}/post-evaluations",
		Summary: "A decision's post-evaluations and their triggers", Tags: tags, Errors: []int{404},
		Description: "Public once the decision is published; the triggers of Art. 36 are shown to staff of the decision's units."},
		public(), func(ctx context.Context, in *DecisionPath) (evaluationsOutputBody, error) {
			list, err := s.svc.Implementation.ListPostEvaluations(ctx, actor(ctx), in.DecisionID)
			if err != nil {
				return evaluationsOutputBody{}, err
			}
			out := evaluationsOutputBody{Evaluations: views(list, evaluationView)}
			if a := actor(ctx); a != nil && a.HasRole(identity.RoleAgencyStaff, identity.RoleAdmin) {
				if ts, err := s.svc.Implementation.PostEvaluationTriggers(ctx, a, in.DecisionID); err == nil {
					for _, t := range ts {
						out.Triggers = append(out.Triggers, EvaluationTriggerView{Trigger: string(t.Trigger), Met: t.Met, Detail: t.Detail})
					}
				}
			}
			return out, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "start-post-evaluation", Method: http.MethodPost, Path: "/decisions/{decision_id}/post-evaluations",
		DefaultStatus: http.StatusCreated, Summary: "Organise a post-evaluation (决策后评估)", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "On a trigger of Decree 713 Art. 36 that is met (409 `trigger_not_met`): the expected effect not achieved, implementation " +
			"feedback past the body's threshold, or the body's own choice with a reason. The evaluator may not be who did the argumentation or " +
			"risk assessment (422 `evaluator_not_independent`). The decision moves to evaluated. Staff of the decision body."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *onDecision[startEvaluationInputBody]) (implementation.Evaluation, error) {
			return s.svc.Implementation.StartPostEvaluation(ctx, actor(ctx), in.DecisionID, implementation.StartInput{
				Trigger: implementation.Trigger(in.Body.Trigger), Reason: in.Body.Reason, Evaluator: in.Body.Evaluator})
		}, evaluationView)
	answer(s, huma.Operation{OperationID: "submit-post-evaluation-report", Method: http.MethodPost, Path: "/decisions/{decision_id}/post-evaluations/report",
		Summary: "Record a post-evaluation's report and outcome", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "The report, how the public took part, and the outcome: continue or adjust (back in effect), stop (end-decision follows). " +
			"Staff of the decision body."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *onDecision[evaluationReportInputBody]) (implementation.Evaluation, error) {
			return s.svc.Implementation.SubmitPostEvaluationReport(ctx, actor(ctx), in.DecisionID, implementation.EvaluationReportInput{
				Report: in.Body.Report, PublicParticipation: in.Body.PublicParticipation, Outcome: implementation.Outcome(in.Body.Outcome)})
		}, evaluationView)
	answer(s, huma.Operation{OperationID: "adjust-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/adjustments",
		DefaultStatus: http.StatusCreated, Summary: "Adjust a decision in effect", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "A major adjustment opens a new decision item linked to this one, in drafting, which runs the whole procedure again " +
			"(Decree 713 Art. 37). Staff of the lead unit."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *onDecision[adjustDecisionInputBody]) (implementation.Adjustment, error) {
			return s.svc.Implementation.AdjustDecision(ctx, actor(ctx), in.DecisionID, implementation.AdjustmentInput{Major: in.Body.Major,
				Description: in.Body.Description, Reason: in.Body.Reason, NewTitle: in.Body.NewTitle})
		}, func(a implementation.Adjustment) DecisionAdjustmentView {
			return DecisionAdjustmentView{ID: a.ID, DecisionID: a.DecisionID, Major: a.Major, Description: a.Description,
				Reason: a.Reason, EvaluationID: a.EvaluationID, NewDecisionID: a.NewDecisionID, CreatedAt: a.CreatedAt.UTC()}
		})
	answer(s, huma.Operation{OperationID: "end-decision", Method: http.MethodPost, Path: "/decisions/{decision_id}/ending",
		Summary: "Stop a decision's execution for good (停止执行)", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "Only after a post-evaluation concluded stop (409 `post_evaluation_stop_required`, Decree 713 Art. 37). Staff of the decision body."},
		roles(identity.RoleAgencyStaff, identity.RoleAdmin), func(ctx context.Context, in *onDecision[endDecisionInputBody]) (consultation.Decision, error) {
			return s.svc.Implementation.EndDecision(ctx, actor(ctx), in.DecisionID, in.Body.Reason)
		}, decisionView)
}
