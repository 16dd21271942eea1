// Command canyu-load is the load generator for a running canyu instance
// (issue 8). It creates its own fixture through the service layer against
// the instance's database (agencies, staff, a decision under consultation,
// an open survey and N verified residents signed in), runs a mix of
// residents commenting (with Idempotency-Key, retried on network errors and
// 5xx with the same key), residents answering the survey and anonymous
// readers loading the decision page and the comment list and searching,
// prints throughput and latency per operation, then verifies in the
// database that every acknowledged write exists exactly once.
//
// Example (see BENCHMARKS.md):
//
//	canyu-load --base-url http://127.0.0.1:8080 --database-url postgres://postgres@127.0.0.1:5432/canyu \
//	  --duration 60s --concurrency 64 --residents 20000 --mix comment=4,survey=2,page=3,list=1,search=1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// config is the command line.
type config struct {
	baseURL, databaseURL string
	duration             time.Duration
	concurrency          int
	residents            int
	mix                  map[string]int
	login                string
	apiLogins            int
	spreadAddrs          bool
	perMinute, perDay    int
	addrPerMinute        int
	retryFor             time.Duration
	servicePID           int
	timeout              time.Duration
	setupOnly            bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "canyu-load:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

// run parses the flags, sets up, loads and verifies. It reports false when
// the verification found a lost or duplicated write.
func run(ctx context.Context, args []string) (bool, error) {
	fs := flag.NewFlagSet("canyu-load", flag.ContinueOnError)
	var cfg config
	var mix string
	fs.StringVar(&cfg.baseURL, "base-url", "http://127.0.0.1:8080", "the running instance")
	fs.StringVar(&cfg.databaseURL, "database-url", os.Getenv("CANYU_DATABASE_URL"), "its database, to create the fixture and verify (default $CANYU_DATABASE_URL)")
	fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long to run the mix")
	fs.IntVar(&cfg.concurrency, "concurrency", 64, "concurrent clients, split over the operations by the mix weights")
	fs.IntVar(&cfg.residents, "residents", 20000, "verified residents to create; each answers the survey at most once and comments within the limits")
	fs.StringVar(&mix, "mix", "comment=4,survey=2,page=3,list=1,search=1", "operation weights: comment, survey, page (GET /decisions/{id}), list (GET /api/v1/decisions/{id}/comments), search (GET /api/v1/search?q=…, left out when it does not answer 200)")
	fs.StringVar(&cfg.login, "login", "db", "db: sign --api-logins residents in through POST /api/v1/sessions and insert the other sessions directly; api: sign every resident in through the API (argon2id each: slow)")
	fs.IntVar(&cfg.apiLogins, "api-logins", 20, "with --login db, how many residents sign in through the API")
	fs.BoolVar(&cfg.spreadAddrs, "spread-addrs", true, "send each resident's comments from its own loopback source address (127.x.y.z), as residents behind their own addresses; needs a loopback base URL")
	fs.IntVar(&cfg.perMinute, "per-minute", 5, "comments per resident per minute the generator stays under (the service's CommentLimits.PerAccountPerMinute)")
	fs.IntVar(&cfg.perDay, "per-day", 50, "comments per resident in a run (CommentLimits.PerAccountPerDay)")
	fs.IntVar(&cfg.addrPerMinute, "addr-per-minute", 30, "comments per source address per minute the generator stays under (CommentLimits.PerAddressPerMinute)")
	fs.DurationVar(&cfg.retryFor, "retry-for", 120*time.Second, "how long a write is retried (same Idempotency-Key) on network errors and 5xx")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.IntVar(&cfg.servicePID, "service-pid", 0, "pid of the service, to sample its RSS (max reported)")
	fs.BoolVar(&cfg.setupOnly, "setup-only", false, "create the fixture, print its ids (decision, consultation, version, a resident) and exit: scripts/load-baseline.sh uses it")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return true, nil
		}
		return false, err
	}
	if cfg.databaseURL == "" {
		return false, fmt.Errorf("--database-url (or CANYU_DATABASE_URL) is required")
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	cfg.mix = map[string]int{}
	for _, kv := range strings.Split(mix, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || !validOp[k] {
			return false, fmt.Errorf("--mix: bad weight %q (ops: comment, survey, page, list, search)", kv)
		}
		cfg.mix[k] = n
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
	}
	pc, err := pgxpool.ParseConfig(cfg.databaseURL)
	if err != nil {
		return false, err
	}
	pc.MaxConns = 4
	db, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return false, err
	}
	defer db.Close()
	fx, err := setup(ctx, db, cfg, logf)
	if err != nil {
		return false, fmt.Errorf("setup: %w", err)
	}
	if cfg.setupOnly {
		var consultationID, versionID int64
		if err := db.QueryRow(ctx, `SELECT id, version_id FROM consultations WHERE decision_id = $1 ORDER BY id DESC LIMIT 1`,
			fx.decisionID).Scan(&consultationID, &versionID); err != nil {
			return false, err
		}
		fmt.Printf("decision=%d consultation=%d version=%d resident=%d\n", fx.decisionID, consultationID, versionID, fx.accountIDs[0])
		return true, nil
	}
	l := newLoad(cfg, fx, logf)
	l.run(ctx)
	l.report(os.Stdout)
	// Verify on a fresh context: an interrupted run still verifies.
	vctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return l.verify(vctx, db, os.Stdout)
}
