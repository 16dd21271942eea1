package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/consultation"
)

// CalendarReminderArgs is the daily check that, in November, reminds the
// admins to load the next year's State Council holiday notice (a reminder
// row they see on /admin/meetings), so that review deadlines running into
// January are not refused with calendar_not_covered for want of data.
type CalendarReminderArgs struct{}

// Kind names the job.
func (CalendarReminderArgs) Kind() string { return "calendar_notice_reminder" }

type calendarReminderWorker struct {
	river.WorkerDefaults[CalendarReminderArgs]
	svc *consultation.Service
}

func (w *calendarReminderWorker) Work(ctx context.Context, _ *river.Job[CalendarReminderArgs]) error {
	_, err := w.svc.RemindCalendarNotice(ctx)
	return err
}

// WithCalendarReminder adds the daily calendar-notice reminder (it writes at
// most one reminder per year, only in November).
func WithCalendarReminder(svc *consultation.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &calendarReminderWorker{svc: svc})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(6*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CalendarReminderArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
}
