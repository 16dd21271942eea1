package main

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestLoadAgainstService runs the generator briefly against a real service
// and database: the fixture is created, every operation succeeds, and the
// verification finds every acknowledged write exactly once.
func TestLoadAgainstService(t *testing.T) {
	e := testenv.New(t)
	// The service's clock is frozen; put it just after the fixture opens
	// the consultation and the survey on the real clock.
	e.Clock.Set(time.Now().Add(time.Minute))
	ok, err := run(context.Background(), []string{"--base-url", e.URL, "--database-url", e.DatabaseURL, "--duration", "2s",
		"--concurrency", "10", "--residents", "300", "--api-logins", "3", "--retry-for", "5s",
		// testenv runs no indexer in the background: nothing would be found.
		"--lag-rate", "0"})
	if err != nil || !ok {
		t.Fatalf("run: ok %v, err %v", ok, err)
	}
	var comments, responses int
	if err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM comments), (SELECT count(*) FROM survey_responses)`).
		Scan(&comments, &responses); err != nil {
		t.Fatal(err)
	}
	if comments == 0 || responses == 0 {
		t.Errorf("the run stored %d comments and %d responses", comments, responses)
	}
}

func TestPercentile(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {1, 100 * time.Millisecond}, {0, time.Millisecond}} {
		if got := percentile(s, c.p); got != c.want {
			t.Errorf("p%v = %v, want %v", c.p, got, c.want)
		}
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("percentile of nothing")
	}
}

// TestPacerKeepsResidentsUnderTheLimit: a resident comes back only after
// the interval, and retires after perDay comments.
func TestPacerKeepsResidentsUnderTheLimit(t *testing.T) {
	p := newPacer(1, 50*time.Millisecond, 2)
	ctx := context.Background()
	deadline := time.Now().Add(time.Second)
	idx, n, ok := p.take(ctx, deadline)
	if !ok || idx != 0 || n != 0 {
		t.Fatalf("first take: %d %d %v", idx, n, ok)
	}
	start := time.Now()
	p.put(0, start, true)
	if _, n, ok = p.take(ctx, deadline); !ok || n != 1 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("second take after %v: n %d ok %v", time.Since(start), n, ok)
	}
	p.put(0, time.Now(), true)
	if _, _, ok = p.take(ctx, time.Now().Add(200*time.Millisecond)); ok {
		t.Fatal("a resident past perDay came back")
	}
}
