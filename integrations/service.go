// Package integrations serves the people who build on canyu beyond the
// public feed: organisations with a verified unified social credit code,
// their API keys (scopes, a rate limit per key, every use logged), comments
// an organisation submits on its own behalf with its signatories, and
// webhooks. It writes only its own tables; comments go through the
// consultation service's gates like anyone's.
package integrations

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Service is the integrations use cases.
type Service struct {
	DB *pgxpool.Pool
	// Consultation takes organisations' comments (through SubmitComment).
	Consultation *consultation.Service
	// Identity loads the account that manages an organisation.
	Identity *identity.Service
	// Now is the clock (tests inject one).
	Now func() time.Time
	// Queue sends webhook deliveries as jobs (internal/jobs); nil: the
	// deliveries are written and wait (commands and tests without jobs).
	Queue DeliveryQueue
	// Backoff is the wait before each retry of a delivery; its length
	// is the number of retries (DefaultBackoff; tests shorten it).
	Backoff []time.Duration
	// AllowPrivateTargets lets webhooks reach loopback and private
	// addresses (tests and development only:
	// CANYU_WEBHOOK_ALLOW_PRIVATE).
	AllowPrivateTargets bool
	// Client sends deliveries; nil: one with a 10 s timeout whose dialer
	// refuses private addresses unless AllowPrivateTargets.
	Client *http.Client

	// defaultClient is built once, on first use, when Client is nil
	// (deliveries run in parallel jobs).
	clientOnce    sync.Once
	defaultClient *http.Client
}

// New returns a Service.
func New(db *pgxpool.Pool, cons *consultation.Service, ident *identity.Service) *Service {
	return &Service{DB: db, Consultation: cons, Identity: ident, Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// account returns the account by id (for the organisation's manager).
func (s *Service) account(ctx context.Context, id int64) (identity.Account, error) {
	return s.Identity.GetAccount(ctx, id)
}
