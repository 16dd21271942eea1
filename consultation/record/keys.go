package record

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Key rotation. Every key that signs anything is first published in
// record_signing_keys (append-only), so that when the operator replaces the
// key file the entries and tree heads signed with the old key still verify:
// verification looks each signature's key up by id in a Keyring holding
// every key the platform ever published, online from the table and offline
// from the archive's copy of it.

// Keyring is a set of Ed25519 public keys by key id.
type Keyring map[string]ed25519.PublicKey

// Add adds pub under its id.
func (k Keyring) Add(pub ed25519.PublicKey) { k[KeyID(pub)] = pub }

// IDs returns the key ids in order.
func (k Keyring) IDs() []string {
	ids := make([]string, 0, len(k))
	for id := range k {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// PublishedKey is one key the platform published for the record.
type PublishedKey struct {
	KeyID       string
	Algorithm   string
	PublicKey   ed25519.PublicKey
	PublishedAt time.Time
}

// PEM returns the key as a PEM "PUBLIC KEY" block.
func (k PublishedKey) PEM() string { return string(PublicKeyPEM(k.PublicKey)) }

// Base64 returns the raw key in base64.
func (k PublishedKey) Base64() string { return base64.StdEncoding.EncodeToString(k.PublicKey) }

// PublishKey records the signer's public key as published, if it is not
// yet; the service calls it at start and before every signature.
func PublishKey(ctx context.Context, q Querier, s *Signer, at time.Time) error {
	if _, err := q.Exec(ctx, `INSERT INTO record_signing_keys (key_id, public_key, published_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id) DO NOTHING`, s.KeyID(), []byte(s.PublicKey()), at); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// PublishedKeys lists every key the platform published, oldest first.
func PublishedKeys(ctx context.Context, q Querier) ([]PublishedKey, error) {
	rows, err := q.Query(ctx, `SELECT key_id, algorithm, public_key, published_at FROM record_signing_keys ORDER BY published_at, key_id`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []PublishedKey
	var k PublishedKey
	var raw []byte
	if _, err := pgx.ForEachRow(rows, []any{&k.KeyID, &k.Algorithm, &raw, &k.PublishedAt}, func() error {
		k.PublicKey = append(ed25519.PublicKey(nil), raw...)
		out = append(out, k)
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// LoadKeyring returns every published key whose id matches its bytes (a
// row whose key was swapped in the database is left out, so what it
// signed fails to verify).
func LoadKeyring(ctx context.Context, q Querier) (Keyring, error) {
	keys, err := PublishedKeys(ctx, q)
	if err != nil {
		return nil, err
	}
	ring := Keyring{}
	for _, k := range keys {
		if len(k.PublicKey) == ed25519.PublicKeySize && KeyID(k.PublicKey) == k.KeyID {
			ring[k.KeyID] = k.PublicKey
		}
	}
	return ring, nil
}

// CheckSignatures checks every signature of the entries with the keyring:
// an entry whose payload says it was signed (signed_by) must carry a
// signature over its entry hash by the key it names, that key must be one
// the platform published, and any signature carried must verify. It
// returns the first bad entry's seq and the problem, the number of
// signatures checked and the id of the last key used.
func CheckSignatures(entries []Entry, ring Keyring) (seq int64, problem string, n int, lastKey string) {
	for _, e := range entries {
		p, err := ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err), n, lastKey
		}
		signedBy, claims := p["signed_by"].(map[string]any)
		if !claims && e.Signature == "" && e.SignerKey == "" {
			continue
		}
		pub := ring[e.SignerKey]
		switch {
		case e.Signature == "":
			return e.Seq, fmt.Sprintf("entry %d: a signed entry carries no signature", e.Seq), n, lastKey
		case len(ring) == 0:
			return e.Seq, fmt.Sprintf("entry %d: signed by key %s, but no public key is available to check it", e.Seq, e.SignerKey), n, lastKey
		case pub == nil:
			return e.Seq, fmt.Sprintf("entry %d: signed by key %s, which is not a key the platform published (%v)", e.Seq, e.SignerKey, ring.IDs()), n, lastKey
		case claims && PayloadString(signedBy, "key_id") != e.SignerKey:
			return e.Seq, fmt.Sprintf("entry %d: the payload names key %s, the signature key %s", e.Seq, PayloadString(signedBy, "key_id"), e.SignerKey), n, lastKey
		}
		sig, err := base64.StdEncoding.DecodeString(e.Signature)
		if err != nil || !ed25519.Verify(pub, []byte(e.EntryHash), sig) {
			return e.Seq, fmt.Sprintf("entry %d: the signature does not verify against the entry hash with key %s", e.Seq, e.SignerKey), n, lastKey
		}
		n++
		lastKey = e.SignerKey
	}
	return 0, "", n, lastKey
}
