// Package searchtest is the conformance suite every search.Index backend
// passes: the embedded backend always, Meilisearch when a live server is
// configured. It lives outside search so search's own tests and other
// packages can run it without a test-only import cycle.
package searchtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/search"
)

// day0 is the date of the first fixture document.
var day0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Run runs the conformance suite against indexes made by newIndex. Each
// subtest gets a fresh, empty index; Run applies its settings and closes
// it at the end of the subtest.
func Run(t *testing.T, newIndex func(t *testing.T) search.Index) {
	open := func(t *testing.T, docs ...search.Document) search.Index {
		t.Helper()
		idx := newIndex(t)
		t.Cleanup(func() { idx.Close() })
		ctx := context.Background()
		if err := idx.ApplySettings(ctx); err != nil {
			t.Fatalf("ApplySettings: %v", err)
		}
		if err := idx.ApplySettings(ctx); err != nil {
			t.Fatalf("ApplySettings twice (must be idempotent): %v", err)
		}
		if h := idx.Health(ctx); !h.OK || h.Backend == "" {
			t.Fatalf("Health = %+v, want OK with a backend name", h)
		}
		if len(docs) > 0 {
			if err := idx.Upsert(ctx, docs); err != nil {
				t.Fatalf("Upsert: %v", err)
			}
		}
		return idx
	}

	t.Run("UpsertSearchable", func(t *testing.T) {
		idx := open(t, fixture()...)
		res := mustSearch(t, idx, search.Query{Text: "公交票价"})
		if !containsID(res, "article-1-a-fare") {
			t.Fatalf("公交票价 hits %v, want article-1-a-fare", ids(res))
		}
		got := hitByID(res, "article-1-a-fare").Document
		want := fixture()[0]
		if got.Title != want.Title || got.URL != want.URL || got.ArticleAnchor != want.ArticleAnchor ||
			got.DecisionID != want.DecisionID || !got.Date.Equal(want.Date) {
			t.Errorf("document came back as %+v, want %+v", got, want)
		}
	})

	t.Run("UpsertReplaces", func(t *testing.T) {
		idx := open(t, fixture()...)
		d := fixture()[0]
		d.Title = "第三条 地铁换乘优惠"
		d.Body = "乘客在九十分钟内换乘地铁享受优惠。"
		mustUpsert(t, idx, d)
		if res := mustSearch(t, idx, search.Query{Text: "换乘"}); !containsID(res, d.ID) {
			t.Errorf("换乘 after replace: hits %v, want %s", ids(res), d.ID)
		}
		if res := mustSearch(t, idx, search.Query{Text: "票价调整"}); containsID(res, d.ID) {
			t.Errorf("票价调整 still finds the replaced text of %s", d.ID)
		}
		res := mustSearch(t, idx, search.Query{DecisionID: 1, Types: []search.DocType{search.TypeArticle}})
		if n := countID(res, d.ID); n != 1 {
			t.Errorf("%s listed %d times after two upserts, want once", d.ID, n)
		}
	})

	t.Run("DeleteRemoves", func(t *testing.T) {
		idx := open(t, fixture()...)
		if err := idx.Delete(context.Background(), []string{"comment-2", "comment-missing"}); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if res := mustSearch(t, idx, search.Query{Text: "烧烤"}); containsID(res, "comment-2") {
			t.Errorf("deleted comment-2 still found: %v", ids(res))
		}
		if err := idx.Delete(context.Background(), []string{"comment-2"}); err != nil {
			t.Errorf("Delete again (must be idempotent): %v", err)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		idx := open(t, fixture()...)
		for _, tc := range []struct {
			name string
			q    search.Query
			want []string
		}{
			{"Type", search.Query{Types: []search.DocType{search.TypeDecision}}, []string{"decision-1", "decision-2"}},
			{"Types", search.Query{Types: []search.DocType{search.TypeDecision, search.TypeSurvey}}, []string{"decision-1", "decision-2", "survey-1"}},
			{"Domain", search.Query{Domain: "environment"}, []string{"decision-2", "comment-2", "comment-3"}},
			{"Status", search.Query{Status: "consulting", Types: []search.DocType{search.TypeDecision}}, []string{"decision-1"}},
			{"LeadAgency", search.Query{LeadAgency: "sthjj"}, []string{"decision-2", "comment-2", "comment-3"}},
			{"Decision", search.Query{DecisionID: 2}, []string{"decision-2", "comment-2", "comment-3"}},
			{"DateRange", search.Query{From: day0.AddDate(0, 0, 2), To: day0.AddDate(0, 0, 3)}, []string{"decision-2", "comment-1"}},
			{"TextAndFilter", search.Query{Text: "油烟", Domain: "environment", Types: []search.DocType{search.TypeComment}}, []string{"comment-2"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := mustSearch(t, idx, tc.q)
				got := ids(res)
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(got, want) || res.Total != len(want) {
					t.Errorf("hits %v (total %d), want %v", got, res.Total, want)
				}
			})
		}
	})

	t.Run("Facets", func(t *testing.T) {
		idx := open(t, fixture()...)
		res := mustSearch(t, idx, search.Query{Facets: []string{"type", "domain", "status", "lead_agency"}})
		want := map[string]map[string]int{
			"type":        {"decision": 2, "article": 2, "comment": 4, "survey": 1},
			"domain":      {"utilities": 6, "environment": 3},
			"status":      {"consulting": 7, "drafting": 2},
			"lead_agency": {"fgw": 6, "sthjj": 3},
		}
		for f, counts := range want {
			for k, n := range counts {
				if res.Facets[f][k] != n {
					t.Errorf("facet %s[%s] = %d, want %d (all: %v)", f, k, res.Facets[f][k], n, res.Facets[f])
				}
			}
		}
		res = mustSearch(t, idx, search.Query{Domain: "environment", Facets: []string{"type"}})
		if res.Facets["type"]["comment"] != 2 || res.Facets["type"]["decision"] != 1 || res.Facets["type"]["article"] != 0 {
			t.Errorf("facets follow the filters: got %v, want comment 2, decision 1", res.Facets["type"])
		}
	})

	t.Run("Highlight", func(t *testing.T) {
		idx := open(t, fixture()...)
		for _, tc := range []struct{ q, id, term string }{
			{"票价", "article-1-a-fare", "票价"}, // body match
			{"烧烤", "comment-2", "烧烤"},        // body match in a comment
			{"问卷", "survey-1", "问卷"},         // title only
		} {
			res := mustSearch(t, idx, search.Query{Text: tc.q})
			h := hitByID(res, tc.id)
			if h == nil {
				t.Errorf("%s: %s not found in %v", tc.q, tc.id, ids(res))
				continue
			}
			if !markedContains(h.Snippet, tc.term) {
				t.Errorf("%s: snippet %q does not mark %s", tc.q, h.Snippet, tc.term)
			}
			if n := len([]rune(h.Snippet)); n > 200 {
				t.Errorf("%s: snippet is %d characters, want a window of about 120", tc.q, n)
			}
		}
	})

	t.Run("PaginationStable", func(t *testing.T) {
		var docs []search.Document
		for i := range 25 {
			docs = append(docs, search.Document{
				ID: fmt.Sprintf("comment-p%02d", i), Type: search.TypeComment, DecisionID: 9,
				Title: "意见", Body: "建议增加公交线路", URL: "/decisions/9", Date: day0,
			})
		}
		idx := open(t, docs...)
		for _, q := range []search.Query{{Text: "公交线路"}, {DecisionID: 9}} {
			seen := map[string]bool{}
			var first []string
			for page := range 3 {
				q.Offset, q.Limit = page*10, 10
				res := mustSearch(t, idx, q)
				if res.Total != 25 {
					t.Fatalf("total %d, want 25", res.Total)
				}
				for _, id := range ids(res) {
					if seen[id] {
						t.Errorf("%q: %s on two pages", q.Text, id)
					}
					seen[id] = true
				}
				if page == 0 {
					first = ids(res)
				}
			}
			if len(seen) != 25 {
				t.Errorf("%q: three pages gave %d distinct documents, want 25", q.Text, len(seen))
			}
			q.Offset = 0
			if again := ids(mustSearch(t, idx, q)); !slices.Equal(again, first) {
				t.Errorf("%q: first page changed between calls: %v then %v", q.Text, first, again)
			}
		}
	})

	t.Run("SortByDate", func(t *testing.T) {
		idx := open(t, fixture()...)
		desc := ids(mustSearch(t, idx, search.Query{Types: []search.DocType{search.TypeComment}}))
		want := []string{"comment-4", "comment-3", "comment-2", "comment-1"}
		if !slices.Equal(desc, want) {
			t.Errorf("empty query lists %v, want newest first %v", desc, want)
		}
		asc := ids(mustSearch(t, idx, search.Query{Types: []search.DocType{search.TypeComment}, Sort: "date_asc"}))
		slices.Reverse(want)
		if !slices.Equal(asc, want) {
			t.Errorf("date_asc lists %v, want %v", asc, want)
		}
		got := ids(mustSearch(t, idx, search.Query{Text: "建议", Sort: "date_desc"}))
		if len(got) < 2 || got[0] != "comment-4" {
			t.Errorf("建议 by date_desc lists %v, want comment-4 first", got)
		}
	})

	t.Run("ChineseWords", func(t *testing.T) {
		idx := open(t, fixture()...)
		for _, tc := range []struct{ q, want string }{
			{"票价", "article-1-a-fare"},   // two-character word
			{"交通票价", "article-1-a-fare"}, // part of 公共交通票价
			{"票价调整方案", "decision-1"},     // partial phrase of the title
			{"老人", "comment-1"},          // two characters inside a sentence
			{"油烟", "comment-2"},          // 油烟 in 烧烤油烟太大了
			{"垃圾分类", "comment-3"},
		} {
			if res := mustSearch(t, idx, search.Query{Text: tc.q}); !containsID(res, tc.want) {
				t.Errorf("%s: hits %v, want %s", tc.q, ids(res), tc.want)
			}
		}
		if res := mustSearch(t, idx, search.Query{Text: "航天飞机"}); res.Total != 0 {
			t.Errorf("航天飞机 matched %v, want nothing", ids(res))
		}
	})

	t.Run("ParkingShortage", func(t *testing.T) {
		idx := open(t, append(fixture(),
			search.Document{ID: "article-5-a-park", Type: search.TypeArticle, DecisionID: 5,
				Title: "第八条 缓解老旧小区停车难", Body: "街道办事处应当会同物业服务企业挖掘停车资源。",
				Domain: "utilities", Status: "consulting", LeadAgency: "zjj", URL: "/decisions/5#a-park", Date: day0},
			search.Document{ID: "comment-5", Type: search.TypeComment, DecisionID: 5,
				Title: "对第八条的意见", Body: "我们小区停车位紧张，晚上下班回来根本找不到地方停，希望多划一些车位。",
				Domain: "utilities", Status: "consulting", LeadAgency: "zjj", URL: "/decisions/5#comment-5", Date: day0},
		)...)
		res := mustSearch(t, idx, search.Query{Text: "停车难"})
		for _, id := range []string{"article-5-a-park", "comment-5"} {
			if !containsID(res, id) {
				t.Errorf("停车难: hits %v, want %s", ids(res), id)
			}
		}
		if len(res.Hits) > 0 && res.Hits[0].Document.ID != "article-5-a-park" {
			t.Errorf("停车难: first hit %s, want the article whose title says 停车难", res.Hits[0].Document.ID)
		}
	})

	// Issue 16: what residents type and what a backend must do with it.
	// Each subtest names the behaviour, so a run against a live
	// Meilisearch says which one differs.

	t.Run("FirstWriteAppliesSettings", func(t *testing.T) {
		// No ApplySettings (the backend was down at start): the first
		// write must leave an index that filters, sorts and facets.
		idx := newIndex(t)
		t.Cleanup(func() { idx.Close() })
		mustUpsert(t, idx, fixture()...)
		res := mustSearch(t, idx, search.Query{Domain: "environment", Sort: "date_desc", Facets: []string{"type"}})
		if got := ids(res); !slices.Equal(got, []string{"comment-3", "comment-2", "decision-2"}) {
			t.Errorf("filtered and sorted after a first write without settings: %v", got)
		}
		if res.Facets["type"]["comment"] != 2 {
			t.Errorf("facets after a first write without settings: %v", res.Facets)
		}
	})

	t.Run("TraditionalCharacters", func(t *testing.T) {
		idx := open(t, residentDocs()...)
		for _, q := range []string{"養老補貼", "停車收費", "學校"} {
			if res := mustSearch(t, idx, search.Query{Text: q}); len(res.Hits) == 0 || !containsAnyOf(res, traditionalWant[q]) {
				t.Errorf("%s: hits %v, want %s", q, ids(res), traditionalWant[q])
			}
		}
	})

	t.Run("FullWidth", func(t *testing.T) {
		idx := open(t, residentDocs()...)
		for _, q := range []string{"ＰＭ２.５", "ＰＭ2.5", "pm2.5"} {
			if res := mustSearch(t, idx, search.Query{Text: q}); !containsID(res, "article-40-a-air") {
				t.Errorf("%s: hits %v, want article-40-a-air", q, ids(res))
			}
		}
	})

	t.Run("SynonymFinds", func(t *testing.T) {
		// The document says 补贴 only; 补助 is its near-synonym.
		idx := open(t, residentDocs()...)
		if res := mustSearch(t, idx, search.Query{Text: "补助"}); !containsID(res, "article-41-a-care") {
			t.Errorf("补助: hits %v, want article-41-a-care (补贴)", ids(res))
		}
	})

	// Relaxation: the service searches through SearchGrouped, which
	// steps through the backend's tiers (Query.Relax); Meilisearch
	// relaxes inside one request (matchingStrategy "last").
	t.Run("LongQuestion", func(t *testing.T) {
		idx := open(t, residentDocs()...)
		res := mustGrouped(t, idx, search.Query{Text: "晚上工地施工吵得睡不着该找谁投诉"})
		if !groupHas(res, "article-42-a-night") {
			t.Errorf("long question: groups %v, want article-42-a-night", groupIDs(res))
		}
	})

	t.Run("MultiTermRelaxed", func(t *testing.T) {
		// No document has all three words: the ones with two still come.
		idx := open(t, residentDocs()...)
		res := mustGrouped(t, idx, search.Query{Text: "夜间 施工 罚款"})
		if !groupHas(res, "article-42-a-night") {
			t.Errorf("夜间 施工 罚款: groups %v, want article-42-a-night", groupIDs(res))
		}
	})

	t.Run("QuotedPhrase", func(t *testing.T) {
		idx := open(t, residentDocs()...)
		res := mustSearch(t, idx, search.Query{Text: `"阶梯水价"`})
		if len(res.Hits) == 0 || res.Hits[0].Document.ID != "article-43-a-water" {
			t.Errorf(`"阶梯水价": hits %v, want article-43-a-water first`, ids(res))
		}
	})

	t.Run("DraftTextsSearchable", func(t *testing.T) {
		idx := open(t, residentDocs()...)
		for _, q := range []string{"犬只伤人", "动物防疫法", "免疫登记表"} {
			if res := mustSearch(t, idx, search.Query{Text: q}); !containsID(res, "decision-44") {
				t.Errorf("%s: hits %v, want decision-44 (explanation, legal basis, attachment)", q, ids(res))
			}
		}
	})

	t.Run("SortByDateWithText", func(t *testing.T) {
		// With a text, date order still wins over how many words matched.
		idx := open(t, residentDocs()...)
		res := mustSearch(t, idx, search.Query{Text: "停车收费", Types: []search.DocType{search.TypeComment}, Sort: "date_desc"})
		got := ids(res)
		if len(got) < 2 || got[0] != "comment-46" || got[1] != "comment-45" {
			t.Errorf("停车收费 by date: %v, want comment-46 (newer, fewer words) before comment-45", got)
		}
	})

	t.Run("InvalidQuery", func(t *testing.T) {
		idx := open(t)
		for _, q := range []search.Query{{Sort: "name"}, {Offset: -1}, {Facets: []string{"title"}}} {
			if _, err := idx.Search(context.Background(), q); err == nil {
				t.Errorf("%+v: no error, want one wrapping ErrInvalid", q)
			}
		}
	})
}

// traditionalWant are the documents the traditional-character queries find.
var traditionalWant = map[string][]string{
	"養老補貼": {"article-41-a-care"},
	"停車收費": {"comment-45", "comment-46"},
	"學校":   {"article-47-a-school"},
}

func containsAnyOf(res search.Result, want []string) bool {
	for _, id := range want {
		if containsID(res, id) {
			return true
		}
	}
	return false
}

// residentDocs are documents for the kinds of queries residents type
// (issue 16), in simplified characters and half-width digits.
func residentDocs() []search.Document {
	d := func(n int) time.Time { return day0.AddDate(0, 1, n) }
	doc := func(id string, typ search.DocType, decision int64, title, body string, date time.Time) search.Document {
		return search.Document{ID: id, Type: typ, DecisionID: decision, Title: title, Body: body,
			Domain: "livelihood", Status: "consulting", LeadAgency: "mzj", URL: "/decisions/" + id, Date: date}
	}
	draft := doc("decision-44", search.TypeDecision, 44, "养犬管理规定（征求意见稿）", "现将草案公开征求意见。", d(0))
	draft.Explanation = "起草说明：近年来犬只伤人事件时有发生，群众反映强烈。"
	draft.LegalBasis = "《中华人民共和国动物防疫法》"
	draft.Attachments = "附件：犬只免疫登记表"
	return []search.Document{
		doc("article-40-a-air", search.TypeArticle, 40, "第六条 空气质量", "细颗粒物PM2.5年均浓度应当逐年下降。", d(0)),
		doc("article-41-a-care", search.TypeArticle, 41, "第九条 养老补贴", "对八十周岁以上老年人按月发放高龄养老补贴。", d(0)),
		doc("article-42-a-night", search.TypeArticle, 42, "第十二条 夜间施工",
			"禁止在夜间二十二时至次日六时进行产生噪声的建筑施工作业，居民可以向生态环境部门投诉。", d(0)),
		doc("article-43-a-water", search.TypeArticle, 43, "第四条 阶梯水价", "居民生活用水实行阶梯水价。", d(0)),
		doc("comment-43", search.TypeComment, 43, "意见", "阶梯式的收费我赞成，但水价不能涨太多。", d(1)),
		draft,
		doc("comment-45", search.TypeComment, 45, "意见", "小区停车收费太贵了，停车位还少，收费标准要公开。", d(2)),
		doc("comment-46", search.TypeComment, 45, "意见", "停车收费应当听证。", d(3)),
		doc("article-47-a-school", search.TypeArticle, 47, "第三条 学校安全", "学校应当建立安全管理制度。", d(0)),
	}
}

// fixture is a small corpus over two decisions: decision 1 (utilities,
// fgw) and decision 2 (environment, sthjj).
func fixture() []search.Document {
	doc := func(id string, typ search.DocType, decision int64, title, body, status, url string, day int) search.Document {
		domain, lead := "utilities", "fgw"
		if decision == 2 {
			domain, lead = "environment", "sthjj"
		}
		return search.Document{ID: id, Type: typ, DecisionID: decision, Title: title, Body: body,
			Domain: domain, Status: status, LeadAgency: lead, URL: url, Date: day0.AddDate(0, 0, day)}
	}
	fare := doc("article-1-a-fare", search.TypeArticle, 1, "第三条 票价",
		"本市城市公共交通票价实行政府定价。调整票价应当举行听证，并对老年人、学生等群体给予优惠。",
		"consulting", "/decisions/1#a-fare", 0)
	fare.ArticleAnchor, fare.ArticleLabel = "a-fare", "第三条"
	return []search.Document{
		fare,
		doc("decision-1", search.TypeDecision, 1, "城市公交票价调整方案", "拟调整城市公交基础票价。", "consulting", "/decisions/1", 0),
		doc("article-1-a-card", search.TypeArticle, 1, "第四条 乘车卡", "持卡乘车享受折扣。", "consulting", "/decisions/1#a-card", 1),
		doc("comment-1", search.TypeComment, 1, "对第三条的意见", "涨价以后老人坐车怎么办？建议保留免费乘车。", "consulting", "/decisions/1#comment-1", 2),
		doc("decision-2", search.TypeDecision, 2, "餐饮油烟污染防治办法", "规范餐饮服务业油烟排放。", "drafting", "/decisions/2", 3),
		doc("comment-2", search.TypeComment, 2, "意见", "小区楼下烧烤油烟太大了，晚上窗户都不敢开。", "drafting", "/decisions/2#comment-2", 4),
		doc("comment-3", search.TypeComment, 2, "意见", "建议把垃圾分类也写进去。", "consulting", "/decisions/2#comment-3", 5),
		doc("comment-4", search.TypeComment, 1, "意见", "建议公交站增加遮阳棚。", "consulting", "/decisions/1#comment-4", 6),
		doc("survey-1", search.TypeSurvey, 1, "公交出行问卷", "请告诉我们您每周乘车几次。", "consulting", "/surveys/1", 7),
	}
}

func mustSearch(t *testing.T, idx search.Index, q search.Query) search.Result {
	t.Helper()
	res, err := idx.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

func mustGrouped(t *testing.T, idx search.Index, q search.Query) search.GroupedResult {
	t.Helper()
	res, err := search.SearchGrouped(context.Background(), idx, q)
	if err != nil {
		t.Fatalf("SearchGrouped(%+v): %v", q, err)
	}
	return res
}

func groupIDs(res search.GroupedResult) []string {
	var out []string
	for _, g := range res.Groups {
		if g.Decision != nil {
			out = append(out, g.Decision.Document.ID)
		}
		for _, h := range g.Hits {
			out = append(out, h.Document.ID)
		}
	}
	return out
}

func groupHas(res search.GroupedResult, id string) bool { return slices.Contains(groupIDs(res), id) }

func mustUpsert(t *testing.T, idx search.Index, docs ...search.Document) {
	t.Helper()
	if err := idx.Upsert(context.Background(), docs); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
}

func ids(res search.Result) []string {
	out := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, h.Document.ID)
	}
	return out
}

func containsID(res search.Result, id string) bool { return countID(res, id) > 0 }

func countID(res search.Result, id string) int {
	n := 0
	for _, h := range res.Hits {
		if h.Document.ID == id {
			n++
		}
	}
	return n
}

func hitByID(res search.Result, id string) *search.Hit {
	for i := range res.Hits {
		if res.Hits[i].Document.ID == id {
			return &res.Hits[i]
		}
	}
	return nil
}

// markedContains reports whether the marked parts of snippet cover term:
// one marked run contains it, or the runs concatenated in order do (a
// backend may mark 票 and 价 separately).
func markedContains(snippet, term string) bool {
	var runs []string
	rest := snippet
	for {
		i := strings.Index(rest, search.HighlightPre)
		if i < 0 {
			break
		}
		rest = rest[i+len(search.HighlightPre):]
		j := strings.Index(rest, search.HighlightPost)
		if j < 0 {
			return false
		}
		runs = append(runs, rest[:j])
		rest = rest[j+len(search.HighlightPost):]
	}
	for _, r := range runs {
		if strings.Contains(r, term) {
			return true
		}
	}
	return strings.Contains(strings.Join(runs, ""), term)
}
