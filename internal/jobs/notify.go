package jobs

import (
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/notify"
)

// WithNotify makes the Runner fan domain events out to subscribers and send
// the notifications (package notify), in a queue of its own.
func WithNotify(svc *notify.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) { svc.AddWorkers(workers, cfg) }
}

// Client is the River client, for services that queue their own jobs
// (notify.Service.Queue).
func (r *Runner) Client() *river.Client[pgx.Tx] { return r.client }
