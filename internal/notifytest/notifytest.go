// Package notifytest runs the notification jobs for a test: a River client
// working only the notify queue on the test's database, and a real SMTP
// server (mailtest) wired into the service.
package notifytest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/canyu-gov/canyu/internal/mailtest"
	"github.com/canyu-gov/canyu/notify"
)

// Start gives svc a Mailer to a fresh mailpit and starts the notify
// workers; both stop at cleanup.
func Start(tb testing.TB, db *pgxpool.Pool, svc *notify.Service) *mailtest.Server {
	tb.Helper()
	mp := mailtest.Start(tb)
	m, err := notify.NewMailer(mp.SMTPURL, "canyu@example.gov.cn")
	if err != nil {
		tb.Fatal(err)
	}
	svc.Mailer = m
	StartWorkers(tb, db, svc)
	return mp
}

// StartWorkers starts a River client that works only the notify jobs on
// db; it stops at cleanup.
func StartWorkers(tb testing.TB, db *pgxpool.Pool, svc *notify.Service) {
	tb.Helper()
	workers := river.NewWorkers()
	cfg := &river.Config{Workers: workers, Logger: slog.New(slog.DiscardHandler), FetchPollInterval: 100 * time.Millisecond,
		FetchCooldown: 20 * time.Millisecond}
	svc.AddWorkers(workers, cfg)
	client, err := river.NewClient(riverpgxv5.New(db), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := client.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		sctx, c2 := context.WithTimeout(context.Background(), 10*time.Second)
		defer c2()
		client.Stop(sctx)
		cancel()
	})
}
