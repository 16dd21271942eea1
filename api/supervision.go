package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// SupervisionStepView is one statutory step of a decision and where it stands.
type SupervisionStepView struct {
	Key         string     `json:"key" doc:"Stable key of the step, e.g. legality_review."`
	Title       string     `json:"title" doc:"The step in Chinese."`
	Basis       string     `json:"basis" doc:"Its legal basis (article of Decree 713 unless named)."`
	State       string     `json:"state" enum:"done,due,overdue,skipped,not_yet,not_applicable,problem"`
	StateName   string     `json:"state_name" doc:"The state in Chinese."`
	Due         *time.Time `json:"due,omitempty" doc:"Deadline, where the step has one."`
	DoneAt      *time.Time `json:"done_at,omitempty"`
	Note        string     `json:"note,omitempty" doc:"Why a step was skipped or is a problem, in Chinese."`
	Provisional bool       `json:"provisional,omitempty" doc:"The deadline lies past the years the working-day calendar covers."`
}

func stepView(st supervision.Step) SupervisionStepView {
	return SupervisionStepView{Key: st.Key, Title: st.Title, Basis: st.Basis, State: string(st.State),
		StateName: supervision.StepStateNames[st.State], Due: st.Due, DoneAt: st.DoneAt, Note: st.Note, Provisional: st.Provisional}
}

// ComplianceRowView is one decision body's or department's row of the dashboard.
type ComplianceRowView struct {
	AgencyID    int64          `json:"agency_id"`
	AgencyName  string         `json:"agency_name"`
	Decisions   int            `json:"decisions"`
	Steps       map[string]int `json:"steps" doc:"Steps counted by state."`
	DecisionIDs []int64        `json:"decision_ids" doc:"The decisions behind the row."`
}

// OverdueStepView is a step past its deadline.
type OverdueStepView struct {
	DecisionID    int64               `json:"decision_id"`
	DecisionTitle string              `json:"decision_title"`
	AgencyID      int64               `json:"agency_id"`
	AgencyName    string              `json:"agency_name"`
	Step          SupervisionStepView `json:"step"`
	DaysLate      int                 `json:"days_late"`
}

// ComplianceOverviewView is the compliance dashboard.
type ComplianceOverviewView struct {
	At           time.Time           `json:"at"`
	Decisions    int                 `json:"decisions"`
	Steps        map[string]int      `json:"steps"`
	ByBody       []ComplianceRowView `json:"by_decision_body"`
	ByDepartment []ComplianceRowView `json:"by_department"`
	Overdue      []OverdueStepView   `json:"overdue"`
}

func counts(c supervision.StateCounts) map[string]int {
	m := map[string]int{}
	for k, v := range c {
		m[string(k)] = v
	}
	return m
}

func complianceRow(r supervision.AgencyCompliance) ComplianceRowView {
	return ComplianceRowView{AgencyID: r.AgencyID, AgencyName: r.AgencyName, Decisions: r.Decisions,
		Steps: counts(r.Steps), DecisionIDs: r.DecisionIDs}
}

func overdueView(o supervision.OverdueStep) OverdueStepView {
	return OverdueStepView{DecisionID: o.DecisionID, DecisionTitle: o.DecisionTitle, AgencyID: o.AgencyID,
		AgencyName: o.AgencyName, Step: stepView(o.Step), DaysLate: o.DaysLate}
}

// DecisionComplianceView is one decision's steps.
type DecisionComplianceView struct {
	DecisionID int64                 `json:"decision_id"`
	Title      string                `json:"title"`
	Status     string                `json:"status"`
	Steps      []SupervisionStepView `json:"steps"`
}

func decisionComplianceView(dc supervision.DecisionCompliance) DecisionComplianceView {
	v := DecisionComplianceView{DecisionID: dc.Facts.ID, Title: dc.Facts.Title, Status: dc.Facts.Status}
	for _, st := range dc.Steps {
		v.Steps = append(v.Steps, stepView(st))
	}
	return v
}

// MonthlyReportView is a monthly report (法治政府建设月报告).
type MonthlyReportView struct {
	ID          int64                      `json:"id"`
	Month       string                     `json:"month" example:"2026-11"`
	Scope       string                     `json:"scope" enum:"city,department,district" doc:"Whose report: the whole city's, one department's, or a district's (its government and the departments it governs)."`
	AgencyID    *int64                     `json:"agency_id,omitempty" doc:"The department, or for a district's report the district's government; absent for the whole city."`
	ScopeName   string                     `json:"scope_name"`
	Figures     supervision.MonthlyFigures `json:"figures"`
	Rows        []MonthlyFigureView        `json:"rows" doc:"The figures as the report shows them, in Chinese."`
	GeneratedAt time.Time                  `json:"generated_at"`
	Analysis    string                     `json:"analysis" doc:"分析原因"`
	WeakLinks   string                     `json:"weak_links" doc:"薄弱环节"`
	Measures    string                     `json:"measures" doc:"改进措施"`
	Status      string                     `json:"status" enum:"draft,issued"`
	Published   bool                       `json:"published"`
	IssuedAt    *time.Time                 `json:"issued_at,omitempty"`
	ContentHash string                     `json:"content_hash,omitempty" doc:"SHA-256 of the issued content, signed with the platform key."`
	Signature   string                     `json:"signature,omitempty"`
	SignerKey   string                     `json:"signer_key,omitempty"`
}

// MonthlyFigureView is one labelled figure and the key of its sources.
type MonthlyFigureView struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Source string `json:"source,omitempty" doc:"Key into figures.sources: the decisions behind the figure."`
}

func monthlyReportView(r supervision.MonthlyReport) MonthlyReportView {
	v := MonthlyReportView{ID: r.ID, Month: r.Month.Format("2006-01"), Scope: string(r.Scope), AgencyID: r.AgencyID,
		ScopeName: r.Figures.ScopeName,
		Figures:   r.Figures, GeneratedAt: r.GeneratedAt, Analysis: r.Analysis, WeakLinks: r.WeakLinks, Measures: r.Measures,
		Status: r.Status, Published: r.Published, IssuedAt: r.IssuedAt, ContentHash: deref(r.ContentHash)}
	for _, row := range r.Figures.Rows() {
		v.Rows = append(v.Rows, MonthlyFigureView{Label: row.Label, Value: row.Value, Source: row.Source})
	}
	if r.Signature != nil {
		v.Signature, v.SignerKey = *r.Signature, *r.SignerKey
	}
	return v
}

type complianceInput struct {
	AgencyID int64 `query:"agency_id" minimum:"0" maximum:"9007199254740991" doc:"A department or decision body; 0 or absent: the whole city (office only)."`
}

type overdueOutputBody struct {
	Steps []OverdueStepView `json:"steps"`
}

type monthlyReportsOutputBody struct {
	Reports []MonthlyReportView `json:"reports"`
}

// monthlyReportsBody lists reports; an empty list is [] (generating an
// empty month answered null before, against the schema).
func monthlyReportsBody(list []supervision.MonthlyReport) monthlyReportsOutputBody {
	return monthlyReportsOutputBody{Reports: views(list, monthlyReportView)}
}

type analysisInputBody struct {
	Analysis  string `json:"analysis" maxLength:"20000" doc:"分析原因"`
	WeakLinks string `json:"weak_links" maxLength:"20000" doc:"薄弱环节"`
	Measures  string `json:"measures" maxLength:"20000" doc:"改进措施"`
}

type issueInputBody struct {
	Publish bool `json:"publish,omitempty" doc:"Also publish it on the public site."`
}

type generateInputBody struct {
	Month string `json:"month" pattern:"^[0-9]{4}-(0[1-9]|1[0-2])$" example:"2026-11"`
}

type exportInput struct {
	ID     int64  `path:"id" minimum:"1" maximum:"9007199254740991"`
	Format string `query:"format" enum:"pdf,xlsx" default:"pdf"`
}

type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type verificationOutputBody struct {
	OK        bool   `json:"ok"`
	Hash      string `json:"content_hash"`
	SignerKey string `json:"signer_key"`
	Problem   string `json:"problem,omitempty"`
}

func (s *server) registerSupervision() {
	tags := []string{"Supervision"}
	office := roles(identity.RoleSupervisor, identity.RoleAdmin)
	sup := func() *supervision.Service { return s.svc.Supervision }
	answer(s, huma.Operation{OperationID: "get-compliance-overview", Method: http.MethodGet, Path: "/supervision/compliance",
		Summary: "The compliance dashboard", Tags: tags, Errors: []int{403},
		Description: "Every decision's statutory steps (consultation, adoption report, survey or waiver, legality review, adviser opinions, " +
			"deliberation, Party report, publication) with their deadlines on the working-day calendar, counted by decision body and " +
			"department, and the overdue list. The rule-of-law office sees the whole city; a department's staff see their own."},
		signedIn(), func(ctx context.Context, in *complianceInput) (supervision.Overview, error) {
			return sup().GetComplianceOverview(ctx, actor(ctx), in.AgencyID)
		}, func(o supervision.Overview) ComplianceOverviewView {
			return ComplianceOverviewView{At: o.At, Decisions: o.Decisions, Steps: counts(o.Steps), ByBody: views(o.ByBody, complianceRow),
				ByDepartment: views(o.ByDepartment, complianceRow), Overdue: views(o.Overdue, overdueView)}
		})
	answer(s, huma.Operation{OperationID: "list-overdue-steps", Method: http.MethodGet, Path: "/supervision/overdue-steps",
		Summary: "Steps past their deadline", Tags: tags, Errors: []int{403}},
		signedIn(), func(ctx context.Context, in *complianceInput) ([]supervision.OverdueStep, error) {
			return sup().ListOverdueSteps(ctx, actor(ctx), in.AgencyID)
		}, func(list []supervision.OverdueStep) overdueOutputBody {
			return overdueOutputBody{Steps: views(list, overdueView)}
		})
	answer(s, huma.Operation{OperationID: "get-decision-compliance", Method: http.MethodGet, Path: "/supervision/decisions/{id}/compliance",
		Summary: "One decision's statutory steps", Tags: tags, Errors: []int{404}},
		signedIn(), func(ctx context.Context, in *IDPath) (supervision.DecisionCompliance, error) {
			return sup().GetDecisionCompliance(ctx, actor(ctx), in.ID)
		}, decisionComplianceView)
	answer(s, huma.Operation{OperationID: "list-monthly-reports", Method: http.MethodGet, Path: "/supervision/monthly-reports",
		Summary: "Monthly reports", Tags: tags, Errors: []int{403},
		Description: "Generated on the first working day of each month for the previous month, for the city, each district and each " +
			"department. An office sees its own government's reports (drafts included) and those of the departments it governs, and " +
			"the city's once issued; the city's office also its districts' once issued. A department's staff see the issued ones of " +
			"the city, of their department and of their district."},
		signedIn(), func(ctx context.Context, _ *struct{}) ([]supervision.MonthlyReport, error) {
			return sup().ListMonthlyReports(ctx, actor(ctx))
		}, monthlyReportsBody)
	answer(s, huma.Operation{OperationID: "generate-monthly-reports", Method: http.MethodPost, Path: "/supervision/monthly-reports/generate",
		Summary: "Generate (again) the reports of a month", Tags: tags, Errors: []int{403},
		Description: "Recomputes the drafts of the month (the city's, each district's and each department's); issued reports stay " +
			"as issued. The answer holds the reports the caller may read (get-monthly-report)."},
		office, func(ctx context.Context, in *withBody[generateInputBody]) ([]supervision.MonthlyReport, error) {
			t, _ := time.ParseInLocation("2006-01", in.Body.Month, time.UTC)
			return sup().GenerateMonthlyReportsAs(ctx, actor(ctx), supervision.Month{Year: t.Year(), Month: t.Month()})
		}, monthlyReportsBody)
	answer(s, huma.Operation{OperationID: "get-monthly-report", Method: http.MethodGet, Path: "/supervision/monthly-reports/{id}",
		Summary: "A monthly report", Tags: tags, Errors: []int{404},
		Description: "Public once published; otherwise the office whose report it is (a district's report: the district's office), " +
			"and once issued the departments concerned and, for a district's report, the city's office."},
		public(), func(ctx context.Context, in *IDPath) (supervision.MonthlyReport, error) {
			return sup().GetMonthlyReport(ctx, actor(ctx), in.ID)
		}, monthlyReportView)
	answer(s, huma.Operation{OperationID: "update-monthly-report-analysis", Method: http.MethodPut, Path: "/supervision/monthly-reports/{id}/analysis",
		Summary: "The office's analysis, weak links and measures", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Only while the report is a draft: an issued report answers 409 `monthly_report_issued`."},
		office, func(ctx context.Context, in *byID[analysisInputBody]) (supervision.MonthlyReport, error) {
			return sup().UpdateMonthlyReportAnalysis(ctx, actor(ctx), in.ID, supervision.AnalysisInput{Analysis: in.Body.Analysis,
				WeakLinks: in.Body.WeakLinks, Measures: in.Body.Measures})
		}, monthlyReportView)
	answer(s, huma.Operation{OperationID: "issue-monthly-report", Method: http.MethodPost, Path: "/supervision/monthly-reports/{id}/issue",
		Summary: "Issue (通报) a monthly report", Tags: tags, Errors: []int{404, 409},
		Description: "Needs the analysis, weak links and measures (409 `monthly_report_incomplete` lists what is missing). Once issued the " +
			"report is fixed, its content hashed and signed with the platform key, and the departments concerned are told."},
		office, func(ctx context.Context, in *byID[issueInputBody]) (supervision.MonthlyReport, error) {
			return sup().IssueMonthlyReport(ctx, actor(ctx), in.ID, in.Body.Publish)
		}, monthlyReportView)
	answer(s, huma.Operation{OperationID: "verify-monthly-report", Method: http.MethodGet, Path: "/supervision/monthly-reports/{id}/verify",
		Summary: "Check an issued report against its hash and signature", Tags: tags, Errors: []int{404, 409}},
		public(), func(ctx context.Context, in *IDPath) (supervision.ReportVerification, error) {
			return sup().VerifyMonthlyReport(ctx, actor(ctx), in.ID)
		}, func(v supervision.ReportVerification) verificationOutputBody {
			return verificationOutputBody{OK: v.OK, Hash: v.Hash, SignerKey: v.SignerKey, Problem: v.Problem}
		})
	register(s, huma.Operation{OperationID: "export-monthly-report", Method: http.MethodGet, Path: "/supervision/monthly-reports/{id}/export",
		Summary: "Download a monthly report as PDF or XLSX", Tags: tags, Errors: []int{404, 422},
		Description: "The PDF is A4 for printing, with the Chinese font embedded, the trend chart and page numbers.",
		Responses: map[string]*huma.Response{"200": {Description: "The report file.", Content: map[string]*huma.MediaType{
			"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}},
		public(), func(ctx context.Context, in *exportInput) (*fileOutput, error) {
			b, ct, name, err := sup().ExportMonthlyReport(ctx, actor(ctx), in.ID, in.Format)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			return &fileOutput{ContentType: ct, ContentDisposition: contentDisposition(name), Body: b}, nil
		})
	s.registerInspections(tags, office)
}
