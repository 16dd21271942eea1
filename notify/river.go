package notify

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/internal/workday"
)

// Queue names: deliveries run in a queue of their own with few workers, so
// a storm of notifications never takes the workers the procedure's own
// jobs (closing windows, checkpoints) need.
const QueueName = "notify"

// DrainArgs is the periodic job that moves the cursor over new events.
type DrainArgs struct{}

// Kind implements river.JobArgs.
func (DrainArgs) Kind() string { return "notify_drain_events" }

// InsertOpts puts the job in the notify queue.
func (DrainArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueName} }

// FanOutArgs fans one event out to its recipients.
type FanOutArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind implements river.JobArgs.
func (FanOutArgs) Kind() string { return "notify_fan_out" }

// InsertOpts puts the job in the notify queue.
func (FanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 10}
}

// DeliverArgs sends one immediate notification over one channel.
type DeliverArgs struct {
	NotificationID int64  `json:"notification_id"`
	Channel        string `json:"channel"`
}

// Kind implements river.JobArgs.
func (DeliverArgs) Kind() string { return "notify_deliver" }

// InsertOpts puts the job in the notify queue.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 12}
}

// DigestQueueArgs is the daily job that queues the digests.
type DigestQueueArgs struct{}

// Kind implements river.JobArgs.
func (DigestQueueArgs) Kind() string { return "notify_queue_digests" }

// InsertOpts puts the job in the notify queue.
func (DigestQueueArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueName} }

// DigestArgs mails one account its digest.
type DigestArgs struct {
	AccountID int64 `json:"account_id"`
}

// Kind implements river.JobArgs.
func (DigestArgs) Kind() string { return "notify_digest" }

// InsertOpts puts the job in the notify queue.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, MaxAttempts: 12}
}

// DrainInterval is how often new events are picked up.
const DrainInterval = 2 * time.Second

// DigestHour is when the daily digest goes out (Asia/Shanghai).
const DigestHour = 8

type dailyAt struct{ hour int }

func (d dailyAt) Next(t time.Time) time.Time {
	l := t.In(workday.Location())
	n := time.Date(l.Year(), l.Month(), l.Day(), d.hour, 0, 0, 0, workday.Location())
	if !n.After(l) {
		n = n.AddDate(0, 0, 1)
	}
	return n
}

// AddWorkers registers the notify jobs on a River configuration: the drain
// every DrainInterval, the digests daily at DigestHour, and the notify
// queue with workers of its own.
func (s *Service) AddWorkers(workers *river.Workers, cfg *river.Config) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[DrainArgs]) error {
		_, err := s.DrainEvents(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[FanOutArgs]) error {
		return s.FanOut(ctx, j.Args.EventID)
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[DeliverArgs]) error {
		err := s.Deliver(ctx, j.Args.NotificationID, j.Args.Channel)
		var held *ErrHeld
		if errors.As(err, &held) {
			return river.JobSnooze(held.Until.Sub(s.now()))
		}
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, _ *river.Job[DigestQueueArgs]) error {
		_, err := s.QueueDigests(ctx)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[DigestArgs]) error {
		return s.SendDigest(ctx, j.Args.AccountID)
	}))
	if cfg.Queues == nil {
		cfg.Queues = map[string]river.QueueConfig{}
	}
	cfg.Queues[QueueName] = river.QueueConfig{MaxWorkers: 2}
	cfg.PeriodicJobs = append(cfg.PeriodicJobs,
		river.NewPeriodicJob(river.PeriodicInterval(DrainInterval),
			func() (river.JobArgs, *river.InsertOpts) { return DrainArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(dailyAt{DigestHour},
			func() (river.JobArgs, *river.InsertOpts) { return DigestQueueArgs{}, nil }, nil))
}
