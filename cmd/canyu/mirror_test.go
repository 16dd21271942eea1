package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/examples/mirror"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/opendata"
)

// startServe runs `canyu serve` (Main) on :0 and returns its base URL.
func startServe(t *testing.T) (*Main, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	dir := t.TempDir()
	m := &Main{Config: Config{DatabaseURL: pgtest.NewURL(t), LogLevel: "warn", DataDir: dir}, Logger: obs.NewLogger(&logs, "warn"), Listener: ln}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; m.Close() })
	base := "http://" + ln.Addr().String()
	for i := 0; ; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			return m, base
		}
		if i > 100 {
			t.Fatal("serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// truth reads everything public straight from the open_* views.
func truth(t *testing.T, m *Main) map[mirror.Key]any {
	t.Helper()
	rows, err := m.DB.Query(context.Background(), `
		SELECT 'decision', id, to_jsonb(v) FROM open_decisions v UNION ALL
		SELECT 'version', id, to_jsonb(v) FROM open_versions v UNION ALL
		SELECT 'comment', id, to_jsonb(v) FROM open_comments v UNION ALL
		SELECT 'disposition', id, to_jsonb(v) FROM open_dispositions v UNION ALL
		SELECT 'adoption_report', id, to_jsonb(v) FROM open_adoption_reports v UNION ALL
		SELECT 'survey', id, to_jsonb(v) FROM open_surveys v UNION ALL
		SELECT 'survey_results', id, to_jsonb(v) FROM open_survey_results v UNION ALL
		SELECT 'record_head', id, to_jsonb(v) FROM open_record_heads v`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[mirror.Key]any{}
	for rows.Next() {
		var k mirror.Key
		var raw []byte
		if err := rows.Scan(&k.Kind, &k.ID, &raw); err != nil {
			t.Fatal(err)
		}
		var v any
		json.Unmarshal(raw, &v)
		out[k] = v
	}
	return out
}

// differs says how the mirror differs from the service; "" when equal.
func differs(mr *mirror.Mirror, want map[mirror.Key]any) string {
	if len(mr.Objects) != len(want) {
		return fmt.Sprintf("mirror holds %d objects, the service %d", len(mr.Objects), len(want))
	}
	for k, w := range want {
		var got any
		if raw, ok := mr.Objects[k]; !ok || json.Unmarshal(raw, &got) != nil || !reflect.DeepEqual(got, w) {
			return fmt.Sprintf("%v differs:\nmirror  %s\nservice %v", k, mr.Objects[k], w)
		}
	}
	return ""
}

// syncToTruth syncs the mirror until it equals the service. The service's
// own jobs (comment checkpoints append to the record every few seconds)
// may change a record head between a sync and the comparison, so a
// difference is retried with a fresh sync for a few seconds.
func syncToTruth(t *testing.T, label string, m *Main, mr *mirror.Mirror) int {
	t.Helper()
	applied, diff := 0, ""
	for try := 0; try < 30; try++ {
		n, err := mr.Sync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		applied += n
		if diff = differs(mr, truth(t, m)); diff == "" {
			return applied
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %s", label, diff)
	return applied
}

// TestMirrorExample runs the example integration (examples/mirror) against
// `canyu serve` through more than 10,000 changes: comments published in
// bulk, anonymised by their authors (redactions), rejected after
// publication and deleted, a decision's comments hidden and shown again.
// After every round the mirror equals what the open_* views show; a second
// mirror starts halfway from a signed bulk export plus the feed and ends
// equal too; an export with a forged manifest is refused.
func TestMirrorExample(t *testing.T) {
	m, base := startServe(t)
	ctx := context.Background()
	ids := identity.NewService(m.DB, identity.LogSMSSender{Logger: m.Logger})
	cs := consultation.NewService(m.DB, nil)
	for _, a := range []identity.AgencyInput{{Code: "pdsszf", Name: "平顶山市人民政府", Kind: identity.AgencyGovernment},
		{Code: "jyj", Name: "平顶山市教育局", Kind: identity.AgencyDepartment}} {
		if _, err := ids.CreateAgency(ctx, nil, a); err != nil {
			t.Fatal(err)
		}
	}
	staff, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: identity.RoleAgencyStaff, Phone: "13900000001", DisplayName: "教育局工作人员", AgencyCode: "jyj", Password: "correct-horse-9"})
	if err != nil {
		t.Fatal(err)
	}
	resident, err := ids.CreateAccount(ctx, nil, identity.AccountInput{Role: identity.RoleResident, Phone: "13900000002", DisplayName: "居民甲", Password: "correct-horse-9"})
	if err != nil {
		t.Fatal(err)
	}
	var consultationIDs []int64
	for i := 0; i < 2; i++ {
		d, err := cs.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: fmt.Sprintf("平顶山市课后服务管理办法（%d）", i),
			Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。", Explanation: "说明"}); err != nil {
			t.Fatal(err)
		}
		k, err := cs.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{EndsAt: time.Now().Add(consultation.MinConsultationWindow + time.Hour),
			WaysToComment: "登录本平台提出意见", ShowComments: true})
		if err != nil {
			t.Fatal(err)
		}
		consultationIDs = append(consultationIDs, k.ID)
	}
	made := 0 // rows changed by the rounds: the changes the mirror goes through
	exec := func(sql string, args ...any) {
		t.Helper()
		// The comment-checkpoint job seals comments meanwhile; a bulk
		// update in random order can deadlock with it: try again.
		tag, err := m.DB.Exec(ctx, sql, args...)
		for try := 0; err != nil && strings.Contains(err.Error(), "40P01") && try < 5; try++ {
			tag, err = m.DB.Exec(ctx, sql, args...)
		}
		if err != nil {
			t.Fatal(err)
		}
		made += int(tag.RowsAffected())
	}
	round := func(r int) {
		// 1,500 new published comments, spread over both decisions.
		exec(`INSERT INTO comments (decision_id, consultation_id, version_id, account_id, receipt, stance, body, body_hash, normalized_hash, status, created_at)
			SELECT k.decision_id, k.id, k.version_id, $1, 'M' || $2::int || '-' || k.id || '-' || g, 'suggestion', '第' || $2::int || '轮意见' || g,
				md5(g::text), md5(g::text), 'published', now()
			FROM consultations k, generate_series(1, 750) g`, resident.ID, r)
		// Redactions: authors anonymise 100 (as DeleteMyData does).
		exec(`UPDATE comments SET body = '（该居民已删除个人数据）', anonymised_at = now()
			WHERE id IN (SELECT id FROM comments WHERE anonymised_at IS NULL AND status = 'published' ORDER BY random() LIMIT 100)`)
		// 100 rejected after publication, 50 deleted, 200 edited (new text).
		exec(`UPDATE comments SET status = 'rejected', rejection_reason = 'personal_information'
			WHERE id IN (SELECT id FROM comments WHERE status = 'published' ORDER BY random() LIMIT 100)`)
		exec(`DELETE FROM comments WHERE id IN (SELECT id FROM comments ORDER BY random() LIMIT 50)`)
		exec(`UPDATE comments SET body = body || '（补充）' WHERE id IN (SELECT id FROM comments WHERE status = 'published' ORDER BY random() LIMIT 200)`)
		// A consultation hides its comments, the other shows them again.
		exec(`UPDATE consultations SET show_comments = ($1::int % 2 = 0) WHERE id = $2`, r, consultationIDs[r%2])
	}

	first := mirror.New(base)
	changes := 0
	var fromExport *mirror.Mirror
	for r := 1; r <= 6; r++ {
		round(r)
		changes += syncToTruth(t, fmt.Sprintf("round %d", r), m, first)
		if r == 3 {
			// Halfway: a signed export, and a second mirror started from it.
			signer, err := record.LoadSigningKey(m.Config.DataDir, "")
			if err != nil {
				t.Fatal(err)
			}
			exec(`DELETE FROM open_data_exports`)
			ex, err := opendata.New(m.DB).BuildExport(ctx, signer)
			if err != nil {
				t.Fatal(err)
			}
			fromExport = mirror.New(base)
			if err := fromExport.LoadExport(ctx, ex.ID); err != nil {
				t.Fatal(err)
			}
			forged := mirror.New(base)
			other, _ := record.GenerateSigner()
			forged.PublicKey = other.PublicKey()
			if err := forged.LoadExport(ctx, ex.ID); err != mirror.ErrBadSignature {
				t.Fatalf("an export checked against another key: %v", err)
			}
		}
	}
	if made < 10000 {
		t.Fatalf("only %d changes made", made)
	}
	syncToTruth(t, "from export + feed", m, fromExport)
	t.Logf("%d changes made, %d feed items applied (one per object and sync), %d objects mirrored", made, changes, len(first.Objects))
}
