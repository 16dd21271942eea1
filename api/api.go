// Package api is the JSON API: huma v2 operations on chi v5 under /api/v1.
// Handlers translate HTTP to one service call and back; they hold no SQL and
// no business rules. Role checks happen in one place, the auth middleware,
// from the roles each operation declares when it is registered.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/services"
)

// Version is the API version shown in the spec.
const Version = "1.0.0"

// SessionCookie is the name of the HttpOnly cookie that carries the session
// token for pages.
const SessionCookie = "canyu_session"

// Services are the domain services the API calls. A zero Services is enough
// to generate the spec (`canyu openapi`).
type Services = services.Set

type server struct {
	svc Services
	api huma.API
}

// New mounts the API on r (which the caller mounts under /api/v1) and
// returns it.
func New(r chi.Router, svc Services) huma.API {
	config := huma.DefaultConfig("canyu 参与 API", Version)
	config.Info.Description = "重大行政决策公众参与平台 API: decisions, drafts, public comments, surveys, legality review and the process record."
	config.Servers = []*huma.Server{{URL: "/api/v1"}}
	config.Info.License = &huma.License{Name: "CC BY 4.0", Identifier: "CC-BY-4.0"}
	config.Info.Contact = &huma.Contact{Name: "canyu 参与 平台维护", URL: "https://github.com/canyu-gov/canyu/issues"}
	config.OpenAPIPath = "/openapi"
	config.DocsPath = "" // served from embedded assets by mountDocs, not from a CDN
	config.SchemasPath = "/schemas"
	config.CreateHooks = nil // no $schema links in bodies: keeps answers and the spec stable
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":          {Type: "http", Scheme: "bearer", Description: "Session token from create-session."},
		"cookie":          {Type: "apiKey", In: "cookie", Name: SessionCookie, Description: "The same session token in the HttpOnly cookie pages use."},
		"organisationKey": {Type: "http", Scheme: "bearer", BearerFormat: "cyk_…", Description: organisationKeyDoc},
	}
	a := humachi.New(r, config)
	mountDocs(r)
	s := &server{svc: svc, api: a}
	a.UseMiddleware(s.authenticate)
	s.registerIdentity()
	s.registerAdmin()
	s.registerDecisions()
	s.registerVersions()
	s.registerDocuments()
	s.registerRecord()
	s.registerSigningKeys()
	s.registerWorkday()
	s.registerComments()
	s.registerDispositions()
	s.registerSurveys()
	s.registerReview()
	s.registerPublication()
	s.registerSupervision()
	s.registerSearch()
	s.registerOpenData()
	s.registerSearchSynonyms()
	s.registerHearings()
	s.registerThemes()
	s.registerMeetings()
	s.registerCatalogue()
	s.registerImplementation()
	s.registerIntegrations()
	s.registerNotifications()
	return a
}

// Spec returns the OpenAPI document as YAML without any database.
func Spec() ([]byte, error) {
	r := chi.NewRouter()
	a := New(r, Services{})
	return a.OpenAPI().YAML()
}

type accessKind int

const (
	accessPublic accessKind = iota
	accessSignedIn
	// accessKey: an organisation's API key with the operation's scope.
	accessKey
)

// access is what an operation requires of its caller.
type access struct {
	kind  accessKind
	roles []identity.Role // empty with accessSignedIn: any role
	scope string          // with accessKey: the scope the key needs
}

func public() access                  { return access{kind: accessPublic} }
func signedIn() access                { return access{kind: accessSignedIn} }
func roles(r ...identity.Role) access { return access{kind: accessSignedIn, roles: r} }
func keyScope(scope string) access    { return access{kind: accessKey, scope: scope} }
func (a access) needsAuth() bool      { return a.kind == accessSignedIn }
func (a access) allows(acct *identity.Account) bool {
	return len(a.roles) == 0 || acct.HasRole(a.roles...)
}

// register adds an operation with its access rule, documented in the spec.
// It is the one place that makes the contract complete for outside linters
// (`redocly lint` with its recommended rules, TestRedoclyLint): every
// operation declares its security, the public ones explicitly (`security:
// []`), and lists the problems every operation can answer besides its own:
// 401 for a credential that is presented but not valid (refused on public
// operations too, so a revoked key is never silently read as anonymous),
// 403 for a role not allowed, 503 for an outage of the database. huma adds
// 422 (validation) and 500 when the operation has parameters or a body.
func register[I, O any](s *server, op huma.Operation, acc access, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["access"] = acc
	if acc.needsAuth() {
		op.Security = []map[string][]string{{"bearer": {}}, {"cookie": {}}}
		note := "Requires a signed-in account."
		if len(acc.roles) > 0 {
			rs := make([]string, len(acc.roles))
			for i, r := range acc.roles {
				rs[i] = "`" + string(r) + "`"
			}
			note = "Requires role " + strings.Join(rs, " or ") + "."
		}
		op.Description = strings.TrimSpace(op.Description + "\n\n" + note)
		if len(acc.roles) > 0 {
			op.Errors = addStatus(op.Errors, http.StatusForbidden)
		}
	} else if acc.kind == accessKey {
		op.Security = []map[string][]string{{"organisationKey": {acc.scope}}}
		op.Description = strings.TrimSpace(op.Description + "\n\nRequires an organisation's API key with scope `" + acc.scope + "`.")
		op.Errors = addStatus(op.Errors, http.StatusForbidden)
		op.Errors = addStatus(op.Errors, http.StatusTooManyRequests)
	} else {
		// Explicitly public: an empty list, not an absent one. An
		// organisation's key may still be sent (and is then counted
		// against its limit: 429).
		op.Security = []map[string][]string{}
		op.Errors = addStatus(op.Errors, http.StatusTooManyRequests)
	}
	op.Errors = addStatus(op.Errors, http.StatusUnauthorized)
	op.Errors = addStatus(op.Errors, http.StatusServiceUnavailable)
	huma.Register(s.api, op, h)
}

// addStatus appends a status to an operation's error list once.
func addStatus(list []int, status int) []int {
	if slices.Contains(list, status) {
		return list
	}
	return append(list, status)
}

type actorKey struct{}

// actor returns the signed-in account of the request, or nil.
func actor(ctx context.Context) *identity.Account {
	a, _ := ctx.Value(actorKey{}).(*identity.Account)
	return a
}

// bearerToken reads the session token from the Authorization header or, for
// pages, the session cookie.
func bearerToken(h func(string) string, cookie func(string) (*http.Cookie, error)) string {
	if v := h("Authorization"); len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	if c, err := cookie(SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// hasBearer reports whether the request carries a bearer credential in its
// Authorization header (rather than only the session cookie).
func hasBearer(h func(string) string) bool {
	v := h("Authorization")
	return len(v) > 7 && strings.EqualFold(v[:7], "bearer ")
}

// authenticate is the one place where roles are checked: it resolves the
// session, then refuses with 401 when an operation needs a sign-in and has
// none (or a bad token), and 403 when the role is not among those allowed.
// A bad token in the Authorization header is refused on public operations
// too: an integrator whose credential expired or was revoked learns it
// instead of being served as anonymous. A stale cookie on a public
// operation still reads as anonymous (a browser keeps cookies).
func (s *server) authenticate(hctx huma.Context, next func(huma.Context)) {
	acc, _ := hctx.Operation().Metadata["access"].(access)
	token := bearerToken(hctx.Header, func(name string) (*http.Cookie, error) { return huma.ReadCookie(hctx, name) })
	if hasBearer(hctx.Header) && strings.HasPrefix(token, integrations.KeyPrefix) {
		s.authenticateKey(hctx, token, acc, next)
		return
	}
	if acc.kind == accessKey {
		writeProblem(hctx, toProblem(hctx.Context(), errKeyRequired))
		return
	}
	if token == "" && !acc.needsAuth() {
		next(hctx)
		return
	}
	if s.svc.Identity == nil {
		writeProblem(hctx, toProblem(hctx.Context(), errNoIdentity))
		return
	}
	var acct *identity.Account
	if token != "" {
		a, err := s.svc.Identity.Authenticate(hctx.Context(), token)
		if err != nil && (acc.needsAuth() || hasBearer(hctx.Header)) {
			writeProblem(hctx, toProblem(hctx.Context(), err))
			return
		}
		if err == nil {
			acct = &a
		}
	}
	if acc.needsAuth() {
		if acct == nil {
			writeProblem(hctx, toProblem(hctx.Context(), identity.RequireRole(nil)))
			return
		}
		if !acc.allows(acct) {
			writeProblem(hctx, toProblem(hctx.Context(), identity.RequireRole(acct, acc.roles...)))
			return
		}
	}
	if acct != nil {
		hctx = huma.WithValue(hctx, actorKey{}, acct)
	}
	next(hctx)
}

func writeProblem(hctx huma.Context, err error) {
	var p *Problem
	if !errors.As(err, &p) {
		p = newProblem(hctx.Context(), http.StatusInternalServerError, "internal", err).(*Problem)
	}
	// A problem with headers (Retry-After of a 503 or 429) keeps them: the
	// middleware answered 500 for a database outage before.
	var he huma.HeadersError
	if errors.As(err, &he) {
		for k, vs := range he.GetHeaders() {
			for _, v := range vs {
				hctx.AppendHeader(k, v)
			}
		}
	}
	p.Instance = obs.RequestID(hctx.Context())
	hctx.SetHeader("Content-Type", "application/problem+json")
	hctx.SetStatus(p.Status)
	json.NewEncoder(hctx.BodyWriter()).Encode(p)
}
