package consultation

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation/signing"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Scheduler schedules work that must happen at a time even if no instance
// of the service is up at that moment (a Postgres-backed job queue). The
// job is inserted in the caller's transaction so it exists exactly when the
// change that needs it commits.
type Scheduler interface {
	ScheduleConsultationClose(ctx context.Context, tx pgx.Tx, consultationID int64, at time.Time) error
}

// Service is the decision-procedure use cases.
type Service struct {
	DB        *pgxpool.Pool
	Scheduler Scheduler
	Calendar  *workday.Store
	// Now is the clock; tests inject one.
	Now func() time.Time
	// CommentLimits are the comment submission rate limits; zero fields
	// take DefaultCommentLimits (comments.go).
	CommentLimits CommentLimits
	// Signer signs the process-record entries that are sign-offs (legal
	// opinions, review conclusions; signing.go) and checks them. Without
	// one, signing steps fail and record verification cannot check
	// signatures.
	Signer *Signer
	// Passwords checks a signer's re-entered password before a legal
	// opinion or a review conclusion is signed (the identity service).
	Passwords PasswordChecker
	// SigningKeys enrols the signers' own keys (package signing); its SMS
	// sender is set by the program (NewService leaves it nil).
	SigningKeys *signing.Service
	// Audit records the admin actions this package carries out (meeting
	// compositions, decision-body settings) in the admin audit log, inside
	// their transaction (the identity service). Without one those actions
	// are refused: an admin change must not go unrecorded.
	Audit AdminAuditor
}

// AdminAuditor appends an admin action to the admin audit log inside the
// caller's transaction, so that the change and its entry commit together.
type AdminAuditor interface {
	RecordAdminActionTx(ctx context.Context, tx pgx.Tx, actor *identity.Account, a identity.AdminAction) error
}

// audit records an admin action in tx. Codes: internal when no audit log is
// wired.
func (s *Service) audit(ctx context.Context, tx pgx.Tx, actor *identity.Account, a identity.AdminAction) error {
	if s.Audit == nil {
		return errs.Internal(errNoAuditLog)
	}
	return s.Audit.RecordAdminActionTx(ctx, tx, actor, a)
}

var errNoAuditLog = errors.New("consultation: no admin audit log wired (Service.Audit)")

// PasswordChecker checks an account's password again (re-authentication
// before signing). A wrong password answers reauthentication_failed and
// counts as a failed login.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, accountID int64, password string) error
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, sched Scheduler) *Service {
	s := &Service{DB: db, Scheduler: sched, Calendar: workday.NewStore(db), Now: time.Now}
	s.SigningKeys = &signing.Service{DB: db, Now: func() time.Time { return s.Now() }}
	return s
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// requireLeadStaff refuses anyone but agency staff of the decision's lead unit.
func requireLeadStaff(actor *identity.Account, d *Decision) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !actor.IsStaffOf(d.LeadAgencyID) {
		return errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
	}
	return nil
}

// canSeeInternal reports whether the actor may see a decision that is not
// public: staff of its lead unit, decision body or co-units, reviewers of a
// legality-review department it was submitted to, legal advisers assigned
// to one of its reviews, supervisors of its decision body (read-only) and
// admins (issue 15, finding 5: every reviewer and adviser read every
// draft).
func canSeeInternal(actor *identity.Account, d *Decision) bool {
	if actor == nil {
		return false
	}
	switch actor.Role {
	case identity.RoleAdmin:
		return true
	case identity.RoleLegalAdviser:
		return slices.Contains(d.AdviserIDs, actor.ID)
	}
	if actor.AgencyID == nil {
		return false
	}
	a := *actor.AgencyID
	switch actor.Role {
	case identity.RoleReviewer:
		return slices.Contains(d.ReviewAgencyIDs, a)
	case identity.RoleSupervisor:
		return a == d.DecisionBodyID
	case identity.RoleAgencyStaff:
		return a == d.LeadAgencyID || a == d.DecisionBodyID || slices.Contains(d.CoAgencyIDs, a)
	}
	return false
}

// canSee reports whether the actor may read the decision.
func canSee(actor *identity.Account, d *Decision) bool {
	return d.Public() || canSeeInternal(actor, d)
}

// writeDecision runs fn in a transaction that holds the decision's row
// lock (lockDecision), once may (requireLeadWriter, requireLeadStaff, …)
// has let the actor write it: how a step on a decision starts. fn gets the
// decision as locked.
func (s *Service) writeDecision(ctx context.Context, actor *identity.Account, id int64,
	may func(*identity.Account, *Decision) error, fn func(tx pgx.Tx, d Decision) error) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := lockDecision(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := may(actor, &d); err != nil {
			return err
		}
		return fn(tx, d)
	})
}

// inSnapshot runs fn in a read-only transaction that reads one snapshot
// (repeatable read), so what it reads in several queries fits together.
func inSnapshot(ctx context.Context, db *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}
