package supervision

import (
	"context"
	"sort"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// DecisionCompliance is one decision with its steps.
type DecisionCompliance struct {
	Facts Facts
	Steps []Step
}

// StateCounts counts steps by state.
type StateCounts map[StepState]int

// AgencyCompliance is one decision body's or department's row of the dashboard.
type AgencyCompliance struct {
	AgencyID   int64       `json:"agency_id"`
	AgencyName string      `json:"agency_name"`
	Decisions  int         `json:"decisions"`
	Steps      StateCounts `json:"steps"`
	// DecisionIDs are the decisions behind the row, so each figure links to them.
	DecisionIDs []int64 `json:"decision_ids"`
}

// OverdueStep is a step past its deadline.
type OverdueStep struct {
	DecisionID    int64     `json:"decision_id"`
	DecisionTitle string    `json:"decision_title"`
	AgencyID      int64     `json:"agency_id"`
	AgencyName    string    `json:"agency_name"`
	Step          Step      `json:"step"`
	Due           time.Time `json:"due"`
	DaysLate      int       `json:"days_late"`
}

// Overview is the compliance dashboard.
type Overview struct {
	At           time.Time          `json:"at"`
	Decisions    int                `json:"decisions"`
	Steps        StateCounts        `json:"steps"`
	ByBody       []AgencyCompliance `json:"by_decision_body"`
	ByDepartment []AgencyCompliance `json:"by_department"`
	Overdue      []OverdueStep      `json:"overdue"`
}

// factsQuery reads the procedure's facts (decision_compliance_facts, the
// consultation schema's view) with the life before and after it: the
// catalogue's view and the implementation's, each its package's own.
const factsQuery = `SELECT f.id, f.title, f.domain, f.status, f.decision_body_id, f.lead_agency_id, f.not_disclosable,
	f.not_disclosable_reason, f.created_at, f.consultation_opens_at, f.consultation_ends_at, f.shortening_reason,
	f.consultation_closed_at, f.adoption_report_published_at, f.survey_closed_at, f.survey_responses, f.survey_waived_at,
	f.survey_waiver_reason, f.review_submitted_at, f.review_received_at, f.review_status, f.concluded_at,
	f.conclusion_outcome, f.expedite_reason, f.opinions, f.first_opinion_at, f.deliberation_date, f.party_report_date,
	f.published_on, f.published_at, f.survey_target,
	i.implementing_agency_id, i.effective_on, i.report_interval_days, i.periodic_report_ends, i.periodic_reported_at,
	COALESCE(i.implementation_reports, 0) AS implementation_reports, i.implementation_reported_at, i.ended_at,
	COALESCE(c.catalogue_required, false) AS catalogue_required, c.catalogue_item_id, c.catalogue_item_status,
	c.catalogue_planned_quarter, c.catalogue_year, c.catalogue_status, c.catalogue_linked_at
	FROM decision_compliance_facts f
	LEFT JOIN implementation_compliance_facts i ON i.decision_id = f.id
	LEFT JOIN catalogue_membership_facts c ON c.decision_id = f.id`

// bodySQL is the condition, on decision_compliance_facts `f`, that the
// office of government $1 supervises the decision: its decision body is
// the government itself or one of the government's departments (Decree
// 713 Art. 42: a department decides its own major decisions; governedSQL
// for the departments), never another government, not even a district
// that belongs to it (each has its office). It used to read the
// government's own decisions only, so those a department decided were on
// no office's desk (outside check).
var bodySQL = `($1::bigint = 0 OR EXISTS (SELECT 1 FROM agencies a WHERE a.id = f.decision_body_id
	AND (a.id = $1 OR (a.kind <> 'government' AND ` + governed(1) + `))))`

// loadFacts reads the facts of the decisions in scope: of the decision
// body body and its departments (bodySQL; 0: every body), led or decided
// by agency (0: any), or the one decision (0: all).
func loadFacts(ctx context.Context, q querier, body, agencyID, decisionID int64) ([]Facts, error) {
	return pgrows.All[Facts](ctx, q, factsQuery+` WHERE `+bodySQL+`
		AND ($2::bigint = 0 OR f.lead_agency_id = $2 OR f.decision_body_id = $2) AND ($3::bigint = 0 OR f.id = $3) ORDER BY f.id`,
		body, agencyID, decisionID)
}

func (s *Service) agencyNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, name FROM agencies`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	defer rows.Close()
	names := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, errs.Internal(err)
		}
		names[id] = n
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Internal(err)
	}
	return names, nil
}

// bodyOf is the decision body whose decisions a supervisor sees: the
// government they belong to (DOMAIN.md: the office supervises its
// government's decisions). Admins and department staff: 0, no limit here
// (department staff are limited by agency instead).
func bodyOf(actor *identity.Account) int64 {
	if actor != nil && actor.Role == roleSupervisor && actor.AgencyID != nil {
		return *actor.AgencyID
	}
	return 0
}

// compliance computes the steps of every decision in scope at `at`.
func (s *Service) compliance(ctx context.Context, body, agencyID, decisionID int64, at time.Time) ([]DecisionCompliance, error) {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	fs, err := loadFacts(ctx, s.DB, body, agencyID, decisionID)
	if err != nil {
		return nil, err
	}
	out := make([]DecisionCompliance, len(fs))
	for i, f := range fs {
		out[i] = DecisionCompliance{Facts: f, Steps: Steps(f, cal, s.limits(), at)}
	}
	return out, nil
}

// GetComplianceOverview is the dashboard: every decision's steps counted by
// decision body and by department, and the overdue list. The office sees
// the whole city; a department's staff see the decisions it leads.
// Codes: not_supervisor.
func (s *Service) GetComplianceOverview(ctx context.Context, actor *identity.Account, agencyID int64) (Overview, error) {
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil && agencyID == 0 {
		agencyID = *actor.AgencyID
	}
	if err := s.requireScope(actor, agencyID); err != nil {
		return Overview{}, err
	}
	at := s.now()
	dcs, err := s.compliance(ctx, bodyOf(actor), agencyID, 0, at)
	if err != nil {
		return Overview{}, err
	}
	names, err := s.agencyNames(ctx)
	if err != nil {
		return Overview{}, err
	}
	return buildOverview(dcs, names, at), nil
}

func (s *Service) requireScope(actor *identity.Account, agencyID int64) error {
	if agencyID == 0 {
		return requireOffice(actor)
	}
	return requireOfficeOrDepartment(actor, agencyID)
}

func buildOverview(dcs []DecisionCompliance, names map[int64]string, at time.Time) Overview {
	o := Overview{At: at, Decisions: len(dcs), Steps: StateCounts{}}
	bodies, depts := map[int64]*AgencyCompliance{}, map[int64]*AgencyCompliance{}
	row := func(m map[int64]*AgencyCompliance, id int64) *AgencyCompliance {
		if m[id] == nil {
			m[id] = &AgencyCompliance{AgencyID: id, AgencyName: names[id], Steps: StateCounts{}}
		}
		return m[id]
	}
	for _, dc := range dcs {
		b, d := row(bodies, dc.Facts.DecisionBodyID), row(depts, dc.Facts.LeadAgencyID)
		for _, r := range []*AgencyCompliance{b, d} {
			r.Decisions++
			r.DecisionIDs = append(r.DecisionIDs, dc.Facts.ID)
		}
		for _, st := range dc.Steps {
			o.Steps[st.State]++
			b.Steps[st.State]++
			d.Steps[st.State]++
			if st.State == StepOverdue {
				o.Overdue = append(o.Overdue, OverdueStep{DecisionID: dc.Facts.ID, DecisionTitle: dc.Facts.Title,
					AgencyID: dc.Facts.LeadAgencyID, AgencyName: names[dc.Facts.LeadAgencyID], Step: st, Due: *st.Due,
					DaysLate: int(at.Sub(*st.Due).Hours() / 24)})
			}
		}
	}
	o.ByBody, o.ByDepartment = sortedRows(bodies), sortedRows(depts)
	sort.SliceStable(o.Overdue, func(i, j int) bool { return o.Overdue[i].Due.Before(o.Overdue[j].Due) })
	return o
}

func sortedRows(m map[int64]*AgencyCompliance) []AgencyCompliance {
	out := make([]AgencyCompliance, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AgencyID < out[j].AgencyID })
	return out
}

// ListOverdueSteps lists the steps past their deadline, oldest first, of
// the city or of one department. Codes: not_supervisor.
func (s *Service) ListOverdueSteps(ctx context.Context, actor *identity.Account, agencyID int64) ([]OverdueStep, error) {
	o, err := s.GetComplianceOverview(ctx, actor, agencyID)
	return o.Overdue, err
}

// GetDecisionCompliance returns one decision's steps. Codes: not_supervisor,
// decision_not_found.
func (s *Service) GetDecisionCompliance(ctx context.Context, actor *identity.Account, decisionID int64) (DecisionCompliance, error) {
	dcs, err := s.compliance(ctx, bodyOf(actor), 0, decisionID, s.now())
	if err != nil {
		return DecisionCompliance{}, err
	}
	if len(dcs) == 0 {
		return DecisionCompliance{}, errs.NotFound("decision_not_found", "决策事项不存在")
	}
	if actor == nil || !(actor.HasRole(roleSupervisor, identity.RoleAdmin) ||
		actor.IsStaffOf(dcs[0].Facts.LeadAgencyID) || actor.IsStaffOf(dcs[0].Facts.DecisionBodyID)) {
		return DecisionCompliance{}, errs.NotFound("decision_not_found", "决策事项不存在")
	}
	return dcs[0], nil
}
