package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Rules of account security, each in one place.
const (
	// SessionTTL is how long a session token stays valid.
	SessionTTL = 24 * time.Hour
	// CodeTTL is how long a phone verification code is valid.
	CodeTTL = 10 * time.Minute
	// CodeMaxAttempts is how many wrong guesses a code survives.
	CodeMaxAttempts = 5
	// CodeResendInterval is the minimum time between two codes for one account.
	CodeResendInterval = 60 * time.Second
	// LoginWindow is the window over which failed logins are counted.
	LoginWindow = 15 * time.Minute
	// LoginFreeAttemptsPerPair is how many failed sign-ins one client
	// address may make for one login before each further attempt waits a
	// doubling back-off (30 s, 1 min, … 15 min); the pair's count starts
	// again after LoginWindow without attempts. The owner signing in from
	// another address is not affected.
	LoginFreeAttemptsPerPair = 5
	// LoginMaxFailuresPerAddress closes a client address for the rest of
	// the window (behind a proxy, see CANYU_TRUSTED_PROXIES).
	LoginMaxFailuresPerAddress = 20
	// ReauthMaxFailures is how many wrong passwords the re-entry before a
	// signature tolerates before the same back-off.
	ReauthMaxFailures = 5
	// UnverifiedTTL is how long an unverified registration holds its
	// number: after it, the account cannot sign in and the number can be
	// registered again (a new registration of an unverified number
	// replaces the earlier one at any time).
	UnverifiedTTL = 24 * time.Hour
	// PasswordMinLength and PasswordMaxLength bound passwords (in characters).
	PasswordMinLength = 8
	PasswordMaxLength = 128
)

// Service is the identity use cases.
type Service struct {
	DB  *pgxpool.Pool
	SMS SMSSender
	// Codes queues the job that issues and sends a requested verification
	// or password-reset code (the job runner, wired in cmd); nil: the
	// requests wait until SendPendingCodes.
	Codes CodeQueue
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
}

// NewService returns a Service using the real clock.
func NewService(db *pgxpool.Pool, sms SMSSender) *Service {
	return &Service{DB: db, SMS: sms, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

const accountColumns = `a.id, a.role, a.phone, a.email, a.display_name, a.pseudonym, a.agency_id,
	ag.code AS agency_code, a.verified_at, a.created_at, a.last_sign_in_at, a.disabled_at`

const accountFrom = ` FROM accounts a LEFT JOIN agencies ag ON ag.id = a.agency_id `

func (s *Service) queryAccount(ctx context.Context, q pgx.Tx, where string, args ...any) (Account, error) {
	var rows pgx.Rows
	var err error
	sql := "SELECT " + accountColumns + accountFrom + "WHERE a.deleted_at IS NULL AND " + where
	if q != nil {
		rows, err = q.Query(ctx, sql, args...)
	} else {
		rows, err = s.DB.Query(ctx, sql, args...)
	}
	if err != nil {
		return Account{}, errs.Internal(err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Account])
	if errors.Is(err, pgx.ErrNoRows) {
		return Account{}, errs.NotFound("account_not_found", "账号不存在")
	}
	if err != nil {
		return Account{}, errs.Internal(err)
	}
	return a, nil
}

// GetAccount returns an account by id.
func (s *Service) GetAccount(ctx context.Context, id int64) (Account, error) {
	return s.queryAccount(ctx, nil, "a.id = $1", id)
}

// RegisterInput is what a resident gives to register.
type RegisterInput struct {
	Phone       string
	Password    string
	DisplayName string
	// ClientAddr is the address the registration comes from (the SMS
	// limits count it).
	ClientAddr string
	// RequestKey is the one-time key of the form (the API's
	// Idempotency-Key): the same registration sent again with it within
	// CodeResendInterval is answered as the first was and sends nothing.
	RequestKey string
}

// Register is RegisterResident as the API and the pages offer it: the
// answer is the same whether the number was free, held by an unverified
// registration (replaced) or belongs to a verified account (nothing is
// sent), so that registering does not list the registered numbers (issue
// 15, finding 3). Anyone may call it. Codes: those of RegisterResident
// except phone_already_registered.
func (s *Service) Register(ctx context.Context, in RegisterInput) error {
	_, _, err := s.register(ctx, in)
	if errs.HasCode(err, "phone_already_registered") {
		return nil
	}
	return err
}

// RegisterResident creates an unverified resident account and requests a
// verification code, which a job sends after the answer. A number held by an unverified registration is taken
// over: the earlier attempt's password, name, sessions and codes are
// replaced, and the 24 hours (UnverifiedTTL) start again, so nobody can
// squat a number they cannot receive SMS on (issue 15, finding 4). The SMS
// limits (takeSMSQuota) are counted first, for every number alike. Anyone
// may call it. Codes: invalid_phone, password_too_short,
// password_too_long, display_name_too_long, verification_code_too_soon,
// sms_limit_reached, phone_already_registered (a verified account: nothing
// is sent; Register hides it).
func (s *Service) RegisterResident(ctx context.Context, in RegisterInput) (Account, error) {
	a, retried, err := s.register(ctx, in)
	if retried {
		return s.registeredAgain(ctx, a.Phone)
	}
	return a, err
}

// register is RegisterResident; retried says the registration was a retry
// (registrationRetryKey) answered without sending anything, a.Phone then
// the normalised number.
func (s *Service) register(ctx context.Context, in RegisterInput) (a Account, retried bool, err error) {
	if err := in.Validate(); err != nil {
		return Account{}, false, err
	}
	phone, _ := NormalizePhone(in.Phone)
	name := strings.TrimSpace(in.DisplayName)
	now := s.now()
	retryKey := registrationRetryKey(in, phone)
	retried, err = s.takeRegistrationQuota(ctx, now, phone, in.ClientAddr, retryKey)
	if err != nil || retried {
		return Account{Phone: &phone}, retried, err
	}
	acct, err := s.registerResident(ctx, phone, name, in.Password, now)
	if err != nil && !errs.HasCode(err, "phone_already_registered") {
		s.forgetRegistration(ctx, retryKey)
	}
	return acct, false, err
}

// registeredAgain answers a retried registration as the first was
// answered: the account it registered, or phone_already_registered for a
// verified number.
func (s *Service) registeredAgain(ctx context.Context, phone *string) (Account, error) {
	a, err := s.queryAccount(ctx, nil, "a.phone = $1 AND a.deleted_at IS NULL", *phone)
	if err != nil {
		return Account{}, err
	}
	if a.Verified() {
		return Account{}, errs.Conflict("phone_already_registered", "该手机号码已注册")
	}
	return a, nil
}

func (s *Service) registerResident(ctx context.Context, phone, name, password string, now time.Time) (Account, error) {
	hash, err := hashPassword(password)
	if err != nil {
		return Account{}, errs.Internal(err)
	}
	var acct Account
	taken := false
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var id int64
		var verified *time.Time
		err := tx.QueryRow(ctx, `SELECT id, verified_at FROM accounts WHERE phone = $1 FOR UPDATE`, phone).Scan(&id, &verified)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if id, err = insertAccount(ctx, tx, newAccount{role: RoleResident, phone: &phone, name: name, hash: hash, created: now}); err != nil {
				return err
			}
		case err != nil:
			return errs.Internal(err)
		case verified != nil:
			// Nothing is sent, but the request is written and queued as
			// for any number, so the work and its time are the same
			// (outside check sec3).
			taken = true
			return s.requestCode(ctx, tx, 0, PurposeVerify, now)
		default:
			if err := replaceRegistration(ctx, tx, id, name, hash, now); err != nil {
				return err
			}
		}
		// The code is issued and sent by a job after the answer
		// (SendRequestedCode), never within the request.
		if err := s.requestCode(ctx, tx, id, PurposeVerify, now); err != nil {
			return err
		}
		acct, err = s.queryAccount(ctx, tx, "a.id = $1", id)
		return err
	})
	if err == nil && taken {
		err = errs.Conflict("phone_already_registered", "该手机号码已注册")
	}
	return acct, err
}

// Validate checks every field of a registration and reports all problems
// at once (one error with a field error per problem; its code is the
// first problem's), so a form shows them together.
func (in RegisterInput) Validate() error {
	var fields []errs.FieldError
	code := ""
	add := func(err error) {
		if e, ok := errs.As(err); ok {
			if code == "" {
				code = e.Code
			}
			fields = append(fields, e.Fields...)
		}
	}
	if _, ok := NormalizePhone(in.Phone); !ok {
		add(errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）"))
	}
	add(checkPasswordRules(in.Password))
	if utf8.RuneCountInString(strings.TrimSpace(in.DisplayName)) > 64 {
		add(errs.InvalidField("display_name_too_long", "display_name", "显示名称不能超过64个字"))
	} else if strings.ContainsRune(in.DisplayName, 0) || !utf8.ValidString(in.DisplayName) {
		// Refused before the SMS limits count (the database could not
		// store it; outside check sec3).
		add(errs.InvalidField("invalid_characters", "display_name", "显示名称含有无法保存的字符"))
	}
	if len(fields) == 0 {
		return nil
	}
	return &errs.Error{Kind: errs.KindInvalid, Code: code, Message: fields[0].Message, Fields: fields}
}

// replaceRegistration gives an unverified account the new registration's
// name and password and ends whatever the earlier attempt had: its
// sessions and codes.
func replaceRegistration(ctx context.Context, tx pgx.Tx, id int64, name, hash string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2, display_name = coalesce(nullif($3, ''), pseudonym),
		created_at = $4 WHERE id = $1`, id, hash, name, now); err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL`, id, now); err != nil {
		return errs.Internal(err)
	}
	// The earlier attempt's codes end now, not when the new one is sent.
	if _, err := tx.Exec(ctx, `UPDATE phone_verifications SET consumed_at = $2 WHERE account_id = $1 AND consumed_at IS NULL`,
		id, now); err != nil {
		return errs.Internal(err)
	}
	return nil
}

func checkPasswordRules(p string) error {
	n := utf8.RuneCountInString(p)
	if n < PasswordMinLength {
		return errs.InvalidField("password_too_short", "password", fmt.Sprintf("密码至少需要%d个字符", PasswordMinLength))
	}
	if n > PasswordMaxLength {
		return errs.InvalidField("password_too_long", "password", fmt.Sprintf("密码不能超过%d个字符", PasswordMaxLength))
	}
	return nil
}

type newAccount struct {
	role     Role
	phone    *string
	email    *string
	name     string
	agencyID *int64
	hash     string
	verified *time.Time
	created  time.Time // the service's clock: the 24 hours of an unverified registration count from it
}

func insertAccount(ctx context.Context, tx pgx.Tx, a newAccount) (int64, error) {
	for attempt := 0; ; attempt++ {
		pseudonym, err := newPseudonym()
		if err != nil {
			return 0, errs.Internal(err)
		}
		name := a.name
		if name == "" {
			name = pseudonym
		}
		var id int64
		// A savepoint keeps the transaction usable when a unique violation
		// on the random pseudonym asks for another try.
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			return sp.QueryRow(ctx, `INSERT INTO accounts (role, phone, email, display_name, pseudonym, agency_id, password_hash, verified_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
				a.role, a.phone, a.email, name, pseudonym, a.agencyID, a.hash, a.verified, a.created).Scan(&id)
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			switch pgErr.ConstraintName {
			case "accounts_phone_key":
				return 0, errs.Conflict("phone_already_registered", "该手机号码已注册")
			case "accounts_email_key":
				return 0, errs.Conflict("email_already_registered", "该电子邮箱已注册")
			case "accounts_pseudonym_key":
				if attempt < 5 {
					continue
				}
			}
		}
		if err != nil {
			return 0, errs.Internal(err)
		}
		return id, nil
	}
}

// newPseudonym returns a public pseudonym such as 市民K7Q2M9XD.
func newPseudonym() (string, error) {
	// 市民 and eight digits (市民48213097): a name a person can read aloud
	// and copy, instead of a string of Latin letters (issue 17). A
	// collision is retried by insertAccount.
	n, err := rand.Int(rand.Reader, big.NewInt(90_000_000))
	if err != nil {
		return "", err
	}
	return "市民" + strconv.FormatInt(10_000_000+n.Int64(), 10), nil
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
