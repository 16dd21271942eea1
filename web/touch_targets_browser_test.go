package web_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// minTarget is the smallest touch target a resident's finger is given, in
// CSS pixels: 44 px, what Apple's and the Chinese government's
// accessibility guides ask for (WCAG 2.2 2.5.5 AAA).
const minTarget = 44

// careMode switches the 关怀模式 on for the browser (its cookie; the switch
// itself is tried in TestElderlyModeInBrowser).
func careMode(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "canyu_elderly", Value: "1", URL: base})
	must(t, err)
}

// choiceProblems lists the radio buttons and checkboxes on the page whose
// label is not a target of at least minTarget px that holds the control
// (a tap anywhere on it, the control included, picks it), and, in care
// mode, those whose control is under 32 px.
const choiceProblems = `(() => {
  const care = document.documentElement.classList.contains('elderly');
  const out = [];
  for (const c of document.querySelectorAll('main input[type=radio], main input[type=checkbox]')) {
    const l = c.labels && c.labels[0];
    const name = c.id + ' “' + (l ? l.textContent.trim().slice(0, 12) : '') + '”';
    if (!l || !l.getClientRects().length) { out.push(name + ': no visible label'); continue; }
    l.scrollIntoView({block: 'center'});
    const r = l.getBoundingClientRect(), b = c.getBoundingClientRect();
    if (r.height < ` + "44" + ` || r.width < ` + "44" + `) out.push(name + ': label ' + Math.round(r.width) + '×' + Math.round(r.height));
    if (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1)
      out.push(name + ': the control lies outside its label');
    for (const [x, y] of [[r.left + 2, r.top + 2], [r.left + 2, r.bottom - 2], [r.right - 2, r.top + r.height / 2]]) {
      const at = document.elementFromPoint(x, y);
      if (at !== c && !l.contains(at)) { out.push(name + ': a tap at ' + Math.round(x) + ',' + Math.round(y) + ' misses it'); break; }
    }
    if (care && !c.closest('.scale-point') && (b.width < 32 || b.height < 32))
      out.push(name + ': control ' + Math.round(b.width) + '×' + Math.round(b.height) + ' in care mode');
  }
  return out;
})()`

// TestChoicesAreLargeTargets: on a phone, in both modes, every radio
// button and checkbox a resident meets (the stance and the public name on
// the comment form, the consent on registration, a survey's single and
// multiple choices and its sensitive-information consent, the confirmation
// of deleting one's data) is a label at least 44 px high and wide with the
// control inside it, and in care mode the control itself is at least
// 32 px. They were 22 px controls beside a 27 px label; a tap on the
// stance label's corner now picks it.
func TestChoicesAreLargeTargets(t *testing.T) {
	e := newCommentEnv(t, true)
	sv := e.newSurvey(t, survey.Input{}, yesNo("您家中是否有适龄儿童？"),
		survey.QuestionInput{Kind: survey.KindNumber, Title: "孩子的年龄", Sensitive: true, Config: survey.Config{NumberMin: ptr(0.0), NumberMax: ptr(18.0)}},
		survey.QuestionInput{Kind: survey.KindMultipleChoice, Title: "孩子上学的方式", Config: survey.Config{AllowOther: true,
			Options: []survey.Option{{ID: "a", Label: "步行"}, {ID: "b", Label: "公交车"}, {ID: "c", Label: "家长接送（电动车、汽车等）"}}}},
		survey.QuestionInput{Kind: survey.KindScale, Title: "总体评价", Config: survey.Config{ScaleMin: 1, ScaleMax: 5}})
	e.openSurvey(t, sv.ID)
	_, token := e.Account(identity.RoleResident, "")
	paths := []string{"/decisions/" + e.id + "/comment", "/surveys/" + strconv.FormatInt(sv.ID, 10), "/me", "/register"}
	for _, care := range []bool{false, true} {
		mode := map[bool]string{false: "normal", true: "care"}[care]
		ctx := chrome(t, browsertest.Phone, 60*time.Second)
		if care {
			careMode(t, ctx, e.URL)
		}
		for _, p := range paths {
			if p == "/register" {
				_, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{})
				must(t, err)
				if care {
					careMode(t, ctx, e.URL)
				}
			} else {
				sessionCookie(t, ctx, e.URL, token)
			}
			must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+p), chromedp.WaitVisible(chromedp.CSS(`main input[type=checkbox]`))))
			browsertest.Screenshot(t, ctx, "choices-"+mode+"-"+shotName(p))
			problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](choiceProblems))
			must(t, err)
			for _, pr := range problems {
				t.Errorf("%s mode, %s: %s", mode, p, pr)
			}
			noSideScroll(t, ctx, mode+" "+p)
		}
		// A real tap on the label's top-left corner picks the stance.
		sessionCookie(t, ctx, e.URL, token)
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/decisions/"+e.id+"/comment"), chromedp.WaitVisible(chromedp.ID("stance-oppose"))))
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
			`(() => { const r = document.querySelector('label[for=stance-oppose]').getBoundingClientRect(); return [r.left, r.top]; })()`))
		must(t, err)
		must(t, chromedp.Do(ctx, chromedp.MouseClickXY(box[0]+3, box[1]+3)))
		picked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('stance-oppose').checked`))
		must(t, err)
		if !picked {
			t.Errorf("%s mode: a tap at the corner of “反对” (%v) did not pick it", mode, box)
		}
	}
}

// smallTargets lists the links, buttons and summaries inside the elements
// sel finds that are shown and under minTarget px high or wide. A link in
// a sentence (its block holds other words) is left out: its height is the
// line's, as WCAG 2.5.8 allows.
func smallTargets(t *testing.T, ctx context.Context, sel string) []string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
  const out = [];
  const block = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const d = getComputedStyle(p).display; if (d !== 'inline' && d !== 'contents') return p; } return document.body; };
  for (const scope of document.querySelectorAll(`+strconv.Quote(sel)+`))
  for (const el of scope.querySelectorAll('a[href], button, summary')) {
    if (!el.getClientRects().length || el.closest('details:not([open]) > :not(summary)') || el.classList.contains('skip')) continue;
    const r = el.getBoundingClientRect();
    if (r.height >= `+strconv.Itoa(minTarget)+` && r.width >= `+strconv.Itoa(minTarget)+`) continue;
    if (el.tagName === 'A' && getComputedStyle(el).display === 'inline') {
      const rest = block(el).textContent.replace(el.textContent, '');
      if (/[\p{L}\p{N}]/u.test(rest)) continue;
    }
    out.push('“' + el.textContent.trim().replace(/\s+/g, ' ').slice(0, 20) + '” ' + Math.round(r.width) + '×' + Math.round(r.height));
  }
  return out;
})()`))
	must(t, err)
	return got
}

// TestHeaderTargetsOnPhone: the site's header on a phone, signed in, in
// both modes: each of its links (the platform's name, 首页, 决策事项, 消息,
// 我的账号 …) and the sign-out button is a target at least 44 px high and
// wide, and the page does not scroll sideways. The links were 24 px high
// (27 px the sign-out button, 36 px in care mode, where 首页 was 40 px wide).
func TestHeaderTargetsOnPhone(t *testing.T) {
	e := newPagesEnv(t)
	_, token := e.Account(identity.RoleResident, "")
	for _, care := range []bool{false, true} {
		mode := map[bool]string{false: "normal", true: "care"}[care]
		ctx := chrome(t, browsertest.Phone, 30*time.Second)
		if care {
			careMode(t, ctx, e.URL)
		}
		sessionCookie(t, ctx, e.URL, token)
		must(t, chromedp.Do(ctx, chromedp.Navigate(e.URL+"/decisions"), chromedp.WaitVisible(chromedp.CSS(`header.site nav`))))
		browsertest.Screenshot(t, ctx, "header-"+mode)
		for _, s := range smallTargets(t, ctx, "header.site, .elderly-switch") {
			t.Errorf("%s mode: header target %s", mode, s)
		}
		noSideScroll(t, ctx, mode+" header")
	}
}

// TestStandaloneLinksAreLargeTargets: on a phone, in both modes, the links
// that stand on a line of their own on the pages a resident walks through
// (a card's title, 查看全部决策事项, the way back, 忘记密码？, 查看调查结果,
// the record, an article's § link, the receipt's decision, the
// publication's 执行情况) are targets at least 44 px high and wide; they
// were 24 px high (the § 36 px). Links inside a sentence keep the line's
// height.
func TestStandaloneLinksAreLargeTargets(t *testing.T) {
	e := newCommentEnv(t, true)
	e.publishComments(t, e.anchors[2], "建议划片范围提前一个月公布。")
	_, token := e.Account(identity.RoleResident, "")
	receipt := e.comment(t, newBrowser(t, e.URL, token), e.anchors[0], "建议增加随迁子女入学的材料清单。")
	sv := e.newSurvey(t, survey.Input{ResultsPublicAfterClose: true}, yesNo("您家中是否有适龄儿童？"))
	e.openSurvey(t, sv.ID)
	p, d := publishedDecision(t)
	sid := strconv.FormatInt(sv.ID, 10)
	public := []string{"/login", "/forgot-password", "/forgot-password/confirm", "/", "/decisions", "/decisions/" + e.id,
		"/decisions/" + e.id + "/comments", "/surveys", "/surveys/" + sid, "/catalogues", "/search?q=" + "划片"}
	own := []string{"/me/comments", "/comment-receipts/" + receipt}
	for _, care := range []bool{false, true} {
		mode := map[bool]string{false: "normal", true: "care"}[care]
		ctx := chrome(t, browsertest.Phone, 90*time.Second)
		if care {
			careMode(t, ctx, e.URL)
			careMode(t, ctx, p.URL)
		}
		check := func(base, path string) {
			must(t, chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("main"))))
			for _, s := range smallTargets(t, ctx, "main") {
				t.Errorf("%s mode, %s: %s", mode, path, s)
			}
			noSideScroll(t, ctx, mode+" "+path)
		}
		for _, path := range public {
			check(e.URL, path)
		}
		sessionCookie(t, ctx, e.URL, token)
		for _, path := range own {
			check(e.URL, path)
		}
		browsertest.Screenshot(t, ctx, "links-receipt-"+mode)
		check(p.URL, fmt.Sprintf("/decisions/%d/publication", d.ID))
		browsertest.Screenshot(t, ctx, "links-publication-"+mode)
	}
}
