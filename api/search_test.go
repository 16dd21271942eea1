package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

type searchHitJSON struct {
	ID               string `json:"id"`
	Type             string `json:"type"`
	URL              string `json:"url"`
	ArticleLabel     string `json:"article_label"`
	ModerationStatus string `json:"moderation_status"`
	Snippet          []struct {
		Text      string `json:"text"`
		Highlight bool   `json:"highlight"`
	} `json:"snippet"`
}

type searchResultJSON struct {
	Total  int             `json:"total"`
	Hits   []searchHitJSON `json:"hits"`
	Facets map[string][]struct {
		Value string `json:"value"`
		Count int    `json:"count"`
	} `json:"facets"`
	NextCursor string `json:"next_cursor"`
}

func TestSearchAPI(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	ctx := context.Background()
	author, _ := s.Identity.Authenticate(ctx, s.author)
	staff, _ := s.Identity.Authenticate(ctx, s.staff)
	c, _, err := s.Consultation.SubmitComment(ctx, &author, s.decision.ID, consultation.CommentInput{ArticleAnchor: s.anchors[2],
		Body: "课后服务收费偏高，建议降低收费标准", ClientAddr: "10.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	pending, _, err := s.Consultation.SubmitComment(ctx, &author, s.decision.ID, consultation.CommentInput{Body: "收费应当公开明细", ClientAddr: "10.1.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Consultation.ModerateComment(ctx, &staff, c.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatal(err)
	}
	s.DrainSearch()

	get := func(t *testing.T, q url.Values, token string) searchResultJSON {
		t.Helper()
		var r searchResultJSON
		s.Do(http.MethodGet, "/search?"+q.Encode(), token, nil).Expect(t, http.StatusOK, "").JSON(t, &r)
		return r
	}
	t.Run("ArticlesAndCommentsWithFacets", func(t *testing.T) {
		r := get(t, url.Values{"q": {"收费"}}, "")
		types := map[string]searchHitJSON{}
		for _, h := range r.Hits {
			types[h.Type] = h
		}
		art, ok := types["article"]
		if !ok || art.URL != fmt.Sprintf("/decisions/%d#%s", s.decision.ID, s.anchors[2]) || art.ArticleLabel != "第三条" {
			t.Fatalf("article hit: %+v (all %+v)", art, r.Hits)
		}
		cm, ok := types["comment"]
		if !ok || cm.ID != fmt.Sprintf("comment-%d", c.ID) {
			t.Fatalf("comment hit missing: %+v", r.Hits)
		}
		for _, h := range r.Hits {
			if h.ID == fmt.Sprintf("comment-%d", pending.ID) {
				t.Fatal("a pending comment is publicly searchable")
			}
		}
		highlighted := false
		for _, p := range cm.Snippet {
			if strings.ContainsAny(p.Text, "\ue000\ue001") {
				t.Fatalf("marker leaked into the snippet: %q", p.Text)
			}
			highlighted = highlighted || p.Highlight && strings.Contains(p.Text, "收费")
		}
		if !highlighted {
			t.Errorf("no highlighted 收费 in %+v", cm.Snippet)
		}
		if len(r.Facets["type"]) == 0 || len(r.Facets["domain"]) == 0 || len(r.Facets["lead_agency"]) == 0 {
			t.Errorf("facets: %+v", r.Facets)
		}
	})
	t.Run("TypeFilterRepeatable", func(t *testing.T) {
		r := get(t, url.Values{"q": {"收费"}, "type": {"comment", "decision"}}, "")
		for _, h := range r.Hits {
			if h.Type != "comment" && h.Type != "decision" {
				t.Fatalf("type filter ignored: %+v", h)
			}
		}
		if len(r.Hits) == 0 {
			t.Fatal("no hits")
		}
	})
	t.Run("Pagination", func(t *testing.T) {
		r := get(t, url.Values{"q": {"课后服务"}, "limit": {"1"}}, "")
		if r.Total > 1 && r.NextCursor == "" {
			t.Fatalf("total %d but no next_cursor", r.Total)
		}
		if r.NextCursor != "" {
			r2 := get(t, url.Values{"q": {"课后服务"}, "limit": {"1"}, "cursor": {r.NextCursor}}, "")
			if len(r2.Hits) != 1 || r2.Hits[0].ID == r.Hits[0].ID {
				t.Fatalf("second page %+v after %+v", r2.Hits, r.Hits)
			}
		}
	})
	bad := []struct{ name, query, code string }{
		{"BadSort", "sort=random", ""},
		{"BadType", "type=secret", ""},
		{"BadDate", "from=yesterday", ""},
		{"BadCursor", "cursor=zzz", "invalid_cursor"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			s.Do(http.MethodGet, "/search?"+b.query, "", nil).Expect(t, http.StatusUnprocessableEntity, b.code)
		})
	}
	t.Run("AgencyComments", func(t *testing.T) {
		path := fmt.Sprintf("/decisions/%d/comment-search?q=%s", s.decision.ID, url.QueryEscape("收费"))
		var r searchResultJSON
		s.Do(http.MethodGet, path, s.staff, nil).Expect(t, http.StatusOK, "").JSON(t, &r)
		states := map[string]bool{}
		for _, h := range r.Hits {
			states[h.ModerationStatus] = true
		}
		if !states["pending"] || !states["published"] {
			t.Fatalf("staff see %+v", r.Hits)
		}
		s.Do(http.MethodGet, path, s.other, nil).Expect(t, http.StatusForbidden, "not_lead_unit_staff")
		s.Do(http.MethodGet, path, s.reader, nil).Expect(t, http.StatusForbidden, "")
		s.Do(http.MethodGet, path, "", nil).Expect(t, http.StatusUnauthorized, "")
	})
	t.Run("ReadyzAndMetrics", func(t *testing.T) {
		s.Do(http.MethodGet, "/readyz", "", nil).Expect(t, http.StatusOK, "")
		s.Index.Stop()
		defer s.Index.Start()
		r := s.Do(http.MethodGet, "/readyz", "", nil).Expect(t, http.StatusServiceUnavailable, "")
		if !strings.Contains(string(r.Body), `"search":"unavailable"`) || !strings.Contains(string(r.Body), `"database":"ok"`) {
			t.Fatalf("readyz body %s", r.Body)
		}
		s.Do(http.MethodGet, "/search?q=x", "", nil).Expect(t, http.StatusServiceUnavailable, "search_unavailable")
		// Writes still succeed while search is down.
		if _, err := s.Consultation.ModerateComment(ctx, &staff, pending.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
		m := string(s.Do(http.MethodGet, "/metrics", "", nil).Expect(t, http.StatusOK, "").Body)
		if !strings.Contains(m, "canyu_search_outbox_rows 1") && !strings.Contains(m, "canyu_search_outbox_rows 2") {
			t.Errorf("backlog gauge missing or wrong:\n%s", grepLines(m, "canyu_search"))
		}
		if !strings.Contains(m, "canyu_search_index_lag_seconds") {
			t.Errorf("lag gauge missing")
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
