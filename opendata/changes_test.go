package opendata_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

type changeJSON struct {
	Seq     int64           `json:"seq"`
	Kind    string          `json:"kind"`
	ID      int64           `json:"id"`
	Removed bool            `json:"removed"`
	Data    json.RawMessage `json:"data"`
}

type pageJSON struct {
	Items []changeJSON `json:"items"`
	Next  int64        `json:"next"`
	More  bool         `json:"more"`
}

// feedScene is a decision of 市教育局 with a draft, not yet public.
type feedScene struct {
	*testenv.Env
	staff    identity.Account
	decision consultation.Decision
}

func newFeedScene(t testing.TB) *feedScene {
	t.Helper()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	d, err := e.Consultation.CreateDecision(context.Background(), &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.CreateDraftVersion(context.Background(), &staff, d.ID, consultation.DraftVersionInput{
		Text: "第一条 为规范课后服务，制定本办法。\n第二条 本办法适用于城区公办学校。", Explanation: "起草说明"}); err != nil {
		t.Fatal(err)
	}
	return &feedScene{Env: e, staff: staff, decision: d}
}

func (s *feedScene) open(t testing.TB) {
	t.Helper()
	s.OpenConsultation(&s.staff, s.decision.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
}

// all pages through the feed from since to its end.
func (s *feedScene) all(t *testing.T, since int64) ([]changeJSON, int64) {
	t.Helper()
	var out []changeJSON
	for {
		var p pageJSON
		s.Do("GET", fmt.Sprintf("/open-data/changes?since=%d&limit=2", since), "", nil).Expect(t, 200, "").JSON(t, &p)
		for _, it := range p.Items {
			if it.Seq <= since {
				t.Fatalf("seq %d not after %d", it.Seq, since)
			}
			since = it.Seq
		}
		out = append(out, p.Items...)
		if p.Next != since {
			t.Fatalf("next %d, last seq %d", p.Next, since)
		}
		if !p.More {
			return out, since
		}
	}
}

func find(items []changeJSON, kind string, id int64) (changeJSON, bool) {
	var last changeJSON
	found := false
	for _, it := range items {
		if it.Kind == kind && it.ID == id {
			last, found = it, true
		}
	}
	return last, found
}

// TestChangeFeed follows one decision from private draft to a published,
// then anonymised comment: a private object never appears, a public one
// appears with its public fields, one that stops being public becomes a
// tombstone, and an unchanged page answers 304 to its ETag.
func TestChangeFeed(t *testing.T) {
	s := newFeedScene(t)
	ctx := context.Background()
	items, since := s.all(t, 0)
	if len(items) != 0 {
		t.Fatalf("a private draft appeared: %+v", items)
	}

	s.open(t)
	items, since = s.all(t, since)
	if _, ok := find(items, "decision", s.decision.ID); !ok {
		t.Fatalf("no decision in %+v", items)
	}
	if _, ok := find(items, "record_head", s.decision.ID); !ok {
		t.Fatalf("no record head in %+v", items)
	}
	versions := 0
	for _, it := range items {
		if it.Kind == "version" {
			versions++
		}
	}
	if versions != 1 {
		t.Fatalf("want the consulted version once: %+v", items)
	}
	dec, _ := find(items, "decision", s.decision.ID)
	var dj struct {
		Title          string `json:"title"`
		LeadAgencyCode string `json:"lead_agency_code"`
		CreatedBy      *int64 `json:"created_by"`
	}
	if err := json.Unmarshal(dec.Data, &dj); err != nil || dj.Title != s.decision.Title || dj.LeadAgencyCode != "jyj" || dj.CreatedBy != nil {
		t.Fatalf("decision data %s (%v)", dec.Data, err)
	}

	resident, _ := s.Account(identity.RoleResident, "")
	c, _, err := s.Consultation.SubmitComment(ctx, &resident, s.decision.ID, consultation.CommentInput{Body: "建议把收费标准降到200元。"})
	if err != nil {
		t.Fatal(err)
	}
	items, since = s.all(t, since)
	if _, ok := find(items, "comment", c.ID); ok {
		t.Fatalf("a pending comment appeared: %+v", items)
	}

	if _, err := s.Consultation.ModerateComment(ctx, &s.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatal(err)
	}
	items, since = s.all(t, since)
	got, ok := find(items, "comment", c.ID)
	var cj struct {
		Body       string `json:"body"`
		AuthorName string `json:"author_name"`
		Receipt    string `json:"receipt"`
		AccountID  *int64 `json:"account_id"`
	}
	if !ok || got.Removed || json.Unmarshal(got.Data, &cj) != nil || cj.Body != "建议把收费标准降到200元。" || cj.AuthorName == "" ||
		cj.Receipt != "" || cj.AccountID != nil {
		t.Fatalf("published comment: %+v %s", got, got.Data)
	}

	// An unchanged page: 304 to its ETag; a change makes a new ETag.
	r := s.Do("GET", fmt.Sprintf("/open-data/changes?since=%d", since), "", nil).Expect(t, 200, "")
	etag := r.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	r = s.DoHeaders("GET", fmt.Sprintf("/open-data/changes?since=%d", since), "", nil, map[string]string{"If-None-Match": etag})
	if r.Status != 304 || len(r.Body) != 0 {
		t.Fatalf("If-None-Match: %d %s", r.Status, r.Body)
	}

	// The author deletes her data: the comment is anonymised, and the feed
	// says to drop it.
	if _, err := s.Consultation.DeleteMyData(ctx, &resident, true); err != nil {
		t.Fatal(err)
	}
	r = s.DoHeaders("GET", fmt.Sprintf("/open-data/changes?since=%d", since), "", nil, map[string]string{"If-None-Match": etag})
	if r.Status != 200 || r.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d %s", r.Status, r.Header.Get("ETag"))
	}
	items, _ = s.all(t, since)
	got, ok = find(items, "comment", c.ID)
	if !ok || !got.Removed || got.Data != nil {
		t.Fatalf("anonymised comment: %+v", items)
	}

	// From the beginning, the comment appears once, as its tombstone (the
	// feed keeps an object's latest change only).
	items, _ = s.all(t, 0)
	n := 0
	for _, it := range items {
		if it.Kind == "comment" {
			n++
			if !it.Removed {
				t.Fatalf("full read shows the anonymised text: %+v", it)
			}
		}
	}
	if n != 1 {
		t.Fatalf("comment appears %d times", n)
	}
	s.Do("GET", "/open-data/changes?since=-1", "", nil).Expect(t, 422, "")
}
