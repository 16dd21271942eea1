package implementation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Adjustment is an adjustment of a decision in effect.
type Adjustment struct {
	ID            int64
	DecisionID    int64
	Major         bool
	Description   string
	Reason        string
	EvaluationID  *int64
	NewDecisionID *int64
	CreatedAt     time.Time
}

// AdjustmentInput is an adjustment to record.
type AdjustmentInput struct {
	// Major: a major adjustment runs the whole procedure again as a new
	// decision item (Decree 713 Art. 37; DOMAIN.md).
	Major       bool
	Description string
	Reason      string
	// NewTitle names the new decision item (major only); empty: the old
	// title with （修订）.
	NewTitle string
}

// AdjustDecision records an adjustment of a published decision. A major
// adjustment creates a new decision item of the same body and lead unit,
// linked to the old one in both process records, which starts in drafting
// and runs the whole procedure again (a new consultation round included);
// the old decision stays in effect until the new one replaces it. Staff of
// the decision's lead unit may call it. Codes: decision_not_found,
// not_lead_unit_staff (403), description_required, reason_required,
// *_too_long (422), decision_not_published, post_evaluation_in_progress
// (409), and the codes of CreateDecision for the new item.
func (s *Service) AdjustDecision(ctx context.Context, actor *identity.Account, decisionID int64, in AdjustmentInput) (Adjustment, error) {
	desc, err := errs.Text("description", "调整内容", in.Description, 10_000, true)
	if err != nil {
		return Adjustment{}, err
	}
	reason, err := errs.Text("reason", "调整理由", in.Reason, 10_000, true)
	if err != nil {
		return Adjustment{}, err
	}
	if actor == nil {
		return Adjustment{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	old, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return Adjustment{}, err
	}
	if !actor.IsStaffOf(old.LeadAgencyID) {
		return Adjustment{}, errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以调整决策")
	}
	// Checked again under the lock; checked here too so that a refusal
	// does not leave a new decision item behind (CreateDecision commits on
	// its own).
	if !afterPublication(old.Status) {
		return Adjustment{}, errs.Conflict("decision_not_published", "决策事项处于"+consultation.StatusNames[old.Status]+"阶段：只有已公布、实施中的决策可以调整")
	}
	if old.Status == consultation.StatusEvaluated {
		return Adjustment{}, errs.Conflict("post_evaluation_in_progress", "后评估正在进行或结论为停止执行，请在评估结论作出后再调整")
	}
	var newDecision *consultation.Decision
	if in.Major {
		title := in.NewTitle
		if title == "" {
			title = old.Title + "（修订）"
		}
		d, err := s.Consultation.CreateDecision(ctx, actor, consultation.DecisionInput{Title: title, Summary: desc, Category: old.Category,
			Domain: old.Domain, DecisionBody: old.DecisionBodyCode, LeadAgency: old.LeadAgencyCode, CoAgencies: old.CoAgencyCodes,
			Technical: old.Technical, StabilityRisk: old.StabilityRisk, AffectsSpecificGroups: old.AffectsSpecificGroups,
			MarketRelated: old.MarketRelated, NotDisclosable: old.NotDisclosable, NotDisclosableReason: old.NotDisclosableReason})
		if err != nil {
			return Adjustment{}, err
		}
		newDecision = &d
	}
	var out Adjustment
	err = s.withPublished(ctx, actor, decisionID, nil, func(tx pgx.Tx, d consultation.Decision) error {
		open, err := evaluationInProgress(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if open {
			return errs.Conflict("post_evaluation_in_progress", "后评估正在进行，请在评估报告作出后再调整")
		}
		ev, err := latestReported(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		now := s.now()
		out = Adjustment{DecisionID: d.ID, Major: in.Major, Description: desc, Reason: reason, CreatedAt: now}
		if ev != nil {
			out.EvaluationID = &ev.ID
		}
		if newDecision != nil {
			out.NewDecisionID = &newDecision.ID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO decision_adjustments (decision_id, major, description, reason, evaluation_id, new_decision_id,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, d.ID, in.Major, desc, reason, out.EvaluationID,
			out.NewDecisionID, actor.ID, now).Scan(&out.ID); err != nil {
			return errs.Internal(err)
		}
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordAdjusted, map[string]any{"adjustment_id": out.ID, "major": in.Major,
			"description": desc, "reason": reason, "evaluation_id": out.EvaluationID, "new_decision_id": out.NewDecisionID,
			"basis": AdjustmentBasis}); err != nil {
			return err
		}
		if newDecision != nil {
			return s.Record.Append(ctx, tx, newDecision.ID, consultation.RecordActor(actor), RecordAdjustmentOf, map[string]any{"adjustment_id": out.ID,
				"previous_decision_id": d.ID, "previous_title": d.Title, "reason": reason, "basis": AdjustmentBasis})
		}
		return nil
	})
	if err != nil {
		return Adjustment{}, err
	}
	return out, nil
}

// ListAdjustments returns a decision's adjustments, and the adjustment a
// decision was opened by (as previous), if any. Anyone who may see the
// decision may call it.
func (s *Service) ListAdjustments(ctx context.Context, actor *identity.Account, decisionID int64) (list []Adjustment, previous *Adjustment, err error) {
	if _, err := s.Consultation.GetDecision(ctx, actor, decisionID); err != nil {
		return nil, nil, err
	}
	q := func(where string) ([]Adjustment, error) {
		return pgrows.AllByPos[Adjustment](ctx, s.DB, `SELECT id, decision_id, major, description, reason, evaluation_id,
			new_decision_id, created_at FROM decision_adjustments WHERE `+where+` ORDER BY id`, decisionID)
	}
	if list, err = q(`decision_id = $1`); err != nil {
		return nil, nil, err
	}
	prev, err := q(`new_decision_id = $1`)
	if err != nil {
		return nil, nil, err
	}
	if len(prev) > 0 {
		previous = &prev[0]
	}
	if list == nil {
		list = []Adjustment{}
	}
	return list, previous, nil
}

// EndDecision stops the execution of a decision for good (停止执行) after a
// post-evaluation concluded it should stop: Decree 713 Art. 37 forbids
// stopping a lawfully made decision without the statutory procedure.
// Staff of the decision body (or admins) may call it. Codes:
// decision_not_found, not_decision_body_staff (403), reason_required,
// reason_too_long (422), decision_not_published,
// post_evaluation_stop_required, stage_transition_not_allowed (409).
func (s *Service) EndDecision(ctx context.Context, actor *identity.Account, decisionID int64, reason string) (consultation.Decision, error) {
	reason, err := errs.Text("reason", "停止执行的理由", reason, 5000, true)
	if err != nil {
		return consultation.Decision{}, err
	}
	var out consultation.Decision
	err = s.withPublished(ctx, actor, decisionID, requireBody, func(tx pgx.Tx, d consultation.Decision) error {
		ev, err := latestReported(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if ev == nil || ev.Outcome == nil || *ev.Outcome != OutcomeStop {
			e := errs.Conflict("post_evaluation_stop_required", "依法作出的重大行政决策，未经法定程序不得随意停止执行：须先经决策后评估得出停止执行的结论（《重大行政决策程序暂行条例》第三十六条、第三十七条）")
			e.Basis = AdjustmentBasis
			return e
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO decision_endings (decision_id, reason, evaluation_id, ended_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
			d.ID, reason, ev.ID, actor.ID, now); err != nil {
			return errs.Internal(err)
		}
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordEnded, map[string]any{"reason": reason, "evaluation_id": ev.ID,
			"basis": AdjustmentBasis}); err != nil {
			return err
		}
		out, err = s.Consultation.TransitionTx(ctx, tx, d.ID, actor, consultation.StatusEnded, map[string]any{"reason": reason})
		return err
	})
	return out, err
}
