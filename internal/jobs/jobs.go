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

type closeWorker struct {
	river.WorkerDefaults[CloseConsultationArgs]
	svc *consultation.Service
}

// Work closes the consultation if its (possibly extended) end has passed.
// An extension inserts a new job for the new end, so an early job is a no-op.
func (w *closeWorker) Work(ctx context.Context, job *river.Job[CloseConsultationArgs]) error {
	_, err := w.svc.CloseDueConsultation(ctx, job.Args.ConsultationID)
	return err
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	svc *consultation.Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if _, err := w.svc.CloseDueConsultations(ctx); err != nil {
		return err
	}
	// Published decisions whose effective date has come enter into effect.
	_, err := w.svc.BringDecisionsIntoEffect(ctx)
	return err
}

// CheckpointCommentsArgs seals the comments received since the last
// checkpoint into the process record (consultation.CheckpointComments).
type CheckpointCommentsArgs struct{}

// Kind implements river.JobArgs.
func (CheckpointCommentsArgs) Kind() string { return "checkpoint_comments" }

type checkpointWorker struct {
	river.WorkerDefaults[CheckpointCommentsArgs]
	svc *consultation.Service
}

func (w *checkpointWorker) Work(ctx context.Context, _ *river.Job[CheckpointCommentsArgs]) error {
	_, err := w.svc.CheckpointComments(ctx)
	return err
}

// LogRecordHeadsArgs signs a tree head over the process records' chain
// heads when any grew (record.LogHeads).
type LogRecordHeadsArgs struct{}

// Kind implements river.JobArgs.
func (LogRecordHeadsArgs) Kind() string { return "log_record_heads" }

type headsWorker struct {
	river.WorkerDefaults[LogRecordHeadsArgs]
	svc *consultation.Service
}

func (w *headsWorker) Work(ctx context.Context, _ *river.Job[LogRecordHeadsArgs]) error {
	_, err := w.svc.LogRecordHeads(ctx)
	return err
}

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
		river.AddWorker(workers, &closeWorker{svc: svc})
		river.AddWorker(workers, &sweepWorker{svc: svc})
		river.AddWorker(workers, &checkpointWorker{svc: svc})
		river.AddWorker(workers, &headsWorker{svc: svc})
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			// Comment checkpoints every few seconds (issue 4); they also group
			// the comments they seal (consultation/grouping_batch.go). A run that
			// overlaps the next is harmless: both serialise on the decision
			// lock and the second finds nothing left to seal.
			river.NewPeriodicJob(river.PeriodicInterval(consultation.CheckpointInterval),
				func() (river.JobArgs, *river.InsertOpts) { return CheckpointCommentsArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			// Tree heads over the records' chain heads (issue 12); a run with
			// nothing grown signs nothing.
			river.NewPeriodicJob(river.PeriodicInterval(record.HeadInterval),
				func() (river.JobArgs, *river.InsertOpts) { return LogRecordHeadsArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
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
