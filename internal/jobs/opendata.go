package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/opendata"
)

// OpenDataExportArgs builds the day's open-data export (opendata.BuildExport)
// and removes those past retention.
type OpenDataExportArgs struct{}

// Kind implements river.JobArgs.
func (OpenDataExportArgs) Kind() string { return "open_data_export" }

type openDataExportWorker struct {
	river.WorkerDefaults[OpenDataExportArgs]
	svc    *opendata.Service
	signer opendata.Signer
}

// Timeout: an export of a million comments takes well under a minute
// (BENCHMARKS.md); River's default of one minute is too tight on a busy host.
func (w *openDataExportWorker) Timeout(*river.Job[OpenDataExportArgs]) time.Duration {
	return 30 * time.Minute
}

func (w *openDataExportWorker) Work(ctx context.Context, _ *river.Job[OpenDataExportArgs]) error {
	_, err := w.svc.BuildExport(ctx, w.signer)
	return err
}

// WithOpenData adds the daily open-data export. It is checked every hour and
// built once per day (UTC): a restart or a second instance builds nothing
// twice (the day is unique in open_data_exports).
func WithOpenData(svc *opendata.Service, signer opendata.Signer) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &openDataExportWorker{svc: svc, signer: signer})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, every(time.Hour, OpenDataExportArgs{}))
	}
}
