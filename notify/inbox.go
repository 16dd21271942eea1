package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Notification is one message in a resident's inbox.
type Notification struct {
	ID         int64       `db:"id"`
	Kind       events.Kind `db:"kind"`
	DecisionID *int64      `db:"decision_id"`
	Title      string      `db:"title"`
	Body       string      `db:"body"`
	Link       string      `db:"link"`
	CreatedAt  time.Time   `db:"created_at"`
	ReadAt     *time.Time  `db:"read_at"`
}

// KindName is the Chinese name of the notification's event.
func (n Notification) KindName() string { return events.KindNames[n.Kind] }

// ListNotifications returns the actor's newest notifications (at most
// limit, before the id before when it is not 0). Codes: sign_in_required.
func (s *Service) ListNotifications(ctx context.Context, actor *identity.Account, limit int, before int64) ([]Notification, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	return listNotifications(ctx, s.DB, actor.ID, limit, before)
}

func listNotifications(ctx context.Context, q pgrows.Querier, accountID int64, limit int, before int64) ([]Notification, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return pgrows.All[Notification](ctx, q, `SELECT id, kind, decision_id, title, body, link, created_at, read_at FROM notifications
		WHERE account_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, accountID, before, limit)
}

// UnreadCount is how many of the actor's notifications are unread (0 for
// no one signed in).
func (s *Service) UnreadCount(ctx context.Context, actor *identity.Account) (int, error) {
	if actor == nil {
		return 0, nil
	}
	return unreadCount(ctx, s.DB, actor.ID)
}

func unreadCount(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, accountID int64) (int, error) {
	var n int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL`, accountID).Scan(&n); err != nil {
		return 0, errs.Internal(err)
	}
	return n, nil
}

// Inbox is ListNotifications with the unread count, both read from one
// snapshot: read one after the other, a notification fanned out between
// them was counted but not listed (the inbox said 2 unread over a list of
// 1). Codes: sign_in_required.
func (s *Service) Inbox(ctx context.Context, actor *identity.Account, limit int, before int64) ([]Notification, int, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, 0, err
	}
	var ns []Notification
	var n int
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) (err error) {
		if ns, err = listNotifications(ctx, tx, actor.ID, limit, before); err != nil {
			return err
		}
		n, err = unreadCount(ctx, tx, actor.ID)
		return err
	})
	if err != nil {
		return nil, 0, errs.Internal(err)
	}
	return ns, n, nil
}

// ReadNotification marks one of the actor's notifications read and returns
// it. Codes: sign_in_required, notification_not_found.
func (s *Service) ReadNotification(ctx context.Context, actor *identity.Account, id int64) (Notification, error) {
	if err := requireSignedIn(actor); err != nil {
		return Notification{}, err
	}
	return pgrows.One[Notification](ctx, s.DB, errs.NotFound("notification_not_found", "没有这条通知"), `UPDATE notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND account_id = $2
		RETURNING id, kind, decision_id, title, body, link, created_at, read_at`, id, actor.ID, s.now())
}

// ReadAll marks every notification of the actor read and says how many
// were unread. Codes: sign_in_required.
func (s *Service) ReadAll(ctx context.Context, actor *identity.Account) (int, error) {
	if err := requireSignedIn(actor); err != nil {
		return 0, err
	}
	tag, err := s.DB.Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL`, actor.ID, s.now())
	if err != nil {
		return 0, errs.Internal(err)
	}
	return int(tag.RowsAffected()), nil
}
