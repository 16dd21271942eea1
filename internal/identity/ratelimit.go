package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/errs"
)

// limit is one counter of attempts (a row of rate_limits).
type limit struct {
	key    string
	max    int
	window time.Duration
	// backoff: after max attempts the key is not closed for the rest of a
	// fixed window; each further attempt waits backoffDelay and doubles
	// it, and the count starts again after window without attempts. Used
	// for an account and address pair, so that a guesser is slowed while
	// the owner at another address is not locked out (issue 15, finding 6).
	backoff bool
}

// backoffDelay is the wait after the n-th attempt beyond a back-off
// limit's max (n ≥ 0): 30 s, 1 min, 2 min, … at most LoginWindow.
func backoffDelay(n int) time.Duration {
	d := 30 * time.Second
	for i := 0; i < n && d < LoginWindow; i++ {
		d *= 2
	}
	return min(d, LoginWindow)
}

// takeAttempts counts one attempt on every limit in one transaction and
// answers how long the caller must wait when any of them is exhausted (0:
// go ahead). Each row is locked (in the given order) before it is read, so
// a burst of concurrent attempts is counted one after another: the 6th of
// 60 simultaneous logins sees five attempts, not zero. Callers take the
// attempt BEFORE computing a password hash and release it after a success
// (issue 15, finding 2: the limits were read before hashing and counted
// after, so every request of a burst was checked). A refused attempt
// counts nothing.
func (s *Service) takeAttempts(ctx context.Context, now time.Time, limits ...limit) (time.Duration, error) {
	var wait time.Duration
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) (err error) {
		if wait, err = takeAttemptsTx(ctx, tx, now, limits...); err != nil {
			return err
		}
		if wait > 0 {
			return errRefused
		}
		return nil
	})
	if err == errRefused {
		return max(wait, time.Second), nil
	}
	return 0, err
}

// takeAttemptsTx is takeAttempts inside the caller's transaction, which
// must roll back when the answer is a wait (a refused attempt counts
// nothing).
func takeAttemptsTx(ctx context.Context, tx pgx.Tx, now time.Time, limits ...limit) (time.Duration, error) {
	var wait time.Duration
	err := func() error {
		for _, l := range limits {
			if _, err := tx.Exec(ctx, `INSERT INTO rate_limits (key, attempts, window_end) VALUES ($1, 0, $2)
				ON CONFLICT (key) DO NOTHING`, l.key, now.Add(l.window)); err != nil {
				return errs.Internal(err)
			}
			var attempts int
			var windowEnd time.Time
			var blocked *time.Time
			if err := tx.QueryRow(ctx, `SELECT attempts, window_end, blocked_until FROM rate_limits WHERE key = $1 FOR UPDATE`,
				l.key).Scan(&attempts, &windowEnd, &blocked); err != nil {
				return errs.Internal(err)
			}
			if !windowEnd.After(now) {
				attempts, windowEnd, blocked = 0, now.Add(l.window), nil
			}
			switch {
			case blocked != nil && blocked.After(now):
				wait = max(wait, blocked.Sub(now))
				continue
			case !l.backoff && attempts >= l.max:
				wait = max(wait, windowEnd.Sub(now))
				continue
			}
			attempts++
			blocked = nil
			if l.backoff {
				windowEnd = now.Add(l.window)
				if attempts >= l.max {
					b := now.Add(backoffDelay(attempts - l.max))
					blocked = &b
					windowEnd = b.Add(l.window)
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE rate_limits SET attempts = $2, window_end = $3, blocked_until = $4 WHERE key = $1`,
				l.key, attempts, windowEnd, blocked); err != nil {
				return errs.Internal(err)
			}
		}
		return nil
	}()
	if err != nil {
		return 0, err
	}
	if wait > 0 {
		return max(wait, time.Second), nil
	}
	return 0, nil
}

var errRefused = fmt.Errorf("refused")

// execer is a pool or a transaction.
type execer interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}

// releaseAttempt gives back an attempt that succeeded: a back-off key is
// cleared (the pair's failures are forgiven), a counting key loses one.
func (s *Service) releaseAttempt(ctx context.Context, q execer, l limit) error {
	var err error
	if l.backoff {
		_, err = q.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, l.key)
	} else {
		_, err = q.Exec(ctx, `UPDATE rate_limits SET attempts = greatest(attempts - 1, 0) WHERE key = $1`, l.key)
	}
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// waitText says a wait in Chinese: "3分20秒", "45秒".
func waitText(d time.Duration) string {
	sec := int((d + time.Second - 1) / time.Second)
	if sec < 60 {
		return fmt.Sprintf("%d秒", sec)
	}
	if sec%60 == 0 {
		return fmt.Sprintf("%d分钟", sec/60)
	}
	return fmt.Sprintf("%d分%d秒", sec/60, sec%60)
}

// tooManyAttempts is the refusal of a throttled attempt, with the wait in
// the message and in Retry-After.
func tooManyAttempts(code, what string, wait time.Duration) error {
	return errs.RateLimited(code, fmt.Sprintf("%s次数过多，请在%s后再试", what, waitText(wait)), wait)
}

// hashKey shortens a key part that holds personal data (a login) to a
// hash, so that the counters keep no phone numbers.
func hashKey(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:16])
}
