package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/web"
)

// viewports are the two widths the pages are tried at: a phone and a
// desktop.
var viewports = []struct {
	name string
	size [2]int
}{{"phone", browsertest.Phone}, {"desktop", browsertest.Desktop}}

// chrome starts a headless Chromium with the viewport whose steps must all
// finish within limit: a step that cannot find its element fails fast
// instead of waiting for the harness's three minutes.
func chrome(t *testing.T, viewport [2]int, limit time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(browsertest.New(t, viewport), limit)
	t.Cleanup(cancel)
	return ctx
}

// signInSteps sign in through the login page with the test password and
// wait for the account page, where a sign-in without ?next lands.
func signInSteps(base, login string) chromedp.Action[chromedp.Void] {
	return signInWith(base, login, testenv.Password)
}

// signInWith is signInSteps with another password.
func signInWith(base, login, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		loginFormSteps(login, password),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")),
	)
}

// loginFormSteps wait for the login page the browser is on or is sent to,
// fill it in and submit it.
func loginFormSteps(login, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
	)
}

// signOutSteps sign out from the header and wait for its login link.
var signOutSteps = chromedp.Steps(chromedp.Click(chromedp.CSS(`header.site form button`)),
	chromedp.WaitVisible(chromedp.CSS(`header.site a[href="/login"]`)))

// sessionCookie signs the browser in with a session token, without the
// login page.
func sessionCookie(t *testing.T, ctx context.Context, base, token string) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: web.SessionCookie, Value: token, URL: base})
	must(t, err)
}

// textOf is the text of the element sel finds; the test fails when it
// cannot be read.
func textOf[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(sel))
	must(t, err)
	return text
}

// noSideScroll fails when the page is wider than the viewport's content
// area (what a phone would scroll sideways).
func noSideScroll(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	must(t, err)
	if w[0] > w[1] {
		t.Errorf("%s: page %vpx wide in a %vpx window", what, w[0], w[1])
	}
}
