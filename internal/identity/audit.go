package identity

import (
	"context"
	"encoding/json"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The admin audit log: every action of an administrator (who, what, when,
// on which object) in one append-only table; a trigger refuses updates,
// deletes and truncation whoever asks (migration 00080).

// AdminAction is one admin action to record. Action is the operation's
// kebab-case name (create-agency, disable-account); Detail says what
// changed, never a password or a code.
type AdminAction struct {
	Action     string
	TargetKind string // agency, account, legal_adviser, workday_calendar, composition, …
	TargetID   int64  // 0: none
	TargetName string
	Detail     map[string]any
}

// AuditEntry is one recorded admin action.
type AuditEntry struct {
	ID int64 `db:"id"`
	// ActorID is the admin; nil for the operator on the command line.
	ActorID    *int64         `db:"actor_id"`
	ActorName  *string        `db:"actor_name"`
	Action     string         `db:"action"`
	TargetKind string         `db:"target_kind"`
	TargetID   *int64         `db:"target_id"`
	TargetName string         `db:"target_name"`
	Detail     map[string]any `db:"detail"`
	CreatedAt  time.Time      `db:"created_at"`
}

var auditAction = regexp.MustCompile(`^[a-z][a-z_-]{1,63}$`)

// audit appends an entry inside the caller's transaction, so the action and
// its record commit together. A nil actor is the command line.
func (s *Service) audit(ctx context.Context, q execer, actor *Account, a AdminAction) error {
	if !auditAction.MatchString(a.Action) {
		return errs.Internal(errInvalidAuditAction)
	}
	var actorID, target *int64
	if actor != nil {
		actorID = &actor.ID
	}
	if a.TargetID != 0 {
		target = &a.TargetID
	}
	detail := a.Detail
	if detail == nil {
		detail = map[string]any{}
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return errs.Internal(err)
	}
	if _, err := q.Exec(ctx, `INSERT INTO admin_audit_log (actor_id, action, target_kind, target_id, target_name, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, actorID, a.Action, a.TargetKind, target, a.TargetName, raw, s.now()); err != nil {
		return errs.Internal(err)
	}
	return nil
}

type auditError string

func (e auditError) Error() string { return string(e) }

const errInvalidAuditAction = auditError("identity: invalid audit action name")

// RecordAdminActionTx appends an admin action that another package carries
// out (a calendar upload, a meeting composition) inside its transaction,
// so the action and its audit entry commit together or not at all. Only admins' actions are recorded.
func (s *Service) RecordAdminActionTx(ctx context.Context, tx pgx.Tx, actor *Account, a AdminAction) error {
	if actor == nil || actor.Role != RoleAdmin {
		return nil
	}
	return s.audit(ctx, tx, actor, a)
}

// AuditFilter narrows ListAdminAuditLog.
type AuditFilter struct {
	Action     string
	TargetKind string
	// TargetKinds, when set, keeps entries on any of these kinds (an
	// account's own log: the account and its roster profile).
	TargetKinds []string
	TargetID    int64
	ActorID     int64
	Limit       int
	Cursor      string
}

// ListAdminAuditLog lists recorded admin actions, newest first. Only admins
// may call it. Codes: forbidden_role, invalid_cursor.
func (s *Service) ListAdminAuditLog(ctx context.Context, actor *Account, f AuditFilter) ([]AuditEntry, string, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return nil, "", err
	}
	before, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if before == 0 {
		before = 1<<63 - 1
	}
	limit := cursor.Limit(f.Limit)
	rows, err := s.DB.Query(ctx, `SELECT l.id, l.actor_id, a.display_name AS actor_name, l.action, l.target_kind, l.target_id,
			l.target_name, l.detail, l.created_at
		FROM admin_audit_log l LEFT JOIN accounts a ON a.id = l.actor_id
		WHERE l.id < $1 AND ($2 = '' OR l.action = $2) AND ($3 = '' OR l.target_kind = $3)
		  AND ($4 = 0 OR l.target_id = $4) AND ($5 = 0 OR l.actor_id = $5)
		  AND (coalesce(cardinality($7::text[]), 0) = 0 OR l.target_kind = ANY($7))
		ORDER BY l.id DESC LIMIT $6`, before, f.Action, f.TargetKind, f.TargetID, f.ActorID, limit+1, f.TargetKinds)
	return cursor.Collect(rows, err, limit, pgx.RowToStructByName[AuditEntry], func(v AuditEntry) int64 { return v.ID })
}
