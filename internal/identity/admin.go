package identity

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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

// ListAgencies returns every agency ordered by kind and code. Anyone may call it.
func (s *Service) ListAgencies(ctx context.Context) ([]Agency, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, code, name, kind, created_at FROM agencies ORDER BY kind, code`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Agency])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// GetAgencyByCode returns one agency. Codes: agency_not_found.
func (s *Service) GetAgencyByCode(ctx context.Context, code string) (Agency, error) {
	rows, _ := s.DB.Query(ctx, `SELECT id, code, name, kind, created_at FROM agencies WHERE code = $1`, code)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agency])
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, errs.NotFound("agency_not_found", "机构不存在："+code)
	}
	if err != nil {
		return Agency{}, errs.Internal(err)
	}
	return a, nil
}

// AgencyInput describes a new agency.
type AgencyInput struct {
	Code string
	Name string
	Kind AgencyKind
}

// CreateAgency adds an agency. Only admins may call it; a nil actor is the
// command line (`canyu admin create-agency`), which runs as the operator.
// Codes: invalid_agency_code, invalid_agency_name, invalid_agency_kind,
// agency_code_taken.
func (s *Service) CreateAgency(ctx context.Context, actor *Account, in AgencyInput) (Agency, error) {
	if actor != nil {
		if err := RequireRole(actor, RoleAdmin); err != nil {
			return Agency{}, err
		}
	}
	code := strings.ToLower(strings.TrimSpace(in.Code))
	if !agencyCode.MatchString(code) {
		return Agency{}, errs.InvalidField("invalid_agency_code", "code", "机构代码只能包含小写字母、数字、-和_，长度2–64")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return Agency{}, errs.InvalidField("invalid_agency_name", "name", "机构名称不能为空且不超过200字")
	}
	if !in.Kind.Valid() {
		return Agency{}, errs.InvalidField("invalid_agency_kind", "kind", "机构类型须为 government、department 或 legality_review")
	}
	rows, _ := s.DB.Query(ctx, `INSERT INTO agencies (code, name, kind) VALUES ($1, $2, $3) RETURNING id, code, name, kind, created_at`, code, name, in.Kind)
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agency])
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return Agency{}, errs.Conflict("agency_code_taken", "机构代码已存在")
	}
	if err != nil {
		return Agency{}, errs.Internal(err)
	}
	return a, nil
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

// CreateAccount creates an account of any role, verified. Only admins may
// call it; a nil actor is the command line. Codes: invalid_role,
// login_required, invalid_phone, invalid_email, display_name_required,
// agency_required, agency_not_allowed, agency_kind_mismatch,
// agency_not_found, password_too_short, phone_already_registered,
// email_already_registered.
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
	if na.name == "" || utf8.RuneCountInString(na.name) > 64 {
		return Account{}, errs.InvalidField("display_name_required", "display_name", "姓名不能为空且不超过64字")
	}
	needsAgency := in.Role == RoleAgencyStaff || in.Role == RoleReviewer || in.Role == RoleSupervisor
	switch {
	case needsAgency && in.AgencyCode == "":
		return Account{}, errs.InvalidField("agency_required", "agency", "工作人员、审查人员和监督人员账号必须属于一个机构")
	case !needsAgency && in.Role != RoleLegalAdviser && in.AgencyCode != "":
		return Account{}, errs.InvalidField("agency_not_allowed", "agency", "该角色不属于任何机构")
	}
	if in.AgencyCode != "" {
		ag, err := s.GetAgencyByCode(ctx, in.AgencyCode)
		if err != nil {
			return Account{}, err
		}
		if in.Role == RoleReviewer && ag.Kind != AgencyLegalityReview {
			return Account{}, errs.InvalidField("agency_kind_mismatch", "agency", "审查人员必须属于合法性审查部门")
		}
		if in.Role == RoleSupervisor && ag.Kind != AgencyGovernment {
			return Account{}, errs.InvalidField("agency_kind_mismatch", "agency", "监督人员必须属于一个决策机关（人民政府）")
		}
		na.agencyID = &ag.ID
	}
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
		acct, err = s.queryAccount(ctx, tx, "a.id = $1", id)
		return err
	})
	return acct, err
}

// AccountFilter narrows ListAccounts.
type AccountFilter struct {
	Role   Role
	Limit  int
	Cursor string
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
	limit := cursor.Limit(f.Limit)
	rows, err := s.DB.Query(ctx, "SELECT "+accountColumns+accountFrom+
		`WHERE a.deleted_at IS NULL AND a.id > $1 AND ($2 = '' OR a.role = $2) ORDER BY a.id LIMIT $3`, after, string(f.Role), limit+1)
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Account])
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor.Encode(out[len(out)-1].ID)
	}
	return out, next, nil
}
