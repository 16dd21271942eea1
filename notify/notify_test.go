package notify_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/mailtest"
	"github.com/canyu-gov/canyu/internal/notifytest"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/notify"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var linkRe = regexp.MustCompile(`https?://\S+`)

// confirm saves the address in the resident's settings and opens the
// link of the confirmation mail, as the resident would.
func confirm(t *testing.T, e *testenv.Env, mp *mailtest.Server, a *identity.Account, in notify.SettingsInput) {
	t.Helper()
	_, err := e.Notify.UpdateSettings(context.Background(), a, in)
	must(t, err)
	ms := mp.Wait(t, in.Email, 1, 20*time.Second)
	link := linkRe.FindString(ms[0].Text)
	if !strings.Contains(link, "/notifications/confirm-email/") {
		t.Fatalf("confirmation mail without its link: %q", ms[0].Text)
	}
	resp, err := http.Get(link)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("confirmation link: %s", resp.Status)
	}
	st, err := e.Notify.GetSettings(context.Background(), a)
	must(t, err)
	if !st.EmailConfirmed() {
		t.Fatal("address not confirmed after opening the link")
	}
}

// at sets the clock to hour:minute of the next day in Asia/Shanghai.
func at(e *testenv.Env, hour, minute int) {
	l := e.Clock.Now().In(workday.Location()).AddDate(0, 0, 1)
	e.Clock.Set(time.Date(l.Year(), l.Month(), l.Day(), hour, minute, 0, 0, workday.Location()).UTC())
}

func unread(t *testing.T, e *testenv.Env, a *identity.Account) []notify.Notification {
	t.Helper()
	ns, err := e.Notify.ListNotifications(context.Background(), a, 100, 0)
	must(t, err)
	var out []notify.Notification
	for _, n := range ns {
		if n.ReadAt == nil {
			out = append(out, n)
		}
	}
	return out
}

// TestReplyDigestUnsubscribeQuietHours: a follower of a domain gets the
// consultation in the inbox at once and by e-mail only in the daily digest;
// a commenter gets the reply at once by e-mail, and by SMS only after the
// quiet hours; the digest's one-click unsubscribe (RFC 8058 POST) stops
// further mail but not the inbox; a forged link changes nothing.
func TestReplyDigestUnsubscribeQuietHours(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	mp := notifytest.Start(t, e.DB, e.Notify)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	follower, _ := e.Account(identity.RoleResident, "")
	commenter, _ := e.Account(identity.RoleResident, "")
	confirm(t, e, mp, &follower, notify.SettingsInput{Email: "follower@example.com", EmailOn: true, QuietStart: 22, QuietEnd: 7})
	confirm(t, e, mp, &commenter, notify.SettingsInput{Email: "commenter@example.com", EmailOn: true, SMSOn: true,
		QuietStart: 22, QuietEnd: 7})
	_, err := e.Notify.Follow(ctx, &follower, notify.Target{Domain: string(consultation.DomainEducationCulture)})
	must(t, err)

	// 23:30 in Shanghai: the consultation opens.
	at(e, 23, 30)
	svc := e.Consultation
	d, err := svc.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategorySocialManagement, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	must(t, err)
	_, err = svc.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。\n第二条 本办法自公布之日起施行。",
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国教育法》"}})
	must(t, err)
	e.OpenConsultation(&staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
	waitFor(t, "the follower's inbox", func() bool { return len(unread(t, e, &follower)) == 1 })
	if n := unread(t, e, &follower)[0]; !strings.Contains(n.Title, "开始公开征求意见") || n.Link != "/decisions/"+itoa(d.ID) {
		t.Fatalf("inbox: %+v", n)
	}
	if got, _ := mp.To("follower@example.com"); len(got) != 1 {
		t.Fatalf("the follower got %d mails before the digest, want only the confirmation", len(got))
	}

	// The commenter's opinion is answered at 23:xx a month later.
	cm, _, err := svc.SubmitComment(ctx, &commenter, d.ID, consultation.CommentInput{Body: "建议课后服务延长到下午六点。"})
	must(t, err)
	_, err = svc.ModerateComment(ctx, &staff, cm.ID, consultation.ModerationPublish, "")
	must(t, err)
	e.CloseConsultations()
	at(e, 23, 10)
	_, err = svc.SetCommentDisposition(ctx, &staff, cm.ID, consultation.DispositionAdopted, "已采纳，延长至18时。")
	must(t, err)
	reply := mp.Wait(t, "commenter@example.com", 2, 30*time.Second)[0]
	if !strings.Contains(reply.Subject, "意见已有答复") || !strings.Contains(reply.Text, "采纳") {
		t.Fatalf("reply mail: %q %q", reply.Subject, reply.Text)
	}
	if h := reply.Headers["List-Unsubscribe-Post"]; len(h) != 1 || h[0] != "List-Unsubscribe=One-Click" {
		t.Fatalf("reply mail headers: %v", reply.Headers)
	}
	if len(unread(t, e, &commenter)) != 1 {
		t.Fatal("the reply is not in the commenter's inbox")
	}
	// Quiet hours: no SMS at 23:10; the job waits for 07:00.
	var scheduled time.Time
	waitFor(t, "the held SMS job", func() bool {
		err := e.DB.QueryRow(ctx, `SELECT scheduled_at FROM river_job WHERE kind = 'notify_deliver' AND args->>'channel' = 'sms'
			AND state IN ('scheduled', 'available')`).Scan(&scheduled)
		return err == nil
	})
	if texts := e.SMS.Texts(*commenter.Phone); len(texts) != 0 {
		t.Fatalf("SMS sent in quiet hours: %v", texts)
	}
	if h := scheduled.In(workday.Location()).Hour(); h != 7 {
		t.Fatalf("SMS held until %s, want 07:00", scheduled.In(workday.Location()))
	}
	var nid int64
	must(t, e.DB.QueryRow(ctx, `SELECT id FROM notifications WHERE account_id = $1 AND immediate`, commenter.ID).Scan(&nid))
	e.Clock.Advance(8 * time.Hour) // 07:10
	must(t, e.Notify.Deliver(ctx, nid, "sms"))
	must(t, e.Notify.Deliver(ctx, nid, "sms")) // a retried job never sends twice
	if texts := e.SMS.Texts(*commenter.Phone); len(texts) != 1 || !strings.Contains(texts[0], "意见已有答复") {
		t.Fatalf("SMS after the quiet hours: %v", texts)
	}

	// The daily digest: one mail with the consultation, not the reply.
	_, err = e.Notify.QueueDigests(ctx)
	must(t, err)
	digest := mp.Wait(t, "follower@example.com", 2, 30*time.Second)[0]
	if !strings.Contains(digest.Subject, "每日通知汇总") || !strings.Contains(digest.Text, "开始公开征求意见") {
		t.Fatalf("digest: %q %q", digest.Subject, digest.Text)
	}
	jobsDone(t, e, "the digests queued")
	if got, _ := mp.To("commenter@example.com"); len(got) != 2 {
		t.Fatalf("the commenter got %d mails, want the confirmation and the reply (no digest of an immediate reply)", len(got))
	}
	unsub := strings.Trim(digest.Headers["List-Unsubscribe"][0], "<>")

	// A forged link is refused and changes nothing.
	resp, err := http.PostForm(unsub+"x", url.Values{"List-Unsubscribe": {"One-Click"}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("forged link: %s", resp.Status)
	}
	// Opening the link (a mail scanner's GET) changes nothing either.
	resp, err = http.Get(unsub)
	must(t, err)
	resp.Body.Close()
	if st, _ := e.Notify.GetSettings(ctx, &follower); !st.EmailOn {
		t.Fatal("e-mail turned off by a GET or a forged link")
	}
	// The mail client's one-click POST, without cookies.
	resp, err = http.PostForm(unsub, url.Values{"List-Unsubscribe": {"One-Click"}})
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe: %s", resp.Status)
	}
	if st, _ := e.Notify.GetSettings(ctx, &follower); st.EmailOn {
		t.Fatal("e-mail still on after unsubscribing")
	}
	// The next event reaches the inbox, and the digest sends no mail.
	_, err = svc.GenerateAdoptionReport(ctx, &staff, d.ID)
	must(t, err)
	_, err = svc.PublishAdoptionReport(ctx, &staff, d.ID)
	must(t, err)
	waitFor(t, "the adoption report in the inbox", func() bool { return len(unread(t, e, &follower)) == 2 })
	_, err = e.Notify.QueueDigests(ctx)
	must(t, err)
	jobsDone(t, e, "the digests queued after unsubscribing")
	if got, _ := mp.To("follower@example.com"); len(got) != 2 {
		t.Fatalf("mail after unsubscribing: %d messages", len(got))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jobsDone waits until no digest or delivery job is waiting to run or
// running (a delivery held until later in the test clock's day stays
// scheduled), so that a check that nothing more was sent follows the jobs
// rather than a fixed pause they may outlast on a loaded machine.
func jobsDone(t *testing.T, e *testenv.Env, what string) {
	t.Helper()
	waitFor(t, "the jobs of "+what+" to finish", func() bool {
		var n int
		must(t, e.DB.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind IN ('notify_digest', 'notify_deliver')
			AND state IN ('available', 'running', 'retryable')`).Scan(&n))
		return n == 0
	})
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
