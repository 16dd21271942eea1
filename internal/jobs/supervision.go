package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/supervision"
)

// SupervisionArgs is the hourly supervision job: on the first working day
// of a month it generates the previous month's reports (once: the reports
// are unique per month and scope), and it escalates overdue problems.
type SupervisionArgs struct{}

// Kind implements river.JobArgs.
func (SupervisionArgs) Kind() string { return "supervision_daily" }

// WithSupervision runs the supervision job every hour.
func WithSupervision(svc *supervision.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		addPeriodic(workers, cfg, time.Hour, SupervisionArgs{}, func(ctx context.Context) error {
			if _, err := svc.RunMonthlyJob(ctx); err != nil {
				return err
			}
			_, err := svc.EscalateOverdueProblems(ctx)
			return err
		})
	}
}
