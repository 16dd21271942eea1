package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/integrations"
)

// WebhookFanOutArgs turns new public domain events into webhook deliveries
// (integrations.FanOut).
type WebhookFanOutArgs struct{}

// Kind implements river.JobArgs.
func (WebhookFanOutArgs) Kind() string { return "webhook_fan_out" }

// WebhookDeliveryArgs sends one webhook delivery (integrations.Deliver).
type WebhookDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

// WebhookFanOutInterval is how often new events are fanned out.
const WebhookFanOutInterval = 5 * time.Second

type webhookDeliveryWorker struct {
	river.WorkerDefaults[WebhookDeliveryArgs]
	svc *integrations.Service
}

// Work makes one attempt; an error makes River try again at NextRetry, and
// the last attempt fails the delivery and pauses the webhook instead.
func (w *webhookDeliveryWorker) Work(ctx context.Context, job *river.Job[WebhookDeliveryArgs]) error {
	return w.svc.Deliver(ctx, job.Args.DeliveryID, job.Attempt, job.Attempt >= job.MaxAttempts)
}

// NextRetry is the service's back-off (integrations.DefaultBackoff), not
// River's default.
func (w *webhookDeliveryWorker) NextRetry(job *river.Job[WebhookDeliveryArgs]) time.Time {
	return time.Now().Add(w.svc.RetryAfter(job.Attempt))
}

// Timeout: one HTTP attempt (10 s) and its bookkeeping.
func (w *webhookDeliveryWorker) Timeout(*river.Job[WebhookDeliveryArgs]) time.Duration {
	return 30 * time.Second
}

// WithWebhooks adds the webhook fan-out (every WebhookFanOutInterval) and
// the delivery worker. Set the service's Queue to the Runner so deliveries
// become jobs.
func WithWebhooks(svc *integrations.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &webhookDeliveryWorker{svc: svc})
		addPeriodic(workers, cfg, WebhookFanOutInterval, WebhookFanOutArgs{}, discard(svc.FanOut))
	}
}

// EnqueueWebhookDelivery inserts the delivery's job in tx
// (integrations.DeliveryQueue).
func (r *Runner) EnqueueWebhookDelivery(ctx context.Context, tx pgx.Tx, deliveryID int64, maxAttempts int) error {
	_, err := r.client.InsertTx(ctx, tx, WebhookDeliveryArgs{DeliveryID: deliveryID}, &river.InsertOpts{MaxAttempts: maxAttempts})
	return err
}
