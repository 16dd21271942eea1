package identity

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// The purposes of a code sent by SMS.
const (
	PurposeVerify = "verify" // a registration's verification code
	PurposeReset  = "reset"  // a password-reset code
)

// codeRecipient is the condition an account must meet to receive a code
// of purpose, with its arguments from $2 on; ok is false for an unknown
// purpose.
func codeRecipient(purpose string, now time.Time) (where string, args []any, ok bool) {
	switch purpose {
	case PurposeVerify:
		// An unverified registration still running.
		return `deleted_at IS NULL AND verified_at IS NULL AND created_at > $2`, []any{now.Add(-UnverifiedTTL)}, true
	case PurposeReset:
		return `role = 'resident' AND deleted_at IS NULL AND verified_at IS NOT NULL AND disabled_at IS NULL`, nil, true
	}
	return "", nil, false
}

// CodeQueue queues the job that sends a requested code
// (SendRequestedCode), inside the transaction that wrote the request, so
// that the job exists exactly when the request does. The job runner
// implements it.
type CodeQueue interface {
	EnqueueVerificationCode(ctx context.Context, tx pgx.Tx, requestID int64) error
}

// requestCodeIfAccount counts the SMS limits (takeSMSQuota) and requests a
// code for purpose to the account of phone that may receive one, in one
// transaction. The work is the same for every number: one look-up, one
// request row (with no account when none may receive the code) and one
// job; the job issues the code and calls the SMS gateway after the answer
// (SendRequestedCode). The look-up's answer changes nothing the caller can
// see or time, so the caller cannot tell which numbers have accounts
// (outside check sec3: the gateway was called within the request, for
// registered numbers only).
func (s *Service) requestCodeIfAccount(ctx context.Context, now time.Time, phone, clientAddr, purpose string) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := takeSMSQuotaTx(ctx, tx, now, phone, clientAddr); err != nil {
			return err
		}
		where, args, _ := codeRecipient(purpose, now)
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE phone = $1 AND `+where, append([]any{phone}, args...)...).Scan(&id)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		return s.requestCode(ctx, tx, id, purpose, now)
	})
}

// requestCode writes a request for a code of purpose to the account (0:
// none, a request that sends nothing) and queues its job, inside tx.
func (s *Service) requestCode(ctx context.Context, tx pgx.Tx, accountID int64, purpose string, now time.Time) error {
	var account *int64
	if accountID != 0 {
		account = &accountID
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO sms_code_requests (account_id, purpose, requested_at) VALUES ($1, $2, $3) RETURNING id`,
		account, purpose, now).Scan(&id); err != nil {
		return errs.Internal(err)
	}
	if s.Codes != nil {
		if err := s.Codes.EnqueueVerificationCode(ctx, tx, id); err != nil {
			return errs.Internal(err)
		}
	}
	return nil
}

// SendRequestedCode issues and sends the code of a request and removes the
// request; the job that requestCode queued calls it after the request was
// answered. A request with no account, one already served, one older than
// CodeTTL (the resident has asked again by now) or one whose account may
// no longer receive the code sends nothing. When the gateway fails nothing
// is kept (the code, the request's removal) and the error makes the job
// try again. Codes: sms_unavailable (the gateway failed).
func (s *Service) SendRequestedCode(ctx context.Context, requestID int64) error {
	now := s.now()
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var account *int64
		var purpose string
		var at time.Time
		// Taken out under its lock: two runs of one job cannot both send.
		err := tx.QueryRow(ctx, `DELETE FROM sms_code_requests WHERE id = $1 RETURNING account_id, purpose, requested_at`, requestID).
			Scan(&account, &purpose, &at)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return errs.Internal(err)
		}
		where, args, ok := codeRecipient(purpose, now)
		if account == nil || !at.After(now.Add(-CodeTTL)) || !ok {
			return nil
		}
		var phone string
		err = tx.QueryRow(ctx, `SELECT phone FROM accounts WHERE id = $1 AND phone IS NOT NULL AND `+where+` FOR UPDATE`,
			append([]any{*account}, args...)...).Scan(&phone)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // verified, deleted, disabled since
		}
		if err != nil {
			return errs.Internal(err)
		}
		return s.issueCode(ctx, tx, *account, phone, purpose)
	})
}

// SendPendingCodes serves every code request waiting, oldest first, as
// their jobs would (for a service without a CodeQueue, and for tests). It
// returns how many it served and the first error (the requests whose
// sending failed stay).
func (s *Service) SendPendingCodes(ctx context.Context) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id FROM sms_code_requests ORDER BY id`)
	if err != nil {
		return 0, errs.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, errs.Internal(err)
	}
	var first error
	n := 0
	for _, id := range ids {
		if err := s.SendRequestedCode(ctx, id); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		n++
	}
	return n, first
}

// purgeCodeRequests removes the requests older than a code's life: their
// jobs gave up (the gateway down throughout), or none was queued.
func (s *Service) purgeCodeRequests(ctx context.Context, now time.Time) error {
	if _, err := s.DB.Exec(ctx, `DELETE FROM sms_code_requests WHERE requested_at <= $1`, now.Add(-CodeTTL)); err != nil {
		return errs.Internal(err)
	}
	return nil
}
