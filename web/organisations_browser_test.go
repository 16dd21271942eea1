package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/web"
)

// TestOrganisationKeysInBrowser: on a phone and on a desktop, a resident
// registers an organisation (a wrong check character is refused in
// Chinese), the admin verifies it on the admin page, the manager creates a
// key that is shown once, uses it, sees the use logged and revokes it.
func TestOrganisationKeysInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	_, admin := e.Account(identity.RoleAdmin, "")
	for i, vp := range []struct {
		name string
		size [2]int
		code string
	}{{"phone", browsertest.Phone, "91350100M000100Y43"}, {"desktop", browsertest.Desktop, "914403001922038216"}} {
		_, manager := e.Account(identity.RoleResident, "")
		b := browsertest.New(t, vp.size)
		b, cancel := context.WithTimeout(b, 90*time.Second)
		signIn := func(token string) {
			_, err := chromedp.Call(b, network.SetCookie, network.SetCookieParams{Name: web.SessionCookie, Value: token, URL: e.URL})
			must(t, err)
		}
		signIn(manager)
		name := []string{"平顶山市家长互助会", "平顶山市餐饮行业协会"}[i]
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/organisations"),
			chromedp.WaitVisible(chromedp.ID("f-name")),
			chromedp.SendKeys(chromedp.ID("f-name"), name),
			chromedp.SendKeys(chromedp.ID("f-credit_code"), vp.code[:17]+"0"),
			chromedp.Submit(chromedp.ID("f-name")),
			chromedp.WaitVisible(chromedp.CSS(".has-error")),
		))
		errText, err := chromedp.Run(b, chromedp.Text(chromedp.CSS(".has-error .error")))
		must(t, err)
		if !strings.Contains(errText, "校验位") {
			t.Fatalf("%s: refusal %q", vp.name, errText)
		}
		browsertest.Screenshot(t, b, "organisations-refused-"+vp.name)
		noHorizontalScroll(t, b)
		must(t, chromedp.Do(b,
			chromedp.SetValue(chromedp.ID("f-credit_code"), vp.code),
			chromedp.Submit(chromedp.ID("f-name")),
			chromedp.WaitVisible(chromedp.CSS(".facts")),
		))
		text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("main")))
		must(t, err)
		if !strings.Contains(text, "待核验") || strings.Contains(text, "创建密钥") {
			t.Fatalf("%s: a pending organisation's page: %q", vp.name, text)
		}
		// The admin verifies it.
		signIn(admin)
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/admin/organisations?status=pending"),
			chromedp.WaitVisible(chromedp.CSS(".admin-organisation")),
		))
		browsertest.Screenshot(t, b, "admin-organisations-"+vp.name)
		noHorizontalScroll(t, b)
		must(t, chromedp.Do(b,
			chromedp.Click(chromedp.CSS(`.admin-organisation button[value="verified"]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash, .notice")),
		))
		// The manager creates a key with both scopes.
		signIn(manager)
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/organisations"),
			chromedp.Click(chromedp.CSS(".organisation-list a")),
			chromedp.WaitVisible(chromedp.ID("f-key_name")),
			chromedp.SendKeys(chromedp.ID("f-key_name"), "数据同步程序"),
			chromedp.Click(chromedp.ID("f-scope_submit")),
			chromedp.Submit(chromedp.ID("f-key_name")),
			chromedp.WaitVisible(chromedp.ID("new-key-secret")),
		))
		secret, err := chromedp.Run(b, chromedp.Text(chromedp.ID("new-key-secret")))
		must(t, err)
		browsertest.Screenshot(t, b, "organisation-new-key-"+vp.name)
		noHorizontalScroll(t, b)
		e.Do("GET", "/open-data/changes?limit=5", strings.TrimSpace(secret), nil).Expect(t, 200, "")
		loc, err := chromedp.Run(b, chromedp.Location())
		must(t, err)
		must(t, chromedp.Do(b,
			chromedp.Navigate(strings.TrimSuffix(loc, "/keys")),
			chromedp.WaitVisible(chromedp.CSS(".api-key")),
		))
		text, err = chromedp.Run(b, chromedp.Text(chromedp.CSS("main")))
		must(t, err)
		if strings.Contains(text, strings.TrimSpace(secret)) || !strings.Contains(text, "最近1次使用记录") ||
			!strings.Contains(text, "以本组织名义提交意见") {
			t.Fatalf("%s: the key's page after reload: %q", vp.name, text)
		}
		must(t, chromedp.Do(b,
			chromedp.Click(chromedp.CSS(".api-key details summary")),
			chromedp.Click(chromedp.CSS(".api-key form button")),
			chromedp.WaitVisible(chromedp.CSS(".api-key .status-withdrawn")),
		))
		browsertest.Screenshot(t, b, "organisation-revoked-"+vp.name)
		e.Do("GET", "/open-data/changes?limit=5", strings.TrimSpace(secret), nil).Expect(t, 401, "api_key_revoked")
		cancel()
	}
}
