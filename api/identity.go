package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// AccountView is an account as the API shows it. The phone number is masked
// (138****1234) for everyone but the account's owner (PIPL).
type AccountView struct {
	ID          int64      `json:"id"`
	Role        string     `json:"role" enum:"resident,agency_staff,reviewer,legal_adviser,admin,supervisor"`
	DisplayName string     `json:"display_name"`
	Pseudonym   string     `json:"pseudonym" doc:"Public pseudonym shown on pages unless the resident opts to show the display name."`
	Phone       string     `json:"phone,omitempty" doc:"Full number only for the owner; masked otherwise."`
	Email       string     `json:"email,omitempty"`
	Agency      string     `json:"agency,omitempty" doc:"Code of the agency of a staff account."`
	Verified    bool       `json:"verified" doc:"Whether the phone is verified (admin-created accounts count as verified)."`
	VerifiedAt  *time.Time `json:"verified_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	// LastSignInAt and DisabledAt are the admin's view of the lifecycle.
	LastSignInAt *time.Time `json:"last_sign_in_at,omitempty" doc:"The last successful sign-in."`
	Disabled     bool       `json:"disabled" doc:"An admin disabled the account: it cannot sign in and its sessions were revoked."`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

func accountView(a identity.Account, owner bool) AccountView {
	v := AccountView{ID: a.ID, Role: string(a.Role), DisplayName: a.DisplayName, Pseudonym: a.Pseudonym,
		Verified: a.Verified(), VerifiedAt: a.VerifiedAt, CreatedAt: a.CreatedAt, LastSignInAt: a.LastSignInAt,
		Disabled: a.DisabledAt != nil, DisabledAt: a.DisabledAt, Email: deref(a.Email), Agency: deref(a.AgencyCode)}
	if a.Phone != nil {
		v.Phone = identity.MaskPhone(*a.Phone)
		if owner {
			v.Phone = *a.Phone
		}
	}
	return v
}

// ownAccountView shows an account to its owner, otherAccountView to anyone
// else (an admin): the phone number masked.
func ownAccountView(a identity.Account) AccountView   { return accountView(a, true) }
func otherAccountView(a identity.Account) AccountView { return accountView(a, false) }

// AgencyView is an agency.
type AgencyView struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind" enum:"government,department,legality_review"`
	ParentID  *int64    `json:"parent_id,omitempty" doc:"The government the agency belongs to; absent for a top-level body."`
	CreatedAt time.Time `json:"created_at"`
}

func agencyView(a identity.Agency) AgencyView {
	return AgencyView{ID: a.ID, Code: a.Code, Name: a.Name, Kind: string(a.Kind), ParentID: a.ParentID, CreatedAt: a.CreatedAt}
}

type registerInputBody struct {
	Phone       string `json:"phone" maxLength:"32" doc:"Mainland China mobile number." example:"13800138000"`
	Password    string `json:"password" maxLength:"512" doc:"At least 8 characters."`
	DisplayName string `json:"display_name,omitempty" maxLength:"256" doc:"Optional name; a pseudonym is shown publicly unless the resident opts in."`
}

// registerInput is a registration with the client's one-time key.
type registerInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"A random key of this registration: sent again with the same number, password and name within a minute, it answers 202 again and sends no second code."`
	Body           registerInputBody
}

type verifyPhoneInputBody struct {
	Phone    string `json:"phone" maxLength:"32"`
	Code     string `json:"code" maxLength:"16" doc:"The 6-digit code sent by SMS; valid 10 minutes, 5 tries."`
	Password string `json:"password" maxLength:"512" doc:"The password given at registration."`
}

// RegistrationView is the answer to a registration: the same for every
// number, so that it does not tell which are registered.
type RegistrationView struct {
	Phone   string `json:"phone" doc:"The number, normalised."`
	Message string `json:"message"`
}

func registrationView(phone string) RegistrationView {
	p, _ := identity.NormalizePhone(phone)
	return RegistrationView{Phone: p,
		Message: "如该号码可以注册，验证码已通过短信发送，10分钟内有效。请输入验证码和注册时设置的密码完成验证。"}
}

type resendInputBody struct {
	Phone string `json:"phone" maxLength:"32"`
}

type sessionInputBody struct {
	Login    string `json:"login" maxLength:"256" doc:"Phone number or e-mail address."`
	Password string `json:"password" maxLength:"512"`
}

// SessionView is a new session.
type SessionView struct {
	Token     string      `json:"token" doc:"Bearer token; also set as an HttpOnly cookie."`
	ExpiresAt time.Time   `json:"expires_at"`
	Account   AccountView `json:"account"`
}

type sessionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      SessionView
}

type deleteSessionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

type agenciesOutputBody struct {
	Agencies []AgencyView `json:"agencies"`
}

type createAgencyInputBody struct {
	Code   string `json:"code" maxLength:"64" example:"jyj"`
	Name   string `json:"name" maxLength:"200" example:"平顶山市教育局"`
	Kind   string `json:"kind" enum:"government,department,legality_review"`
	Parent string `json:"parent,omitempty" maxLength:"64" doc:"Code of the government the agency belongs to."`
}

type createAccountInputBody struct {
	Role        string `json:"role" enum:"resident,agency_staff,reviewer,legal_adviser,admin,supervisor"`
	Phone       string `json:"phone,omitempty" maxLength:"32"`
	Email       string `json:"email,omitempty" maxLength:"254"`
	DisplayName string `json:"display_name" maxLength:"256"`
	Agency      string `json:"agency,omitempty" maxLength:"64" doc:"Agency code; required for agency_staff, reviewer (a legality_review agency) and supervisor (a government)."`
	Password    string `json:"password" maxLength:"512"`
}

type listAccountsInput struct {
	Role   string `query:"role" enum:"resident,agency_staff,reviewer,legal_adviser,admin,supervisor,"`
	Query  string `query:"q" maxLength:"100" doc:"Part of the name or e-mail, or the whole phone number."`
	Agency string `query:"agency" maxLength:"64" doc:"Agency code."`
	PageQuery
}

type accountsOutputBody struct {
	Accounts   []AccountView `json:"accounts"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (s *server) sessionCookie(token string, expires time.Time) http.Cookie {
	c := http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.svc.SecureCookies, Expires: expires}
	if token == "" {
		c.MaxAge = -1
		c.Expires = time.Unix(0, 0)
	}
	return c
}

func (s *server) registerIdentity() {
	tags := []string{"Accounts"}
	answer(s, huma.Operation{OperationID: "register-resident", Method: http.MethodPost, Path: "/accounts/register",
		Summary: "Register as a resident", Tags: tags, DefaultStatus: http.StatusAccepted,
		Description: "Sends a 6-digit code to the phone; verify-phone with the code and the same password activates the account. " +
			"The answer is the same whether or not the number is already registered (a verified number receives nothing); " +
			"registering a number whose earlier registration is unverified replaces it (password included), and an unverified " +
			"registration lapses after 24 hours. Limits: one code a minute and 5 a day per number, 20 requests a day per client address (429). " +
			"The same registration sent again with the same Idempotency-Key within a minute (a double tap, a retry after a lost answer) " +
			"answers 202 again, sends nothing and counts nothing."},
		public(), func(ctx context.Context, in *registerInput) (string, error) {
			return in.Body.Phone, s.svc.Identity.Register(ctx, identity.RegisterInput{Phone: in.Body.Phone, Password: in.Body.Password,
				DisplayName: in.Body.DisplayName, ClientAddr: obs.ClientFrom(ctx).Addr, RequestKey: in.IdempotencyKey})
		}, registrationView)
	answer(s, huma.Operation{OperationID: "verify-phone", Method: http.MethodPost, Path: "/accounts/verify-phone",
		Summary: "Verify a phone number with its code", Tags: tags,
		Description: "The code and the password given at registration. Every failure answers alike (422 verification_code_invalid); " +
			"5 tries per number in 10 minutes, then 429. The same code and password sent again within the code's 10 minutes " +
			"(a retry) answer 200 again."},
		public(), func(ctx context.Context, in *withBody[verifyPhoneInputBody]) (identity.Account, error) {
			return s.svc.Identity.VerifyPhone(ctx, in.Body.Phone, in.Body.Code, in.Body.Password)
		}, ownAccountView)
	answerNothing(s, huma.Operation{OperationID: "resend-verification-code", Method: http.MethodPost, Path: "/accounts/resend-verification-code",
		Summary: "Send a new verification code", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Answers 204 whether or not the number has an unverified registration (only then is a code sent), with the limits of register-resident."},
		public(), func(ctx context.Context, in *withBody[resendInputBody]) error {
			return s.svc.Identity.ResendVerificationCode(ctx, in.Body.Phone, obs.ClientFrom(ctx).Addr)
		})
	answerWith(s, huma.Operation{OperationID: "create-session", Method: http.MethodPost, Path: "/sessions",
		Summary: "Sign in", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Exchanges a login (phone or e-mail) and password for a bearer token, also set as an HttpOnly SameSite cookie. Failed logins are limited per account and per client address (429 with Retry-After)."},
		public(), func(ctx context.Context, in *withBody[sessionInputBody]) (identity.Session, error) {
			c := obs.ClientFrom(ctx)
			return s.svc.Identity.CreateSession(ctx, identity.LoginInput{Login: in.Body.Login, Password: in.Body.Password, ClientAddr: c.Addr, UserAgent: c.UserAgent})
		}, func(sess identity.Session) *sessionOutput {
			return &sessionOutput{SetCookie: s.sessionCookie(sess.Token, sess.ExpiresAt),
				Body: SessionView{Token: sess.Token, ExpiresAt: sess.ExpiresAt, Account: accountView(sess.Account, true)}}
		})
	answerWith(s, huma.Operation{OperationID: "delete-session", Method: http.MethodDelete, Path: "/sessions/current",
		Summary: "Sign out", Tags: tags, DefaultStatus: http.StatusNoContent, Description: "Revokes the session token used for this request."},
		signedIn(), func(ctx context.Context, in *tokenInput) (struct{}, error) {
			return struct{}{}, s.svc.Identity.DeleteSession(ctx, in.token())
		}, func(struct{}) *deleteSessionOutput {
			return &deleteSessionOutput{SetCookie: s.sessionCookie("", time.Time{})}
		})
	answer(s, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/me",
		Summary: "The signed-in account", Tags: tags},
		signedIn(), func(ctx context.Context, _ *struct{}) (identity.Account, error) {
			return *actor(ctx), nil
		}, ownAccountView)
	answer(s, huma.Operation{OperationID: "list-agencies", Method: http.MethodGet, Path: "/agencies",
		Summary: "List agencies", Tags: []string{"Agencies"}},
		public(), func(ctx context.Context, _ *struct{}) ([]identity.Agency, error) {
			return s.svc.Identity.ListAgencies(ctx)
		}, func(list []identity.Agency) agenciesOutputBody {
			return agenciesOutputBody{Agencies: views(list, agencyView)}
		})
	answer(s, huma.Operation{OperationID: "create-agency", Method: http.MethodPost, Path: "/agencies",
		Summary: "Create an agency", Tags: []string{"Agencies"}, DefaultStatus: http.StatusCreated},
		roles(identity.RoleAdmin), func(ctx context.Context, in *withBody[createAgencyInputBody]) (identity.Agency, error) {
			return s.svc.Identity.CreateAgency(ctx, actor(ctx), identity.AgencyInput{Code: in.Body.Code, Name: in.Body.Name,
				Kind: identity.AgencyKind(in.Body.Kind), ParentCode: in.Body.Parent})
		}, agencyView)
	answer(s, huma.Operation{OperationID: "create-account", Method: http.MethodPost, Path: "/accounts",
		Summary: "Create an account of any role", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Accounts an admin creates count as verified."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *withBody[createAccountInputBody]) (identity.Account, error) {
			b := in.Body
			return s.svc.Identity.CreateAccount(ctx, actor(ctx), identity.AccountInput{Role: identity.Role(b.Role), Phone: b.Phone,
				Email: b.Email, DisplayName: b.DisplayName, AgencyCode: b.Agency, Password: b.Password})
		}, otherAccountView)
	answerPage(s, huma.Operation{OperationID: "list-accounts", Method: http.MethodGet, Path: "/accounts",
		Summary: "List accounts", Tags: tags, Description: "Phone numbers are masked."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *listAccountsInput) ([]identity.Account, string, error) {
			return s.svc.Identity.ListAccounts(ctx, actor(ctx), identity.AccountFilter{Role: identity.Role(in.Role),
				Query: in.Query, AgencyCode: in.Agency, Limit: in.Limit, Cursor: in.Cursor})
		}, otherAccountView, func(list []AccountView, next string) accountsOutputBody {
			return accountsOutputBody{Accounts: list, NextCursor: next}
		})
}
