package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// percentile of sorted samples (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// report prints throughput, latency and outcomes per operation.
func (l *load) report(w io.Writer) {
	fmt.Fprintf(w, "\ncanyu-load %s: %s against %s, concurrency %d, %d residents, mix %v, load average at end %s\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), l.elapsed.Round(time.Millisecond), l.cfg.baseURL, l.cfg.concurrency,
		len(l.fx.residents), l.cfg.mix, loadAverage())
	fmt.Fprintf(w, "%-8s %9s %8s %8s %8s %8s %8s %8s %8s %s\n", "op", "ok", "ok/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "429", "retries", "errors")
	for _, op := range opOrder {
		s := l.stats[op]
		s.mu.Lock()
		sorted := slices.Clone(s.samples)
		slices.Sort(sorted)
		var errs []string
		for k, v := range s.errors {
			errs = append(errs, fmt.Sprintf("%s×%d", k, v))
		}
		slices.Sort(errs)
		if s.exhausted != "" {
			errs = append(errs, "(stopped early: "+s.exhausted+")")
		}
		fmt.Fprintf(w, "%-8s %9d %8.1f %8s %8s %8s %8s %8d %8d %s\n", op, s.ok, float64(s.ok)/l.elapsed.Seconds(),
			ms(percentile(sorted, 0.50)), ms(percentile(sorted, 0.95)), ms(percentile(sorted, 0.99)), ms(percentile(sorted, 1)),
			s.limited, s.retries, strings.Join(errs, ", "))
		s.mu.Unlock()
	}
	if l.cfg.servicePID != 0 {
		fmt.Fprintf(w, "service RSS max: %.0f MB\n", float64(l.maxRSS.Load())/1024)
	}
	fmt.Fprintf(w, "sustained comment rate ceiling from pacing: %.0f/s (%d residents, one comment each per %s; the first pass of every resident comes at once)\n",
		float64(len(l.fx.residents))/l.pacer.interval.Seconds(), len(l.fx.residents), l.pacer.interval)
	if l.searchSkipped != "" {
		fmt.Fprintf(w, "search: not measured (%s)\n", l.searchSkipped)
	} else if l.lag == nil {
		fmt.Fprintln(w, "search: index lag not measured (--lag-rate 0)")
	}
	if l.cfg.window.length > 0 {
		l.reportWindow(w)
	}
}

// reportWindow compares each operation's latency for the requests begun
// inside the window (abusers running, a fault under way) with the others.
func (l *load) reportWindow(w io.Writer) {
	what := "--compare-window"
	if l.cfg.abuse {
		what = "abusers running"
	}
	fmt.Fprintf(w, "inside the window %s (%s) vs outside it (%s of the run):\n", l.cfg.window, what, l.elapsed.Round(time.Second))
	for _, op := range opOrder {
		s := l.stats[op]
		s.mu.Lock()
		if s.ok+s.limited+errCount(s.errors) > 0 {
			in, out := slices.Clone(s.win.samples), slices.Clone(s.outside)
			slices.Sort(in)
			slices.Sort(out)
			fmt.Fprintf(w, "  %-8s inside: %6d ok, p50 %s ms, p95 %s ms, p99 %s ms, 429 %d, errors %d | outside: %6d ok, p50 %s ms, p95 %s ms, p99 %s ms, 429 %d, errors %d\n",
				op, len(in), ms(percentile(in, 0.5)), ms(percentile(in, 0.95)), ms(percentile(in, 0.99)), s.win.limited, s.win.errors,
				len(out), ms(percentile(out, 0.5)), ms(percentile(out, 0.95)), ms(percentile(out, 0.99)), s.limited-s.win.limited,
				errCount(s.errors)-s.win.errors)
		}
		s.mu.Unlock()
	}
}

// verify checks in the database that every acknowledged comment (by
// receipt and Idempotency-Key) and survey response exists exactly once.
func (l *load) verify(ctx context.Context, db *pgxpool.Pool, w io.Writer) (bool, error) {
	type row struct {
		account int64
		key     *string
		receipt string
	}
	rows, err := db.Query(ctx, `SELECT account_id, idempotency_key, receipt FROM comments WHERE decision_id = $1`, l.fx.decisionID)
	if err != nil {
		return false, err
	}
	byKey := map[string][]string{}
	byReceipt := map[string]int{}
	var r row
	n := 0
	for rows.Next() {
		if err := rows.Scan(&r.account, &r.key, &r.receipt); err != nil {
			return false, err
		}
		n++
		k := fmt.Sprint(r.account, "/")
		if r.key != nil {
			k += *r.key
		}
		byKey[k] = append(byKey[k], r.receipt)
		byReceipt[r.receipt]++
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	ok := true
	lost, dup, mismatch := 0, 0, 0
	acked := map[string]bool{}
	for _, a := range l.commentAcks {
		k := fmt.Sprint(a.account, "/", a.key)
		if acked[k] {
			continue // acknowledged twice (a replay): one row expected all the same
		}
		acked[k] = true
		got := byKey[k]
		switch {
		case len(got) == 0:
			lost++
		case len(got) > 1:
			dup++
		case got[0] != a.receipt || byReceipt[a.receipt] != 1:
			mismatch++
		}
	}
	unacked := 0
	for k := range byKey {
		if !acked[k] {
			unacked++
		}
	}
	fmt.Fprintf(w, "verify comments: %d acknowledged, %d rows in the database; lost %d, duplicated %d, receipt mismatch %d; stored but never acknowledged %d\n",
		len(acked), n, lost, dup, mismatch, unacked)
	if lost+dup+mismatch > 0 {
		ok = false
	}

	rrows, err := db.Query(ctx, `SELECT id, account_id FROM survey_responses WHERE survey_id = $1`, l.fx.surveyID)
	if err != nil {
		return false, err
	}
	byID := map[int64]int64{}
	perAccount := map[int64]int{}
	for rrows.Next() {
		var id int64
		var acct *int64
		if err := rrows.Scan(&id, &acct); err != nil {
			return false, err
		}
		if acct != nil {
			byID[id] = *acct
			perAccount[*acct]++
		} else {
			byID[id] = 0
		}
	}
	if err := rrows.Err(); err != nil {
		return false, err
	}
	lost, dup, mismatch = 0, 0, 0
	seen := map[int64]bool{}
	for _, a := range l.responseAcks {
		if seen[a.account] {
			continue
		}
		seen[a.account] = true
		acct, exists := byID[a.id]
		switch {
		case !exists:
			lost++
		case acct != a.account:
			mismatch++
		case perAccount[a.account] != 1:
			dup++
		}
	}
	for _, c := range perAccount {
		if c > 1 {
			dup++
		}
	}
	fmt.Fprintf(w, "verify survey responses: %d acknowledged, %d rows in the database; lost %d, duplicated %d, account mismatch %d; stored but never acknowledged %d\n",
		len(seen), len(byID), lost, dup, mismatch, len(byID)-len(seen))
	if lost+dup+mismatch > 0 {
		ok = false
	}
	if ok {
		fmt.Fprintln(w, "verify: OK, every acknowledged write exists exactly once")
	} else {
		fmt.Fprintln(w, "verify: FAILED")
	}
	return ok, nil
}
