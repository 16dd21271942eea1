package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Issue 15, finding 7: comment source addresses were kept forever although
// only a one-minute limit needs them. The hourly purge clears them after
// consultation.SourceAddressRetention and keeps newer ones.
func TestSourceAddressesPurgedAfterRetention(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	s.post(s.author, "", map[string]any{"body": "收费标准应当公开。"}).Expect(t, 201, "")
	s.Clock.Advance(consultation.SourceAddressRetention - time.Hour)
	_, fresh := s.Account(identity.RoleResident, "")
	s.post(fresh, "", map[string]any{"body": "建议延长服务时间。"}).Expect(t, 201, "")
	s.Clock.Advance(time.Hour + time.Minute)
	n, err := s.Consultation.PurgeSourceAddresses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var kept, cleared int
	s.DB.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE client_addr <> ''), count(*) FILTER (WHERE client_addr = '')
		FROM comments`).Scan(&kept, &cleared)
	if n != 1 || kept != 1 || cleared != 1 {
		t.Fatalf("purged %d; %d addresses kept, %d cleared; want 1, 1, 1", n, kept, cleared)
	}
}

// The identity purge frees the number of an unverified registration
// after 24 hours.
func TestUnverifiedRegistrationPurged(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	s.Do("POST", "/accounts/register", "", map[string]any{"phone": "13755550001", "password": "secret-pass-1"}).Expect(t, 202, "")
	if n, _ := s.Identity.Purge(context.Background()); n != 0 {
		t.Fatalf("%d purged before 24 h", n)
	}
	s.Clock.Advance(identity.UnverifiedTTL)
	if n, err := s.Identity.Purge(context.Background()); err != nil || n != 1 {
		t.Fatalf("purge after 24 h: %d, %v", n, err)
	}
	var phones int
	s.DB.QueryRow(context.Background(), `SELECT count(*) FROM accounts WHERE phone = '13755550001'`).Scan(&phones)
	if phones != 0 {
		t.Fatal("the lapsed registration still holds the number")
	}
}

// Issue 15, finding 7: a comment of only invisible or bidirectional-control
// characters was accepted.
func TestInvisibleOnlyCommentsRefused(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	for name, body := range map[string]string{
		"zero-width":   "\u200b\u200c\u200d\u2060\ufeff",
		"bidi":         "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f",
		"mixed blanks": " \u3000\u200b\u202e\u00a0\u2028 ",
		"tag chars":    "\U000e0041\U000e0042",
	} {
		if r := s.post(s.author, "", map[string]any{"body": body}); r.Status != 422 {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	s.post(s.author, "", map[string]any{"body": "\u200b有内容\u200b"}).Expect(t, 201, "")
}
