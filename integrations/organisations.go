package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// OrganisationStatus is where an organisation's verification stands.
type OrganisationStatus string

// The statuses of an organisation.
const (
	OrganisationPending  OrganisationStatus = "pending"
	OrganisationVerified OrganisationStatus = "verified"
	OrganisationRejected OrganisationStatus = "rejected"
)

// Organisation is a body that uses the API on its own behalf.
type Organisation struct {
	ID             int64              `db:"id"`
	Name           string             `db:"name"`
	CreditCode     string             `db:"credit_code"`
	OwnerAccountID int64              `db:"owner_account_id"`
	ContactEmail   string             `db:"contact_email"`
	Status         OrganisationStatus `db:"status"`
	StatusNote     string             `db:"status_note"`
	VerifiedAt     *time.Time         `db:"verified_at"`
	CreatedAt      time.Time          `db:"created_at"`
}

// OrganisationInput registers an organisation.
type OrganisationInput struct {
	Name         string
	CreditCode   string
	ContactEmail string
}

const organisationColumns = `id, name, credit_code, owner_account_id, contact_email, status, status_note, verified_at, created_at`

// CreateOrganisation registers an organisation managed by actor, pending an
// admin's verification. Any signed-in account with a verified phone may.
// Codes: phone_not_verified, invalid_organisation_name,
// invalid_credit_code (GB 32100-2015 check character),
// invalid_contact_email, organisation_exists.
func (s *Service) CreateOrganisation(ctx context.Context, actor *identity.Account, in OrganisationInput) (Organisation, error) {
	if actor == nil {
		return Organisation{}, identity.RequireRole(nil)
	}
	if !actor.Verified() {
		return Organisation{}, errs.Forbidden("phone_not_verified", "请先验证手机号码后再登记组织")
	}
	in.Name = strings.TrimSpace(in.Name)
	in.CreditCode = NormalizeCreditCode(in.CreditCode)
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	if n := utf8.RuneCountInString(in.Name); n < 2 || n > 100 {
		return Organisation{}, errs.InvalidField("invalid_organisation_name", "name", "组织名称应为2到100个字")
	}
	if !ValidCreditCode(in.CreditCode) {
		return Organisation{}, errs.InvalidField("invalid_credit_code", "credit_code",
			"统一社会信用代码不正确：应为18位，且校验位符合国家标准（GB 32100-2015）")
	}
	if in.ContactEmail != "" {
		if a, err := mail.ParseAddress(in.ContactEmail); err != nil || a.Address != in.ContactEmail {
			return Organisation{}, errs.InvalidField("invalid_contact_email", "contact_email", "联系邮箱格式不正确")
		}
	}
	rows, err := s.DB.Query(ctx, `INSERT INTO organisations (name, credit_code, owner_account_id, contact_email, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+organisationColumns, in.Name, in.CreditCode, actor.ID, in.ContactEmail, s.now())
	if err != nil {
		return Organisation{}, errs.Internal(err)
	}
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Organisation])
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return Organisation{}, errs.Conflict("organisation_exists", "该统一社会信用代码已登记")
	}
	if err != nil {
		return Organisation{}, errs.Internal(err)
	}
	return o, nil
}

// GetOrganisation returns an organisation to its manager or an admin.
// Codes: organisation_not_found.
func (s *Service) GetOrganisation(ctx context.Context, actor *identity.Account, id int64) (Organisation, error) {
	o, err := s.organisation(ctx, id)
	if err != nil {
		return Organisation{}, err
	}
	if !canManage(actor, o) && !actor.HasRole(identity.RoleAdmin) {
		return Organisation{}, errs.NotFound("organisation_not_found", "没有这个组织")
	}
	return o, nil
}

func canManage(actor *identity.Account, o Organisation) bool {
	return actor != nil && actor.ID == o.OwnerAccountID
}

func (s *Service) organisation(ctx context.Context, id int64) (Organisation, error) {
	return pgrows.One[Organisation](ctx, s.DB, errs.NotFound("organisation_not_found", "没有这个组织"), `SELECT `+organisationColumns+` FROM organisations WHERE id = $1`, id)
}

// ListOrganisations returns the organisations actor manages, or every
// organisation (pending first) for an admin; status filters.
func (s *Service) ListOrganisations(ctx context.Context, actor *identity.Account, status string) ([]Organisation, error) {
	if actor == nil {
		return nil, identity.RequireRole(nil)
	}
	owner := actor.ID
	if actor.HasRole(identity.RoleAdmin) {
		owner = 0
	}
	return pgrows.All[Organisation](ctx, s.DB, `SELECT `+organisationColumns+` FROM organisations
		WHERE ($1 = 0 OR owner_account_id = $1) AND ($2 = '' OR status = $2)
		ORDER BY status <> 'pending', id DESC LIMIT 500`, owner, status)
}

// VerifyOrganisation records an admin's check of the organisation against
// its registration (the credit code's holder): verified, or rejected with
// a note. A rejected organisation's keys stop working at once. Admins
// only. Codes: organisation_not_found, invalid_verification,
// verification_note_required.
func (s *Service) VerifyOrganisation(ctx context.Context, actor *identity.Account, id int64, status OrganisationStatus, note string) (Organisation, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin); err != nil {
		return Organisation{}, err
	}
	note = strings.TrimSpace(note)
	switch status {
	case OrganisationVerified:
	case OrganisationRejected:
		if note == "" {
			return Organisation{}, errs.InvalidField("verification_note_required", "note", "不予核验时请写明原因")
		}
	default:
		return Organisation{}, errs.InvalidField("invalid_verification", "status", "核验结果只能是通过或不通过")
	}
	var o Organisation
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE organisations SET status = $2, status_note = $3, verified_by = $4, verified_at = $5
			WHERE id = $1 RETURNING `+organisationColumns, id, status, note, actor.ID, s.now())
		if err != nil {
			return errs.Internal(err)
		}
		o, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Organisation])
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.NotFound("organisation_not_found", "没有这个组织")
		}
		if err != nil {
			return errs.Internal(err)
		}
		// The admin's decision is in the admin audit log (issue 15), in
		// the same transaction.
		return s.Identity.RecordAdminActionTx(ctx, tx, actor, identity.AdminAction{Action: "verify_organisation",
			TargetKind: "organisation", TargetID: o.ID, TargetName: o.Name,
			Detail: map[string]any{"status": string(status), "note": note, "credit_code": o.CreditCode}})
	})
	if err != nil {
		return Organisation{}, err
	}
	return o, nil
}

// orgNameKey is how two spellings of an organisation's name are compared:
// width folded (NFKC), lower case, without spaces, invisible characters and
// punctuation, so that "某某协会 " or "某某协会（）" is the same name.
const orgNameKey = `regexp_replace(lower(normalize(%s, NFKC)),
	'[[:space:][:punct:]\u00a0\u00ad\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u3000-\u303f\uff5e-\uff65]', '', 'g')`

// VerifiedOrganisationNamed looks a name up among the verified
// organisations, for a resident's proposal in an organisation's name
// (catalogue.Service.OrganisationNamed): the organisation of that name
// managed by account, with its registered name; or taken when only other
// accounts' verified organisations bear it; or nothing.
func (s *Service) VerifiedOrganisationNamed(ctx context.Context, name string, account int64) (id int64, registered string, taken bool, err error) {
	var mine bool
	err = s.DB.QueryRow(ctx, `SELECT id, name, owner_account_id = $2 FROM organisations
		WHERE status = 'verified' AND `+fmt.Sprintf(orgNameKey, "name")+` = `+fmt.Sprintf(orgNameKey, "$1::text")+`
			AND `+fmt.Sprintf(orgNameKey, "$1::text")+` <> ''
		ORDER BY owner_account_id = $2 DESC, id LIMIT 1`, name, account).Scan(&id, &registered, &mine)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, "", false, nil
	case err != nil:
		return 0, "", false, errs.Internal(err)
	case !mine:
		return 0, "", true, nil
	}
	return id, registered, false, nil
}
