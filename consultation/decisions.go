package consultation

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

const decisionColumns = `d.id, d.title, d.summary, d.category, d.domain, d.decision_body_id, b.code AS decision_body_code,
	b.name AS decision_body_name, d.lead_agency_id, l.code AS lead_agency_code, l.name AS lead_agency_name, d.co_agency_ids,
	ARRAY(SELECT c.code FROM agencies c WHERE c.id = ANY (d.co_agency_ids) ORDER BY c.code) AS co_agency_codes,
	d.technical, d.stability_risk, d.affects_specific_groups, d.market_related, d.not_disclosable, d.not_disclosable_reason,
	d.planned_decision_date, d.status, d.withdrawn_reason, d.public_since, d.created_by, d.created_at, d.updated_at,
	ARRAY(SELECT DISTINCT r.review_agency_id FROM legality_reviews r WHERE r.decision_id = d.id) AS review_agency_ids,
	ARRAY(SELECT DISTINCT ra.adviser_id FROM review_assignments ra JOIN legality_reviews r ON r.id = ra.review_id
		WHERE r.decision_id = d.id) AS adviser_ids`

const decisionFrom = ` FROM decisions d JOIN agencies b ON b.id = d.decision_body_id JOIN agencies l ON l.id = d.lead_agency_id `

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func getDecision(ctx context.Context, q querier, id int64, lock bool) (Decision, error) {
	sql := "SELECT " + decisionColumns + decisionFrom + "WHERE d.id = $1"
	if lock {
		// NO KEY UPDATE serialises the writers of a decision without blocking
		// comment inserts, whose foreign key takes a KEY SHARE lock on this row.
		sql += " FOR NO KEY UPDATE OF d"
	}
	return queryOne[Decision](ctx, q, errDecisionNotFound, sql, id)
}

var errDecisionNotFound = errs.NotFound("decision_not_found", "决策事项不存在")

// requireLeadWriter is the access check of every write to a decision. Staff
// of another agency get not_lead_unit_staff (403) whether or not they may
// read the decision, so every write answers them the same way; anyone else
// who may not see a draft gets decision_not_found, so its existence is not
// revealed to the public.
func requireLeadWriter(actor *identity.Account, d *Decision) error {
	if !canSee(actor, d) && !actor.HasRole(identity.RoleAgencyStaff) {
		return errDecisionNotFound
	}
	return requireLeadStaff(actor, d)
}

// lockDecision reads the decision FOR UPDATE: every change to a decision
// and its record is serialised on this row lock.
func lockDecision(ctx context.Context, tx pgx.Tx, id int64) (Decision, error) {
	return getDecision(ctx, tx, id, true)
}

// GetDecision returns a decision the actor may see. Residents and anonymous
// visitors get decision_not_found for anything not yet public.
func (s *Service) GetDecision(ctx context.Context, actor *identity.Account, id int64) (Decision, error) {
	return visibleDecision(ctx, s.DB, actor, id)
}

// visibleDecision reads a decision the actor may see (canSee); any other
// is decision_not_found, so its existence does not leak.
func visibleDecision(ctx context.Context, q querier, actor *identity.Account, id int64) (Decision, error) {
	d, err := getDecision(ctx, q, id, false)
	if err != nil {
		return Decision{}, err
	}
	if !canSee(actor, &d) {
		return Decision{}, errDecisionNotFound
	}
	return d, nil
}

// internalDecision reads a decision the actor may see internally
// (canSeeInternal). Someone who may only see it publicly gets forbidden,
// anyone else decision_not_found.
func internalDecision(ctx context.Context, q querier, actor *identity.Account, id int64, forbidden error) (Decision, error) {
	d, err := visibleDecision(ctx, q, actor, id)
	if err != nil {
		return Decision{}, err
	}
	if !canSeeInternal(actor, &d) {
		return Decision{}, forbidden
	}
	return d, nil
}

// DecisionInput is the editable part of a decision.
type DecisionInput struct {
	Title                 string
	Summary               string
	Category              Category
	Domain                Domain
	DecisionBody          string // agency code, kind government or department (Art. 42)
	LeadAgency            string // agency code; must be the actor's agency
	CoAgencies            []string
	Technical             bool
	StabilityRisk         bool
	AffectsSpecificGroups bool
	MarketRelated         bool
	NotDisclosable        bool
	NotDisclosableReason  string
	PlannedDecisionDate   *time.Time
}

type resolvedInput struct {
	DecisionInput
	bodyID, leadID int64
	coIDs          []int64
}

func (s *Service) validateDecision(ctx context.Context, q querier, in DecisionInput) (resolvedInput, error) {
	r := resolvedInput{DecisionInput: in}
	r.Title = strings.TrimSpace(in.Title)
	r.Summary = strings.TrimSpace(in.Summary)
	r.NotDisclosableReason = strings.TrimSpace(in.NotDisclosableReason)
	if r.Title == "" || utf8.RuneCountInString(r.Title) > 200 {
		return r, errs.InvalidField("invalid_title", "title", "标题不能为空且不超过200字")
	}
	if utf8.RuneCountInString(r.Summary) > 5000 {
		return r, errs.InvalidField("summary_too_long", "summary", "简介不能超过5000字")
	}
	if in.Category.Excluded() {
		return r, &errs.Error{Kind: errs.KindInvalid, Code: "excluded_matter", Basis: "Decree 713 Art. 3",
			Message: "财政政策、货币政策等宏观调控决策，政府立法决策以及突发事件应急处置决策不适用重大行政决策程序（《重大行政决策程序暂行条例》第三条）",
			Fields:  []errs.FieldError{{Field: "category", Message: "该类事项不属于重大行政决策（条例第三条）"}}}
	}
	if CategoryNames[in.Category] == "" {
		return r, errs.InvalidField("invalid_category", "category", "请选择决策事项类别")
	}
	if DomainNames[in.Domain] == "" {
		return r, errs.InvalidField("invalid_domain", "domain", "请选择民生领域")
	}
	if in.NotDisclosable && r.NotDisclosableReason == "" {
		return r, &errs.Error{Kind: errs.KindInvalid, Code: "not_disclosable_reason_required", Basis: "Decree 713 Art. 14",
			Message: "依法不予公开的决策事项必须说明法律依据", Fields: []errs.FieldError{{Field: "not_disclosable_reason", Message: "请写明不予公开的法律依据"}}}
	}
	agency := func(code, field string, kinds ...identity.AgencyKind) (int64, error) {
		if strings.TrimSpace(code) == "" {
			return 0, errs.InvalidField("agency_not_found", field, agencyRequired[field])
		}
		var id int64
		var kind identity.AgencyKind
		rows, _ := q.Query(ctx, `SELECT id, kind FROM agencies WHERE code = $1`, code)
		if _, err := pgx.ForEachRow(rows, []any{&id, &kind}, func() error { return nil }); err != nil {
			return 0, errs.Internal(err)
		}
		if id == 0 {
			return 0, errs.InvalidField("agency_not_found", field, "机构不存在："+code)
		}
		for _, k := range kinds {
			if k == kind {
				return id, nil
			}
		}
		return 0, errs.InvalidField("agency_kind_mismatch", field, "机构类型不符："+code)
	}
	var err error
	// Decree 713 Art. 42: departments (and township governments, agencies
	// of kind government) make major decisions under the same procedure.
	if r.bodyID, err = agency(in.DecisionBody, "decision_body", identity.AgencyGovernment, identity.AgencyDepartment); err != nil {
		return r, err
	}
	if r.leadID, err = agency(in.LeadAgency, "lead_agency", identity.AgencyDepartment, identity.AgencyGovernment); err != nil {
		return r, err
	}
	r.coIDs = []int64{}
	for _, c := range in.CoAgencies {
		id, err := agency(c, "co_agencies", identity.AgencyDepartment, identity.AgencyGovernment, identity.AgencyLegalityReview)
		if err != nil {
			return r, err
		}
		if id != r.leadID {
			r.coIDs = append(r.coIDs, id)
		}
	}
	return r, nil
}

// agencyRequired asks, per field, for an agency left empty.
var agencyRequired = map[string]string{"decision_body": "请选择决策机关", "lead_agency": "请选择承办单位",
	"co_agencies": "请选择协办单位"}

// CreateDecision creates a decision item in drafting. Only agency staff may
// call it, for their own agency as lead unit. Codes: invalid_title,
// invalid_category, excluded_matter, invalid_domain, agency_not_found,
// agency_kind_mismatch, not_disclosable_reason_required, not_lead_unit_staff.
func (s *Service) CreateDecision(ctx context.Context, actor *identity.Account, in DecisionInput) (Decision, error) {
	if err := identity.RequireRole(actor, identity.RoleAgencyStaff); err != nil {
		return Decision{}, err
	}
	r, err := s.validateDecision(ctx, s.DB, in)
	if err != nil {
		return Decision{}, err
	}
	if !actor.IsStaffOf(r.leadID) {
		return Decision{}, errs.Forbidden("not_lead_unit_staff", "只能以本单位作为承办单位创建决策事项")
	}
	var out Decision
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		now := s.now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO decisions (title, summary, category, domain, decision_body_id, lead_agency_id, co_agency_ids,
			technical, stability_risk, affects_specific_groups, market_related, not_disclosable, not_disclosable_reason,
			planned_decision_date, created_by, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$16) RETURNING id`,
			r.Title, r.Summary, r.Category, r.Domain, r.bodyID, r.leadID, r.coIDs, r.Technical, r.StabilityRisk,
			r.AffectsSpecificGroups, r.MarketRelated, r.NotDisclosable, r.NotDisclosableReason, r.PlannedDecisionDate,
			actor.ID, now).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		d, err := lockDecision(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := s.appendRecord(ctx, tx, id, actor, RecordDecisionCreated, decisionRecord(d)); err != nil {
			return err
		}
		out = d
		return nil
	})
	return out, err
}

// decisionRecord is what the record keeps of a decision's fields.
func decisionRecord(d Decision) map[string]any {
	return map[string]any{
		"title": d.Title, "summary": d.Summary, "category": d.Category, "domain": d.Domain,
		"decision_body": d.DecisionBodyCode, "lead_agency": d.LeadAgencyCode, "co_agency_ids": d.CoAgencyIDs,
		"technical": d.Technical, "stability_risk": d.StabilityRisk, "affects_specific_groups": d.AffectsSpecificGroups,
		"market_related": d.MarketRelated, "not_disclosable": d.NotDisclosable, "not_disclosable_reason": d.NotDisclosableReason,
		"planned_decision_date": d.PlannedDecisionDate,
	}
}

// UpdateDecision replaces the editable fields. Only staff of the lead unit
// may call it, and not after the decision left the legality review
// (what was reviewed and decided stays as it was). The lead unit cannot be
// changed. Codes: as CreateDecision, plus decision_not_found,
// decision_not_editable, lead_agency_immutable.
func (s *Service) UpdateDecision(ctx context.Context, actor *identity.Account, id int64, in DecisionInput) (Decision, error) {
	var out Decision
	err := s.writeDecision(ctx, actor, id, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		switch d.Status {
		case StatusDrafting, StatusConsulting, StatusHandling:
		default:
			return errs.Conflict("decision_not_editable", "决策事项已进入"+StatusNames[d.Status]+"阶段，不能再修改")
		}
		if in.LeadAgency == "" {
			in.LeadAgency = d.LeadAgencyCode
		}
		if in.LeadAgency != d.LeadAgencyCode {
			return errs.InvalidField("lead_agency_immutable", "lead_agency", "承办单位不能变更")
		}
		// A decision under consultation has been announced as disclosable;
		// withholding it now would retract a public notice.
		if in.NotDisclosable && d.PublicSince != nil {
			return errs.Conflict("already_public", "决策事项已公开征求意见，不能改为不予公开")
		}
		r, err := s.validateDecision(ctx, tx, in)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE decisions SET title=$2, summary=$3, category=$4, domain=$5, decision_body_id=$6, co_agency_ids=$7,
			technical=$8, stability_risk=$9, affects_specific_groups=$10, market_related=$11, not_disclosable=$12,
			not_disclosable_reason=$13, planned_decision_date=$14, updated_at=$15 WHERE id=$1`,
			id, r.Title, r.Summary, r.Category, r.Domain, r.bodyID, r.coIDs, r.Technical, r.StabilityRisk, r.AffectsSpecificGroups,
			r.MarketRelated, r.NotDisclosable, r.NotDisclosableReason, r.PlannedDecisionDate, s.now()); err != nil {
			return errs.Internal(err)
		}
		out, err = lockDecision(ctx, tx, id)
		if err != nil {
			return err
		}
		_, err = s.appendRecord(ctx, tx, id, actor, RecordDecisionUpdated, decisionRecord(out))
		return err
	})
	return out, err
}

// DecisionFilter narrows ListDecisions.
type DecisionFilter struct {
	Domain     Domain
	Status     Status
	LeadAgency string
	Text       string
	// Mine lists the decisions of the actor's own agency, public or not.
	Mine   bool
	Limit  int
	Cursor string
}

// ListDecisions lists decisions newest first. Anyone may call it; what is
// not public appears only for those who may see it internally. Codes:
// invalid_cursor, invalid_domain, invalid_status.
func (s *Service) ListDecisions(ctx context.Context, actor *identity.Account, f DecisionFilter) ([]Decision, string, error) {
	if f.Domain != "" && DomainNames[f.Domain] == "" {
		return nil, "", errs.InvalidField("invalid_domain", "domain", "民生领域无效")
	}
	if f.Status != "" && StatusNames[f.Status] == "" {
		return nil, "", errs.InvalidField("invalid_status", "status", "阶段无效")
	}
	before, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := cursor.Limit(f.Limit)
	// Internal visibility is decided in SQL, by the rule of canSeeInternal:
	// staff of the lead unit, decision body or co-units, reviewers of the
	// department a review went to, advisers assigned to a review,
	// supervisors of the decision body, admins.
	var agencyID, reviewAgencyID, adviserID, bodyID int64
	internalAll := false
	if actor != nil {
		switch actor.Role {
		case identity.RoleAdmin:
			internalAll = true
		case identity.RoleAgencyStaff:
			if actor.AgencyID != nil {
				agencyID = *actor.AgencyID
			}
		case identity.RoleReviewer:
			if actor.AgencyID != nil {
				reviewAgencyID = *actor.AgencyID
			}
		case identity.RoleSupervisor:
			if actor.AgencyID != nil {
				bodyID = *actor.AgencyID
			}
		case identity.RoleLegalAdviser:
			adviserID = actor.ID
		}
	}
	rows, err := s.DB.Query(ctx, "SELECT "+decisionColumns+decisionFrom+`
		WHERE ($1::bigint = 0 OR d.id < $1)
		  AND ($2 = '' OR d.domain = $2)
		  AND ($3 = '' OR d.status = $3)
		  AND ($4 = '' OR l.code = $4)
		  AND ($5 = '' OR d.title ILIKE '%' || $5 || '%' OR d.summary ILIKE '%' || $5 || '%')
		  AND (
		    (NOT $8 AND d.public_since IS NOT NULL)
		    OR $6
		    OR ($7::bigint <> 0 AND (d.lead_agency_id = $7 OR d.decision_body_id = $7 OR $7 = ANY (d.co_agency_ids)))
		    OR (NOT $8 AND $10::bigint <> 0 AND d.id IN (SELECT decision_id FROM legality_reviews WHERE review_agency_id = $10))
		    OR (NOT $8 AND $11::bigint <> 0 AND d.id IN (SELECT r.decision_id FROM legality_reviews r
		        JOIN review_assignments ra ON ra.review_id = r.id WHERE ra.adviser_id = $11))
		    OR (NOT $8 AND $12::bigint <> 0 AND d.decision_body_id = $12)
		  )
		ORDER BY d.id DESC LIMIT $9`,
		before, string(f.Domain), string(f.Status), f.LeadAgency, escapeLike(strings.TrimSpace(f.Text)), internalAll && !f.Mine, agencyID, f.Mine, limit+1,
		reviewAgencyID, adviserID, bodyID)
	return cursor.Collect(rows, err, limit, pgx.RowToStructByName[Decision], func(v Decision) int64 { return v.ID })
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// WithdrawDecision withdraws a decision at any stage before it is in
// effect, with a reason. Only staff of the lead unit may call it. Codes:
// decision_not_found, not_lead_unit_staff, withdraw_reason_required,
// decision_not_withdrawable.
func (s *Service) WithdrawDecision(ctx context.Context, actor *identity.Account, id int64, reason string) (Decision, error) {
	reason = strings.TrimSpace(reason)
	var out Decision
	err := s.writeDecision(ctx, actor, id, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		if reason == "" {
			return errs.InvalidField("withdraw_reason_required", "reason", "撤回决策事项必须说明理由")
		}
		if _, err := tx.Exec(ctx, `UPDATE decisions SET withdrawn_reason = $2 WHERE id = $1`, id, reason); err != nil {
			return errs.Internal(err)
		}
		if err := s.transition(ctx, tx, actor, &d, StatusWithdrawn, map[string]any{"reason": reason}); err != nil {
			return err
		}
		// An open consultation ends with the withdrawal, and the record says so.
		var closedID int64
		err = tx.QueryRow(ctx, `UPDATE consultations SET closed_at = $2 WHERE decision_id = $1 AND closed_at IS NULL RETURNING id`,
			id, s.now()).Scan(&closedID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return errs.Internal(err)
		default:
			if _, err := s.appendRecord(ctx, tx, id, actor, RecordConsultationClosed, map[string]any{
				"consultation_id": closedID, "reason": "decision_withdrawn"}); err != nil {
				return err
			}
		}
		out, err = lockDecision(ctx, tx, id)
		return err
	})
	return out, err
}
