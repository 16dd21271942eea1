package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

func TestResidentLifecycle(t *testing.T) {
	e := testenv.New(t)
	phone := "13800138000"
	reg := e.Do("POST", "/accounts/register", "", map[string]any{"phone": phone, "password": "secret-pass-1"}).Expect(t, 202, "")
	var acct struct {
		Phone string `json:"phone"`
	}
	reg.JSON(t, &acct)
	if acct.Phone != phone {
		t.Fatalf("registration: %s", reg.Body)
	}
	code := e.SMS.Code(phone)
	if len(code) != 6 {
		t.Fatalf("no code sent: %q", code)
	}
	// An unverified resident may sign in.
	var sess struct {
		Token   string `json:"token"`
		Account struct {
			Verified bool `json:"verified"`
		} `json:"account"`
	}
	r := e.Do("POST", "/sessions", "", map[string]any{"login": phone, "password": "secret-pass-1"}).Expect(t, 201, "")
	r.JSON(t, &sess)
	if sess.Token == "" || sess.Account.Verified {
		t.Fatalf("session: %s", r.Body)
	}
	if c := r.Header.Get("Set-Cookie"); !strings.Contains(c, "canyu_session=") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
		t.Fatalf("cookie: %q", c)
	}
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": code, "password": "other-pass-1"}).Expect(t, 422, "verification_code_invalid")
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": code, "password": "secret-pass-1"}).Expect(t, 200, "")
	me := e.Do("GET", "/me", sess.Token, nil).Expect(t, 200, "")
	var meBody struct {
		Verified bool   `json:"verified"`
		Phone    string `json:"phone"`
	}
	me.JSON(t, &meBody)
	if !meBody.Verified || meBody.Phone != phone {
		t.Fatalf("get-me: %s", me.Body)
	}
	e.Do("DELETE", "/sessions/current", sess.Token, nil).Expect(t, 204, "")
	e.Do("GET", "/me", sess.Token, nil).Expect(t, 401, "invalid_session")
}

func TestRegistrationErrors(t *testing.T) {
	e := testenv.New(t)
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13800138001", "password": "secret-pass-1"}).Expect(t, 202, "")
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"InvalidPhone", map[string]any{"phone": "12345", "password": "secret-pass-1"}, 422, "invalid_phone"},
		{"LandlineRefused", map[string]any{"phone": "02112345678", "password": "secret-pass-1"}, 422, "invalid_phone"},
		{"ShortPassword", map[string]any{"phone": "13800138002", "password": "short"}, 422, "password_too_short"},
		{"UnknownField", map[string]any{"phone": "13800138003", "password": "secret-pass-1", "id_card": "x"}, 422, "unknown_field"},
		{"MalformedJSON", `{"phone": "138`, 400, "malformed_request"},
		{"OversizedBody", `{"phone":"` + strings.Repeat("1", 1<<20+10) + `"}`, 413, "request_too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.Do("POST", "/accounts/register", "", c.body).Expect(t, c.status, c.code)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
		})
	}
	var n int
	e.DB.QueryRow(t.Context(), `SELECT count(*) FROM accounts`).Scan(&n)
	if n != 1 {
		t.Fatalf("refused registrations changed something: %d accounts", n)
	}
}

func TestVerificationCode(t *testing.T) {
	verify := func(e *testenv.Env, phone, code string) *testenv.Response {
		return e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": code, "password": "secret-pass-1"})
	}
	t.Run("Expired", func(t *testing.T) {
		e := testenv.New(t)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13700000001", "password": "secret-pass-1"}).Expect(t, 202, "")
		code := e.SMS.Code("13700000001")
		e.Clock.Advance(identity.CodeTTL)
		verify(e, "13700000001", code).Expect(t, 422, "verification_code_invalid")
		// A new code works.
		e.Do("POST", "/accounts/resend-verification-code", "", map[string]any{"phone": "13700000001"}).Expect(t, 204, "")
		verify(e, "13700000001", e.SMS.Code("13700000001")).Expect(t, 200, "")
	})
	t.Run("JustBeforeExpiry", func(t *testing.T) {
		e := testenv.New(t)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13700000002", "password": "secret-pass-1"}).Expect(t, 202, "")
		e.Clock.Advance(identity.CodeTTL - time.Second)
		verify(e, "13700000002", e.SMS.Code("13700000002")).Expect(t, 200, "")
	})
	t.Run("TooManyTries", func(t *testing.T) {
		e := testenv.New(t)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13700000003", "password": "secret-pass-1"}).Expect(t, 202, "")
		code := e.SMS.Code("13700000003")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 0; i < identity.CodeMaxAttempts; i++ {
			verify(e, "13700000003", wrong).Expect(t, 422, "verification_code_invalid")
		}
		// Even the right code is refused now, with the wait.
		r := verify(e, "13700000003", code).Expect(t, 429, "verification_attempts_exceeded")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	})
	t.Run("ResendTooSoon", func(t *testing.T) {
		e := testenv.New(t)
		e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13700000004", "password": "secret-pass-1"}).Expect(t, 202, "")
		r := e.Do("POST", "/accounts/resend-verification-code", "", map[string]any{"phone": "13700000004"}).Expect(t, 429, "verification_code_too_soon")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
	})
}

func TestLogin(t *testing.T) {
	e := testenv.New(t)
	e.Agency("sfj", "市司法局", identity.AgencyLegalityReview)
	admin, _ := e.Account(identity.RoleAdmin, "")
	t.Run("WrongPassword", func(t *testing.T) {
		e.Do("POST", "/sessions", "", map[string]any{"login": *admin.Phone, "password": "nope-nope"}).Expect(t, 401, "invalid_credentials")
	})
	t.Run("UnknownLogin", func(t *testing.T) {
		e.Do("POST", "/sessions", "", map[string]any{"login": "13311112222", "password": "nope-nope"}).Expect(t, 401, "invalid_credentials")
	})
	t.Run("BackOffPerAccountAndAddress", func(t *testing.T) {
		for i := 0; i < identity.LoginFreeAttemptsPerPair-1; i++ {
			e.Do("POST", "/sessions", "", map[string]any{"login": *admin.Phone, "password": "nope-nope"}).Expect(t, 401, "invalid_credentials")
		}
		r := e.Do("POST", "/sessions", "", map[string]any{"login": *admin.Phone, "password": testenv.Password}).Expect(t, 429, "too_many_login_attempts")
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After")
		}
		e.Clock.Advance(identity.LoginWindow)
		e.Do("POST", "/sessions", "", map[string]any{"login": *admin.Phone, "password": testenv.Password}).Expect(t, 201, "")
	})
	t.Run("SessionExpires", func(t *testing.T) {
		_, tok := e.Account(identity.RoleResident, "")
		e.Do("GET", "/me", tok, nil).Expect(t, 200, "")
		e.Clock.Advance(identity.SessionTTL)
		e.Do("GET", "/me", tok, nil).Expect(t, 401, "invalid_session")
	})
}

func TestRoles(t *testing.T) {
	e := testenv.New(t)
	_, adminTok := e.Account(identity.RoleAdmin, "")
	_, residentTok := e.Account(identity.RoleResident, "")
	body := map[string]any{"code": "jyj", "name": "市教育局", "kind": "department"}
	e.Do("POST", "/agencies", "", body).Expect(t, 401, "authentication_required")
	e.Do("POST", "/agencies", "not-a-token", body).Expect(t, 401, "invalid_session")
	e.Do("POST", "/agencies", residentTok, body).Expect(t, 403, "forbidden_role")
	e.Do("POST", "/agencies", adminTok, body).Expect(t, 201, "")
	e.Do("POST", "/agencies", adminTok, body).Expect(t, 409, "agency_code_taken")
	e.Do("GET", "/accounts", residentTok, nil).Expect(t, 403, "forbidden_role")

	// Admin-created accounts are verified; phone numbers are masked in lists.
	r := e.Do("POST", "/accounts", adminTok, map[string]any{"role": "agency_staff", "phone": "13512345678", "display_name": "张三",
		"agency": "jyj", "password": "secret-pass-1"}).Expect(t, 201, "")
	if !strings.Contains(string(r.Body), `"verified":true`) || !strings.Contains(string(r.Body), `135****5678`) {
		t.Fatalf("created account: %s", r.Body)
	}
	e.Do("POST", "/accounts", adminTok, map[string]any{"role": "agency_staff", "phone": "13512345679", "display_name": "李四",
		"password": "secret-pass-1"}).Expect(t, 422, "agency_required")
	e.Do("POST", "/accounts", adminTok, map[string]any{"role": "reviewer", "phone": "13512345679", "display_name": "李四",
		"agency": "jyj", "password": "secret-pass-1"}).Expect(t, 422, "agency_kind_mismatch")
	list := e.Do("GET", "/accounts?limit=2", adminTok, nil).Expect(t, 200, "")
	var page struct {
		Accounts   []struct{ Phone string } `json:"accounts"`
		NextCursor string                   `json:"next_cursor"`
	}
	list.JSON(t, &page)
	if len(page.Accounts) != 2 || page.NextCursor == "" {
		t.Fatalf("page 1: %s", list.Body)
	}
	for _, a := range page.Accounts {
		if !strings.Contains(a.Phone, "****") {
			t.Fatalf("unmasked phone in list: %s", list.Body)
		}
	}
	e.Do("GET", "/accounts?cursor="+page.NextCursor, adminTok, nil).Expect(t, 200, "")
	e.Do("GET", "/accounts?cursor=garbage!", adminTok, nil).Expect(t, 422, "invalid_cursor")
}

func TestHealth(t *testing.T) {
	e := testenv.New(t)
	e.Do("GET", "/healthz", "", nil).Expect(t, 200, "")
	e.Do("GET", "/readyz", "", nil).Expect(t, 200, "")
	m := e.Do("GET", "/metrics", "", nil).Expect(t, 200, "")
	if !strings.Contains(string(m.Body), "canyu_http_requests_total") {
		t.Fatal("metrics missing request counter")
	}
	e.DB.Close()
	e.Do("GET", "/readyz", "", nil).Expect(t, http.StatusServiceUnavailable, "")
}

// TestFullWidthDigits: a Chinese input method in full-width mode types
// １３９… for the number and the SMS code; a resident must be able to
// register, verify, sign in and reset the password with what they typed,
// and a full-width code must not cost one of the five tries.
func TestFullWidthDigits(t *testing.T) {
	e := testenv.New(t)
	wide := "＋８６ １３９－０００１－２３４５"
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": wide, "password": "secret-pass-1"}).Expect(t, 202, "")
	code := e.SMS.Code("13900012345")
	if len(code) != 6 {
		t.Fatalf("no code sent to the folded number: %q", code)
	}
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": wide, "code": toWide(code), "password": "secret-pass-1"}).
		Expect(t, 200, "")
	e.Do("POST", "/sessions", "", map[string]any{"login": wide, "password": "secret-pass-1"}).Expect(t, 201, "")
	e.Clock.Advance(time.Minute)
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": wide}).Expect(t, 202, "")
	e.Do("POST", "/accounts/password-reset/confirm", "", map[string]any{"phone": wide,
		"code": " " + toWide(e.SMS.Code("13900012345")) + " ", "new_password": "new-secret-2"}).Expect(t, 204, "")
	e.Do("POST", "/sessions", "", map[string]any{"login": "13900012345", "password": "new-secret-2"}).Expect(t, 201, "")
}

// toWide writes ASCII digits as full-width ones.
func toWide(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

// TestVerifyAndResetRetried: an elderly resident taps 验证 or 设置新密码
// twice, or the phone resends the form after a dropped answer. The step
// was done the first time; the second must say so too, not "验证码不正确"
// (which sent residents to ask for codes they did not need). A retry with
// another password or code is still refused.
func TestVerifyAndResetRetried(t *testing.T) {
	e := testenv.New(t)
	phone := "13900023456"
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": phone, "password": "secret-pass-1"}).Expect(t, 202, "")
	code := e.SMS.Code(phone)
	verify := map[string]any{"phone": phone, "code": code, "password": "secret-pass-1"}
	e.Do("POST", "/accounts/verify-phone", "", verify).Expect(t, 200, "")
	e.Do("POST", "/accounts/verify-phone", "", verify).Expect(t, 200, "")
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": code, "password": "other-pass-1"}).
		Expect(t, 422, "verification_code_invalid")

	e.Clock.Advance(time.Minute)
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": phone}).Expect(t, 202, "")
	reset := map[string]any{"phone": phone, "code": e.SMS.Code(phone), "new_password": "new-secret-2"}
	e.Do("POST", "/accounts/password-reset/confirm", "", reset).Expect(t, 204, "")
	e.Do("POST", "/sessions", "", map[string]any{"login": phone, "password": "new-secret-2"}).Expect(t, 201, "")
	e.Do("POST", "/accounts/password-reset/confirm", "", reset).Expect(t, 204, "")
	// The retry changed nothing: the session made in between still works.
	reset["new_password"] = "third-secret-3"
	e.Do("POST", "/accounts/password-reset/confirm", "", reset).Expect(t, 422, "reset_code_invalid")
	e.Do("POST", "/sessions", "", map[string]any{"login": phone, "password": "new-secret-2"}).Expect(t, 201, "")
	// Once the code's ten minutes are over, a replay is refused.
	e.Clock.Advance(identity.CodeTTL)
	reset["new_password"] = "new-secret-2"
	e.Do("POST", "/accounts/password-reset/confirm", "", reset).Expect(t, 422, "reset_code_invalid")
}

// TestRegistrationSentTwice: a double tap on 注册并获取验证码 (or the form
// resent after a lost answer) sends the same registration with the same
// Idempotency-Key; the second was refused as 验证码发送过于频繁 although the
// first had sent the code. It now answers 202 again and sends nothing (the
// first code still verifies), for a verified number too, so that the
// answer does not tell which numbers are registered; the same key with
// another password, or no key, is still limited to one code a minute.
func TestRegistrationSentTwice(t *testing.T) {
	e := testenv.New(t)
	phone := "13900034567"
	reg := map[string]any{"phone": phone, "password": "secret-pass-1"}
	key := map[string]string{"Idempotency-Key": "form-3f9c2a7d1e5b4c6a8f0d"}
	e.DoHeaders("POST", "/accounts/register", "", reg, key).Expect(t, 202, "")
	code := e.SMS.Code(phone)
	e.DoHeaders("POST", "/accounts/register", "", reg, key).Expect(t, 202, "")
	if got := e.SMS.Code(phone); got != code {
		t.Fatalf("the retry sent another code")
	}
	e.DoHeaders("POST", "/accounts/register", "", map[string]any{"phone": phone, "password": "other-pass-2"}, key).
		Expect(t, 429, "verification_code_too_soon")
	e.Do("POST", "/accounts/register", "", reg).Expect(t, 429, "verification_code_too_soon")
	e.Do("POST", "/accounts/verify-phone", "", map[string]any{"phone": phone, "code": code, "password": "secret-pass-1"}).Expect(t, 200, "")

	// Two taps at once: one code, two 202s.
	other := "13900034568"
	both := map[string]any{"phone": other, "password": "secret-pass-1"}
	twice := map[string]string{"Idempotency-Key": "form-8e1d0c4b7a2f9e6d5c3b"}
	done := make(chan *testenv.Response, 2)
	for range 2 {
		go func() {
			done <- testenv.Send(t, e.URL, "POST", "/api/v1/accounts/register", "", both, twice)
		}()
	}
	for range 2 {
		if r := <-done; r.Status != 202 {
			t.Errorf("a tap of two at once: %d %s", r.Status, r.Body)
		}
	}

	// A verified number is answered alike: 202 twice, nothing sent.
	acct, _ := e.Account(identity.RoleResident, "")
	verified := map[string]any{"phone": *acct.Phone, "password": "guess-pass-1"}
	again := map[string]string{"Idempotency-Key": "form-0a9b8c7d6e5f4a3b2c1d"}
	e.DoHeaders("POST", "/accounts/register", "", verified, again).Expect(t, 202, "")
	e.DoHeaders("POST", "/accounts/register", "", verified, again).Expect(t, 202, "")
	if c := e.SMS.Code(*acct.Phone); c != "" {
		t.Errorf("a verified number received a code")
	}

	// After the minute the same form sends a new code.
	e.Clock.Advance(identity.CodeResendInterval + time.Second)
	e.DoHeaders("POST", "/accounts/register", "", both, twice).Expect(t, 202, "")
}
