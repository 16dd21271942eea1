package survey_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/canyu-gov/canyu/survey"
)

// TestLoadOrCreateRespondentKey: on first start the key file is created
// under the data directory, readable by its owner only, and every later
// start (and every instance started at once on that directory) reads the
// same key; a named key file is used as it is, and one that is missing,
// unreadable or not a key is an error, never a fresh key.
func TestLoadOrCreateRespondentKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	keys := make([][]byte, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = survey.LoadOrCreateRespondentKey(dir, "")
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if len(keys[i]) != 32 || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("start %d read another key (%d bytes)", i, len(keys[i]))
		}
	}
	path := filepath.Join(dir, survey.RespondentKeyFilename)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", info.Mode().Perm())
	}
	if d, err := os.Stat(dir); err != nil || d.Mode().Perm() != 0o700 {
		t.Errorf("data directory: %v %v", d.Mode().Perm(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the data directory holds %d files, want only the key", len(entries))
	}
	again, err := survey.LoadOrCreateRespondentKey(dir, "")
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("second start: %v", err)
	}
	// The file named by CANYU_SURVEY_KEY_FILE, from another data directory.
	named, err := survey.LoadOrCreateRespondentKey(t.TempDir(), path)
	if err != nil || !bytes.Equal(named, keys[0]) {
		t.Fatalf("named key file: %v", err)
	}

	missing := filepath.Join(dir, "missing.key")
	if _, err := survey.LoadOrCreateRespondentKey(dir, missing); !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), "CANYU_SURVEY_KEY_FILE") {
		t.Errorf("missing named key file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a missing named key file was created")
	}
	// A directory where the file should be cannot be read (the tests run as
	// root, whom file modes do not stop).
	unreadable := filepath.Join(t.TempDir(), "var")
	if err := os.MkdirAll(filepath.Join(unreadable, survey.RespondentKeyFilename), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := survey.LoadOrCreateRespondentKey(unreadable, ""); err == nil {
		t.Error("an unreadable key file accepted")
	}
	for name, content := range map[string]string{"short": strings.Repeat("ab", 16), "not hex": strings.Repeat("zz", 32), "empty": ""} {
		bad := filepath.Join(t.TempDir(), "bad.key")
		os.WriteFile(bad, []byte(content), 0o600)
		if _, err := survey.LoadOrCreateRespondentKey(dir, bad); err == nil || !strings.Contains(err.Error(), "not a key") {
			t.Errorf("%s key file: %v", name, err)
		}
	}
}
