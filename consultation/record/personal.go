package record

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Signatures the signer controls (Electronic Signature Law Art. 13: the
// signature-creation data belongs to the signer alone). A legal adviser,
// reviewer or head may enrol an Ed25519 key of their own (made in the
// browser through WebCrypto and never leaving the device, or held by their
// API client); the platform keeps only its public half. A step they sign
// with it carries, in its payload's "signed_by":
//
//	method     "personal_key" (or "password": the platform signs alone
//	           after the signer re-entered their password)
//	personal   the key: key_id, public_key (base64 of the raw 32 bytes),
//	           account_id, origin, confirmed_at
//	statement  the exact text signed: canonical JSON of a Statement
//	signature  the signer's base64 Ed25519 signature over the statement
//
// and the platform countersigns the entry as before (its signature over the
// entry hash covers all of it). Verification, online and in the archive,
// checks the signer's signature over the statement, that every member of
// the statement's content is the entry's, that the statement names the
// entry's actor, kind and decision, and that the key was confirmed and not
// yet revoked when the entry was recorded; it names the key.

// Signature methods recorded in signed_by.method.
const (
	MethodPersonalKey = "personal_key"
	MethodPassword    = "password"
	// MethodPlatform: the platform signed on the actor's behalf (a
	// deliberation or publication recorded without the signer's own key).
	// A signed entry without a method is read as this too (the sign-offs
	// recorded before methods were, which followed a password).
	MethodPlatform = "platform"
)

// StatementFormat names the layout of a Statement.
const StatementFormat = "canyu-signed-statement-v1"

// Statement is what a signer signs with their own key: the step's kind,
// the decision, who signs with which key, and the content of the step (the
// members of the entry's payload it covers, e.g. an opinion's findings,
// overall view and the draft version's content hash).
type Statement struct {
	Format     string         `json:"format"`
	Kind       Kind           `json:"kind"`
	DecisionID int64          `json:"decision_id"`
	AccountID  int64          `json:"account_id"`
	KeyID      string         `json:"key_id"`
	Content    map[string]any `json:"content"`
}

// Bytes returns the statement's canonical JSON: the bytes signed.
func (s Statement) Bytes() ([]byte, error) {
	s.Format = StatementFormat
	return CanonicalJSON(s)
}

// PersonalKey is a signer's own public key as the record checks it.
type PersonalKey struct {
	KeyID       string            `json:"key_id"`
	AccountID   int64             `json:"account_id"`
	PublicKey   ed25519.PublicKey `json:"public_key"` // base64 in JSON
	Origin      string            `json:"origin"`
	ConfirmedAt *time.Time        `json:"confirmed_at"`
	RevokedAt   *time.Time        `json:"revoked_at"`
}

// ValidAt reports whether the key could sign at t: confirmed at or before
// t and not revoked before t (a revocation and a signature in the same
// instant: the key's row lock ordered them, and the service refuses every
// signature once the revocation committed, so the signature came first).
func (k PersonalKey) ValidAt(t time.Time) bool {
	return k.ConfirmedAt != nil && !k.ConfirmedAt.After(t) && (k.RevokedAt == nil || !t.After(*k.RevokedAt))
}

// PersonalSignature is a signer's own signature on a step: the key, the
// statement signed and the base64 signature over it.
type PersonalSignature struct {
	Key       PersonalKey
	Statement []byte
	Signature string
}

// SignedBy returns the members the signature adds to the payload's
// "signed_by".
func (p PersonalSignature) SignedBy() map[string]any {
	personal := map[string]any{"key_id": p.Key.KeyID, "account_id": p.Key.AccountID, "origin": p.Key.Origin,
		"public_key": base64.StdEncoding.EncodeToString(p.Key.PublicKey)}
	if p.Key.ConfirmedAt != nil {
		personal["confirmed_at"] = p.Key.ConfirmedAt.UTC().Format(time.RFC3339Nano)
	}
	return map[string]any{"method": MethodPersonalKey, "personal": personal, "statement": string(p.Statement), "signature": p.Signature}
}

// VerifyStatementSignature checks a base64 Ed25519 signature over the
// statement with pub.
func VerifyStatementSignature(pub ed25519.PublicKey, statement []byte, signature string) bool {
	sig, err := base64.StdEncoding.DecodeString(signature)
	return err == nil && len(pub) == ed25519.PublicKeySize && ed25519.Verify(pub, statement, sig)
}

// PersonalKeyReader returns the personal keys of the given ids as the
// owning package keeps them (an id not found is left out).
type PersonalKeyReader func(ctx context.Context, q Querier, keyIDs []string) (map[string]PersonalKey, error)

var (
	personalMu     sync.RWMutex
	personalReader PersonalKeyReader
)

// RegisterPersonalKeys registers the reader of personal keys; the package
// that keeps them calls it from init.
func RegisterPersonalKeys(r PersonalKeyReader) {
	personalMu.Lock()
	defer personalMu.Unlock()
	personalReader = r
}

func personalKeysOf(ctx context.Context, q Querier, entries []Entry) (map[string]PersonalKey, error) {
	personalMu.RLock()
	r := personalReader
	personalMu.RUnlock()
	ids := personalKeyIDs(entries)
	if r == nil || len(ids) == 0 {
		return map[string]PersonalKey{}, nil
	}
	return r(ctx, q, ids)
}

// personalKeyIDs lists the personal keys the entries name, in order.
func personalKeyIDs(entries []Entry) []string {
	seen := map[string]bool{}
	var ids []string
	for _, e := range entries {
		p, err := ParsePayload(e.Payload)
		if err != nil {
			continue
		}
		sb, _ := p["signed_by"].(map[string]any)
		personal, _ := sb["personal"].(map[string]any)
		if id := PayloadString(personal, "key_id"); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// SignatureMethod returns how an entry was signed: MethodPersonalKey,
// MethodPassword, MethodPlatform, or "" for an unsigned entry.
func SignatureMethod(e Entry) string {
	p, err := ParsePayload(e.Payload)
	if err != nil {
		return ""
	}
	sb, ok := p["signed_by"].(map[string]any)
	if !ok {
		return ""
	}
	if m := PayloadString(sb, "method"); m != "" {
		return m
	}
	return MethodPlatform
}

// CheckPersonalSignatures checks every entry signed with a personal key
// against keys (online: the keys table; offline: the archive's copy). It
// returns the first bad entry and the problem, how many personal
// signatures verified and the ids of the keys that made them.
func CheckPersonalSignatures(entries []Entry, keys map[string]PersonalKey) (seq int64, problem string, n int, keyIDs []string) {
	seen := map[string]bool{}
	for _, e := range entries {
		p, err := ParsePayload(e.Payload)
		if err != nil {
			continue // CheckSignatures names it
		}
		sb, _ := p["signed_by"].(map[string]any)
		if PayloadString(sb, "method") != MethodPersonalKey {
			continue
		}
		if problem := checkPersonal(e, p, sb, keys); problem != "" {
			return e.Seq, fmt.Sprintf("entry %d (%s): %s", e.Seq, e.Kind, problem), n, keyIDs
		}
		n++
		if id := PayloadString(sb["personal"].(map[string]any), "key_id"); !seen[id] {
			seen[id] = true
			keyIDs = append(keyIDs, id)
		}
	}
	return 0, "", n, keyIDs
}

func checkPersonal(e Entry, payload, sb map[string]any, keys map[string]PersonalKey) string {
	personal, _ := sb["personal"].(map[string]any)
	keyID := PayloadString(personal, "key_id")
	pub, err := base64.StdEncoding.DecodeString(PayloadString(personal, "public_key"))
	if keyID == "" || err != nil || len(pub) != ed25519.PublicKeySize || KeyID(pub) != keyID {
		return fmt.Sprintf("the signer's key %s is not the Ed25519 key of that id", keyID)
	}
	if e.ActorID == nil {
		return "signed with a personal key, but the entry has no actor"
	}
	if acc, ok := PayloadInt(personal, "account_id"); !ok || acc != *e.ActorID {
		return fmt.Sprintf("the signer's key %s belongs to account %v, the entry's actor is account %d", keyID, personal["account_id"], *e.ActorID)
	}
	k, ok := keys[keyID]
	switch {
	case !ok:
		return fmt.Sprintf("the signer's key %s is not among the enrolled keys", keyID)
	case !bytes.Equal(k.PublicKey, pub) || k.AccountID != *e.ActorID:
		return fmt.Sprintf("the signer's key %s differs from the key enrolled under that id", keyID)
	case !k.ValidAt(e.RecordedAt):
		return fmt.Sprintf("the signer's key %s was not confirmed, or already revoked, at %s", keyID, e.RecordedAt.UTC().Format(time.RFC3339))
	}
	statement := PayloadString(sb, "statement")
	if !VerifyStatementSignature(pub, []byte(statement), PayloadString(sb, "signature")) {
		return fmt.Sprintf("the signature of key %s does not verify over the signed statement", keyID)
	}
	var st Statement
	dec := json.NewDecoder(bytes.NewReader([]byte(statement)))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return fmt.Sprintf("the statement signed with key %s cannot be read: %v", keyID, err)
	}
	if st.Format != StatementFormat || st.Kind != e.Kind || st.DecisionID != e.DecisionID || st.AccountID != *e.ActorID || st.KeyID != keyID {
		return fmt.Sprintf("the statement signed with key %s is for another step, decision, signer or key", keyID)
	}
	if len(st.Content) == 0 {
		return fmt.Sprintf("the statement signed with key %s covers no content", keyID)
	}
	for name, signed := range st.Content {
		a, err1 := CanonicalJSON(signed)
		b, err2 := CanonicalJSON(payload[name])
		if _, present := payload[name]; !present || err1 != nil || err2 != nil || !bytes.Equal(a, b) {
			return fmt.Sprintf("the entry's %q differs from what key %s signed", name, keyID)
		}
	}
	return ""
}

// ArchiveSignerKeysFile holds the personal keys that signed entries of the
// archive (key, account, confirmation and revocation times).
const ArchiveSignerKeysFile = "signer-keys.json"
