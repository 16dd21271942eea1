// Package migrations embeds the numbered SQL migrations and applies them
// with goose under a PostgreSQL advisory lock, so several instances starting
// at once never race on the schema.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// FS returns the embedded migration files.
func FS() embed.FS { return files }

func provider(db *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	// Out of order: features land in parallel with reserved number ranges,
	// so a database migrated yesterday may meet a lower number today.
	return goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
}

// Up applies every pending migration and returns the resulting version.
func Up(ctx context.Context, pool *pgxpool.Pool) (int64, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	// River (the Postgres-backed job queue) keeps its own migration line;
	// it takes its own advisory lock.
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return 0, err
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return 0, fmt.Errorf("migrate job queue: %w", err)
	}
	return p.GetDBVersion(ctx)
}

// Status reports the schema's current version, the newest embedded one, and
// whether anything (ours or the job queue's) is still to be applied.
func Status(ctx context.Context, pool *pgxpool.Pool) (current, latest int64, behind bool, err error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := provider(db)
	if err != nil {
		return 0, 0, false, err
	}
	current, latest, err = p.GetVersions(ctx)
	if err != nil || current < latest {
		return current, latest, true, err
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return current, latest, false, err
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{DryRun: true})
	if err != nil {
		return current, latest, false, err
	}
	return current, latest, len(res.Versions) > 0, nil
}
