package identity

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// LoginInput is a login attempt.
type LoginInput struct {
	Login      string // phone number or e-mail
	Password   string
	ClientAddr string
	UserAgent  string
}

// CreateSession checks a login and password and opens a session. Anyone may
// call it. Failed logins are rate-limited per account and per client address.
// Codes: invalid_credentials (401), too_many_login_attempts (429).
func (s *Service) CreateSession(ctx context.Context, in LoginInput) (Session, error) {
	now := s.now()
	addrKey := "addr:" + in.ClientAddr
	if wait, err := s.lockedFor(ctx, addrKey, LoginMaxFailuresPerAddress, now); err != nil {
		return Session{}, err
	} else if wait > 0 {
		return Session{}, errs.RateLimited("too_many_login_attempts", "登录失败次数过多，请稍后再试", wait)
	}
	var where string
	var arg string
	if phone, ok := NormalizePhone(in.Login); ok {
		where, arg = "a.phone = $1", phone
	} else if email, ok := NormalizeEmail(in.Login); ok {
		where, arg = "a.email = $1", email
	}
	var acct Account
	var hash string
	found := false
	if where != "" {
		err := s.DB.QueryRow(ctx, `SELECT a.id, a.password_hash FROM accounts a WHERE a.deleted_at IS NULL AND `+where, arg).Scan(&acct.ID, &hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return Session{}, errs.Internal(err)
		}
		found = err == nil
	}
	acctKey := ""
	if found {
		acctKey = "acct:" + strconv.FormatInt(acct.ID, 10)
		if wait, err := s.lockedFor(ctx, acctKey, LoginMaxFailuresPerAccount, now); err != nil {
			return Session{}, err
		} else if wait > 0 {
			return Session{}, errs.RateLimited("too_many_login_attempts", "该账号登录失败次数过多，请稍后再试", wait)
		}
	} else {
		hash = dummyHash
	}
	ok, err := checkPassword(hash, in.Password)
	if err != nil {
		return Session{}, errs.Internal(err)
	}
	if !ok || !found {
		keys := []string{addrKey}
		if acctKey != "" {
			keys = append(keys, acctKey)
		}
		for _, k := range keys {
			if _, err := s.DB.Exec(ctx, `INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)`, k, now); err != nil {
				return Session{}, errs.Internal(err)
			}
		}
		return Session{}, errs.Unauthenticated("invalid_credentials", "账号或密码不正确")
	}
	token, err := randomToken(32)
	if err != nil {
		return Session{}, errs.Internal(err)
	}
	expires := now.Add(SessionTTL)
	var sess Session
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at, user_agent, client_addr)
			VALUES ($1, $2, $3, $4, $5, $6)`, tokenHash(token), acct.ID, now, expires, truncate(in.UserAgent, 300), in.ClientAddr); err != nil {
			return errs.Internal(err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, acctKey); err != nil {
			return errs.Internal(err)
		}
		a, err := s.queryAccount(ctx, tx, "a.id = $1", acct.ID)
		sess = Session{Token: token, ExpiresAt: expires, Account: a}
		return err
	})
	return sess, err
}

// lockedFor returns how long the key stays locked, 0 when it is not.
func (s *Service) lockedFor(ctx context.Context, key string, max int, now time.Time) (time.Duration, error) {
	var n int
	var oldest *time.Time
	err := s.DB.QueryRow(ctx, `SELECT count(*), min(failed_at) FROM (
		SELECT failed_at FROM login_failures WHERE key = $1 AND failed_at > $2 ORDER BY failed_at DESC LIMIT $3) f`,
		key, now.Add(-LoginWindow), max).Scan(&n, &oldest)
	if err != nil {
		return 0, errs.Internal(err)
	}
	if n < max || oldest == nil {
		return 0, nil
	}
	wait := oldest.Add(LoginWindow).Sub(now)
	if wait < time.Second {
		wait = time.Second
	}
	return wait, nil
}

// Authenticate returns the account of a valid, unexpired, unrevoked session
// token. Codes: invalid_session (401).
func (s *Service) Authenticate(ctx context.Context, token string) (Account, error) {
	if token == "" {
		return Account{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	a, err := s.queryAccount(ctx, nil, `a.id = (SELECT account_id FROM sessions
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2)`, tokenHash(token), s.now())
	if errs.HasCode(err, "account_not_found") {
		return Account{}, errs.Unauthenticated("invalid_session", "登录已失效，请重新登录")
	}
	return a, err
}

// DeleteSession revokes a session token (logout). Revoking an unknown or
// already revoked token is not an error: the result is the same.
func (s *Service) DeleteSession(ctx context.Context, token string) error {
	_, err := s.DB.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash(token), s.now())
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
