package api_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation/record"
)

// clientKey is a signer's API client holding its own Ed25519 key.
type clientKey struct {
	id   string
	priv ed25519.PrivateKey
}

// enrolClientKey enrols a new client-held key for the named account and
// confirms it with the SMS code.
func (p *procedure) enrolClientKey(t *testing.T, who string) clientKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var key signingKeyJSON
	p.Do("POST", "/signing-keys", p.tok(who), map[string]any{"public_key": base64.StdEncoding.EncodeToString(pub), "origin": "client"}).
		Expect(t, 201, "").JSON(t, &key)
	p.Do("POST", "/signing-keys/"+key.KeyID+"/confirmation", p.tok(who), map[string]any{"code": p.SMS.Code(*p.accounts[who].Phone)}).
		Expect(t, 200, "")
	return clientKey{id: key.KeyID, priv: priv}
}

// signed asks for the step's statement at statementPath, signs it with k
// and returns the step's body with the key and signature.
func (p *procedure) signed(t *testing.T, who, statementPath string, body map[string]any, k clientKey) map[string]any {
	t.Helper()
	withKey := map[string]any{"signing_key_id": k.id}
	for name, v := range body {
		if name != "password" {
			withKey[name] = v
		}
	}
	st := prepareStatement(t, p.Env, p.tok(who), statementPath, withKey)
	return withSignature(withKey, k.priv, st)
}

// TestEverySignOffSignedByAPIClientKeys: after the adviser's opinion, each
// signed step a person signs is signed by an API client with the signer's
// own key: the reviewer's conclusion and confirmation of changes, the
// decision body's meeting and the publication (recorded by the body's
// staff for the head). Each entry says personal_key, carries the
// platform's countersignature and verifies online and offline naming the
// keys; a revoked key signs nothing new and its replacement does, the old
// signature staying valid; without a key a meeting is signed by the
// platform alone and the record says so; a signed meeting changed in the
// database is caught online and offline naming its entry.
func TestEverySignOffSignedByAPIClientKeys(t *testing.T) {
	p := newProcedure(t)
	_, r := p.submitted(t)
	reviewerKey := p.enrolClientKey(t, "reviewer")
	headKey := p.enrolClientKey(t, "body")
	rp := p.adviserOpinion(t, r, "lawful_with_changes")

	// The reviewer's conclusion and confirmation, signed with their key.
	conclusion := map[string]any{"findings": procFindings(), "outcome": "lawful_with_changes",
		"changes": procChanges, "expedite_reason": "学期开始前须出台"}
	p.Do("POST", rp+"/conclusion", p.tok("reviewer"), p.signed(t, "reviewer", rp+"/conclusion/statement", conclusion, reviewerKey)).
		Expect(t, 201, "")
	changed := p.upload(t, strings.Replace(procDraft, "核定。", "核定，并向社会公示。", 1))
	confirmation := map[string]any{"version_hash": changed.ContentHash, "note": "已按审查意见修改第四条。"}
	p.Do("POST", rp+"/confirmations", p.tok("reviewer"), p.signed(t, "reviewer", rp+"/confirmations/statement", confirmation, reviewerKey)).
		Expect(t, 201, "")

	// Without a key the meeting is signed by the platform alone (a deferral).
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(changed.ContentHash, func(m map[string]any) {
		m["outcome"], m["dissent"], m["head_reason"] = "deferred", nil, "待市委听取汇报后再作决定。"
	})).Expect(t, 201, "")
	// The head's meeting, signed with the key of the staff member who
	// records it; a signature over another meeting is refused.
	meeting := p.meeting(changed.ContentHash, nil)
	signedMeeting := p.signed(t, "body", p.path("/deliberations/statement"), meeting, headKey)
	forged := p.meeting(changed.ContentHash, func(m map[string]any) { m["minutes"] = "会议一致通过。" })
	forged["signing_key_id"], forged["signature"] = headKey.id, signedMeeting["signature"]
	p.Do("POST", p.path("/deliberations"), p.tok("body"), forged).Expect(t, 422, "signer_signature_invalid")
	p.Do("POST", p.path("/deliberations"), p.tok("staff"), signedMeeting).Expect(t, 422, "signing_key_not_found")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), signedMeeting).Expect(t, 201, "")
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 201, "")

	// The head's key revoked: the publication it signs is refused; a new
	// key signs it, and the meeting signed with the old one stays valid.
	publication := p.publication(changed.ContentHash)
	signedPublication := p.signed(t, "body", p.path("/publication/statement"), publication, headKey)
	p.Do("POST", "/signing-keys/"+headKey.id+"/revocation", p.tok("body"), map[string]any{"reason": "更换签署客户端"}).Expect(t, 200, "")
	p.Do("POST", p.path("/publication"), p.tok("body"), signedPublication).Expect(t, 403, "signing_key_revoked")
	newHeadKey := p.enrolClientKey(t, "body")
	p.Do("POST", p.path("/publication"), p.tok("body"), p.signed(t, "body", p.path("/publication/statement"), publication, newHeadKey)).
		Expect(t, 201, "")

	// The record says how each signed step was signed.
	type entry struct {
		Seq             int64          `json:"seq"`
		Kind            string         `json:"kind"`
		Payload         map[string]any `json:"payload"`
		SignatureMethod string         `json:"signature_method"`
		Signature       string         `json:"signature"`
	}
	readRecord := func(tok string) (entries []entry) {
		for cursor := ""; ; {
			var page struct {
				Entries    []entry `json:"entries"`
				NextCursor string  `json:"next_cursor"`
			}
			p.Do("GET", p.path("/record?limit=100&cursor=%s", cursor), tok, nil).Expect(t, 200, "").JSON(t, &page)
			entries = append(entries, page.Entries...)
			if cursor = page.NextCursor; cursor == "" {
				return entries
			}
		}
	}
	entries := readRecord(p.tok("staff"))
	// The public reads how each step was signed, never by which account
	// nor the statement the signer signed (it repeats internal content).
	for _, e := range readRecord("") {
		sb, _ := e.Payload["signed_by"].(map[string]any)
		personal, _ := sb["personal"].(map[string]any)
		if sb["account_id"] != nil || sb["statement"] != nil || personal["account_id"] != nil || personal["statement"] != nil {
			t.Fatalf("public entry %d (%s) shows the signer: %v", e.Seq, e.Kind, sb)
		}
		if e.Kind == "decision_published" && (sb["method"] != "personal_key" || personal["key_id"] != newHeadKey.id) {
			t.Fatalf("public publication entry does not say how it was signed: %v", sb)
		}
	}
	var methods []string
	var meetingSeq int64
	for _, e := range entries {
		if e.SignatureMethod == "" {
			continue
		}
		if e.Signature == "" {
			t.Fatalf("entry %d (%s) signed %s without the platform's countersignature", e.Seq, e.Kind, e.SignatureMethod)
		}
		methods = append(methods, e.Kind+":"+e.SignatureMethod)
		if sb, _ := e.Payload["signed_by"].(map[string]any); e.Kind == "deliberation_recorded" && sb["method"] == "personal_key" {
			meetingSeq = e.Seq
		}
	}
	want := []string{"legal_opinion_signed:password", "review_conclusion_signed:personal_key", "review_changes_confirmed:personal_key",
		"deliberation_recorded:platform", "deliberation_recorded:personal_key", "decision_published:personal_key"}
	if !slices.Equal(methods, want) || meetingSeq == 0 {
		t.Fatalf("signature methods %v, want %v", methods, want)
	}

	// Online and offline: the chain, the platform's countersignatures and
	// the signers' own signatures, naming the three keys.
	keys := []string{reviewerKey.id, headKey.id, newHeadKey.id}
	slices.Sort(keys)
	var ver personalVerificationJSON
	p.Do("POST", p.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &ver)
	got := slices.Clone(ver.PersonalKeys)
	slices.Sort(got)
	if !ver.OK || ver.PersonalSignatures != 4 || ver.Signatures != 6 || !slices.Equal(got, keys) {
		t.Fatalf("online verification %+v, want keys %v", ver, keys)
	}
	archive := p.Do("GET", p.path("/archive"), p.tok("staff"), nil).Expect(t, 200, "")
	off, err := record.VerifyArchive(bytes.NewReader(archive.Body), int64(len(archive.Body)))
	got = slices.Clone(off.PersonalKeys)
	slices.Sort(got)
	if err != nil || !off.OK || off.PersonalSignatures != 4 || off.Signatures != 6 || !slices.Equal(got, keys) {
		t.Fatalf("offline verification %+v: %v", off, err)
	}

	// A superuser turns the head's signed meeting into a deferral: caught
	// online and in an archive exported afterwards, naming the entry.
	recordTamper(t, p.Env, `UPDATE deliberations SET outcome = 'deferred' WHERE decision_id = $1 AND record_seq = $2`, p.decision, meetingSeq)
	p.Do("POST", p.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &ver)
	if ver.OK || ver.FirstBadSeq != meetingSeq || !strings.Contains(ver.Problem, "deliberations") {
		t.Fatalf("tampered meeting verified online: %+v", ver)
	}
	archive = p.Do("GET", p.path("/archive"), p.tok("staff"), nil).Expect(t, 200, "")
	off, err = record.VerifyArchive(bytes.NewReader(archive.Body), int64(len(archive.Body)))
	if err != nil || off.OK || off.FirstBadSeq != meetingSeq || !strings.Contains(off.Problem, "deliberations") {
		t.Fatalf("tampered meeting verified offline: %+v: %v", off, err)
	}
}
