package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// serviceWorker works every job of kind T by one service call; most jobs
// here carry no arguments and only say "do the periodic work now".
type serviceWorker[T river.JobArgs] struct {
	river.WorkerDefaults[T]
	run func(ctx context.Context, args T) error
}

// Work runs the service call.
func (w *serviceWorker[T]) Work(ctx context.Context, job *river.Job[T]) error {
	return w.run(ctx, job.Args)
}

// every schedules args every interval, and once at start so that a restart
// does not wait a whole interval (an hour for most) before catching up.
func every(interval time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

// addPeriodic registers run as the worker of args' kind and schedules args
// every interval.
func addPeriodic[T river.JobArgs](workers *river.Workers, cfg *river.Config, interval time.Duration, args T,
	run func(ctx context.Context) error) {
	river.AddWorker(workers, &serviceWorker[T]{run: func(ctx context.Context, _ T) error { return run(ctx) }})
	cfg.PeriodicJobs = append(cfg.PeriodicJobs, every(interval, args))
}

// discard adapts a service call that returns a count (of what it closed,
// sealed, sent…) to a job: the count is only for tests and commands.
func discard[N any](call func(context.Context) (N, error)) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := call(ctx)
		return err
	}
}
