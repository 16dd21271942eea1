package identity

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
)

// RequireRole returns forbidden unless the actor has one of the roles.
// A nil actor is unauthenticated.
func RequireRole(actor *Account, roles ...Role) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !actor.HasRole(roles...) {
		return errs.Forbidden("forbidden_role", "当前账号的角色无权执行此操作")
	}
	return nil
}

// AccountInput describes an account an admin creates.
type AccountInput struct {
	Role        Role
	Phone       string
	Email       string
	DisplayName string
	AgencyCode  string
	Password    string
}

// roleAgency checks that a role and an agency code fit together (staff,
// reviewers and supervisors belong to an agency of the right kind; others
// to none, advisers optionally) and returns the agency's id.
func (s *Service) roleAgency(ctx context.Context, role Role, code string) (*int64, error) {
	if !role.Valid() {
		return nil, errs.InvalidField("invalid_role", "role", "角色无效")
	}
	needsAgency := role == RoleAgencyStaff || role == RoleReviewer || role == RoleSupervisor
	switch {
	case needsAgency && code == "":
		return nil, errs.InvalidField("agency_required", "agency", "工作人员、审查人员和监督人员账号必须属于一个机构")
	case !needsAgency && role != RoleLegalAdviser && code != "":
		return nil, errs.InvalidField("agency_not_allowed", "agency", "该角色不属于任何机构")
	case code == "":
		return nil, nil
	}
	ag, err := s.GetAgencyByCode(ctx, code)
	if errs.HasCode(err, "agency_not_found") {
		return nil, errs.InvalidField("agency_not_found", "agency", "机构不存在："+code)
	}
	if err != nil {
		return nil, err
	}
	if role == RoleReviewer && ag.Kind != AgencyLegalityReview {
		return nil, errs.InvalidField("agency_kind_mismatch", "agency", "审查人员必须属于合法性审查部门")
	}
	if role == RoleSupervisor && ag.Kind != AgencyGovernment {
		return nil, errs.InvalidField("agency_kind_mismatch", "agency", "监督人员必须属于一个决策机关（人民政府）")
	}
	return &ag.ID, nil
}

func checkDisplayName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return errs.InvalidField("display_name_required", "display_name", "姓名不能为空且不超过64字")
	}
	return nil
}

// CreateAccount creates an account of any role, verified. Only admins may
// call it; a nil actor is the command line. The creation is audited.
// Codes: invalid_role, login_required, invalid_phone, invalid_email,
// display_name_required, agency_required, agency_not_allowed,
// agency_kind_mismatch, agency_not_found, password_too_short,
// phone_already_registered, email_already_registered.
func (s *Service) CreateAccount(ctx context.Context, actor *Account, in AccountInput) (Account, error) {
	if actor != nil {
		if err := RequireRole(actor, RoleAdmin); err != nil {
			return Account{}, err
		}
	}
	if !in.Role.Valid() {
		return Account{}, errs.InvalidField("invalid_role", "role", "角色无效")
	}
	na := newAccount{role: in.Role}
	if in.Phone == "" && in.Email == "" {
		return Account{}, errs.InvalidField("login_required", "phone", "手机号码和电子邮箱至少填写一项")
	}
	if in.Phone != "" {
		p, ok := NormalizePhone(in.Phone)
		if !ok {
			return Account{}, errs.InvalidField("invalid_phone", "phone", "请输入有效的中国大陆手机号码（11位，以1开头）")
		}
		na.phone = &p
	}
	if in.Email != "" {
		e, ok := NormalizeEmail(in.Email)
		if !ok {
			return Account{}, errs.InvalidField("invalid_email", "email", "电子邮箱格式不正确")
		}
		na.email = &e
	}
	na.name = strings.TrimSpace(in.DisplayName)
	if err := checkDisplayName(na.name); err != nil {
		return Account{}, err
	}
	agencyID, err := s.roleAgency(ctx, in.Role, strings.TrimSpace(in.AgencyCode))
	if err != nil {
		return Account{}, err
	}
	na.agencyID = agencyID
	if err := checkPasswordRules(in.Password); err != nil {
		return Account{}, err
	}
	hash, err := hashPassword(in.Password)
	if err != nil {
		return Account{}, errs.Internal(err)
	}
	na.hash = hash
	now := s.now()
	na.verified = &now // accounts an admin creates count as verified
	na.created = now
	var acct Account
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		id, err := insertAccount(ctx, tx, na)
		if err != nil {
			return err
		}
		if acct, err = s.queryAccount(ctx, tx, "a.id = $1", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: "create-account", TargetKind: "account", TargetID: id,
			TargetName: acct.DisplayName, Detail: map[string]any{"role": acct.Role, "agency": acct.AgencyCode}})
	})
	return acct, err
}

// AccountFilter narrows ListAccounts.
type AccountFilter struct {
	Role Role
	// Query finds accounts by a part of the name or e-mail, or by the whole
	// phone number.
	Query      string
	AgencyCode string
	Limit      int
	Cursor     string
}

// likePattern escapes a search text for ILIKE.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(q) + "%"
}

// ListAccounts lists accounts by id. Only admins may call it. Codes:
// invalid_role, invalid_cursor.
func (s *Service) ListAccounts(ctx context.Context, actor *Account, f AccountFilter) ([]Account, string, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return nil, "", err
	}
	if f.Role != "" && !f.Role.Valid() {
		return nil, "", errs.InvalidField("invalid_role", "role", "角色无效")
	}
	after, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := strings.TrimSpace(f.Query)
	phone, _ := NormalizePhone(q)
	limit := cursor.Limit(f.Limit)
	rows, err := s.DB.Query(ctx, "SELECT "+accountColumns+accountFrom+
		`WHERE a.deleted_at IS NULL AND a.id > $1 AND ($2 = '' OR a.role = $2)
		   AND ($3 = '' OR a.display_name ILIKE $4 OR a.email ILIKE $4 OR a.phone = $5)
		   AND ($6 = '' OR ag.code = $6)
		 ORDER BY a.id LIMIT $7`, after, string(f.Role), q, likePattern(q), phone, strings.TrimSpace(f.AgencyCode), limit+1)
	return cursor.Collect(rows, err, limit, pgx.RowToStructByName[Account], func(v Account) int64 { return v.ID })
}

// GetAccountAsAdmin returns any account, disabled ones included. Only
// admins may call it. Codes: forbidden_role, account_not_found.
func (s *Service) GetAccountAsAdmin(ctx context.Context, actor *Account, id int64) (Account, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return Account{}, err
	}
	return s.GetAccount(ctx, id)
}

// AccountUpdate is what an admin changes of an account; nil fields stay.
type AccountUpdate struct {
	Role        *Role
	AgencyCode  *string
	DisplayName *string
}

// UpdateAccount changes an account's role, agency and name. Role and agency
// are checked together as at creation; an admin cannot take the admin
// role from themselves (nobody would be left to give it back). Only admins
// may call it; the change is audited. Codes: forbidden_role,
// account_not_found, invalid_role, agency_required, agency_not_allowed,
// agency_kind_mismatch, agency_not_found, display_name_required,
// cannot_change_own_role.
func (s *Service) UpdateAccount(ctx context.Context, actor *Account, id int64, in AccountUpdate) (Account, error) {
	old, err := s.GetAccountAsAdmin(ctx, actor, id)
	if err != nil {
		return Account{}, err
	}
	role, name, code := old.Role, old.DisplayName, ""
	if old.AgencyCode != nil {
		code = *old.AgencyCode
	}
	if in.Role != nil {
		role = *in.Role
	}
	if in.AgencyCode != nil {
		code = strings.TrimSpace(*in.AgencyCode)
	}
	if in.DisplayName != nil {
		name = strings.TrimSpace(*in.DisplayName)
		if err := checkDisplayName(name); err != nil {
			return Account{}, err
		}
	}
	if id == actor.ID && role != RoleAdmin {
		return Account{}, errs.InvalidField("cannot_change_own_role", "role", "不能取消自己的管理员角色，请由另一名管理员操作")
	}
	if in.Role != nil && in.AgencyCode == nil && !(role == RoleAgencyStaff || role == RoleReviewer || role == RoleSupervisor || role == RoleLegalAdviser) {
		code = "" // a role without an agency drops the old one
	}
	agencyID, err := s.roleAgency(ctx, role, code)
	if err != nil {
		return Account{}, err
	}
	var out Account
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockActingAdmin(ctx, tx, actor, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET role = $2, agency_id = $3, display_name = $4 WHERE id = $1 AND deleted_at IS NULL`,
			id, role, agencyID, name)
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.NotFound("account_not_found", "账号不存在")
		}
		if out, err = s.queryAccount(ctx, tx, "a.id = $1", id); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: "update-account", TargetKind: "account", TargetID: id, TargetName: name,
			Detail: map[string]any{"before": map[string]any{"role": old.Role, "agency": old.AgencyCode, "display_name": old.DisplayName},
				"after": map[string]any{"role": out.Role, "agency": out.AgencyCode, "display_name": out.DisplayName}}})
	})
	return out, err
}

// lockActingAdmin locks the acting admin's and the target's accounts (in id
// order, so that two admins acting on each other wait instead of
// deadlocking) and checks that the actor is still an enabled admin. The
// actor was read when the request was authenticated: two admins taking
// the role from each other, or disabling each other, at the same moment
// would otherwise both succeed and leave no admin. Since an admin cannot
// act on their own account, an enabled admin remains. Codes: forbidden_role.
func lockActingAdmin(ctx context.Context, tx pgx.Tx, actor *Account, target int64) error {
	if actor == nil {
		return nil // the command line
	}
	rows, err := tx.Query(ctx, `SELECT id, role = 'admin' AND disabled_at IS NULL AND deleted_at IS NULL
		FROM accounts WHERE id IN ($1, $2) ORDER BY id FOR UPDATE`, actor.ID, target)
	if err != nil {
		return errs.Internal(err)
	}
	ok := false
	var id int64
	var admin bool
	if _, err := pgx.ForEachRow(rows, []any{&id, &admin}, func() error {
		ok = ok || (id == actor.ID && admin)
		return nil
	}); err != nil {
		return errs.Internal(err)
	}
	if !ok {
		return errs.Forbidden("forbidden_role", "当前账号的角色无权执行此操作")
	}
	return nil
}

// revokeSessions ends every session of an account except the one whose
// token hash is keep (nil: all).
func revokeSessions(ctx context.Context, q execer, accountID int64, keep []byte, now time.Time) error {
	if _, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL
		AND ($3::bytea IS NULL OR token_hash <> $3)`, accountID, now, keep); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// DisableAccount stops an account from signing in and revokes all its
// sessions at once; nothing it wrote changes. Disabling a disabled account
// changes nothing. An admin cannot disable themselves. Only admins may
// call it; the action is audited with the reason. Codes: forbidden_role,
// account_not_found, cannot_disable_self, reason_too_long.
func (s *Service) DisableAccount(ctx context.Context, actor *Account, id int64, reason string) (Account, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return Account{}, err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return Account{}, errs.InvalidField("reason_too_long", "reason", "停用原因不能超过500字")
	}
	if id == actor.ID {
		return Account{}, errs.Invalid("cannot_disable_self", "不能停用自己的账号")
	}
	return s.setDisabled(ctx, actor, id, true, reason)
}

// EnableAccount lets a disabled account sign in again (its old sessions
// stay revoked). Only admins may call it; audited. Codes: forbidden_role,
// account_not_found.
func (s *Service) EnableAccount(ctx context.Context, actor *Account, id int64) (Account, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return Account{}, err
	}
	return s.setDisabled(ctx, actor, id, false, "")
}

func (s *Service) setDisabled(ctx context.Context, actor *Account, id int64, disable bool, reason string) (Account, error) {
	now := s.now()
	var out Account
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockActingAdmin(ctx, tx, actor, id); err != nil {
			return err
		}
		var at *time.Time
		if disable {
			at = &now
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET disabled_at = $2 WHERE id = $1 AND deleted_at IS NULL
			AND (disabled_at IS NULL) = $3`, id, at, disable)
		if err != nil {
			return errs.Internal(err)
		}
		if out, err = s.queryAccount(ctx, tx, "a.id = $1", id); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // already so
		}
		action := "enable-account"
		detail := map[string]any{}
		if disable {
			action = "disable-account"
			detail["reason"] = reason
			if err := revokeSessions(ctx, tx, id, nil, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: action, TargetKind: "account", TargetID: id,
			TargetName: out.DisplayName, Detail: detail})
	})
	return out, err
}

// ResetAccountPassword sets a new password for a staff account (any role
// but resident) and revokes all its sessions, so whoever held the old
// password is out. Residents reset their own by SMS code
// (RequestPasswordReset); an admin changes their own with ChangePassword.
// Only admins may call it; audited (without the password). Codes:
// forbidden_role, account_not_found, resident_resets_by_sms,
// use_change_password, password_too_short, password_too_long.
func (s *Service) ResetAccountPassword(ctx context.Context, actor *Account, id int64, password string) (Account, error) {
	target, err := s.GetAccountAsAdmin(ctx, actor, id)
	if err != nil {
		return Account{}, err
	}
	if target.Role == RoleResident {
		return Account{}, errs.Invalid("resident_resets_by_sms", "居民通过短信验证码自行重置密码，管理员不能代为设置")
	}
	if id == actor.ID {
		return Account{}, errs.Invalid("use_change_password", "请在“修改密码”页面修改自己的密码")
	}
	if err := checkPasswordRules(password); err != nil {
		return Account{}, err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return Account{}, errs.Internal(err)
	}
	now := s.now()
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := setPassword(ctx, tx, id, hash, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: "reset-account-password", TargetKind: "account", TargetID: id,
			TargetName: target.DisplayName})
	})
	if err != nil {
		return Account{}, err
	}
	return s.GetAccount(ctx, id)
}

// setPassword stores a new password hash, revokes every session and
// forgets the account's re-entry counter.
func setPassword(ctx context.Context, tx pgx.Tx, id int64, hash string, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, id, hash); err != nil {
		return errs.Internal(err)
	}
	if err := revokeSessions(ctx, tx, id, nil, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, "reauth:"+strconv.FormatInt(id, 10)); err != nil {
		return errs.Internal(err)
	}
	return nil
}
