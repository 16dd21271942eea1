package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
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
		b := chrome(t, vp.size, 90*time.Second)
		sessionCookie(t, b, e.URL, manager)
		name := []string{"平顶山市家长互助会", "平顶山市餐饮行业协会"}[i]
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/organisations"),
			chromedp.WaitVisible(chromedp.ID("f-name")),
			chromedp.SendKeys(chromedp.ID("f-name"), name),
			chromedp.SendKeys(chromedp.ID("f-credit_code"), vp.code[:17]+"0"),
			chromedp.Submit(chromedp.ID("f-name")),
			chromedp.WaitVisible(chromedp.CSS(".has-error")),
		))
		errText := textOf(t, b, chromedp.CSS(".has-error .error"))
		if !strings.Contains(errText, "校验位") {
			t.Fatalf("%s: refusal %q", vp.name, errText)
		}
		browsertest.Screenshot(t, b, "organisations-refused-"+vp.name)
		noSideScroll(t, b, "the page")
		must(t, chromedp.Do(b,
			chromedp.SetValue(chromedp.ID("f-credit_code"), vp.code),
			chromedp.Submit(chromedp.ID("f-name")),
			chromedp.WaitVisible(chromedp.CSS(".facts")),
		))
		text := textOf(t, b, chromedp.CSS("main"))
		if !strings.Contains(text, "待核验") || strings.Contains(text, "创建密钥") {
			t.Fatalf("%s: a pending organisation's page: %q", vp.name, text)
		}
		// The admin verifies it.
		sessionCookie(t, b, e.URL, admin)
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/admin/organisations?status=pending"),
			chromedp.WaitVisible(chromedp.CSS(".admin-organisation")),
		))
		browsertest.Screenshot(t, b, "admin-organisations-"+vp.name)
		noSideScroll(t, b, "the page")
		must(t, chromedp.Do(b,
			chromedp.Click(chromedp.CSS(`.admin-organisation button[value="verified"]`)),
			chromedp.WaitVisible(chromedp.CSS(".flash, .notice")),
		))
		// The manager creates a key with both scopes.
		sessionCookie(t, b, e.URL, manager)
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/organisations"),
			chromedp.Click(chromedp.CSS(".organisation-list a")),
			chromedp.WaitVisible(chromedp.ID("f-key_name")),
			chromedp.SendKeys(chromedp.ID("f-key_name"), "数据同步程序"),
			chromedp.Click(chromedp.ID("f-scope_submit")),
			chromedp.Submit(chromedp.ID("f-key_name")),
			chromedp.WaitVisible(chromedp.ID("new-key-secret")),
		))
		secret := textOf(t, b, chromedp.ID("new-key-secret"))
		browsertest.Screenshot(t, b, "organisation-new-key-"+vp.name)
		noSideScroll(t, b, "the page")
		e.Do("GET", "/open-data/changes?limit=5", strings.TrimSpace(secret), nil).Expect(t, 200, "")
		loc, err := chromedp.Run(b, chromedp.Location())
		must(t, err)
		must(t, chromedp.Do(b,
			chromedp.Navigate(strings.TrimSuffix(loc, "/keys")),
			chromedp.WaitVisible(chromedp.CSS(".api-key")),
		))
		text = textOf(t, b, chromedp.CSS("main"))
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
	}
}

// TestOrganisationWebhooksInBrowser: on a phone and on a desktop, the
// manager adds a webhook (its secret shown once), a delivery keeps failing
// until the webhook is paused, the owner is told on the list and on the
// organisation's page with every attempt, and "恢复推送并重发" resumes it.
func TestOrganisationWebhooksInBrowser(t *testing.T) {
	e := newPagesEnv(t)
	e.Integrations.AllowPrivateTargets = true
	var down atomic.Bool
	down.Store(true)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	_, admin := e.Account(identity.RoleAdmin, "")
	ctx := context.Background()
	for i, vp := range viewports {
		down.Store(true)
		manager, token := e.Account(identity.RoleResident, "")
		org, err := e.Integrations.CreateOrganisation(ctx, &manager, integrations.OrganisationInput{Name: "平顶山市家长互助会",
			CreditCode: []string{"91350100M000100Y43", "914403001922038216"}[i]})
		must(t, err)
		adminAcct := mustAccount(t, e, admin)
		_, err = e.Integrations.VerifyOrganisation(ctx, adminAcct, org.ID, integrations.OrganisationVerified, "")
		must(t, err)
		b := chrome(t, vp.size, 90*time.Second)
		sessionCookie(t, b, e.URL, token)
		must(t, chromedp.Do(b,
			chromedp.Navigate(fmt.Sprintf("%s/organisations/%d", e.URL, org.ID)),
			chromedp.WaitVisible(chromedp.ID("f-hook_url")),
			chromedp.SendKeys(chromedp.ID("f-hook_url"), recv.URL+"/canyu"),
			chromedp.Click(chromedp.ID("f-kind_consultation_opened")),
			chromedp.Submit(chromedp.ID("f-hook_url")),
			chromedp.WaitVisible(chromedp.CSS("#new-webhook-secret, .has-error, #refusal")),
		))
		if msg, _ := chromedp.Run(b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(msg, "whsec_") {
			t.Fatalf("%s: adding the webhook: %q", vp.name, msg)
		}
		secret := textOf(t, b, chromedp.ID("new-webhook-secret"))
		if !strings.HasPrefix(strings.TrimSpace(secret), "whsec_") {
			t.Fatalf("%s: secret %q", vp.name, secret)
		}
		// An event; its delivery fails three times, the last pausing the webhook.
		e.publish(t, e.decision(t, fmt.Sprintf("平顶山市第%d号停车管理办法", i+1)))
		if _, err := e.Integrations.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		var deliveryID int64
		must(t, e.DB.QueryRow(ctx, `SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
			WHERE w.organisation_id = $1`, org.ID).Scan(&deliveryID))
		for n := 1; n <= 3; n++ {
			e.Integrations.Deliver(ctx, deliveryID, n, n == 3)
		}
		must(t, chromedp.Do(b,
			chromedp.Navigate(e.URL+"/organisations"),
			chromedp.WaitVisible(chromedp.CSS(".organisation-list")),
		))
		text := textOf(t, b, chromedp.CSS("main"))
		if !strings.Contains(text, "事件推送已暂停") {
			t.Fatalf("%s: the list does not tell the owner: %q", vp.name, text)
		}
		must(t, chromedp.Do(b,
			chromedp.Navigate(fmt.Sprintf("%s/organisations/%d#webhooks", e.URL, org.ID)),
			chromedp.WaitVisible(chromedp.ID("webhook-paused")),
		))
		text = textOf(t, b, chromedp.CSS(".webhook"))
		if !strings.Contains(text, "多次失败") || !strings.Contains(text, "接收方返回 503") || !strings.Contains(text, "开始征求意见") {
			t.Fatalf("%s: webhook card %q", vp.name, text)
		}
		noSideScroll(t, b, "the page")
		browsertest.Screenshot(t, b, "organisation-webhook-paused-"+vp.name)
		down.Store(false)
		must(t, chromedp.Do(b,
			chromedp.Click(chromedp.CSS(".webhook form button")),
			chromedp.WaitNotPresent(chromedp.ID("webhook-paused")),
		))
		if err := e.Integrations.Deliver(ctx, deliveryID, 1, false); err != nil {
			t.Fatal(err)
		}
		must(t, chromedp.Do(b, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".webhook")),
			chromedp.Click(chromedp.CSS(".webhook details summary")), chromedp.WaitVisible(chromedp.CSS(".delivery-list"))))
		text = textOf(t, b, chromedp.CSS(".webhook"))
		if !strings.Contains(text, "已送达") || !strings.Contains(text, "接收方返回 204") {
			t.Fatalf("%s: after resuming: %q", vp.name, text)
		}
		browsertest.Screenshot(t, b, "organisation-webhook-resumed-"+vp.name)
	}
}
