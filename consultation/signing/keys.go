// Package signing keeps the signers' own signing keys (Electronic
// Signature Law Art. 13: the signature-creation data is held by the signer
// alone). A legal adviser, reviewer or head enrols the public half of an
// Ed25519 key made on their device (WebCrypto, non-extractable, kept in the
// browser's IndexedDB) or held by their API client; the enrolment counts
// once the code sent by SMS to the account's phone is entered (out of
// band); a key can be revoked and another enrolled, and what a revoked key
// signed before stays valid. The process record checks the signatures
// (record/personal.go); this package owns the keys' tables.
package signing

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Limits of enrolment.
const (
	// CodeTTL is how long an enrolment code can be entered.
	CodeTTL = 10 * time.Minute
	// CodeMaxAttempts is how many wrong codes end an enrolment.
	CodeMaxAttempts = 5
	// MaxActiveKeys is how many keys one account may hold at once (one per
	// device or client).
	MaxActiveKeys = 5
	// EnrolmentsPerDay bounds the SMS codes enrolment sends an account:
	// five in 24 hours, revoked keys included (outside check sec2:
	// enrolling and revoking a pending key sent a code each time, without
	// limit). No wait between two: a signer who revokes a key enrols its
	// replacement at once.
	EnrolmentsPerDay = 5
	// MaxLabelRunes bounds a key's label.
	MaxLabelRunes = 100
)

// Origins of a key.
const (
	OriginBrowser = "browser" // made by WebCrypto in the signer's browser
	OriginClient  = "client"  // held by the signer's API client
)

// Status of a key.
type Status string

// The statuses.
const (
	StatusPending   Status = "pending"   // enrolled, code not yet entered
	StatusActive    Status = "active"    // confirmed, signs
	StatusRevoked   Status = "revoked"   // signs nothing new
	StatusAbandoned Status = "abandoned" // never confirmed (code expired or too many wrong codes)
)

// Key is an enrolled personal signing key.
type Key struct {
	KeyID         string
	AccountID     int64
	PublicKey     ed25519.PublicKey
	Origin        string
	Label         string
	CreatedAt     time.Time
	ConfirmedAt   *time.Time
	RevokedAt     *time.Time
	RevokedReason string
	CodeExpiresAt *time.Time
	Status        Status
}

// Service enrols, lists and revokes personal signing keys.
type Service struct {
	DB *pgxpool.Pool
	// SMS sends the enrolment code (the external gateway; a fake in tests).
	SMS identity.SMSSender
	// Now is the clock (tests inject one).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// MaySign reports whether the role signs steps of the procedure: legal
// advisers (opinions), reviewers (conclusions) and the government's and
// departments' staff (heads and those who sign deliberations and reports).
func MaySign(r identity.Role) bool {
	return r == identity.RoleLegalAdviser || r == identity.RoleReviewer || r == identity.RoleAgencyStaff
}

var errKeyNotFound = errs.NotFound("signing_key_not_found", "没有找到这把签名密钥")

// ParsePublicKey reads an Ed25519 public key given as the base64 of its
// raw 32 bytes (what WebCrypto exports as "raw") or as a PEM PUBLIC KEY.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		return record.ParsePublicKeyPEM([]byte(s))
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		raw, err = base64.RawURLEncoding.DecodeString(s)
	}
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, errors.New("not a 32-byte Ed25519 public key in base64")
	}
	return ed25519.PublicKey(raw), nil
}

// EnrolInput is a key to enrol.
type EnrolInput struct {
	// PublicKey is the base64 of the raw 32-byte key, or a PEM PUBLIC KEY.
	PublicKey string
	// Origin is "browser" or "client".
	Origin string
	Label  string
}

// EnrolKey enrols the public key for the acting account and sends a code
// by SMS to the account's phone; the key signs once ConfirmKey is given the
// code. Legal advisers, reviewers and agency staff may call it. Codes:
// signing_key_role_forbidden (403), invalid_public_key, invalid_key_origin,
// label_too_long, phone_required_for_signing_key, signing_key_exists,
// too_many_signing_keys, sms_limit_reached (429: EnrolmentsPerDay),
// sms_unavailable (503).
func (s *Service) EnrolKey(ctx context.Context, actor *identity.Account, in EnrolInput) (Key, error) {
	if actor == nil || !MaySign(actor.Role) {
		return Key{}, errs.Forbidden("signing_key_role_forbidden", "只有法律顾问、审查人员和机关工作人员可以登记个人签名密钥")
	}
	pub, err := ParsePublicKey(in.PublicKey)
	if err != nil {
		return Key{}, errs.InvalidField("invalid_public_key", "public_key", "公钥须为 Ed25519 公钥（32字节的 base64 编码或 PEM 格式）")
	}
	if in.Origin != OriginBrowser && in.Origin != OriginClient {
		return Key{}, errs.InvalidField("invalid_key_origin", "origin", "密钥来源须为 browser（浏览器）或 client（接口客户端）")
	}
	label := strings.TrimSpace(in.Label)
	if utf8.RuneCountInString(label) > MaxLabelRunes {
		return Key{}, errs.InvalidField("label_too_long", "label", fmt.Sprintf("名称不能超过%d个字", MaxLabelRunes))
	}
	if actor.Phone == nil || *actor.Phone == "" {
		return Key{}, errs.Conflict("phone_required_for_signing_key", "登记签名密钥需要通过手机短信确认，请先为账号绑定手机号码")
	}
	now := s.now()
	code, err := newCode()
	if err != nil {
		return Key{}, errs.Internal(err)
	}
	k := Key{KeyID: record.KeyID(pub), AccountID: actor.ID, PublicKey: pub, Origin: in.Origin, Label: label, CreatedAt: now}
	expires := now.Add(CodeTTL)
	k.CodeExpiresAt, k.Status = &expires, StatusPending
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// One enrolment at a time per account: the account row orders them.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, actor.ID); err != nil {
			return errs.Internal(err)
		}
		var active, today int
		var firstOfDay *time.Time
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE revoked_at IS NULL AND (confirmed_at IS NOT NULL OR code_expires_at > $2)),
			min(created_at) FILTER (WHERE created_at > $3), count(*) FILTER (WHERE created_at > $3)
			FROM personal_signing_keys WHERE account_id = $1`, actor.ID, now, now.Add(-24*time.Hour)).
			Scan(&active, &firstOfDay, &today); err != nil {
			return errs.Internal(err)
		}
		if active >= MaxActiveKeys {
			return errs.Conflict("too_many_signing_keys", fmt.Sprintf("每个账号最多同时持有%d把签名密钥，请先注销不用的密钥", MaxActiveKeys))
		}
		_, err := tx.Exec(ctx, `INSERT INTO personal_signing_keys (key_id, account_id, public_key, origin, label, created_at,
			code_hash, code_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			k.KeyID, k.AccountID, []byte(pub), k.Origin, k.Label, now, codeHash(k.KeyID, code), expires)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return errs.Conflict("signing_key_exists", "这把公钥已经登记过；请在设备上生成新的密钥")
		}
		if err != nil {
			return errs.Internal(err)
		}
		if err := event(ctx, tx, k.KeyID, actor.ID, "enrolled", now, k.Origin); err != nil {
			return err
		}
		// After the key's own checks (a key enrolled twice is named as
		// such), before a code is sent; the refusal rolls the key back.
		if today >= EnrolmentsPerDay && firstOfDay != nil {
			return errs.RateLimited("sms_limit_reached", "今日登记签名密钥的次数已达上限，请明天再试", firstOfDay.Add(24*time.Hour).Sub(now))
		}
		// Sent inside the transaction: a gateway failure rolls the
		// enrolment back, and the signer simply tries again.
		if s.SMS == nil {
			return &errs.Error{Kind: errs.KindUnavailable, Code: "sms_unavailable", Message: "短信发送失败，请稍后重试",
				Err: errors.New("signing: no SMS sender configured")}
		}
		if err := s.SMS.SendVerificationCode(ctx, *actor.Phone, code); err != nil {
			return &errs.Error{Kind: errs.KindUnavailable, Code: "sms_unavailable", Message: "短信发送失败，请稍后重试", Err: err}
		}
		return nil
	})
	if err != nil {
		return Key{}, err
	}
	return k, nil
}

// ConfirmKey confirms the acting account's pending key with the code sent
// by SMS; the key then signs. Only the key's owner may call it. Codes:
// signing_key_not_found, signing_key_not_pending, signing_code_invalid,
// signing_code_expired, signing_code_attempts_exceeded (429).
func (s *Service) ConfirmKey(ctx context.Context, actor *identity.Account, keyID, code string) (Key, error) {
	if actor == nil {
		return Key{}, errKeyNotFound
	}
	now := s.now()
	var wrong bool
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var want []byte
		var expires *time.Time
		var attempts int
		var confirmed, revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT code_hash, code_expires_at, code_attempts, confirmed_at, revoked_at FROM personal_signing_keys
			WHERE key_id = $1 AND account_id = $2 FOR UPDATE`, keyID, actor.ID).Scan(&want, &expires, &attempts, &confirmed, &revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return errKeyNotFound
		}
		if err != nil {
			return errs.Internal(err)
		}
		switch {
		case confirmed != nil || revoked != nil:
			return errs.Conflict("signing_key_not_pending", "这把密钥已经确认或已经注销，无需再次确认")
		case attempts >= CodeMaxAttempts:
			return errs.RateLimited("signing_code_attempts_exceeded", "验证码错误次数过多，请重新登记密钥", 0)
		case expires == nil || !now.Before(*expires):
			return errs.Conflict("signing_code_expired", "验证码已过期，请重新登记密钥")
		}
		if subtle.ConstantTimeCompare(want, codeHash(keyID, identity.NormalizeCode(code))) != 1 {
			if _, err := tx.Exec(ctx, `UPDATE personal_signing_keys SET code_attempts = code_attempts + 1 WHERE key_id = $1`, keyID); err != nil {
				return errs.Internal(err)
			}
			wrong = true
			return nil // commit the counted attempt
		}
		if _, err := tx.Exec(ctx, `UPDATE personal_signing_keys SET confirmed_at = $2, code_hash = NULL WHERE key_id = $1`, keyID, now); err != nil {
			return errs.Internal(err)
		}
		return event(ctx, tx, keyID, actor.ID, "confirmed", now, "sms")
	})
	if err != nil {
		return Key{}, err
	}
	if wrong {
		return Key{}, errs.InvalidField("signing_code_invalid", "code", "验证码不正确，请检查短信后重试")
	}
	return s.getKey(ctx, s.DB, actor.ID, keyID)
}

// ListKeys lists the acting account's keys, newest first. Any signed-in
// account may call it. Codes: none beyond authentication.
func (s *Service) ListKeys(ctx context.Context, actor *identity.Account) ([]Key, error) {
	if actor == nil {
		return []Key{}, nil
	}
	return s.queryKeys(ctx, s.DB, `WHERE account_id = $1 ORDER BY created_at DESC, key_id`, actor.ID)
}

// RevokeKey revokes one of the acting account's keys: it signs nothing
// from now on, and what it signed stays valid. Only the owner may call it.
// Codes: signing_key_not_found, signing_key_already_revoked, reason_too_long.
func (s *Service) RevokeKey(ctx context.Context, actor *identity.Account, keyID, reason string) (Key, error) {
	if actor == nil {
		return Key{}, errKeyNotFound
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > MaxLabelRunes {
		return Key{}, errs.InvalidField("reason_too_long", "reason", fmt.Sprintf("注销原因不能超过%d个字", MaxLabelRunes))
	}
	now := s.now()
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var revoked *time.Time
		err := tx.QueryRow(ctx, `SELECT revoked_at FROM personal_signing_keys WHERE key_id = $1 AND account_id = $2 FOR UPDATE`,
			keyID, actor.ID).Scan(&revoked)
		if errors.Is(err, pgx.ErrNoRows) {
			return errKeyNotFound
		}
		if err != nil {
			return errs.Internal(err)
		}
		if revoked != nil {
			return errs.Conflict("signing_key_already_revoked", "这把密钥已经注销")
		}
		if _, err := tx.Exec(ctx, `UPDATE personal_signing_keys SET revoked_at = $2, revoked_reason = $3, code_hash = NULL
			WHERE key_id = $1`, keyID, now, reason); err != nil {
			return errs.Internal(err)
		}
		return event(ctx, tx, keyID, actor.ID, "revoked", now, reason)
	})
	if err != nil {
		return Key{}, err
	}
	return s.getKey(ctx, s.DB, actor.ID, keyID)
}

// SigningKey returns the acting account's key to sign with at now, inside
// the signing step's transaction (its row is locked, so a revocation
// cannot commit between the check and the signature). Codes:
// signing_key_not_found, signing_key_not_confirmed, signing_key_revoked.
func SigningKey(ctx context.Context, tx pgx.Tx, accountID int64, keyID string, now time.Time) (record.PersonalKey, error) {
	var k record.PersonalKey
	var raw []byte
	err := tx.QueryRow(ctx, `SELECT key_id, account_id, public_key, origin, confirmed_at, revoked_at FROM personal_signing_keys
		WHERE key_id = $1 AND account_id = $2 FOR SHARE`, keyID, accountID).Scan(&k.KeyID, &k.AccountID, &raw, &k.Origin, &k.ConfirmedAt, &k.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return k, errs.InvalidField("signing_key_not_found", "signing_key_id", "没有找到您登记的这把签名密钥")
	}
	if err != nil {
		return k, errs.Internal(err)
	}
	k.PublicKey = ed25519.PublicKey(raw)
	switch {
	case k.RevokedAt != nil:
		return k, errs.Forbidden("signing_key_revoked", "这把签名密钥已经注销，不能再签署；请登记新的密钥，或以密码签署")
	case k.ConfirmedAt == nil || k.ConfirmedAt.After(now):
		return k, errs.Forbidden("signing_key_not_confirmed", "这把签名密钥尚未通过短信验证码确认，还不能签署")
	}
	return k, nil
}

func (s *Service) getKey(ctx context.Context, q record.Querier, accountID int64, keyID string) (Key, error) {
	keys, err := s.queryKeys(ctx, q, `WHERE account_id = $1 AND key_id = $2`, accountID, keyID)
	if err != nil {
		return Key{}, err
	}
	if len(keys) == 0 {
		return Key{}, errKeyNotFound
	}
	return keys[0], nil
}

func (s *Service) queryKeys(ctx context.Context, q record.Querier, where string, args ...any) ([]Key, error) {
	rows, err := q.Query(ctx, `SELECT key_id, account_id, public_key, origin, label, created_at, confirmed_at, revoked_at, revoked_reason,
		code_expires_at, code_attempts FROM personal_signing_keys `+where, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	now := s.now()
	out := []Key{}
	var k Key
	var raw []byte
	var attempts int
	if _, err := pgx.ForEachRow(rows, []any{&k.KeyID, &k.AccountID, &raw, &k.Origin, &k.Label, &k.CreatedAt, &k.ConfirmedAt,
		&k.RevokedAt, &k.RevokedReason, &k.CodeExpiresAt, &attempts}, func() error {
		k.PublicKey = append(ed25519.PublicKey(nil), raw...)
		switch {
		case k.RevokedAt != nil:
			k.Status = StatusRevoked
		case k.ConfirmedAt != nil:
			k.Status = StatusActive
		case k.CodeExpiresAt != nil && now.Before(*k.CodeExpiresAt) && attempts < CodeMaxAttempts:
			k.Status = StatusPending
		default:
			k.Status = StatusAbandoned
		}
		out = append(out, k)
		k = Key{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

func event(ctx context.Context, tx pgx.Tx, keyID string, accountID int64, kind string, at time.Time, detail string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO personal_signing_key_events (key_id, account_id, kind, at, detail) VALUES ($1, $2, $3, $4, $5)`,
		keyID, accountID, kind, at, detail); err != nil {
		return errs.Internal(err)
	}
	return nil
}

func codeHash(keyID, code string) []byte {
	h := sha256.Sum256([]byte("canyu-signing-key:" + keyID + ":" + code))
	return h[:]
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// readKeys is the record's reader of personal keys (verification and the
// archive).
func readKeys(ctx context.Context, q record.Querier, keyIDs []string) (map[string]record.PersonalKey, error) {
	rows, err := q.Query(ctx, `SELECT key_id, account_id, public_key, origin, confirmed_at, revoked_at FROM personal_signing_keys
		WHERE key_id = ANY($1::text[])`, keyIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]record.PersonalKey{}
	var k record.PersonalKey
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&k.KeyID, &k.AccountID, &raw, &k.Origin, &k.ConfirmedAt, &k.RevokedAt}, func() error {
		k.PublicKey = append(ed25519.PublicKey(nil), raw...)
		if k.ConfirmedAt != nil {
			t := k.ConfirmedAt.UTC()
			k.ConfirmedAt = &t
		}
		if k.RevokedAt != nil {
			t := k.RevokedAt.UTC()
			k.RevokedAt = &t
		}
		out[k.KeyID] = k
		k = record.PersonalKey{}
		return nil
	})
	return out, err
}

func init() { record.RegisterPersonalKeys(readKeys) }
