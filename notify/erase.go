package notify

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
)

// A resident who deletes their personal data (PIPL Art. 47) loses their
// notification address and settings, what they followed and their inbox
// with its delivery log: none of it is part of any published tally.
func init() {
	identity.RegisterAccountDataEraser(func(ctx context.Context, tx pgx.Tx, accountID int64) error {
		_, err := tx.Exec(ctx, `WITH d AS (DELETE FROM notification_deliveries WHERE notification_id IN
				(SELECT id FROM notifications WHERE account_id = $1)),
			n AS (DELETE FROM notifications WHERE account_id = $1),
			s AS (DELETE FROM subscriptions WHERE account_id = $1)
			DELETE FROM notification_settings WHERE account_id = $1`, accountID)
		return err
	})
}
