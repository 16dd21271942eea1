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

type supervisionWorker struct {
	river.WorkerDefaults[SupervisionArgs]
	svc *supervision.Service
}

func (w *supervisionWorker) Work(ctx context.Context, _ *river.Job[SupervisionArgs]) error {
	if _, err := w.svc.RunMonthlyJob(ctx); err != nil {
		return err
	}
	_, err := w.svc.EscalateOverdueProblems(ctx)
	return err
}

// WithSupervision runs the supervision job every hour.
func WithSupervision(svc *supervision.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &supervisionWorker{svc: svc})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return SupervisionArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
}
