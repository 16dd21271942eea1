// Package identity holds agencies, accounts and their roles, sessions, phone
// verification and the login rate limit. It is the one place that decides who
// a request comes from; role checks on operations use the roles defined here.
package identity

import (
	"regexp"
	"time"
)

// Role is the one role an account has (DOMAIN.md, "Who uses it").
type Role string

// The roles of the platform.
const (
	RoleResident     Role = "resident"
	RoleAgencyStaff  Role = "agency_staff"
	RoleReviewer     Role = "reviewer"
	RoleLegalAdviser Role = "legal_adviser"
	RoleAdmin        Role = "admin"
	// RoleSupervisor reads everything of the government (decision body)
	// it belongs to, read-only (监督).
	RoleSupervisor Role = "supervisor"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleResident, RoleAgencyStaff, RoleReviewer, RoleLegalAdviser, RoleAdmin, RoleSupervisor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if v == r {
			return true
		}
	}
	return false
}

// AgencyKind is what an agency does in the procedure.
type AgencyKind string

// The kinds of agency.
const (
	AgencyGovernment     AgencyKind = "government"      // 决策机关
	AgencyDepartment     AgencyKind = "department"      // 承办单位
	AgencyLegalityReview AgencyKind = "legality_review" // 合法性审查部门
)

// Valid reports whether k is a known agency kind.
func (k AgencyKind) Valid() bool {
	return k == AgencyGovernment || k == AgencyDepartment || k == AgencyLegalityReview
}

// Agency is a government body that takes part in the procedure.
type Agency struct {
	ID   int64      `db:"id"`
	Code string     `db:"code"`
	Name string     `db:"name"`
	Kind AgencyKind `db:"kind"`
	// ParentID is the body the agency belongs to (a department's
	// government); nil for a top-level body.
	ParentID  *int64    `db:"parent_id"`
	CreatedAt time.Time `db:"created_at"`
}

// Account is a person who signs in. Phone is the full number and must only
// be shown to its owner; everyone else sees MaskPhone(Phone).
type Account struct {
	ID          int64      `db:"id"`
	Role        Role       `db:"role"`
	Phone       *string    `db:"phone"`
	Email       *string    `db:"email"`
	DisplayName string     `db:"display_name"`
	Pseudonym   string     `db:"pseudonym"`
	AgencyID    *int64     `db:"agency_id"`
	AgencyCode  *string    `db:"agency_code"`
	VerifiedAt  *time.Time `db:"verified_at"`
	CreatedAt   time.Time  `db:"created_at"`
	// LastSignInAt is the last successful sign-in; DisabledAt is set while
	// an admin has disabled the account.
	LastSignInAt *time.Time `db:"last_sign_in_at"`
	DisabledAt   *time.Time `db:"disabled_at"`
}

// Verified reports whether the account has proved its phone number (or was
// created by an admin, which counts as verified).
func (a *Account) Verified() bool { return a != nil && a.VerifiedAt != nil }

// IsStaffOf reports whether the account is agency staff of the given agency.
func (a *Account) IsStaffOf(agencyID int64) bool {
	return a != nil && a.Role == RoleAgencyStaff && a.AgencyID != nil && *a.AgencyID == agencyID
}

// HasRole reports whether the account has one of the roles.
func (a *Account) HasRole(roles ...Role) bool {
	if a == nil {
		return false
	}
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return false
}

// Session is a signed-in session. The token itself is only known to the
// client; the database keeps its SHA-256.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Account   Account
}

var agencyCode = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{1,63}$`)
