package integrations

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The scopes of an API key.
const (
	// ScopeRead reads everything public (every public operation).
	ScopeRead = "read"
	// ScopeSubmitComments submits comments on the organisation's own behalf.
	ScopeSubmitComments = "submit_comments"
)

// Scopes are the scopes a key may hold.
var Scopes = []string{ScopeRead, ScopeSubmitComments}

// KeyPrefix starts every API key, so that the API tells a key from a
// session token and a leaked key is easy to find in logs and code.
const KeyPrefix = "cyk_"

// Rate limits of a key: requests per window. DefaultRateLimit applies when
// a key is created without one; MaxRateLimit bounds what an organisation
// may ask for itself, all its keys not revoked together (about a fifth of what the service answers at once on
// 2 cores, BENCHMARKS.md).
const (
	DefaultRateLimit = 120
	MaxRateLimit     = 1200
	RateWindow       = time.Minute
)

// APIKey is a key as listed: never its secret.
type APIKey struct {
	ID             int64      `db:"id"`
	OrganisationID int64      `db:"organisation_id"`
	Name           string     `db:"name"`
	Prefix         string     `db:"prefix"`
	Scopes         []string   `db:"scopes"`
	RateLimit      int        `db:"rate_limit"`
	WindowSeconds  int        `db:"window_seconds"`
	CreatedAt      time.Time  `db:"created_at"`
	LastUsedAt     *time.Time `db:"last_used_at"`
	RevokedAt      *time.Time `db:"revoked_at"`
}

// APIKeyInput creates a key.
type APIKeyInput struct {
	Name      string
	Scopes    []string
	RateLimit int // per minute; 0: DefaultRateLimit
}

// NewAPIKey is a key just created: Secret is shown this once.
type NewAPIKey struct {
	APIKey
	Secret string
}

const keyColumns = `id, organisation_id, name, prefix, scopes, rate_limit, window_seconds, created_at, last_used_at, revoked_at`

// hashSecret is how a key's secret is kept.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// newSecret draws a key: the prefix and 256 random bits in base32.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return KeyPrefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// manageable returns the organisation when actor manages it (its managing
// account; an admin only reads). Codes: organisation_not_found.
func (s *Service) manageable(ctx context.Context, actor *identity.Account, orgID int64) (Organisation, error) {
	if actor == nil {
		return Organisation{}, identity.RequireRole(nil)
	}
	o, err := s.organisation(ctx, orgID)
	if err != nil {
		return Organisation{}, err
	}
	if !canManage(actor, o) {
		return Organisation{}, errs.NotFound("organisation_not_found", "没有这个组织")
	}
	return o, nil
}

// CreateAPIKey creates a key for a verified organisation; the answer holds
// its secret, which is never shown again. The organisation's manager only.
// Codes: organisation_not_found, organisation_not_verified,
// organisation_rate_limit_exceeded (409: the keys not revoked would
// together exceed MaxRateLimit), invalid_key_name, invalid_scope,
// invalid_rate_limit.
func (s *Service) CreateAPIKey(ctx context.Context, actor *identity.Account, orgID int64, in APIKeyInput) (NewAPIKey, error) {
	o, err := s.manageable(ctx, actor, orgID)
	if err != nil {
		return NewAPIKey{}, err
	}
	if o.Status != OrganisationVerified {
		return NewAPIKey{}, errs.Conflict("organisation_not_verified", "组织通过管理员核验后才能创建API密钥")
	}
	in.Name = strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(in.Name); n < 1 || n > 60 {
		return NewAPIKey{}, errs.InvalidField("invalid_key_name", "name", "请为密钥起一个1到60个字的名称，例如用途")
	}
	scopes := []string{}
	for _, sc := range in.Scopes {
		if !slices.Contains(Scopes, sc) {
			return NewAPIKey{}, errs.InvalidField("invalid_scope", "scopes", "权限只能是读取公开数据或以本组织名义提交意见")
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(scopes) == 0 {
		return NewAPIKey{}, errs.InvalidField("invalid_scope", "scopes", "请至少选择一项权限")
	}
	if in.RateLimit == 0 {
		in.RateLimit = DefaultRateLimit
	}
	if in.RateLimit < 1 || in.RateLimit > MaxRateLimit {
		return NewAPIKey{}, errs.InvalidField("invalid_rate_limit", "rate_limit", "每分钟请求上限应在1到1200之间")
	}
	secret := newSecret()
	var k APIKey
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// MaxRateLimit bounds the organisation, not each key (outside
		// check sec2: ten keys at 1,200 a minute each made 12,000). The
		// organisation's row orders two creations at once.
		var inUse int
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT sum(rate_limit) FROM api_keys WHERE organisation_id = o.id AND revoked_at IS NULL), 0)
			FROM organisations o WHERE o.id = $1 FOR UPDATE`, o.ID).Scan(&inUse); err != nil {
			return errs.Internal(err)
		}
		if inUse+in.RateLimit > MaxRateLimit {
			return errs.Conflict("organisation_rate_limit_exceeded", fmt.Sprintf("本组织未撤销的API密钥每分钟请求上限合计不能超过%d次，"+
				"现有密钥已占%d次；请撤销不用的密钥，或为新密钥设定不超过%d次的上限", MaxRateLimit, inUse, max(MaxRateLimit-inUse, 0)))
		}
		rows, err := tx.Query(ctx, `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, scopes, rate_limit, window_seconds,
				created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+keyColumns,
			o.ID, in.Name, secret[:len(KeyPrefix)+8], hashSecret(secret), scopes, in.RateLimit, int(RateWindow/time.Second), actor.ID, s.now())
		if err != nil {
			return errs.Internal(err)
		}
		if k, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[APIKey]); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	if err != nil {
		return NewAPIKey{}, err
	}
	return NewAPIKey{APIKey: k, Secret: secret}, nil
}

// ListAPIKeys lists an organisation's keys, revoked ones included, newest
// first: to its manager, and to an admin. Codes: organisation_not_found.
func (s *Service) ListAPIKeys(ctx context.Context, actor *identity.Account, orgID int64) ([]APIKey, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return nil, err
	}
	return pgrows.All[APIKey](ctx, s.DB, `SELECT `+keyColumns+` FROM api_keys WHERE organisation_id = $1 ORDER BY id DESC`, orgID)
}

// RevokeAPIKey stops a key at once; revoking twice is harmless. The
// organisation's manager or an admin. Codes: api_key_not_found.
func (s *Service) RevokeAPIKey(ctx context.Context, actor *identity.Account, orgID, keyID int64) (APIKey, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return APIKey{}, err
	}
	return pgrows.One[APIKey](ctx, s.DB, errs.NotFound("api_key_not_found", "没有这个密钥"), `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3), revoked_by = coalesce(revoked_by, $4)
		WHERE id = $2 AND organisation_id = $1 RETURNING `+keyColumns, orgID, keyID, s.now(), actor.ID)
}
