package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

func codeHash(accountID int64, code string) []byte {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d:%s", accountID, code)))
	return h[:]
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// issueCode stores a new code for the account inside tx and returns it for
// sending after commit. The resend interval is enforced here.
func (s *Service) issueCode(ctx context.Context, tx pgx.Tx, accountID int64, phone string) error {
	now := s.now()
	var last *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(created_at) FROM phone_verifications WHERE account_id = $1`, accountID).Scan(&last); err != nil {
		return errs.Internal(err)
	}
	if last != nil && now.Sub(*last) < CodeResendInterval {
		wait := CodeResendInterval - now.Sub(*last)
		return errs.RateLimited("verification_code_too_soon", "验证码发送过于频繁，请稍后再试", wait)
	}
	code, err := newCode()
	if err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO phone_verifications (account_id, code_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		accountID, codeHash(accountID, code), now, now.Add(CodeTTL)); err != nil {
		return errs.Internal(err)
	}
	// The sender is called inside the transaction so that a gateway failure
	// rolls the code back; the resident can then simply ask again.
	if err := s.SMS.SendVerificationCode(ctx, phone, code); err != nil {
		return &errs.Error{Kind: errs.KindUnavailable, Code: "sms_unavailable", Message: "短信发送失败，请稍后重试", Err: err}
	}
	return nil
}

// ResendVerificationCode sends a new code to an unverified resident's phone.
// Anyone may call it. Codes: invalid_phone, account_not_found,
// phone_already_verified, verification_code_too_soon (429).
func (s *Service) ResendVerificationCode(ctx context.Context, phoneIn string) error {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		acct, err := s.queryAccount(ctx, tx, "a.phone = $1 FOR UPDATE OF a", phone)
		if err != nil {
			return err
		}
		if acct.Verified() {
			return errs.Conflict("phone_already_verified", "该手机号码已验证")
		}
		return s.issueCode(ctx, tx, acct.ID, phone)
	})
}

// VerifyPhone checks a code against the newest one sent to the phone and
// marks the account verified. Anyone may call it; the code is the proof.
// Codes: invalid_phone, account_not_found, phone_already_verified,
// verification_code_missing, verification_code_expired,
// verification_attempts_exceeded, verification_code_invalid.
func (s *Service) VerifyPhone(ctx context.Context, phoneIn, code string) (Account, error) {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return Account{}, errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	var result Account
	var failure error
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		acct, err := s.queryAccount(ctx, tx, "a.phone = $1 FOR UPDATE OF a", phone)
		if err != nil {
			return err
		}
		if acct.Verified() {
			return errs.Conflict("phone_already_verified", "该手机号码已验证")
		}
		var id int64
		var hash []byte
		var expires time.Time
		var attempts int
		var consumed *time.Time
		err = tx.QueryRow(ctx, `SELECT id, code_hash, expires_at, attempts, consumed_at FROM phone_verifications
			WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, acct.ID).Scan(&id, &hash, &expires, &attempts, &consumed)
		if errors.Is(err, pgx.ErrNoRows) || consumed != nil {
			return errs.Conflict("verification_code_missing", "没有有效的验证码，请重新获取")
		}
		if err != nil {
			return errs.Internal(err)
		}
		now := s.now()
		if !now.Before(expires) {
			return errs.Conflict("verification_code_expired", "验证码已过期，请重新获取")
		}
		if attempts >= CodeMaxAttempts {
			return errs.Conflict("verification_attempts_exceeded", "验证码错误次数过多，请重新获取")
		}
		if subtle.ConstantTimeCompare(hash, codeHash(acct.ID, code)) != 1 {
			// The failed try is counted and committed; the error is
			// returned after commit.
			if _, err := tx.Exec(ctx, `UPDATE phone_verifications SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
				return errs.Internal(err)
			}
			left := CodeMaxAttempts - attempts - 1
			if left <= 0 {
				failure = errs.Conflict("verification_attempts_exceeded", "验证码错误次数过多，请重新获取")
			} else {
				failure = errs.InvalidField("verification_code_invalid", "code", fmt.Sprintf("验证码不正确，还可尝试%d次", left))
			}
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE phone_verifications SET consumed_at = $2 WHERE id = $1`, id, now); err != nil {
			return errs.Internal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET verified_at = $2 WHERE id = $1`, acct.ID, now); err != nil {
			return errs.Internal(err)
		}
		result, err = s.queryAccount(ctx, tx, "a.id = $1", acct.ID)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	if failure != nil {
		return Account{}, failure
	}
	return result, nil
}
