package jobs

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/internal/identity"
)

// VerificationCodeArgs issues and sends the verification or password-reset
// code of one request (identity.SendRequestedCode), after the request that
// asked for it was answered.
type VerificationCodeArgs struct {
	RequestID int64 `json:"request_id"`
}

// Kind implements river.JobArgs.
func (VerificationCodeArgs) Kind() string { return "send_verification_code" }

// VerificationCodeQueue is the queue of the codes, apart from the other
// jobs so that a resident waiting for a code never waits behind them.
const VerificationCodeQueue = "sms_codes"

// InsertOpts puts the job in its queue with a few attempts: a code lives
// identity.CodeTTL, so there is no point trying for longer.
func (VerificationCodeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: VerificationCodeQueue, MaxAttempts: len(codeRetries) + 1}
}

// codeRetries are the waits before each retry of a failed send.
var codeRetries = []time.Duration{5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute}

type verificationCodeWorker struct {
	river.WorkerDefaults[VerificationCodeArgs]
	svc *identity.Service
}

// Work sends the code; an error (the gateway down) makes River try again.
func (w *verificationCodeWorker) Work(ctx context.Context, job *river.Job[VerificationCodeArgs]) error {
	return w.svc.SendRequestedCode(ctx, job.Args.RequestID)
}

// NextRetry follows codeRetries instead of River's slower default.
func (w *verificationCodeWorker) NextRetry(job *river.Job[VerificationCodeArgs]) time.Time {
	i := job.Attempt - 1
	if i < 0 {
		i = 0
	}
	if i >= len(codeRetries) {
		i = len(codeRetries) - 1
	}
	return time.Now().Add(codeRetries[i])
}

// Timeout: one call of the gateway and its bookkeeping.
func (w *verificationCodeWorker) Timeout(*river.Job[VerificationCodeArgs]) time.Duration {
	return 30 * time.Second
}

// WithVerificationCodes adds the worker that sends requested SMS codes, in
// a queue of its own. Set the identity service's Codes to the Runner so
// that a request for a code queues its job.
func WithVerificationCodes(svc *identity.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		river.AddWorker(workers, &verificationCodeWorker{svc: svc})
		if cfg.Queues == nil {
			cfg.Queues = map[string]river.QueueConfig{}
		}
		cfg.Queues[VerificationCodeQueue] = river.QueueConfig{MaxWorkers: 4}
	}
}

// EnqueueVerificationCode inserts the job that serves a request for a code,
// in tx (identity.CodeQueue).
func (r *Runner) EnqueueVerificationCode(ctx context.Context, tx pgx.Tx, requestID int64) error {
	_, err := r.client.InsertTx(ctx, tx, VerificationCodeArgs{RequestID: requestID}, nil)
	return err
}
