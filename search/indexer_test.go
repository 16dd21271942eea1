package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/search"
)

// searchScene is a decision under consultation (comments shown publicly)
// with the lead unit's staff and some residents.
type searchScene struct {
	*testenv.Env
	decision  consultation.Decision
	anchors   []string
	staff     identity.Account
	other     identity.Account // staff of another unit
	residents []identity.Account
}

func newSearchScene(t testing.TB, residents int) *searchScene {
	t.Helper()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	e.Agency("wjw", "平顶山市卫生健康委员会", identity.AgencyDepartment)
	s := &searchScene{Env: e}
	s.staff, _ = e.Account(identity.RoleAgencyStaff, "zjj")
	s.other, _ = e.Account(identity.RoleAgencyStaff, "wjw")
	for range residents {
		a, _ := e.Account(identity.RoleResident, "")
		s.residents = append(s.residents, a)
	}
	ctx := context.Background()
	d, err := e.Consultation.CreateDecision(ctx, &s.staff, consultation.DecisionInput{Title: "平顶山市老旧小区停车管理办法",
		Summary: "缓解老旧小区停车难问题", Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities,
		DecisionBody: "pdsszf", LeadAgency: "zjj"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Consultation.CreateDraftVersion(ctx, &s.staff, d.ID, consultation.DraftVersionInput{
		Text:        "第一条 为规范老旧小区停车秩序，制定本办法。\n第二条 本办法适用于本市城区老旧小区。\n第三条 小区内新增共享充电桩，由物业统一管理。",
		Explanation: "起草说明"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Articles {
		s.anchors = append(s.anchors, a.Anchor)
	}
	e.OpenConsultation(&s.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
	s.decision = d
	return s
}

func (s *searchScene) comment(t *testing.T, resident int, anchor, body string) consultation.Comment {
	t.Helper()
	c, _, err := s.Consultation.SubmitComment(context.Background(), &s.residents[resident], s.decision.ID,
		consultation.CommentInput{ArticleAnchor: anchor, Body: body, ClientAddr: fmt.Sprintf("10.0.0.%d", resident+1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (s *searchScene) moderate(t *testing.T, id int64, action consultation.ModerationAction) {
	t.Helper()
	reason := ""
	if action == consultation.ModerationReject {
		reason = "off_topic"
	}
	if _, err := s.Consultation.ModerateComment(context.Background(), &s.staff, id, action, reason); err != nil {
		t.Fatal(err)
	}
}

// find searches the public index directly (without the store check of
// search.Service) and returns the ids of the hits.
func find(t *testing.T, idx search.Index, q search.Query) map[string]search.Hit {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 100
	}
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]search.Hit{}
	for _, h := range res.Hits {
		out[h.Document.ID] = h
	}
	return out
}

func commentID(id int64) string { return fmt.Sprintf("comment-%d", id) }

func TestIndexerCommentLifecycle(t *testing.T) {
	s := newSearchScene(t, 1)
	ctx := context.Background()
	c := s.comment(t, 0, s.anchors[0], "小区停车难，晚上回家找不到车位，建议利用边角地增加停车位")
	s.DrainSearch()

	t.Run("ArticleLandsOnAnchor", func(t *testing.T) {
		hits := find(t, s.Index, search.Query{Text: "充电桩", Types: []search.DocType{search.TypeArticle}})
		want := fmt.Sprintf("/decisions/%d#%s", s.decision.ID, s.anchors[2])
		found := false
		for _, h := range hits {
			if h.Document.URL == want && h.Document.ArticleLabel == "第三条" {
				found = true
			}
		}
		if !found {
			t.Fatalf("no article hit landing on %s: %+v", want, hits)
		}
	})
	t.Run("PendingNotPublic", func(t *testing.T) {
		if _, ok := find(t, s.Index, search.Query{Text: "车位"})[commentID(c.ID)]; ok {
			t.Fatal("a pending comment is in the public index")
		}
		res, err := s.Search.SearchAgencyComments(ctx, &s.staff, s.decision.ID, search.Query{Text: "车位"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Document.ModerationStatus != "pending" {
			t.Fatalf("staff search: %+v", res.Hits)
		}
	})
	t.Run("PublishedBecomesSearchable", func(t *testing.T) {
		s.moderate(t, c.ID, consultation.ModerationPublish)
		s.DrainSearch()
		res, err := s.Search.Search(ctx, search.Query{Text: "停车位"})
		if err != nil {
			t.Fatal(err)
		}
		var hit *search.Hit
		for i := range res.Hits {
			if res.Hits[i].Document.ID == commentID(c.ID) {
				hit = &res.Hits[i]
			}
		}
		if hit == nil {
			t.Fatalf("published comment not found: %+v", res.Hits)
		}
		if !strings.Contains(hit.Snippet, search.HighlightPre) {
			t.Errorf("snippet without highlight: %q", hit.Snippet)
		}
		if want := fmt.Sprintf("#comment-%d", c.ID); !strings.HasSuffix(hit.Document.URL, want) {
			t.Errorf("url %q does not land on the comment", hit.Document.URL)
		}
	})
	t.Run("RejectedHiddenBeforeAndAfterIndexing", func(t *testing.T) {
		s.moderate(t, c.ID, consultation.ModerationReject)
		// Not indexed yet: the store check hides it already.
		res, err := s.Search.Search(ctx, search.Query{Text: "停车位"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			if h.Document.ID == commentID(c.ID) {
				t.Fatal("rejected comment shown before the indexer ran")
			}
		}
		s.DrainSearch()
		if _, ok := find(t, s.Index, search.Query{Text: "停车位"})[commentID(c.ID)]; ok {
			t.Fatal("rejected comment still in the public index")
		}
		staff, err := s.Search.SearchAgencyComments(ctx, &s.staff, s.decision.ID, search.Query{Text: "停车位"})
		if err != nil {
			t.Fatal(err)
		}
		if len(staff.Hits) != 1 || staff.Hits[0].Document.ModerationStatus != "rejected" {
			t.Fatalf("staff search after rejection: %+v", staff.Hits)
		}
	})
	t.Run("OtherStaffRefused", func(t *testing.T) {
		_, err := s.Search.SearchAgencyComments(ctx, &s.other, s.decision.ID, search.Query{Text: "车位"})
		if err == nil {
			t.Fatal("staff of another unit searched the comments")
		}
	})
}

func TestIndexerBackendDown(t *testing.T) {
	s := newSearchScene(t, 1)
	ctx := context.Background()
	s.DrainSearch()
	s.Index.Stop()
	s.StaffIndex.Stop()

	// Writes keep succeeding: they only add outbox rows.
	c := s.comment(t, 0, "", "建议夜间开放学校操场停车，缓解停车难")
	s.moderate(t, c.ID, consultation.ModerationPublish)

	res, err := s.Indexer.DrainOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed == 0 || res.Applied != 0 {
		t.Fatalf("batch while down: %+v", res)
	}
	var attempts int
	var next time.Time
	if err := s.DB.QueryRow(ctx, `SELECT max(attempts), min(next_attempt_at) FROM search_outbox`).Scan(&attempts, &next); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || !next.After(s.Clock.Now()) {
		t.Fatalf("attempts %d, next attempt %v (now %v)", attempts, next, s.Clock.Now())
	}
	backlog, err := s.Indexer.Backlog(ctx)
	if err != nil || backlog.Rows == 0 {
		t.Fatalf("backlog %+v, %v", backlog, err)
	}
	// Not due yet: backoff is honoured even when the backend is back.
	s.Index.Start()
	s.StaffIndex.Start()
	if res, err := s.Indexer.DrainOnce(ctx); err != nil || res.Claimed != 0 {
		t.Fatalf("claimed rows before their next attempt: %+v, %v", res, err)
	}
	// The first write that succeeds after the outage makes the backed-off
	// rows due at once: the backlog drains without waiting out the backoff.
	c2 := s.comment(t, 0, "", "建议增加公交夜班线路")
	s.moderate(t, c2.ID, consultation.ModerationPublish)
	if res, err := s.Indexer.DrainOnce(ctx); err != nil || res.Applied == 0 || res.Failed != 0 {
		t.Fatalf("first batch after recovery: %+v, %v", res, err)
	}
	s.DrainSearch()
	if backlog, _ := s.Indexer.Backlog(ctx); backlog.Rows != 0 {
		t.Fatalf("backlog after recovery: %+v", backlog)
	}
	found := find(t, s.Index, search.Query{Text: "操场"})
	if _, ok := found[commentID(c.ID)]; !ok {
		t.Fatal("comment not indexed after the backend came back")
	}
	if _, ok := find(t, s.Index, search.Query{Text: "夜班"})[commentID(c2.ID)]; !ok {
		t.Fatal("comment written after the outage not indexed")
	}
}

// TestIndexerTwoWorkers runs two indexers at once while comments flip
// between published and rejected: after every burst of updates, once the
// workers have drained the outbox, the index must match the store exactly.
// (Without the per-group advisory lock in Indexer.DrainOnce this fails: a
// worker that read an older state writes after one that read a newer one,
// and no row is left to correct it.)
func TestIndexerTwoWorkers(t *testing.T) {
	const comments, rounds = 3, 25
	s := newSearchScene(t, comments)
	ctx := context.Background()
	var ids []int64
	for i := range comments {
		c := s.comment(t, i, s.anchors[i%len(s.anchors)], fmt.Sprintf("停车收费标准第%d种意见：建议公开收费明细", i+1))
		ids = append(ids, c.ID)
	}
	// Writes that take a while widen the window between reading the store
	// and writing the index, where two unordered workers would overtake
	// each other.
	workers := []*search.Indexer{
		search.NewIndexer(s.DB, slowIndex{s.Index}, slowIndex{s.StaffIndex}, nil),
		search.NewIndexer(s.DB, slowIndex{s.Index}, slowIndex{s.StaffIndex}, nil)}
	for _, w := range workers {
		w.BatchSize = 2 // small batches: many claims interleave
		w.Now = s.Clock.Now
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errc := make(chan error, len(workers))
	for _, w := range workers {
		loopUntil(&wg, stop, func() error {
			res, err := w.DrainOnce(ctx)
			if err == nil && res.Claimed == 0 {
				time.Sleep(time.Millisecond)
			}
			return err
		}, func(err error) { errc <- err })
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for round := range rounds {
		// A burst of flips, straight to the table (the trigger fires as for
		// the service's moderation), about as fast as the workers go.
		for range 4 {
			for _, id := range ids {
				status := "published"
				if rand.IntN(2) == 1 {
					status = "rejected"
				}
				if _, err := s.DB.Exec(ctx, `UPDATE comments SET status = $2 WHERE id = $1`, id, status); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(rand.IntN(4)) * time.Millisecond)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			b, err := s.Indexer.Backlog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if b.Rows == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: outbox not drained: %+v", round, b)
			}
			time.Sleep(5 * time.Millisecond)
		}
		select {
		case err := <-errc:
			t.Fatal(err)
		default:
		}
		indexed := find(t, s.Index, search.Query{Text: "收费明细"})
		for _, id := range ids {
			var status string
			if err := s.DB.QueryRow(ctx, `SELECT status FROM comments WHERE id = $1`, id).Scan(&status); err != nil {
				t.Fatal(err)
			}
			if _, in := indexed[commentID(id)]; in != (status == "published") {
				t.Fatalf("round %d, comment %d: store %s, in public index %v", round, id, status, in)
			}
		}
		staff, err := s.Search.SearchAgencyComments(ctx, &s.staff, s.decision.ID, search.Query{Text: "收费明细"})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range staff.Hits {
			var status string
			s.DB.QueryRow(ctx, `SELECT status FROM comments WHERE id = $1`, strings.TrimPrefix(h.Document.ID, "comment-")).Scan(&status)
			if h.Document.ModerationStatus != status {
				t.Fatalf("round %d, %s: staff index says %s, store %s", round, h.Document.ID, h.Document.ModerationStatus, status)
			}
		}
	}
}

// slowIndex delays writes by a random few milliseconds.
type slowIndex struct{ search.Index }

func (x slowIndex) Upsert(ctx context.Context, docs []search.Document) error {
	time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond)
	return x.Index.Upsert(ctx, docs)
}

func (x slowIndex) Delete(ctx context.Context, ids []string) error {
	time.Sleep(time.Duration(rand.IntN(15)) * time.Millisecond)
	return x.Index.Delete(ctx, ids)
}

func TestOutboxWrittenWithTheChange(t *testing.T) {
	s := newSearchScene(t, 1)
	ctx := context.Background()
	s.DrainSearch()
	cases := []struct {
		name   string
		change func()
		want   string // doc_type:lock_key expected among the new rows
	}{
		{"CommentSubmitted", func() { s.comment(t, 0, "", "停车位太少") }, "comment:comments:"},
		{"DecisionEdited", func() {
			if _, err := s.DB.Exec(ctx, `UPDATE decisions SET status = status WHERE id = $1`, s.decision.ID); err != nil {
				t.Fatal(err)
			}
		}, "decision:decision:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.DB.Exec(ctx, `DELETE FROM search_outbox`); err != nil {
				t.Fatal(err)
			}
			c.change()
			var rows []string
			r, err := s.DB.Query(ctx, `SELECT doc_type || ':' || lock_key FROM search_outbox`)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var v string
				r.Scan(&v)
				rows = append(rows, v)
			}
			found := false
			for _, v := range rows {
				if strings.HasPrefix(v, c.want) {
					found = true
				}
			}
			if !found {
				t.Fatalf("outbox rows %v, want one starting with %s", rows, c.want)
			}
		})
	}
}
