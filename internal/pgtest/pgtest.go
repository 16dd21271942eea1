// Package pgtest gives every test its own fresh PostgreSQL database, cloned
// from a template that has all migrations applied. It uses the server at
// CANYU_TEST_DATABASE_URL when set, otherwise the local server at
// 127.0.0.1:5432 (user postgres). `make test` starts one when none runs.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/migrations"
)

// DefaultURL is the local server tried when CANYU_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns the URL of the server tests use (its maintenance database).
func ServerURL() string {
	if u := os.Getenv("CANYU_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	return u.String()
}

// templateName is derived from the migration files, so a changed migration
// gets a new template instead of a stale one.
func templateName() string {
	h := sha256.New()
	var names []string
	fs.WalkDir(migrations.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS(), n)
		h.Write([]byte(n))
		h.Write(b)
	}
	return "canyu_tmpl_" + hex.EncodeToString(h.Sum(nil))[:12]
}

func connectAdmin(ctx context.Context) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return nil, fmt.Errorf("pgtest: no PostgreSQL at %s (set CANYU_TEST_DATABASE_URL or run `make test`, which starts one): %w", ServerURL(), err)
	}
	return c, nil
}

// ensureTemplate creates the migrated template once across all test
// processes; an advisory lock serialises `go test ./...` packages.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := templateName()
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(7242001)`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(7242001)`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_build"
	admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize()+` WITH (FORCE)`)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", err
	}
	pool, err := pgxpool.New(ctx, withDatabase(ServerURL(), building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, pool)
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	return name, nil
}

// NewURL creates a fresh migrated database for the test and returns its
// URL. The database is dropped when the test ends.
func NewURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := connectAdmin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close(context.Background())
	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: template: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "canyu_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := connectAdmin(ctx)
		if err != nil {
			tb.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			tb.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(ServerURL(), name)
}

// New creates a fresh migrated database for the test and returns a pool
// connected to it, closed when the test ends.
func New(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), NewURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// NewEmptyURL creates a fresh database with no migrations applied (for
// testing `migrate` and the schema-behind check).
func NewEmptyURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := connectAdmin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close(context.Background())
	b := make([]byte, 6)
	rand.Read(b)
	name := "canyu_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c, err := connectAdmin(context.Background())
		if err == nil {
			c.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
			c.Close(context.Background())
		}
	})
	return withDatabase(ServerURL(), name)
}
