package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/notifytest"
	"github.com/canyu-gov/canyu/internal/testenv"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkNotificationStorm is issue 17's storm: CANYU_NOTIFY_BENCH_SUBSCRIBERS
// (default 50,000) residents follow one domain; a consultation opens in it
// while residents submit comments on another decision through the API
// (8 clients, as fast as they can). It reports how long until every
// follower has the notification (fanout_s, from the commit of the opening;
// target under 300 s) and comment throughput before and after the storm
// (CANYU_NOTIFY_BENCH_SECONDS each, default 20 s) and during it (from the
// opening until the last follower has it); target: the storm costs under
// 10%. Run with -benchtime=1x:
//
//	go test ./notify -run '^$' -bench NotificationStorm -benchtime=1x
func BenchmarkNotificationStorm(b *testing.B) {
	for range b.N {
		storm(b)
	}
}

func storm(b *testing.B) {
	subscribers := envInt("CANYU_NOTIFY_BENCH_SUBSCRIBERS", 50_000)
	window := time.Duration(envInt("CANYU_NOTIFY_BENCH_SECONDS", 20)) * time.Second
	const clients = 8
	e := testenv.New(b)
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	e.Agency("wjw", "平顶山市卫生健康委员会", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	health, _ := e.Account(identity.RoleAgencyStaff, "wjw")
	e.Consultation.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	// The followers, written in bulk (creating 50,000 accounts through the
	// service would take the benchmark's whole budget in password hashing).
	if _, err := e.DB.Exec(ctx, `INSERT INTO accounts (role, phone, display_name, pseudonym, password_hash, verified_at)
		SELECT 'resident', '137' || lpad(i::text, 8, '0'), '关注者' || i, '市民F' || i, 'x', now() FROM generate_series(1, $1) i`,
		subscribers); err != nil {
		b.Fatal(err)
	}
	if _, err := e.DB.Exec(ctx, `INSERT INTO subscriptions (account_id, domain) SELECT id, 'education_culture' FROM accounts
		WHERE phone LIKE '137%'`); err != nil {
		b.Fatal(err)
	}
	// Planner statistics for the bulk-filled tables (autovacuum may be off,
	// as on the benchmark machine: BENCHMARKS.md).
	if _, err := e.DB.Exec(ctx, `ANALYZE accounts, subscriptions`); err != nil {
		b.Fatal(err)
	}
	notifytest.StartWorkers(b, e.DB, e.Notify)

	draft := consultation.DraftVersionInput{Text: "第一条 为规范管理，制定本办法。\n第二条 本办法自公布之日起施行。", Explanation: "起草说明",
		LegalBasis: []string{"《中华人民共和国教育法》"}}
	// The decision residents comment on (another domain, nobody follows it).
	commented, err := e.Consultation.CreateDecision(ctx, &health, consultation.DecisionInput{Title: "平顶山市社区卫生服务管理办法",
		Category: consultation.CategorySocialManagement, Domain: consultation.DomainHealth, DecisionBody: "pdsszf", LeadAgency: "wjw"})
	must(b, err)
	_, err = e.Consultation.CreateDraftVersion(ctx, &health, commented.ID, draft)
	must(b, err)
	e.OpenConsultation(&health, commented.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	// The decision whose opening is the storm.
	stormy, err := e.Consultation.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategorySocialManagement, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	must(b, err)
	_, err = e.Consultation.CreateDraftVersion(ctx, &staff, stormy.ID, draft)
	must(b, err)

	tokens := make([]string, clients)
	for i := range tokens {
		_, tokens[i] = e.Account(identity.RoleResident, "")
	}
	path := "/api/v1/decisions/" + strconv.FormatInt(commented.ID, 10) + "/comments"
	// submitUntil posts comments from every client until stop is closed
	// and returns comments a second.
	submitUntil := func(stop <-chan struct{}) float64 {
		var ok, failed atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 30 * time.Second}
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					body := fmt.Sprintf(`{"body": "第%d位居民的第%d条意见：建议增加社区医生的出诊时间。"}`, c, n)
					req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+tokens[c])
					resp, err := client.Do(req)
					if err == nil && resp.StatusCode == http.StatusCreated {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
					if resp != nil {
						resp.Body.Close()
					}
				}
			}()
		}
		wg.Wait()
		if f := failed.Load(); f > 0 {
			b.Errorf("%d comment submissions failed", f)
		}
		return float64(ok.Load()) / time.Since(start).Seconds()
	}
	submit := func(d time.Duration) float64 {
		stop := make(chan struct{})
		time.AfterFunc(d, func() { close(stop) })
		return submitUntil(stop)
	}

	submit(3 * time.Second) // warm-up
	before := submit(window)
	t0 := time.Now()
	e.OpenConsultation(&staff, stormy.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	var fanout time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Polled through the job's state, not by counting rows: a count
		// every few hundred milliseconds would itself load the database.
		for time.Since(t0) < 10*time.Minute {
			var finished *time.Time
			err := e.DB.QueryRow(ctx, `SELECT max(finalized_at) FROM river_job WHERE kind = 'notify_fan_out' AND state = 'completed'
				AND args->>'event_id' = (SELECT max(id)::text FROM domain_events WHERE kind = 'consultation_opened')`).Scan(&finished)
			if err != nil {
				b.Error(err)
				return
			}
			if finished != nil {
				fanout = finished.Sub(t0)
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	// During the storm: from the opening until the last follower has it.
	during := submitUntil(done)
	after := submit(window)
	var notified int
	must(b, e.DB.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind = 'consultation_opened'`).Scan(&notified))
	if fanout == 0 || notified != subscribers {
		b.Fatalf("%d of %d followers notified (fan-out %s)", notified, subscribers, fanout)
	}
	base := (before + after) / 2
	slowdown := 100 * (1 - during/base)
	b.ReportMetric(fanout.Seconds(), "fanout_s")
	b.ReportMetric(before, "comments/s_before")
	b.ReportMetric(during, "comments/s_storm")
	b.ReportMetric(after, "comments/s_after")
	b.ReportMetric(slowdown, "slowdown_%")
	b.Logf("%d followers notified in %.1f s; comments/s before %.1f, during the storm %.1f, after %.1f: %.1f%% slower",
		subscribers, fanout.Seconds(), before, during, after, slowdown)
}
