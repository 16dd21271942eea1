package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const fakeKey = "test-master-key"

func newTestMeili(t *testing.T, opts ...MeiliOption) (*Meili, *fakeMeili) {
	t.Helper()
	f := newFakeMeili(t, fakeKey)
	opts = append([]MeiliOption{WithMeiliPollInterval(time.Millisecond), WithMeiliTaskTimeout(5 * time.Second)}, opts...)
	m, err := NewMeili(f.URL(), fakeKey, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

func meiliTestDocs() []Document {
	day := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	return []Document{
		{ID: "decision-12", Type: TypeDecision, DecisionID: 12, Title: "关于调整老旧小区停车收费标准的决定", Body: "为缓解老旧小区停车难问题，拟调整收费。", Domain: "transport", Status: "consulting", LeadAgency: "jtj", URL: "/decisions/12", Date: day},
		{ID: "article-12-a-3f9c", Type: TypeArticle, DecisionID: 12, Title: "第三条 停车泊位", Body: "新建住宅小区应当按照每户不少于一个停车泊位的标准配建停车设施。老旧小区由街道办事处会同物业服务企业挖掘停车资源，利用边角地块增设临时泊位，并在小区出入口显著位置向业主公开收费标准和投诉电话，接受居民监督。", Domain: "transport", Status: "consulting", LeadAgency: "jtj", ArticleAnchor: "a-3f9c", ArticleLabel: "第三条", URL: "/decisions/12#a-3f9c", Date: day.Add(time.Hour)},
		{ID: "comment-881", Type: TypeComment, DecisionID: 12, Title: "", Body: "我们小区晚上停车太难了，希望多划一些车位。", Domain: "transport", Status: "consulting", LeadAgency: "jtj", URL: "/decisions/12/comments/881", Date: day.Add(48 * time.Hour)},
		{ID: "comment-882", Type: TypeComment, DecisionID: 13, Title: "", Body: "河道垃圾清理不及时，夏天有异味。", Domain: "environment", Status: "consulting", LeadAgency: "sthj", URL: "/decisions/13/comments/882", Date: day.Add(72 * time.Hour)},
		{ID: "survey-4", Type: TypeSurvey, DecisionID: 13, Title: "河道整治满意度调查", Body: "请对河道环境整治效果打分。", Domain: "environment", Status: "consulting", LeadAgency: "sthj", URL: "/surveys/4", Date: day.Add(96 * time.Hour)},
	}
}

// meiliSeeded applies the settings and indexes testDocs.
func meiliSeeded(t *testing.T, opts ...MeiliOption) (*Meili, *fakeMeili) {
	t.Helper()
	m, f := newTestMeili(t, opts...)
	ctx := context.Background()
	if err := m.ApplySettings(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Upsert(ctx, meiliTestDocs()); err != nil {
		t.Fatal(err)
	}
	return m, f
}

func TestMeiliApplySettings(t *testing.T) {
	m, f := newTestMeili(t)
	ctx := context.Background()
	if err := m.ApplySettings(ctx); err != nil {
		t.Fatal(err)
	}
	// A second start-up finds the index already there and only reapplies.
	if err := m.ApplySettings(ctx); err != nil {
		t.Fatalf("second ApplySettings: %v", err)
	}
	creates := f.requestsTo("POST", "/indexes")
	var create map[string]any
	_ = json.Unmarshal(creates[0].Body, &create)
	if want := map[string]any{"uid": "canyu", "primaryKey": "id"}; creates[0].Path != "/indexes" || !reflect.DeepEqual(create, want) {
		t.Errorf("create index = %s %s, want POST /indexes %v", creates[0].Path, creates[0].Body, want)
	}
	sets := f.requestsTo("PATCH", "/indexes/canyu/settings")
	if len(sets) != 2 {
		t.Fatalf("%d settings requests, want 2", len(sets))
	}
	var got map[string]any
	if err := json.Unmarshal(sets[0].Body, &got); err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	_ = json.Unmarshal([]byte(`{
		"rankingRules": ["sort", "words", "typo", "proximity", "attribute", "exactness"],
		"searchableAttributes": ["title", "body", "explanation", "legal_basis", "attachments"],
		"filterableAttributes": ["type", "domain", "status", "lead_agency", "decision_id", "date"],
		"sortableAttributes": ["date"],
		"displayedAttributes": ["id", "type", "decision_id", "title", "body", "explanation", "legal_basis", "attachments",
			"domain", "status", "lead_agency", "article_anchor", "article_label", "moderation_status", "url", "date", "date_time"],
		"localizedAttributes": [{"attributePatterns": ["title", "body", "explanation", "legal_basis", "attachments"], "locales": ["cmn"]}],
		"typoTolerance": {"enabled": false, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
			"disableOnWords": [], "disableOnAttributes": [], "disableOnNumbers": false}
	}`), &want)
	syn, _ := got["synonyms"].(map[string]any)
	delete(got, "synonyms")
	if alt, _ := syn["补助"].([]any); !slices.Contains(alt, any("补贴")) || len(syn) < 100 {
		t.Errorf("synonyms setting has %d words, 补助 → %v; want every built-in group, 补助 finding 补贴", len(syn), alt)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("settings body\n got %s\nwant %v", sets[0].Body, want)
	}
}

func TestMeiliAuthorization(t *testing.T) {
	f := newFakeMeili(t, fakeKey)
	m, err := NewMeili(f.URL(), "wrong-key", WithMeiliPollInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// A wrong key is an operator's mistake: retryable, so the backlog
	// survives until the key is fixed.
	err = m.Upsert(context.Background(), meiliTestDocs())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "invalid_api_key") {
		t.Errorf("Upsert with a wrong key = %v, want ErrUnavailable invalid_api_key", err)
	}
	// The right key is sent as a Bearer token on every request; the fake
	// refuses any request without it.
	ok, f2 := meiliSeeded(t)
	if _, err := ok.Search(context.Background(), Query{Text: "停车"}); err != nil {
		t.Fatal(err)
	}
	if n := len(f2.requestsTo("POST", "/indexes/canyu/search")); n != 1 {
		t.Errorf("%d authorized searches, want 1", n)
	}
}

func TestMeiliUpsertBatches(t *testing.T) {
	m, f := meiliSeeded(t, WithMeiliBatchSize(2))
	adds := f.requestsTo("POST", "/indexes/canyu/documents")
	if len(adds) != 3 {
		t.Fatalf("%d document requests for 5 documents in batches of 2, want 3", len(adds))
	}
	var total int
	for _, r := range adds {
		if r.Path != "/indexes/canyu/documents" || r.Query != "primaryKey=id" {
			t.Errorf("add documents to %s?%s, want /indexes/canyu/documents?primaryKey=id", r.Path, r.Query)
		}
		var docs []map[string]any
		if err := json.Unmarshal(r.Body, &docs); err != nil {
			t.Fatal(err)
		}
		total += len(docs)
		for _, d := range docs {
			if _, ok := d["date"].(float64); !ok {
				t.Errorf("document %v: date %v is not a number (filters need unix seconds)", d["id"], d["date"])
			}
		}
	}
	if total != 5 {
		t.Errorf("%d documents sent, want 5", total)
	}
	// Each batch waited for its task: the documents are searchable now.
	res, err := m.Search(context.Background(), Query{Sort: "date_asc", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 5 || len(res.Hits) != 5 {
		t.Fatalf("Total %d, %d hits, want 5", res.Total, len(res.Hits))
	}
	want := meiliTestDocs()[0]
	if got := res.Hits[0].Document; !reflect.DeepEqual(got, want) {
		t.Errorf("round trip\n got %+v\nwant %+v", got, want)
	}
	// Upsert replaces: the same id with a new body is found by the new text.
	changed := meiliTestDocs()[2]
	changed.Body = "已经划了新车位，谢谢。"
	if err := m.Upsert(context.Background(), []Document{changed}); err != nil {
		t.Fatal(err)
	}
	res, _ = m.Search(context.Background(), Query{Text: "谢谢"})
	if res.Total != 1 || res.Hits[0].Document.ID != "comment-881" {
		t.Errorf("after replace: %+v", res)
	}
}

func TestMeiliUpsertRefusesBadIDs(t *testing.T) {
	m, f := newTestMeili(t)
	doc := meiliTestDocs()[1]
	doc.ID = "article-12-a-3f9c…"
	err := m.Upsert(context.Background(), []Document{meiliTestDocs()[0], doc})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("Upsert with id %q = %v, want ErrInvalid", doc.ID, err)
	}
	if n := len(f.requestsTo("POST", "/indexes")); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestMeiliDelete(t *testing.T) {
	m, f := meiliSeeded(t)
	ctx := context.Background()
	if err := m.Delete(ctx, []string{"comment-881", "comment-882", "comment-unknown"}); err != nil {
		t.Fatal(err)
	}
	dels := f.requestsTo("POST", "/indexes/canyu/documents/delete-batch")
	if len(dels) != 1 || string(dels[0].Body) != `["comment-881","comment-882","comment-unknown"]` {
		t.Fatalf("delete-batch requests %+v", dels)
	}
	res, err := m.Search(ctx, Query{Types: []DocType{TypeComment}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 0 {
		t.Errorf("%d comments left after delete, want 0", res.Total)
	}
	if err := m.Delete(ctx, nil); err != nil {
		t.Errorf("Delete(nil) = %v", err)
	}
}

func TestMeiliFilters(t *testing.T) {
	m, f := meiliSeeded(t)
	from := time.Unix(1700000000, 0)
	to := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		q       Query
		filter  string
		wantIDs []string
	}{
		{"types, domain and from", Query{Types: []DocType{TypeComment, TypeArticle}, Domain: "environment", From: from},
			`type IN ["comment","article"] AND domain = "environment" AND date >= 1700000000`, []string{"comment-882"}},
		{"status, agency and decision", Query{Status: "consulting", LeadAgency: "jtj", DecisionID: 12, Sort: "date_desc"},
			`status = "consulting" AND lead_agency = "jtj" AND decision_id = 12`, []string{"comment-881", "article-12-a-3f9c", "decision-12"}},
		{"date range", Query{From: from, To: to, Sort: "date_asc"},
			fmt.Sprintf("date 1700000000 TO %d", to.Unix()), []string{"decision-12", "article-12-a-3f9c", "comment-881"}},
		{"until", Query{To: to.Add(-24 * time.Hour)},
			fmt.Sprintf("date <= %d", to.Add(-24*time.Hour).Unix()), []string{"article-12-a-3f9c", "decision-12"}},
		{"quote in a value", Query{Domain: `trans"port`}, `domain = "trans\"port"`, nil},
		{"no filter", Query{Text: "河道"}, "", []string{"comment-882", "survey-4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.requestsTo("POST", "/indexes/canyu/search"))
			res, err := m.Search(context.Background(), tc.q)
			if err != nil {
				t.Fatal(err)
			}
			reqs := f.requestsTo("POST", "/indexes/canyu/search")
			var body map[string]any
			_ = json.Unmarshal(reqs[before].Body, &body)
			got, _ := body["filter"].(string)
			if got != tc.filter {
				t.Errorf("filter\n got %s\nwant %s", got, tc.filter)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.Document.ID)
			}
			if tc.q.Sort == "" {
				// relevance order is the fake's, not Meilisearch's
				ids = meiliSorted(ids)
				tc.wantIDs = meiliSorted(tc.wantIDs)
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("hits %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

func meiliSorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

func TestMeiliSearchRequest(t *testing.T) {
	m, f := meiliSeeded(t)
	res, err := m.Search(context.Background(), Query{
		Text: "停车", Offset: 1, Limit: 2, Facets: []string{"type", "domain"},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requestsTo("POST", "/indexes/canyu/search")
	var body map[string]any
	_ = json.Unmarshal(reqs[len(reqs)-1].Body, &body)
	for k, want := range map[string]any{
		"offset": 1.0, "limit": 2.0, "highlightPreTag": HighlightPre, "highlightPostTag": HighlightPost,
		"attributesToHighlight": []any{"title", "body"}, "attributesToCrop": []any{"body"},
		"cropLength": float64(meiliCropWords), "facets": []any{"type", "domain"}, "locales": []any{"cmn"},
		"matchingStrategy": "last", "showRankingScore": true,
	} {
		if !reflect.DeepEqual(body[k], want) {
			t.Errorf("search body %s = %v, want %v", k, body[k], want)
		}
	}
	if q, _ := body["q"].(string); !strings.HasPrefix(q, "停车") {
		t.Errorf("q = %q, want the text first (then its near-synonyms)", q)
	}
	if res.Total != 3 || len(res.Hits) != 2 {
		t.Errorf("Total %d with %d hits, want 3 with 2 (estimatedTotalHits, limit 2)", res.Total, len(res.Hits))
	}
	wantFacets := map[string]map[string]int{
		"type":   {"decision": 1, "article": 1, "comment": 1},
		"domain": {"transport": 3},
	}
	if !reflect.DeepEqual(res.Facets, wantFacets) {
		t.Errorf("facets %v, want %v", res.Facets, wantFacets)
	}
}

func TestMeiliSnippet(t *testing.T) {
	m, _ := meiliSeeded(t)
	res, err := m.Search(context.Background(), Query{Text: "车位", Types: []DocType{TypeComment}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 {
		t.Fatalf("%d hits, want 1", len(res.Hits))
	}
	h := res.Hits[0]
	if want := "我们小区晚上停车太难了，希望多划一些" + HighlightPre + "车位" + HighlightPost + "。"; h.Snippet != want {
		t.Errorf("snippet %q, want the _formatted body like %q", h.Snippet, want)
	}
	if h.Score <= 0 {
		t.Errorf("score %v, want _rankingScore > 0", h.Score)
	}
	if strings.Contains(h.Document.Body, HighlightPre) {
		t.Errorf("document body carries highlight markers: %q", h.Document.Body)
	}
	// A long body is cropped around the match with the crop marker.
	res, _ = m.Search(context.Background(), Query{Text: "公开", Types: []DocType{TypeArticle}})
	if s := res.Hits[0].Snippet; !strings.Contains(s, "…") || !strings.Contains(s, HighlightPre+"公开"+HighlightPost) {
		t.Errorf("cropped snippet %q", s)
	}
}

func TestMeiliTaskPolling(t *testing.T) {
	t.Run("delayed success", func(t *testing.T) {
		m, f := newTestMeili(t)
		if err := m.ApplySettings(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := len(f.requestsTo("GET", "/tasks/"))
		f.pollsToFinish = 5
		if err := m.Upsert(context.Background(), meiliTestDocs()[:1]); err != nil {
			t.Fatal(err)
		}
		if n := len(f.requestsTo("GET", "/tasks/")) - before; n != 6 {
			t.Errorf("%d task polls, want 6 (enqueued, processing ×4, succeeded)", n)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		m, f := newTestMeili(t, WithMeiliTaskTimeout(100*time.Millisecond))
		f.stuck = true
		start := time.Now()
		err := m.Upsert(context.Background(), meiliTestDocs())
		if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "not finished after") {
			t.Errorf("stuck task: %v, want ErrUnavailable after the timeout", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("gave up after %s, want about 100ms", d)
		}
	})
}

func TestMeiliErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		code   string
		want   error
	}{
		{"5xx", 500, "internal", ErrUnavailable},
		{"503 unavailable", 503, "internal", ErrUnavailable},
		{"429 too many searches", 429, "too_many_search_requests", ErrUnavailable},
		{"400 invalid_search_filter", 400, "invalid_search_filter", ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, f := meiliSeeded(t)
			f.fail("/indexes/canyu/search", tc.status, tc.code)
			_, err := m.Search(ctx, Query{Text: "停车"})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.code) {
				t.Errorf("%d %s: %v, want %v", tc.status, tc.code, err, tc.want)
			}
		})
	}
	t.Run("5xx on write", func(t *testing.T) {
		m, f := newTestMeili(t)
		f.fail("/indexes/canyu/documents", 502, "internal")
		if err := m.Upsert(ctx, meiliTestDocs()); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Upsert on 502: %v, want ErrUnavailable", err)
		}
	})
	t.Run("malformed filter", func(t *testing.T) {
		// A filter Meilisearch cannot parse is ErrInvalid, and does not
		// make the backend re-apply its settings.
		m, f := meiliSeeded(t)
		f.fail("/indexes/canyu/search", 400, "invalid_search_filter")
		_, err := m.Search(ctx, Query{Domain: "transport"})
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "invalid_search_filter") {
			t.Errorf("got %v, want ErrInvalid invalid_search_filter", err)
		}
		if n := len(f.requestsTo("PATCH", "/indexes/canyu/settings")); n != 1 {
			t.Errorf("%d settings updates, want 1 (at start only)", n)
		}
	})
	t.Run("network down", func(t *testing.T) {
		m, f := newTestMeili(t)
		f.srv.Close()
		if _, err := m.Search(ctx, Query{Text: "停车"}); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Search with the server down: %v, want ErrUnavailable", err)
		}
		if err := m.Upsert(ctx, meiliTestDocs()); !errors.Is(err, ErrUnavailable) {
			t.Errorf("Upsert with the server down: %v, want ErrUnavailable", err)
		}
		if h := m.Health(ctx); h.OK || h.Backend != "meilisearch" || h.Detail == "" {
			t.Errorf("Health with the server down: %+v", h)
		}
	})
	t.Run("bad requests never reach the server", func(t *testing.T) {
		m, f := newTestMeili(t)
		for _, q := range []Query{
			{Sort: "title"}, {Facets: []string{"url"}}, {Offset: -1}, {Domain: `a\b`},
			{From: time.Unix(2000, 0), To: time.Unix(1000, 0)},
		} {
			if _, err := m.Search(ctx, q); !errors.Is(err, ErrInvalid) {
				t.Errorf("Search(%+v) = %v, want ErrInvalid", q, err)
			}
		}
		if n := len(f.requestsTo("POST", "/")); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

func TestMeiliHealth(t *testing.T) {
	m, _ := newTestMeili(t)
	if h := m.Health(context.Background()); !h.OK || h.Backend != "meilisearch" {
		t.Errorf("Health = %+v", h)
	}
}

func TestNewMeiliRefusesBadConfig(t *testing.T) {
	for _, tc := range []struct {
		url  string
		opts []MeiliOption
	}{
		{"localhost:7700", nil},
		{"http://localhost:7700", []MeiliOption{WithMeiliIndex("canyu public")}},
		{"http://localhost:7700", []MeiliOption{WithMeiliBatchSize(0)}},
	} {
		if _, err := NewMeili(tc.url, "", tc.opts...); !errors.Is(err, ErrInvalid) {
			t.Errorf("NewMeili(%q) = %v, want ErrInvalid", tc.url, err)
		}
	}
}

func TestMeiliDropIndex(t *testing.T) {
	m, f := meiliSeeded(t)
	ctx := context.Background()
	if err := m.DropIndex(ctx); err != nil {
		t.Fatal(err)
	}
	// index_not_found: the backend creates the index with its settings
	// and answers from the empty index.
	if res, err := m.Search(ctx, Query{Text: "停车", Domain: "transport"}); err != nil || res.Total != 0 {
		t.Errorf("Search after DropIndex = %+v, %v; want no hits from a re-created index", res, err)
	}
	if n := len(f.requestsTo("PATCH", "/indexes/canyu/settings")); n != 2 {
		t.Errorf("%d settings updates, want 2 (start, after the index was gone)", n)
	}
	if err := m.DropIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.DropIndex(ctx); err != nil {
		t.Errorf("DropIndex of a missing index = %v, want nil", err)
	}
	if n := len(f.requestsTo("DELETE", "/indexes/canyu")); n != 3 {
		t.Errorf("%d DELETE /indexes/canyu requests, want 3", n)
	}
}
