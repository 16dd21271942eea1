package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/signing"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The signer's own signing keys (Electronic Signature Law Art. 13): the
// page where a legal adviser, reviewer or head makes a key on this device
// (WebCrypto Ed25519, non-extractable, kept in the browser's IndexedDB by
// static/signing-keys.js; only the public half is sent), confirms it with
// the SMS code and revokes it; and the device-signing part of the sign-off
// forms (the opinion, the conclusion, the confirmation of changes, the
// deliberation and the publication): the form is first checked and the
// statement to sign shown (prepare), then signed on the device and sent
// with the signature.

var keyStatusNames = map[signing.Status]string{signing.StatusPending: "待确认", signing.StatusActive: "有效",
	signing.StatusRevoked: "已注销", signing.StatusAbandoned: "未确认，已失效"}

func init() {
	pageNames = append(pageNames, "signing_keys")
	funcs["keyStatusName"] = func(s signing.Status) string { return keyStatusNames[s] }
	funcs["deviceFor"] = deviceFor
}

func (s *site) mountSigningKeys(r chi.Router) {
	r.Get("/me/signing-keys", s.signingKeysPage)
	r.Post("/me/signing-keys", s.enrolSigningKey)
	r.Post("/me/signing-keys/{key}/confirm", s.confirmSigningKey)
	r.Post("/me/signing-keys/{key}/revoke", s.revokeSigningKey)
}

// signingKeysData is the signing-keys page's data.
type signingKeysData struct {
	Keys    []signing.Key
	MaySign bool
}

func (s *site) signingKeysPage(w http.ResponseWriter, r *http.Request) {
	if !signedInOrLogin(w, r) {
		return
	}
	s.renderSigningKeys(w, r, http.StatusOK, s.newPage(r, "我的签名密钥"))
}

func (s *site) renderSigningKeys(w http.ResponseWriter, r *http.Request, status int, p page) {
	actor := currentAccount(r)
	keys, err := s.svc.Consultation.SigningKeys.ListKeys(r.Context(), actor)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = signingKeysData{Keys: keys, MaySign: signing.MaySign(actor.Role)}
	s.render(w, r, status, "signing_keys", p)
}

// signingKeyAction runs one action of the page and redirects back, or
// shows the page again with the refusal.
func (s *site) signingKeyAction(w http.ResponseWriter, r *http.Request, flash string, keep []string, act func(p *page) error) {
	if !signedInOrLogin(w, r) || !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "我的签名密钥")
	p.keep(r, keep...)
	err := act(&p)
	if err == nil {
		http.Redirect(w, r, "/me/signing-keys?flash="+flash, http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	if status == http.StatusInternalServerError {
		s.pageError(w, r, err)
		return
	}
	if p.Message == "" {
		p.Message = "操作未完成，请按提示修改。"
	}
	s.renderSigningKeys(w, r, status, p)
}

func (s *site) enrolSigningKey(w http.ResponseWriter, r *http.Request) {
	s.signingKeyAction(w, r, "signing_key_enrolled", []string{"label"}, func(p *page) error {
		_, err := s.svc.Consultation.SigningKeys.EnrolKey(r.Context(), currentAccount(r), signing.EnrolInput{
			PublicKey: r.PostFormValue("public_key"), Origin: signing.OriginBrowser, Label: r.PostFormValue("label")})
		if errs.HasCode(err, "invalid_public_key") {
			// The page's script makes the key: without it (or without
			// Ed25519 in this browser) nothing arrives.
			return errs.Invalid("invalid_public_key", "没有收到本设备生成的公钥：请使用支持 Ed25519 签名的新版浏览器，并允许运行本页脚本")
		}
		return err
	})
}

func (s *site) confirmSigningKey(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "key")
	s.signingKeyAction(w, r, "signing_key_confirmed", nil, func(p *page) error {
		_, err := s.svc.Consultation.SigningKeys.ConfirmKey(r.Context(), currentAccount(r), key, r.PostFormValue("code"))
		if e, ok := errs.As(err); ok && len(e.Fields) > 0 {
			return errs.Invalid(e.Code, e.Message) // shown above the list: each pending key has its own code field
		}
		return err
	})
}

func (s *site) revokeSigningKey(w http.ResponseWriter, r *http.Request) {
	key := chi.URLParam(r, "key")
	s.signingKeyAction(w, r, "signing_key_revoked", nil, func(p *page) error {
		return errOf(s.svc.Consultation.SigningKeys.RevokeKey(r.Context(), currentAccount(r), key, r.PostFormValue("reason")))
	})
}

// deviceSigning is the device-signing part of a page's sign-off forms:
// the signer's active browser keys (the script looks for one of them on
// this device) and, once a form was checked, which form, the key and the
// statement it signs.
type deviceSigning struct {
	ActiveKeys string
	Form       string
	KeyID      string
	Statement  string
}

// deviceForm is what the device-signing partial shows in one form: Form
// names it (its elements' ids start with it), Password says the form also
// signs with a re-entered password (otherwise the platform signs alone).
type deviceForm struct {
	Form, ActiveKeys, KeyID, Statement string
	Password                           bool
}

func deviceFor(p page, form string, password bool) deviceForm {
	f := deviceForm{Form: form, Password: password}
	if p.Device != nil {
		f.ActiveKeys = p.Device.ActiveKeys
		if p.Device.Form == form {
			f.KeyID, f.Statement = p.Device.KeyID, p.Device.Statement
		}
	}
	return f
}

// withDeviceKeys puts the signer's active browser keys on a page with
// sign-off forms.
func (s *site) withDeviceKeys(r *http.Request, p *page) {
	if a := currentAccount(r); a == nil || !signing.MaySign(a.Role) {
		return
	}
	if p.Device == nil {
		p.Device = &deviceSigning{}
	}
	p.Device.ActiveKeys = s.activeKeys(r)
}

func (s *site) activeKeys(r *http.Request) string {
	keys, err := s.svc.Consultation.SigningKeys.ListKeys(r.Context(), currentAccount(r))
	if err != nil {
		return ""
	}
	var ids []string
	for _, k := range keys {
		if k.Status == signing.StatusActive && k.Origin == signing.OriginBrowser {
			ids = append(ids, k.KeyID)
		}
	}
	return strings.Join(ids, " ")
}

// errSignOnDevice says a sign-off form was checked and its statement is to
// be signed on the device: the form's page is shown again, not left.
var errSignOnDevice = errors.New("web: statement to sign on the device")

// signOnDevice posts the sign-off form named form: with "prepare" set (the
// signer chose their key on this device) it asks statement for what the
// posted key signs and keeps it on the page for the form to confirm,
// returning errSignOnDevice; otherwise sign records the step, with the
// device signature when the form carries one (signerSignature).
func signOnDevice(r *http.Request, p *page, form string, statement func(keyID string) ([]byte, error), sign func() error) error {
	if r.PostFormValue("prepare") == "" {
		return sign()
	}
	key := r.PostFormValue("signing_key_id")
	st, err := statement(key)
	if err != nil {
		return err
	}
	p.Device = &deviceSigning{Form: form, KeyID: key, Statement: string(st)}
	p.Flash = "请核对填写的内容，确认无误后用本设备的签名密钥签署。"
	return errSignOnDevice
}

// signerSignature reads the device signature of a sign-off form.
func signerSignature(r *http.Request) *consultation.SignerSignature {
	key, sig := r.PostFormValue("signing_key_id"), r.PostFormValue("signature")
	if key == "" || sig == "" {
		return nil
	}
	return &consultation.SignerSignature{KeyID: key, Signature: sig}
}

// signerError shows a refused device signature as the form's message: its
// fields are hidden, and a revoked or unconfirmed key is not a refusal of
// access to the page.
func signerError(p *page, err error, status int) int {
	e, ok := errs.As(err)
	if !ok {
		return status
	}
	switch e.Code {
	case "signing_key_revoked", "signing_key_not_confirmed", "signing_key_not_found", "signer_signature_invalid",
		"signature_required", "signing_key_id_required":
		delete(p.Errors, "signing_key_id")
		delete(p.Errors, "signature")
		order := p.errorOrder[:0]
		for _, f := range p.errorOrder {
			if f != "signing_key_id" && f != "signature" {
				order = append(order, f)
			}
		}
		p.errorOrder = order
		p.Message = "签署未完成：" + e.Message
		return http.StatusUnprocessableEntity
	}
	return status
}
