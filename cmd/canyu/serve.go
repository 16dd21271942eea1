package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/server"
	"github.com/canyu-gov/canyu/internal/services"
	"github.com/canyu-gov/canyu/migrations"
	"github.com/canyu-gov/canyu/notify"
	"github.com/canyu-gov/canyu/opendata"
	"github.com/canyu-gov/canyu/search"
	"github.com/canyu-gov/canyu/survey"
)

// shutdownGrace is how long in-flight requests may take after SIGTERM.
const shutdownGrace = 25 * time.Second

func newFlagSet(env cmdEnv, name, help string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.stdout, "Usage: canyu %s\n\n%s\n", name, help)
		fs.SetOutput(env.stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.stderr)
	}
	return fs
}

// parseFlags parses and treats --help as success.
func parseFlags(fs *flag.FlagSet, args []string) (bool, error) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return false, nil
	}
	return err == nil, err
}

// connect loads the configuration from the environment (the database URL
// required) and opens the pool, for the one-shot commands; the caller
// closes the pool.
func (env cmdEnv) connect(ctx context.Context) (*pgxpool.Pool, Config, error) {
	cfg, err := LoadConfig(env.getenv, true)
	if err != nil {
		return nil, Config{}, err
	}
	db, err := openDB(ctx, cfg)
	return db, cfg, err
}

func openDB(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("CANYU_DATABASE_URL: %w", err)
	}
	// pgx defaults to max(4, cores) connections, which left comment
	// submissions queueing for a connection under load (BENCHMARKS.md);
	// an explicit pool_max_conns in the URL still wins.
	if !strings.Contains(cfg.DatabaseURL, "pool_max_conns") {
		pc.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL: %w", err)
	}
	return pool, nil
}

// openSurveyKeys loads (or, on first start, creates) the survey respondent
// key file and checks it is the one the database's surveys use: a missing,
// unreadable or different key stops the start-up, rather than failing
// every survey response later.
func openSurveyKeys(ctx context.Context, db *pgxpool.Pool, cfg Config) (*survey.RespondentKeys, error) {
	key, err := survey.LoadOrCreateRespondentKey(cfg.DataDir, cfg.SurveyKeyFile)
	if err != nil {
		return nil, err
	}
	return survey.OpenRespondentKeys(ctx, db, key)
}

// Main is the running service, startable on :0 by tests.
type Main struct {
	Config   Config
	Logger   *slog.Logger
	DB       *pgxpool.Pool
	Listener net.Listener
	server   *http.Server
	jobs     *jobs.Runner
	// The search indexes and the outbox worker (issue 7).
	index, staffIndex search.Index
	indexer           *search.Indexer
	// lease keeps a second embedded-index instance off the database.
	lease *search.EmbeddedLease
}

// Open connects, checks the schema and prepares the HTTP server.
func (m *Main) Open(ctx context.Context) error {
	db, err := openDB(ctx, m.Config)
	if err != nil {
		return err
	}
	m.DB = db
	current, latest, behind, err := migrations.Status(ctx, db)
	if err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if behind {
		return fmt.Errorf("the database schema is behind (version %d, this build needs %d): run `canyu migrate` first", current, latest)
	}
	sms := identity.LogSMSSender{Logger: m.Logger}
	m.Logger.Warn("SMS: the development sender is in use; verification codes are written to this log, not delivered to phones")
	ids := identity.NewService(db, sms)
	cs := consultation.NewService(db, nil)
	cs.Passwords = ids
	cs.Audit = ids
	cs.SigningKeys.SMS = sms
	if cs.Signer, err = record.LoadOrCreateSigningKey(m.Config.DataDir, m.Config.SigningKeyFile); err != nil {
		return err
	}
	// Published before anything is signed with it: verification accepts
	// every key the platform ever published (key rotation).
	if err := record.PublishKey(ctx, db, cs.Signer, time.Now()); err != nil {
		return err
	}
	m.Logger.Info("record signing key", "key_id", cs.Signer.KeyID())
	// Catalogue rows written before the catalogue had a record of its own
	// (migration 00103) are sealed into it once.
	sealed, err := catalogue.NewService(db, cs).SealUnrecorded(ctx)
	if err != nil {
		return err
	}
	if sealed > 0 {
		m.Logger.Info("catalogue record: rows written before it was kept sealed", "rows", sealed)
	}
	ss := survey.NewService(db, cs, nil)
	if ss.Keys, err = openSurveyKeys(ctx, db, m.Config); err != nil {
		return err
	}
	sup := server.NewSupervision(db, cs)
	od := opendata.New(db)
	hs := hearing.NewService(db, cs, sms)
	ts := themes.NewService(db, cs)
	ts.Opinions = hs
	ns, err := newNotify(db, m.Config, m.Logger, sms)
	integ := integrations.New(db, cs, ids)
	integ.AllowPrivateTargets = m.Config.WebhookAllowPrivate
	if err != nil {
		return err
	}
	runner, err := jobs.New(db, cs, m.Logger, true, jobs.WithSurveys(ss), jobs.WithSupervision(sup), jobs.WithOpenData(od, cs.Signer),
		jobs.WithRetention(cs, ids), jobs.WithThemes(ts), jobs.WithCalendarReminder(cs), jobs.WithNotify(ns), jobs.WithWebhooks(integ),
		jobs.WithVerificationCodes(ids))
	if err != nil {
		return err
	}
	ns.Queue = runner.Client()
	cs.Scheduler = runner
	ss.Scheduler = runner
	integ.Queue = runner
	// Verification and password-reset codes are sent by a job after the
	// answer (outside check sec3: the gateway's time in the request told
	// registered numbers apart).
	ids.Codes = runner
	m.jobs = runner
	if m.Config.MeiliURL == "" {
		// One embedded index per database (README, "Scaling out").
		if m.lease, err = search.AcquireEmbeddedLease(ctx, db, m.Logger); err != nil {
			return err
		}
	}
	if m.index, m.staffIndex, err = openServeSearch(m.Config, m.Logger); err != nil {
		return err
	}
	// Settings are applied at start-up; a backend that is down now only
	// delays indexing (the outbox keeps the changes), it does not stop the
	// service from starting.
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	for _, idx := range []search.Index{m.index, m.staffIndex} {
		if err := idx.ApplySettings(sctx); errors.Is(err, search.ErrMeiliTooOld) {
			// A server that refuses our settings would fail every write.
			cancel()
			return fmt.Errorf("CANYU_MEILI_URL: %w (upgrade Meilisearch to %s or later)", err, search.MinMeiliVersion)
		} else if err != nil {
			m.Logger.Warn("search: applying index settings failed; the first write applies them", "error", err)
		}
	}
	cancel()
	m.indexer = search.NewIndexer(db, m.index, m.staffIndex, m.Logger)
	searchSvc := &search.Service{DB: db, Index: m.index, Staff: m.staffIndex, Consultation: cs, Audit: ids}
	handler := server.New(server.Deps{
		Set: services.Set{Identity: ids, Consultation: cs, Survey: ss, Supervision: sup, Hearing: hs,
			Themes: ts, Search: searchSvc, OpenData: od, Integrations: integ, Notify: ns, Logger: m.Logger,
			SecureCookies: strings.HasPrefix(m.Config.BaseURL, "https://")},
		DB: db, Metrics: obs.NewMetrics(), Indexer: m.indexer, MetricsToken: m.Config.MetricsToken})
	// Behind a reverse proxy, the client is what the trusted proxies say
	// (CANYU_TRUSTED_PROXIES); the wrapper sets the request's RemoteAddr.
	handler = obs.TrustProxies(m.Config.TrustedProxies)(handler)
	m.server = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 120 * time.Second, IdleTimeout: 120 * time.Second}
	if m.Listener == nil {
		ln, err := net.Listen("tcp", m.Config.Addr)
		if err != nil {
			return err
		}
		m.Listener = ln
	}
	return nil
}

// Run serves until ctx is cancelled, then drains in-flight requests.
func (m *Main) Run(ctx context.Context) error {
	if err := m.jobs.Start(ctx); err != nil {
		return fmt.Errorf("starting job runner: %w", err)
	}
	m.indexer.Start(context.WithoutCancel(ctx))
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.Listener) }()
	m.Logger.Info("serving", "addr", m.Listener.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	m.Logger.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := m.server.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := m.jobs.Stop(sctx); err != nil {
		return fmt.Errorf("stopping jobs: %w", err)
	}
	if err := m.indexer.Stop(sctx); err != nil {
		return fmt.Errorf("stopping the search indexer: %w", err)
	}
	m.Logger.Info("stopped cleanly")
	return nil
}

// Close releases the search indexes and the database pool (stopping the
// indexer first if Run did not).
func (m *Main) Close() {
	if m.indexer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m.indexer.Stop(ctx)
		cancel()
	}
	for _, idx := range []search.Index{m.index, m.staffIndex} {
		if idx != nil {
			idx.Close()
		}
	}
	m.lease.Release()
	if m.DB != nil {
		m.DB.Close()
	}
}

// defaultMemoryLimit is the Go heap's soft limit when GOMEMLIMIT is unset.
// At 200 MiB the service peaked at 267–293 MB of RSS in 60-s runs of 1,000
// comments a second; at 150 MiB at 217–223 MB, with the same throughput
// within run-to-run noise (BENCHMARKS.md).
const defaultMemoryLimit = 150 << 20

func cmdServe(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "serve", "Runs the HTTP service on CANYU_ADDR: the API under /api/v1, pages at /,\n/healthz, /readyz and /metrics. Refuses to start when the schema is behind\n(run `canyu migrate`). SIGTERM drains in-flight requests and exits.")
	pprofAddr := fs.String("pprof-addr", "", "serve Go profiling endpoints (/debug/pprof/) on this loopback address, e.g. 127.0.0.1:6060")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	cfg, err := LoadConfig(env.getenv, true)
	if err != nil {
		return err
	}
	m := &Main{Config: cfg, Logger: obs.NewLogger(env.stderr, cfg.LogLevel)}
	slog.SetDefault(m.Logger)
	if env.getenv("GOMEMLIMIT") == "" {
		// A soft limit for the Go heap, so that a burst (a flash crowd's
		// requests, an index merge) is collected before the process grows
		// past issue 8's 300 MB of RSS; the runtime's default lets the heap
		// double after each collection. GOMEMLIMIT overrides it.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	if *pprofAddr != "" {
		if err := startPprof(*pprofAddr, m.Logger); err != nil {
			return err
		}
	}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	return m.Run(ctx)
}

func cmdMigrate(ctx context.Context, env cmdEnv, args []string) error {
	fs := newFlagSet(env, "migrate", "Applies pending migrations to CANYU_DATABASE_URL under a PostgreSQL\nadvisory lock (safe to run from several instances at once).")
	if ok, err := parseFlags(fs, args); !ok {
		return err
	}
	db, _, err := env.connect(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := migrations.Up(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "database schema at version %d\n", v)
	return nil
}

// newNotify builds the notification service: e-mail when CANYU_SMTP_URL is
// set (a mail server that is down only delays mail: jobs retry), SMS
// through the same sender as verification codes.
func newNotify(db *pgxpool.Pool, cfg Config, logger *slog.Logger, sms identity.LogSMSSender) (*notify.Service, error) {
	ns := notify.NewService(db)
	ns.Logger, ns.SMS, ns.BaseURL = logger, sms, cfg.BaseURL
	if cfg.SMTPURL == "" {
		logger.Info("e-mail notifications off (CANYU_SMTP_URL unset): residents get the inbox on the site")
		return ns, nil
	}
	mailer, err := notify.NewMailer(cfg.SMTPURL, cfg.MailFrom)
	if err != nil {
		return nil, err
	}
	ns.Mailer = mailer
	return ns, nil
}
