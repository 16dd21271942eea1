package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/search"
)

func TestSearchPages(t *testing.T) {
	e := newPagesEnv(t)
	d := e.decision(t, "平顶山市城区义务教育学校招生入学办法")
	e.publish(t, d)
	// A published comment whose text tries to inject markup.
	resident, _ := e.Account(identity.RoleResident, "")
	ctx := context.Background()
	publishedComment(t, e.Consultation, &resident, &e.staff, d.ID, consultation.CommentInput{
		Body: "随迁子女入学<script>alert(1)</script>材料太多", ClientAddr: "10.2.2.2"})
	e.DrainSearch()
	// The consultation did not show comments publicly: the comment is not
	// searchable until it does (the change reaches search through the
	// outbox trigger on consultations).
	if _, ok := searchFinds(t, e, "材料太多"); ok {
		t.Fatal("a comment of a consultation that hides comments is searchable")
	}
	if _, err := e.DB.Exec(ctx, `UPDATE consultations SET show_comments = true WHERE decision_id = $1`, d.ID); err != nil {
		t.Fatal(err)
	}
	e.DrainSearch()
	if _, ok := searchFinds(t, e, "材料太多"); !ok {
		t.Fatal("comment not searchable once the consultation shows comments")
	}
	b := newBrowser(t, e.URL, "")

	t.Run("SearchBoxOnEveryPage", func(t *testing.T) {
		for _, path := range []string{"/", "/decisions", fmt.Sprintf("/decisions/%d", d.ID), "/login", "/search"} {
			status, body := b.get(path)
			wantStatus(t, path, status, http.StatusOK, body)
			if !strings.Contains(body, `<form id="site-search" method="get" action="/search"`) || !strings.Contains(body, `form="site-search"`) || !strings.Contains(body, `role="search"`) {
				t.Errorf("%s: no search box", path)
			}
		}
	})
	t.Run("ResultLandsOnArticleAnchor", func(t *testing.T) {
		status, body := b.get("/search?q=" + url.QueryEscape("划片招生"))
		wantStatus(t, "search", status, http.StatusOK, body)
		v, err := e.Consultation.GetDraftVersion(ctx, nil, d.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		var anchor string
		for _, a := range v.Articles {
			if strings.Contains(a.Text, "划片招生") {
				anchor = a.Anchor
			}
		}
		want := fmt.Sprintf(`href="/decisions/%d#%s"`, d.ID, anchor)
		if anchor == "" || !strings.Contains(body, want) {
			t.Fatalf("no link %s in %s", want, snippet(body))
		}
		if !strings.Contains(body, "<mark>") {
			t.Errorf("no highlighted snippet")
		}
	})
	t.Run("FacetsAreFilterLinks", func(t *testing.T) {
		_, body := b.get("/search?q=" + url.QueryEscape("入学"))
		if !strings.Contains(body, html.EscapeString("/search?q="+url.QueryEscape("入学")+"&type=comment")) &&
			!strings.Contains(body, "type=comment") {
			t.Fatalf("no type facet link in %s", snippet(body))
		}
		_, filtered := b.get("/search?q=" + url.QueryEscape("入学") + "&type=comment")
		if strings.Contains(filtered, "hit-article") || !strings.Contains(filtered, "hit-comment") {
			t.Fatalf("type filter not applied: %s", snippet(filtered))
		}
	})
	t.Run("ScriptIsInert", func(t *testing.T) {
		for _, q := range []string{"<script>alert(1)</script>", "材料太多", "script"} {
			status, body := b.get("/search?q=" + url.QueryEscape(q))
			wantStatus(t, q, status, http.StatusOK, body)
			// The only script a page carries is the read-aloud helper the layout loads.
			rest := strings.ReplaceAll(body, `<script src="/static/read-aloud.js" defer></script>`, "")
			if strings.Contains(body, "<script>alert(1)</script>") || strings.Contains(rest, "<script") {
				t.Fatalf("query %q: unescaped script in page", q)
			}
		}
		_, body := b.get("/search?q=" + url.QueryEscape("材料太多"))
		if !strings.Contains(body, "&lt;/script&gt;") || !strings.Contains(body, "<mark>材料太多</mark>") {
			t.Fatalf("comment text not shown escaped: %s", snippet(body))
		}
	})
}

// searchFinds reports whether a public search for q has a comment hit.
func searchFinds(t *testing.T, e *pagesEnv, q string) (string, bool) {
	t.Helper()
	res, err := e.Search.Search(context.Background(), search.Query{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range res.Hits {
		if h.Document.Type == search.TypeComment {
			return h.Document.ID, true
		}
	}
	return "", false
}
