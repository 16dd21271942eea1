// Package implementation carries a decision after its publication (Decree
// 713 Art. 34–39): the implementing unit's reports on a schedule and its
// reports of problems, post-evaluation (triggers, an independent evaluator,
// public participation, the report and its outcome), adjustment (a major
// one opens a new decision item linked to the old, which runs the whole
// procedure again) and the end of execution. Every step appends to the
// decision's process record; stages change through consultation's one
// transition.
package implementation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Bases of the rules.
const (
	ReportBasis     = "Decree 713 Art. 34, 35"
	EvaluationBasis = "Decree 713 Art. 36"
	AdjustmentBasis = "Decree 713 Art. 37"
)

// Record kinds this package writes.
const (
	RecordReport             record.Kind = "implementation_report_submitted"
	RecordEvaluationStarted  record.Kind = "post_evaluation_started"
	RecordEvaluationReported record.Kind = "post_evaluation_reported"
	RecordAdjusted           record.Kind = "decision_adjusted"
	RecordAdjustmentOf       record.Kind = "adjustment_of_decision"
	RecordEnded              record.Kind = "decision_ended"
)

// Service is the after-publication use cases.
type Service struct {
	DB           *pgxpool.Pool
	Consultation *consultation.Service
	Record       record.Appender
	Now          func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, cs *consultation.Service) *Service {
	return &Service{DB: db, Consultation: cs, Record: cs, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// afterPublication reports whether the decision has been published and not
// ended.
func afterPublication(st consultation.Status) bool {
	switch st {
	case consultation.StatusPublished, consultation.StatusInEffect, consultation.StatusSuspended, consultation.StatusEvaluated:
		return true
	}
	return false
}

// lockPublished locks the decision and checks that the actor may see it
// internally and that it is published and not ended.
func (s *Service) lockPublished(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64) (consultation.Decision, error) {
	d, err := s.Consultation.LockDecisionTx(ctx, tx, decisionID)
	if err != nil {
		return d, err
	}
	if actor == nil {
		return d, errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !consultation.CanSeeInternal(actor, &d) && !actor.HasRole(identity.RoleAgencyStaff) {
		if d.Public() {
			return d, errs.Forbidden("not_decision_staff", "只有相关机构的工作人员可以执行此操作")
		}
		return d, errs.NotFound("decision_not_found", "决策事项不存在")
	}
	if !afterPublication(d.Status) {
		return d, errs.Conflict("decision_not_published", "决策事项处于"+consultation.StatusNames[d.Status]+"阶段：只有已公布、实施中的决策有执行、评估和调整")
	}
	return d, nil
}

// withPublished runs fn in a transaction that holds the lock of a published
// decision (lockPublished), once may (requireBody, …; nil: no more than
// lockPublished checks) has let the actor take the step. fn gets the
// decision as locked.
func (s *Service) withPublished(ctx context.Context, actor *identity.Account, decisionID int64,
	may func(*identity.Account, *consultation.Decision) error, fn func(tx pgx.Tx, d consultation.Decision) error) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := s.lockPublished(ctx, tx, actor, decisionID)
		if err != nil {
			return err
		}
		if may != nil {
			if err := may(actor, &d); err != nil {
				return err
			}
		}
		return fn(tx, d)
	})
}

// requireBody refuses anyone but staff of the decision body (or admins).
func requireBody(actor *identity.Account, d *consultation.Decision) error {
	if actor.HasRole(identity.RoleAdmin) || actor.IsStaffOf(d.DecisionBodyID) {
		return nil
	}
	return errs.Forbidden("not_decision_body_staff", "只有决策机关的工作人员可以执行此操作")
}

// requireInternal refuses anyone who may not see the decision internally
// (lockPublished lets any agency staff through, for the implementing unit):
// as not found when the decision is not public.
func requireInternal(actor *identity.Account, d *consultation.Decision) error {
	if consultation.CanSeeInternal(actor, d) {
		return nil
	}
	if d.Public() {
		return errs.Forbidden("not_decision_staff", "只有相关机构的工作人员可以执行此操作")
	}
	return errs.NotFound("decision_not_found", "决策事项不存在")
}
