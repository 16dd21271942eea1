package supervision

import (
	"context"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Notice is a message in a department's supervision inbox.
type Notice struct {
	ID        int64      `db:"id" json:"id"`
	AgencyID  int64      `db:"agency_id" json:"agency_id"`
	Kind      string     `db:"kind" json:"kind"`
	Title     string     `db:"title" json:"title"`
	Link      string     `db:"link" json:"link"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	ReadAt    *time.Time `db:"read_at" json:"read_at,omitempty"`
}

// ListNotices returns the newest notices of the actor's department.
func (s *Service) ListNotices(ctx context.Context, actor *identity.Account) ([]Notice, error) {
	if actor == nil || actor.AgencyID == nil {
		return nil, nil
	}
	return pgrows.All[Notice](ctx, s.DB, `SELECT id, agency_id, kind, title, link, created_at, read_at FROM supervision_notices
		WHERE agency_id = $1 ORDER BY id DESC LIMIT 100`, *actor.AgencyID)
}

// RunMonthlyJob generates the previous month's reports when today is the
// first working day of the month in Asia/Shanghai (or a later day of the
// month when the job could not run on it) and they do not exist yet. It
// reports whether it generated them.
func (s *Service) RunMonthlyJob(ctx context.Context) (bool, error) {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return false, errs.Internal(err)
	}
	now := s.now()
	m := MonthOf(now)
	first := m.Start()
	for !cal.IsWorkingDay(first) {
		first = first.AddDate(0, 0, 1)
	}
	if now.Before(first) {
		return false, nil
	}
	prev := m.Prev()
	var exists bool
	if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM monthly_reports WHERE month = $1 AND agency_id IS NULL)`,
		prev.Start().Format("2006-01-02")).Scan(&exists); err != nil {
		return false, errs.Internal(err)
	}
	if exists {
		return false, nil
	}
	_, err = s.GenerateMonthlyReports(ctx, prev)
	return err == nil, err
}
