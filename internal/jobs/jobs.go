// Package jobs runs the Postgres-backed scheduled work with River: closing a
// consultation at the end of its window, and sealing new comments into the
// process record every few seconds. Jobs live in PostgreSQL, so a
// restart or a second instance loses nothing and runs nothing twice.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// CloseConsultationArgs closes one consultation when its window ends.
type CloseConsultationArgs struct {
	ConsultationID int64 `json:"consultation_id"`
}

// Kind implements river.JobArgs.
func (CloseConsultationArgs) Kind() string { return "close_consultation" }

// SweepArgs is the periodic backstop that closes anything overdue.
type SweepArgs struct{}

// Kind implements river.JobArgs.
func (SweepArgs) Kind() string { return "close_due_consultations" }

// CheckpointCommentsArgs seals the comments received since the last
// checkpoint into the process record (consultation.CheckpointComments).
type CheckpointCommentsArgs struct{}

// Kind implements river.JobArgs.
func (CheckpointCommentsArgs) Kind() string { return "checkpoint_comments" }

// LogRecordHeadsArgs signs a tree head over the process records' chain
// heads when any grew (record.LogHeads).
type LogRecordHeadsArgs struct{}

// Kind implements river.JobArgs.
func (LogRecordHeadsArgs) Kind() string { return "log_record_heads" }

// Runner is the River client. It implements consultation.Scheduler.
type Runner struct {
	client *river.Client[pgx.Tx]
}

// New builds a Runner. With work false it only inserts jobs (for commands
// and tests that must not consume them).
func New(db *pgxpool.Pool, svc *consultation.Service, logger *slog.Logger, work bool, opts ...Option) (*Runner, error) {
	cfg := &river.Config{Logger: logger}
	if work {
		workers := river.NewWorkers()
		// A job closes its consultation if the (possibly extended) end has
		// passed. An extension inserts a new job for the new end, so an early
		// job is a no-op.
		river.AddWorker(workers, &serviceWorker[CloseConsultationArgs]{run: func(ctx context.Context, a CloseConsultationArgs) error {
			_, err := svc.CloseDueConsultation(ctx, a.ConsultationID)
			return err
		}})
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		addPeriodic(workers, cfg, time.Minute, SweepArgs{}, func(ctx context.Context) error {
			if _, err := svc.CloseDueConsultations(ctx); err != nil {
				return err
			}
			// Published decisions whose effective date has come enter into effect.
			_, err := svc.BringDecisionsIntoEffect(ctx)
			return err
		})
		// Comment checkpoints every few seconds (issue 4); they also group
		// the comments they seal (consultation/grouping_batch.go). A run that
		// overlaps the next is harmless: both serialise on the decision
		// lock and the second finds nothing left to seal.
		addPeriodic(workers, cfg, consultation.CheckpointInterval, CheckpointCommentsArgs{}, discard(svc.CheckpointComments))
		// Tree heads over the records' chain heads (issue 12); a run with
		// nothing grown signs nothing.
		addPeriodic(workers, cfg, record.HeadInterval, LogRecordHeadsArgs{}, discard(svc.LogRecordHeads))
		for _, o := range opts {
			o(workers, cfg)
		}
	}
	c, err := river.NewClient(riverpgxv5.New(db), cfg)
	if err != nil {
		return nil, err
	}
	return &Runner{client: c}, nil
}

// ScheduleConsultationClose inserts the close job in tx, to run at `at`.
func (r *Runner) ScheduleConsultationClose(ctx context.Context, tx pgx.Tx, consultationID int64, at time.Time) error {
	_, err := r.client.InsertTx(ctx, tx, CloseConsultationArgs{ConsultationID: consultationID}, &river.InsertOpts{ScheduledAt: at})
	return err
}

// Start begins working jobs.
func (r *Runner) Start(ctx context.Context) error { return r.client.Start(ctx) }

// Stop waits for running jobs to finish.
func (r *Runner) Stop(ctx context.Context) error { return r.client.Stop(ctx) }
