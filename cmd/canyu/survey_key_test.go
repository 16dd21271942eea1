package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/survey"
)

// TestServeSurveyKeyFile: serve keeps the survey respondent key in a file
// outside the database, created on first start (mode 0600) and read again
// on the next; a named key file that is missing or unreadable, or a key
// other than the one the database's surveys use, stops the start-up with
// an error naming CANYU_SURVEY_KEY_FILE, instead of failing every survey
// response later.
func TestServeSurveyKeyFile(t *testing.T) {
	url := pgtest.NewURL(t)
	dataDir := t.TempDir()
	m, err := openMain(t, url, dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	path := filepath.Join(dataDir, survey.RespondentKeyFilename)
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file after the first start: %v %v", info, err)
	}
	first, _ := os.ReadFile(path)
	m, err = openMain(t, url, dataDir, "")
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	m.Close()
	if again, _ := os.ReadFile(path); string(again) != string(first) {
		t.Fatal("the second start replaced the key")
	}

	unreadable := filepath.Join(t.TempDir(), "key")
	if err := os.Mkdir(unreadable, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, keyFile := range map[string]string{"missing": filepath.Join(t.TempDir(), "nothing.key"), "unreadable": unreadable} {
		if _, err := openMain(t, url, dataDir, keyFile); err == nil || !strings.Contains(err.Error(), "CANYU_SURVEY_KEY_FILE") {
			t.Errorf("%s key file: %v, want a start-up error naming CANYU_SURVEY_KEY_FILE", name, err)
		}
	}
	// Another instance with a data directory of its own (so a key of its
	// own) would let a resident answer once through each.
	if _, err := openMain(t, url, t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "CANYU_SURVEY_KEY_FILE") {
		t.Errorf("another key: %v, want a start-up error naming CANYU_SURVEY_KEY_FILE", err)
	}
	m, err = openMain(t, url, t.TempDir(), path)
	if err != nil {
		t.Fatalf("another data directory with the shared key file: %v", err)
	}
	m.Close()
}
