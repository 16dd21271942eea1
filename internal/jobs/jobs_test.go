package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/jobs"
	"github.com/canyu-gov/canyu/internal/pgtest"
)

// TestConsultationClosesOnSchedule runs a real River worker on the real
// clock: a consultation ending in about two seconds is closed by the job
// scheduled in PostgreSQL when it opened (not by an in-memory timer, and not
// by the one-minute sweep, which ran once at start before anything was due),
// and an extended consultation's early job does nothing.
func TestConsultationClosesOnSchedule(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	ids := identity.NewService(db, nil)
	for _, a := range []identity.AgencyInput{{Code: "pdsszf", Name: "平顶山市人民政府", Kind: identity.AgencyGovernment},
		{Code: "jyj", Name: "平顶山市教育局", Kind: identity.AgencyDepartment}} {
		if _, err := ids.CreateAgency(ctx, nil, a); err != nil {
			t.Fatal(err)
		}
	}
	staff, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: identity.RoleAgencyStaff, Phone: "13900000001",
		DisplayName: "教育局工作人员", AgencyCode: "jyj", Password: "correct-horse-9"})
	if err != nil {
		t.Fatal(err)
	}

	svc := consultation.NewService(db, nil) // the real clock
	runner, err := jobs.New(db, svc, slog.New(slog.DiscardHandler), true)
	if err != nil {
		t.Fatal(err)
	}
	svc.Scheduler = runner
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		runner.Stop(sctx)
	})

	open := func(title string) (consultation.Decision, consultation.Consultation) {
		t.Helper()
		d, err := svc.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: title, Category: consultation.CategoryPublicServices,
			Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{
			Text: "第一条 为规范招生入学工作，制定本办法。", Explanation: "起草说明"}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{EndsAt: time.Now().Add(3 * time.Second),
			WaysToComment: "登录本平台提出意见", ShorteningReason: "测试用的极短期限"})
		if err != nil {
			t.Fatal(err)
		}
		return d, c
	}
	closing, c1 := open("到期自动结束的征求意见")
	extended, c2 := open("延长后的征求意见")
	later := c2.EndsAt.Add(time.Hour)
	if _, err := svc.ExtendConsultation(ctx, &staff, extended.ID, later, "延长一小时"); err != nil {
		t.Fatal(err)
	}
	if time.Until(c1.EndsAt) < time.Second {
		t.Fatalf("the window ends too soon to prove anything: %v", c1.EndsAt)
	}

	completedJobs := func(consultationID int64) int {
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'close_consultation'
			AND args->>'consultation_id' = $1 AND state = 'completed'`, strconv.FormatInt(consultationID, 10)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	recordKinds := func(decisionID int64) []string {
		var kinds []string
		rows, err := db.Query(ctx, `SELECT kind FROM record_entries WHERE decision_id = $1 ORDER BY seq`, decisionID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, k)
		}
		rows.Close()
		return kinds
	}
	// Each state is awaited on its own, with a deadline: River marks a job
	// completed in a batch after the work committed, so under a loaded
	// machine the decision is in handling while its job still shows
	// running (issue 12: this assertion failed once in a full CI run).
	// Within the 20 s only the scheduled job can close it: the one-minute
	// sweep ran at start, before the window ended.
	deadline := time.Now().Add(20 * time.Second)
	var status consultation.Status
	eventually(t, deadline, "the consultation closed by its scheduled job", func() (bool, string) {
		d, err := svc.GetDecision(ctx, nil, closing.ID)
		if err != nil {
			t.Fatal(err)
		}
		status = d.Status
		kinds := recordKinds(closing.ID)
		n := len(kinds)
		closed := status == consultation.StatusHandling && n >= 2 && kinds[n-2] == "consultation_closed" && kinds[n-1] == "stage_changed"
		return closed, fmt.Sprintf("decision %s, record %v", status, kinds)
	})
	cur, err := svc.CurrentConsultation(ctx, nil, closing.ID)
	if err != nil || cur.ClosedAt == nil || !cur.ClosedAt.Equal(c1.EndsAt) {
		t.Fatalf("closed consultation: %+v %v", cur, err)
	}
	eventually(t, deadline, "the close job of the closed consultation marked completed", func() (bool, string) {
		n := completedJobs(c1.ID)
		return n == 1, fmt.Sprintf("%d completed jobs", n)
	})
	eventually(t, deadline, "the early close job of the extended consultation worked", func() (bool, string) {
		n := completedJobs(c2.ID)
		return n > 0, fmt.Sprintf("%d completed jobs", n)
	})

	// The extended consultation's early job ran and left it open.
	d2, err := svc.GetDecision(ctx, nil, extended.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur2, err := svc.CurrentConsultation(ctx, nil, extended.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Status != consultation.StatusConsulting || cur2.ClosedAt != nil || !cur2.EndsAt.Equal(later) || !cur2.IsOpen(time.Now()) {
		t.Fatalf("extended consultation closed early: %s %+v", d2.Status, cur2)
	}
	var pending int
	db.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'close_consultation' AND args->>'consultation_id' = $1
		AND state = 'scheduled'`, strconv.FormatInt(c2.ID, 10)).Scan(&pending)
	if pending != 1 {
		t.Fatalf("%d close jobs pending for the extended end, want 1", pending)
	}
}

// eventually polls cond until it holds or the deadline passes, then fails
// naming what was awaited and the last state cond described.
func eventually(t *testing.T, deadline time.Time, what string, cond func() (bool, string)) {
	t.Helper()
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited for %s until the deadline; last state: %s", what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
