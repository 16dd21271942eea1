package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
)

// TestRegisterTappedTwiceBrowser: a resident taps 注册并获取验证码 twice.
// The button is disabled (正在提交…) after the first tap, and without the
// script (the same form sent twice, as a phone without JavaScript or a
// resend after a lost answer does) the second answer is the first's, 注册成
// 功，验证码已发送, not 验证码发送过于频繁.
func TestRegisterTappedTwiceBrowser(t *testing.T) {
	for i, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newPagesEnv(t)
			ctx := chrome(t, vp.size, 30*time.Second)
			fill := func(phone string) chromedp.Action[chromedp.Void] {
				return chromedp.Steps(
					chromedp.Navigate(e.URL+"/register"),
					chromedp.WaitVisible(chromedp.ID("phone")),
					chromedp.SendKeys(chromedp.ID("phone"), phone),
					chromedp.SendKeys(chromedp.ID("password"), "secret-pass-1"),
					chromedp.Click(chromedp.ID("consent")),
				)
			}
			// The same form sent twice, as without the script.
			must(t, chromedp.Do(ctx, fill("1370000"+string(rune('1'+i))+"101")))
			answers, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(async () => {
				const body = new URLSearchParams(new FormData(document.querySelector('form[action="/register"]')));
				const out = [];
				for (let n = 0; n < 2; n++) {
					const r = await fetch('/register', {method: 'POST', body: new URLSearchParams(body)});
					out.push(r.url + ' ' + (await r.text()));
				}
				return out;
			})()`, chromedp.EvalAwaitPromise))
			must(t, err)
			for n, a := range answers {
				if !strings.Contains(a, "/verify?flash=registered") || !strings.Contains(a, "验证码已发送") || strings.Contains(a, "过于频繁") {
					t.Errorf("answer %d to the same form: %s", n+1, snippet(a))
				}
			}
			// In the page: the first tap disables the button.
			must(t, chromedp.Do(ctx, fill("1370000"+string(rune('1'+i))+"102")))
			browsertest.Screenshot(t, ctx, "register-filled-"+vp.name)
			disabled, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
				const b = document.querySelector('form[action="/register"] button[type=submit]');
				b.click();
				return b.disabled + ' ' + b.textContent;
			})()`))
			must(t, err)
			if disabled != "true 正在提交…" {
				t.Errorf("after the first tap the button is %q", disabled)
			}
			must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".notice.ok"))))
			browsertest.Screenshot(t, ctx, "register-sent-"+vp.name)
			text := textOf(t, ctx, chromedp.CSS("main"))
			wantContains(t, "after registering", text, "验证码已发送")
		})
	}
}
