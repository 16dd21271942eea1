package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Limits on codes sent by SMS, counted per number and per client address
// whether or not the number is registered, so that the answers do not tell
// (issue 15, finding 3: 100 look-ups in 0.1 s listed every registered
// number; 300 registrations from one address sent 300 SMS).
const (
	// SMSMaxPerPhonePerDay is how many codes one number receives a day.
	SMSMaxPerPhonePerDay = 5
	// SMSMaxPerAddressPerDay is how many registrations, code requests and
	// password-reset requests one client address makes a day.
	SMSMaxPerAddressPerDay = 20
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

// takeSMSQuota counts one request for a code to phone from addr: one a
// minute and SMSMaxPerPhonePerDay a day per number, SMSMaxPerAddressPerDay
// per address. It is taken before anything is looked up, so a registered
// and an unregistered number are answered alike. Codes:
// verification_code_too_soon (429), sms_limit_reached (429).
func (s *Service) takeSMSQuota(ctx context.Context, now time.Time, phone, addr string) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error { return takeSMSQuotaTx(ctx, tx, now, phone, addr) })
}

// takeSMSQuotaTx is takeSMSQuota in the caller's transaction; a refusal is
// an error, on which the transaction rolls back (it counts nothing).
func takeSMSQuotaTx(ctx context.Context, tx pgx.Tx, now time.Time, phone, addr string) error {
	h := hashKey(phone)
	if wait, err := takeAttemptsTx(ctx, tx, now, limit{key: "sms-minute:" + h, max: 1, window: CodeResendInterval}); err != nil {
		return err
	} else if wait > 0 {
		return errs.RateLimited("verification_code_too_soon", fmt.Sprintf("验证码发送过于频繁，请在%s后再试", waitText(wait)), wait)
	}
	wait, err := takeAttemptsTx(ctx, tx, now,
		limit{key: "sms-addr:" + addr, max: SMSMaxPerAddressPerDay, window: 24 * time.Hour},
		limit{key: "sms-phone:" + h, max: SMSMaxPerPhonePerDay, window: 24 * time.Hour})
	if err != nil {
		return err
	}
	if wait > 0 {
		return errs.RateLimited("sms_limit_reached", "今日获取验证码的次数已达上限，请明天再试", wait)
	}
	return nil
}

// registrationRetryKey names one registration as sent: the form's one-time
// key (the API's Idempotency-Key) with the number, password and name, hashed
// (the key is random and never stored, so the hash gives nothing of the
// password away). Empty without a key.
func registrationRetryKey(in RegisterInput, phone string) string {
	if strings.TrimSpace(in.RequestKey) == "" {
		return ""
	}
	return "register-retry:" + hashKey(in.RequestKey+"\x00"+phone+"\x00"+in.Password+"\x00"+strings.TrimSpace(in.DisplayName))
}

// takeRegistrationQuota takes the SMS limits of a registration, or reports
// retried when the same registration (retryKey) was taken within
// CodeResendInterval: a second tap on 注册并获取验证码, or the form resent
// after a lost answer, which then sends nothing and counts nothing (it was
// refused as 验证码发送过于频繁 although the first had sent the code). The
// mark is taken under a row lock in the quota's transaction, so a second
// request that arrives while the first is still running waits for it and
// is answered as a retry. The check does not depend on the number's
// account, so registered and unregistered numbers are answered alike.
func (s *Service) takeRegistrationQuota(ctx context.Context, now time.Time, phone, addr, retryKey string) (retried bool, err error) {
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if retryKey != "" {
			if _, err := tx.Exec(ctx, `INSERT INTO rate_limits (key, attempts, window_end) VALUES ($1, 0, $2)
				ON CONFLICT (key) DO NOTHING`, retryKey, now); err != nil {
				return errs.Internal(err)
			}
			var attempts int
			var windowEnd time.Time
			if err := tx.QueryRow(ctx, `SELECT attempts, window_end FROM rate_limits WHERE key = $1 FOR UPDATE`, retryKey).
				Scan(&attempts, &windowEnd); err != nil {
				return errs.Internal(err)
			}
			if attempts > 0 && windowEnd.After(now) {
				retried = true
				return nil
			}
		}
		if err := takeSMSQuotaTx(ctx, tx, now, phone, addr); err != nil {
			return err
		}
		if retryKey == "" {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE rate_limits SET attempts = 1, window_end = $2, blocked_until = NULL WHERE key = $1`,
			retryKey, now.Add(CodeResendInterval)); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	return retried, err
}

// forgetRegistration drops the mark of a registration that failed after
// its limits were taken (the database failing), so that sending the form
// again tries again instead of being answered as done.
func (s *Service) forgetRegistration(ctx context.Context, retryKey string) {
	if retryKey == "" {
		return
	}
	// Best effort: a mark left behind (the database failing too) only
	// answers the same form within the minute as sent; 重新获取验证码
	// still sends a code.
	_, _ = s.DB.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, retryKey)
}

// issueCode stores a new code of the purpose ('verify' or 'reset') for the
// account inside tx, makes earlier codes of the purpose unusable and sends
// the code. Only the job that sends requested codes calls it
// (SendRequestedCode), never a request: a request for a number with an
// account would otherwise take the gateway's time (and fail with it) where
// one for a number without does not (outside check sec3).
func (s *Service) issueCode(ctx context.Context, tx pgx.Tx, accountID int64, phone, purpose string) error {
	now := s.now()
	code, err := newCode()
	if err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE phone_verifications SET consumed_at = $3
		WHERE account_id = $1 AND purpose = $2 AND consumed_at IS NULL`, accountID, purpose, now); err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO phone_verifications (account_id, code_hash, created_at, expires_at, purpose)
		VALUES ($1, $2, $3, $4, $5)`, accountID, codeHash(accountID, code), now, now.Add(CodeTTL), purpose); err != nil {
		return errs.Internal(err)
	}
	// The sender is called inside the transaction so that a gateway failure
	// rolls the code back; the job then tries again.
	if err := s.SMS.SendVerificationCode(ctx, phone, code); err != nil {
		return &errs.Error{Kind: errs.KindUnavailable, Code: "sms_unavailable", Message: "短信发送失败，请稍后重试", Err: err}
	}
	return nil
}

// ResendVerificationCode sends a new code to the phone of an unverified
// registration. Anyone may call it; the answer is the same whether the
// number is registered, verified or unknown (nothing is sent then). Codes:
// invalid_phone, verification_code_too_soon (429), sms_limit_reached (429).
func (s *Service) ResendVerificationCode(ctx context.Context, phoneIn, clientAddr string) error {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	return s.requestCodeIfAccount(ctx, s.now(), phone, clientAddr, PurposeVerify)
}

var errCodeInvalid = errs.InvalidField("verification_code_invalid", "code", "验证码或密码不正确，或验证码已过期，请检查后重试或重新获取")

// VerifyPhone checks a code and the password chosen at registration and
// marks the account verified. Anyone may call it; the code proves the
// phone, the password proves that the person verifying is the one who
// registered (issue 15, finding 4: an attacker's registration of a
// victim's number, verified by the victim, let the attacker's password
// into the victim's account). Tries are counted per number (CodeMaxAttempts
// within CodeTTL) before anything is checked, and every failure answers
// alike, registered number or not. The same code and password sent again
// within the code's lifetime answer as the first did (a retry). Codes:
// invalid_phone, verification_code_invalid, verification_attempts_exceeded
// (429).
func (s *Service) VerifyPhone(ctx context.Context, phoneIn, code, password string) (Account, error) {
	phone, ok := NormalizePhone(phoneIn)
	if !ok {
		return Account{}, errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
	}
	now := s.now()
	tries := limit{key: "verify:" + hashKey(phone), max: CodeMaxAttempts, window: CodeTTL}
	if wait, err := s.takeAttempts(ctx, now, tries); err != nil {
		return Account{}, err
	} else if wait > 0 {
		return Account{}, errs.RateLimited("verification_attempts_exceeded",
			fmt.Sprintf("验证码错误次数过多，请在%s后重新获取验证码", waitText(wait)), wait)
	}
	var id, codeID int64
	var hash string
	var want []byte
	var expires time.Time
	var done bool
	// The code of a pending registration, or a code that verified the
	// account within the code's lifetime: a second tap on 验证, or a form
	// resent after a lost answer, is answered as the first was (done).
	err := s.DB.QueryRow(ctx, `SELECT a.id, a.password_hash, v.id, v.code_hash, v.expires_at, v.consumed_at IS NOT NULL
		FROM accounts a JOIN phone_verifications v ON v.account_id = a.id AND v.purpose = 'verify'
		WHERE a.phone = $1 AND a.deleted_at IS NULL
			AND ((v.consumed_at IS NULL AND a.verified_at IS NULL AND a.created_at > $2)
				OR (v.consumed_at > $3 AND a.verified_at = v.consumed_at))
		ORDER BY v.created_at DESC, v.id DESC LIMIT 1`, phone, now.Add(-UnverifiedTTL), now.Add(-CodeTTL)).
		Scan(&id, &hash, &codeID, &want, &expires, &done)
	found := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Account{}, errs.Internal(err)
	}
	if !found {
		hash = dummyHash
	}
	// The hash is computed whatever was found, so the time taken does not
	// tell a registered number from another.
	pwOK, err := checkPassword(hash, password)
	if err != nil && found {
		return Account{}, errs.Internal(err)
	}
	if !found || !pwOK || (!done && !now.Before(expires)) || subtle.ConstantTimeCompare(want, codeHash(id, NormalizeCode(code))) != 1 {
		return Account{}, errCodeInvalid
	}
	var result Account
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE phone_verifications SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL`, codeID, now)
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			// Done already, by this code with this password (a retry, or
			// the first of two taps committing first); otherwise a
			// concurrent re-registration replaced the code.
			result, err = s.queryAccount(ctx, tx, "a.id = $1 AND a.verified_at IS NOT NULL AND a.password_hash = $2", id, hash)
			if errs.HasCode(err, "account_not_found") {
				return errCodeInvalid
			}
			if err != nil {
				return err
			}
			return s.releaseAttempt(ctx, tx, tries)
		}
		if _, err := tx.Exec(ctx, `UPDATE accounts SET verified_at = $2 WHERE id = $1 AND password_hash = $3`, id, now, hash); err != nil {
			return errs.Internal(err)
		}
		if err := s.releaseAttempt(ctx, tx, tries); err != nil {
			return err
		}
		result, err = s.queryAccount(ctx, tx, "a.id = $1 AND a.verified_at IS NOT NULL", id)
		if errs.HasCode(err, "account_not_found") {
			return errCodeInvalid
		}
		return err
	})
	if err != nil {
		return Account{}, err
	}
	return result, nil
}
