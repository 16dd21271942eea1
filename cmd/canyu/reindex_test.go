package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/search"
)

// TestReindex rebuilds the index of the demo city plus 10,000 generated
// published comments, and checks that the index holds them and that a
// document the store does not have is gone after the swap.
func TestReindex(t *testing.T) {
	const generated = 10000
	dataDir := t.TempDir()
	ctx := context.Background()
	env, db := seededDemo(t, dataDir)
	// 10,000 published comments on the draft of one consultation that
	// shows comments, generated in SQL.
	tag, err := db.Exec(ctx, `WITH k AS (SELECT id, decision_id, version_id FROM consultations ORDER BY id LIMIT 1),
		a AS (SELECT id FROM accounts WHERE role = 'resident' ORDER BY id LIMIT 1)
		INSERT INTO comments (decision_id, consultation_id, version_id, account_id, receipt, body, body_hash, normalized_hash, status, created_at)
		SELECT k.decision_id, k.id, k.version_id, a.id, 'GEN' || lpad(g::text, 9, '0'),
		       '生成的意见第' || g || '条：建议增加夜间公交班次', md5(g::text), md5(g::text), 'published', now()
		FROM k, a, generate_series(1, $1) g`, generated)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() != generated {
		t.Fatalf("generated %d comments", tag.RowsAffected())
	}
	if _, err := db.Exec(ctx, `UPDATE consultations SET show_comments = true WHERE id = (SELECT min(id) FROM consultations)`); err != nil {
		t.Fatal(err)
	}
	// A document the store does not know, in the current index.
	func() {
		idx, err := search.NewEmbedded(filepath.Join(dataDir, "search", "public"))
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		if err := idx.Upsert(ctx, []search.Document{{ID: "comment-999999999", Type: search.TypeComment, Title: "幽灵", Body: "夜间公交幽灵意见", Date: time.Now()}}); err != nil {
			t.Fatal(err)
		}
	}()

	var out bytes.Buffer
	start := time.Now()
	if err := run(ctx, []string{"reindex"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	t.Logf("reindex took %s", time.Since(start))
	if !strings.Contains(out.String(), "reindex: ") || !strings.Contains(out.String(), "search index rebuilt") {
		t.Fatalf("no plain progress lines:\n%s", out.String())
	}
	idx, err := search.NewEmbedded(filepath.Join(dataDir, "search", "public"))
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	res, err := idx.Search(ctx, search.Query{Types: []search.DocType{search.TypeComment}, Text: "夜间公交", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total < generated {
		t.Fatalf("index holds %d comments about 夜间公交, want %d", res.Total, generated)
	}
	ghost, err := idx.Search(ctx, search.Query{Text: "幽灵", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if ghost.Total != 0 {
		t.Fatalf("a document the store does not have survived the rebuild: %+v", ghost.Hits)
	}
	var articles int
	db.QueryRow(ctx, `SELECT count(*) FROM draft_articles a JOIN draft_versions v ON v.id = a.version_id JOIN decisions d ON d.id = v.decision_id
		WHERE d.public_since IS NOT NULL`).Scan(&articles)
	all, err := idx.Search(ctx, search.Query{Types: []search.DocType{search.TypeArticle}, Limit: 1})
	if err != nil || all.Total == 0 || all.Total > articles {
		t.Fatalf("articles indexed %d (public articles of all versions %d), %v", all.Total, articles, err)
	}
}

func TestReindexHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"reindex", "--help"}, envFunc(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Usage: canyu reindex") || !strings.Contains(out.String(), "-queue") {
		t.Fatalf("help: %s", out.String())
	}
}

// TestReindexQueue re-derives everything through the outbox of a running
// indexer (as when `canyu serve` holds the embedded index) and waits for it.
func TestReindexQueue(t *testing.T) {
	ctx := context.Background()
	env, db := seededDemo(t, t.TempDir())
	idx, err := search.NewEmbedded(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	x := search.NewIndexer(db, idx, nil, nil)
	x.PollInterval = 20 * time.Millisecond
	x.Start(ctx)
	defer x.Stop(ctx)
	var out bytes.Buffer
	if err := run(ctx, []string{"reindex", "--queue"}, env, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "search outbox drained") {
		t.Fatalf("output: %s", out.String())
	}
	res, err := idx.Search(ctx, search.Query{Types: []search.DocType{search.TypeDecision}, Limit: 1})
	if err != nil || res.Total == 0 {
		t.Fatalf("no decisions indexed: %+v, %v", res, err)
	}
}

// seededDemo runs `canyu seed --demo` on a new database with dataDir, and
// returns the command environment and a pool on that database (closed at
// cleanup).
func seededDemo(t *testing.T, dataDir string) (func(string) string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.NewURL(t)
	env := envFunc(map[string]string{"CANYU_DATABASE_URL": url, "CANYU_DATA_DIR": dataDir})
	if err := run(context.Background(), []string{"seed", "--demo"}, env, nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return env, db
}
