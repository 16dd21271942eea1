package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// GenesisHash is the prev_hash of a chain's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one entry of a decision's process record, or of a named chain
// outside any decision (Chain set, DecisionID 0; chains.go).
type Entry struct {
	ID         int64     `db:"id" json:"-"`
	DecisionID int64     `db:"decision_id" json:"decision_id"`
	Chain      string    `db:"chain" json:"chain,omitempty"`
	Seq        int64     `db:"seq" json:"seq"`
	RecordedAt time.Time `db:"recorded_at" json:"recorded_at"`
	ActorID    *int64    `db:"actor_id" json:"actor_id"`
	ActorRole  string    `db:"actor_role" json:"actor_role"`
	Kind       Kind      `db:"kind" json:"kind"`
	Payload    string    `db:"payload" json:"payload"`
	PrevHash   string    `db:"prev_hash" json:"prev_hash"`
	EntryHash  string    `db:"entry_hash" json:"entry_hash"`
	// Signature is the platform's base64 Ed25519 signature over EntryHash
	// and SignerKey the id of the key that made it (signing.go).
	Signature string `db:"signature" json:"signature,omitempty"`
	SignerKey string `db:"signer_key" json:"signer_key,omitempty"`
	// Redacted reports that Payload was reduced for a public reader; it
	// then no longer matches EntryHash.
	Redacted bool `db:"-" json:"-"`
}

// CanonicalJSON encodes v as canonical JSON: object keys sorted, no
// insignificant whitespace, no HTML escaping. Hashes are taken over it.
func CanonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	// encoding/json sorts map keys, which makes the re-encoding canonical.
	if err := enc.Encode(generic); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// AppendJSONString appends s as CanonicalJSON writes a string: quoted, with
// what encoding/json escapes escaped, HTML characters left as they are and
// invalid UTF-8 replaced by U+FFFD. Strings of printable ASCII without quote or backslash (receipts, hashes,
// anchors, stances) take the short path.
func AppendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b, _ := CanonicalJSON(s) // a string always encodes
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// AppendJSONStringPtr is AppendJSONString, or null for nil.
func AppendJSONStringPtr(buf []byte, s *string) []byte {
	if s == nil {
		return append(buf, "null"...)
	}
	return AppendJSONString(buf, *s)
}

// SHA256Hex returns the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// EntryHash computes an entry's hash from its fields: every field that
// carries meaning is covered, each length-prefixed so no two different
// entries can encode to the same bytes. The archive's README.txt describes
// it for auditors. The second field is the decision's id in decimal, or for
// a named chain its name ("catalogue:12"), which is never a decimal: an
// entry of one chain can never pass for an entry of another.
func EntryHash(e Entry) string {
	actor := ""
	if e.ActorID != nil {
		actor = strconv.FormatInt(*e.ActorID, 10)
	}
	chain := e.Chain
	if chain == "" {
		chain = strconv.FormatInt(e.DecisionID, 10)
	}
	fields := []string{
		"canyu-record-v1",
		chain,
		strconv.FormatInt(e.Seq, 10),
		e.RecordedAt.UTC().Format(time.RFC3339Nano),
		actor,
		e.ActorRole,
		string(e.Kind),
		e.Payload,
		e.PrevHash,
	}
	h := sha256.New()
	for _, f := range fields {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ParsePayload parses an entry's canonical payload into a JSON object,
// keeping numbers exact (json.Number).
func ParsePayload(s string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null")
	}
	return m, nil
}

// PayloadString returns the first of keys that holds a string in p.
func PayloadString(p map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := p[k].(string); ok {
			return s
		}
	}
	return ""
}

// PayloadInt returns the first of keys that holds an integer (a JSON number
// or a decimal string) in p.
func PayloadInt(p map[string]any, keys ...string) (int64, bool) {
	for _, k := range keys {
		switch v := p[k].(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				return n, true
			}
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n, true
			}
		}
	}
	return 0, false
}

// HashPrefix shortens a hash for a message.
func HashPrefix(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// ReducePayload returns an entry's payload with only what keep lets
// through (keep returns what to show of a key's value, or false to leave
// the key out) and whether a key was left out. It serves readers who may
// not see all of an entry: the hashes still commit to the whole payload.
func ReducePayload(payload string, keep func(key string, v any) (any, bool)) (string, bool, error) {
	p, err := ParsePayload(payload)
	if err != nil {
		return "", false, err
	}
	reduced := make(map[string]any, len(p))
	dropped := false
	for k, v := range p {
		if v, ok := keep(k, v); ok {
			reduced[k] = v
		} else {
			dropped = true
		}
	}
	body, err := CanonicalJSON(reduced)
	return string(body), dropped, err
}
