package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// UpdateWorkdayCalendar stores d as the newest version of the working-day
// calendar (the State Council's holiday notices, Decree 713 Art. 26 counts
// its 7 working days by them) and records the upload in the admin audit
// log in the same transaction: the version and the change's entry commit
// together or not at all (outside check staff2: the API and the page wrote
// the entry after the commit, so a failed entry left an unrecorded change
// of every deadline's calendar). detail is what the entry adds besides the
// years covered (the page names the year it edited). Only admins may call
// it. Codes: forbidden_role, invalid_calendar (422, each problem a field
// error), calendar_version_exists (409).
func (s *Service) UpdateWorkdayCalendar(ctx context.Context, actor *identity.Account, d workday.Data,
	detail map[string]any) (workday.Calendar, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin); err != nil {
		return workday.Calendar{}, err
	}
	var c workday.Calendar
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var err error
		if c, err = workday.NewStore(tx).Save(ctx, d, actor.ID); err != nil {
			return workday.ServiceError(err)
		}
		entry := map[string]any{"years": c.CoveredYears()}
		for k, v := range detail {
			entry[k] = v
		}
		return s.audit(ctx, tx, actor, identity.AdminAction{Action: "update-workday-calendar", TargetKind: "workday_calendar",
			TargetName: c.Version(), Detail: entry})
	})
	if err != nil {
		return workday.Calendar{}, err
	}
	return c, nil
}
