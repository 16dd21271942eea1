package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/survey"
)

// Option adds work to a Runner built with work true.
type Option func(workers *river.Workers, cfg *river.Config)

// CloseSurveyArgs closes one survey when its window ends.
type CloseSurveyArgs struct {
	SurveyID int64 `json:"survey_id"`
}

// Kind implements river.JobArgs.
func (CloseSurveyArgs) Kind() string { return "close_survey" }

// SurveySweepArgs is the periodic backstop that closes overdue surveys.
type SurveySweepArgs struct{}

// Kind implements river.JobArgs.
func (SurveySweepArgs) Kind() string { return "close_due_surveys" }

// WithSurveys makes the Runner close surveys at their end, with a
// one-minute sweep as the backstop.
func WithSurveys(svc *survey.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		// A job closes its survey if the end has passed (a no-op otherwise,
		// and for a survey staff already closed).
		river.AddWorker(workers, &serviceWorker[CloseSurveyArgs]{run: func(ctx context.Context, a CloseSurveyArgs) error {
			_, err := svc.CloseDueSurvey(ctx, a.SurveyID)
			return err
		}})
		addPeriodic(workers, cfg, time.Minute, SurveySweepArgs{}, discard(svc.CloseDueSurveys))
	}
}

// ScheduleSurveyClose inserts the close job in tx, to run at `at`. It
// implements survey.Scheduler.
func (r *Runner) ScheduleSurveyClose(ctx context.Context, tx pgx.Tx, surveyID int64, at time.Time) error {
	_, err := r.client.InsertTx(ctx, tx, CloseSurveyArgs{SurveyID: surveyID}, &river.InsertOpts{ScheduledAt: at})
	return err
}
