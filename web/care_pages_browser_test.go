package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// phoneModes are the three ways a page is looked at: a phone in the
// normal mode and in the 关怀模式, and a desktop.
var phoneModes = []struct {
	name     string
	viewport [2]int
	care     bool
}{{"phone", browsertest.Phone, false}, {"phone-care", browsertest.Phone, true}, {"desktop", browsertest.Desktop, false}}

// TestSessionsNameDevicesInChinese: a resident signed in with Chrome on an
// iPhone, and earlier with the Huawei browser on a HarmonyOS phone, sees
// both devices named in Chinese on 我的登录设备, this one marked 本设备, with
// the sign-in time in Beijing time; the page named Chrome on an iPhone
// “苹果手机或平板上的Safari浏览器” and any other device only by its Latin
// name when the system was not known.
func TestSessionsNameDevicesInChinese(t *testing.T) {
	const (
		iphoneChrome = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
			"CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1"
		huawei = "Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 Chrome/114.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile " +
			"HuaweiBrowser/5.0.4.300"
	)
	e := newPagesEnv(t)
	resident, _ := e.Account(identity.RoleResident, "")
	_, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *resident.Phone, Password: testenv.Password,
		ClientAddr: "10.1.2.3", UserAgent: huawei})
	must(t, err)
	signedIn := e.Clock.Now().In(shanghaiZone).Format("2006年1月2日 15:04")
	for _, m := range phoneModes {
		ctx := chrome(t, m.viewport, 40*time.Second)
		if m.care {
			careMode(t, ctx, e.URL)
		}
		_, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: iphoneChrome})
		must(t, err)
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/login?next=/me/sessions"), loginFormSteps(*resident.Phone, testenv.Password),
			chromedp.WaitVisible(chromedp.CSS("ul.sessions"))))
		browsertest.Screenshot(t, ctx, "sessions-"+m.name)
		cards, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('ul.sessions > li')].map(li => li.textContent.replace(/\s+/g, ' ').trim())`))
		must(t, err)
		var this, other string
		for _, c := range cards {
			if strings.Contains(c, "本设备") {
				this = c
			} else if strings.Contains(c, "鸿蒙") {
				other = c
			}
		}
		if !strings.HasPrefix(this, "iPhone 上的 Chrome 浏览器 本设备") || !strings.Contains(this, "登录于 "+signedIn) {
			t.Errorf("%s: this device's card is %q, want “iPhone 上的 Chrome 浏览器 本设备 … 登录于 %s” (all: %q)", m.name, this, signedIn, cards)
		}
		if !strings.HasPrefix(other, "鸿蒙手机上的华为浏览器 登录于 "+signedIn) {
			t.Errorf("%s: the other device's card is %q, want “鸿蒙手机上的华为浏览器 登录于 %s” (all: %q)", m.name, other, signedIn, cards)
		}
		if intro := textOf(t, ctx, chromedp.CSS("main h1 + p")); !strings.Contains(intro, "北京时间") {
			t.Errorf("%s: the page does not say its times are Beijing time: %q", m.name, intro)
		}
		for _, s := range smallTargets(t, ctx, "main") {
			t.Errorf("%s: %s", m.name, s)
		}
		noSideScroll(t, ctx, m.name+" sessions")
	}
}
