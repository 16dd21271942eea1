package hearing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Grounds are why a decision needs a hearing (Art. 16).
type Grounds string

// The grounds of Art. 16.
const (
	GroundsVitalInterest Grounds = "vital_interest" // 直接涉及公民、法人、其他组织切身利益
	GroundsDividedViews  Grounds = "divided_views"  // 存在较大分歧
	GroundsBoth          Grounds = "both"
)

// GroundsNames are the Chinese names of the grounds.
var GroundsNames = map[Grounds]string{
	GroundsVitalInterest: "直接涉及公民、法人、其他组织切身利益", GroundsDividedViews: "存在较大分歧",
	GroundsBoth: "直接涉及切身利益且存在较大分歧",
}

// Requirement says that a decision needs a hearing, and why none was held
// when that was decided.
type Requirement struct {
	DecisionID   int64      `db:"decision_id" json:"decision_id"`
	Grounds      Grounds    `db:"grounds" json:"grounds"`
	Explanation  string     `db:"explanation" json:"explanation"`
	SetAt        time.Time  `db:"set_at" json:"set_at"`
	WaiverReason *string    `db:"waiver_reason" json:"waiver_reason"`
	WaivedAt     *time.Time `db:"waived_at" json:"waived_at"`
}

func getRequirement(ctx context.Context, q querier, decisionID int64) (*Requirement, error) {
	list, err := pgrows.All[Requirement](ctx, q, `SELECT decision_id, grounds, explanation, set_at, waiver_reason, waived_at
		FROM hearing_requirements
		WHERE decision_id = $1`, decisionID)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &list[0], nil
}

// GetRequirement returns the hearing requirement of a decision, or nil
// when none is flagged. Anyone who may see the decision may call it.
// Codes: decision_not_found.
func (s *Service) GetRequirement(ctx context.Context, actor *identity.Account, decisionID int64) (*Requirement, error) {
	if _, err := s.Consultation.GetDecision(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	return getRequirement(ctx, s.DB, decisionID)
}

// SetHearingRequirement flags the decision as needing a hearing (Art. 16)
// with its grounds; from then on the hearing_required gate holds it before
// legality review. The flag cannot be removed (the gate would then be a
// switch); a written reason for not holding a hearing is WaiveHearing.
// Only staff of the lead unit may call it, before legality review. Codes:
// decision_not_found, not_lead_unit_staff, invalid_grounds,
// explanation_required, participation_not_allowed_in_stage.
func (s *Service) SetHearingRequirement(ctx context.Context, actor *identity.Account, decisionID int64, grounds Grounds, explanation string) (Requirement, error) {
	if _, err := s.leadDecision(ctx, actor, decisionID); err != nil {
		return Requirement{}, err
	}
	if _, ok := GroundsNames[grounds]; !ok {
		return Requirement{}, errs.InvalidField("invalid_grounds", "grounds", "听证事由无效")
	}
	explanation = cleanText(explanation)
	if err := requireText("explanation", "说明", explanation, 2000); err != nil {
		return Requirement{}, err
	}
	return s.requirementStep(ctx, actor, decisionID, "标记需要听证", RecordRequirementSet,
		map[string]any{"grounds": grounds, "explanation": explanation}, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO hearing_requirements (decision_id, grounds, explanation, set_by, set_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (decision_id) DO UPDATE SET grounds = EXCLUDED.grounds,
				explanation = EXCLUDED.explanation, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
				decisionID, grounds, explanation, actor.ID, s.now()); err != nil {
				return errs.Internal(err)
			}
			return nil
		})
}

// requirementStep changes the decision's hearing requirement: under the
// decision lock (lockOpenStage, refusing after legality review; what names
// the step) write changes the row, and the record gets kind with payload
// and the row as it then stands as evidence.
func (s *Service) requirementStep(ctx context.Context, actor *identity.Account, decisionID int64, what string, kind record.Kind,
	payload map[string]any, write func(tx pgx.Tx) error) (Requirement, error) {
	var out Requirement
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockOpenStage(ctx, tx, decisionID, what); err != nil {
			return err
		}
		if err := write(tx); err != nil {
			return err
		}
		r, err := getRequirement(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		out = *r
		ev, err := evidence("hearing_requirements", decisionID, out)
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), kind, payload, ev)
	})
	return out, err
}

// WaiveHearing records in writing why a decision flagged as needing a
// hearing holds none, which satisfies the hearing_required gate; the
// reason is in the process record and the procedure statement the review
// reads. Only staff of the lead unit may call it, before legality review.
// Codes: decision_not_found, not_lead_unit_staff, hearing_not_required,
// reason_required, participation_not_allowed_in_stage.
func (s *Service) WaiveHearing(ctx context.Context, actor *identity.Account, decisionID int64, reason string) (Requirement, error) {
	if _, err := s.leadDecision(ctx, actor, decisionID); err != nil {
		return Requirement{}, err
	}
	reason = cleanText(reason)
	if err := requireText("reason", "不举行听证会的理由", reason, 2000); err != nil {
		return Requirement{}, err
	}
	return s.requirementStep(ctx, actor, decisionID, "说明不举行听证会的理由", RecordHearingWaived, map[string]any{"reason": reason},
		func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE hearing_requirements SET waiver_reason = $2, waived_by = $3, waived_at = $4 WHERE decision_id = $1`,
				decisionID, reason, actor.ID, s.now())
			if err != nil {
				return errs.Internal(err)
			}
			if tag.RowsAffected() == 0 {
				return errs.Conflict("hearing_not_required", "该决策事项未标记为需要听证")
			}
			return nil
		})
}

func init() {
	// A decision flagged as needing a hearing (Art. 16) goes to legality
	// review only with a hearing whose record every participant signed (or
	// is noted as refusing or absent) and
	// whose report is published (Art. 17), or with the written reason for
	// holding none. Decisions not flagged pass.
	consultation.AddGate(consultation.StatusUnderReview, consultation.Gate{
		Code: "hearing_required", Basis: "Decree 713 Art. 16, 17", Title: "需要听证的决策事项已完成听证或书面说明不举行的理由",
		Message: "该决策事项已标记为需要听证：须有经全体听证参加人签字确认（拒绝签字或缺席的已注明）的听证笔录和已公布的听证报告，" +
			"或书面说明不举行听证会的理由",
		Check: func(ctx context.Context, st *consultation.GateState) (bool, error) {
			var ok bool
			err := st.Tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM hearing_requirements WHERE decision_id = $1)
				OR EXISTS (SELECT 1 FROM hearing_requirements WHERE decision_id = $1 AND waiver_reason IS NOT NULL)
				OR EXISTS (SELECT 1 FROM hearings WHERE decision_id = $1 AND minutes_locked_at IS NOT NULL
					AND report_published_at IS NOT NULL)`, st.Decision.ID).Scan(&ok)
			return ok, err
		}})
}
