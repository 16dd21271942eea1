package integrations_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/notify"
)

// receiver is an integrator's endpoint: it checks every signature, counts
// each delivery id it accepted, and can be down (it drops the connection
// without answering, as a crashed server does).
type receiver struct {
	secret   string
	down     atomic.Bool
	mu       sync.Mutex
	accepted map[int64]int // delivery id -> times accepted
	events   map[string]int
	badSig   int
	srv      *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{accepted: map[int64]int{}, events: map[string]int{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.down.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !integrations.Verify(r.secret, req.Header, body, time.Now(), 5*time.Minute) {
			r.badSig++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		id, _ := strconv.ParseInt(req.Header.Get(integrations.HeaderDeliveryID), 10, 64)
		r.accepted[id]++
		if r.accepted[id] == 1 { // idempotent by delivery id: handled once
			r.events[req.Header.Get(integrations.HeaderEventKind)]++
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// webhookScene is a verified organisation with a webhook on the receiver,
// and River working the delivery jobs with a back-off scaled by scale.
type webhookScene struct {
	*testenv.Env
	staff   identity.Account
	manager identity.Account
	org     integrations.Organisation
	hook    integrations.NewWebhook
	recv    *receiver
	svc     *integrations.Service
}

func newWebhookScene(t *testing.T, backoff []time.Duration) *webhookScene {
	t.Helper()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	s := &webhookScene{Env: e, recv: newReceiver(t)}
	s.staff, _ = e.Account(identity.RoleAgencyStaff, "jyj")
	s.manager, _ = e.Account(identity.RoleResident, "")
	admin, _ := e.Account(identity.RoleAdmin, "")
	// The service of the test: real clock (River schedules retries in
	// real time), loopback allowed for the receiver, short back-off.
	s.svc = integrations.New(e.DB, e.Consultation, e.Identity)
	s.svc.AllowPrivateTargets = true
	s.svc.Backoff = backoff
	ctx := context.Background()
	var err error
	if s.org, err = s.svc.CreateOrganisation(ctx, &s.manager, integrations.OrganisationInput{Name: "平顶山市家长互助会", CreditCode: "91350100M000100Y43"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.VerifyOrganisation(ctx, &admin, s.org.ID, integrations.OrganisationVerified, ""); err != nil {
		t.Fatal(err)
	}
	if s.hook, err = s.svc.CreateWebhook(ctx, &s.manager, s.org.ID, integrations.WebhookInput{URL: s.recv.srv.URL + "/hook",
		Kinds: []string{string(events.ConsultationOpened)}}); err != nil {
		t.Fatal(err)
	}
	s.recv.secret = s.hook.Secret
	fast := func(_ *river.Workers, cfg *river.Config) {
		cfg.FetchPollInterval, cfg.FetchCooldown = 20*time.Millisecond, 5*time.Millisecond
	}
	runner, err := jobs.New(e.DB, e.Consultation, obs.NewLogger(e.Logs, "warn"), true, jobs.WithWebhooks(s.svc), fast)
	if err != nil {
		t.Fatal(err)
	}
	s.svc.Queue = runner
	rctx, cancel := context.WithCancel(context.Background())
	if err := runner.Start(rctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		runner.Stop(sctx)
		cancel()
	})
	return s
}

// openConsultations opens n consultations (each emits consultation_opened).
func (s *webhookScene) openConsultations(t *testing.T, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		d, err := s.Consultation.CreateDecision(ctx, &s.staff, consultation.DecisionInput{Title: fmt.Sprintf("平顶山市第%d号课后服务办法", i+1),
			Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Consultation.CreateDraftVersion(ctx, &s.staff, d.ID, consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。",
			Explanation: "起草说明"}); err != nil {
			t.Fatal(err)
		}
		s.OpenConsultation(&s.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台"})
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *webhookScene) deliveries(t *testing.T) []integrations.WebhookDelivery {
	t.Helper()
	list, err := s.svc.ListDeliveries(context.Background(), &s.manager, s.org.ID, s.hook.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// scaled is the production back-off with a minute shrunk to a second.
func scaled() []time.Duration {
	out := make([]time.Duration, len(integrations.DefaultBackoff))
	for i, d := range integrations.DefaultBackoff {
		out[i] = d / 60
	}
	return out
}

// TestWebhookReceiverDownForAMinute: with the production back-off scaled
// by 1/60 (a minute lasts a second), a receiver that is down for "a
// minute" while events happen receives every event afterwards, each
// delivery accepted exactly once and signed; non-public events and kinds
// not subscribed are not sent; every attempt is listed.
func TestWebhookReceiverDownForAMinute(t *testing.T) {
	s := newWebhookScene(t, scaled())
	ctx := context.Background()
	s.recv.down.Store(true)
	s.openConsultations(t, 4)
	// A withheld decision's event and another kind: neither is sent.
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := events.Emit(ctx, tx, events.Event{Kind: events.ConsultationOpened, SubjectType: events.SubjectConsultation, Public: false}); err != nil {
			return err
		}
		return events.Emit(ctx, tx, events.Event{Kind: events.SurveyOpened, SubjectType: events.SubjectSurvey, Public: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	// (River's periodic fan-out may have taken some first: count them.)
	if d := s.deliveries(t); len(d) != 4 {
		t.Fatalf("fan-out wrote %d deliveries, want 4", len(d))
	}
	// Failed attempts are recorded while the receiver is down.
	waitFor(t, 10*time.Second, "a failed attempt of every delivery", func() bool {
		for _, d := range s.deliveries(t) {
			if len(d.Attempts) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Minute/60 - 200*time.Millisecond)
	s.recv.down.Store(false)
	waitFor(t, 30*time.Second, "every delivery delivered", func() bool {
		for _, d := range s.deliveries(t) {
			if d.Status != "delivered" {
				return false
			}
		}
		return true
	})
	// More events after the receiver is back arrive too, once.
	s.openConsultations(t, 2)
	if _, err := s.svc.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the later deliveries", func() bool {
		s.recv.mu.Lock()
		defer s.recv.mu.Unlock()
		return len(s.recv.accepted) == 6
	})
	time.Sleep(300 * time.Millisecond) // nothing more may arrive
	s.recv.mu.Lock()
	defer s.recv.mu.Unlock()
	for id, n := range s.recv.accepted {
		if n != 1 {
			t.Errorf("delivery %d accepted %d times", id, n)
		}
	}
	if s.recv.events["consultation_opened"] != 6 || len(s.recv.events) != 1 || s.recv.badSig != 0 {
		t.Fatalf("received %v, bad signatures %d", s.recv.events, s.recv.badSig)
	}
	retried := 0
	for _, d := range s.deliveries(t) {
		if len(d.Attempts) > 1 {
			retried++
			if d.Attempts[0].StatusCode != nil || d.Attempts[0].Error == "" {
				t.Fatalf("first attempt of delivery %d: %+v", d.ID, d.Attempts[0])
			}
		}
	}
	if retried != 4 {
		t.Fatalf("%d deliveries were retried, want the 4 sent while the receiver was down", retried)
	}
}

// TestWebhookPausedAfterLastAttempt: a receiver that stays down exhausts
// the attempts; the delivery fails, the webhook is paused with the reason
// for its owner, later events are held, and redeliver-webhook (after the
// receiver is back) resumes it and sends the failed and the held ones.
func TestWebhookPausedAfterLastAttempt(t *testing.T) {
	s := newWebhookScene(t, []time.Duration{50 * time.Millisecond, 50 * time.Millisecond})
	ctx := context.Background()
	s.recv.down.Store(true)
	s.openConsultations(t, 1)
	if _, err := s.svc.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "the webhook paused", func() bool {
		list, err := s.svc.ListWebhooks(ctx, &s.manager, s.org.ID)
		return err == nil && list[0].Status == "paused"
	})
	d := s.deliveries(t)
	if len(d) != 1 || d[0].Status != "failed" || len(d[0].Attempts) != 3 {
		t.Fatalf("deliveries %+v", d)
	}
	list, _ := s.svc.ListWebhooks(ctx, &s.manager, s.org.ID)
	if list[0].PausedReason == "" {
		t.Fatal("a paused webhook without its reason")
	}
	// The owner is told: one private event, which notify turns into an
	// immediate notification in the owner's inbox linking the organisation.
	var eventID int64
	var paused int
	if err := s.svc.DB.QueryRow(ctx, `SELECT max(id), count(*) FROM domain_events WHERE kind = 'webhook_paused' AND NOT public
		AND (payload->>'owner_account_id')::bigint = $1`, s.manager.ID).Scan(&eventID, &paused); err != nil || paused != 1 {
		t.Fatalf("webhook_paused events for the owner: %d (%v), want 1", paused, err)
	}
	if err := notify.NewService(s.svc.DB).FanOut(ctx, eventID); err != nil {
		t.Fatal(err)
	}
	inbox, err := notify.NewService(s.svc.DB).ListNotifications(ctx, &s.manager, 10, 0)
	if err != nil || len(inbox) != 1 ||
		inbox[0].Link != "/organisations/"+strconv.FormatInt(s.org.ID, 10) || !strings.Contains(inbox[0].Title, "数据推送已暂停") {
		t.Fatalf("owner's inbox after the pause: %+v %v", inbox, err)
	}
	s.openConsultations(t, 1)
	if _, err := s.svc.FanOut(ctx); err != nil {
		t.Fatal(err)
	}
	if d := s.deliveries(t); d[0].Status != "held" {
		t.Fatalf("a paused webhook's new delivery is %q, want held", d[0].Status)
	}
	s.recv.down.Store(false)
	n, err := s.svc.Redeliver(ctx, &s.manager, s.org.ID, s.hook.ID, 0)
	if err != nil || n != 2 {
		t.Fatalf("redeliver queued %d (%v), want 2", n, err)
	}
	waitFor(t, 10*time.Second, "both delivered", func() bool {
		for _, d := range s.deliveries(t) {
			if d.Status != "delivered" {
				return false
			}
		}
		return true
	})
}

// TestWebhookTargetRefused: without AllowPrivateTargets a webhook may not
// point at loopback or a private network, at creation.
func TestWebhookTargetRefused(t *testing.T) {
	s := newWebhookScene(t, scaled())
	s.svc.AllowPrivateTargets = false
	for _, u := range []string{"http://127.0.0.1:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest", "ftp://example.org/x",
		// Outside check (security): forms of an internal address that
		// IsGlobalUnicast calls global. 0.0.0.0/8 reaches the host itself
		// on Linux; NAT64, 6to4 and IPv4-compatible IPv6 carry an IPv4
		// address inside; the rest are reserved (RFC 6890).
		"http://0.0.0.1:5432/", "http://0.1.2.3/", "http://[::ffff:127.0.0.1]/", "http://[::127.0.0.1]/",
		"http://[64:ff9b::a9fe:a9fe]/latest", "http://[2002:a9fe:a9fe::]/", "http://[2001:0:a9fe:a9fe::]/",
		"http://198.18.0.1/", "http://192.0.0.1/", "http://240.0.0.1/", "http://[2001:db8::1]/",
		"http://localhost/x", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://[fd00:ec2::254]/",
		"http://[::1]/", "file:///etc/passwd", "gopher://127.0.0.1/"} {
		_, err := s.svc.CreateWebhook(context.Background(), &s.manager, s.org.ID, integrations.WebhookInput{URL: u, Kinds: []string{"consultation_opened"}})
		if err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}

// TestWebhookPrivateTargetRefusedAtConnect: a webhook whose host turns to
// an internal address after it was made (DNS rebinding, or a stored URL
// the registration check let through) is refused when the delivery
// connects, not only when the webhook is made: the receiver on this host
// gets nothing and the attempt says why (outside check, security).
func TestWebhookPrivateTargetRefusedAtConnect(t *testing.T) {
	s := newWebhookScene(t, []time.Duration{time.Hour})
	ctx := context.Background()
	// The delivery client is built on first use: from here on it is the
	// production one.
	s.svc.AllowPrivateTargets = false
	_, port, _ := strings.Cut(strings.TrimPrefix(s.recv.srv.URL, "http://"), ":")
	for i, host := range []string{"localhost", "0.0.0.1", "[::ffff:127.0.0.1]"} {
		if _, err := s.DB.Exec(ctx, `UPDATE webhooks SET url = $2 WHERE id = $1`, s.hook.ID, "http://"+host+":"+port+"/hook"); err != nil {
			t.Fatal(err)
		}
		s.openConsultations(t, 1)
		if _, err := s.svc.FanOut(ctx); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 15*time.Second, host+": the attempt", func() bool {
			d := s.deliveries(t)
			return len(d) == i+1 && d[0].AttemptCount == 1
		})
		d := s.deliveries(t)[0]
		if d.Status == "delivered" || !strings.Contains(d.LastError, "内网") {
			t.Errorf("%s: delivery %s, last error %q; want refused as an internal address", host, d.Status, d.LastError)
		}
	}
	s.recv.mu.Lock()
	defer s.recv.mu.Unlock()
	if len(s.recv.accepted) != 0 || s.recv.badSig != 0 {
		t.Fatalf("the internal receiver was reached: %v", s.recv.accepted)
	}
}
