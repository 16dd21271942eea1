package consultation_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// signedScene is a decision with a signed legal opinion and a signed
// conclusion in its record.
func signedScene(t *testing.T) (*reviewScene, []int64) {
	t.Helper()
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.assigned(t)
	o := s.opinion(t, r.ID, consultation.OutcomeLawful)
	s.e.Clock.Set(shanghai(2026, 3, 20, 10, 0))
	c, err := s.svc.SignReviewConclusion(context.Background(), s.reviewer, r.ID, conclusion(consultation.OutcomeLawful))
	if err != nil {
		t.Fatal(err)
	}
	return s, []int64{o.RecordSeq, c.RecordSeq}
}

func TestSignedEntries(t *testing.T) {
	ctx := context.Background()
	s, seqs := signedScene(t)
	signer := s.svc.Signer
	entries, _, err := s.svc.GetDecisionRecord(ctx, s.staff, s.d.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range seqs {
		e := entries[seq-1]
		if e.SignerKey != signer.KeyID() {
			t.Fatalf("entry %d signer key %q", seq, e.SignerKey)
		}
		sig, _ := base64.StdEncoding.DecodeString(e.Signature)
		if !ed25519.Verify(signer.PublicKey(), []byte(e.EntryHash), sig) {
			t.Errorf("entry %d: signature does not verify over the entry hash", seq)
		}
		p, _ := consultation.ParseRecordPayload(e.Payload)
		by, _ := p["signed_by"].(map[string]any)
		if p["version_hash"] != s.hash || by["role"] == nil || by["account_id"] == nil || by["signed_at"] == nil || by["key_id"] != signer.KeyID() {
			t.Errorf("entry %d payload lacks the signer or the version hash: %s", seq, e.Payload)
		}
	}
	r, err := s.svc.VerifyDecisionRecord(ctx, s.staff, s.d.ID)
	if err != nil || !r.OK || r.Signatures != 2 || r.SignerKey != signer.KeyID() {
		t.Fatalf("verify: %+v, %v", r, err)
	}
	k, err := s.svc.GetRecordPublicKey(ctx)
	if err != nil || k.KeyID != signer.KeyID() || !strings.Contains(k.PEM, "PUBLIC KEY") {
		t.Fatalf("public key %+v, %v", k, err)
	}
}

// otherSignature is a well-formed signature by another key.
func otherSignature(t *testing.T, hash string) string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(hash)))
}

func TestSignatureTamperingCaughtOnline(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		arg  func(t *testing.T, e consultation.RecordEntry) any
		want string
	}{
		{name: "signature replaced", sql: `UPDATE record_entries SET signature = $3 WHERE decision_id = $1 AND seq = $2`,
			arg: func(t *testing.T, e consultation.RecordEntry) any { return otherSignature(t, e.EntryHash) }, want: "signature does not verify"},
		{name: "signature removed", sql: `UPDATE record_entries SET signature = $3 WHERE decision_id = $1 AND seq = $2`,
			arg: func(*testing.T, consultation.RecordEntry) any { return "" }, want: "carries no signature"},
		{name: "signer key replaced", sql: `UPDATE record_entries SET signer_key = $3 WHERE decision_id = $1 AND seq = $2`,
			arg: func(*testing.T, consultation.RecordEntry) any { return "0123456789abcdef" }, want: "not a key the platform published"},
		// A signed payload edited in place: the chain catches it at the
		// entry (recomputing the chain to hide it is the offline case).
		{name: "payload edited", sql: `UPDATE record_entries SET payload = replace(payload, '"lawful"', '"unlawful"') WHERE decision_id = $1 AND seq = $2 AND $3::text <> ''`,
			arg: func(*testing.T, consultation.RecordEntry) any { return "x" }, want: "does not match its hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			s, seqs := signedScene(t)
			seq := seqs[1]
			entries, _, err := s.svc.GetDecisionRecord(ctx, s.staff, s.d.ID, 100, "")
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, s.e, "record_entries", "record_entries_append_only", c.sql, s.d.ID, seq, c.arg(t, entries[seq-1]))
			r, err := s.svc.VerifyDecisionRecord(ctx, s.staff, s.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, c.want) {
				t.Fatalf("tampered entry %d: %+v", seq, r)
			}
		})
	}
}

// forgeSignedArchive changes record.json with edit, then rebuilds the manifest
// so that only the record's own checks can catch the change.
func forgeSignedArchive(t *testing.T, data []byte, edit func(entries []map[string]any) []map[string]any, files map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	content := map[string][]byte{}
	var order []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		content[f.Name] = b
		order = append(order, f.Name)
	}
	var rec map[string]any
	if err := json.Unmarshal(content["record.json"], &rec); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(rec["entries"])
	var entries []map[string]any
	json.Unmarshal(raw, &entries)
	rec["entries"] = edit(entries)
	content["record.json"], _ = json.MarshalIndent(rec, "", "  ")
	for name, b := range files {
		content[name] = b
	}
	var m record.ArchiveManifest
	json.Unmarshal(content["manifest.json"], &m)
	for i, f := range m.Files {
		m.Files[i].SHA256, m.Files[i].Size = consultation.SHA256Hex(content[f.Path]), int64(len(content[f.Path]))
	}
	if files["public-key.pem"] != nil {
		pub, _ := record.ParsePublicKeyPEM(files["public-key.pem"])
		m.SigningKeyID, m.PublicKey = record.KeyID(pub), base64.StdEncoding.EncodeToString(pub)
	}
	if es := rec["entries"].([]map[string]any); len(es) > 0 {
		m.LastEntryHash = es[len(es)-1]["entry_hash"].(string)
	}
	content["manifest.json"], _ = json.Marshal(m)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range order {
		w, _ := zw.Create(name)
		w.Write(content[name])
	}
	zw.Close()
	return buf.Bytes()
}

// rechain recomputes every entry hash and prev_hash from entry from on, as
// a forger with the archive could.
func rechain(entries []map[string]any) {
	prev := record.GenesisHash
	for _, m := range entries {
		var e consultation.RecordEntry
		raw, _ := json.Marshal(m)
		json.Unmarshal(raw, &e)
		e.PrevHash = prev
		h := record.EntryHash(e)
		m["prev_hash"], m["entry_hash"] = prev, h
		prev = h
	}
}

func TestSignatureTamperingCaughtOffline(t *testing.T) {
	ctx := context.Background()
	s, seqs := signedScene(t)
	var buf bytes.Buffer
	if err := s.svc.ExportDecisionArchive(ctx, s.staff, s.d.ID, &buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	r, err := record.VerifyArchive(bytes.NewReader(data), int64(len(data)))
	if err != nil || !r.OK || r.Signatures != 2 || r.SignerKey != s.svc.Signer.KeyID() {
		t.Fatalf("intact archive: %+v, %v", r, err)
	}
	seq := seqs[0]
	_, forgerKey, _ := ed25519.GenerateKey(rand.Reader)
	forger := record.NewSigner(forgerKey)
	cases := []struct {
		name  string
		edit  func(entries []map[string]any) []map[string]any
		files map[string][]byte
		bad   int64
		want  string
	}{
		{name: "signature replaced", bad: seq, want: "signature does not verify", edit: func(es []map[string]any) []map[string]any {
			{
				es[seq-1]["signature"] = otherSignature(t, es[seq-1]["entry_hash"].(string))
			}
			return es
		}},
		{name: "payload edited, chain recomputed", bad: seq, want: "signature does not verify", edit: func(es []map[string]any) []map[string]any {
			{
				es[seq-1]["payload"] = strings.Replace(es[seq-1]["payload"].(string), `"lawful"`, `"unlawful"`, 1)
				rechain(es)
			}
			return es
		}},
		{name: "key replaced without re-signing", bad: seq, want: "payload names key",
			files: map[string][]byte{"public-key.pem": forger.PublicKeyPEM()},
			edit: func(es []map[string]any) []map[string]any {
				for _, e := range es {
					if e["signer_key"] != nil && e["signer_key"] != "" {
						e["signer_key"] = forger.KeyID()
					}
				}
				return es
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forged := forgeSignedArchive(t, data, c.edit, c.files)
			r, err := record.VerifyArchive(bytes.NewReader(forged), int64(len(forged)))
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBadSeq != c.bad || !strings.Contains(r.Problem, c.want) {
				t.Fatalf("forged archive: %+v", r)
			}
		})
	}
}

// TestRotatedSigningKey: after the key is replaced, the entries signed with
// the old one still verify online and in an archive exported later, and
// each names the key that signed it.
func TestRotatedSigningKey(t *testing.T) {
	ctx := context.Background()
	s := newReviewScene(t, shanghai(2026, 3, 9, 10, 0), nil)
	r := s.assigned(t)
	o := s.opinion(t, r.ID, consultation.OutcomeLawful)
	old := s.svc.Signer
	rotated, err := record.GenerateSigner()
	if err != nil {
		t.Fatal(err)
	}
	s.svc.Signer = rotated
	s.e.Clock.Set(shanghai(2026, 3, 20, 10, 0))
	c, err := s.svc.SignReviewConclusion(ctx, s.reviewer, r.ID, conclusion(consultation.OutcomeLawful))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := s.svc.GetDecisionRecord(ctx, s.staff, s.d.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if entries[o.RecordSeq-1].SignerKey != old.KeyID() || entries[c.RecordSeq-1].SignerKey != rotated.KeyID() {
		t.Fatalf("signer keys %s, %s", entries[o.RecordSeq-1].SignerKey, entries[c.RecordSeq-1].SignerKey)
	}
	v, err := s.svc.VerifyDecisionRecord(ctx, s.staff, s.d.ID)
	if err != nil || !v.OK || v.Signatures != 2 || v.SignerKey != rotated.KeyID() {
		t.Fatalf("online after rotation: %+v, %v", v, err)
	}
	var buf bytes.Buffer
	if err := s.svc.ExportDecisionArchive(ctx, s.staff, s.d.ID, &buf); err != nil {
		t.Fatal(err)
	}
	v, err = record.VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || !v.OK || v.Signatures != 2 {
		t.Fatalf("offline after rotation: %+v, %v", v, err)
	}
}
