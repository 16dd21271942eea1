package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/survey"
)

// openMain opens the service on the database url with its own data
// directory and the survey key file every instance of a database shares
// (CANYU_SURVEY_KEY_FILE, as deployed; "": the data directory's own).
func openMain(t *testing.T, url, dataDir, surveyKeyFile string) (*Main, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	m := &Main{Config: Config{DatabaseURL: url, LogLevel: "info", DataDir: dataDir, SurveyKeyFile: surveyKeyFile}, Logger: obs.NewLogger(&logs, "info"), Listener: ln}
	err = m.Open(context.Background())
	if err != nil {
		m.Close()
		ln.Close()
	}
	return m, err
}

// sharedSurveyKey creates a survey respondent key file for the instances of
// one test database and returns its path.
func sharedSurveyKey(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := survey.LoadOrCreateRespondentKey(dir, ""); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, survey.RespondentKeyFilename)
}

// TestEmbeddedSearchOneInstancePerDatabase: a second instance with the
// embedded index on the same database refuses to start, naming
// Meilisearch (without the lease each would index only the outbox rows it
// claimed and the two would answer searches differently); once the first
// stops, the second starts.
func TestEmbeddedSearchOneInstancePerDatabase(t *testing.T) {
	url := pgtest.NewURL(t)
	key := sharedSurveyKey(t)
	first, err := openMain(t, url, t.TempDir(), key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = openMain(t, url, t.TempDir(), key)
	if !errors.Is(err, search.ErrLeaseHeld) || !strings.Contains(err.Error(), "Meilisearch") || !strings.Contains(err.Error(), "CANYU_MEILI_URL") {
		t.Fatalf("second embedded instance: %v, want ErrLeaseHeld naming Meilisearch", err)
	}
	// Another database is another deployment: no conflict.
	other, err := openMain(t, pgtest.NewURL(t), t.TempDir(), "")
	if err != nil {
		t.Fatalf("instance on another database: %v", err)
	}
	other.Close()
	first.Close()
	second, err := openMain(t, url, t.TempDir(), key)
	if err != nil {
		t.Fatalf("after the first stopped: %v", err)
	}
	second.Close()
}

// TestReindexTakesTheLease: `canyu reindex` without --queue beside a
// running service with the embedded index would rebuild an index that
// service never writes to (and swap it in under nobody); it refuses,
// naming --queue, and runs once the service stopped.
func TestReindexTakesTheLease(t *testing.T) {
	url := pgtest.NewURL(t)
	dataDir := t.TempDir()
	serving, err := openMain(t, url, dataDir, "")
	if err != nil {
		t.Fatal(err)
	}
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url, "CANYU_DATA_DIR": t.TempDir()})
	err = run(context.Background(), []string{"reindex"}, env, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--queue") {
		t.Fatalf("reindex beside a running embedded instance: %v, want a refusal naming --queue", err)
	}
	serving.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"reindex"}, env, nil, &out, io.Discard); err != nil {
		t.Fatalf("reindex after the service stopped: %v", err)
	}
	if !strings.Contains(out.String(), "search index rebuilt") {
		t.Errorf("reindex output: %s", out.String())
	}
	// While reindex runs it holds the lease: a service cannot start then
	// (checked by the lease itself in TestEmbeddedSearchOneInstancePerDatabase).
}
