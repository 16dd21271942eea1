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
// More modes (issue 8): --lag-rate publishes a sample of the comments as
// staff and measures how long until search finds them (on by default);
// --campaign sends near-identical copies of one text from many accounts
// and checks through the staff API that they form one group; --abuse
// hammers the comment limits from one account and from one address during
// a window and compares the other residents' latency inside and outside
// it; --compare-window does the same comparison around a fault (see
// scripts/fault-search-outage.sh). `canyu-load fake-meili` serves a
// stand-in Meilisearch for that fault (fakemeili.go).
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
	"io"
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
	// campaign is how many near-identical comments to send (0: the mix).
	campaign int
	// lagRate is how many comments a second are published and looked up
	// in search (0: off); lagTimeout how long each may take.
	lagRate    float64
	lagTimeout time.Duration
	// abuse runs the abusers during window; window also splits the
	// comment latencies into inside and outside (--compare-window).
	abuse            bool
	abuseConcurrency int
	window           window
	// startedFile is written when the run starts (after the setup), so
	// that a fault script can time its fault from the run's start.
	startedFile string
	// failOnErrors fails the run when a write answered an error other
	// than 429 (after its retries).
	failOnErrors bool
}

// window is a span of the run, as offsets from its start.
type window struct{ start, length time.Duration }

func (w window) String() string { return fmt.Sprintf("%s+%s", w.start, w.length) }

// parseWindow reads START+LENGTH, e.g. 20s+60s.
func parseWindow(s string) (window, error) {
	a, b, ok := strings.Cut(s, "+")
	start, err1 := time.ParseDuration(a)
	length, err2 := time.ParseDuration(b)
	if !ok || err1 != nil || err2 != nil || start < 0 || length <= 0 {
		return window{}, fmt.Errorf("window %q: want START+LENGTH, e.g. 20s+60s", s)
	}
	return window{start, length}, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "fake-meili" {
		if err := runFakeMeili(ctx, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "canyu-load fake-meili:", err)
			os.Exit(2)
		}
		return
	}
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
// the verification found a lost or duplicated write (or a mode's check
// failed).
func run(ctx context.Context, args []string) (bool, error) {
	cfg, err := parseConfig(args)
	if err != nil || cfg == nil {
		return err == nil, err
	}
	_, ok, err := execute(ctx, *cfg, os.Stdout)
	return ok, err
}

// parseConfig reads the command line; nil without error for --help.
func parseConfig(args []string) (*config, error) {
	fs := flag.NewFlagSet("canyu-load", flag.ContinueOnError)
	var cfg config
	var mix, abuseWindow, compareWindow string
	campaignAccounts := 0
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
	fs.Float64Var(&cfg.lagRate, "lag-rate", 2, "comments a second that carry a search token, are published by staff and polled in search until found (index lag); 0: off")
	fs.DurationVar(&cfg.lagTimeout, "lag-timeout", 60*time.Second, "how long a published comment may take to become searchable before the verification fails")
	fs.IntVar(&cfg.campaign, "campaign", 0, "campaign mode: send this many near-identical comments (one text with small edits) instead of the mix, then check as staff that they form one group")
	fs.IntVar(&campaignAccounts, "campaign-accounts", 1000, "campaign mode: accounts sending the copies (replaces --residents)")
	fs.BoolVar(&cfg.abuse, "abuse", false, "during --abuse-window, one account and one address hammer comments past the limits (429 with Retry-After expected); the residents' latency is compared inside and outside the window")
	fs.StringVar(&abuseWindow, "abuse-window", "", "START+LENGTH of the abuse within the run (default: the middle third of --duration)")
	fs.IntVar(&cfg.abuseConcurrency, "abuse-concurrency", 4, "requests each abuser keeps in flight")
	fs.StringVar(&cfg.startedFile, "started-file", "", "write the run's start time (RFC 3339) to this file when the mix starts, after the setup: fault scripts time their fault from it")
	fs.BoolVar(&cfg.failOnErrors, "fail-on-errors", false, "exit 1 when a comment or survey response answered an error other than 429 (after retries)")
	fs.StringVar(&compareWindow, "compare-window", "", "START+LENGTH: report comment latency inside and outside this span of the run (e.g. a fault's)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil, nil
		}
		return nil, err
	}
	if cfg.databaseURL == "" {
		return nil, fmt.Errorf("--database-url (or CANYU_DATABASE_URL) is required")
	}
	cfg.baseURL = strings.TrimRight(cfg.baseURL, "/")
	var err error
	switch {
	case abuseWindow != "" && compareWindow != "":
		return nil, fmt.Errorf("--abuse-window and --compare-window are the same span: give one")
	case abuseWindow != "":
		cfg.window, err = parseWindow(abuseWindow)
	case compareWindow != "":
		cfg.window, err = parseWindow(compareWindow)
	case cfg.abuse:
		cfg.window = window{cfg.duration / 3, cfg.duration / 3}
	}
	if err != nil {
		return nil, err
	}
	if cfg.abuse && cfg.abuseConcurrency < 1 {
		return nil, fmt.Errorf("--abuse-concurrency must be at least 1")
	}
	if cfg.campaign > 0 {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["duration"] {
			// The run ends when every copy is acknowledged; --duration only
			// bounds it (10,000 copies from 1,000 accounts take about two
			// minutes under the per-account limit).
			cfg.duration = 15 * time.Minute
		}
		cfg.residents, cfg.lagRate = campaignAccounts, 0
		cfg.mix = map[string]int{"comment": 1}
		if cfg.abuse {
			return nil, fmt.Errorf("--campaign and --abuse: run them separately")
		}
		return &cfg, nil
	}
	cfg.mix = map[string]int{}
	for _, kv := range strings.Split(mix, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || !validOp[k] {
			return nil, fmt.Errorf("--mix: bad weight %q (ops: comment, survey, page, list, search)", kv)
		}
		cfg.mix[k] = n
	}
	return &cfg, nil
}

// execute sets up, runs and verifies one configuration, writing the report
// to w; the load is returned for tests to inspect.
func execute(ctx context.Context, cfg config, w io.Writer) (*load, bool, error) {
	logf := func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", a...)
	}
	pc, err := pgxpool.ParseConfig(cfg.databaseURL)
	if err != nil {
		return nil, false, err
	}
	pc.MaxConns = 4
	db, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, false, err
	}
	defer db.Close()
	fx, err := setup(ctx, db, cfg, logf)
	if err != nil {
		return nil, false, fmt.Errorf("setup: %w", err)
	}
	if cfg.setupOnly {
		var consultationID, versionID int64
		if err := db.QueryRow(ctx, `SELECT id, version_id FROM consultations WHERE decision_id = $1 ORDER BY id DESC LIMIT 1`,
			fx.decisionID).Scan(&consultationID, &versionID); err != nil {
			return nil, false, err
		}
		fmt.Fprintf(w, "decision=%d consultation=%d version=%d resident=%d\n", fx.decisionID, consultationID, versionID, fx.accountIDs[0])
		return nil, true, nil
	}
	l := newLoad(cfg, fx, logf)
	l.run(ctx)
	l.report(w)
	// Verify on a fresh context: an interrupted run still verifies.
	vctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ok, err := l.verify(vctx, db, w)
	if err != nil {
		return l, false, err
	}
	if l.lag != nil && !l.lag.report(w) {
		ok = false
	}
	if cfg.failOnErrors {
		for _, op := range []string{"comment", "survey"} {
			if n := errCount(l.stats[op].errors); n > 0 {
				fmt.Fprintf(w, "fail-on-errors: %d %s writes answered errors\n", n, op)
				ok = false
			}
		}
	}
	if cfg.abuse && !l.reportAbuse(w) {
		ok = false
	}
	if cfg.campaign > 0 {
		cok, err := l.checkCampaign(vctx, w)
		if err != nil {
			return l, false, err
		}
		ok = ok && cok
	}
	return l, ok, nil
}
