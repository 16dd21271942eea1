package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// PurgeArgs is the hourly removal of personal data past its purpose:
// comment and feedback addresses after consultation.SourceAddressRetention,
// and identity.Service.Purge.
type PurgeArgs struct{}

// Kind implements river.JobArgs.
func (PurgeArgs) Kind() string { return "purge_personal_data" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	svc *consultation.Service
	ids *identity.Service
}

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[PurgeArgs]) error {
	if _, err := w.svc.PurgeSourceAddresses(ctx); err != nil {
		return err
	}
	if w.ids != nil {
		if _, err := w.ids.Purge(ctx); err != nil {
			return err
		}
	}
	return nil
}

// WithRetention runs the hourly purge (PurgeArgs).
func WithRetention(svc *consultation.Service, ids *identity.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &purgeWorker{svc: svc, ids: ids})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return PurgeArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
}
