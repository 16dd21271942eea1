package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/pgtest"
)

// gateway is the SMS gateway at the boundary: it records the codes it
// receives and refuses the first `failures` of them.
type gateway struct {
	mu       sync.Mutex
	failures int
	calls    int
	codes    map[string]string
}

func (g *gateway) SendVerificationCode(_ context.Context, phone, code string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if g.calls <= g.failures {
		return errors.New("gateway down")
	}
	g.codes[phone] = code
	return nil
}

func (g *gateway) code(phone string) (string, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.codes[phone], g.calls
}

// TestVerificationCodeSentByTheJob runs the real River worker: a
// registration answers before the gateway is called, the job queued with
// the code sends it, and a gateway that refuses the first attempt gets the
// code on the retry (outside check sec3: the code used to be sent inside
// the request, for registered numbers only).
func TestVerificationCodeSentByTheJob(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	gw := &gateway{failures: 1, codes: map[string]string{}}
	ids := identity.NewService(db, gw)
	runner, err := jobs.New(db, consultation.NewService(db, nil), slog.New(slog.DiscardHandler), true, jobs.WithVerificationCodes(ids))
	if err != nil {
		t.Fatal(err)
	}
	ids.Codes = runner
	const phone = "13733334444"
	if err := ids.Register(ctx, identity.RegisterInput{Phone: phone, Password: "secret-pass-1", ClientAddr: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, calls := gw.code(phone); calls != 0 {
		t.Fatalf("the gateway was called %d times within the registration", calls)
	}
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		runner.Stop(sctx)
	})
	deadline := time.Now().Add(30 * time.Second)
	code, calls := gw.code(phone)
	for code == "" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		code, calls = gw.code(phone)
	}
	if code == "" || calls != 2 {
		t.Fatalf("code %q after %d calls of the gateway, want one on the retry after a refusal", code, calls)
	}
	if _, err := ids.VerifyPhone(ctx, phone, code, "secret-pass-1"); err != nil {
		t.Fatalf("the code sent by the job does not verify: %v", err)
	}
	var left int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM sms_code_requests`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d requests left after their job (%v)", left, err)
	}
}
