package identity

import (
	"context"
	"errors"
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
// call it. Attempts are counted before the password is hashed, per client
// address (LoginMaxFailuresPerAddress within LoginWindow) and per login and
// address pair (LoginFreeAttemptsPerPair, then a doubling back-off), so a
// guesser is slowed without locking the owner out from elsewhere; a
// successful sign-in gives its attempt back. Codes: invalid_credentials
// (401), account_disabled (403), too_many_login_attempts (429, the wait in
// the message and in Retry-After).
func (s *Service) CreateSession(ctx context.Context, in LoginInput) (Session, error) {
	now := s.now()
	login := strings.ToLower(strings.TrimSpace(in.Login))
	where, arg := "", ""
	if phone, ok := NormalizePhone(in.Login); ok {
		where, arg, login = "a.phone = $1", phone, phone
	} else if email, ok := NormalizeEmail(in.Login); ok {
		where, arg, login = "a.email = $1", email, email
	}
	addr := limit{key: "login-addr:" + in.ClientAddr, max: LoginMaxFailuresPerAddress, window: LoginWindow}
	// The pair's key is hashed: rate_limits keeps no phone number.
	pair := limit{key: "login-pair:" + hashKey(login+"|"+in.ClientAddr), max: LoginFreeAttemptsPerPair,
		window: LoginWindow, backoff: true}
	if wait, err := s.takeAttempts(ctx, now, addr, pair); err != nil {
		return Session{}, err
	} else if wait > 0 {
		return Session{}, tooManyAttempts("too_many_login_attempts", "登录失败", wait)
	}
	var id int64
	var hash string
	var disabled *time.Time
	found := false
	if where != "" {
		err := s.DB.QueryRow(ctx, `SELECT a.id, a.password_hash, a.disabled_at FROM accounts a
			WHERE a.deleted_at IS NULL AND NOT (a.verified_at IS NULL AND a.created_at <= $2) AND `+where,
			arg, now.Add(-UnverifiedTTL)).Scan(&id, &hash, &disabled)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return Session{}, errs.Internal(err)
		}
		found = err == nil
	}
	if !found {
		hash = dummyHash
	}
	ok, err := checkPassword(hash, in.Password)
	if err != nil && found {
		return Session{}, errs.Internal(err)
	}
	if !ok || !found {
		return Session{}, errs.Unauthenticated("invalid_credentials", "账号或密码不正确")
	}
	if disabled != nil {
		return Session{}, errs.Forbidden("account_disabled", "该账号已停用，请联系管理员")
	}
	token, err := randomToken(32)
	if err != nil {
		return Session{}, errs.Internal(err)
	}
	expires := now.Add(SessionTTL)
	var sess Session
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (token_hash, account_id, created_at, expires_at, user_agent, client_addr)
			VALUES ($1, $2, $3, $4, $5, $6)`, tokenHash(token), id, now, expires, truncate(in.UserAgent, 300), in.ClientAddr); err != nil {
			return errs.Internal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET last_sign_in_at = $2 WHERE id = $1`, id, now); err != nil {
			return errs.Internal(err)
		}
		for _, l := range []limit{addr, pair} {
			if err := s.releaseAttempt(ctx, tx, l); err != nil {
				return err
			}
		}
		a, err := s.queryAccount(ctx, tx, "a.id = $1", id)
		sess = Session{Token: token, ExpiresAt: expires, Account: a}
		return err
	})
	return sess, err
}

// Authenticate returns the account of a valid, unexpired, unrevoked session
// token. Codes: invalid_session (401).
func (s *Service) Authenticate(ctx context.Context, token string) (Account, error) {
	if token == "" {
		return Account{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	a, err := s.queryAccount(ctx, nil, `a.id = (SELECT account_id FROM sessions
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2) AND a.disabled_at IS NULL`, tokenHash(token), s.now())
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
