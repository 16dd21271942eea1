package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestAccountPagesInBrowser walks a resident through registration, phone
// verification, login, "my account" and logout on a phone-sized screen.
func TestAccountPagesInBrowser(t *testing.T) {
	e := testenv.New(t)
	ctx := browsertest.New(t, browsertest.Phone)
	phone := "13912340001"

	// Server-side validation: messages next to the fields, in Chinese.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/register"),
		chromedp.WaitVisible(chromedp.ID("phone")),
		chromedp.SendKeys(chromedp.ID("phone"), "12345"),
		chromedp.SendKeys(chromedp.ID("password"), "short"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("consent-error")),
	))
	// One submit shows all three problems, next to their fields and in a
	// summary at the top whose links lead to the fields (issue 17).
	for id, want := range map[string]string{"consent-error": "同意", "phone-error": "手机号码", "password-error": "密码"} {
		msg := textOf(t, ctx, chromedp.ID(id))
		if !strings.Contains(msg, want) {
			t.Errorf("%s: %q", id, msg)
		}
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#error-summary a')].map(a => a.getAttribute('href'))`))
	must(t, err)
	if strings.Join(links, " ") != "#phone #password #consent" {
		t.Errorf("error summary links %v, want the phone, password and consent fields", links)
	}
	browsertest.Screenshot(t, ctx, "register-errors")
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("consent"))))

	ctx2, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = chromedp.Do(ctx2,
		chromedp.SetValue(chromedp.ID("phone"), phone),
		chromedp.SendKeys(chromedp.ID("password"), "secret-pass-1"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("code")),
	)
	if err != nil {
		browsertest.Screenshot(t, ctx, "register-stuck")
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "verify-page")
	code := e.SMS.Code(phone)
	if code == "" {
		t.Fatal("no code sent")
	}
	must(t, chromedp.Do(ctx2,
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.SendKeys(chromedp.ID("password"), "secret-pass-1"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("password"), "secret-pass-1"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")),
	))
	facts := textOf(t, ctx, chromedp.CSS("dl.facts"))
	if !strings.Contains(facts, phone) || !strings.Contains(facts, "已验证") {
		t.Fatalf("my account page: %q", facts)
	}
	browsertest.Screenshot(t, ctx, "my-account")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header.site form button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)),
		chromedp.Navigate(e.URL+"/me"),
		chromedp.WaitVisible(chromedp.ID("login")),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	if !strings.Contains(loc, "/login") {
		t.Fatalf("after logout /me should ask to log in, at %s", loc)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCrossOriginFormPostRefused: a form posted from another site is
// refused before it reaches the handler (http.CrossOriginProtection).
func TestCrossOriginFormPostRefused(t *testing.T) {
	e := testenv.New(t)
	req, _ := http.NewRequest("POST", e.URL+"/login", strings.NewReader("login=13800000000&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin post: %d", res.StatusCode)
	}
	// The same post from the site itself reaches the handler.
	req, _ = http.NewRequest("POST", e.URL+"/login", strings.NewReader("login=13800000000&password=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err = http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("same-origin post: %d", res.StatusCode)
	}
}
