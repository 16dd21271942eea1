package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/notifytest"
)

var mailLink = regexp.MustCompile(`https?://\S+`)

// TestReplyNotificationInBrowser (issue 17): on a phone, a resident who
// commented on article 3 follows the decision and sets an e-mail address,
// confirms it from the mail (read back from a real SMTP server, mailpit);
// when the lead unit answers that the opinion changed article 3 of the
// revised draft, the reply arrives by e-mail and in the inbox, whose count
// shows in the header; the inbox leads to "my comments", which says the
// opinion changed 第三条. At desktop width the same pages are checked; the
// new pages keep axe-core clean and never scroll sideways on the phone.
func TestReplyNotificationInBrowser(t *testing.T) {
	ctx := context.Background()
	e := newReviewCity(t, "城区义务教育学校招生入学办法")
	mp := notifytest.Start(t, e.DB, e.Notify)
	resident, _ := e.Account(identity.RoleResident, "")
	svc := e.Consultation
	id := strconv.FormatInt(e.d.ID, 10)
	v1, err := svc.CreateDraftVersion(ctx, &e.staff, e.d.ID, consultation.DraftVersionInput{Text: draftText,
		Explanation: "为落实义务教育法，起草本办法。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}})
	must(t, err)
	e.OpenConsultation(&e.staff, e.d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台逐条发表意见", ShowComments: true})
	third := v1.Articles[2].Anchor
	c := publishedComment(t, svc, &resident, &e.staff, e.d.ID, consultation.CommentInput{ArticleAnchor: third,
		Body: "建议在招生前公示划片范围，方便家长安排。", Stance: "suggestion"})

	phone := chrome(t, browsertest.Phone, 120*time.Second)
	login := signInSteps(e.URL, *resident.Phone)
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s := textOf(t, ctx, chromedp.CSS(sel))
		return s
	}
	// Follow the decision from its page.
	must(t, chromedp.Do(phone,
		login,
		chromedp.Navigate(e.URL+"/decisions/"+id),
		chromedp.WaitVisible(chromedp.CSS(".follow")),
	))
	browsertest.Screenshot(t, phone, "follow-decision-phone")
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`.follow form[action="/follow"] input[name=decision] ~ button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	if f := text(phone, ".follow"); !strings.Contains(f, "已关注本事项") {
		t.Fatalf("follow section after following: %q", f)
	}
	noSideScroll(t, phone, "phone decision page")
	// Set the e-mail address: two problems at once are both listed.
	must(t, chromedp.Do(phone,
		chromedp.Navigate(e.URL+"/me/notifications/settings"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
	))
	if subs := text(phone, ".subscriptions"); !strings.Contains(subs, "《城区义务教育学校招生入学办法》") {
		t.Errorf("settings list %q", subs)
	}
	must(t, chromedp.Do(phone,
		chromedp.SendKeys(chromedp.ID("f-email"), "not-an-address"),
		chromedp.Click(chromedp.CSS(`form[action="/me/notifications/settings"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-email[aria-invalid=true]")),
	))
	must(t, chromedp.Do(phone,
		chromedp.SetValue(chromedp.ID("f-email"), "jumin@example.com"),
		chromedp.Click(chromedp.CSS(`form[action="/me/notifications/settings"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("email-status")),
	))
	if s := text(phone, "#email-status"); !strings.Contains(s, "待确认") {
		t.Fatalf("email status before confirmation: %q", s)
	}
	browsertest.Screenshot(t, phone, "notify-settings-phone")
	browsertest.Axe(t, phone, "phone settings")
	noSideScroll(t, phone, "phone settings")
	confirmation := mp.Wait(t, "jumin@example.com", 1, 30*time.Second)[0]
	link := mailLink.FindString(confirmation.Text)
	must(t, chromedp.Do(phone,
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		chromedp.Navigate(e.URL+"/me/notifications/settings"),
		chromedp.WaitVisible(chromedp.ID("email-status")),
	))
	if s := text(phone, "#email-status"); !strings.Contains(s, "已确认") {
		t.Fatalf("email status after the link: %q", s)
	}

	// The window closes; version 2 changes article 3; the lead unit answers
	// on its page and names 第三条 of version 2.
	e.CloseConsultations()
	v2, err := svc.CreateDraftVersion(ctx, &e.staff, e.d.ID, consultation.DraftVersionInput{Text: revisedDraft,
		Explanation: "根据公众意见修改。", LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}})
	must(t, err)
	staff := (&commentEnv{pagesEnv: &pagesEnv{Env: e.Env}}).signIn(t, e.staff)
	status, loc := staff.post("/staff/decisions/"+id+"/comments/"+strconv.FormatInt(c.ID, 10)+"/disposition",
		url.Values{"disposition": {"adopted"}, "reason": {"采纳，第三条增加公示要求。"}, "changed_articles": {third}})
	wantStatus(t, "disposition", status, http.StatusSeeOther, loc)

	// The reply by e-mail, with the one-click unsubscribe headers.
	reply := mp.Wait(t, "jumin@example.com", 2, 60*time.Second)[0]
	if !strings.Contains(reply.Subject, "意见已有答复") || !strings.Contains(reply.Text, "采纳") || !strings.Contains(reply.Text, "/me/comments") {
		t.Fatalf("reply mail %q: %q", reply.Subject, reply.Text)
	}
	if len(reply.Headers["List-Unsubscribe"]) != 1 || reply.Headers["List-Unsubscribe-Post"][0] != "List-Unsubscribe=One-Click" {
		t.Errorf("reply mail headers %v", reply.Headers)
	}
	// The procedure goes on to publication, so version 2 is public.
	_, err = svc.GenerateAdoptionReport(ctx, &e.staff, e.d.ID)
	must(t, err)
	_, err = svc.PublishAdoptionReport(ctx, &e.staff, e.d.ID)
	must(t, err)
	r, err := svc.SubmitLegalityReview(ctx, &e.staff, e.d.ID, consultation.SubmissionInput{VersionHash: v2.ContentHash,
		LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}, Materials: "附：起草过程说明。"})
	must(t, err)
	e.review, err = svc.AssignLegalAdviser(ctx, &e.reviewer, r.ID, []int64{e.adviser.ID})
	must(t, err)
	e.Clock.Advance(21 * 24 * time.Hour)
	e.concluded(t)
	e.publishThroughPages(t)

	// And in the inbox: the header shows the count; the reply leads to
	// "my comments", which says the opinion changed 第三条.
	// (Sessions last a day and the clock moved a month: sign in again.)
	must(t, chromedp.Do(phone,
		login,
		chromedp.Navigate(e.URL+"/decisions"),
		chromedp.WaitVisible(chromedp.CSS("#inbox-link .badge-count")),
	))
	// The reply, the adoption report and the publication of the followed
	// decision arrive (fan-out jobs, in any order, with whatever else the
	// decision's steps told its followers); the header counts every unread one.
	unread := func() (n int, kinds int) {
		must(t, e.DB.QueryRow(ctx, `SELECT count(*) FILTER (WHERE read_at IS NULL), count(DISTINCT kind) FILTER (WHERE kind IN
			('opinion_answered', 'adoption_report_published', 'decision_published')) FROM notifications WHERE account_id = $1`,
			resident.ID).Scan(&n, &kinds))
		return n, kinds
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if _, k := unread(); k == 3 {
			break
		}
	}
	time.Sleep(time.Second) // let any fan-out of the same steps settle
	want, kinds := unread()
	if kinds != 3 {
		t.Fatalf("the reply, the adoption report and the publication did not all reach the inbox (%d kinds)", kinds)
	}
	waitBadge := func() string { return text(phone, "#inbox-link .badge-count") }
	must(t, chromedp.Do(phone, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#inbox-link .badge-count"))))
	if n := waitBadge(); n != strconv.Itoa(want) {
		t.Errorf("header count %q, want %d", n, want)
	}
	var rid int64
	must(t, e.DB.QueryRow(ctx, `SELECT id FROM notifications WHERE account_id = $1 AND kind = 'opinion_answered'`, resident.ID).Scan(&rid))
	replyID := strconv.FormatInt(rid, 10)
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.ID("inbox-link")),
		chromedp.WaitVisible(chromedp.CSS(".notifications .card.unread")),
	))
	browsertest.Screenshot(t, phone, "inbox-phone")
	browsertest.Axe(t, phone, "phone inbox")
	noSideScroll(t, phone, "phone inbox")
	if s := text(phone, ".notifications"); !strings.Contains(s, "您对《城区义务教育学校招生入学办法》提出的意见已有答复") || !strings.Contains(s, "意见已答复") {
		t.Fatalf("inbox %q", s)
	}
	must(t, chromedp.Do(phone,
		chromedp.Click(chromedp.CSS(`.notifications a[href="/me/notifications/`+replyID+`"]`)),
		chromedp.WaitVisible(chromedp.ID("my-"+strconv.FormatInt(c.ID, 10))),
	))
	if s := text(phone, "#my-"+strconv.FormatInt(c.ID, 10)+" .changed-text"); !strings.Contains(s, "是。") || !strings.Contains(s, "第三条") {
		t.Fatalf("my comments: %q", s)
	}
	if n := waitBadge(); n != strconv.Itoa(want-1) {
		t.Errorf("header count %q after reading the reply, want %d", n, want-1)
	}

	// Unsubscribe from the mail's link: the page asks before it changes anything.
	unsub := strings.Trim(reply.Headers["List-Unsubscribe"][0], "<>")
	must(t, chromedp.Do(phone, chromedp.Navigate(unsub), chromedp.WaitVisible(chromedp.CSS(`form[action^="/unsubscribe/"] button`))))
	browsertest.Screenshot(t, phone, "unsubscribe-phone")
	browsertest.Axe(t, phone, "phone unsubscribe")
	must(t, chromedp.Do(phone, chromedp.Click(chromedp.CSS(`form[action^="/unsubscribe/"] button`)), chromedp.WaitVisible(chromedp.CSS(".notice.ok"))))
	if s := text(phone, ".notice.ok"); !strings.Contains(s, "全部邮件通知") {
		t.Errorf("unsubscribed: %q", s)
	}

	// The same pages at desktop width.
	desk := chrome(t, browsertest.Desktop, 60*time.Second)
	must(t, chromedp.Do(desk, login, chromedp.Navigate(e.URL+"/me/notifications"), chromedp.WaitVisible(chromedp.CSS(".notifications"))))
	browsertest.Screenshot(t, desk, "inbox-desktop")
	browsertest.Axe(t, desk, "desktop inbox")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+"/me/notifications/settings"), chromedp.WaitVisible(chromedp.ID("email-status"))))
	browsertest.Screenshot(t, desk, "notify-settings-desktop")
	browsertest.Axe(t, desk, "desktop settings")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+"/decisions/"+id), chromedp.WaitVisible(chromedp.CSS(".follow"))))
	browsertest.Screenshot(t, desk, "follow-decision-desktop")
	must(t, chromedp.Do(desk, chromedp.Navigate(e.URL+"/me/comments"), chromedp.WaitVisible(chromedp.ID("my-"+strconv.FormatInt(c.ID, 10)))))
	if s := text(desk, "#my-"+strconv.FormatInt(c.ID, 10)+" .changed-text"); !strings.Contains(s, "第三条") {
		t.Fatalf("desktop my comments: %q", s)
	}
	// A list of one domain offers to follow the domain.
	must(t, chromedp.Do(desk,
		chromedp.Navigate(e.URL+"/decisions?domain=health"),
		chromedp.WaitVisible(chromedp.CSS(".follow")),
		chromedp.Click(chromedp.CSS(`.follow button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	if f := text(desk, ".follow"); !strings.Contains(f, "已关注医疗卫生领域") {
		t.Errorf("domain list after following: %q", f)
	}
	must(t, chromedp.Do(desk, chromedp.Navigate(unsub), chromedp.WaitVisible(chromedp.CSS(`form[action^="/unsubscribe/"] button`))))
	browsertest.Screenshot(t, desk, "unsubscribe-desktop")
}
