package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/supervision"
)

// InspectionView is an inspection plan (督察).
type InspectionView struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	AgencyIDs  []int64   `json:"agency_ids"`
	PeriodFrom string    `json:"period_from" doc:"YYYY-MM-DD"`
	PeriodTo   string    `json:"period_to"`
	Topics     string    `json:"topics"`
	StartsOn   string    `json:"starts_on"`
	EndsOn     string    `json:"ends_on"`
	CreatedAt  time.Time `json:"created_at"`
}

func inspectionView(i supervision.Inspection) InspectionView {
	d := func(t time.Time) string { return t.Format("2006-01-02") }
	return InspectionView{ID: i.ID, Title: i.Title, AgencyIDs: i.AgencyIDs, PeriodFrom: d(i.PeriodFrom), PeriodTo: d(i.PeriodTo),
		Topics: i.Topics, StartsOn: d(i.StartsOn), EndsOn: d(i.EndsOn), CreatedAt: i.CreatedAt}
}

// SupervisionProblemView is a problem of the problem list (问题清单).
type SupervisionProblemView struct {
	ID              int64      `json:"id"`
	InspectionID    *int64     `json:"inspection_id,omitempty"`
	AgencyID        int64      `json:"agency_id"`
	AgencyName      string     `json:"agency_name"`
	DecisionID      *int64     `json:"decision_id,omitempty"`
	Rule            string     `json:"rule" doc:"The rule broken."`
	Basis           string     `json:"basis" doc:"Its article."`
	Evidence        string     `json:"evidence"`
	Severity        string     `json:"severity" enum:"general,serious,grave"`
	Listed          bool       `json:"listed" doc:"Under listed supervision (挂牌督办)."`
	Deadline        string     `json:"deadline" doc:"Rectification deadline, YYYY-MM-DD."`
	Status          string     `json:"status" enum:"open,rectification_submitted,returned,closed"`
	Overdue         bool       `json:"overdue"`
	EscalationLevel int        `json:"escalation_level"`
	CreatedAt       time.Time  `json:"created_at"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
	// Rectifications is filled by get-problem only.
	Rectifications []RectificationView `json:"rectifications,omitempty"`
}

// RectificationView is a department's rectification report and its verdict.
type RectificationView struct {
	ID          int64      `json:"id"`
	Report      string     `json:"report"`
	Evidence    string     `json:"evidence"`
	SubmittedAt time.Time  `json:"submitted_at"`
	Outcome     string     `json:"outcome" enum:"pending,accepted,returned"`
	ReviewNote  string     `json:"review_note,omitempty"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
}

func problemView(p supervision.Problem, now time.Time) SupervisionProblemView {
	return SupervisionProblemView{ID: p.ID, InspectionID: p.InspectionID, AgencyID: p.AgencyID, AgencyName: p.AgencyName,
		DecisionID: p.DecisionID, Rule: p.Rule, Basis: p.Basis, Evidence: p.Evidence, Severity: string(p.Severity), Listed: p.Listed,
		Deadline: p.Deadline.Format("2006-01-02"), Status: p.Status, Overdue: p.Overdue(now), EscalationLevel: p.EscalationLevel,
		CreatedAt: p.CreatedAt, ClosedAt: p.ClosedAt}
}

func rectificationView(r supervision.Rectification) RectificationView {
	return RectificationView{ID: r.ID, Report: r.Report, Evidence: r.Evidence, SubmittedAt: r.SubmittedAt, Outcome: r.Outcome,
		ReviewNote: r.ReviewNote, ReviewedAt: r.ReviewedAt}
}

type inspectionInputBody struct {
	Title      string  `json:"title" maxLength:"200"`
	AgencyIDs  []int64 `json:"agency_ids" maxItems:"200"`
	PeriodFrom string  `json:"period_from" maxLength:"10" doc:"The period inspected, YYYY-MM-DD."`
	PeriodTo   string  `json:"period_to" maxLength:"10"`
	Topics     string  `json:"topics,omitempty" maxLength:"2000"`
	StartsOn   string  `json:"starts_on" maxLength:"10" doc:"When the inspection runs, YYYY-MM-DD."`
	EndsOn     string  `json:"ends_on" maxLength:"10"`
}

type inspectionsOutputBody struct {
	Inspections []InspectionView `json:"inspections"`
}

type problemInputBody struct {
	InspectionID *int64 `json:"inspection_id,omitempty"`
	AgencyID     int64  `json:"agency_id" minimum:"1" maximum:"9007199254740991"`
	DecisionID   *int64 `json:"decision_id,omitempty"`
	Rule         string `json:"rule" maxLength:"500"`
	Basis        string `json:"basis,omitempty" maxLength:"500"`
	Evidence     string `json:"evidence" maxLength:"5000"`
	Severity     string `json:"severity" enum:"general,serious,grave"`
	Deadline     string `json:"deadline" maxLength:"10" doc:"YYYY-MM-DD; for listed supervision no later than 15 working days."`
	Listed       bool   `json:"listed,omitempty" doc:"Put under listed supervision (挂牌督办)."`
}

type problemsInput struct {
	AgencyID     int64 `query:"agency_id" minimum:"0" maximum:"9007199254740991"`
	InspectionID int64 `query:"inspection_id" minimum:"0" maximum:"9007199254740991"`
	Open         bool  `query:"open" doc:"Only problems not yet closed."`
}

type problemsOutputBody struct {
	Problems []SupervisionProblemView `json:"problems"`
}

type rectificationInputBody struct {
	Report   string `json:"report" maxLength:"10000"`
	Evidence string `json:"evidence,omitempty" maxLength:"10000"`
}

type verdictInputBody struct {
	Note string `json:"note,omitempty" maxLength:"5000" doc:"The office's note; required when sending back."`
}

// CirculationView is a circulated problem list (问题清单通报).
type CirculationView struct {
	ID          int64                    `json:"id"`
	Title       string                   `json:"title"`
	Number      string                   `json:"number"`
	Problems    []SupervisionProblemView `json:"problems"`
	ContentHash string                   `json:"content_hash"`
	Signature   string                   `json:"signature"`
	SignerKey   string                   `json:"signer_key"`
	IssuedAt    time.Time                `json:"issued_at"`
}

type circulateInputBody struct {
	Title      string  `json:"title" maxLength:"200"`
	Number     string  `json:"number,omitempty" maxLength:"100" doc:"Document number (文号)."`
	ProblemIDs []int64 `json:"problem_ids,omitempty" maxItems:"1000" doc:"The problems; absent: every open problem."`
}

type accountabilityInputBody struct {
	Committee  string `json:"committee,omitempty" maxLength:"200" doc:"Default 市委全面依法治市委员会."`
	Suggestion string `json:"suggestion" maxLength:"5000"`
}

type accountabilityOutputBody struct {
	ID         int64     `json:"id"`
	ProblemID  int64     `json:"problem_id"`
	Committee  string    `json:"committee"`
	Suggestion string    `json:"suggestion"`
	RecordedAt time.Time `json:"recorded_at"`
}

func (s *server) registerInspections(tags []string, office access) {
	sup := func() *supervision.Service { return s.svc.Supervision }
	now := func() time.Time { return sup().Clock() }
	problem := func(p supervision.Problem) SupervisionProblemView { return problemView(p, now()) }
	answer(s, huma.Operation{OperationID: "create-inspection", Method: http.MethodPost, Path: "/supervision/inspections",
		Summary: "Plan an inspection (督察)", Tags: tags, Errors: []int{422}},
		office, func(ctx context.Context, in *withBody[inspectionInputBody]) (supervision.Inspection, error) {
			b := in.Body
			return sup().CreateInspection(ctx, actor(ctx), supervision.InspectionInput{Title: b.Title, AgencyIDs: b.AgencyIDs,
				PeriodFrom: b.PeriodFrom, PeriodTo: b.PeriodTo, Topics: b.Topics, StartsOn: b.StartsOn, EndsOn: b.EndsOn})
		}, func(i supervision.Inspection) InspectionView { return inspectionView(i) })
	answer(s, huma.Operation{OperationID: "list-inspections", Method: http.MethodGet, Path: "/supervision/inspections",
		Summary: "Inspection plans", Tags: tags},
		office, func(ctx context.Context, _ *struct{}) ([]supervision.Inspection, error) {
			return sup().ListInspections(ctx, actor(ctx))
		}, func(list []supervision.Inspection) inspectionsOutputBody {
			return inspectionsOutputBody{Inspections: views(list, inspectionView)}
		})
	answer(s, huma.Operation{OperationID: "record-problem", Method: http.MethodPost, Path: "/supervision/problems",
		Summary: "Record a problem found and assign it for rectification", Tags: tags, Errors: []int{422},
		Description: "Listed supervision (挂牌督办) is for serious and grave problems, with a deadline within 15 working days " +
			"(422 `listed_needs_serious`, `listed_deadline_too_long`). The department is told in its inbox."},
		office, func(ctx context.Context, in *withBody[problemInputBody]) (supervision.Problem, error) {
			b := in.Body
			return sup().RecordProblem(ctx, actor(ctx), supervision.ProblemInput{InspectionID: b.InspectionID, AgencyID: b.AgencyID,
				DecisionID: b.DecisionID, Rule: b.Rule, Basis: b.Basis, Evidence: b.Evidence, Severity: supervision.Severity(b.Severity),
				Deadline: b.Deadline, Listed: b.Listed})
		}, problem)
	list := func(listed bool) func(ctx context.Context, in *problemsInput) ([]supervision.Problem, error) {
		return func(ctx context.Context, in *problemsInput) ([]supervision.Problem, error) {
			return sup().ListProblems(ctx, actor(ctx), supervision.ProblemFilter{AgencyID: in.AgencyID,
				InspectionID: in.InspectionID, ListedOnly: listed, OpenOnly: in.Open})
		}
	}
	problems := func(ps []supervision.Problem) problemsOutputBody {
		return problemsOutputBody{Problems: views(ps, problem)}
	}
	answer(s, huma.Operation{OperationID: "list-problems", Method: http.MethodGet, Path: "/supervision/problems",
		Summary: "The problem list", Tags: tags, Errors: []int{403},
		Description: "The office sees every department's problems; a department's staff see their own."},
		signedIn(), list(false), problems)
	answer(s, huma.Operation{OperationID: "list-listed-supervision", Method: http.MethodGet, Path: "/supervision/listed-problems",
		Summary: "Problems under listed supervision (挂牌督办)", Tags: tags, Errors: []int{403}},
		signedIn(), list(true), problems)
	answer(s, huma.Operation{OperationID: "get-problem", Method: http.MethodGet, Path: "/supervision/problems/{id}",
		Summary: "A problem with its rectification reports", Tags: tags, Errors: []int{404}},
		signedIn(), func(ctx context.Context, in *IDPath) (SupervisionProblemView, error) {
			p, rs, err := sup().GetProblem(ctx, actor(ctx), in.ID)
			if err != nil {
				return SupervisionProblemView{}, err
			}
			v := problemView(p, now())
			for _, r := range rs {
				v.Rectifications = append(v.Rectifications, rectificationView(r))
			}
			return v, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "submit-rectification", Method: http.MethodPost, Path: "/supervision/problems/{id}/rectifications",
		Summary: "Report the rectification (整改情况) with evidence", Tags: tags, Errors: []int{403, 404, 409, 422},
		Description: "Staff of the problem's department only, while it is open or was sent back."},
		signedIn(), func(ctx context.Context, in *byID[rectificationInputBody]) (supervision.Rectification, error) {
			return sup().SubmitRectification(ctx, actor(ctx), in.ID, in.Body.Report, in.Body.Evidence)
		}, rectificationView)
	verdict := func(accept bool) func(ctx context.Context, in *byID[verdictInputBody]) (supervision.Problem, error) {
		return func(ctx context.Context, in *byID[verdictInputBody]) (supervision.Problem, error) {
			do := sup().ReturnRectification
			if accept {
				do = sup().CloseProblem
			}
			return do(ctx, actor(ctx), in.ID, in.Body.Note)
		}
	}
	answer(s, huma.Operation{OperationID: "close-problem", Method: http.MethodPost, Path: "/supervision/problems/{id}/close",
		Summary: "Verify the rectification and close the problem (销号)", Tags: tags, Errors: []int{404, 409}},
		office, verdict(true), problem)
	answer(s, huma.Operation{OperationID: "return-rectification", Method: http.MethodPost, Path: "/supervision/problems/{id}/return",
		Summary: "Send the rectification back, with the reason", Tags: tags, Errors: []int{404, 409, 422}},
		office, verdict(false), problem)
	answer(s, huma.Operation{OperationID: "circulate-problem-list", Method: http.MethodPost, Path: "/supervision/circulations",
		Summary: "Circulate the problem list (问题清单通报)", Tags: tags, Errors: []int{422},
		Description: "The problems' content as of now is fixed, hashed and signed; every department concerned is told."},
		office, func(ctx context.Context, in *withBody[circulateInputBody]) (supervision.Circulation, error) {
			return sup().CirculateProblemList(ctx, actor(ctx), in.Body.Title, in.Body.Number, in.Body.ProblemIDs)
		}, func(c supervision.Circulation) CirculationView { return circulationView(c, now()) })
	answer(s, huma.Operation{OperationID: "get-circulation", Method: http.MethodGet, Path: "/supervision/circulations/{id}",
		Summary: "A circulated problem list", Tags: tags, Errors: []int{404}},
		signedIn(), func(ctx context.Context, in *IDPath) (supervision.Circulation, error) {
			return sup().GetCirculation(ctx, actor(ctx), in.ID)
		}, func(c supervision.Circulation) CirculationView { return circulationView(c, now()) })
	answer(s, huma.Operation{OperationID: "record-accountability-suggestion", Method: http.MethodPost,
		Path: "/supervision/problems/{id}/accountability-suggestions", Summary: "Suggest accountability to the rule-of-law committee",
		Tags: tags, Errors: []int{404, 422}},
		office, func(ctx context.Context, in *byID[accountabilityInputBody]) (supervision.AccountabilitySuggestion, error) {
			return sup().RecordAccountabilitySuggestion(ctx, actor(ctx), in.ID, in.Body.Committee, in.Body.Suggestion)
		}, func(a supervision.AccountabilitySuggestion) accountabilityOutputBody {
			return accountabilityOutputBody{ID: a.ID, ProblemID: a.ProblemID, Committee: a.Committee, Suggestion: a.Suggestion,
				RecordedAt: a.RecordedAt}
		})
	s.registerAssessment(tags, office)
}

func circulationView(c supervision.Circulation, now time.Time) CirculationView {
	v := CirculationView{ID: c.ID, Title: c.Title, Number: c.Number, ContentHash: c.ContentHash, Signature: c.Signature,
		SignerKey: c.SignerKey, IssuedAt: c.IssuedAt}
	for _, p := range c.Content {
		v.Problems = append(v.Problems, problemView(p, now))
	}
	return v
}
