package jobs

import (
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

// WithCalendarReminder adds the daily calendar-notice reminder (it writes at
// most one reminder per year, only in November).
func WithCalendarReminder(svc *consultation.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		addPeriodic(workers, cfg, 6*time.Hour, CalendarReminderArgs{}, discard(svc.RemindCalendarNotice))
	}
}
