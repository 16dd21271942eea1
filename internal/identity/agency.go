package identity

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Agencies and their hierarchy: a department (承办单位) and the
// legality-review department belong to the decision body above them
// (人民政府); a township government may belong to its city's. Departments
// are decision bodies too (Decree 713 Art. 42), so the hierarchy is for
// finding one's way, not a rule of who decides.

const agencyColumns = `id, code, name, kind, parent_id, created_at`

// ListAgencies returns every agency ordered by kind and code. Anyone may call it.
func (s *Service) ListAgencies(ctx context.Context) ([]Agency, error) {
	return pgrows.All[Agency](ctx, s.DB, `SELECT `+agencyColumns+` FROM agencies ORDER BY kind, code`)
}

func (s *Service) queryAgency(ctx context.Context, q pgx.Tx, where string, arg any, what string) (Agency, error) {
	sql := `SELECT ` + agencyColumns + ` FROM agencies WHERE ` + where
	var rows pgx.Rows
	var err error
	if q != nil {
		rows, err = q.Query(ctx, sql, arg)
	} else {
		rows, err = s.DB.Query(ctx, sql, arg)
	}
	if err != nil {
		return Agency{}, errs.Internal(err)
	}
	a, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agency])
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, errs.NotFound("agency_not_found", "机构不存在："+what)
	}
	if err != nil {
		return Agency{}, errs.Internal(err)
	}
	return a, nil
}

// GetAgencyByCode returns one agency. Codes: agency_not_found.
func (s *Service) GetAgencyByCode(ctx context.Context, code string) (Agency, error) {
	return s.queryAgency(ctx, nil, "code = $1", code, code)
}

// GetAgency returns one agency by id. Codes: agency_not_found.
func (s *Service) GetAgency(ctx context.Context, id int64) (Agency, error) {
	return s.queryAgency(ctx, nil, "id = $1", id, "")
}

// AgencyInput describes a new agency.
type AgencyInput struct {
	Code string
	Name string
	Kind AgencyKind
	// ParentCode is the code of the government the agency belongs to;
	// empty for a top-level body.
	ParentCode string
}

func checkAgencyFields(name string, kind AgencyKind) error {
	if name == "" || utf8.RuneCountInString(name) > 200 {
		return errs.InvalidField("invalid_agency_name", "name", "机构名称不能为空且不超过200字")
	}
	if !kind.Valid() {
		return errs.InvalidField("invalid_agency_kind", "kind", "请选择机构类型：人民政府（决策机关）、部门（承办单位）或合法性审查部门")
	}
	return nil
}

// parentOf resolves the parent's code inside tx: it must be a government
// and must not be the agency itself or below it. An empty code is no parent.
func (s *Service) parentOf(ctx context.Context, tx pgx.Tx, code string, self int64) (*int64, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		return nil, nil
	}
	p, err := s.queryAgency(ctx, tx, "code = $1", code, code)
	if errs.HasCode(err, "agency_not_found") {
		return nil, errs.InvalidField("agency_parent_not_found", "parent", "上级机关不存在："+code)
	}
	if err != nil {
		return nil, err
	}
	if p.Kind != AgencyGovernment {
		return nil, errs.InvalidField("agency_parent_not_government", "parent", "上级机关必须是人民政府（决策机关）")
	}
	if self != 0 {
		var cycle bool
		err := tx.QueryRow(ctx, `WITH RECURSIVE up(id, parent_id) AS (
				SELECT id, parent_id FROM agencies WHERE id = $1
				UNION SELECT a.id, a.parent_id FROM agencies a JOIN up ON a.id = up.parent_id)
			SELECT EXISTS (SELECT 1 FROM up WHERE id = $2)`, p.ID, self).Scan(&cycle)
		if err != nil {
			return nil, errs.Internal(err)
		}
		if cycle {
			return nil, errs.InvalidField("agency_parent_cycle", "parent", "上级机关不能是本机构或其下级机构")
		}
	}
	return &p.ID, nil
}

// CreateAgency adds an agency. Only admins may call it; a nil actor is the
// command line (`canyu admin create-agency`), which runs as the operator.
// The creation is written to the admin audit log. Codes:
// invalid_agency_code, invalid_agency_name, invalid_agency_kind,
// agency_parent_not_found, agency_parent_not_government,
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
	if err := checkAgencyFields(name, in.Kind); err != nil {
		return Agency{}, err
	}
	var a Agency
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		parent, err := s.parentOf(ctx, tx, in.ParentCode, 0)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `INSERT INTO agencies (code, name, kind, parent_id) VALUES ($1, $2, $3, $4)
			RETURNING `+agencyColumns, code, name, in.Kind, parent)
		a, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agency])
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return errs.Conflict("agency_code_taken", "机构代码已存在")
		}
		if err != nil {
			return errs.Internal(err)
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: "create-agency", TargetKind: "agency", TargetID: a.ID,
			TargetName: a.Name, Detail: map[string]any{"code": a.Code, "kind": a.Kind, "parent_id": a.ParentID}})
	})
	return a, err
}

// AgencyUpdate is what an admin may change of an agency: everything but
// its code, which other systems and the open data refer to.
type AgencyUpdate struct {
	Name       string
	Kind       AgencyKind
	ParentCode string
}

// UpdateAgency changes an agency's name, kind and parent. A kind that its
// accounts or sub-agencies depend on cannot change: reviewers need a
// legality-review department, supervisors and sub-agencies a government.
// Only admins may call it; the change is audited. Codes: forbidden_role,
// agency_not_found, invalid_agency_name, invalid_agency_kind,
// agency_parent_not_found, agency_parent_not_government,
// agency_parent_cycle, agency_kind_in_use (409).
func (s *Service) UpdateAgency(ctx context.Context, actor *Account, id int64, in AgencyUpdate) (Agency, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return Agency{}, err
	}
	name := strings.TrimSpace(in.Name)
	if err := checkAgencyFields(name, in.Kind); err != nil {
		return Agency{}, err
	}
	var out Agency
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		old, err := s.queryAgency(ctx, tx, "id = $1 FOR UPDATE", id, "")
		if err != nil {
			return err
		}
		parent, err := s.parentOf(ctx, tx, in.ParentCode, id)
		if err != nil {
			return err
		}
		if in.Kind != old.Kind {
			var inUse bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE agency_id = $1 AND deleted_at IS NULL
					AND ((role = 'reviewer' AND $2 <> 'legality_review') OR (role = 'supervisor' AND $2 <> 'government')))
				OR ($2 <> 'government' AND EXISTS (SELECT 1 FROM agencies WHERE parent_id = $1))`, id, in.Kind).Scan(&inUse)
			if err != nil {
				return errs.Internal(err)
			}
			if inUse {
				return errs.Conflict("agency_kind_in_use", "该机构的审查人员、监督人员或下级机构要求保留现有类型，不能更改")
			}
		}
		rows, _ := tx.Query(ctx, `UPDATE agencies SET name = $2, kind = $3, parent_id = $4, updated_at = $5 WHERE id = $1
			RETURNING `+agencyColumns, id, name, in.Kind, parent, s.now())
		out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Agency])
		if err != nil {
			return errs.Internal(err)
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: "update-agency", TargetKind: "agency", TargetID: id, TargetName: name,
			Detail: map[string]any{"before": map[string]any{"name": old.Name, "kind": old.Kind, "parent_id": old.ParentID},
				"after": map[string]any{"name": out.Name, "kind": out.Kind, "parent_id": out.ParentID}}})
	})
	return out, err
}
