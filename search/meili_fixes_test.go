package search

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 16's Meilisearch findings, each checked against the fake server
// that follows the documented API (meilifake_test.go).

// TestMeiliFirstWriteAppliesSettings: Meilisearch was down when the
// service started, so ApplySettings failed; the first upload must not
// create the index with default settings (filters then failed with 400
// until a restart).
func TestMeiliFirstWriteAppliesSettings(t *testing.T) {
	m, f := newTestMeili(t)
	ctx := context.Background()
	f.fail("/version", 503, "internal") // down at start
	if err := m.ApplySettings(ctx); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("ApplySettings while down = %v, want ErrUnavailable", err)
	}
	if err := m.Upsert(ctx, meiliTestDocs()); err != nil {
		t.Fatal(err)
	}
	creates := f.requestsTo("POST", "/indexes")
	if len(creates) == 0 || creates[0].Path != "/indexes" {
		t.Fatalf("first request to an index: %+v, want POST /indexes with the primary key before any document", creates)
	}
	sets, docs := f.requestsTo("PATCH", "/indexes/canyu/settings"), f.requestsTo("POST", "/indexes/canyu/documents")
	if len(sets) != 1 || len(docs) != 1 {
		t.Fatalf("%d settings updates and %d document uploads, want 1 and 1", len(sets), len(docs))
	}
	res, err := m.Search(ctx, Query{Domain: "transport", Sort: "date_desc", Facets: []string{"type"}})
	if err != nil {
		t.Fatalf("filtered search after the first write: %v", err)
	}
	if res.Total != 3 {
		t.Errorf("domain transport: %d hits, want 3", res.Total)
	}
	// Later writes do not send the settings again.
	if err := m.Delete(ctx, []string{"comment-881"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.requestsTo("PATCH", "/indexes/canyu/settings")); n != 1 {
		t.Errorf("%d settings updates after two writes, want 1", n)
	}
}

// TestMeiliSearchReappliesLostSettings: the index lost its settings
// (restored from an old dump, reset by an operator): a search that
// Meilisearch refuses because an attribute is not filterable applies the
// settings and is answered, instead of 400 until a restart.
func TestMeiliSearchReappliesLostSettings(t *testing.T) {
	m, f := meiliSeeded(t)
	ctx := context.Background()
	f.resetSettings("canyu")
	res, err := m.Search(ctx, Query{Domain: "environment", Types: []DocType{TypeComment}})
	if err != nil {
		t.Fatalf("search after the settings were lost: %v", err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Document.ID != "comment-882" {
		t.Errorf("hits %+v, want comment-882", res.Hits)
	}
	if n := len(f.requestsTo("PATCH", "/indexes/canyu/settings")); n != 2 {
		t.Errorf("%d settings updates, want 2 (start, after the refusal)", n)
	}
	// Sorting needs sortableAttributes: the same repair.
	f.resetSettings("canyu")
	if _, err := m.Search(ctx, Query{Sort: "date_asc"}); err != nil {
		t.Errorf("sorted search after the settings were lost: %v", err)
	}
}

// TestMeiliHealthChecksKeyAndVersion: /health needs no key, so with a
// revoked key /readyz said ready while every request failed.
func TestMeiliHealthChecksKeyAndVersion(t *testing.T) {
	f := newFakeMeili(t, fakeKey)
	ctx := context.Background()
	bad, err := NewMeili(f.URL(), "revoked-key", WithMeiliPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if h := bad.Health(ctx); h.OK || !strings.Contains(h.Detail, "invalid_api_key") {
		t.Errorf("Health with a wrong key = %+v, want not OK naming invalid_api_key", h)
	}
	none, _ := NewMeili(f.URL(), "", WithMeiliPollInterval(time.Millisecond))
	if h := none.Health(ctx); h.OK || !strings.Contains(h.Detail, "missing_authorization_header") {
		t.Errorf("Health without a key = %+v, want not OK", h)
	}
	good, _ := NewMeili(f.URL(), fakeKey, WithMeiliPollInterval(time.Millisecond))
	if h := good.Health(ctx); !h.OK {
		t.Errorf("Health with the right key = %+v, want OK", h)
	}
	if n := len(f.requestsTo("GET", "/version")); n != 3 {
		t.Errorf("%d GET /version, want one per health check", n)
	}
}

// TestMeiliMinimumVersion: a server older than MinMeiliVersion refuses
// the settings the client sends; say so at start and in /readyz.
func TestMeiliMinimumVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		ok      bool
	}{
		{"1.15.0", true}, {"1.15.2", true}, {"1.22.1", true}, {"2.0.0", true}, {"1.16.0-rc.1", true},
		{"1.14.9", false}, {"1.10.0", false}, {"0.30.5", false}, {"nightly", false},
	} {
		m, f := newTestMeili(t)
		f.version = tc.version
		err := m.ApplySettings(context.Background())
		if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, ErrMeiliTooOld)) {
			t.Errorf("version %s: ApplySettings = %v, want ok=%v", tc.version, err, tc.ok)
		}
		if h := m.Health(context.Background()); h.OK != tc.ok {
			t.Errorf("version %s: Health = %+v", tc.version, h)
		}
		if !tc.ok {
			if n := len(f.requestsTo("PATCH", "/")); n != 0 {
				t.Errorf("version %s: %d settings requests sent to a server too old for them", tc.version, n)
			}
			if err := m.Upsert(context.Background(), meiliTestDocs()); !errors.Is(err, ErrMeiliTooOld) {
				t.Errorf("version %s: Upsert = %v, want ErrMeiliTooOld", tc.version, err)
			}
		}
	}
}

// TestMeiliSynonymsFind: near-synonyms are the index's synonyms setting,
// so a query finds a document that has only the synonym; the query sent
// is the resident's text, not the text with synonyms appended.
func TestMeiliSynonymsFind(t *testing.T) {
	m, f := meiliSeeded(t)
	ctx := context.Background()
	doc := Document{ID: "article-20-a-1", Type: TypeArticle, DecisionID: 20, Title: "第五条 入园补贴",
		Body: "对在普惠性幼儿园就读的儿童给予保育教育费补贴。", Domain: "education", Status: "consulting",
		URL: "/decisions/20#a-1", Date: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	if err := m.Upsert(ctx, []Document{doc}); err != nil {
		t.Fatal(err)
	}
	// The fake does not segment Chinese: the words are given apart.
	res, err := m.Search(ctx, Query{Text: "幼儿园 补助"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Document.ID != doc.ID {
		t.Errorf("幼儿园 补助: hits %+v, want %s (补助 ~ 补贴)", res.Hits, doc.ID)
	}
	reqs := f.requestsTo("POST", "/indexes/canyu/search")
	var body map[string]any
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &body)
	if body["q"] != "幼儿园 补助" {
		t.Errorf("q = %q, want the text alone", body["q"])
	}

	// A group staff add reaches the index's synonyms.
	m.SetSynonyms([][]string{{"口袋公园", "街角绿地"}})
	deadline := time.Now().Add(5 * time.Second)
	for {
		sets := f.requestsTo("PATCH", "/indexes/canyu/settings")
		var s struct {
			Synonyms map[string][]string `json:"synonyms"`
		}
		_ = json.Unmarshal(sets[len(sets)-1].Body, &s)
		if slices.Contains(s.Synonyms["口袋公园"], "街角绿地") && slices.Contains(s.Synonyms["补助"], "补贴") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("staff group not applied to the synonyms setting after 5 s (%d settings updates)", len(sets))
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The same groups again (the service refreshes every 30 s): no update.
	n := len(f.requestsTo("PATCH", "/indexes/canyu/settings"))
	m.SetSynonyms([][]string{{"口袋公园", "街角绿地"}})
	time.Sleep(50 * time.Millisecond)
	if got := len(f.requestsTo("PATCH", "/indexes/canyu/settings")); got != n {
		t.Errorf("unchanged groups sent again: %d settings updates, want %d", got, n)
	}
}

// TestMeiliSortByDateWithText: a text query sorted by date lists by date;
// with Meilisearch's default ranking rules it listed by relevance first.
func TestMeiliSortByDateWithText(t *testing.T) {
	m, _ := meiliSeeded(t)
	ctx := context.Background()
	day := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	docs := []Document{
		{ID: "comment-901", Type: TypeComment, DecisionID: 12, Body: "停车收费太贵，停车位也不够。", URL: "/c/901", Date: day},
		{ID: "comment-902", Type: TypeComment, DecisionID: 12, Body: "收费标准应当公开。", URL: "/c/902", Date: day.Add(24 * time.Hour)},
	}
	if err := m.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	res, err := m.Search(ctx, Query{Text: "停车 收费", Types: []DocType{TypeComment}, Sort: "date_desc"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.Document.ID)
	}
	if want := []string{"comment-902", "comment-901", "comment-881"}; !slices.Equal(ids, want) {
		t.Errorf("停车 收费 by date: %v, want newest first %v", ids, want)
	}
}

// TestMeiliQueryText: the query is normalised as the embedded backend's
// (traditional characters, full width) and keeps quoted phrases.
func TestMeiliQueryText(t *testing.T) {
	for in, want := range map[string]string{
		"養老補貼":           "养老补贴",
		"ＰＭ２.５超标":        "pm2.5超标",
		"“阶梯水价” 怎么算":     `"阶梯水价" 怎么算`,
		`"停车 收费`:         `停车 收费`,
		"  晚上施工，吵得睡不着？ ": "晚上施工 吵得睡不着",
	} {
		if got := meiliQueryText(in); got != want {
			t.Errorf("meiliQueryText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMeiliIndexesDraftTexts: the explanation, legal basis and attachment
// text are sent, searchable, and come back.
func TestMeiliIndexesDraftTexts(t *testing.T) {
	m, _ := meiliSeeded(t)
	ctx := context.Background()
	d := Document{ID: "decision-30", Type: TypeDecision, DecisionID: 30, Title: "养犬管理规定", Body: "征求意见稿",
		Explanation: "起草说明：近年来犬只伤人事件增多。", LegalBasis: "《中华人民共和国动物防疫法》",
		Attachments: "附件：犬只免疫登记表", URL: "/decisions/30", Date: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	if err := m.Upsert(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"伤人事件", "动物防疫法", "免疫登记表"} {
		res, err := m.Search(ctx, Query{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 1 || res.Hits[0].Document.ID != d.ID {
			t.Errorf("%s: hits %+v, want decision-30", q, res.Hits)
			continue
		}
		if got := res.Hits[0].Document; got.Explanation != d.Explanation || got.LegalBasis != d.LegalBasis || got.Attachments != d.Attachments {
			t.Errorf("%s: round trip %+v", q, got)
		}
	}
}
