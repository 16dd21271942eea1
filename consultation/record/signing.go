package record

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Signatures on the process record (决策档案, Decree 713 Art. 33; DOMAIN.md
// "The process record"). The platform holds one Ed25519 key at a time; a
// replaced key stays published (keys.go), so older signatures still
// verify. A signed entry (legal opinions, review conclusions and
// confirmations, and any other step that appends with a Signer) carries in its payload who
// signed (account id, role, time, key id) and the content hash of the draft
// version signed off; its signature column holds the base64 Ed25519
// signature over the entry hash (the 64 lowercase hex characters as ASCII)
// and its signer_key column the key id. The entry hash covers the payload,
// so an edited payload breaks the chain, and a chain recomputed after the
// edit no longer matches the signature, which only the platform's key can
// make. The public key is published (get-record-public-key) and written
// into every archive, so signatures can be checked offline.

// SigningKeyFilename is the key file created under CANYU_DATA_DIR on first
// start when no CANYU_SIGNING_KEY_FILE is given.
const SigningKeyFilename = "signing-key.pem"

// Signer holds the platform's Ed25519 record-signing key.
type Signer struct {
	priv  ed25519.PrivateKey
	pub   ed25519.PublicKey
	keyID string
}

// NewSigner returns a Signer for the private key.
func NewSigner(priv ed25519.PrivateKey) *Signer {
	pub := priv.Public().(ed25519.PublicKey)
	return &Signer{priv: priv, pub: pub, keyID: KeyID(pub)}
}

// GenerateSigner returns a Signer with a fresh key (tests, first start).
func GenerateSigner() (*Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewSigner(priv), nil
}

// KeyID is a public key's id: the first 16 hex characters of the SHA-256
// of the raw 32-byte public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])[:16]
}

// LoadOrCreateSigningKey reads the PEM (PKCS#8) Ed25519 private key from
// keyFile, or, when keyFile is empty, from dataDir/signing-key.pem, creating
// that file (mode 0600, its directory 0700) with a new key when it does not
// exist yet. A given keyFile that is missing is an error: an operator who
// names a key means that key.
func LoadOrCreateSigningKey(dataDir, keyFile string) (*Signer, error) {
	if keyFile != "" {
		return loadSigningKey(keyFile)
	}
	path := filepath.Join(dataDir, SigningKeyFilename)
	s, err := loadSigningKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	s, err = GenerateSigner()
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.priv)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	// O_EXCL: two instances starting at once on one data directory must not
	// overwrite each other's key; the loser reads the winner's.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return loadSigningKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return s, nil
}

// LoadSigningKey reads the key as LoadOrCreateSigningKey does but never
// creates one (for verifying); a missing file is an error wrapping
// fs.ErrNotExist.
func LoadSigningKey(dataDir, keyFile string) (*Signer, error) {
	if keyFile == "" {
		keyFile = filepath.Join(dataDir, SigningKeyFilename)
	}
	return loadSigningKey(keyFile)
}

func loadSigningKey(path string) (*Signer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("signing key %s: not a PEM PRIVATE KEY (PKCS#8) file", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key %s: not an Ed25519 key", path)
	}
	return NewSigner(priv), nil
}

// KeyID returns the id of the signer's public key.
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey returns the signer's public key.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.pub }

// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" (PKIX) block.
func (s *Signer) PublicKeyPEM() []byte { return PublicKeyPEM(s.pub) }

// PublicKeyPEM encodes an Ed25519 public key as a PEM "PUBLIC KEY" block.
func PublicKeyPEM(pub ed25519.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic("record: marshal Ed25519 public key: " + err.Error())
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// ParsePublicKeyPEM reads an Ed25519 public key from a PEM "PUBLIC KEY" block.
func ParsePublicKeyPEM(raw []byte) (ed25519.PublicKey, error) {
	block, _ := pem.Decode(raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("not an Ed25519 public key")
	}
	return pub, nil
}

// SignEntryHash signs an entry hash and returns the base64 signature.
func (s *Signer) SignEntryHash(entryHash string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, []byte(entryHash)))
}

// Sign signs msg and returns the base64 signature (tree heads, heads.go).
func (s *Signer) Sign(msg []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, msg))
}
