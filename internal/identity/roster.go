package identity

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// The roster of legal advisers (法律顾问名册): the legality-review
// department organises legal advisers and public lawyers to give opinions
// (Decree 713 Art. 28) and chooses them from this list, by name or firm,
// seeing their fields and declared conflicts of interest.

// LegalAdviser is an adviser account with its roster profile (HasProfile
// false: none filed yet).
type LegalAdviser struct {
	AccountID     int64      `db:"account_id"`
	DisplayName   string     `db:"display_name"`
	Disabled      bool       `db:"disabled"`
	HasProfile    bool       `db:"has_profile"`
	Firm          string     `db:"firm"`
	LicenceNumber string     `db:"licence_number"`
	Fields        []string   `db:"fields"`
	Conflicts     string     `db:"conflicts"`
	UpdatedAt     *time.Time `db:"updated_at"`
}

// AdviserFilter narrows ListLegalAdvisers.
type AdviserFilter struct {
	// Query finds advisers by a part of the name or of the firm.
	Query  string
	Limit  int
	Cursor string
}

const adviserSelect = `SELECT a.id AS account_id, a.display_name, a.disabled_at IS NOT NULL AS disabled,
	p.account_id IS NOT NULL AS has_profile, coalesce(p.firm, '') AS firm,
	coalesce(p.licence_number, '') AS licence_number, coalesce(p.fields, '{}') AS fields,
	coalesce(p.conflicts, '') AS conflicts, p.updated_at
	FROM accounts a LEFT JOIN legal_adviser_profiles p ON p.account_id = a.id
	WHERE a.role = 'legal_adviser' AND a.deleted_at IS NULL `

// ListLegalAdvisers lists the roster by account id. Reviewers see the
// advisers they can assign (not disabled); admins see all. Reviewers and
// admins may call it. Codes: forbidden_role, invalid_cursor.
func (s *Service) ListLegalAdvisers(ctx context.Context, actor *Account, f AdviserFilter) ([]LegalAdviser, string, error) {
	if err := RequireRole(actor, RoleReviewer, RoleAdmin); err != nil {
		return nil, "", err
	}
	after, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	q := strings.TrimSpace(f.Query)
	limit := cursor.Limit(f.Limit)
	rows, err := s.DB.Query(ctx, adviserSelect+`AND a.id > $1 AND ($2 = '' OR a.display_name ILIKE $3 OR p.firm ILIKE $3)
		AND ($4 OR a.disabled_at IS NULL) ORDER BY a.id LIMIT $5`, after, q, likePattern(q), actor.Role == RoleAdmin, limit+1)
	return cursor.Collect(rows, err, limit, pgx.RowToStructByName[LegalAdviser], func(v LegalAdviser) int64 { return v.AccountID })
}

// GetLegalAdviser returns one adviser of the roster. Reviewers and admins
// may call it. Codes: forbidden_role, legal_adviser_not_found.
func (s *Service) GetLegalAdviser(ctx context.Context, actor *Account, accountID int64) (LegalAdviser, error) {
	if err := RequireRole(actor, RoleReviewer, RoleAdmin); err != nil {
		return LegalAdviser{}, err
	}
	return s.getAdviser(ctx, s.DB, accountID)
}

type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

func (s *Service) getAdviser(ctx context.Context, q querier, accountID int64) (LegalAdviser, error) {
	return pgrows.One[LegalAdviser](ctx, q, errs.NotFound("legal_adviser_not_found", "法律顾问不存在"), adviserSelect+`AND a.id = $1`, accountID)
}

// AdviserProfileInput is a roster profile.
type AdviserProfileInput struct {
	Firm          string
	LicenceNumber string
	Fields        []string
	Conflicts     string
}

// licenceNumber is a lawyer's (17 digits) or a public lawyer's licence
// number; letters and dashes are let through for older formats.
var licenceNumber = regexp.MustCompile(`^[0-9A-Za-z-]{4,64}$`)

func (in AdviserProfileInput) normalize() (AdviserProfileInput, error) {
	out := AdviserProfileInput{Firm: strings.TrimSpace(in.Firm), LicenceNumber: strings.TrimSpace(in.LicenceNumber),
		Conflicts: strings.TrimSpace(in.Conflicts)}
	var fields []errs.FieldError
	if out.Firm == "" || utf8.RuneCountInString(out.Firm) > 200 {
		fields = append(fields, errs.FieldError{Field: "firm", Message: "请填写律师事务所或工作单位（不超过200字）"})
	}
	if !licenceNumber.MatchString(out.LicenceNumber) {
		fields = append(fields, errs.FieldError{Field: "licence_number", Message: "请填写执业证号（4–64位数字或字母）"})
	}
	seen := map[string]bool{}
	for _, f := range in.Fields {
		for _, part := range strings.FieldsFunc(f, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
			part = strings.TrimSpace(part)
			if part != "" && !seen[part] {
				seen[part] = true
				out.Fields = append(out.Fields, part)
			}
		}
	}
	if len(out.Fields) > 20 {
		fields = append(fields, errs.FieldError{Field: "fields", Message: "专业领域不能超过20项"})
	}
	for _, f := range out.Fields {
		if utf8.RuneCountInString(f) > 30 {
			fields = append(fields, errs.FieldError{Field: "fields", Message: "每个专业领域不超过30字"})
			break
		}
	}
	if utf8.RuneCountInString(out.Conflicts) > 4000 {
		fields = append(fields, errs.FieldError{Field: "conflicts", Message: "利益冲突声明不能超过4000字"})
	}
	if len(fields) > 0 {
		code := map[string]string{"firm": "invalid_firm", "licence_number": "invalid_licence_number",
			"fields": "invalid_fields", "conflicts": "conflicts_too_long"}[fields[0].Field]
		return out, &errs.Error{Kind: errs.KindInvalid, Code: code, Message: fields[0].Message, Fields: fields}
	}
	if out.Fields == nil {
		out.Fields = []string{}
	}
	return out, nil
}

// SaveLegalAdviserProfile files (create true) or updates (create false)
// the roster profile of a legal_adviser account. Only admins may call it;
// audited. Codes: forbidden_role, legal_adviser_not_found,
// invalid_firm, invalid_licence_number, invalid_fields,
// conflicts_too_long, adviser_profile_exists (409, on create),
// adviser_profile_not_found (404, on update), licence_number_taken (409).
func (s *Service) SaveLegalAdviserProfile(ctx context.Context, actor *Account, accountID int64, in AdviserProfileInput,
	create bool) (LegalAdviser, error) {
	if err := RequireRole(actor, RoleAdmin); err != nil {
		return LegalAdviser{}, err
	}
	in, err := in.normalize()
	if err != nil {
		return LegalAdviser{}, err
	}
	var out LegalAdviser
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var role Role
		err := tx.QueryRow(ctx, `SELECT role FROM accounts WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, accountID).Scan(&role)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && role != RoleLegalAdviser) {
			return errs.NotFound("legal_adviser_not_found", "法律顾问不存在：该账号不是法律顾问")
		}
		if err != nil {
			return errs.Internal(err)
		}
		now := s.now()
		var sql string
		if create {
			sql = `INSERT INTO legal_adviser_profiles (account_id, firm, licence_number, fields, conflicts, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (account_id) DO NOTHING`
		} else {
			sql = `UPDATE legal_adviser_profiles SET firm = $2, licence_number = $3, fields = $4, conflicts = $5, updated_at = $6
				WHERE account_id = $1`
		}
		var tag pgconn.CommandTag
		err = pgx.BeginFunc(ctx, tx, func(sp pgx.Tx) error {
			tag, err = sp.Exec(ctx, sql, accountID, in.Firm, in.LicenceNumber, in.Fields, in.Conflicts, now)
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return errs.Conflict("licence_number_taken", "该执业证号已登记在另一名法律顾问名下")
		}
		if err != nil {
			return errs.Internal(err)
		}
		action := "update-legal-adviser-profile"
		if create {
			action = "create-legal-adviser-profile"
		}
		if tag.RowsAffected() == 0 {
			if create {
				return errs.Conflict("adviser_profile_exists", "该法律顾问已有名册信息，请修改")
			}
			return errs.NotFound("adviser_profile_not_found", "该法律顾问还没有名册信息")
		}
		if out, err = s.getAdviser(ctx, tx, accountID); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, AdminAction{Action: action, TargetKind: "legal_adviser", TargetID: accountID,
			TargetName: out.DisplayName, Detail: map[string]any{"firm": in.Firm, "licence_number": in.LicenceNumber,
				"fields": in.Fields}})
	})
	return out, err
}
