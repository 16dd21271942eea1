package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// OrganisationView is an organisation as its manager and admins see it.
type OrganisationView struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	CreditCode   string     `json:"credit_code" doc:"Unified social credit code (统一社会信用代码, GB 32100-2015)."`
	ContactEmail string     `json:"contact_email,omitempty"`
	Status       string     `json:"status" enum:"pending,verified,rejected" doc:"Keys can be created and used only while verified."`
	StatusNote   string     `json:"status_note,omitempty" doc:"The admin's reason when rejected."`
	VerifiedAt   *time.Time `json:"verified_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
}

func organisationView(o integrations.Organisation) OrganisationView {
	return OrganisationView{ID: o.ID, Name: o.Name, CreditCode: o.CreditCode, ContactEmail: o.ContactEmail, Status: string(o.Status),
		StatusNote: o.StatusNote, VerifiedAt: o.VerifiedAt, CreatedAt: o.CreatedAt}
}

// APIKeyView is an organisation's key as listed: never its secret.
type APIKeyView struct {
	ID            int64      `json:"id"`
	Name          string     `json:"name"`
	Prefix        string     `json:"prefix" doc:"The key's first characters, to recognise it."`
	Scopes        []string   `json:"scopes" enum:"read,submit_comments"`
	RateLimit     int        `json:"rate_limit" doc:"Requests allowed per window."`
	WindowSeconds int        `json:"window_seconds"`
	CreatedAt     time.Time  `json:"created_at"`
	LastUsedAt    *time.Time `json:"last_used_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
}

func apiKeyView(k integrations.APIKey) APIKeyView {
	return APIKeyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, RateLimit: k.RateLimit, WindowSeconds: k.WindowSeconds,
		CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
}

// NewAPIKeyView is a key just created, with its secret shown this once.
type NewAPIKeyView struct {
	APIKeyView
	Secret string `json:"secret" doc:"The key. Shown only in this answer: only its SHA-256 is kept. Send it as Authorization: Bearer <secret>."`
}

// APIKeyUseView is one logged request made with a key.
type APIKeyUseView struct {
	At         time.Time `json:"at"`
	Operation  string    `json:"operation"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	ClientAddr string    `json:"client_addr"`
}

// SignatoryInput is one signatory named with their consent.
type SignatoryInput struct {
	Name    string `json:"name" maxLength:"50"`
	Consent bool   `json:"consent" doc:"Must be true: name only signatories who agreed to be named publicly; count the others in signatory_count."`
}

// OrganisationCommentView is a comment submitted on an organisation's behalf.
type OrganisationCommentView struct {
	Comment          CommentView `json:"comment"`
	OrganisationID   int64       `json:"organisation_id"`
	OrganisationName string      `json:"organisation_name"`
	SignatoryCount   int         `json:"signatory_count"`
	Signatories      []string    `json:"signatories" doc:"Names of the signatories who consented to be named."`
}

// OrganisationCommentRowView is one comment in an organisation's list.
type OrganisationCommentRowView struct {
	CommentID      int64     `json:"comment_id"`
	DecisionID     int64     `json:"decision_id"`
	DecisionTitle  string    `json:"decision_title"`
	Receipt        string    `json:"receipt"`
	Status         string    `json:"status" enum:"pending,published,rejected"`
	SignatoryCount int       `json:"signatory_count"`
	NamedCount     int       `json:"named_count"`
	CreatedAt      time.Time `json:"created_at"`
}

// APIKeyPath names one API key of an organisation in the path.
type APIKeyPath struct {
	OrganisationPath
	KeyID int64 `path:"key_id" minimum:"1"`
}

type createOrganisationInputBody struct {
	Name         string `json:"name" maxLength:"100"`
	CreditCode   string `json:"credit_code" maxLength:"18" minLength:"18" doc:"Unified social credit code; its check character is verified (GB 32100-2015)." example:"91350100M000100Y43"`
	ContactEmail string `json:"contact_email,omitempty" maxLength:"254"`
}

type listOrganisationsInput struct {
	Status string `query:"status" enum:"pending,verified,rejected," doc:"Admins: filter by status."`
}

type listOrganisationsOutputBody struct {
	Organisations []OrganisationView `json:"organisations"`
}

type verifyOrganisationInputBody struct {
	Status string `json:"status" enum:"verified,rejected"`
	Note   string `json:"note,omitempty" maxLength:"500" doc:"Required when rejected."`
}

type createAPIKeyInputBody struct {
	Name      string   `json:"name" maxLength:"60"`
	Scopes    []string `json:"scopes" minItems:"1" maxItems:"2" enum:"read,submit_comments"`
	RateLimit int      `json:"rate_limit,omitempty" minimum:"0" maximum:"1200" doc:"Requests per minute; 120 when absent."`
}

type apiKeysOutputBody struct {
	Keys []APIKeyView `json:"keys"`
}

type apiKeyUsesInput struct {
	APIKeyPath
	Limit int `query:"limit" minimum:"0" maximum:"200"`
}

type apiKeyUsesOutputBody struct {
	Uses []APIKeyUseView `json:"uses"`
}

type submitOrganisationCommentInput struct {
	DecisionPath
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"200"`
	Body           struct {
		ArticleAnchor  string           `json:"article_anchor,omitempty" maxLength:"100"`
		Stance         string           `json:"stance,omitempty" enum:"support,oppose,suggestion,"`
		Body           string           `json:"body" maxLength:"20000"`
		SignatoryCount int              `json:"signatory_count" minimum:"1" maximum:"10000000" doc:"How many people the comment speaks for."`
		Signatories    []SignatoryInput `json:"signatories,omitempty" maxItems:"2000" doc:"Signatories named with their consent."`
	}
}

type organisationCommentOutput struct {
	Replayed string `header:"Idempotent-Replayed"`
	Body     OrganisationCommentView
}

type organisationCommentsOutputBody struct {
	Comments []OrganisationCommentRowView `json:"comments"`
}

func (s *server) registerIntegrations() {
	tags := []string{"Organisations"}
	answer(s, huma.Operation{OperationID: "create-organisation", Method: http.MethodPost, Path: "/organisations",
		Summary: "Register an organisation", Tags: tags, Errors: []int{403, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "A signed-in account with a verified phone registers the organisation it manages, with its unified social credit code " +
			"(18 characters, check character verified per GB 32100-2015: 422 invalid_credit_code). An admin verifies it before it may hold keys."},
		signedIn(), func(ctx context.Context, in *withBody[createOrganisationInputBody]) (integrations.Organisation, error) {
			return s.svc.Integrations.CreateOrganisation(ctx, actor(ctx), integrations.OrganisationInput{Name: in.Body.Name,
				CreditCode: in.Body.CreditCode, ContactEmail: in.Body.ContactEmail})
		}, organisationView)
	answer(s, huma.Operation{OperationID: "list-organisations", Method: http.MethodGet, Path: "/organisations",
		Summary: "List organisations", Tags: tags, Errors: []int{422},
		Description: "The organisations the caller manages; an admin sees all, pending first."},
		signedIn(), func(ctx context.Context, in *listOrganisationsInput) ([]integrations.Organisation, error) {
			return s.svc.Integrations.ListOrganisations(ctx, actor(ctx), in.Status)
		}, func(list []integrations.Organisation) listOrganisationsOutputBody {
			return listOrganisationsOutputBody{Organisations: views(list, organisationView)}
		})
	answer(s, huma.Operation{OperationID: "get-organisation", Method: http.MethodGet, Path: "/organisations/{organisation_id}",
		Summary: "Get an organisation", Tags: tags, Errors: []int{404}, Description: "To its manager and admins."},
		signedIn(), func(ctx context.Context, in *OrganisationPath) (integrations.Organisation, error) {
			return s.svc.Integrations.GetOrganisation(ctx, actor(ctx), in.OrganisationID)
		}, organisationView)
	answer(s, huma.Operation{OperationID: "verify-organisation", Method: http.MethodPost, Path: "/organisations/{organisation_id}/verification",
		Summary: "Verify or reject an organisation", Tags: tags, Errors: []int{404, 422},
		Description: "The admin records the outcome of checking the organisation against its registration. Rejecting needs a note; " +
			"a rejected organisation's keys stop working at once (403 organisation_not_verified)."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *onOrganisation[verifyOrganisationInputBody]) (integrations.Organisation, error) {
			return s.svc.Integrations.VerifyOrganisation(ctx, actor(ctx), in.OrganisationID, integrations.OrganisationStatus(in.Body.Status), in.Body.Note)
		}, organisationView)
	s.registerAPIKeys()
	s.registerWebhooks()
}

func (s *server) registerAPIKeys() {
	tags := []string{"Organisations"}
	answer(s, huma.Operation{OperationID: "create-api-key", Method: http.MethodPost, Path: "/organisations/{organisation_id}/api-keys",
		Summary: "Create an API key for an organisation", Tags: tags, Errors: []int{404, 409, 422}, DefaultStatus: http.StatusCreated,
		Description: "The organisation's manager creates a key with scopes `read` and/or `submit_comments` and a limit of requests per minute " +
			"(default 120, at most 1200 for all the organisation's keys not revoked together: 409 organisation_rate_limit_exceeded). " +
			"The secret is in this answer only; canyu keeps its SHA-256. 409 organisation_not_verified before an admin verified it."},
		signedIn(), func(ctx context.Context, in *onOrganisation[createAPIKeyInputBody]) (integrations.NewAPIKey, error) {
			return s.svc.Integrations.CreateAPIKey(ctx, actor(ctx), in.OrganisationID, integrations.APIKeyInput{Name: in.Body.Name,
				Scopes: in.Body.Scopes, RateLimit: in.Body.RateLimit})
		}, func(k integrations.NewAPIKey) NewAPIKeyView {
			return NewAPIKeyView{APIKeyView: apiKeyView(k.APIKey), Secret: k.Secret}
		})
	answer(s, huma.Operation{OperationID: "list-api-keys", Method: http.MethodGet, Path: "/organisations/{organisation_id}/api-keys",
		Summary: "List an organisation's API keys", Tags: tags, Errors: []int{404},
		Description: "Newest first, revoked ones included, never the secrets. To the organisation's manager and admins."},
		signedIn(), func(ctx context.Context, in *OrganisationPath) ([]integrations.APIKey, error) {
			return s.svc.Integrations.ListAPIKeys(ctx, actor(ctx), in.OrganisationID)
		}, func(list []integrations.APIKey) apiKeysOutputBody {
			return apiKeysOutputBody{Keys: views(list, apiKeyView)}
		})
	answer(s, huma.Operation{OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/organisations/{organisation_id}/api-keys/{key_id}",
		Summary: "Revoke an API key", Tags: tags, Errors: []int{404},
		Description: "The key stops working at once (401 api_key_revoked); its use log stays. By the organisation's manager or an admin."},
		signedIn(), func(ctx context.Context, in *APIKeyPath) (integrations.APIKey, error) {
			return s.svc.Integrations.RevokeAPIKey(ctx, actor(ctx), in.OrganisationID, in.KeyID)
		}, apiKeyView)
	answer(s, huma.Operation{OperationID: "list-api-key-uses", Method: http.MethodGet, Path: "/organisations/{organisation_id}/api-keys/{key_id}/uses",
		Summary: "List the logged uses of an API key", Tags: tags, Errors: []int{404, 422},
		Description: "Every request made with the key, refused ones included (status 401, 403, 429), newest first."},
		signedIn(), func(ctx context.Context, in *apiKeyUsesInput) ([]integrations.KeyUse, error) {
			return s.svc.Integrations.ListKeyUses(ctx, actor(ctx), in.OrganisationID, in.KeyID, in.Limit)
		}, func(list []integrations.KeyUse) apiKeyUsesOutputBody {
			return apiKeyUsesOutputBody{Uses: views(list, func(u integrations.KeyUse) APIKeyUseView {
				return APIKeyUseView{At: u.At, Operation: u.Operation, Method: u.Method, Path: u.Path, Status: u.Status, ClientAddr: u.ClientAddr}
			})}
		})
	answer(s, huma.Operation{OperationID: "list-organisation-comments", Method: http.MethodGet, Path: "/organisations/{organisation_id}/comments",
		Summary: "List the comments an organisation submitted", Tags: tags, Errors: []int{404},
		Description: "Newest first, with their receipts and signatory counts. To the organisation's manager and admins."},
		signedIn(), func(ctx context.Context, in *OrganisationPath) ([]integrations.OrganisationCommentRow, error) {
			return s.svc.Integrations.ListOrganisationComments(ctx, actor(ctx), in.OrganisationID)
		}, func(list []integrations.OrganisationCommentRow) organisationCommentsOutputBody {
			return organisationCommentsOutputBody{Comments: views(list, func(c integrations.OrganisationCommentRow) OrganisationCommentRowView {
				return OrganisationCommentRowView(c)
			})}
		})
	register(s, huma.Operation{OperationID: "submit-organisation-comment", Method: http.MethodPost, Path: "/decisions/{decision_id}/organisation-comments",
		Summary: "Comment on a draft on an organisation's behalf", Tags: []string{"Comments", "Organisations"}, Errors: []int{404, 409, 422},
		DefaultStatus: http.StatusCreated,
		Description: "An organisation comments with its key (scope `submit_comments`), stating how many people the comment speaks for and naming " +
			"only the signatories who consented to be named (422 signatory_consent_required for a name without consent). The comment passes " +
			"the same gates as a resident's (window open, Decree 713 Art. 15; moderation; per-account limits, as a comment of the account " +
			"that manages the organisation). With an Idempotency-Key a retry returns the first comment (Idempotent-Replayed: true). " +
			"403 `organisation_manager_disabled` while that account is disabled by an admin, or after it was deleted."},
		keyScope(integrations.ScopeSubmitComments), func(ctx context.Context, in *submitOrganisationCommentInput) (*organisationCommentOutput, error) {
			sigs := make([]integrations.Signatory, len(in.Body.Signatories))
			for i, sg := range in.Body.Signatories {
				sigs[i] = integrations.Signatory{Name: sg.Name, Consent: sg.Consent}
			}
			oc, created, err := s.svc.Integrations.SubmitOrganisationComment(ctx, keyCall(ctx), in.DecisionID, integrations.OrganisationCommentInput{
				CommentInput: consultation.CommentInput{ArticleAnchor: in.Body.ArticleAnchor, Stance: in.Body.Stance, Body: in.Body.Body,
					IdempotencyKey: in.IdempotencyKey, ClientAddr: obs.ClientFrom(ctx).Addr},
				SignatoryCount: in.Body.SignatoryCount, Signatories: sigs})
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			out := &organisationCommentOutput{Body: OrganisationCommentView{Comment: commentView(oc.Comment), OrganisationID: oc.OrganisationID,
				OrganisationName: oc.OrganisationName, SignatoryCount: oc.SignatoryCount, Signatories: oc.Signatories}}
			if !created {
				out.Replayed = "true"
			}
			return out, nil
		})
}
