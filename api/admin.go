package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// The administrator's desk and the account lifecycle (issue 15): agencies
// and accounts edited, disabled and reset by an admin, the roster of legal
// advisers, the admin audit log, and what a person does for themselves
// (change or reset a password, see and end sessions).

type updateAgencyInputBody struct {
	Name   string `json:"name" maxLength:"200" example:"平顶山市教育局"`
	Kind   string `json:"kind" enum:"government,department,legality_review"`
	Parent string `json:"parent,omitempty" maxLength:"64" doc:"Code of the government the agency belongs to; empty: none."`
}

type updateAccountInputBody struct {
	Role        *string `json:"role,omitempty" enum:"resident,agency_staff,reviewer,legal_adviser,admin,supervisor"`
	Agency      *string `json:"agency,omitempty" maxLength:"64" doc:"Agency code; empty removes the agency (roles without one)."`
	DisplayName *string `json:"display_name,omitempty" maxLength:"256"`
}

type disableAccountInputBody struct {
	Reason string `json:"reason,omitempty" maxLength:"2000" doc:"Why, for the audit log."`
}

type resetPasswordInputBody struct {
	Password string `json:"password" maxLength:"512" doc:"The new password (at least 8 characters), to hand to the person."`
}

type tokenInput struct {
	Authorization string `header:"Authorization"`
	Cookie        string `cookie:"canyu_session"`
}

func (t tokenInput) token() string {
	return bearerToken(func(string) string { return t.Authorization }, func(string) (*http.Cookie, error) {
		return &http.Cookie{Value: t.Cookie}, nil
	})
}

type changePasswordInput struct {
	Authorization string `header:"Authorization"`
	Cookie        string `cookie:"canyu_session"`
	Body          struct {
		CurrentPassword string `json:"current_password" maxLength:"512"`
		NewPassword     string `json:"new_password" maxLength:"512" doc:"At least 8 characters."`
	}
}

type requestResetInputBody struct {
	Phone string `json:"phone" maxLength:"32" example:"13800138000"`
}

// PasswordResetView is the answer to a reset request: the same for every
// number.
type PasswordResetView struct {
	Message string `json:"message"`
}

type confirmResetInputBody struct {
	Phone       string `json:"phone" maxLength:"32"`
	Code        string `json:"code" maxLength:"16" doc:"The 6-digit code sent by SMS; valid 10 minutes, 5 tries."`
	NewPassword string `json:"new_password" maxLength:"512" doc:"At least 8 characters."`
}

// SessionInfoView is one open session of the signed-in account.
type SessionInfoView struct {
	ID         int64     `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent" doc:"The browser or client that signed in."`
	ClientAddr string    `json:"client_addr" doc:"The address it signed in from."`
	Current    bool      `json:"current" doc:"The session of this request."`
}

// sessionsOutputBody and the other ...OutputBody types are the bodies of
// list answers; their names are their schemas' names in openapi.yaml.
type sessionsOutputBody struct {
	Sessions []SessionInfoView `json:"sessions"`
}

func sessionInfoView(x identity.SessionInfo) SessionInfoView {
	return SessionInfoView{ID: x.ID, CreatedAt: x.CreatedAt, ExpiresAt: x.ExpiresAt, UserAgent: x.UserAgent,
		ClientAddr: x.ClientAddr, Current: x.Current}
}

// LegalAdviserView is an adviser of the roster.
type LegalAdviserView struct {
	AccountID     int64      `json:"account_id"`
	DisplayName   string     `json:"display_name"`
	Disabled      bool       `json:"disabled,omitempty"`
	HasProfile    bool       `json:"has_profile" doc:"Whether the roster profile is filed."`
	Firm          string     `json:"firm,omitempty" doc:"Law firm or unit (律师事务所/工作单位)."`
	LicenceNumber string     `json:"licence_number,omitempty" doc:"Licence number (执业证号)."`
	Fields        []string   `json:"fields" doc:"Fields of law."`
	Conflicts     string     `json:"conflicts,omitempty" doc:"Declared conflicts of interest (利益冲突声明)."`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

func legalAdviserView(a identity.LegalAdviser) LegalAdviserView {
	f := a.Fields
	if f == nil {
		f = []string{}
	}
	return LegalAdviserView{AccountID: a.AccountID, DisplayName: a.DisplayName, Disabled: a.Disabled, HasProfile: a.HasProfile,
		Firm: a.Firm, LicenceNumber: a.LicenceNumber, Fields: f, Conflicts: a.Conflicts, UpdatedAt: a.UpdatedAt}
}

type listAdvisersInput struct {
	Query string `query:"q" maxLength:"100" doc:"Part of the adviser's name or firm."`
	PageQuery
}

type advisersOutputBody struct {
	Advisers   []LegalAdviserView `json:"advisers"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

type adviserProfileInputBody struct {
	Firm          string   `json:"firm" maxLength:"400"`
	LicenceNumber string   `json:"licence_number" maxLength:"64" example:"14101201810123456"`
	Fields        []string `json:"fields,omitempty" maxItems:"20" doc:"Fields of law, e.g. 行政法, 教育."`
	Conflicts     string   `json:"conflicts,omitempty" maxLength:"8000" doc:"Declared conflicts of interest (clients, relatives, positions)."`
}

// AuditEntryView is one recorded admin action.
type AuditEntryView struct {
	ID         int64          `json:"id"`
	ActorID    *int64         `json:"actor_id,omitempty" doc:"The admin; absent for the operator on the command line."`
	ActorName  string         `json:"actor_name,omitempty"`
	Action     string         `json:"action" doc:"The operation, e.g. disable-account."`
	TargetKind string         `json:"target_kind"`
	TargetID   *int64         `json:"target_id,omitempty"`
	TargetName string         `json:"target_name,omitempty"`
	Detail     map[string]any `json:"detail"`
	CreatedAt  time.Time      `json:"created_at"`
}

type listAuditInput struct {
	Action     string `query:"action" maxLength:"64"`
	TargetKind string `query:"target_kind" maxLength:"64"`
	TargetID   int64  `query:"target_id" minimum:"0" maximum:"9007199254740991"`
	ActorID    int64  `query:"actor_id" minimum:"0" maximum:"9007199254740991"`
	PageQuery
}

func auditEntryView(e identity.AuditEntry) AuditEntryView {
	return AuditEntryView{ID: e.ID, ActorID: e.ActorID, ActorName: deref(e.ActorName), Action: e.Action, TargetKind: e.TargetKind,
		TargetID: e.TargetID, TargetName: e.TargetName, Detail: e.Detail, CreatedAt: e.CreatedAt}
}

type auditOutputBody struct {
	Entries    []AuditEntryView `json:"entries"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *server) registerAdmin() {
	s.registerAdminAccounts()
	s.registerLifecycle()
	s.registerRoster()
}

func (s *server) registerAdminAccounts() {
	tags := []string{"Accounts"}
	admin := roles(identity.RoleAdmin)
	answer(s, huma.Operation{OperationID: "update-agency", Method: http.MethodPatch, Path: "/agencies/{id}",
		Summary: "Change an agency's name, kind and parent", Tags: []string{"Agencies"}, Errors: []int{404, 409, 422},
		Description: "The code stays. The parent must be a government (人民政府), not the agency or one below it. " +
			"A kind its reviewers, supervisors or sub-agencies depend on cannot change (409 agency_kind_in_use). Audited."},
		admin, func(ctx context.Context, in *byID[updateAgencyInputBody]) (identity.Agency, error) {
			return s.svc.Identity.UpdateAgency(ctx, actor(ctx), in.ID, identity.AgencyUpdate{Name: in.Body.Name,
				Kind: identity.AgencyKind(in.Body.Kind), ParentCode: in.Body.Parent})
		}, agencyView)
	answer(s, huma.Operation{OperationID: "update-account", Method: http.MethodPatch, Path: "/accounts/{id}",
		Summary: "Change an account's role, agency or name", Tags: tags, Errors: []int{404, 422},
		Description: "Fields left out stay. Role and agency are checked together as at creation; an admin cannot drop their own admin role. Audited."},
		admin, func(ctx context.Context, in *byID[updateAccountInputBody]) (identity.Account, error) {
			var u identity.AccountUpdate
			if in.Body.Role != nil {
				r := identity.Role(*in.Body.Role)
				u.Role = &r
			}
			u.AgencyCode, u.DisplayName = in.Body.Agency, in.Body.DisplayName
			return s.svc.Identity.UpdateAccount(ctx, actor(ctx), in.ID, u)
		}, otherAccountView)
	answer(s, huma.Operation{OperationID: "disable-account", Method: http.MethodPost, Path: "/accounts/{id}/disable",
		Summary: "Disable an account", Tags: tags, Errors: []int{404, 422},
		Description: "The account cannot sign in and every session is revoked at once; what it wrote stays. " +
			"Disabling a disabled account changes nothing. An admin cannot disable themselves. Audited with the reason."},
		admin, func(ctx context.Context, in *byID[disableAccountInputBody]) (identity.Account, error) {
			return s.svc.Identity.DisableAccount(ctx, actor(ctx), in.ID, in.Body.Reason)
		}, otherAccountView)
	answer(s, huma.Operation{OperationID: "enable-account", Method: http.MethodPost, Path: "/accounts/{id}/enable",
		Summary: "Enable a disabled account", Tags: tags, Errors: []int{404},
		Description: "The account can sign in again; its old sessions stay revoked. Audited."},
		admin, func(ctx context.Context, in *IDPath) (identity.Account, error) {
			return s.svc.Identity.EnableAccount(ctx, actor(ctx), in.ID)
		}, otherAccountView)
	answer(s, huma.Operation{OperationID: "reset-account-password", Method: http.MethodPost, Path: "/accounts/{id}/reset-password",
		Summary: "Set a new password for a staff account", Tags: tags, Errors: []int{404, 422},
		Description: "For every role but resident (residents reset by SMS code: request-password-reset). Revokes all the account's sessions. " +
			"An admin changes their own password with change-password. Audited, without the password."},
		admin, func(ctx context.Context, in *byID[resetPasswordInputBody]) (identity.Account, error) {
			return s.svc.Identity.ResetAccountPassword(ctx, actor(ctx), in.ID, in.Body.Password)
		}, otherAccountView)
	answerPage(s, huma.Operation{OperationID: "list-admin-audit-log", Method: http.MethodGet, Path: "/admin/audit-log",
		Summary: "The log of admin actions", Tags: tags, Errors: []int{422},
		Description: "Every admin action (who, what, when, on which object), newest first. The database refuses to change or delete entries."},
		admin, func(ctx context.Context, in *listAuditInput) ([]identity.AuditEntry, string, error) {
			return s.svc.Identity.ListAdminAuditLog(ctx, actor(ctx), identity.AuditFilter{Action: in.Action,
				TargetKind: in.TargetKind, TargetID: in.TargetID, ActorID: in.ActorID, Limit: in.Limit, Cursor: in.Cursor})
		}, auditEntryView, func(list []AuditEntryView, next string) auditOutputBody {
			return auditOutputBody{Entries: list, NextCursor: next}
		})
}

func (s *server) registerLifecycle() {
	tags := []string{"Accounts"}
	answerNothing(s, huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/me/password",
		Summary: "Change my password", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{422, 429},
		Description: "The current password is required and counted like a sign-in (5 wrong, then a doubling wait, 429). " +
			"Every other session of the account is revoked; this one stays."},
		signedIn(), func(ctx context.Context, in *changePasswordInput) error {
			return s.svc.Identity.ChangePassword(ctx, actor(ctx), tokenInput{in.Authorization, in.Cookie}.token(), in.Body.CurrentPassword, in.Body.NewPassword)
		})
	answer(s, huma.Operation{OperationID: "request-password-reset", Method: http.MethodPost, Path: "/accounts/password-reset",
		Summary: "Ask for a password-reset code by SMS", Tags: tags, DefaultStatus: http.StatusAccepted, Errors: []int{422, 429},
		Description: "For residents: a 6-digit code goes to the number of a verified resident account. The answer is the same for every number " +
			"(registered or not), with the limits of register-resident (one a minute and 5 a day per number, 20 a day per client address; 429). " +
			"Staff passwords are reset by an admin."},
		public(), func(ctx context.Context, in *withBody[requestResetInputBody]) (PasswordResetView, error) {
			return PasswordResetView{Message: "如该号码已注册并验证，重置密码的验证码已通过短信发送，10分钟内有效。"},
				s.svc.Identity.RequestPasswordReset(ctx, in.Body.Phone, obs.ClientFrom(ctx).Addr)
		}, asIs[PasswordResetView])
	answerNothing(s, huma.Operation{OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/accounts/password-reset/confirm",
		Summary: "Set a new password with the SMS code", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{422, 429},
		Description: "Every failure answers alike (422 reset_code_invalid); 5 tries per number in 10 minutes, then 429. " +
			"All sessions of the account are revoked; sign in with the new password. The same code and new password sent again " +
			"within the code's 10 minutes (a retry) answer 204 again and change nothing."},
		public(), func(ctx context.Context, in *withBody[confirmResetInputBody]) error {
			return s.svc.Identity.ConfirmPasswordReset(ctx, in.Body.Phone, in.Body.Code, in.Body.NewPassword)
		})
	answer(s, huma.Operation{OperationID: "list-my-sessions", Method: http.MethodGet, Path: "/me/sessions",
		Summary: "My open sessions", Tags: tags,
		Description: "Unexpired, unrevoked sessions of the signed-in account, newest first; `current` marks this request's."},
		signedIn(), func(ctx context.Context, in *tokenInput) ([]identity.SessionInfo, error) {
			return s.svc.Identity.ListMySessions(ctx, actor(ctx), in.token())
		}, func(list []identity.SessionInfo) sessionsOutputBody {
			return sessionsOutputBody{Sessions: views(list, sessionInfoView)}
		})
	answerNothing(s, huma.Operation{OperationID: "revoke-session", Method: http.MethodDelete, Path: "/me/sessions/{id}",
		Summary: "End one of my sessions", Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404},
		Description: "Signs out another device. Another account's session is not found (404)."},
		signedIn(), func(ctx context.Context, in *IDPath) error {
			return s.svc.Identity.RevokeSession(ctx, actor(ctx), in.ID)
		})
}

func (s *server) registerRoster() {
	tags := []string{"Legal advisers"}
	answerPage(s, huma.Operation{OperationID: "list-legal-advisers", Method: http.MethodGet, Path: "/legal-advisers",
		Summary: "The roster of legal advisers", Tags: tags, Errors: []int{422},
		Description: "Search by a part of the name or firm. Reviewers choose the advisers of a review from it (assign-legal-adviser); " +
			"they see the advisers who are not disabled, admins all."},
		roles(identity.RoleReviewer, identity.RoleAdmin), func(ctx context.Context, in *listAdvisersInput) ([]identity.LegalAdviser, string, error) {
			return s.svc.Identity.ListLegalAdvisers(ctx, actor(ctx), identity.AdviserFilter{Query: in.Query,
				Limit: in.Limit, Cursor: in.Cursor})
		}, legalAdviserView, func(list []LegalAdviserView, next string) advisersOutputBody {
			return advisersOutputBody{Advisers: list, NextCursor: next}
		})
	save := func(create bool) func(ctx context.Context, in *byID[adviserProfileInputBody]) (identity.LegalAdviser, error) {
		return func(ctx context.Context, in *byID[adviserProfileInputBody]) (identity.LegalAdviser, error) {
			return s.svc.Identity.SaveLegalAdviserProfile(ctx, actor(ctx), in.ID, identity.AdviserProfileInput{Firm: in.Body.Firm,
				LicenceNumber: in.Body.LicenceNumber, Fields: in.Body.Fields, Conflicts: in.Body.Conflicts}, create)
		}
	}
	answer(s, huma.Operation{OperationID: "create-legal-adviser-profile", Method: http.MethodPost, Path: "/legal-advisers/{id}/profile",
		Summary: "File a legal adviser's roster profile", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
		Description: "For a `legal_adviser` account: firm, licence number (unique), fields and declared conflicts of interest. Audited."},
		roles(identity.RoleAdmin), save(true), legalAdviserView)
	answer(s, huma.Operation{OperationID: "update-legal-adviser-profile", Method: http.MethodPut, Path: "/legal-advisers/{id}/profile",
		Summary: "Change a legal adviser's roster profile", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Replaces the profile filed with create-legal-adviser-profile. Audited."},
		roles(identity.RoleAdmin), save(false), legalAdviserView)
}
