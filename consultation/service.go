package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
}

// PasswordChecker checks an account's password again (re-authentication
// before signing). A wrong password answers reauthentication_failed and
// counts as a failed login.
type PasswordChecker interface {
	CheckPassword(ctx context.Context, accountID int64, password string) error
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, sched Scheduler) *Service {
	return &Service{DB: db, Scheduler: sched, Calendar: workday.NewStore(db), Now: time.Now}
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
// public: staff of its lead unit, decision body or co-units, the
// legality-review department, legal advisers and admins.
func canSeeInternal(actor *identity.Account, d *Decision) bool {
	if actor == nil {
		return false
	}
	switch actor.Role {
	case identity.RoleAdmin, identity.RoleReviewer, identity.RoleLegalAdviser:
		return true
	case identity.RoleAgencyStaff:
		if actor.AgencyID == nil {
			return false
		}
		a := *actor.AgencyID
		if a == d.LeadAgencyID || a == d.DecisionBodyID {
			return true
		}
		for _, c := range d.CoAgencyIDs {
			if c == a {
				return true
			}
		}
	}
	return false
}

// canSee reports whether the actor may read the decision.
func canSee(actor *identity.Account, d *Decision) bool {
	return d.Public() || canSeeInternal(actor, d)
}

func withTx(ctx context.Context, db *pgxpool.Pool, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db, fn)
}
