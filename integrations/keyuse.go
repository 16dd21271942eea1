package integrations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// KeyCall is a request authenticated by an API key, with the key's quota
// after counting it (for the RateLimit headers).
type KeyCall struct {
	KeyID          int64
	OrganisationID int64
	Scopes         []string
	// Limit is the key's quota per Window; Remaining what is left of it
	// after this request; Reset when the window ends.
	Limit     int
	Remaining int
	Window    time.Duration
	Reset     time.Duration
}

// Allows reports whether the key holds the scope.
func (c *KeyCall) Allows(scope string) bool { return c != nil && slices.Contains(c.Scopes, scope) }

// UseKey authenticates a request by its key and counts it against the
// key's quota, in one statement: the key's row holds its window, so
// concurrent requests of one key are counted one after another and a burst
// cannot pass the limit. The window is fixed: it starts at the first
// request after the previous one ended. A refused request is counted too
// (it does not reopen the window). Codes: api_key_invalid, api_key_revoked
// (401), organisation_not_verified (403), api_key_rate_limited (429, with
// the KeyCall for the headers and the wait in RetryAfter).
func (s *Service) UseKey(ctx context.Context, secret string) (*KeyCall, error) {
	now := s.now()
	c := &KeyCall{}
	var start time.Time
	var count, windowSeconds int
	err := s.DB.QueryRow(ctx, `WITH fresh AS (
			SELECT k.id, k.window_start IS NULL OR k.window_start + make_interval(secs => k.window_seconds) <= $2 AS reopen
			FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
			WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND o.status = 'verified'
		)
		UPDATE api_keys k SET
			window_start = CASE WHEN f.reopen THEN $2 ELSE k.window_start END,
			window_count = CASE WHEN f.reopen THEN 1 ELSE k.window_count + 1 END,
			last_used_at = $2
		FROM fresh f WHERE k.id = f.id
		RETURNING k.id, k.organisation_id, k.scopes, k.rate_limit, k.window_seconds, k.window_start, k.window_count`,
		hashSecret(secret), now).Scan(&c.KeyID, &c.OrganisationID, &c.Scopes, &c.Limit, &windowSeconds, &start, &count)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.whyKeyRefused(ctx, secret)
	}
	if err != nil {
		return nil, errs.Internal(err)
	}
	c.Window = time.Duration(windowSeconds) * time.Second
	c.Remaining = max(c.Limit-count, 0)
	c.Reset = max(start.Add(c.Window).Sub(now), 0)
	if count > c.Limit {
		wait := max(c.Reset, time.Second)
		return c, errs.RateLimited("api_key_rate_limited",
			fmt.Sprintf("该API密钥每%d秒最多请求%d次，请在%d秒后再试", windowSeconds, c.Limit, int((wait+time.Second-1)/time.Second)), wait)
	}
	return c, nil
}

// whyKeyRefused names why a key did not authenticate.
func (s *Service) whyKeyRefused(ctx context.Context, secret string) error {
	var revoked *time.Time
	var status string
	err := s.DB.QueryRow(ctx, `SELECT k.revoked_at, o.status FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
		WHERE k.secret_hash = $1`, hashSecret(secret)).Scan(&revoked, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return errs.Unauthenticated("api_key_invalid", "API密钥无效")
	case err != nil:
		return errs.Internal(err)
	case revoked != nil:
		return errs.Unauthenticated("api_key_revoked", "该API密钥已被撤销")
	default:
		return errs.Forbidden("organisation_not_verified", "该组织未通过核验，其API密钥不能使用")
	}
}

// KeyUse is one logged use of a key.
type KeyUse struct {
	ID         int64     `db:"id"`
	KeyID      int64     `db:"key_id"`
	At         time.Time `db:"at"`
	Operation  string    `db:"operation"`
	Method     string    `db:"method"`
	Path       string    `db:"path"`
	Status     int       `db:"status"`
	ClientAddr string    `db:"client_addr"`
}

// LogKeyUse records one request made with a key, whatever its answer.
func (s *Service) LogKeyUse(ctx context.Context, u KeyUse) error {
	if u.At.IsZero() {
		u.At = s.now()
	}
	_, err := s.DB.Exec(ctx, `INSERT INTO api_key_uses (key_id, at, operation, method, path, status, client_addr)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, u.KeyID, u.At, u.Operation, u.Method, u.Path, u.Status, u.ClientAddr)
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// LogKeyUseBySecret records a refused request whose key did not
// authenticate but exists (revoked, organisation not verified), so the
// organisation sees attempts with a revoked key.
func (s *Service) LogKeyUseBySecret(ctx context.Context, secret string, u KeyUse) error {
	if u.At.IsZero() {
		u.At = s.now()
	}
	_, err := s.DB.Exec(ctx, `INSERT INTO api_key_uses (key_id, at, operation, method, path, status, client_addr)
		SELECT id, $2, $3, $4, $5, $6, $7 FROM api_keys WHERE secret_hash = $1`,
		hashSecret(secret), u.At, u.Operation, u.Method, u.Path, u.Status, u.ClientAddr)
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// ListKeyUses returns a key's latest uses, newest first, to the
// organisation's manager or an admin. Codes: organisation_not_found,
// api_key_not_found.
func (s *Service) ListKeyUses(ctx context.Context, actor *identity.Account, orgID, keyID int64, limit int) ([]KeyUse, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return nil, err
	}
	var ok bool
	if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = $1 AND organisation_id = $2)`, keyID, orgID).Scan(&ok); err != nil {
		return nil, errs.Internal(err)
	}
	if !ok {
		return nil, errs.NotFound("api_key_not_found", "没有这个密钥")
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return pgrows.All[KeyUse](ctx, s.DB, `SELECT id, key_id, at, operation, method, path, status, client_addr FROM api_key_uses
		WHERE key_id = $1 ORDER BY id DESC LIMIT $2`, keyID, limit)
}
