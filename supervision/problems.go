package supervision

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Inspection is an inspection plan (督察): its scope and dates.
type Inspection struct {
	ID         int64     `db:"id" json:"id"`
	Title      string    `db:"title" json:"title"`
	AgencyIDs  []int64   `db:"agency_ids" json:"agency_ids"`
	PeriodFrom time.Time `db:"period_from" json:"period_from"`
	PeriodTo   time.Time `db:"period_to" json:"period_to"`
	Topics     string    `db:"topics" json:"topics"`
	StartsOn   time.Time `db:"starts_on" json:"starts_on"`
	EndsOn     time.Time `db:"ends_on" json:"ends_on"`
	CreatedBy  int64     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
}

// InspectionInput is a new inspection plan; dates are YYYY-MM-DD.
type InspectionInput struct {
	Title                string
	AgencyIDs            []int64
	PeriodFrom, PeriodTo string
	Topics               string
	StartsOn, EndsOn     string
}

func parseDate(field, v string, fields *[]errs.FieldError) time.Time {
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		*fields = append(*fields, errs.FieldError{Field: field, Message: "请填写有效日期（年-月-日）"})
	}
	return t
}

// CreateInspection records an inspection plan. Codes: not_supervisor,
// invalid_inspection.
func (s *Service) CreateInspection(ctx context.Context, actor *identity.Account, in InspectionInput) (Inspection, error) {
	if err := requireOffice(actor); err != nil {
		return Inspection{}, err
	}
	var fields []errs.FieldError
	in.Title = strings.TrimSpace(in.Title)
	if n := len([]rune(in.Title)); n == 0 || n > 200 {
		fields = append(fields, errs.FieldError{Field: "title", Message: "请填写督察名称（200字以内）"})
	}
	if len(in.AgencyIDs) == 0 {
		fields = append(fields, errs.FieldError{Field: "agency_ids", Message: "请选择督察的单位"})
	}
	pf, pt := parseDate("period_from", in.PeriodFrom, &fields), parseDate("period_to", in.PeriodTo, &fields)
	so, eo := parseDate("starts_on", in.StartsOn, &fields), parseDate("ends_on", in.EndsOn, &fields)
	if len(fields) == 0 && (pt.Before(pf) || eo.Before(so)) {
		fields = append(fields, errs.FieldError{Field: "ends_on", Message: "结束日期不能早于开始日期"})
	}
	if len(fields) > 0 {
		return Inspection{}, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_inspection", Message: "督察计划填写有误", Fields: fields}
	}
	var out Inspection
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := agenciesExist(ctx, tx, in.AgencyIDs); err != nil {
			return err
		}
		// The office inspects its own government's departments only (outside
		// check, security: a district's office planned the city's).
		for id := range uniq(in.AgencyIDs) {
			if err := requireGoverns(ctx, tx, actor, id, "agency_not_governed", "所选单位不属于本级政府，不能督察"); err != nil {
				return err
			}
		}
		var err error
		if out, err = pgrows.Returning[Inspection](ctx, tx, `INSERT INTO inspections (title, agency_ids, period_from, period_to, topics, starts_on, ends_on,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
			in.Title, in.AgencyIDs, pf, pt, strings.TrimSpace(in.Topics), so, eo, actor.ID, s.now()); err != nil {
			return err
		}
		return logAction(ctx, tx, s.now(), actor, "inspection_created", "inspection:"+itoa(out.ID), in)
	})
	return out, err
}

func agenciesExist(ctx context.Context, tx pgx.Tx, ids []int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM agencies WHERE id = ANY($1)`, ids).Scan(&n); err != nil {
		return errs.Internal(err)
	}
	if n != len(uniq(ids)) {
		return errs.InvalidField("agency_not_found", "agency_ids", "所选单位不存在")
	}
	return nil
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// inspectionGoverned is the condition, on an inspections row `i`, that
// the office of government $N inspects one of its departments (governed).
func inspectionGoverned(n int) string {
	return `EXISTS (SELECT 1 FROM agencies a WHERE a.id = ANY(i.agency_ids) AND ` + governed(n) + `)`
}

// ListInspections lists the inspection plans of the office's government
// (admins: all), newest first. Codes: not_supervisor.
func (s *Service) ListInspections(ctx context.Context, actor *identity.Account) ([]Inspection, error) {
	if err := requireOffice(actor); err != nil {
		return nil, err
	}
	return pgrows.All[Inspection](ctx, s.DB, `SELECT i.* FROM inspections i WHERE `+inspectionGoverned(1)+` ORDER BY i.id DESC LIMIT 500`,
		bodyOf(actor))
}

// Severity grades a problem.
type Severity string

// The severities; serious and grave problems may be put under listed
// supervision (挂牌督办).
const (
	SeverityGeneral Severity = "general" // 一般
	SeveritySerious Severity = "serious" // 较重
	SeverityGrave   Severity = "grave"   // 严重
)

// SeverityNames are the severities in Chinese.
var SeverityNames = map[Severity]string{SeverityGeneral: "一般", SeveritySerious: "较重", SeverityGrave: "严重"}

// ProblemStatusNames are the problem states in Chinese.
var ProblemStatusNames = map[string]string{"open": "整改中", "rectification_submitted": "已报送整改情况，待核查",
	"returned": "整改被退回", "closed": "已销号"}

// Problem is one problem of the problem list (问题清单).
type Problem struct {
	ID              int64      `db:"id" json:"id"`
	InspectionID    *int64     `db:"inspection_id" json:"inspection_id,omitempty"`
	AgencyID        int64      `db:"agency_id" json:"agency_id"`
	AgencyName      string     `db:"agency_name" json:"agency_name"`
	DecisionID      *int64     `db:"decision_id" json:"decision_id,omitempty"`
	Rule            string     `db:"rule" json:"rule"`
	Basis           string     `db:"basis" json:"basis"`
	Evidence        string     `db:"evidence" json:"evidence"`
	Severity        Severity   `db:"severity" json:"severity"`
	Listed          bool       `db:"listed" json:"listed"`
	ListedAt        *time.Time `db:"listed_at" json:"listed_at,omitempty"`
	Deadline        time.Time  `db:"deadline" json:"deadline"`
	Status          string     `db:"status" json:"status"`
	EscalationLevel int        `db:"escalation_level" json:"escalation_level"`
	EscalatedAt     *time.Time `db:"escalated_at" json:"escalated_at,omitempty"`
	CreatedBy       int64      `db:"created_by" json:"created_by"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	ClosedAt        *time.Time `db:"closed_at" json:"closed_at,omitempty"`
	ClosedBy        *int64     `db:"closed_by" json:"closed_by,omitempty"`
}

// Overdue reports whether the rectification deadline has passed unclosed.
func (p Problem) Overdue(now time.Time) bool {
	end := time.Date(p.Deadline.Year(), p.Deadline.Month(), p.Deadline.Day()+1, 0, 0, 0, 0, workday.Location())
	return p.Status != "closed" && now.After(end)
}

const problemColumns = `p.id, p.inspection_id, p.agency_id, a.name AS agency_name, p.decision_id, p.rule, p.basis,
	p.evidence, p.severity, p.listed, p.listed_at, p.deadline, p.status, p.escalation_level, p.escalated_at,
	p.created_by, p.created_at, p.closed_at, p.closed_by`

// ProblemInput is a problem found.
type ProblemInput struct {
	InspectionID *int64
	AgencyID     int64
	DecisionID   *int64
	Rule         string // the rule broken
	Basis        string // its article
	Evidence     string
	Severity     Severity
	Deadline     string // YYYY-MM-DD
	Listed       bool   // 挂牌督办
}

// ListedMaxWorkingDays is the tighter deadline of listed supervision: a
// listed problem is rectified within 15 working days of listing. The
// city's programme names 挂牌督办 without a period; this is the office's.
const ListedMaxWorkingDays = 15

// RecordProblem records a problem found, assigns it to its department with
// a rectification deadline (a day off runs to the next working day,
// workingDeadline) and tells the department. Listed supervision
// is for serious and grave problems only, with a deadline no later than
// ListedMaxWorkingDays. Codes: not_supervisor, invalid_problem,
// listed_needs_serious, listed_deadline_too_long, agency_not_found,
// agency_not_governed, decision_not_found, inspection_not_found.
func (s *Service) RecordProblem(ctx context.Context, actor *identity.Account, in ProblemInput) (Problem, error) {
	if err := requireOffice(actor); err != nil {
		return Problem{}, err
	}
	now := s.now()
	var fields []errs.FieldError
	in.Rule, in.Basis, in.Evidence = strings.TrimSpace(in.Rule), strings.TrimSpace(in.Basis), strings.TrimSpace(in.Evidence)
	if in.AgencyID == 0 {
		fields = append(fields, errs.FieldError{Field: "agency_id", Message: "请选择责任单位"})
	}
	if in.Rule == "" {
		fields = append(fields, errs.FieldError{Field: "rule", Message: "请写明违反的规定"})
	}
	if in.Evidence == "" {
		fields = append(fields, errs.FieldError{Field: "evidence", Message: "请写明问题的证据"})
	}
	if SeverityNames[in.Severity] == "" {
		fields = append(fields, errs.FieldError{Field: "severity", Message: "请选择问题的严重程度"})
	}
	deadline := parseDate("deadline", in.Deadline, &fields)
	if len(fields) == 0 && !deadline.After(now.In(workday.Location()).Truncate(24*time.Hour)) {
		fields = append(fields, errs.FieldError{Field: "deadline", Message: "整改期限须晚于今天"})
	}
	if len(fields) > 0 {
		return Problem{}, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_problem", Message: "问题填写有误", Fields: fields}
	}
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return Problem{}, errs.Internal(err)
	}
	deadline = workingDeadline(cal, deadline)
	if in.Listed {
		if err := checkListed(cal, in.Severity, deadline, now); err != nil {
			return Problem{}, err
		}
	}
	var out Problem
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := agenciesExist(ctx, tx, []int64{in.AgencyID}); err != nil {
			return err
		}
		if err := requireGoverns(ctx, tx, actor, in.AgencyID, "agency_not_governed", "该单位不属于本级政府，不能记录问题"); err != nil {
			return err
		}
		if err := problemReferencesExist(ctx, tx, in, bodyOf(actor)); err != nil {
			return err
		}
		var listedAt *time.Time
		if in.Listed {
			listedAt = &now
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO supervision_problems (inspection_id, agency_id, decision_id, rule, basis,
			evidence, severity, listed, listed_at, deadline, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			in.InspectionID, in.AgencyID, in.DecisionID, in.Rule, in.Basis, in.Evidence, in.Severity, in.Listed, listedAt,
			deadline, actor.ID, now).Scan(&id)
		if err != nil {
			return errs.Internal(err)
		}
		if out, err = getProblem(ctx, tx, id, false); err != nil {
			return err
		}
		if err := logAction(ctx, tx, now, actor, "problem_recorded", problemSubject(id), in); err != nil {
			return err
		}
		title := "新的整改问题：" + in.Rule
		if in.Listed {
			title = "挂牌督办：" + in.Rule
		}
		return notify(ctx, tx, now, in.AgencyID, "problem_recorded", title, "/supervision/problems/"+itoa(id), "problem:"+itoa(id))
	})
	return out, err
}

// problemReferencesExist checks the decision and the inspection a problem
// names, so that a mistyped number is a field error and not the foreign
// key's 500; both must be of the office's government (body, 0 for admins):
// a decision whose body it governs, an inspection of its departments
// (outside check, security: a district's office tied its problems to the
// city's).
func problemReferencesExist(ctx context.Context, tx pgx.Tx, in ProblemInput, body int64) error {
	var decisionOK, inspectionOK bool
	err := tx.QueryRow(ctx, `SELECT $1::bigint IS NULL OR EXISTS (SELECT 1 FROM decisions d JOIN agencies a ON a.id = d.decision_body_id
			WHERE d.id = $1 AND `+governed(3)+`),
		$2::bigint IS NULL OR EXISTS (SELECT 1 FROM inspections i WHERE i.id = $2 AND `+inspectionGoverned(3)+`)`,
		in.DecisionID, in.InspectionID, body).Scan(&decisionOK, &inspectionOK)
	if err != nil {
		return errs.Internal(err)
	}
	if !decisionOK {
		return errs.InvalidField("decision_not_found", "decision_id", "没有编号为"+itoa(*in.DecisionID)+"的决策事项")
	}
	if !inspectionOK {
		return errs.InvalidField("inspection_not_found", "inspection_id", "没有编号为"+itoa(*in.InspectionID)+"的督察计划")
	}
	return nil
}

// workingDeadline is the rectification deadline the office set, or, when
// that day is not a working day, the first working day after it: a period
// whose last day is a day off ends on the next working day (Civil Code
// Art. 203, the rule the working-day calendar follows). A deadline set on
// a holiday used to make the problem overdue, and escalate it, while the
// department was closed (outside check).
func workingDeadline(cal workday.Calendar, deadline time.Time) time.Time {
	for !cal.IsWorkingDay(deadline) {
		deadline = deadline.AddDate(0, 0, 1)
	}
	return deadline
}

func checkListed(cal workday.Calendar, sev Severity, deadline, now time.Time) error {
	if sev == SeverityGeneral {
		return errs.Invalid("listed_needs_serious", "挂牌督办仅适用于较重或严重的问题")
	}
	limit := cal.AddWorkingDays(now, ListedMaxWorkingDays)
	if !deadline.In(workday.Location()).Before(limit) {
		return errs.InvalidField("listed_deadline_too_long", "deadline",
			"挂牌督办的整改期限不得超过"+itoa(ListedMaxWorkingDays)+"个工作日（最迟"+limit.AddDate(0, 0, -1).Format("2006年1月2日")+"）")
	}
	return nil
}

func problemSubject(id int64) string { return "problem:" + itoa(id) }

func getProblem(ctx context.Context, q querier, id int64, lock bool) (Problem, error) {
	sql := `SELECT ` + problemColumns + ` FROM supervision_problems p JOIN agencies a ON a.id = p.agency_id WHERE p.id = $1`
	if lock {
		sql += ` FOR UPDATE OF p`
	}
	return pgrows.One[Problem](ctx, q, errs.NotFound("problem_not_found", "问题不存在"), sql, id)
}

// lockGovernedProblem locks a problem for the office, which must govern
// its department. Codes: problem_not_found.
func lockGovernedProblem(ctx context.Context, tx pgx.Tx, actor *identity.Account, id int64) (Problem, error) {
	p, err := getProblem(ctx, tx, id, true)
	if err != nil {
		return Problem{}, err
	}
	if err := requireGoverns(ctx, tx, actor, p.AgencyID, "problem_not_found", "问题不存在"); err != nil {
		return Problem{}, err
	}
	return p, nil
}

// GetProblem returns a problem to the office or its department.
// Codes: problem_not_found.
func (s *Service) GetProblem(ctx context.Context, actor *identity.Account, id int64) (Problem, []Rectification, error) {
	p, err := getProblem(ctx, s.DB, id, false)
	if err != nil {
		return Problem{}, nil, err
	}
	if requireOfficeOrDepartment(actor, p.AgencyID) != nil {
		return Problem{}, nil, errs.NotFound("problem_not_found", "问题不存在")
	}
	if err := requireGoverns(ctx, s.DB, actor, p.AgencyID, "problem_not_found", "问题不存在"); err != nil {
		return Problem{}, nil, err
	}
	rs, err := s.rectifications(ctx, id)
	return p, rs, err
}

// ProblemFilter narrows ListProblems.
type ProblemFilter struct {
	AgencyID     int64
	InspectionID int64
	ListedOnly   bool
	OpenOnly     bool
}

// ListProblems lists problems: the office all, a department's staff its own.
// Codes: not_supervisor.
func (s *Service) ListProblems(ctx context.Context, actor *identity.Account, f ProblemFilter) ([]Problem, error) {
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil {
		f.AgencyID = *actor.AgencyID
	}
	if err := s.requireScope(actor, f.AgencyID); err != nil {
		return nil, err
	}
	return pgrows.All[Problem](ctx, s.DB, `SELECT `+problemColumns+` FROM supervision_problems p JOIN agencies a ON a.id = p.agency_id
		WHERE ($1::bigint = 0 OR p.agency_id = $1) AND ($2::bigint = 0 OR p.inspection_id = $2) AND (NOT $3 OR p.listed)
			AND (NOT $4 OR p.status <> 'closed') AND `+governed(5)+`
		ORDER BY p.listed DESC, p.deadline, p.id LIMIT 1000`, f.AgencyID, f.InspectionID, f.ListedOnly, f.OpenOnly, bodyOf(actor))
}
