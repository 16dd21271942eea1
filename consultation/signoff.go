package consultation

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/consultation/signing"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// How a signer authorises a sign-off (a legal opinion, a review conclusion,
// a confirmation of changes). With a personal key enrolled (package
// signing; Electronic Signature Law Art. 13) they sign the step's
// statement (record.Statement: the step's content, the decision, their
// account and key) on their own device, and the platform checks the
// signature, records it in the entry and countersigns; without one they
// re-enter their password and the platform signs alone. The entry's
// signed_by.method says which.

// SignerSignature is a signature made with the signer's own key over the
// step's statement (get it first with the Statement variant of the step).
type SignerSignature struct {
	// KeyID names the signer's enrolled key.
	KeyID string
	// Signature is the base64 Ed25519 signature over the statement bytes.
	Signature string
}

// signOff is what authorises a sign-off: the signer's own signature, or
// (personal nil) a re-entered password, or, for a step the platform signs
// on the actor's behalf (platform), nothing more than the session.
type signOff struct {
	personal *record.PersonalSignature
	platform bool
}

// statementOf returns the bytes a signer signs with key keyID for the step.
func statementOf(kind RecordKind, decisionID int64, actor *identity.Account, keyID string, content map[string]any) ([]byte, error) {
	b, err := record.Statement{Kind: kind, DecisionID: decisionID, AccountID: actor.ID, KeyID: keyID, Content: content}.Bytes()
	if err != nil {
		return nil, errs.Internal(err)
	}
	return b, nil
}

// signNewRow signs st (sign) for a step that writes a new row of table,
// then draws the row's id (nextID) and names it in the payload as member:
// the signer signs the whole entry but the id, which is drawn only when the
// row is written. Codes: those of sign.
func (s *Service) signNewRow(ctx context.Context, tx pgx.Tx, run *signOffRun, st signedStep, a signerAuth,
	table, member string) (signedStep, int64, error) {
	st, err := s.sign(ctx, tx, run, st, a)
	if err != nil {
		return st, 0, err
	}
	id, err := nextID(ctx, tx, table)
	if err != nil {
		return st, 0, err
	}
	st.payload = withMember(st.payload, member, id)
	return st, id, nil
}

// signerAuth is what a signer gave to authorise a sign-off: their own
// signature over the step's statement or, without one, their re-entered
// password. A step that staff record for the decision body (a deliberation,
// a publication) is recorded: it takes no password, and without a
// signature the platform signs alone, as it always did for these steps, and
// the entry says so (signed_by.method "platform").
type signerAuth struct {
	password  string
	recorded  bool
	signature *SignerSignature
}

// authorise checks the signer's own signature over the step's statement
// (content is what the entry's payload will hold) or, without one, their
// re-entered password (none for a recorded step). Codes: those of
// reauthenticate (not for a recorded step), signing_key_not_found,
// signing_key_not_confirmed (403), signing_key_revoked (403),
// signature_required, signer_signature_invalid.
func (s *Service) authorise(ctx context.Context, tx pgx.Tx, actor *identity.Account, kind RecordKind, decisionID int64,
	content map[string]any, a signerAuth) (signOff, error) {
	sig := a.signature
	if sig == nil || (sig.KeyID == "" && sig.Signature == "") {
		if a.recorded {
			return signOff{platform: true}, nil
		}
		if err := s.reauthenticate(ctx, actor, a.password); err != nil {
			return signOff{}, err
		}
		return signOff{}, nil
	}
	return s.personalSignOff(ctx, tx, actor, kind, decisionID, content, sig)
}

// signOffRun is one run of a sign-off step. With key set it runs in
// statement mode: it checks what the step checks, keeps the statement the
// signer signs with that key and writes nothing.
type signOffRun struct {
	key       string
	statement []byte
}

// sign authorises the sign-off st, whose payload is what the signer signs,
// and returns it ready for appendBound: signed by the platform too, now,
// saying how the signer authorised it. In statement mode it keeps the
// statement instead and returns errStatementOnly, which rolls the
// transaction back. Codes: those of authorise.
func (s *Service) sign(ctx context.Context, tx pgx.Tx, run *signOffRun, st signedStep, a signerAuth) (signedStep, error) {
	if run.key != "" {
		statement, err := statementOf(st.kind, st.decisionID, st.actor, run.key, st.payload)
		if err != nil {
			return st, err
		}
		run.statement = statement
		return st, errStatementOnly
	}
	auth, err := s.authorise(ctx, tx, st.actor, st.kind, st.decisionID, st.payload, a)
	if err != nil {
		return st, err
	}
	st.signed, st.at, st.auth = true, s.now(), &auth
	return st, nil
}

// personalSignOff checks the signer's own signature over the step's
// statement with their enrolled key.
func (s *Service) personalSignOff(ctx context.Context, tx pgx.Tx, actor *identity.Account, kind RecordKind, decisionID int64,
	content map[string]any, sig *SignerSignature) (signOff, error) {
	if sig.KeyID == "" {
		return signOff{}, errs.InvalidField("signing_key_id_required", "signing_key_id", "请注明签名所用的密钥")
	}
	if sig.Signature == "" {
		return signOff{}, errs.InvalidField("signature_required", "signature", "请用您的签名密钥签署后再提交")
	}
	key, err := signing.SigningKey(ctx, tx, actor.ID, sig.KeyID, s.now())
	if err != nil {
		return signOff{}, err
	}
	statement, err := statementOf(kind, decisionID, actor, key.KeyID, content)
	if err != nil {
		return signOff{}, err
	}
	if !record.VerifyStatementSignature(key.PublicKey, statement, sig.Signature) {
		return signOff{}, errs.InvalidField("signer_signature_invalid", "signature",
			"签名与签署内容不符：请确认签署的是本页显示的内容，且使用的是所登记的密钥")
	}
	return signOff{personal: &record.PersonalSignature{Key: key, Statement: statement, Signature: sig.Signature}}, nil
}

// errStatementOnly ends a sign-off's transaction once its statement is
// known (the Statement variants write nothing).
var errStatementOnly = errors.New("statement only")

// signOffStatement runs the sign-off step in statement mode with the key
// keyID (the step returns the statement and rolls its transaction back with
// errStatementOnly) and returns the statement: the body of each Statement
// variant. Codes: those of step, signing_key_id_required.
func signOffStatement[In, Out any](ctx context.Context, actor *identity.Account, id int64, in In, keyID string,
	step func(context.Context, *identity.Account, int64, In, string) (Out, []byte, error)) ([]byte, error) {
	if keyID == "" {
		return nil, errs.InvalidField("signing_key_id_required", "signing_key_id", "请注明签名所用的密钥")
	}
	_, st, err := step(ctx, actor, id, in, keyID)
	return st, err
}

// signed is a sign-off's result outside statement mode.
func signed[T any](out T, _ []byte, err error) (T, error) {
	return out, err
}

// statementOrResult ends a sign-off: in statement mode the statement,
// otherwise the step's result or its error.
func statementOrResult[T any](out T, statement []byte, err error) (T, []byte, error) {
	var zero T
	switch {
	case errors.Is(err, errStatementOnly):
		return zero, statement, nil
	case err != nil:
		if e, ok := errs.As(err); ok {
			return zero, nil, e
		}
		return zero, nil, errs.Internal(err)
	}
	return out, nil, nil
}

// withMember returns a copy of content with the member k set to v (the
// entry's payload: what the signer signed and the row's id).
func withMember(content map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(content)+1)
	for name, x := range content {
		out[name] = x
	}
	out[k] = v
	return out
}
