package identity

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// SessionAddressRetention is how long the address and browser of an
// ended session are kept (the owner sees them in "my sessions" while it
// runs), the same seven days as comment addresses.
const SessionAddressRetention = 7 * 24 * time.Hour

// Purge is the hourly clean-up of identity data past its purpose: counters
// of rate limits whose window ended a day ago, requests for SMS codes older
// than a code's life, the address and browser of
// sessions ended SessionAddressRetention ago, and unverified registrations
// older than UnverifiedTTL, whose number is freed (the row becomes a
// tombstone, as after a deletion). It returns how many registrations
// lapsed.
func (s *Service) Purge(ctx context.Context) (int, error) {
	now := s.now()
	if _, err := s.DB.Exec(ctx, `DELETE FROM rate_limits WHERE window_end < $1 AND (blocked_until IS NULL OR blocked_until < $1)`,
		now.Add(-24*time.Hour)); err != nil {
		return 0, errs.Internal(err)
	}
	if err := s.purgeCodeRequests(ctx, now); err != nil {
		return 0, err
	}
	if _, err := s.DB.Exec(ctx, `UPDATE sessions SET client_addr = '', user_agent = ''
		WHERE (client_addr <> '' OR user_agent <> '') AND least(expires_at, coalesce(revoked_at, expires_at)) < $1`,
		now.Add(-SessionAddressRetention)); err != nil {
		return 0, errs.Internal(err)
	}
	rows, err := s.DB.Query(ctx, `SELECT id FROM accounts WHERE verified_at IS NULL AND deleted_at IS NULL AND phone IS NOT NULL
		AND role = 'resident' AND created_at <= $1 LIMIT 1000`, now.Add(-UnverifiedTTL))
	if err != nil {
		return 0, errs.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, errs.Internal(err)
	}
	for _, id := range ids {
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			// Re-checked under the row lock: a verification may have just won.
			var still bool
			if err := tx.QueryRow(ctx, `SELECT verified_at IS NULL AND created_at <= $2 FROM accounts WHERE id = $1 FOR UPDATE`,
				id, now.Add(-UnverifiedTTL)).Scan(&still); err != nil {
				return errs.Internal(err)
			}
			if !still {
				return nil
			}
			return DeleteAccountData(ctx, tx, id, now)
		})
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
