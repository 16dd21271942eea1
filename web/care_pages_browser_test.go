package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
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

// hashProblems lists, for the page's main content, the hashes shown
// without saying in Chinese what they are for (the sentence, list item,
// or fact around a code.hash has no “用于核对”), the word 哈希, and
// SHA-256 outside brackets (the algorithm's name is only an aside; the
// draw's formula is left out).
const hashProblems = `(() => {
  const out = [];
  const main = document.querySelector('main');
  // The draw's algorithm is the formula to recompute it by: it names
  // the function it uses.
  const text = [...main.children].filter(el => !el.matches('.algorithm')).map(el => el.innerText).join('\n');
  if (text.includes('哈希')) out.push('the word 哈希: “' + text.slice(Math.max(text.indexOf('哈希') - 20, 0), text.indexOf('哈希') + 10) + '”');
  for (const m of text.matchAll(/SHA-?256/g)) {
    const before = text.slice(0, m.index), open = before.lastIndexOf('（'), close = before.lastIndexOf('）');
    if (open <= close) out.push('SHA-256 outside brackets: “' + text.slice(Math.max(m.index - 20, 0), m.index + 10) + '”');
  }
  for (const c of main.querySelectorAll('code.hash')) {
    if (c.closest('table')) continue;
    const box = c.closest('p, li, dd');
    let around = box ? box.textContent : '';
    if (box && box.tagName === 'DD' && box.previousElementSibling) around = box.previousElementSibling.textContent + around;
    if (!around.includes('用于核对')) out.push('a hash with no word on what it is for: “' + around.trim().slice(0, 40) + '”');
  }
  return out;
})()`

// TestHashesSayWhatTheyAreFor: a resident reading a hearing's notice and
// its draw page is told in Chinese what each long code is for (用于核对
// the draft, the seed), with SHA-256 only in brackets; the notice said
// “草案内容哈希” and “抽签种子的承诺值（SHA-256）” and nothing more.
func TestHashesSayWhatTheyAreFor(t *testing.T) {
	e := newPagesEnv(t)
	h := openHearing(t, e)
	for _, m := range phoneModes {
		ctx := chrome(t, m.viewport, 30*time.Second)
		if m.care {
			careMode(t, ctx, e.URL)
		}
		for _, p := range []string{fmt.Sprintf("/hearings/%d", h.ID), fmt.Sprintf("/hearings/%d/draw", h.ID)} {
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+p), chromedp.WaitReady(chromedp.CSS("main code.hash"))))
			browsertest.Screenshot(t, ctx, "hashes-"+m.name+"-"+shotName(p))
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](hashProblems))
			must(t, err)
			for _, pr := range problems {
				t.Errorf("%s %s: %s", m.name, p, pr)
			}
			noSideScroll(t, ctx, m.name+" "+p)
		}
	}
}

// TestResidentPagesHaveWayBack: 关注与通知设置, 决策事项建议, a comment's
// receipt, the receipt lookup and 验证手机号码 open with a way back (← 返回…)
// above their title, a 44 px target on a phone; they had none, and a
// resident who came from a link could only use the browser's Back.
func TestResidentPagesHaveWayBack(t *testing.T) {
	e := newCommentEnv(t, true)
	_, token := e.Account(identity.RoleResident, "")
	receipt := e.comment(t, newBrowser(t, e.URL, token), e.anchors[0], "建议增加随迁子女入学的材料清单。")
	want := map[string]string{
		"/me/notifications/settings":   "/me",
		"/proposals":                   "/catalogues",
		"/comment-receipts/" + receipt: "/decisions/" + e.id,
		"/comment-receipts":            "/me/comments",
		"/verify":                      "/me",
	}
	for _, m := range phoneModes {
		ctx := chrome(t, m.viewport, 40*time.Second)
		if m.care {
			careMode(t, ctx, e.URL)
		}
		sessionCookie(t, ctx, e.URL, token)
		for p, back := range want {
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1"))))
			if m.name != "phone" || strings.HasPrefix(p, "/comment-receipts/") {
				browsertest.Screenshot(t, ctx, "back-"+m.name+"-"+shotName(p))
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
  const a = document.querySelector('main .breadcrumb a, main p.go a');
  if (!a) return [];
  const above = a.compareDocumentPosition(document.querySelector('main h1')) & Node.DOCUMENT_POSITION_FOLLOWING;
  return [a.textContent.trim(), a.getAttribute('href'), above ? 'above' : 'below'];
})()`))
			must(t, err)
			if len(got) != 3 || !strings.HasPrefix(got[0], "← 返回") || got[1] != back || got[2] != "above" {
				t.Errorf("%s %s: the way back is %q, want “← 返回…” to %s above the title", m.name, p, got, back)
			}
			if m.viewport == browsertest.Phone {
				for _, s := range smallTargets(t, ctx, "main .breadcrumb") {
					t.Errorf("%s %s: %s", m.name, p, s)
				}
			}
			noSideScroll(t, ctx, m.name+" "+p)
		}
	}
}

// TestArticleLinksInCommentsAreLargeTargets: on a phone in both modes, the
// article an opinion is on (针对：第三条) in the list of a draft's opinions
// takes a tap anywhere in a 44 px square around its words, and stays on
// the line of 针对：, which keeps its height. It was a 43 × 21 px link.
func TestArticleLinksInCommentsAreLargeTargets(t *testing.T) {
	e := newCommentEnv(t, true)
	e.publishComments(t, e.anchors[2], "建议划片范围提前一个月公布。", "划片结果应当说明理由。")
	e.publishComments(t, e.anchors[0], "建议增加随迁子女入学的材料清单。")
	for _, m := range phoneModes {
		ctx := chrome(t, m.viewport, 30*time.Second)
		if m.care {
			careMode(t, ctx, e.URL)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/decisions/"+e.id+"/comments"), chromedp.WaitVisible(chromedp.CSS(".comment-on a"))))
		browsertest.Screenshot(t, ctx, "article-links-"+m.name)
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
  const out = [];
  const links = document.querySelectorAll('main .comment-on a');
  if (links.length < 3) out.push(links.length + ' article links, want 3');
  for (const a of links) {
    a.scrollIntoView({block: 'center'});
    const p = a.parentElement, lh = parseFloat(getComputedStyle(p).lineHeight);
    const words = document.createRange(); words.selectNodeContents(a);
    const r = words.getBoundingClientRect(), cx = (r.left + r.right) / 2, cy = (r.top + r.bottom) / 2, h = `+"22"+`;
    const name = '“' + a.textContent.trim() + '” (' + Math.round(r.width) + '×' + Math.round(r.height) + ')';
    for (const [x, y] of [[cx - h, cy - h], [cx + h, cy - h], [cx - h, cy + h], [cx + h, cy + h], [cx, cy]]) {
      const at = document.elementFromPoint(x, y);
      if (at !== a && !a.contains(at)) { out.push(name + ': a tap at ' + Math.round(x - cx) + ',' + Math.round(y - cy) + ' from its middle misses it'); break; }
    }
    const line = document.createRange(); line.selectNodeContents(p);
    if (line.getClientRects().length && p.getBoundingClientRect().height > lh * 1.5)
      out.push(name + ': its line is ' + Math.round(p.getBoundingClientRect().height) + ' px high, line height ' + lh);
    if (Math.abs(p.firstChild.nodeType === 3 ? (() => { const t = document.createRange(); t.selectNodeContents(p.firstChild); return t.getBoundingClientRect().top - r.top; })() : 0) > 2)
      out.push(name + ': not on the line of 针对：');
  }
  return out;
})()`))
		must(t, err)
		for _, pr := range problems {
			t.Errorf("%s: %s", m.name, pr)
		}
		noSideScroll(t, ctx, m.name+" comments")
	}
}

// TestSurveyChartWordsAtLeast16px: on a phone in both modes and on a
// desktop, the options and numbers drawn in a survey result's chart are at
// least 16 px and inside the drawing, and the table repeating the numbers
// fits its box (a long option wraps); the words were 12.9 px (13 and 12
// units of a 360-unit drawing 358 px wide), and a long option pushed the
// count and percentage out of a phone's screen.
func TestSurveyChartWordsAtLeast16px(t *testing.T) {
	e := newPagesEnv(t)
	sv := e.newSurvey(t, survey.Input{Title: "课后服务民意调查", ResultsPublicAfterClose: true},
		survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "您希望课后服务延长到几点？", Required: true, Config: survey.Config{
			Options: []survey.Option{{ID: "a", Label: "下午五点半"}, {ID: "b", Label: "下午六点，方便双职工家庭和下班晚的家长接孩子"}}}})
	e.openSurvey(t, sv.ID)
	for _, choice := range []string{"a", "b", "b"} {
		_, token := e.Account(identity.RoleResident, "")
		_, _, err := e.Survey.SubmitResponse(context.Background(), mustAccount(t, e, token), sv.ID,
			survey.ResponseInput{Answers: []survey.Answer{{QuestionID: sv.Questions[0].ID, Choices: []string{choice}}}})
		must(t, err)
	}
	_, err := e.Survey.CloseSurvey(context.Background(), &e.staff, sv.ID)
	must(t, err)
	for _, m := range phoneModes {
		ctx := chrome(t, m.viewport, 30*time.Second)
		if m.care {
			careMode(t, ctx, e.URL)
		}
		must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/surveys/%d/results", e.URL, sv.ID)),
			chromedp.WaitVisible(chromedp.CSS(`svg[role=img] text`))))
		browsertest.Screenshot(t, ctx, "chart-"+m.name)
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
  const out = [];
  for (const svg of document.querySelectorAll('main svg[role=img]')) {
    const vb = svg.viewBox.baseVal, scale = svg.getBoundingClientRect().width / vb.width;
    for (const el of svg.querySelectorAll('text')) {
      const px = parseFloat(getComputedStyle(el).fontSize) * scale, b = el.getBBox();
      const name = '“' + el.textContent.slice(0, 12) + '”';
      if (px < 16) out.push(name + ' ' + px.toFixed(1) + ' px');
      if (b.x < 0 || b.y < 0 || b.x + b.width > vb.width || b.y + b.height > vb.height) out.push(name + ' outside the drawing');
    }
  }
  for (const w of document.querySelectorAll('main .table-wrap')) {
    const tb = w.querySelector('table.result-table');
    if (tb && w.scrollWidth > w.clientWidth + 1) out.push('the table of numbers is ' + w.scrollWidth + ' px wide in a ' + w.clientWidth + ' px box');
  }
  return out;
})()`))
		must(t, err)
		if len(problems) > 0 {
			t.Errorf("%s: %q", m.name, problems)
		}
		noSideScroll(t, ctx, m.name+" results")
	}
}
