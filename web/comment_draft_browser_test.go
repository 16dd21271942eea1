package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestCommentKeptAcrossExpiredSessionBrowser: a resident types a comment on
// article 2 while their 24-hour session runs out; 提交意见 sent them to sign
// in and the text was gone. Now the sign-in page says the text was kept,
// and after signing in they are back on the same form with their text,
// stance and choice of name, told it is not submitted yet; nothing is
// submitted until they tap 提交意见 again. Another resident signing in on
// the same browser does not see it.
func TestCommentKeptAcrossExpiredSessionBrowser(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			e := newCommentEnv(t, true)
			resident, token := e.Account(identity.RoleResident, "")
			ctx := chrome(t, vp.size, 45*time.Second)
			sessionCookie(t, ctx, e.URL, token)
			text := "建议划片范围在招生前一个月公示，并说明依据，方便家长安排。"
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+"/decisions/"+e.id+"/comment?article="+e.anchors[1]),
				chromedp.WaitVisible(chromedp.ID("f-body")),
				chromedp.Click(chromedp.ID("stance-suggestion")),
				chromedp.SendKeys(chromedp.ID("f-body"), text),
				chromedp.Click(chromedp.ID("f-show_name")),
			))
			// The session runs out while they type.
			e.Clock.Advance(identity.SessionTTL + time.Hour)
			must(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button.submit-comment`)),
				chromedp.WaitVisible(chromedp.ID("login")),
			))
			browsertest.Screenshot(t, ctx, "comment-draft-login-"+vp.name)
			wantContains(t, "sign-in page", textOf(t, ctx, chromedp.CSS("main")), "您填写的意见已保存")
			must(t, chromedp.Do(ctx,
				loginFormSteps(*resident.Phone, testenv.Password),
				chromedp.WaitVisible(chromedp.ID("f-body")),
			))
			browsertest.Screenshot(t, ctx, "comment-draft-restored-"+vp.name)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById('f-body').value,
				String(document.getElementById('stance-suggestion').checked), String(document.getElementById('f-show_name').checked),
				document.querySelector('input[name=article]').value, location.pathname]`))
			must(t, err)
			want := []string{text, "true", "true", e.anchors[1], "/decisions/" + e.id + "/comment"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("the form after signing in: %q, want %q", got, want)
			}
			wantContains(t, "restored form", textOf(t, ctx, chromedp.CSS("main")), "已恢复，尚未提交")
			if n := e.countRows(t, `SELECT count(*) FROM comments WHERE account_id = $1`, resident.ID); n != 0 {
				t.Fatalf("%d comments submitted without the resident's tap", n)
			}
			must(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button.submit-comment`)),
				chromedp.WaitVisible(chromedp.ID("receipt")),
			))
			if n := e.countRows(t, `SELECT count(*) FROM comments WHERE account_id = $1 AND body = $2 AND show_name`, resident.ID, text); n != 1 {
				t.Fatalf("%d comments with the text after submitting", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM comment_drafts`); n != 0 {
				t.Errorf("%d drafts left after submitting", n)
			}

			// A draft left on a shared browser is not shown to the next
			// resident who signs in there.
			must(t, chromedp.Do(ctx,
				chromedp.Navigate(e.URL+"/decisions/"+e.id+"/comment"),
				chromedp.WaitVisible(chromedp.ID("f-body")),
				chromedp.SendKeys(chromedp.ID("f-body"), "我的私人意见"),
			))
			e.Clock.Advance(identity.SessionTTL + time.Hour)
			other, _ := e.Account(identity.RoleResident, "")
			must(t, chromedp.Do(ctx,
				chromedp.Click(chromedp.CSS(`button.submit-comment`)),
				loginFormSteps(*other.Phone, testenv.Password),
				chromedp.WaitVisible(chromedp.ID("f-body")),
			))
			if body := textOf(t, ctx, chromedp.ID("f-body")); body != "" {
				t.Errorf("another resident sees the draft: %q", body)
			}
		})
	}
}

// countRows runs a count query on the test database.
func (e *commentEnv) countRows(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommentDraftNoOpenRedirect: the sign-in a signed-out comment post
// leads to goes back to this site's comment form whatever the post names
// (an article like //evil.example), the token stays out of every URL, and
// a draft is kept only for a form shown to an account.
func TestCommentDraftNoOpenRedirect(t *testing.T) {
	e := newCommentEnv(t, true)
	resident, _ := e.Account(identity.RoleResident, "")
	anon := newBrowser(t, e.URL, "")
	for _, article := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`} {
		status, loc := anon.post("/decisions/"+e.id+"/comment", url.Values{"article": {article}, "body": {"意见"},
			"owner": {strconv.FormatInt(resident.ID, 10)}})
		wantStatus(t, "signed-out post", status, http.StatusSeeOther, loc)
		u, err := url.Parse(loc)
		if err != nil || u.Host != "" || u.Path != "/login" || !strings.HasPrefix(u.Query().Get("next"), "/decisions/"+e.id+"/comment?") {
			t.Errorf("article %q: sent to %q", article, loc)
		}
		if strings.Contains(strings.ToLower(loc), "token") || strings.Contains(loc, "draft") {
			t.Errorf("the draft's token is in the URL: %q", loc)
		}
		// Signing in there lands on this site.
		b := newBrowser(t, e.URL, "")
		status, next := b.post("/login", url.Values{"login": {*resident.Phone}, "password": {testenv.Password}, "next": {u.Query().Get("next")}})
		wantStatus(t, "sign-in", status, http.StatusSeeOther, next)
		if n, err := url.Parse(next); err != nil || n.Host != "" || !strings.HasPrefix(next, "/decisions/"+e.id+"/comment") {
			t.Errorf("after signing in: %q", next)
		}
	}
	before := e.countRows(t, `SELECT count(*) FROM comment_drafts`)
	// A post naming no account keeps nothing.
	status, _ := anon.post("/decisions/"+e.id+"/comment", url.Values{"body": {"意见"}})
	wantStatus(t, "post without an account", status, http.StatusSeeOther, "")
	if n := e.countRows(t, `SELECT count(*) FROM comment_drafts`); n != before {
		t.Errorf("a draft kept for a form shown to nobody")
	}
}
