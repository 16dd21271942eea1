package identity

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Tombstone values of a deleted account. The row itself stays: comments
// and process-record entries refer to it, and keeping one row per former
// account keeps participant counts of published adoption reports true.
const (
	// DeletedDisplayName replaces the display name of a deleted account.
	DeletedDisplayName = "已注销用户"
	// deletedPseudonymPrefix replaces 市民 in the new random pseudonym, so
	// the comments stay apart from one another's authors without pointing
	// back to the pseudonym that was shown while the account existed.
	deletedPseudonymPrefix = "已注销"
	// deletedPasswordHash is no PHC hash: no password matches it.
	deletedPasswordHash = "!deleted"
)

// DeleteAccountData clears the personal data of an account inside the
// caller's transaction (PIPL Art. 47, the resident's right to deletion):
// phone number and e-mail (so both can register again), display name,
// pseudonym and password are replaced by tombstone values, deleted_at is
// set, every session is revoked (the next request with its token is 401)
// and stripped of its user agent and address, and verification codes and
// the account's re-entry counter is removed; then every registered
// AccountDataEraser runs. What the account wrote elsewhere is the caller's
// to anonymise. Codes: account_not_found.
func DeleteAccountData(ctx context.Context, tx pgx.Tx, accountID int64, now time.Time) error {
	email := "deleted-" + strconv.FormatInt(accountID, 10) + "@deleted.invalid" // RFC 2606: never deliverable
	for attempt := 0; ; attempt++ {
		pseudonym, err := newPseudonym()
		if err != nil {
			return errs.Internal(err)
		}
		pseudonym = deletedPseudonymPrefix + strings.TrimPrefix(pseudonym, "市民")
		var tag pgconn.CommandTag
		// A savepoint keeps the caller's transaction usable when the random
		// pseudonym collides and another is tried.
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			var err error
			tag, err = sp.Exec(ctx, `UPDATE accounts SET phone = NULL, email = $2, display_name = $3, pseudonym = $4,
				password_hash = $5, deleted_at = $6 WHERE id = $1 AND deleted_at IS NULL`,
				accountID, email, DeletedDisplayName, pseudonym, deletedPasswordHash, now)
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "accounts_pseudonym_key" && attempt < 5 {
			continue
		}
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFound("account_not_found", "账号不存在")
		}
		break
	}
	if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = coalesce(revoked_at, $2), user_agent = '', client_addr = ''
		WHERE account_id = $1`, accountID, now); err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM phone_verifications WHERE account_id = $1`, accountID); err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, "reauth:"+strconv.FormatInt(accountID, 10)); err != nil {
		return errs.Internal(err)
	}
	if err := runErasers(ctx, tx, accountID); err != nil {
		return errs.Internal(err)
	}
	return nil
}
