package survey

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// GateBasis is the source of the survey requirement.
const GateBasis = "National indicator system for rule-of-law government demonstration cities (2021)"

// MinSurveyResponses is the platform's floor for a survey to count as held:
// a survey nobody answered measured no opinion (issue 13: a closed survey
// with zero responses satisfied the gate). A survey's own target and the
// decision body's minimum raise it.
const MinSurveyResponses = 1

func init() {
	// The national indicator system expects an opinion survey (民意调查)
	// for decisions in the six livelihood domains; the lead unit may
	// instead record in writing why none was held. A survey counts when it
	// is closed and reached the responses it set as its target, the
	// decision body's minimum, and at least MinSurveyResponses.
	consultation.AddGate(consultation.StatusUnderReview, consultation.Gate{
		Code: "survey_required", Basis: GateBasis, Title: "已开展民意调查并达到预定答卷数（民生领域决策事项）或书面说明未开展的理由",
		Message: "该决策事项属于民生领域，须有一份关联的民意调查已结束且答卷数达到调查预定的目标数（及决策机关规定的最低数），或由承办单位书面说明未开展民意调查的理由",
		Applies: func(d *consultation.Decision) bool { return d.Domain.Livelihood() },
		Check: func(ctx context.Context, st *consultation.GateState) (bool, error) {
			set, err := consultation.ReadBodySettings(ctx, st.Tx, st.Decision.DecisionBodyID)
			if err != nil {
				return false, err
			}
			var ok bool
			err = st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM surveys s WHERE s.decision_id = $1 AND s.status = 'closed'
					AND coalesce((SELECT t.count FROM survey_tallies t WHERE t.survey_id = s.id AND t.question_id = 0 AND t.answer_key = $3), 0)
						>= greatest(coalesce(s.target_responses, 0), $2, $4))
				OR EXISTS (SELECT 1 FROM survey_waivers WHERE decision_id = $1)`,
				st.Decision.ID, set.SurveyMinResponses, keyRespondents, MinSurveyResponses).Scan(&ok)
			return ok, err
		}})
}

// Waiver is the written reason why a livelihood decision held no survey.
type Waiver struct {
	DecisionID int64
	Reason     string
	WaivedBy   int64
	WaivedAt   time.Time
}

// WaiveSurveyRequirement records, for a decision in a livelihood domain,
// why no opinion survey is held, which satisfies the survey_required gate;
// the reason goes into the decision's process record. Only staff of the
// decision's lead unit may call it, before legality review. Codes:
// decision_not_found, not_lead_unit_staff, waiver_reason_required,
// waiver_reason_too_long, survey_not_required, survey_waiver_not_allowed,
// survey_requirement_already_waived.
func (s *Service) WaiveSurveyRequirement(ctx context.Context, actor *identity.Account, decisionID int64, reason string) (Waiver, error) {
	if actor == nil {
		return Waiver{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	d, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if errs.HasCode(err, "decision_not_found") && actor.Role == identity.RoleAgencyStaff {
		// Staff of another agency are told they may not, whether or not the
		// draft is visible to them, as for every other decision write.
		var lead int64
		if s.DB.QueryRow(ctx, `SELECT lead_agency_id FROM decisions WHERE id = $1`, decisionID).Scan(&lead) == nil && !actor.IsStaffOf(lead) {
			return Waiver{}, errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
		}
	}
	if err != nil {
		return Waiver{}, err
	}
	if !actor.IsStaffOf(d.LeadAgencyID) {
		return Waiver{}, errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Waiver{}, errs.InvalidField("waiver_reason_required", "reason", "请写明未开展民意调查的理由")
	}
	if textLen(reason) > 2000 {
		return Waiver{}, errs.InvalidField("waiver_reason_too_long", "reason", "理由不能超过2000字")
	}
	if !d.Domain.Livelihood() {
		return Waiver{}, errs.Conflict("survey_not_required", "该决策事项不属于民生领域，无须开展民意调查")
	}
	out := Waiver{DecisionID: decisionID, Reason: reason, WaivedBy: actor.ID, WaivedAt: s.now()}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := s.Consultation.AppendRecordTx(ctx, tx, decisionID, actor, RecordSurveyRequirementWaived,
			map[string]any{"reason": reason}); err != nil {
			return err
		}
		// The decision row is locked now (AppendRecordTx): read its stage
		// as it stands.
		var status consultation.Status
		if err := tx.QueryRow(ctx, `SELECT status FROM decisions WHERE id = $1`, decisionID).Scan(&status); err != nil {
			return errs.Internal(err)
		}
		switch status {
		case consultation.StatusDrafting, consultation.StatusConsulting, consultation.StatusHandling:
		default:
			return errs.Conflict("survey_waiver_not_allowed", "决策事项处于"+consultation.StatusNames[status]+"阶段，不能再免于民意调查")
		}
		tag, err := tx.Exec(ctx, `INSERT INTO survey_waivers (decision_id, reason, waived_by, waived_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (decision_id) DO NOTHING`, decisionID, reason, actor.ID, out.WaivedAt)
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.Conflict("survey_requirement_already_waived", "已经记录过未开展民意调查的理由")
		}
		return nil
	})
	return out, err
}
