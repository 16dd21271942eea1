package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/signing"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Personal signing keys (Electronic Signature Law Art. 13): a signer enrols
// the public half of an Ed25519 key they hold, confirms it with the code
// sent by SMS, and then signs opinions, conclusions, confirmations,
// deliberations and publications with it: first ask for the step's
// statement (the prepare-*-statement operations), sign its bytes, then
// send the step with signing_key_id and signature instead of the password.

// SigningKeyView is one of the caller's personal signing keys.
type SigningKeyView struct {
	KeyID         string     `json:"key_id" doc:"First 16 hex characters of the SHA-256 of the raw public key."`
	PublicKey     string     `json:"public_key" doc:"The raw 32-byte Ed25519 public key, base64."`
	Origin        string     `json:"origin" enum:"browser,client" doc:"Made in the browser (WebCrypto, non-extractable) or held by an API client."`
	Label         string     `json:"label"`
	Status        string     `json:"status" enum:"pending,active,revoked,abandoned" doc:"pending until the SMS code is entered; abandoned when it expired unconfirmed."`
	CreatedAt     time.Time  `json:"created_at"`
	ConfirmedAt   *time.Time `json:"confirmed_at,omitempty"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
	CodeExpiresAt *time.Time `json:"code_expires_at,omitempty" doc:"Until when the SMS code can be entered (pending keys)."`
}

func signingKeyView(k signing.Key) SigningKeyView {
	v := SigningKeyView{KeyID: k.KeyID, PublicKey: base64.StdEncoding.EncodeToString(k.PublicKey), Origin: k.Origin, Label: k.Label,
		Status: string(k.Status), CreatedAt: k.CreatedAt.UTC(), ConfirmedAt: utcPtr(k.ConfirmedAt), RevokedAt: utcPtr(k.RevokedAt),
		RevokedReason: k.RevokedReason}
	if k.Status == signing.StatusPending {
		v.CodeExpiresAt = utcPtr(k.CodeExpiresAt)
	}
	return v
}

// SignerSignatureFields are the members a sign-off takes instead of the
// password when the signer signs with their own key.
type SignerSignatureFields struct {
	SigningKeyID string `json:"signing_key_id,omitempty" maxLength:"64" doc:"The signer's enrolled key (list-signing-keys); with signature, replaces the password."`
	Signature    string `json:"signature,omitempty" maxLength:"200" doc:"Base64 Ed25519 signature over the bytes of the statement from the matching prepare-*-statement operation."`
}

func (f SignerSignatureFields) signature() *consultation.SignerSignature {
	if f.SigningKeyID == "" && f.Signature == "" {
		return nil
	}
	return &consultation.SignerSignature{KeyID: f.SigningKeyID, Signature: f.Signature}
}

// SigningStatementView is the exact text a signer signs with their key.
type SigningStatementView struct {
	KeyID           string `json:"key_id"`
	Statement       string `json:"statement" doc:"Canonical JSON (sorted keys, no insignificant whitespace) of the step: format, kind, decision_id, account_id, key_id and content. Sign its UTF-8 bytes."`
	StatementBase64 string `json:"statement_base64" doc:"The same bytes in base64."`
}

// signingStatement is a statement and the key it is for.
type signingStatement struct {
	keyID string
	bytes []byte
}

func signingStatementView(st signingStatement) SigningStatementView {
	return SigningStatementView{KeyID: st.keyID, Statement: string(st.bytes), StatementBase64: base64.StdEncoding.EncodeToString(st.bytes)}
}

type enrolSigningKeyInputBody struct {
	PublicKey string `json:"public_key" maxLength:"1000" doc:"The Ed25519 public key: base64 of the raw 32 bytes (WebCrypto exportKey('raw')) or a PEM PUBLIC KEY."`
	Origin    string `json:"origin" enum:"browser,client"`
	Label     string `json:"label,omitempty" maxLength:"400" doc:"A name for the device or client, at most 100 characters."`
}

// SigningKeyPath names one of the caller's signing keys in the path.
type SigningKeyPath struct {
	KeyID string `path:"key_id" maxLength:"64"`
}

type confirmSigningKeyInput struct {
	SigningKeyPath
	Body struct {
		Code string `json:"code" maxLength:"20" doc:"The code sent by SMS to the account's phone."`
	}
}

type revokeSigningKeyInput struct {
	SigningKeyPath
	Body *struct {
		Reason string `json:"reason,omitempty" maxLength:"400"`
	}
}

type signingKeysOutputBody struct {
	Keys []SigningKeyView `json:"keys"`
}

// StatementKeyField names the personal key a prepared statement is for.
type StatementKeyField struct {
	SigningKeyID string `json:"signing_key_id" maxLength:"64"`
}

type opinionStatementInputBody struct {
	OpinionFields
	StatementKeyField
}

type conclusionStatementInputBody struct {
	ConclusionFields
	StatementKeyField
}

type confirmationStatementInputBody struct {
	ConfirmationFields
	StatementKeyField
}

type deliberationStatementInput struct {
	DecisionPath
	Body struct {
		DeliberationFields
		StatementKeyField
	}
}

type publicationStatementInput struct {
	DecisionPath
	Body struct {
		PublicationFields
		StatementKeyField
	}
}

func (s *server) registerSigningKeys() {
	tags := []string{"Signing keys"}
	signers := roles(identity.RoleLegalAdviser, identity.RoleReviewer, identity.RoleAgencyStaff)
	answer(s, huma.Operation{OperationID: "enrol-signing-key", Method: http.MethodPost, Path: "/signing-keys",
		Summary: "Enrol a personal signing key", Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{403, 409, 422, 429, 503},
		Description: "Enrols the public half of an Ed25519 key the signer holds (Electronic Signature Law Art. 13: the signature-creation data " +
			"belongs to the signer alone) and sends a code by SMS to the account's phone; the key signs once confirm-signing-key is given it. " +
			"Legal advisers, reviewers and agency staff. 409 `signing_key_exists`, `too_many_signing_keys`, `phone_required_for_signing_key`. " +
			"Five enrolments in 24 hours, revoked ones included (429 `sms_limit_reached`, with Retry-After)."},
		signers, func(ctx context.Context, in *withBody[enrolSigningKeyInputBody]) (signing.Key, error) {
			return s.svc.Consultation.SigningKeys.EnrolKey(ctx, actor(ctx), signing.EnrolInput{PublicKey: in.Body.PublicKey,
				Origin: in.Body.Origin, Label: in.Body.Label})
		}, signingKeyView)
	answer(s, huma.Operation{OperationID: "confirm-signing-key", Method: http.MethodPost, Path: "/signing-keys/{key_id}/confirmation",
		Summary: "Confirm a signing key with the SMS code", Tags: tags, Errors: []int{404, 409, 422, 429},
		Description: "Confirms the caller's pending key with the code sent by SMS (out of band). 422 `signing_code_invalid`, " +
			"409 `signing_code_expired`, 429 `signing_code_attempts_exceeded` after 5 wrong codes."},
		signedIn(), func(ctx context.Context, in *confirmSigningKeyInput) (signing.Key, error) {
			return s.svc.Consultation.SigningKeys.ConfirmKey(ctx, actor(ctx), in.KeyID, in.Body.Code)
		}, signingKeyView)
	answer(s, huma.Operation{OperationID: "list-signing-keys", Method: http.MethodGet, Path: "/signing-keys",
		Summary: "The caller's personal signing keys", Tags: tags,
		Description: "Every key the caller enrolled, newest first, with its status."},
		signedIn(), func(ctx context.Context, _ *struct{}) ([]signing.Key, error) {
			return s.svc.Consultation.SigningKeys.ListKeys(ctx, actor(ctx))
		}, func(keys []signing.Key) signingKeysOutputBody {
			return signingKeysOutputBody{Keys: views(keys, signingKeyView)}
		})
	answer(s, huma.Operation{OperationID: "revoke-signing-key", Method: http.MethodPost, Path: "/signing-keys/{key_id}/revocation",
		Summary: "Revoke a signing key", Tags: tags, Errors: []int{404, 409},
		Description: "Revokes one of the caller's keys: it signs nothing from now on (a sign-off with it answers 403 `signing_key_revoked`); " +
			"what it signed before stays valid. Enrol a new key to replace it."},
		signedIn(), func(ctx context.Context, in *revokeSigningKeyInput) (signing.Key, error) {
			reason := ""
			if in.Body != nil {
				reason = in.Body.Reason
			}
			return s.svc.Consultation.SigningKeys.RevokeKey(ctx, actor(ctx), in.KeyID, reason)
		}, signingKeyView)
	answer(s, huma.Operation{OperationID: "prepare-legal-opinion-statement", Method: http.MethodPost,
		Path: "/legality-reviews/{review_id}/opinions/statement", Summary: "The statement to sign for a legal opinion", Tags: tags,
		Description: "Checks the opinion as create-legal-opinion does (without the password) and returns the exact statement to sign with " +
			"the key signing_key_id; send the opinion to create-legal-opinion with signing_key_id and the signature. Writes nothing."},
		roles(identity.RoleLegalAdviser), func(ctx context.Context, in *onReview[opinionStatementInputBody]) (signingStatement, error) {
			st, err := s.svc.Consultation.LegalOpinionStatement(ctx, actor(ctx), in.ReviewID, in.Body.input(), in.Body.SigningKeyID)
			return signingStatement{in.Body.SigningKeyID, st}, err
		}, signingStatementView)
	answer(s, huma.Operation{OperationID: "prepare-review-conclusion-statement", Method: http.MethodPost,
		Path: "/legality-reviews/{review_id}/conclusion/statement", Summary: "The statement to sign for a review conclusion", Tags: tags,
		Description: "Checks the conclusion as sign-review-conclusion does (without the password) and returns the exact statement to sign. Writes nothing."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[conclusionStatementInputBody]) (signingStatement, error) {
			st, err := s.svc.Consultation.ReviewConclusionStatement(ctx, actor(ctx), in.ReviewID, in.Body.input(), in.Body.SigningKeyID)
			return signingStatement{in.Body.SigningKeyID, st}, err
		}, signingStatementView)
	answer(s, huma.Operation{OperationID: "prepare-review-confirmation-statement", Method: http.MethodPost,
		Path: "/legality-reviews/{review_id}/confirmations/statement", Summary: "The statement to sign for confirming changes", Tags: tags,
		Description: "Checks the confirmation as confirm-review-changes does (without the password) and returns the exact statement to sign. Writes nothing."},
		roles(identity.RoleReviewer), func(ctx context.Context, in *onReview[confirmationStatementInputBody]) (signingStatement, error) {
			st, err := s.svc.Consultation.ReviewConfirmationStatement(ctx, actor(ctx), in.ReviewID, in.Body.input(), in.Body.SigningKeyID)
			return signingStatement{in.Body.SigningKeyID, st}, err
		}, signingStatementView)
	answer(s, huma.Operation{OperationID: "prepare-deliberation-statement", Method: http.MethodPost,
		Path: "/decisions/{decision_id}/deliberations/statement", Summary: "The statement to sign for a recorded meeting", Tags: tags,
		Description: "Checks the meeting as record-deliberation does and returns the exact statement to sign with the key signing_key_id " +
			"(the head or the staff member who records the decision body's meeting); send the meeting to record-deliberation with " +
			"signing_key_id and the signature. Writes nothing."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *deliberationStatementInput) (signingStatement, error) {
			d, err := in.Body.input()
			if err != nil {
				return signingStatement{}, err
			}
			st, err := s.svc.Consultation.DeliberationStatement(ctx, actor(ctx), in.DecisionID, d, in.Body.SigningKeyID)
			return signingStatement{in.Body.SigningKeyID, st}, err
		}, signingStatementView)
	answer(s, huma.Operation{OperationID: "prepare-publication-statement", Method: http.MethodPost,
		Path: "/decisions/{decision_id}/publication/statement", Summary: "The statement to sign for publishing a decision", Tags: tags,
		Description: "Checks the publication as publish-decision does and returns the exact statement to sign with the key signing_key_id; " +
			"send the publication to publish-decision with signing_key_id and the signature. Writes nothing."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *publicationStatementInput) (signingStatement, error) {
			p, err := in.Body.input()
			if err != nil {
				return signingStatement{}, err
			}
			st, err := s.svc.Consultation.PublicationStatement(ctx, actor(ctx), in.DecisionID, p, in.Body.SigningKeyID)
			return signingStatement{in.Body.SigningKeyID, st}, err
		}, signingStatementView)
}
