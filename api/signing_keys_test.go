package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

type signingKeyJSON struct {
	KeyID  string `json:"key_id"`
	Status string `json:"status"`
	Origin string `json:"origin"`
}

type personalVerificationJSON struct {
	OK                 bool     `json:"ok"`
	FirstBadSeq        int64    `json:"first_bad_seq"`
	Problem            string   `json:"problem"`
	Signatures         int      `json:"signatures"`
	PersonalSignatures int      `json:"personal_signatures"`
	PersonalKeys       []string `json:"personal_keys"`
}

// adviserReview is a review package with one legal adviser assigned.
type adviserReview struct {
	e                        *testenv.Env
	staffToken, adviserToken string
	adviser                  identity.Account
	decisionID, reviewID     int64
	rp                       string // /legality-reviews/{id}
}

// reviewWithAdviser makes a decision in handling, submits it for legality
// review on the given legal basis and assigns one legal adviser.
func reviewWithAdviser(t *testing.T, basis string) adviserReview {
	t.Helper()
	e := newCity(t, "pdsszf", "zjj", "sfj")
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "zjj")
	_, reviewerToken := e.Account(identity.RoleReviewer, "sfj")
	adviser, adviserToken := e.Account(identity.RoleLegalAdviser, "")
	decisionID, reviewID := submittedWithAdviser(t, e, &staff, staffToken, reviewerToken, adviser,
		map[string]any{"legal_basis": []string{basis}})
	return adviserReview{e: e, staffToken: staffToken, adviserToken: adviserToken, adviser: adviser, decisionID: decisionID,
		reviewID: reviewID, rp: fmt.Sprintf("/legality-reviews/%d", reviewID)}
}

// TestLegalOpinionSignedByAPIClientKey: a legal adviser's API client holds
// its own Ed25519 key (Electronic Signature Law Art. 13), enrols it,
// confirms it with the SMS code, and signs an opinion with it; the record
// verifies online and the exported archive offline, both naming the key;
// the revoked key signs nothing new while its opinion stays valid; and an
// opinion changed in the database afterwards is caught naming the entry.
func TestLegalOpinionSignedByAPIClientKey(t *testing.T) {
	r := reviewWithAdviser(t, "《中华人民共和国道路交通安全法》第三十三条")
	e, adviser, adviserToken, rp, staffToken, decisionID := r.e, r.adviser, r.adviserToken, r.rp, r.staffToken, r.decisionID
	_, residentToken := e.Account(identity.RoleResident, "")

	// The client's own key; the platform only ever sees the public half.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enrol := map[string]any{"public_key": base64.StdEncoding.EncodeToString(pub), "origin": "client", "label": "律所签署客户端"}
	e.Do("POST", "/signing-keys", residentToken, enrol).Expect(t, 403, "forbidden_role")
	e.Do("POST", "/signing-keys", adviserToken, map[string]any{"public_key": "bm90IGEga2V5", "origin": "client"}).Expect(t, 422, "invalid_public_key")
	var key signingKeyJSON
	e.Do("POST", "/signing-keys", adviserToken, enrol).Expect(t, 201, "").JSON(t, &key)
	if key.KeyID != record.KeyID(pub) || key.Status != "pending" {
		t.Fatalf("enrolled %+v", key)
	}
	e.Do("POST", "/signing-keys", adviserToken, enrol).Expect(t, 409, "signing_key_exists")
	code := e.SMS.Code(*adviser.Phone)
	if len(code) != 6 {
		t.Fatalf("no SMS code sent to the adviser: %q", code)
	}
	kp := "/signing-keys/" + key.KeyID
	opinion := map[string]any{"findings": reviewFindings(), "overall": "lawful", "signing_key_id": key.KeyID}

	// A pending key signs nothing.
	st := prepareStatement(t, e, adviserToken, rp+"/opinions/statement", opinion)
	signed := withSignature(opinion, priv, st)
	e.Do("POST", rp+"/opinions", adviserToken, signed).Expect(t, 403, "signing_key_not_confirmed")

	wrongCode := "000000"
	if code == wrongCode {
		wrongCode = "111111"
	}
	e.Do("POST", kp+"/confirmation", adviserToken, map[string]any{"code": wrongCode}).Expect(t, 422, "signing_code_invalid")
	e.Do("POST", kp+"/confirmation", residentToken, map[string]any{"code": code}).Expect(t, 404, "signing_key_not_found")
	e.Do("POST", kp+"/confirmation", adviserToken, map[string]any{"code": code}).Expect(t, 200, "").JSON(t, &key)
	if key.Status != "active" {
		t.Fatalf("confirmed %+v", key)
	}

	// A signature over anything but the statement is refused, changing nothing.
	forged := withSignature(opinion, priv, []byte(strings.Replace(string(st), `"lawful"`, `"unlawful"`, 1)))
	e.Do("POST", rp+"/opinions", adviserToken, forged).Expect(t, 422, "signer_signature_invalid")
	e.Do("POST", rp+"/opinions", adviserToken, map[string]any{"findings": reviewFindings(), "overall": "unlawful",
		"signing_key_id": key.KeyID, "signature": signed["signature"]}).Expect(t, 422, "signer_signature_invalid")
	e.Do("POST", rp+"/opinions", adviserToken, signed).Expect(t, 201, "")

	// Online: the chain, the platform's countersignature and the adviser's own signature.
	vp := fmt.Sprintf("/decisions/%d/record/verify", decisionID)
	var ver personalVerificationJSON
	e.Do("POST", vp, staffToken, nil).Expect(t, 200, "").JSON(t, &ver)
	if !ver.OK || ver.PersonalSignatures != 1 || !slices.Equal(ver.PersonalKeys, []string{key.KeyID}) || ver.Signatures != 1 {
		t.Fatalf("online verification %+v", ver)
	}
	var page recordPageJSON
	e.Do("GET", fmt.Sprintf("/decisions/%d/record?limit=100", decisionID), staffToken, nil).Expect(t, 200, "").JSON(t, &page)
	last := page.Entries[len(page.Entries)-1]
	sb, _ := last.Payload["signed_by"].(map[string]any)
	if last.Kind != "legal_opinion_signed" || sb["method"] != "personal_key" || !strings.Contains(last.PayloadCanonical, key.KeyID) {
		t.Fatalf("the record does not say the opinion was signed with the adviser's key: %+v", last)
	}
	// Offline: the archive carries the key and checks both signatures.
	archive := e.Do("GET", fmt.Sprintf("/decisions/%d/archive", decisionID), staffToken, nil).Expect(t, 200, "")
	off, err := record.VerifyArchive(bytes.NewReader(archive.Body), int64(len(archive.Body)))
	if err != nil || !off.OK || off.PersonalSignatures != 1 || !slices.Equal(off.PersonalKeys, []string{key.KeyID}) || off.Signatures != 1 {
		t.Fatalf("offline verification %+v: %v", off, err)
	}

	// Revoked: nothing new is signed with it; the opinion it signed stays valid.
	e.Clock.Advance(time.Hour)
	e.Do("POST", kp+"/revocation", adviserToken, map[string]any{"reason": "客户端更换"}).Expect(t, 200, "").JSON(t, &key)
	if key.Status != "revoked" {
		t.Fatalf("revoked %+v", key)
	}
	e.Do("POST", kp+"/revocation", adviserToken, nil).Expect(t, 409, "signing_key_already_revoked")
	again := map[string]any{"findings": reviewFindings(), "overall": "lawful_with_changes", "changes": "第二条补充适用范围。", "signing_key_id": key.KeyID}
	st2 := prepareStatement(t, e, adviserToken, rp+"/opinions/statement", again)
	e.Do("POST", rp+"/opinions", adviserToken, withSignature(again, priv, st2)).Expect(t, 403, "signing_key_revoked")
	e.Do("POST", vp, staffToken, nil).Expect(t, 200, "").JSON(t, &ver)
	if !ver.OK || ver.PersonalSignatures != 1 {
		t.Fatalf("after revocation the old signature no longer verifies: %+v", ver)
	}
	var keys struct {
		Keys []signingKeyJSON `json:"keys"`
	}
	e.Do("GET", "/signing-keys", adviserToken, nil).Expect(t, 200, "").JSON(t, &keys)
	if len(keys.Keys) != 1 || keys.Keys[0].Status != "revoked" {
		t.Fatalf("keys %+v", keys)
	}
	// Without a key the password path stays, and the record says so.
	e.Do("POST", rp+"/opinions", adviserToken, map[string]any{"findings": reviewFindings(), "overall": "lawful",
		"password": testenv.Password}).Expect(t, 201, "")
	e.Do("GET", fmt.Sprintf("/decisions/%d/record?limit=100", decisionID), staffToken, nil).Expect(t, 200, "").JSON(t, &page)
	if sb, _ := page.Entries[len(page.Entries)-1].Payload["signed_by"].(map[string]any); sb["method"] != "password" {
		t.Fatalf("password signature recorded as %v", sb)
	}

	// A superuser turns the signed opinion into "unlawful": caught online
	// and in an archive exported afterwards, naming the entry.
	seq := last.Seq
	recordTamper(t, e, `UPDATE legal_opinions SET overall = 'unlawful' WHERE review_id = $1 AND record_seq = $2`, r.reviewID, seq)
	e.Do("POST", vp, staffToken, nil).Expect(t, 200, "").JSON(t, &ver)
	if ver.OK || ver.FirstBadSeq != seq || !strings.Contains(ver.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified online: %+v", ver)
	}
	archive = e.Do("GET", fmt.Sprintf("/decisions/%d/archive", decisionID), staffToken, nil).Expect(t, 200, "")
	off, err = record.VerifyArchive(bytes.NewReader(archive.Body), int64(len(archive.Body)))
	if err != nil || off.OK || off.FirstBadSeq != seq || !strings.Contains(off.Problem, "legal_opinions") {
		t.Fatalf("tampered opinion verified offline: %+v: %v", off, err)
	}
}

// TestSwappedSigningKeyIsCaught: a superuser who replaces a signer's
// enrolled public key (to claim a different key signed) is caught.
func TestSwappedSigningKeyIsCaught(t *testing.T) {
	r := reviewWithAdviser(t, "《中华人民共和国道路交通安全法》")
	e, adviser, adviserToken, rp, staffToken, decisionID := r.e, r.adviser, r.adviserToken, r.rp, r.staffToken, r.decisionID
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	var key signingKeyJSON
	e.Do("POST", "/signing-keys", adviserToken, map[string]any{"public_key": string(record.PublicKeyPEM(pub)), "origin": "client"}).
		Expect(t, 201, "").JSON(t, &key)
	e.Do("POST", "/signing-keys/"+key.KeyID+"/confirmation", adviserToken, map[string]any{"code": e.SMS.Code(*adviser.Phone)}).Expect(t, 200, "")
	opinion := map[string]any{"findings": reviewFindings(), "overall": "lawful", "signing_key_id": key.KeyID}
	st := prepareStatement(t, e, adviserToken, rp+"/opinions/statement", opinion)
	e.Do("POST", rp+"/opinions", adviserToken, withSignature(opinion, priv, st)).Expect(t, 201, "")
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := e.DB.Exec(t.Context(), `UPDATE personal_signing_keys SET public_key = $1 WHERE key_id = $2`, []byte(other), key.KeyID); err != nil {
		t.Fatal(err)
	}
	var ver personalVerificationJSON
	e.Do("POST", fmt.Sprintf("/decisions/%d/record/verify", decisionID), staffToken, nil).Expect(t, 200, "").JSON(t, &ver)
	if ver.OK || !strings.Contains(ver.Problem, key.KeyID) {
		t.Fatalf("swapped key verified: %+v", ver)
	}
}

func prepareStatement(t *testing.T, e *testenv.Env, token, path string, body map[string]any) []byte {
	t.Helper()
	var st struct {
		KeyID           string `json:"key_id"`
		Statement       string `json:"statement"`
		StatementBase64 string `json:"statement_base64"`
	}
	e.Do("POST", path, token, body).Expect(t, 200, "").JSON(t, &st)
	raw, err := base64.StdEncoding.DecodeString(st.StatementBase64)
	if err != nil || string(raw) != st.Statement || !strings.Contains(st.Statement, `"format":"canyu-signed-statement-v1"`) {
		t.Fatalf("statement %+v: %v", st, err)
	}
	return raw
}

func withSignature(body map[string]any, priv ed25519.PrivateKey, statement []byte) map[string]any {
	out := map[string]any{}
	for k, v := range body {
		out[k] = v
	}
	out["signature"] = base64.StdEncoding.EncodeToString(ed25519.Sign(priv, statement))
	return out
}

// TestSigningKeyEnrolmentsAreLimited: each enrolment sends an SMS code, and
// enrolling a key, revoking it while pending and enrolling another sent one
// every time, without any limit (outside check sec2). Five in 24 hours,
// revoked ones included (one after another: a revoked key is replaced at
// once); the refusal says how long to wait.
func TestSigningKeyEnrolmentsAreLimited(t *testing.T) {
	e := newCity(t, "pdsszf", "zjj")
	adviser, token := e.Account(identity.RoleLegalAdviser, "")
	enrol := func() *testenv.Response {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return e.Do("POST", "/signing-keys", token, map[string]any{"public_key": base64.StdEncoding.EncodeToString(pub), "origin": "client"})
	}
	start := e.Clock.Now()
	for i := 0; i < 5; i++ {
		var key signingKeyJSON
		enrol().Expect(t, 201, "").JSON(t, &key)
		e.Do("POST", "/signing-keys/"+key.KeyID+"/revocation", token, map[string]any{"reason": "重新登记"}).Expect(t, 200, "")
	}
	e.Clock.Set(start.Add(23 * time.Hour))
	// The session of the morning has run out: sign in again.
	sess, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *adviser.Phone, Password: testenv.Password,
		ClientAddr: "test"})
	if err != nil {
		t.Fatal(err)
	}
	token = sess.Token
	sent := e.SMS.Code(*adviser.Phone)
	res := enrol().Expect(t, 429, "sms_limit_reached")
	if got := res.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After %q, want the hour until the first enrolment is a day old", got)
	}
	if e.SMS.Code(*adviser.Phone) != sent {
		t.Error("a refused enrolment sent a code")
	}
	e.Clock.Set(start.Add(24*time.Hour + time.Second))
	enrol().Expect(t, 201, "")
}
