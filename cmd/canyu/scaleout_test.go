package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/meilifake"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
)

// roundRobin sends each request to the next instance, as a load balancer
// without affinity does.
type roundRobin struct {
	mu    sync.Mutex
	bases []string
	next  int
}

// do sends one request to the next instance and returns the status and
// the decoded JSON body.
func (rr *roundRobin) do(t *testing.T, method, path, token string, body any, headers map[string]string) (int, map[string]any) {
	t.Helper()
	rr.mu.Lock()
	base := rr.bases[rr.next%len(rr.bases)]
	rr.next++
	rr.mu.Unlock()
	return doAt(t, base, method, path, token, body, headers)
}

func doAt(t *testing.T, base, method, path, token string, body any, headers map[string]string) (int, map[string]any) {
	t.Helper()
	r := testenv.Send(t, base, method, path, token, body, headers)
	var out map[string]any
	_ = json.Unmarshal(r.Body, &out)
	return r.Status, out
}

// startInstance runs `canyu serve`'s Main on the database with search on
// the Meilisearch at meiliURL, until the test ends.
func startInstance(t *testing.T, dbURL, dataDir, meiliURL string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &testenv.SyncBuffer{}
	m := &Main{Config: Config{DatabaseURL: dbURL, LogLevel: "warn", DataDir: dataDir, MeiliURL: meiliURL},
		Logger: obs.NewLogger(logs, "warn"), Listener: ln}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("instance at %s: %v", ln.Addr(), err)
		}
		m.Close()
		if t.Failed() {
			t.Logf("instance at %s log:\n%s", ln.Addr(), logs.String())
		}
	})
	return "http://" + ln.Addr().String()
}

// TestTwoInstancesRoundRobin runs two service instances on one database
// and one Meilisearch (the stand-in at the external boundary) behind a
// round-robin client (README, "Scaling out"): a comment retried on the
// other instance is stored once, a resident answers a survey once, the
// per-minute comment limit counts across both, a scheduled job runs once,
// and both answer a search the same way.
func TestTwoInstancesRoundRobin(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "zjj")
	type resident struct {
		acc   identity.Account
		token string
	}
	var residents []resident
	for range 3 {
		a, tok := e.Account(identity.RoleResident, "")
		residents = append(residents, resident{a, tok})
	}
	d, err := e.Consultation.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市老旧小区停车管理办法",
		Summary: "缓解老旧小区停车难问题", Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
		DecisionBody: "pdsszf", LeadAgency: "zjj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{
		Text: "第一条 为规范老旧小区停车秩序，制定本办法。\n第二条 本办法适用于本市城区老旧小区。", Explanation: "起草说明"}); err != nil {
		t.Fatal(err)
	}
	e.OpenConsultation(&staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
	sv, err := e.Survey.CreateSurvey(ctx, &staff, survey.Input{Title: "老旧小区停车收费意见调查",
		PrivacyNotice: "平顶山市住房和城乡建设局收集您的回答，仅用于本次决策参考，保存两年。",
		ClosesAt:      e.Clock.Now().Add(7 * 24 * time.Hour), DecisionID: &d.ID})
	if err != nil {
		t.Fatal(err)
	}
	var questionID int64
	if sv, questionID, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, survey.QuestionInput{Kind: survey.KindSingleChoice,
		Title: "您是否赞成按时段收费？", Required: true,
		Config: survey.Config{Options: []survey.Option{{ID: "yes", Label: "赞成"}, {ID: "no", Label: "不赞成"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Survey.OpenSurvey(ctx, &staff, sv.ID); err != nil {
		t.Fatal(err)
	}

	fake := meilifake.New()
	if err := fake.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Stop)
	dataDir := t.TempDir() // one signing key for both (README: the same key on every instance)
	// And one survey key file, the one the test's own service already uses
	// on this database.
	if err := os.WriteFile(filepath.Join(dataDir, survey.RespondentKeyFilename), []byte(hex.EncodeToString(e.SurveyKey)), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startInstance(t, e.DatabaseURL, dataDir, fake.URL())
	b := startInstance(t, e.DatabaseURL, dataDir, fake.URL())
	rr := &roundRobin{bases: []string{a, b}}
	commentsPath := fmt.Sprintf("/api/v1/decisions/%d/comments", d.ID)

	t.Run("CommentOnceAcrossInstances", func(t *testing.T) {
		// Each resident's submission is retried with the same key: the
		// retry lands on the other instance and returns the first comment.
		for i, r := range residents[:2] {
			key := fmt.Sprintf("rr-key-%d", i)
			body := map[string]any{"body": fmt.Sprintf("桂花巷小区晚上停车太难了，建议错时开放机关停车场（第%d位居民）", i+1)}
			s1, c1 := rr.do(t, "POST", commentsPath, r.token, body, map[string]string{"Idempotency-Key": key})
			s2, c2 := rr.do(t, "POST", commentsPath, r.token, body, map[string]string{"Idempotency-Key": key})
			if s1 != http.StatusCreated || (s2 != http.StatusCreated && s2 != http.StatusOK) || c1["id"] != c2["id"] || c1["id"] == nil {
				t.Errorf("resident %d: %d %v then %d %v, want the same comment twice", i, s1, c1["id"], s2, c2["id"])
			}
		}
		var n int
		if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM comments WHERE decision_id = $1`, d.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d comments stored, want 2", n)
		}
	})

	t.Run("RateLimitAcrossInstances", func(t *testing.T) {
		// Five comments a minute per account (consultation.DefaultCommentLimits),
		// alternating instances: the sixth is refused whichever instance gets it.
		r := residents[2]
		limit := consultation.DefaultCommentLimits.PerAccountPerMinute
		for i := range limit + 1 {
			status, out := rr.do(t, "POST", commentsPath, r.token,
				map[string]any{"body": fmt.Sprintf("桂花巷第%d条意见：小区门口的临时车位应当夜间开放", i+1)}, nil)
			switch {
			case i < limit && status != http.StatusCreated:
				t.Errorf("comment %d: %d %v, want 201", i+1, status, out)
			case i == limit && (status != http.StatusTooManyRequests || out["code"] != "comment_rate_limited"):
				t.Errorf("comment %d over the limit: %d %v, want 429 comment_rate_limited", i+1, status, out)
			}
		}
	})

	t.Run("SurveyResponseOnce", func(t *testing.T) {
		answer := map[string]any{"answers": []map[string]any{{"question_id": questionID, "choices": []string{"yes"}}}}
		path := fmt.Sprintf("/api/v1/surveys/%d/responses", sv.ID)
		for i, r := range residents {
			if s, out := rr.do(t, "POST", path, r.token, answer, nil); s != http.StatusCreated {
				t.Errorf("resident %d: %d %v, want 201", i, s, out)
			}
			if s, out := rr.do(t, "POST", path, r.token, answer, nil); s != http.StatusConflict || out["code"] != "survey_already_answered" {
				t.Errorf("resident %d again on the other instance: %d %v, want 409 survey_already_answered", i, s, out)
			}
		}
		var n int
		if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM survey_responses WHERE survey_id = $1`, sv.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != len(residents) {
			t.Errorf("%d responses stored, want %d", n, len(residents))
		}
	})

	t.Run("SearchConsistent", func(t *testing.T) {
		rows, err := e.DB.Query(ctx, `SELECT id FROM comments WHERE decision_id = $1 ORDER BY id`, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if s, out := rr.do(t, "POST", fmt.Sprintf("/api/v1/comments/%d/moderation", id), staffToken,
				map[string]any{"action": "publish"}, nil); s != http.StatusOK {
				t.Fatalf("publishing comment %d: %d %v", id, s, out)
			}
		}
		// Both instances' indexers drain the one outbox into the one index.
		deadline := time.Now().Add(30 * time.Second)
		for {
			var left int
			if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM search_outbox`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d outbox rows left after 30 s", left)
			}
			time.Sleep(100 * time.Millisecond)
		}
		hitIDs := func(base string) []string {
			s, out := doAt(t, base, "GET", "/api/v1/search?q=%E6%A1%82%E8%8A%B1%E5%B7%B7&type=comment&limit=50", "", nil, nil)
			if s != http.StatusOK {
				t.Fatalf("search on %s: %d %v", base, s, out)
			}
			var got []string
			hits, _ := out["hits"].([]any)
			for _, h := range hits {
				if m, ok := h.(map[string]any); ok {
					got = append(got, fmt.Sprint(m["id"]))
				}
			}
			slices.Sort(got)
			return got
		}
		onA, onB := hitIDs(a), hitIDs(b)
		if len(onA) != len(ids) || !slices.Equal(onA, onB) {
			t.Errorf("桂花巷: instance A %v, instance B %v; want the same %d published comments on both", onA, onB, len(ids))
		}
	})

	t.Run("ScheduledJobRunsOnce", func(t *testing.T) {
		// The survey's close job (River, in PostgreSQL) falls due: both
		// instances work the queue, one runs it.
		if _, err := e.DB.Exec(ctx, `UPDATE surveys SET closes_at = now() WHERE id = $1`, sv.ID); err != nil {
			t.Fatal(err)
		}
		tag, err := e.DB.Exec(ctx, `UPDATE river_job SET scheduled_at = now() WHERE kind = 'close_survey' AND args->>'survey_id' = $1`,
			fmt.Sprint(sv.ID))
		if err != nil {
			t.Fatal(err)
		}
		if tag.RowsAffected() != 1 {
			t.Fatalf("%d close_survey jobs for the survey, want 1", tag.RowsAffected())
		}
		// Each state is awaited with a deadline: the survey closed, then its
		// job completed (no run of it in flight) before the entries are
		// counted, so a second run would have landed by then.
		deadline := time.Now().Add(30 * time.Second)
		await := func(what, query, want string) {
			t.Helper()
			for {
				var got string
				if err := e.DB.QueryRow(ctx, query, sv.ID).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got == want {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s still %s 30 s after its close job fell due", what, got)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		await("survey", `SELECT status FROM surveys WHERE id = $1`, "closed")
		await("the close job", `SELECT state::text FROM river_job WHERE kind = 'close_survey' AND (args->>'survey_id')::bigint = $1`, "completed")
		var closings int
		if err := e.DB.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = $2`,
			d.ID, string(survey.RecordSurveyClosed)).Scan(&closings); err != nil {
			t.Fatal(err)
		}
		if closings != 1 {
			t.Errorf("%d survey_closed entries in the process record, want 1", closings)
		}
	})
}
