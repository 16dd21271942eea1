package pgrows

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Window is one bound of a rate limit read from the rows themselves: at
// most Limit in the last Span, refused with Msg.
type Window struct {
	Limit int
	Span  time.Duration
	Msg   string
}

// CheckWindows refuses (errs.RateLimited with code) when, in one of the
// windows, the Limit-th most recent row is still inside it; the refusal's
// Retry-After is when that row leaves the window. times is the query of
// the rows' times, newest first, taking $1 the account, $2 the window's
// start and $3 the offset (Limit-1), one row at most, for example
// "SELECT created_at FROM t WHERE account_id = $1 AND created_at > $2
// ORDER BY created_at DESC OFFSET $3 LIMIT 1".
func CheckWindows(ctx context.Context, q pgx.Tx, code, times string, accountID int64, now time.Time, windows ...Window) error {
	for _, w := range windows {
		var at time.Time
		err := q.QueryRow(ctx, times, accountID, now.Add(-w.Span), w.Limit-1).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return errs.Internal(err)
		}
		return errs.RateLimited(code, w.Msg, max(at.Add(w.Span).Sub(now), time.Second))
	}
	return nil
}
