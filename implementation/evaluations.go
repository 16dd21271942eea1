package implementation

import (
	"context"

	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Trigger is why a post-evaluation is organised (Decree 713 Art. 36).
type Trigger string

// The triggers.
const (
	TriggerEffectNotAchieved Trigger = "effect_not_achieved" // 实施后明显未达到预期效果
	TriggerFeedbackVolume    Trigger = "feedback_volume"     // 公众、利害关系方提出较多意见
	TriggerBodyChoice        Trigger = "body_choice"         // 决策机关认为有必要
)

// TriggerNames are the Chinese names.
var TriggerNames = map[Trigger]string{TriggerEffectNotAchieved: "实施后明显未达到预期效果", TriggerFeedbackVolume: "公众提出较多意见",
	TriggerBodyChoice: "决策机关认为有必要"}

// Outcome is a post-evaluation's conclusion.
type Outcome string

// The outcomes.
const (
	OutcomeContinue Outcome = "continue" // 继续执行
	OutcomeAdjust   Outcome = "adjust"   // 调整
	OutcomeStop     Outcome = "stop"     // 停止执行
)

// OutcomeNames are the Chinese names.
var OutcomeNames = map[Outcome]string{OutcomeContinue: "继续执行", OutcomeAdjust: "调整", OutcomeStop: "停止执行"}

// TriggerState is one trigger as the decision body sees it.
type TriggerState struct {
	Trigger Trigger
	Met     bool
	Detail  string
}

// Evaluation is a post-evaluation.
type Evaluation struct {
	ID                  int64
	DecisionID          int64
	Trigger             Trigger
	TriggerDetail       string
	Evaluator           string
	Status              string
	PublicParticipation string
	Report              string
	Outcome             *Outcome
	StartedAt           time.Time
	ReportedAt          *time.Time
}

func triggers(ctx context.Context, tx pgx.Tx, d *consultation.Decision) ([]TriggerState, error) {
	var notAchieved int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM implementation_reports WHERE decision_id = $1 AND NOT effect_achieved`, d.ID).Scan(&notAchieved); err != nil {
		return nil, errs.Internal(err)
	}
	set, err := consultation.ReadBodySettings(ctx, tx, d.DecisionBodyID)
	if err != nil {
		return nil, err
	}
	var feedback int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM implementation_feedback WHERE decision_id = $1`, d.ID).Scan(&feedback); err != nil {
		return nil, errs.Internal(err)
	}
	fb := TriggerState{Trigger: TriggerFeedbackVolume, Met: set.FeedbackThreshold > 0 && feedback >= set.FeedbackThreshold,
		Detail: "收到实施意见" + strconv.Itoa(feedback) + "条"}
	if set.FeedbackThreshold > 0 {
		fb.Detail += "，决策机关设定的评估阈值为" + strconv.Itoa(set.FeedbackThreshold) + "条"
	} else {
		fb.Detail += "，决策机关未设定评估阈值"
	}
	return []TriggerState{
		{Trigger: TriggerEffectNotAchieved, Met: notAchieved > 0, Detail: "执行单位报告未达到预期效果" + strconv.Itoa(notAchieved) + "次"},
		fb,
		{Trigger: TriggerBodyChoice, Met: true, Detail: "决策机关可以根据需要组织评估"},
	}, nil
}

// PostEvaluationTriggers shows the decision body which triggers of Art. 36
// are met. Staff who may see the decision internally may call it (staff of
// other agencies used to read the counts too: outside check, security).
// Codes: decision_not_found, not_decision_staff, decision_not_published.
func (s *Service) PostEvaluationTriggers(ctx context.Context, actor *identity.Account, decisionID int64) ([]TriggerState, error) {
	var out []TriggerState
	err := s.withPublished(ctx, actor, decisionID, requireInternal, func(tx pgx.Tx, d consultation.Decision) (err error) {
		out, err = triggers(ctx, tx, &d)
		return err
	})
	return out, err
}

// StartInput starts a post-evaluation.
type StartInput struct {
	Trigger Trigger
	// Reason is required for body_choice.
	Reason string
	// Evaluator is the unit that evaluates (a third party or the body's
	// own unit), never one that did the pre-decision argumentation or risk
	// assessment.
	Evaluator string
}

// StartPostEvaluation organises a post-evaluation (决策后评估, Decree 713
// Art. 36) on a trigger that is met, with an evaluator who did not do the
// decision's argumentation or risk assessment; the decision moves to
// evaluated. Staff of the decision body (or admins) may call it. Codes:
// decision_not_found, not_decision_body_staff (403), invalid_trigger,
// evaluator_required, evaluator_too_long, reason_required (422),
// decision_not_published, trigger_not_met, post_evaluation_in_progress,
// stage_transition_not_allowed (409), evaluator_not_independent (422,
// Art. 36).
func (s *Service) StartPostEvaluation(ctx context.Context, actor *identity.Account, decisionID int64, in StartInput) (Evaluation, error) {
	if TriggerNames[in.Trigger] == "" {
		return Evaluation{}, errs.InvalidField("invalid_trigger", "trigger", "评估启动情形须为 effect_not_achieved、feedback_volume 或 body_choice")
	}
	evaluator, err := errs.Text("evaluator", "评估单位", in.Evaluator, 200, true)
	if err != nil {
		return Evaluation{}, err
	}
	reason, err := errs.Text("reason", "组织评估的理由", in.Reason, 5000, in.Trigger == TriggerBodyChoice)
	if err != nil {
		return Evaluation{}, err
	}
	var out Evaluation
	err = s.withPublished(ctx, actor, decisionID, requireBody, func(tx pgx.Tx, d consultation.Decision) error {
		ts, err := triggers(ctx, tx, &d)
		if err != nil {
			return err
		}
		detail := reason
		for _, t := range ts {
			if t.Trigger != in.Trigger {
				continue
			}
			if !t.Met {
				e := errs.Conflict("trigger_not_met", "所选评估启动情形尚未出现："+t.Detail)
				e.Basis = EvaluationBasis
				return e
			}
			if in.Trigger != TriggerBodyChoice {
				detail = strings.TrimSpace(t.Detail + "。" + reason)
			}
		}
		assessors, err := consultation.PreDecisionAssessors(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		for _, a := range assessors {
			if strings.EqualFold(a, evaluator) {
				e := errs.InvalidField("evaluator_not_independent", "evaluator",
					"“"+evaluator+"”承担过该决策的论证或风险评估工作，不能承担决策后评估（《重大行政决策程序暂行条例》第三十六条）")
				e.Basis = EvaluationBasis
				return e
			}
		}
		open, err := evaluationInProgress(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if open {
			return errs.Conflict("post_evaluation_in_progress", "该决策的后评估正在进行")
		}
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO post_evaluations (decision_id, trigger, trigger_detail, evaluator, started_by, started_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, d.ID, in.Trigger, detail, evaluator, actor.ID, now).Scan(&out.ID); err != nil {
			return errs.Internal(err)
		}
		out = Evaluation{ID: out.ID, DecisionID: d.ID, Trigger: in.Trigger, TriggerDetail: detail, Evaluator: evaluator, Status: "in_progress", StartedAt: now}
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordEvaluationStarted, map[string]any{"evaluation_id": out.ID,
			"trigger": in.Trigger, "trigger_detail": detail, "evaluator": evaluator, "basis": EvaluationBasis}); err != nil {
			return err
		}
		_, err = s.Consultation.TransitionTx(ctx, tx, d.ID, actor, consultation.StatusEvaluated, map[string]any{"evaluation_id": out.ID})
		return err
	})
	return out, err
}

// EvaluationReportInput is a post-evaluation's report.
type EvaluationReportInput struct {
	Report string
	// PublicParticipation records how the public's views were heard
	// (Art. 36: 应当听取社会公众的意见).
	PublicParticipation string
	Outcome             Outcome
}

// SubmitPostEvaluationReport records the evaluation's report, how the
// public took part, and its outcome: continue (back in effect), adjust
// (back in effect; AdjustDecision follows) or stop (EndDecision follows).
// A decision the head suspended before the evaluation goes back to
// suspended instead, until the head resumes it (Art. 37).
// Staff of the decision body (or admins) may call it. Codes:
// decision_not_found, not_decision_body_staff (403), report_required,
// public_participation_required, invalid_outcome (422),
// post_evaluation_not_in_progress (409).
func (s *Service) SubmitPostEvaluationReport(ctx context.Context, actor *identity.Account, decisionID int64, in EvaluationReportInput) (Evaluation, error) {
	report, err := errs.Text("report", "评估报告", in.Report, 50_000, true)
	if err != nil {
		return Evaluation{}, err
	}
	public, err := errs.Text("public_participation", "听取公众意见的情况", in.PublicParticipation, 10_000, true)
	if err != nil {
		return Evaluation{}, err
	}
	if OutcomeNames[in.Outcome] == "" {
		return Evaluation{}, errs.InvalidField("invalid_outcome", "outcome", "评估结论须为 continue（继续执行）、adjust（调整）或 stop（停止执行）")
	}
	var out Evaluation
	err = s.withPublished(ctx, actor, decisionID, requireBody, func(tx pgx.Tx, d consultation.Decision) error {
		list, err := queryEvaluations(ctx, tx, `decision_id = $1 AND status = 'in_progress'`, d.ID)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return errs.Conflict("post_evaluation_not_in_progress", "该决策没有正在进行的后评估")
		}
		out = list[0]
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE post_evaluations SET status = 'reported', report = $2, public_participation = $3, outcome = $4,
			reported_by = $5, reported_at = $6 WHERE id = $1`, out.ID, report, public, in.Outcome, actor.ID, now); err != nil {
			return errs.Internal(err)
		}
		out.Status, out.Report, out.PublicParticipation, out.Outcome, out.ReportedAt = "reported", report, public, &in.Outcome, &now
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordEvaluationReported, map[string]any{"evaluation_id": out.ID,
			"evaluator": out.Evaluator, "outcome": in.Outcome, "report_sha256": consultation.SHA256Hex([]byte(report)),
			"public_participation": public, "basis": EvaluationBasis}); err != nil {
			return err
		}
		if in.Outcome == OutcomeStop {
			return nil
		}
		// A suspension the head decided outlasts the evaluation: only the
		// head lifts it (Art. 37).
		back, meta := consultation.StatusInEffect, map[string]any{"evaluation_id": out.ID, "outcome": in.Outcome}
		stands, err := consultation.SuspensionStands(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if stands {
			back, meta["reason"] = consultation.StatusSuspended, "中止执行尚未由行政首长决定恢复"
			meta["basis"] = "Decree 713 Art. 37"
		}
		_, err = s.Consultation.TransitionTx(ctx, tx, d.ID, actor, back, meta)
		return err
	})
	return out, err
}

func queryEvaluations(ctx context.Context, q pgrows.Querier, where string, args ...any) ([]Evaluation, error) {
	return pgrows.AllByPos[Evaluation](ctx, q, `SELECT id, decision_id, trigger, trigger_detail, evaluator, status,
		public_participation, report, outcome, started_at, reported_at FROM post_evaluations WHERE `+where+` ORDER BY id`, args...)
}

// ListPostEvaluations returns a decision's post-evaluations. Anyone who may
// see the published decision may call it.
func (s *Service) ListPostEvaluations(ctx context.Context, actor *identity.Account, decisionID int64) ([]Evaluation, error) {
	if _, err := s.Consultation.GetPublication(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	return queryEvaluations(ctx, s.DB, `decision_id = $1`, decisionID)
}

// evaluationInProgress reports whether a post-evaluation of the decision is
// in progress.
func evaluationInProgress(ctx context.Context, tx pgx.Tx, decisionID int64) (bool, error) {
	var open bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM post_evaluations WHERE decision_id = $1 AND status = 'in_progress')`,
		decisionID).Scan(&open); err != nil {
		return false, errs.Internal(err)
	}
	return open, nil
}

// latestOutcome returns the latest reported evaluation, or nil.
func latestReported(ctx context.Context, tx pgx.Tx, decisionID int64) (*Evaluation, error) {
	list, err := queryEvaluations(ctx, tx, `decision_id = $1 AND status = 'reported'`, decisionID)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[len(list)-1], nil
}
