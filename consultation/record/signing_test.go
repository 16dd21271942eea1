package record_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/canyu-gov/canyu/consultation/record"
)

func TestLoadOrCreateSigningKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	s1, err := record.LoadOrCreateSigningKey(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, record.SigningKeyFilename)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	if len(s1.KeyID()) != 16 || s1.KeyID() != record.KeyID(s1.PublicKey()) {
		t.Errorf("key id %q", s1.KeyID())
	}
	s2, err := record.LoadOrCreateSigningKey(dir, "")
	if err != nil || s2.KeyID() != s1.KeyID() {
		t.Fatalf("second start: key %v, %v; want the same key %s", s2, err, s1.KeyID())
	}
	s3, err := record.LoadOrCreateSigningKey(t.TempDir(), path)
	if err != nil || s3.KeyID() != s1.KeyID() {
		t.Fatalf("explicit key file: %v, %v", s3, err)
	}
	if _, err := record.LoadOrCreateSigningKey(dir, filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a named key file that is missing: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.pem"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := record.LoadOrCreateSigningKey(dir, filepath.Join(dir, "bad.pem")); err == nil {
		t.Error("a file that is not a key was accepted")
	}
	pub, err := record.ParsePublicKeyPEM(s1.PublicKeyPEM())
	if err != nil || !pub.Equal(s1.PublicKey()) {
		t.Errorf("public key PEM round trip: %v", err)
	}
}
