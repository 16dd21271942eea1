package main

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/internal/server"
	"github.com/canyu-gov/canyu/internal/services"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/survey"
)

// service is the whole service in the test process, assembled as
// `canyu serve` assembles it (cmd/canyu/serve.go) on a fresh database and
// the real clock, with the search indexer running in the background —
// which testenv does not do, and the index lag needs. Search is the
// embedded backend, or Meilisearch at meiliURL (the fake of fakemeili.go).
type service struct {
	URL, DatabaseURL string
}

func startService(t *testing.T, meiliURL string) *service {
	t.Helper()
	ctx := context.Background()
	dbURL := pgtest.NewURL(t)
	db, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.SyncBuffer{}
	logger := obs.NewLogger(logs, "warn")
	ids := identity.NewService(db, nil)
	cs := consultation.NewService(db, nil)
	cs.Passwords = ids
	if cs.Signer, err = record.GenerateSigner(); err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.New(db, cs, logger, false)
	if err != nil {
		t.Fatal(err)
	}
	cs.Scheduler = runner
	ss := survey.NewService(db, cs, runner)
	key := make([]byte, 32)
	rand.Read(key)
	if ss.Keys, err = survey.OpenRespondentKeys(ctx, db, key); err != nil {
		t.Fatal(err)
	}
	var public, staff search.Index
	if meiliURL != "" {
		if public, err = search.NewMeili(meiliURL, ""); err != nil {
			t.Fatal(err)
		}
		if staff, err = search.NewMeili(meiliURL, "", search.WithMeiliIndex(search.DefaultMeiliIndex+"-staff-comments")); err != nil {
			t.Fatal(err)
		}
	} else {
		dir := t.TempDir()
		if public, err = search.NewEmbedded(filepath.Join(dir, "public")); err != nil {
			t.Fatal(err)
		}
		if staff, err = search.NewEmbedded(filepath.Join(dir, "staff")); err != nil {
			t.Fatal(err)
		}
	}
	for _, idx := range []search.Index{public, staff} {
		if err := idx.ApplySettings(ctx); err != nil {
			t.Fatal(err)
		}
	}
	indexer := search.NewIndexer(db, public, staff, logger)
	indexer.Start(ctx)
	h := server.New(server.Deps{
		Set: services.Set{Identity: ids, Consultation: cs, Survey: ss, Logger: logger,
			Search: &search.Service{DB: db, Index: public, Staff: staff, Consultation: cs}},
		DB: db, Indexer: indexer})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		indexer.Stop(sctx)
		cancel()
		public.Close()
		staff.Close()
		db.Close()
		if t.Failed() {
			t.Logf("service log:\n%s", logs.String())
		}
	})
	return &service{URL: srv.URL, DatabaseURL: dbURL}
}
