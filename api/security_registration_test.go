package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// answer is what a client sees of a response, the request's own echo
// (the phone number) left out.
func answer(t *testing.T, r *testenv.Response) string {
	t.Helper()
	var m map[string]any
	if len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, &m); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
	}
	delete(m, "phone")
	delete(m, "instance")
	b, _ := json.Marshal(m)
	return fmt.Sprintf("%d %s retry-after=%q", r.Status, b, r.Header.Get("Retry-After"))
}

// Issue 15, finding 3: resend-verification-code answered 404 / 409 / 204
// for an unknown, a verified and an unverified number, and registering a
// taken number answered 409: both listed the registered numbers. Every
// answer must now be the same.
func TestRegistrationAnswersDoNotTellRegisteredNumbers(t *testing.T) {
	e := testenv.New(t)
	verified, _ := e.Account(identity.RoleResident, "")
	const unverified, unknown = "13700009001", "13700009002"
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": unverified, "password": "secret-pass-1"}).Expect(t, 202, "")

	// resend-verification-code: first request, then a second within the minute.
	e.Clock.Advance(identity.CodeResendInterval)
	for round := 0; round < 2; round++ {
		var answers []string
		for _, p := range []string{*verified.Phone, unverified, unknown} {
			answers = append(answers, answer(t, e.Do("POST", "/accounts/resend-verification-code", "", map[string]any{"phone": p})))
		}
		if answers[0] != answers[1] || answers[1] != answers[2] {
			t.Fatalf("resend round %d: verified, unverified and unknown numbers answered differently:\n%s", round, answers)
		}
	}
	// register-resident.
	e.Clock.Advance(identity.CodeResendInterval)
	var answers []string
	for _, p := range []string{*verified.Phone, unverified, "13700009003"} {
		answers = append(answers, answer(t, e.Do("POST", "/accounts/register", "", map[string]any{"phone": p, "password": "secret-pass-2"})))
	}
	if answers[0] != answers[1] || answers[1] != answers[2] {
		t.Fatalf("register: verified, unverified and new numbers answered differently:\n%s", answers)
	}
	// verify-phone with a wrong code.
	answers = nil
	for _, p := range []string{*verified.Phone, unverified, unknown} {
		answers = append(answers, answer(t, e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": p, "code": "000000", "password": "secret-pass-2"})))
	}
	if answers[0] != answers[1] || answers[1] != answers[2] {
		t.Fatalf("verify-phone: answers differ:\n%s", answers)
	}
	// The verified owner's password is unchanged by the registration attempt.
	e.Do("POST", "/sessions", "", map[string]any{"login": *verified.Phone, "password": testenv.Password}).Expect(t, 201, "")
}

// Issue 15, finding 3: 300 registrations from one address all sent SMS.
// Registrations and code requests are limited per address and per number
// per day.
func TestSMSLimits(t *testing.T) {
	e := testenv.New(t)
	sent := func() int {
		// The codes are issued by their job after the answers.
		if _, err := e.Identity.SendPendingCodes(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int
		e.DB.QueryRow(context.Background(), `SELECT count(*) FROM phone_verifications`).Scan(&n)
		return n
	}
	for i := 0; i < identity.SMSMaxPerAddressPerDay; i++ {
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": fmt.Sprintf("1360000%04d", i), "password": "secret-pass-1"}).Expect(t, 202, "")
	}
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13611110000", "password": "secret-pass-1"}).Expect(t, 429, "sms_limit_reached")
	e.Do("POST", "/accounts/resend-verification-code", "", map[string]any{"phone": "13600000001"}).Expect(t, 429, "")
	if n := sent(); n != identity.SMSMaxPerAddressPerDay {
		t.Fatalf("%d codes sent from one address, limit %d", n, identity.SMSMaxPerAddressPerDay)
	}
	e.Clock.Advance(24 * time.Hour)
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13611110000", "password": "secret-pass-1"}).Expect(t, 202, "")

	// Per number, from many addresses.
	ctx := context.Background()
	const phone = "13622220000"
	if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: phone, Password: "secret-pass-1", ClientAddr: "198.51.100.1"}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < identity.SMSMaxPerPhonePerDay; i++ {
		e.Clock.Advance(identity.CodeResendInterval)
		if err := e.Identity.ResendVerificationCode(ctx, phone, fmt.Sprintf("198.51.100.%d", i+1)); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
	}
	e.Clock.Advance(identity.CodeResendInterval)
	err := e.Identity.ResendVerificationCode(ctx, phone, "198.51.100.99")
	if !isCode(err, "sms_limit_reached") {
		t.Fatalf("code %d to one number: %v", identity.SMSMaxPerPhonePerDay+1, err)
	}
}

func isCode(err error, code string) bool {
	return err != nil && len(err.Error()) >= len(code) && err.Error()[:len(code)] == code
}

// Issue 15, finding 4: an attacker registered a victim's number with the
// attacker's password; the owner could never register, and when the owner
// verified the code sent to them, the attacker's password opened the
// owner's account.
func TestPhoneSquattingImpossible(t *testing.T) {
	t.Run("OwnerReplacesTheSquatter", func(t *testing.T) {
		e := testenv.New(t)
		const victim = "13788880001"
		ctx := context.Background()
		if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: victim, Password: "attacker-pass-1", ClientAddr: "203.0.113.66"}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(identity.CodeResendInterval)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": victim, "password": "owner-pass-1"}).Expect(t, 202, "")
		e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": victim, "code": e.SMS.Code(victim), "password": "owner-pass-1"}).Expect(t, 200, "")
		e.Do("POST", "/sessions", "", map[string]any{"login": victim, "password": "attacker-pass-1"}).Expect(t, 401, "invalid_credentials")
		e.Do("POST", "/sessions", "", map[string]any{"login": victim, "password": "owner-pass-1"}).Expect(t, 201, "")
	})
	t.Run("SquatterAfterTheOwnerCannotTakeOver", func(t *testing.T) {
		e := testenv.New(t)
		const victim = "13788880002"
		ctx := context.Background()
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": victim, "password": "owner-pass-1"}).Expect(t, 202, "")
		e.Clock.Advance(identity.CodeResendInterval)
		if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: victim, Password: "attacker-pass-1", ClientAddr: "203.0.113.66"}); err != nil {
			t.Fatal(err)
		}
		// The owner types the newest code (sent for the attacker's attempt)
		// with the owner's password: refused, nothing verified.
		e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": victim, "code": e.SMS.Code(victim), "password": "owner-pass-1"}).Expect(t, 422, "verification_code_invalid")
		e.Do("POST", "/sessions", "", map[string]any{"login": victim, "password": "attacker-pass-1"}).Expect(t, 201, "") // unverified, can write nothing
		e.Clock.Advance(identity.CodeResendInterval)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": victim, "password": "owner-pass-1"}).Expect(t, 202, "")
		e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": victim, "code": e.SMS.Code(victim), "password": "owner-pass-1"}).Expect(t, 200, "")
		e.Do("POST", "/sessions", "", map[string]any{"login": victim, "password": "attacker-pass-1"}).Expect(t, 401, "invalid_credentials")
	})
	t.Run("UnverifiedRegistrationLapsesAfter24Hours", func(t *testing.T) {
		e := testenv.New(t)
		const phone = "13788880003"
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": phone, "password": "first-pass-1"}).Expect(t, 202, "")
		e.Do("POST", "/sessions", "", map[string]any{"login": phone, "password": "first-pass-1"}).Expect(t, 201, "")
		e.Clock.Advance(identity.UnverifiedTTL)
		e.Do("POST", "/sessions", "", map[string]any{"login": phone, "password": "first-pass-1"}).Expect(t, 401, "invalid_credentials")
		e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": e.SMS.Code(phone), "password": "first-pass-1"}).Expect(t, 422, "verification_code_invalid")
	})
}
