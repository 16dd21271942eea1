package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestSMSCodesAreSentAfterTheAnswer: request-password-reset,
// resend-verification-code and register-resident called the SMS gateway
// inside the request, and only for a number with an account (a verified
// resident for a reset, an unverified registration for a resend, a free
// number for a registration). The answer was the same, but its time was
// not: a gateway taking a second told a registered number from another
// (outside check sec3), and a gateway that was down answered 503 for a
// registered number and 202 for the others. Every number now takes the
// same path: the request writes a request for a code (with no account
// when the number has none) and queues its job, and the job issues the
// code and calls the gateway after the answer. This
// test does not time anything: it checks that the gateway has received
// nothing when the answer arrives, and that the answers are the same while
// the gateway is down.
func TestSMSCodesAreSentAfterTheAnswer(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf")
	resident, _ := e.Account(identity.RoleResident, "")
	registered := *resident.Phone
	const unknown = "13711112222"

	for _, phone := range []string{registered, unknown} {
		e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": phone}).Expect(t, 202, "")
	}
	if c := e.SMS.Delivered(registered); c != "" {
		t.Fatalf("the gateway was called within the request (code %s): the answer's time tells a registered number", c)
	}
	wantCodeRequests(t, e, 2)      // one per number, account or not
	code := e.SMS.Code(registered) // the job sends it
	if code == "" {
		t.Fatal("the job sent no code")
	}
	if e.SMS.Delivered(unknown) != "" {
		t.Fatal("a code went to a number without an account")
	}
	wantCodeRequests(t, e, 0)
	e.Do("POST", "/accounts/password-reset/confirm", "", map[string]any{"phone": registered, "code": code,
		"new_password": "new-secret-2"}).Expect(t, 204, "")

	// The gateway down: the same answer for both numbers (it was 503 for
	// the registered one); the code waits and goes when the gateway is back.
	e.Clock.Advance(2 * time.Minute)
	e.SMS.FailCodes(true)
	for _, phone := range []string{registered, unknown} {
		e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": phone}).Expect(t, 202, "")
	}
	if c := e.SMS.Code(registered); c != code {
		t.Fatalf("a code was delivered while the gateway was down: %s", c)
	}
	wantCodeRequests(t, e, 1) // the registered number's waits; the other's was served (nothing to send)
	e.SMS.FailCodes(false)
	second := e.SMS.Code(registered)
	if second == "" || second == code {
		t.Fatalf("the waiting code was not sent once the gateway was back: %q", second)
	}
	e.Do("POST", "/accounts/password-reset/confirm", "", map[string]any{"phone": registered, "code": second,
		"new_password": "new-secret-3"}).Expect(t, 204, "")

	// Registration and resend: a free number and a verified one answer
	// alike and neither reaches the gateway within the request.
	const fresh = "13722223333"
	e.Clock.Advance(2 * time.Minute)
	for _, phone := range []string{fresh, registered} {
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": phone, "password": "secret-pass-1"}).Expect(t, 202, "")
	}
	if c := e.SMS.Delivered(fresh); c != "" {
		t.Fatalf("register-resident called the gateway within the request (code %s)", c)
	}
	first := e.SMS.Code(fresh)
	e.Clock.Advance(2 * time.Minute)
	for _, phone := range []string{fresh, unknown} {
		e.Do("POST", "/accounts/resend-verification-code", "", map[string]any{"phone": phone}).Expect(t, 204, "")
	}
	if c := e.SMS.Delivered(fresh); c != first {
		t.Fatalf("resend-verification-code called the gateway within the request (code %s)", c)
	}
	resent := e.SMS.Code(fresh)
	if resent == "" || resent == first {
		t.Fatalf("the resent code was not sent: %q", resent)
	}
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": fresh, "code": resent, "password": "secret-pass-1"}).
		Expect(t, 200, "")

	// A request whose job never got through (the gateway down for longer
	// than a code lives) is purged with the codes' life.
	e.Clock.Advance(2 * time.Minute)
	e.SMS.FailCodes(true)
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": registered}).Expect(t, 202, "")
	e.SMS.Code(registered)
	wantCodeRequests(t, e, 1)
	e.Clock.Advance(identity.CodeTTL)
	if _, err := e.Identity.Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := e.DB.QueryRow(context.Background(), `SELECT count(*) FROM sms_code_requests`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d requests left after their codes' life (%v)", left, err)
	}
}

// wantCodeRequests checks how many requests for a code wait, each with
// its job queued.
func wantCodeRequests(t *testing.T, e *testenv.Env, want int) {
	t.Helper()
	var rows, jobs int
	if err := e.DB.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM sms_code_requests),
		(SELECT count(*) FROM river_job WHERE kind = 'send_verification_code' AND state IN ('available', 'scheduled', 'retryable'))`).
		Scan(&rows, &jobs); err != nil {
		t.Fatal(err)
	}
	if rows != want || jobs < want {
		t.Fatalf("%d requests for a code wait with %d jobs queued, want %d", rows, jobs, want)
	}
}
