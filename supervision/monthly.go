package supervision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// MonthlyReport is the monthly report (法治政府建设月报告) of the city
// (AgencyID nil), of one department, or of a district (AgencyID its
// government); Scope says which.
type MonthlyReport struct {
	ID          int64          `db:"id"`
	Month       time.Time      `db:"month"`
	Scope       ReportScope    `db:"scope"`
	AgencyID    *int64         `db:"agency_id"`
	Figures     MonthlyFigures `db:"figures"`
	GeneratedAt time.Time      `db:"generated_at"`
	Analysis    string         `db:"analysis"`
	WeakLinks   string         `db:"weak_links"`
	Measures    string         `db:"measures"`
	Status      string         `db:"status"`
	Published   bool           `db:"published"`
	IssuedAt    *time.Time     `db:"issued_at"`
	IssuedBy    *int64         `db:"issued_by"`
	ContentHash *string        `db:"content_hash"`
	Signature   *string        `db:"signature"`
	SignerKey   *string        `db:"signer_key"`
	UpdatedAt   time.Time      `db:"updated_at"`
}

// Issued reports whether the report has been issued (通报) and is fixed.
func (r MonthlyReport) Issued() bool { return r.Status == "issued" }

const reportColumns = `id, month, scope, agency_id, figures, generated_at, analysis, weak_links, measures, status, published,
	issued_at, issued_by, content_hash, signature, signer_key, updated_at`

// GenerateMonthlyReports computes the report of month m for the city, for
// every district (its government and the departments it governs, counting
// the decisions they are the decision body of; loadDistricts) and for every
// department that leads a decision, and stores each as a draft
// (a draft already stored is recomputed; an issued one is left as issued).
// The scheduled job calls it on the first working day of the next month;
// the office may call it again before issuing. It returns the reports.
func (s *Service) GenerateMonthlyReports(ctx context.Context, m Month) ([]MonthlyReport, error) {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	from, to := m.Start(), m.End()
	trendFrom := m.Start().AddDate(0, -11, 0)
	facts, err := loadFacts(ctx, s.DB, 0, 0, 0)
	if err != nil {
		return nil, err
	}
	monthly, err := perDecisionMonthly(ctx, s.DB, cal, trendFrom, to)
	if err != nil {
		return nil, err
	}
	opened, closed, err := problemCounts(ctx, s.DB, from, to)
	if err != nil {
		return nil, err
	}
	names, err := s.agencyNames(ctx)
	if err != nil {
		return nil, err
	}
	// Every figure is the month's: the stages too are those at its end
	// (a report made again later used to count today's stages).
	stages, err := consultation.StagesAt(ctx, s.DB, to)
	if err != nil {
		return nil, err
	}
	for i, f := range facts {
		if st, ok := stages[f.ID]; ok {
			facts[i].Status = string(st)
		}
	}
	districts, err := loadDistricts(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	// Each report: whose it is, its name, the decisions it counts and the
	// agencies whose problems it counts (nil: every agency's).
	type scope struct {
		kind     ReportScope
		agency   int64
		name     string
		coverage string
		in       func(Facts) bool
		problems func(int64) bool
	}
	existed := func(f Facts) bool { return f.CreatedAt.Before(to) }
	scopes := []scope{{kind: ScopeCity, name: "全市", in: existed}}
	for _, d := range districts {
		members := d.members
		scopes = append(scopes, scope{kind: ScopeDistrict, agency: d.id, name: districtScopeName(d.name),
			coverage: d.name + "及其所属部门作为决策机关的重大行政决策事项", in: func(f Facts) bool { return existed(f) && members[f.DecisionBodyID] },
			problems: func(a int64) bool { return members[a] }})
	}
	var leads []int64
	seen := map[int64]bool{}
	for _, f := range facts {
		if !seen[f.LeadAgencyID] && existed(f) {
			seen[f.LeadAgencyID] = true
			leads = append(leads, f.LeadAgencyID)
		}
	}
	sort.Slice(leads, func(i, j int) bool { return leads[i] < leads[j] })
	for _, a := range leads {
		scopes = append(scopes, scope{kind: ScopeDepartment, agency: a, name: names[a],
			in:       func(f Facts) bool { return existed(f) && f.LeadAgencyID == a },
			problems: func(b int64) bool { return a == b }})
	}
	var out []MonthlyReport
	for _, sc := range scopes {
		fig := s.figures(m, sc.agency, sc.name, facts, monthly, cal, sc.in)
		fig.Coverage = sc.coverage
		for a, n := range opened {
			if sc.problems == nil || sc.problems(a) {
				fig.ProblemsOpened += n
			}
		}
		for a, n := range closed {
			if sc.problems == nil || sc.problems(a) {
				fig.ProblemsClosed += n
			}
		}
		r, err := s.storeDraft(ctx, m, sc.kind, sc.agency, fig)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) figures(m Month, agency int64, scopeName string, facts []Facts,
	monthly map[string]map[int64]*decisionMonth, cal workday.Calendar, in func(Facts) bool) MonthlyFigures {
	from, to := m.Start(), m.End()
	fig := MonthlyFigures{Month: m.String(), AgencyID: agency, ScopeName: scopeName, DecisionsByStage: map[string]int{},
		Sources: map[string][]int{}}
	rollUp(&fig, facts, monthly[m.String()], in)
	days := 0
	for _, f := range facts {
		if !in(f) {
			continue
		}
		if dm := monthly[m.String()][f.ID]; dm != nil {
			days += dm.reviewDays
		}
		fig.DecisionsByStage[f.Status]++
		if !f.CreatedAt.Before(from) {
			fig.DecisionsStarted++
			fig.Sources["decisions_started"] = append(fig.Sources["decisions_started"], int(f.ID))
		}
		if f.PublishedAt != nil && !f.PublishedAt.Before(from) && f.PublishedAt.Before(to) {
			fig.DecisionsPublished++
			fig.Sources["decisions_published"] = append(fig.Sources["decisions_published"], int(f.ID))
		}
		// The implementing units' reports of any kind filed in the month
		// (Decree 713 Art. 35).
		for _, at := range f.ImplementationReportedAt {
			if !at.Before(from) && at.Before(to) {
				fig.ImplementationReports++
				fig.Sources["implementation_reports"] = append(fig.Sources["implementation_reports"], int(f.ID))
			}
		}
		// Steps overdue at the month's end, as the facts stood then.
		for _, st := range Steps(asOf(f, to), cal, s.limits(), to) {
			if st.State == StepOverdue {
				fig.OverdueSteps++
				fig.Sources["overdue_steps"] = append(fig.Sources["overdue_steps"], int(f.ID))
			}
		}
		// Livelihood decisions whose consultation had closed by the month's
		// end: covered by a survey held or a written waiver by then.
		then := asOf(f, to)
		if livelihoodDomains[f.Domain] && !f.NotDisclosable && f.Status != "withdrawn" && then.ConsultationClosedAt != nil {
			fig.LivelihoodDecisions++
			if then.SurveyWaivedAt != nil || then.surveyHeld() {
				fig.LivelihoodCovered++
			} else {
				fig.Sources["livelihood_uncovered"] = append(fig.Sources["livelihood_uncovered"], int(f.ID))
			}
		}
	}
	if fig.ReviewsConcluded > 0 {
		fig.ReviewAvgWorkingDays = float64(int(float64(days)/float64(fig.ReviewsConcluded)*10+0.5)) / 10
	}
	fig.AdoptionRate = rate(fig.CommentsAdopted, fig.CommentsAnswered)
	for i := 11; i >= 0; i-- {
		tm := MonthOf(m.Start().AddDate(0, -i, 0))
		var p MonthlyFigures
		p.Sources = map[string][]int{}
		rollUp(&p, facts, monthly[tm.String()], in)
		fig.Trend = append(fig.Trend, MonthlyTrendPoint{Month: tm.String(), CommentsReceived: p.CommentsReceived,
			CommentsAnswered: p.CommentsAnswered, AdoptionRate: rate(p.CommentsAdopted, p.CommentsAnswered),
			ConsultationsOpened: p.ConsultationsOpened, ReviewsConcluded: p.ReviewsConcluded})
	}
	return fig
}

func (s *Service) storeDraft(ctx context.Context, m Month, scope ReportScope, agency int64, fig MonthlyFigures) (MonthlyReport, error) {
	var agencyID *int64
	if agency != 0 {
		agencyID = &agency
	}
	body, err := json.Marshal(fig)
	if err != nil {
		return MonthlyReport{}, errs.Internal(err)
	}
	now := s.now()
	rows, err := s.DB.Query(ctx, `INSERT INTO monthly_reports (month, scope, agency_id, figures, generated_at, updated_at)
		VALUES ($1, $5, $2, $3, $4, $4)
		ON CONFLICT (month, scope, COALESCE(agency_id, 0)) DO UPDATE SET figures = EXCLUDED.figures,
			generated_at = EXCLUDED.generated_at, updated_at = EXCLUDED.updated_at
			WHERE monthly_reports.status = 'draft'
		RETURNING `+reportColumns, m.Start().Format("2006-01-02"), agencyID, body, now, scope)
	if err != nil {
		return MonthlyReport{}, errs.Internal(err)
	}
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[MonthlyReport])
	if errors.Is(err, pgx.ErrNoRows) {
		// Already issued: it stays as issued.
		return s.reportByScope(ctx, m, scope, agency)
	}
	if err != nil {
		return MonthlyReport{}, errs.Internal(err)
	}
	return r, nil
}

func (s *Service) reportByScope(ctx context.Context, m Month, scope ReportScope, agency int64) (MonthlyReport, error) {
	return pgrows.One[MonthlyReport](ctx, s.DB, errReportNotFound, `SELECT `+reportColumns+` FROM monthly_reports
		WHERE month = $1 AND scope = $3 AND COALESCE(agency_id, 0) = $2`, m.Start().Format("2006-01-02"), agency, scope)
}

// errReportNotFound is the answer for a report that does not exist or that
// the actor may not see.
var errReportNotFound = errs.NotFound("monthly_report_not_found", "月报告不存在")

// ListMonthlyReports lists the reports the actor may read (mayRead), newest
// month first: an office its government's reports (the city's office the
// city's, a district's office its district's) and those of the departments
// it governs, the city's once issued, and the city's office its districts'
// once issued; a department's staff the issued reports of the city, of
// their department and of the district it belongs to. Codes: not_supervisor.
func (s *Service) ListMonthlyReports(ctx context.Context, actor *identity.Account) ([]MonthlyReport, error) {
	if actor == nil {
		return nil, errs.Unauthenticated("authentication_required", "请先登录")
	}
	office := actor.HasRole(roleSupervisor, identity.RoleAdmin)
	if !office && actor.Role != identity.RoleAgencyStaff {
		return nil, errs.Forbidden("not_supervisor", "只有法治政府建设办公室或各单位的工作人员可以查看月报告")
	}
	var agency int64
	if !office && actor.AgencyID != nil {
		agency = *actor.AgencyID
	}
	city, err := cityOffice(ctx, s.DB, actor)
	if err != nil {
		return nil, err
	}
	// $1 the actor is of an office, $2 their department (0: none), $3 the
	// office's government (0: an admin's, every one), $4 the office is the
	// city's.
	return pgrows.All[MonthlyReport](ctx, s.DB, `SELECT `+reportColumns+` FROM monthly_reports r WHERE CASE r.scope
		WHEN 'city' THEN ($1 AND $4) OR r.status = 'issued'
		WHEN 'department' THEN ($1 AND r.agency_id IN (SELECT a.id FROM agencies a WHERE `+governed(3)+`))
			OR (r.status = 'issued' AND r.agency_id = $2)
		WHEN 'district' THEN ($1 AND ($3::bigint = 0 OR r.agency_id = $3))
			OR (r.status = 'issued' AND $1 AND r.agency_id IN (SELECT a.id FROM agencies a WHERE a.parent_id = $3))
			OR (r.status = 'issued' AND EXISTS (SELECT 1 FROM agencies a WHERE a.id = $2 AND `+districtMember("a", "r.agency_id")+`))
		END
		ORDER BY month DESC, CASE r.scope WHEN 'city' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, COALESCE(agency_id, 0) LIMIT 500`, office, agency, bodyOf(actor), city)
}

// cityOffice reports whether the actor's office is the city's, whose the
// city-wide report (agency_id NULL) is to analyse and issue: admins, and
// the office of a government that belongs to no other. A district's office
// (its government's parent is the city's) reads the city's report once
// issued, as departments do (outside check, security: it used to write and
// issue it).
func cityOffice(ctx context.Context, q querier, actor *identity.Account) (bool, error) {
	body := bodyOf(actor)
	if body == 0 {
		return actor.HasRole(roleSupervisor, identity.RoleAdmin), nil
	}
	rows, err := q.Query(ctx, `SELECT parent_id IS NULL FROM agencies WHERE id = $1`, body)
	if err != nil {
		return false, errs.Internal(err)
	}
	top, err := pgx.CollectOneRow(rows, pgx.RowTo[bool])
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, errs.Internal(err)
	}
	return top, nil
}

// GetMonthlyReport returns one report the actor may read (mayRead).
// Codes: monthly_report_not_found.
func (s *Service) GetMonthlyReport(ctx context.Context, actor *identity.Account, id int64) (MonthlyReport, error) {
	r, err := pgrows.One[MonthlyReport](ctx, s.DB, errReportNotFound, `SELECT `+reportColumns+` FROM monthly_reports WHERE id = $1`, id)
	if err != nil {
		return MonthlyReport{}, err
	}
	if ok, err := s.mayRead(ctx, actor, r); err != nil {
		return MonthlyReport{}, err
	} else if !ok {
		return MonthlyReport{}, errReportNotFound
	}
	return r, nil
}

// mayRead reports whether the actor may read the report: anyone a
// published one; the city's office the city's report, an office a
// department's report it governs, and everyone of them the city's once
// issued; a department's staff its own and the city's once issued; a
// district's report as mayReadDistrict says.
func (s *Service) mayRead(ctx context.Context, actor *identity.Account, r MonthlyReport) (bool, error) {
	office := actor.HasRole(roleSupervisor, identity.RoleAdmin)
	switch {
	case r.Published:
		return true, nil
	case actor == nil:
		return false, nil
	case r.Scope == ScopeDistrict:
		return s.mayReadDistrict(ctx, actor, r)
	case office && r.AgencyID == nil && r.Issued():
		return true, nil
	case office && r.AgencyID == nil:
		return cityOffice(ctx, s.DB, actor)
	case office:
		return requireGoverns(ctx, s.DB, actor, *r.AgencyID, "", "") == nil, nil
	case r.Issued() && actor != nil && actor.Role == identity.RoleAgencyStaff:
		return r.AgencyID == nil || actor.IsStaffOf(*r.AgencyID), nil
	}
	return false, nil
}

// GenerateMonthlyReportsAs is the office asking for the month's reports
// again (GenerateMonthlyReports); the answer holds the reports the actor
// may read (mayRead): a district's office used to be answered every
// report of the city (outside check, security). Codes: not_supervisor.
func (s *Service) GenerateMonthlyReportsAs(ctx context.Context, actor *identity.Account, m Month) ([]MonthlyReport, error) {
	if err := requireOffice(actor); err != nil {
		return nil, err
	}
	all, err := s.GenerateMonthlyReports(ctx, m)
	if err != nil {
		return nil, err
	}
	out := []MonthlyReport{}
	for _, r := range all {
		ok, err := s.mayRead(ctx, actor, r)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// AnalysisInput is the office's part of a monthly report.
type AnalysisInput struct {
	Analysis  string // 分析原因
	WeakLinks string // 薄弱环节
	Measures  string // 改进措施
}

// UpdateMonthlyReportAnalysis saves the office's analysis of a draft report.
// Codes: not_supervisor, monthly_report_not_found, monthly_report_issued.
func (s *Service) UpdateMonthlyReportAnalysis(ctx context.Context, actor *identity.Account, id int64, in AnalysisInput) (MonthlyReport, error) {
	if err := requireOffice(actor); err != nil {
		return MonthlyReport{}, err
	}
	var fields []errs.FieldError
	for _, f := range []struct{ name, v string }{{"analysis", in.Analysis}, {"weak_links", in.WeakLinks}, {"measures", in.Measures}} {
		if len([]rune(f.v)) > 20000 {
			fields = append(fields, errs.FieldError{Field: f.name, Message: "不超过20000字"})
		}
	}
	if len(fields) > 0 {
		return MonthlyReport{}, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_analysis", Message: "分析内容过长", Fields: fields}
	}
	var out MonthlyReport
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := lockDraftReport(ctx, tx, actor, id, "月报告已通报，内容不可再修改"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE monthly_reports SET analysis = $2, weak_links = $3, measures = $4, updated_at = $5
			WHERE id = $1 RETURNING `+reportColumns, id, strings.TrimSpace(in.Analysis), strings.TrimSpace(in.WeakLinks),
			strings.TrimSpace(in.Measures), s.now())
		if err != nil {
			return errs.Internal(err)
		}
		out, err = pgx.CollectOneRow(rows, pgx.RowToStructByName[MonthlyReport])
		if err != nil {
			return errs.Internal(err)
		}
		return logAction(ctx, tx, s.now(), actor, "monthly_report_analysis_updated", reportSubject(id), in)
	})
	return out, err
}

func lockReport(ctx context.Context, tx pgx.Tx, id int64) (MonthlyReport, error) {
	return pgrows.One[MonthlyReport](ctx, tx, errReportNotFound, `SELECT `+reportColumns+` FROM monthly_reports WHERE id = $1 FOR UPDATE`, id)
}

// lockDraftReport locks a report for the office: the city's report (the
// city's office only, cityOffice), a district's (its own office only; the
// city's office reads it once issued and never writes it), or a
// department's one the actor's office governs, not yet issued (issued says
// why not in the 409). Codes: monthly_report_not_found,
// monthly_report_issued.
func lockDraftReport(ctx context.Context, tx pgx.Tx, actor *identity.Account, id int64, issued string) (MonthlyReport, error) {
	r, err := lockReport(ctx, tx, id)
	if err != nil {
		return MonthlyReport{}, err
	}
	if r.Scope == ScopeDistrict {
		if body := bodyOf(actor); body != 0 && body != *r.AgencyID {
			return MonthlyReport{}, errReportNotFound
		}
	} else if r.AgencyID != nil {
		if err := requireGoverns(ctx, tx, actor, *r.AgencyID, "monthly_report_not_found", "月报告不存在"); err != nil {
			return MonthlyReport{}, err
		}
	} else if city, err := cityOffice(ctx, tx, actor); err != nil {
		return MonthlyReport{}, err
	} else if !city {
		return MonthlyReport{}, errReportNotFound
	}
	if r.Issued() {
		return MonthlyReport{}, errs.Conflict("monthly_report_issued", issued)
	}
	return r, nil
}

func reportSubject(id int64) string { return "monthly_report:" + itoa(id) }

// issuedContent is what an issued report's hash and signature cover. A
// district's report names its scope too (its agency is its government,
// which may have a department-style report of its own); the city's and
// departments' content is as it was before districts had reports, so
// reports issued then still verify.
func issuedContent(r MonthlyReport, issuedAt time.Time) ([]byte, error) {
	content := map[string]any{
		"month": r.Month.Format("2006-01"), "agency_id": r.AgencyID, "figures": r.Figures,
		"analysis": r.Analysis, "weak_links": r.WeakLinks, "measures": r.Measures,
		"issued_at": issuedAt.UTC().Format(time.RFC3339Nano),
	}
	if r.Scope == ScopeDistrict {
		content["scope"] = string(r.Scope)
	}
	return json.Marshal(content)
}

// IssueMonthlyReport issues (通报) a draft report: it needs the analysis,
// the weak links and the measures; once issued it is fixed (the database
// refuses changes), hashed and signed with the platform key, recorded in
// the process record of every decision its figures count (binding the
// report row, so record verification re-reads it), logged, and the
// departments concerned are told. publish also makes it public. Issuing
// the city's report of 2,000 decisions appends about 1,700 entries in one
// transaction (1.2 s measured at that size, load average ~19).
// Codes: not_supervisor, monthly_report_not_found, monthly_report_issued,
// monthly_report_incomplete.
func (s *Service) IssueMonthlyReport(ctx context.Context, actor *identity.Account, id int64, publish bool) (MonthlyReport, error) {
	if err := requireOffice(actor); err != nil {
		return MonthlyReport{}, err
	}
	var out MonthlyReport
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		r, err := lockDraftReport(ctx, tx, actor, id, "月报告已通报")
		if err != nil {
			return err
		}
		var missing []errs.FieldError
		for _, f := range []struct{ name, v, title string }{{"analysis", r.Analysis, "分析原因"},
			{"weak_links", r.WeakLinks, "薄弱环节"}, {"measures", r.Measures, "改进措施"}} {
			if strings.TrimSpace(f.v) == "" {
				missing = append(missing, errs.FieldError{Field: f.name, Message: "请填写" + f.title})
			}
		}
		if len(missing) > 0 {
			return &errs.Error{Kind: errs.KindConflict, Code: "monthly_report_incomplete",
				Message: "通报前须写明分析原因、薄弱环节和改进措施", Fields: missing}
		}
		at := s.now().Truncate(time.Microsecond)
		content, err := issuedContent(r, at)
		if err != nil {
			return errs.Internal(err)
		}
		hash, sig, key, err := s.signContent(ctx, content)
		if err != nil {
			return err
		}
		if out, err = pgrows.Returning[MonthlyReport](ctx, tx, `UPDATE monthly_reports SET status = 'issued', published = $2, issued_at = $3,
			issued_by = $4, content_hash = $5, signature = $6, signer_key = $7, updated_at = $3
			WHERE id = $1 RETURNING `+reportColumns, id, publish, at, actor.ID, hash, sig, key); err != nil {
			return err
		}
		recorded, err := s.recordIssued(ctx, tx, actor, out)
		if err != nil {
			return err
		}
		if err := logAction(ctx, tx, at, actor, "monthly_report_issued", reportSubject(id),
			map[string]any{"content_hash": hash, "published": publish, "signer_key": key, "recorded_on_decisions": recorded}); err != nil {
			return err
		}
		return s.notifyIssued(ctx, tx, out, at)
	})
	return out, err
}

func (s *Service) notifyIssued(ctx context.Context, tx pgx.Tx, r MonthlyReport, at time.Time) error {
	title := r.Figures.ScopeName + r.Month.Format("2006年1月") + "法治政府建设月报告已通报"
	link := "/supervision/reports/" + itoa(r.ID)
	var agencies []int64
	switch {
	case r.Scope == ScopeDistrict:
		var err error
		if agencies, err = districtLeadUnits(ctx, tx, *r.AgencyID); err != nil {
			return err
		}
	case r.AgencyID != nil:
		agencies = []int64{*r.AgencyID}
	default:
		rows, err := tx.Query(ctx, `SELECT DISTINCT lead_agency_id FROM decisions`)
		if err != nil {
			return errs.Internal(err)
		}
		if agencies, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return errs.Internal(err)
		}
	}
	for _, a := range agencies {
		if err := notify(ctx, tx, at, a, "monthly_report_issued", title, link, "report:"+itoa(r.ID)+":"+itoa(a)); err != nil {
			return err
		}
	}
	return nil
}

// ReportVerification is the outcome of checking an issued report.
type ReportVerification struct {
	OK        bool   `json:"ok"`
	Hash      string `json:"content_hash"`
	SignerKey string `json:"signer_key"`
	Problem   string `json:"problem,omitempty"`
}

// VerifyMonthlyReport recomputes an issued report's hash from what is
// stored and checks the platform's signature over it with the key it names,
// looked up among every key the platform published (record_signing_keys),
// so it verifies after the key is rotated.
func (s *Service) VerifyMonthlyReport(ctx context.Context, actor *identity.Account, id int64) (ReportVerification, error) {
	r, err := s.GetMonthlyReport(ctx, actor, id)
	if err != nil {
		return ReportVerification{}, err
	}
	if !r.Issued() || r.ContentHash == nil || r.IssuedAt == nil {
		return ReportVerification{}, errs.Conflict("monthly_report_not_issued", "月报告尚未通报")
	}
	content, err := issuedContent(r, *r.IssuedAt)
	if err != nil {
		return ReportVerification{}, errs.Internal(err)
	}
	// Every key the platform ever published (the record's key table), so a
	// report signed before a key rotation still verifies.
	ring, err := record.LoadKeyring(ctx, s.DB)
	if err != nil {
		return ReportVerification{}, err
	}
	sum := sha256.Sum256(content)
	v := ReportVerification{OK: true, Hash: *r.ContentHash, SignerKey: deref(r.SignerKey)}
	switch {
	case hex.EncodeToString(sum[:]) != *r.ContentHash:
		v.OK, v.Problem = false, "月报告内容与通报时的摘要不一致"
	case deref(r.SignerKey) == "":
		v.OK, v.Problem = false, "报告未经平台签名"
	case ring[deref(r.SignerKey)] == nil:
		v.OK, v.Problem = false, "签名所用的密钥不是平台公布过的密钥"
	case !verifySignature(ring[deref(r.SignerKey)], *r.ContentHash, deref(r.Signature)):
		v.OK, v.Problem = false, "签名验证失败"
	}
	return v, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ExportMonthlyReport renders a report the actor may read as "pdf" or
// "xlsx" and returns the file, its content type and a file name.
// Codes: monthly_report_not_found, invalid_format.
func (s *Service) ExportMonthlyReport(ctx context.Context, actor *identity.Account, id int64, format string) ([]byte, string, string, error) {
	r, err := s.GetMonthlyReport(ctx, actor, id)
	if err != nil {
		return nil, "", "", err
	}
	name := "monthly-report-" + r.Month.Format("2006-01")
	if r.Scope == ScopeDistrict {
		name += "-district"
	}
	if r.AgencyID != nil {
		name += "-" + itoa(*r.AgencyID)
	}
	switch format {
	case "", "pdf":
		b, err := MonthlyReportPDF(r)
		return b, "application/pdf", name + ".pdf", err
	case "xlsx":
		b, err := MonthlyReportXLSX(r)
		return b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx", err
	}
	return nil, "", "", errs.InvalidField("invalid_format", "format", "格式须为 pdf 或 xlsx")
}
