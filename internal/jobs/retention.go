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

// WithRetention runs the hourly purge (PurgeArgs).
func WithRetention(svc *consultation.Service, ids *identity.Service) Option {
	return func(workers *river.Workers, cfg *river.Config) {
		addPeriodic(workers, cfg, time.Hour, PurgeArgs{}, func(ctx context.Context) error {
			if _, err := svc.PurgeSourceAddresses(ctx); err != nil {
				return err
			}
			if ids != nil {
				if _, err := ids.Purge(ctx); err != nil {
					return err
				}
			}
			return nil
		})
	}
}
