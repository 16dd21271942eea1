package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/meilifake"
	"github.com/canyu-gov/canyu/search"
)

// runMode runs the generator with args against svc and returns the load
// and its report.
func runMode(t *testing.T, svc *service, args ...string) (*load, bool, string) {
	t.Helper()
	cfg, err := parseConfig(append([]string{"--base-url", svc.URL, "--database-url", svc.DatabaseURL, "--api-logins", "2",
		"--retry-for", "10s"}, args...))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	l, ok, err := execute(context.Background(), *cfg, &out)
	if err != nil {
		t.Fatalf("execute: %v\n%s", err, out.String())
	}
	t.Logf("report:\n%s", out.String())
	return l, ok, out.String()
}

// TestIndexLagAndAbuse: with the indexer running, every published sampled
// comment is found by search (the lag is measured), and the abusers get
// 429 with Retry-After from both limits while the residents go on.
//
// The residents are many more than the comments of the run need, so the
// pacer (one comment per resident per 12.5 s) never runs dry: there are
// comments inside the window and after it.
func TestIndexLagAndAbuse(t *testing.T) {
	svc := startService(t, "")
	l, ok, out := runMode(t, svc, "--duration", "4s", "--concurrency", "6", "--residents", "1200", "--mix", "comment=2,page=1",
		"--lag-rate", "10", "--lag-timeout", "20s", "--abuse", "--abuse-window", "1s+2s", "--abuse-concurrency", "2", "--fail-on-errors")
	if !ok {
		t.Fatalf("run failed:\n%s", out)
	}
	if l.lag.published == 0 || len(l.lag.lags) != l.lag.published {
		t.Errorf("index lag: %d published, %d found", l.lag.published, len(l.lag.lags))
	}
	for _, a := range l.abusers {
		if a.ok == 0 || a.limited == 0 || a.noRetry != 0 {
			t.Errorf("abuser %s: %d accepted, %d limited with Retry-After, %d without", a.name, a.ok, a.limited, a.noRetry)
		}
	}
	if s := l.stats["comment"]; len(s.win.samples) == 0 || len(s.outside) == 0 || s.limited != 0 {
		t.Errorf("residents: %d comments inside the abuse window, %d outside, %d limited", len(s.win.samples), len(s.outside), s.limited)
	}
}

// TestCampaignLandsInOneGroup: near-identical copies from many accounts
// form one group, checked through the staff API.
func TestCampaignLandsInOneGroup(t *testing.T) {
	svc := startService(t, "")
	l, ok, out := runMode(t, svc, "--campaign", "60", "--campaign-accounts", "60", "--concurrency", "8")
	if !ok || len(l.commentAcks) != 60 || !strings.Contains(out, "campaign: OK, one group") {
		t.Fatalf("campaign: ok %v, %d acknowledged\n%s", ok, len(l.commentAcks), out)
	}
}

// TestCampaignCopiesAreNearDuplicates: the copies differ from each other
// and stay above the grouping threshold (estimated with the exact Jaccard
// similarity of character bigrams, as consultation/grouping.go measures).
func TestCampaignCopiesAreNearDuplicates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shingles := func(s string) map[string]bool {
		r := []rune(consultation.NormalizeComment(s))
		out := map[string]bool{}
		for i := 0; i+consultation.ShingleSize <= len(r); i++ {
			out[string(r[i:i+consultation.ShingleSize])] = true
		}
		return out
	}
	rep := shingles(campaignCopy(rng))
	distinct := map[string]bool{}
	worst := 1.0
	for range 2000 {
		c := campaignCopy(rng)
		distinct[c] = true
		s := shingles(c)
		inter := 0
		for k := range s {
			if rep[k] {
				inter++
			}
		}
		worst = min(worst, float64(inter)/float64(len(s)+len(rep)-inter))
	}
	t.Logf("2,000 copies: %d distinct, worst Jaccard similarity with a representative %.2f", len(distinct), worst)
	if len(distinct) < 1500 || worst < consultation.NearDuplicateThreshold+0.05 {
		t.Errorf("copies: %d distinct, worst similarity %.2f", len(distinct), worst)
	}
}

// TestSearchOutage is scripts/fault-search-outage.sh in CI time: the
// service runs on Meilisearch (the fake of fakemeili.go, at the external
// boundary), the fake stops for three seconds in the middle of the load and
// starts again with its documents. Writes go on without errors, /readyz
// answers 503 during the outage and 200 after, searches answer 503
// search_unavailable meanwhile, and every comment published before,
// during and after the outage is found by search once the backlog drains.
func TestSearchOutage(t *testing.T) {
	fake := meilifake.New()
	if err := fake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Stop)
	svc := startService(t, fake.URL())
	started := filepath.Join(t.TempDir(), "started")
	const after, outage = 1500 * time.Millisecond, 3 * time.Second
	type probe struct {
		at     time.Duration
		status int
	}
	probes := make(chan []probe, 1)
	go func() {
		var ps []probe
		defer func() { probes <- ps }()
		deadline := time.Now().Add(time.Minute)
		for {
			if _, err := os.Stat(started); err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(after)
		fake.Stop()
		t0 := time.Now()
		for time.Since(t0) < outage {
			ps = append(ps, probe{time.Since(t0), readyz(svc.URL)})
			time.Sleep(200 * time.Millisecond)
		}
		if err := fake.Start(""); err != nil {
			t.Errorf("restart the fake: %v", err)
		}
		ps = append(ps, probe{time.Since(t0), readyz(svc.URL)})
	}()
	l, ok, out := runMode(t, svc, "--duration", "7s", "--concurrency", "8", "--residents", "2000", "--mix", "comment=2,page=1,search=1",
		"--lag-rate", "10", "--lag-timeout", "25s", "--fail-on-errors", "--started-file", started,
		"--compare-window", (after+50*time.Millisecond).String()+"+"+(outage-100*time.Millisecond).String())
	ps := <-probes
	if !ok {
		t.Fatalf("run failed:\n%s", out)
	}
	down := 0
	for _, p := range ps[:len(ps)-1] {
		if p.status == http.StatusServiceUnavailable {
			down++
		}
	}
	if down == 0 || ps[len(ps)-1].status != http.StatusOK {
		t.Errorf("/readyz: %v (want 503 during the outage, 200 after)", ps)
	}
	if n := l.stats["search"].errors["503 search_unavailable"]; n == 0 {
		t.Errorf("no search answered 503 during the outage: %v", l.stats["search"].errors)
	}
	if s := l.stats["comment"]; len(s.win.samples) == 0 || s.win.errors != 0 {
		t.Errorf("comments during the outage: %d acknowledged, %d errors", len(s.win.samples), s.win.errors)
	}
	if l.lag.backlogCount == 0 || l.lag.published != len(l.lag.lags) {
		t.Errorf("index lag: %d published, %d found, %d before the outage's end", l.lag.published, len(l.lag.lags), l.lag.backlogCount)
	}
	if fake.DocCount(search.DefaultMeiliIndex) == 0 {
		t.Error("the fake holds no public documents")
	}
}

func readyz(base string) int {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
