package identity

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// CheckPassword checks the password of a signed-in account again, before
// a step that signs in the account's name (a legal opinion, a review
// conclusion). The attempt is counted before the password is hashed
// (ReauthMaxFailures, then a doubling back-off), so re-authentication
// cannot be used to guess passwords, not even by a burst of concurrent
// requests; a right password gives its attempt back. It answers 403, not
// 401: the session itself stays valid. Codes: reauthentication_failed
// (403), too_many_login_attempts (429).
func (s *Service) CheckPassword(ctx context.Context, accountID int64, password string) error {
	now := s.now()
	l := limit{key: "reauth:" + strconv.FormatInt(accountID, 10), max: ReauthMaxFailures, window: LoginWindow, backoff: true}
	if wait, err := s.takeAttempts(ctx, now, l); err != nil {
		return err
	} else if wait > 0 {
		return tooManyAttempts("too_many_login_attempts", "密码验证失败", wait)
	}
	var hash string
	err := s.DB.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1 AND deleted_at IS NULL AND disabled_at IS NULL`,
		accountID).Scan(&hash)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return errs.Internal(err)
	}
	if !found {
		hash = dummyHash
	}
	ok, err := checkPassword(hash, password)
	if err != nil && found {
		return errs.Internal(err)
	}
	if ok && found {
		return s.releaseAttempt(ctx, s.DB, l)
	}
	return errs.Forbidden("reauthentication_failed", "密码不正确，签署未完成")
}
