package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/notifytest"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/notify"
)

// Any signed-in account could make the platform mail any address as often
// as it liked, by resending the confirmation or by switching its address
// back and forth (outside check, security: mail bombing under the
// government's sender). An account sends one confirmation a minute and
// five a day; a refused save changes nothing.
func TestConfirmationMailsAreLimited(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	mp := notifytest.Start(t, e.DB, e.Notify)
	a, _ := e.Account(identity.RoleResident, "")
	victim := notify.SettingsInput{Email: "victim@example.com", EmailOn: true, QuietStart: 22, QuietEnd: 7}
	other := notify.SettingsInput{Email: "other@example.com", EmailOn: true, QuietStart: 22, QuietEnd: 7}
	must(t, func() error { _, err := e.Notify.UpdateSettings(ctx, &a, victim); return err }())
	if err := e.Notify.ResendConfirmation(ctx, &a); !errs.HasCode(err, "confirmation_too_soon") {
		t.Fatalf("a second confirmation within the minute: %v", err)
	}
	if _, err := e.Notify.UpdateSettings(ctx, &a, other); !errs.HasCode(err, "confirmation_too_soon") {
		t.Fatalf("switching the address within the minute: %v", err)
	}
	if st, _ := e.Notify.GetSettings(ctx, &a); st.Email != victim.Email {
		t.Fatalf("a refused save changed the address to %q", st.Email)
	}
	sent := 1
	for i := 0; i < 10; i++ {
		e.Clock.Advance(61 * time.Second)
		in := other // always a new address: the one not stored now
		if st, _ := e.Notify.GetSettings(ctx, &a); st.Email == other.Email {
			in = victim
		}
		_, err := e.Notify.UpdateSettings(ctx, &a, in)
		if err == nil {
			sent++
			continue
		}
		if !errs.HasCode(err, "confirmation_limit_reached") {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	if sent != 5 {
		t.Fatalf("%d confirmation mails in a day, want 5", sent)
	}
	// Saving the other settings with the same address needs no mail.
	st, _ := e.Notify.GetSettings(ctx, &a)
	if _, err := e.Notify.UpdateSettings(ctx, &a, notify.SettingsInput{Email: st.Email, EmailOn: false, QuietStart: 21, QuietEnd: 7}); err != nil {
		t.Fatalf("saving without a new address: %v", err)
	}
	e.Clock.Advance(24 * time.Hour)
	if err := e.Notify.ResendConfirmation(ctx, &a); err != nil {
		t.Fatalf("a confirmation the next day: %v", err)
	}
	sent++
	time.Sleep(2 * time.Second)
	if n, err := mp.Count(); err != nil || n != sent {
		t.Fatalf("mailpit holds %d (%v), want %d", n, err, sent)
	}
}
