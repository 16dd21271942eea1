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
// conclusion). A wrong password counts as a failed login of the account
// (LoginMaxFailuresPerAccount within LoginWindow), so re-authentication
// cannot be used to guess passwords faster than logging in. It answers 403,
// not 401: the session itself stays valid. Codes: reauthentication_failed
// (403), too_many_login_attempts (429).
func (s *Service) CheckPassword(ctx context.Context, accountID int64, password string) error {
	now := s.now()
	key := "acct:" + strconv.FormatInt(accountID, 10)
	if wait, err := s.lockedFor(ctx, key, LoginMaxFailuresPerAccount, now); err != nil {
		return err
	} else if wait > 0 {
		return errs.RateLimited("too_many_login_attempts", "该账号密码验证失败次数过多，请稍后再试", wait)
	}
	var hash string
	err := s.DB.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1 AND deleted_at IS NULL`, accountID).Scan(&hash)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return errs.Internal(err)
	}
	if !found {
		hash = dummyHash
	}
	ok, err := checkPassword(hash, password)
	if err != nil {
		return errs.Internal(err)
	}
	if ok && found {
		return nil
	}
	if found {
		if _, err := s.DB.Exec(ctx, `INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)`, key, now); err != nil {
			return errs.Internal(err)
		}
	}
	return errs.Forbidden("reauthentication_failed", "密码不正确，签署未完成")
}
