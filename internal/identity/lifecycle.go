package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The account lifecycle a person runs themselves: changing the password,
// resetting a forgotten one by SMS code, seeing and ending their sessions.

// ChangePassword replaces the signed-in account's password. The current
// password is checked as before a signature (CheckPassword: counted before
// hashing, then a back-off), so a stolen session cannot guess it. Every
// other session of the account is revoked; the one making the change
// (currentToken) stays. Anyone signed in may call it for themselves.
// Codes: authentication_required, current_password_wrong,
// too_many_login_attempts (429), password_too_short, password_too_long,
// password_unchanged.
func (s *Service) ChangePassword(ctx context.Context, actor *Account, currentToken, current, next string) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if err := checkPasswordRules(next); err != nil {
		return renameField(err, "new_password")
	}
	if current == next {
		return errs.InvalidField("password_unchanged", "new_password", "新密码不能与当前密码相同")
	}
	if err := s.CheckPassword(ctx, actor.ID, current); err != nil {
		if errs.HasCode(err, "reauthentication_failed") {
			return errs.InvalidField("current_password_wrong", "current_password", "当前密码不正确")
		}
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return errs.Internal(err)
	}
	now := s.now()
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, actor.ID, hash); err != nil {
			return errs.Internal(err)
		}
		return revokeSessions(ctx, tx, actor.ID, tokenHash(currentToken), now)
	})
}

func renameField(err error, field string) error {
	if e, ok := errs.As(err); ok && len(e.Fields) == 1 {
		e2 := *e
		e2.Fields = []errs.FieldError{{Field: field, Message: e.Fields[0].Message}}
		return &e2
	}
	return err
}

// RequestPasswordReset sends a reset code by SMS to a resident's verified
// number. The answer is the same for every number (registered, verified or
// not, resident or staff: only a verified resident receives a code), the
// SMS limits of registration count first (takeSMSQuota), and the code is
// issued and sent by a job after the answer (requestCodeIfAccount), so the
// operation neither lists numbers, by its answer or its time, nor floods
// one. Staff passwords are reset by an admin (ResetAccountPassword).
// Anyone may call it. Codes: invalid_phone, verification_code_too_soon (429),
// sms_limit_reached (429).
func (s *Service) RequestPasswordReset(ctx context.Context, phoneIn, clientAddr string) error {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	return s.requestCodeIfAccount(ctx, s.now(), phone, clientAddr, PurposeReset)
}

var errResetInvalid = errs.InvalidField("reset_code_invalid", "code", "验证码不正确或已过期，请检查后重试或重新获取")

// ConfirmPasswordReset sets a new password with the code RequestPasswordReset
// sent, and revokes every session of the account (whoever knew the old
// password is out). Tries are counted per number before anything is
// checked (CodeMaxAttempts within CodeTTL), and every failure answers
// alike, registered number or not; a retry of a done reset answers as it
// did (resetDone). Anyone may call it. Codes: invalid_phone,
// password_too_short, password_too_long, reset_code_invalid,
// reset_attempts_exceeded (429).
func (s *Service) ConfirmPasswordReset(ctx context.Context, phoneIn, code, password string) error {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	if err := checkPasswordRules(password); err != nil {
		return err
	}
	now := s.now()
	tries := limit{key: "reset:" + hashKey(phone), max: CodeMaxAttempts, window: CodeTTL}
	if wait, err := s.takeAttempts(ctx, now, tries); err != nil {
		return err
	} else if wait > 0 {
		return errs.RateLimited("reset_attempts_exceeded",
			fmt.Sprintf("验证码错误次数过多，请在%s后重新获取验证码", waitText(wait)), wait)
	}
	// The new password is hashed whatever is found, so the time taken does
	// not tell a registered number from another.
	hash, err := hashPassword(password)
	if err != nil {
		return errs.Internal(err)
	}
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var id, codeID int64
		var want []byte
		var expires time.Time
		err := tx.QueryRow(ctx, `SELECT a.id, v.id, v.code_hash, v.expires_at
			FROM accounts a JOIN phone_verifications v ON v.account_id = a.id AND v.purpose = 'reset' AND v.consumed_at IS NULL
			WHERE a.phone = $1 AND a.role = 'resident' AND a.deleted_at IS NULL AND a.disabled_at IS NULL
			ORDER BY v.created_at DESC, v.id DESC LIMIT 1 FOR UPDATE OF v`, phone).Scan(&id, &codeID, &want, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.resetDone(ctx, tx, now, phone, code, password, tries)
		}
		if err != nil {
			return errs.Internal(err)
		}
		if !now.Before(expires) || subtle.ConstantTimeCompare(want, codeHash(id, NormalizeCode(code))) != 1 {
			return errResetInvalid
		}
		if _, err := tx.Exec(ctx, `UPDATE phone_verifications SET consumed_at = $2 WHERE id = $1`, codeID, now); err != nil {
			return errs.Internal(err)
		}
		if err := setPassword(ctx, tx, id, hash, now); err != nil {
			return err
		}
		return s.releaseAttempt(ctx, tx, tries)
	})
}

// SessionInfo is one of an account's open sessions, as its owner sees it.
type SessionInfo struct {
	ID         int64     `db:"id"`
	CreatedAt  time.Time `db:"created_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	UserAgent  string    `db:"user_agent"`
	ClientAddr string    `db:"client_addr"`
	// Current is the session the request came with.
	Current bool `db:"current"`
}

// ListMySessions lists the signed-in account's unexpired, unrevoked
// sessions, newest first, marking the one of currentToken. Anyone signed
// in may call it, for themselves only. Codes: authentication_required.
func (s *Service) ListMySessions(ctx context.Context, actor *Account, currentToken string) ([]SessionInfo, error) {
	if actor == nil {
		return nil, errs.Unauthenticated("authentication_required", "请先登录")
	}
	return pgrows.All[SessionInfo](ctx, s.DB, `SELECT id, created_at, expires_at, user_agent, client_addr, token_hash = $3 AS current
		FROM sessions WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2
		ORDER BY created_at DESC, id DESC LIMIT 100`, actor.ID, s.now(), tokenHash(currentToken))
}

// RevokeSession ends one of the signed-in account's own sessions (another
// device). Revoking one already ended changes nothing; another account's
// session is not found. Codes: authentication_required, session_not_found.
func (s *Service) RevokeSession(ctx context.Context, actor *Account, sessionID int64) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	var found bool
	err := s.DB.QueryRow(ctx, `WITH u AS (UPDATE sessions SET revoked_at = coalesce(revoked_at, $3)
			WHERE id = $1 AND account_id = $2 RETURNING id)
		SELECT EXISTS (SELECT 1 FROM u)`, sessionID, actor.ID, s.now()).Scan(&found)
	if err != nil {
		return errs.Internal(err)
	}
	if !found {
		return errs.NotFound("session_not_found", "会话不存在")
	}
	return nil
}

// resetDone answers a confirmation whose code was used already: when the
// latest reset code of the number set this very password within the code's
// lifetime (a second tap on 设置新密码, or a form resent after a lost
// answer), the step is done and the answer is the first one's; nothing
// changes and no session is revoked again. Anything else is
// reset_code_invalid.
func (s *Service) resetDone(ctx context.Context, tx pgx.Tx, now time.Time, phone, code, password string, tries limit) error {
	var id int64
	var want []byte
	var hash string
	err := tx.QueryRow(ctx, `SELECT a.id, v.code_hash, a.password_hash
		FROM accounts a JOIN phone_verifications v ON v.account_id = a.id AND v.purpose = 'reset'
		WHERE a.phone = $1 AND a.role = 'resident' AND a.deleted_at IS NULL AND a.disabled_at IS NULL
			AND v.consumed_at > $2
		ORDER BY v.created_at DESC, v.id DESC LIMIT 1`, phone, now.Add(-CodeTTL)).Scan(&id, &want, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return errResetInvalid
	}
	if err != nil {
		return errs.Internal(err)
	}
	if subtle.ConstantTimeCompare(want, codeHash(id, NormalizeCode(code))) != 1 {
		return errResetInvalid
	}
	if ok, err := checkPassword(hash, password); err != nil {
		return errs.Internal(err)
	} else if !ok {
		return errResetInvalid
	}
	return s.releaseAttempt(ctx, tx, tries)
}
