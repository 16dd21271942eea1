package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/search"
)

// SearchSnippetPartView is a run of a snippet's text; highlight marks the
// runs that matched the query. Snippets come as parts, never as markup.
type SearchSnippetPartView struct {
	Text      string `json:"text"`
	Highlight bool   `json:"highlight,omitempty"`
}

// SearchHitView is one search result.
type SearchHitView struct {
	ID               string                  `json:"id" doc:"Document id, unique across types: decision-12, article-12-a-…, comment-881, survey-4."`
	Type             string                  `json:"type" enum:"decision,article,comment,survey"`
	DecisionID       int64                   `json:"decision_id,omitempty"`
	Title            string                  `json:"title"`
	Domain           string                  `json:"domain,omitempty"`
	Status           string                  `json:"status,omitempty" doc:"The decision's stage (for decisions, articles, comments) or the survey's status."`
	LeadAgency       string                  `json:"lead_agency,omitempty" doc:"Agency code of the lead unit (or of the agency running a survey)."`
	ArticleAnchor    string                  `json:"article_anchor,omitempty"`
	ArticleLabel     string                  `json:"article_label,omitempty" doc:"E.g. 第三条."`
	ModerationStatus string                  `json:"moderation_status,omitempty" enum:"pending,published,rejected" doc:"search-agency-comments only."`
	URL              string                  `json:"url" doc:"Page path that shows the hit: /decisions/12#a-… lands on the article; /decisions/12/comments?article=…#comment-881 on the comment."`
	Date             time.Time               `json:"date"`
	Score            float64                 `json:"score"`
	Snippet          []SearchSnippetPartView `json:"snippet" doc:"The matched passage as text runs; highlight marks the matched terms."`
}

// SearchFacetCountView is the number of hits with one value of a facet.
type SearchFacetCountView struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// SearchResultView is a page of search results.
type SearchResultView struct {
	Total      int                               `json:"total" doc:"Hits matching the query and filters (an estimate for large counts)."`
	Hits       []SearchHitView                   `json:"hits"`
	Facets     map[string][]SearchFacetCountView `json:"facets,omitempty" doc:"Counts per value of type, domain, status and lead_agency, most frequent first."`
	NextCursor string                            `json:"next_cursor,omitempty"`
	// Groups and Suggestion: with group=true only.
	Groups     []SearchGroupView `json:"groups,omitempty" doc:"With group=true: the hits grouped under their decision, each decision once, best first; total, limit and next_cursor then count groups, and hits lists every hit of the page in group order."`
	Suggestion string            `json:"suggestion,omitempty" doc:"With group=true: a query that sounds like this one and would match exactly (您是不是要找), when the exact match found nothing."`
}

// SearchGroupView is one decision with its best matching articles and
// comments (or a survey without decision).
type SearchGroupView struct {
	DecisionID    int64           `json:"decision_id,omitempty"`
	DecisionTitle string          `json:"decision_title,omitempty"`
	Decision      *SearchHitView  `json:"decision,omitempty" doc:"The decision's own hit when it matched."`
	Hits          []SearchHitView `json:"hits" doc:"Up to three best hits of the group (articles, comments, surveys)."`
	Matches       int             `json:"matches" doc:"Hits of this group among the first 100."`
}

// searchQueryFields are the query parameters both search operations take
// (listed in each input: huma reads parameters of named fields only).
type searchQueryFields struct {
	Q, Sort, From, To, Cursor string
	Limit                     int
}

type searchInput struct {
	Q          string   `query:"q" maxLength:"200" doc:"Chinese or other text; empty lists the filtered documents, newest first."`
	Sort       string   `query:"sort" enum:"relevance,date_desc,date_asc" doc:"Default relevance (date_desc when q is empty)."`
	From       string   `query:"from" format:"date" doc:"Earliest date (YYYY-MM-DD, Asia/Shanghai) of the document: publication of a decision, submission of a comment, opening of a survey."`
	To         string   `query:"to" format:"date" doc:"Latest date, inclusive."`
	Limit      int      `query:"limit" minimum:"0" maximum:"100"`
	Cursor     string   `query:"cursor" maxLength:"200"`
	Type       []string `query:"type,explode" enum:"decision,article,comment,survey" doc:"Document types (repeatable); all when absent."`
	Domain     string   `query:"domain" maxLength:"40"`
	Status     string   `query:"status" maxLength:"40"`
	LeadAgency string   `query:"lead_agency" maxLength:"64" doc:"Agency code of the lead unit."`
	Decision   int64    `query:"decision" minimum:"0" doc:"Only documents of this decision."`
	Group      bool     `query:"group" doc:"Group the hits under their decision (each decision once, with its best articles and comments); limit and cursor then count groups."`
}

type agencyCommentSearchInput struct {
	DecisionPath
	Q    string `query:"q" maxLength:"200" doc:"Chinese or other text; empty lists the filtered documents, newest first."`
	Sort string `query:"sort" enum:"relevance,date_desc,date_asc" doc:"Default relevance (date_desc when q is empty)."`
	From string `query:"from" format:"date" doc:"Earliest date (YYYY-MM-DD, Asia/Shanghai) of the document: publication of a decision, submission of a comment, opening of a survey."`
	To   string `query:"to" format:"date" doc:"Latest date, inclusive."`
	PageQuery
}

// errNoSearch means the handler was built without a search service (only
// `canyu openapi` does that).
var errNoSearch = errors.New("search service not configured")

// searcher is the search service, or errNoSearch as an internal error.
func (s *server) searcher() (*search.Service, error) {
	if s.svc.Search == nil {
		return nil, errs.Internal(errNoSearch)
	}
	return s.svc.Search, nil
}

// searchFor is the search service and the query of the fields, or the
// error to answer (searcher's, toQuery's).
func (s *server) searchFor(f searchQueryFields) (*search.Service, search.Query, error) {
	srch, err := s.searcher()
	if err != nil {
		return nil, search.Query{}, err
	}
	q, err := f.toQuery()
	return srch, q, err
}

// shanghaiZone is where dates of the date range are read (DOMAIN.md, "Time").
var shanghaiZone = workday.Location()

// toQuery maps the shared query fields. Codes: invalid_search, invalid_cursor.
func (f searchQueryFields) toQuery() (search.Query, error) {
	q := search.Query{Text: f.Q, Sort: f.Sort, Limit: f.Limit}
	if q.Sort == "relevance" {
		q.Sort = ""
	}
	off, err := cursor.Decode(f.Cursor)
	if err != nil {
		return q, err
	}
	q.Offset = int(off)
	if f.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.From, shanghaiZone)
		if err != nil {
			return q, errs.InvalidField("invalid_search", "from", "日期格式应为 YYYY-MM-DD")
		}
		q.From = t.UTC()
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, shanghaiZone)
		if err != nil {
			return q, errs.InvalidField("invalid_search", "to", "日期格式应为 YYYY-MM-DD")
		}
		q.To = t.AddDate(0, 0, 1).Add(-time.Nanosecond).UTC()
	}
	return q, nil
}

func searchHitView(h search.Hit) SearchHitView {
	d := h.Document
	hv := SearchHitView{ID: d.ID, Type: string(d.Type), DecisionID: d.DecisionID, Title: d.Title, Domain: d.Domain, Status: d.Status,
		LeadAgency: d.LeadAgency, ArticleAnchor: d.ArticleAnchor, ArticleLabel: d.ArticleLabel, ModerationStatus: d.ModerationStatus,
		URL: d.URL, Date: d.Date, Score: h.Score, Snippet: []SearchSnippetPartView{}}
	for _, p := range search.SnippetParts(h.Snippet) {
		hv.Snippet = append(hv.Snippet, SearchSnippetPartView(p))
	}
	return hv
}

// searchGroupedView is the grouped result: groups, and every hit of the
// page in group order in hits.
func searchGroupedView(q search.Query, r search.GroupedResult) SearchResultView {
	var hits []search.Hit
	var groups []SearchGroupView
	for _, g := range r.Groups {
		gv := SearchGroupView{DecisionID: g.DecisionID, DecisionTitle: g.DecisionTitle, Matches: g.Matches, Hits: []SearchHitView{}}
		if g.Decision != nil {
			hv := searchHitView(*g.Decision)
			gv.Decision = &hv
			hits = append(hits, *g.Decision)
		}
		for _, h := range g.Hits {
			gv.Hits = append(gv.Hits, searchHitView(h))
		}
		hits = append(hits, g.Hits...)
		groups = append(groups, gv)
	}
	v := searchResultView(q, search.Result{Total: r.Total, Hits: hits, Facets: r.Facets})
	v.Groups, v.Suggestion = groups, r.Suggestion
	if v.Groups == nil {
		v.Groups = []SearchGroupView{}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = search.DefaultLimit
	}
	v.NextCursor = ""
	if next := q.Offset + limit; next < r.Total && len(r.Groups) > 0 && next+limit <= search.MaxWindow {
		v.NextCursor = cursor.Encode(int64(next))
	}
	return v
}

func searchResultView(q search.Query, r search.Result) SearchResultView {
	v := SearchResultView{Total: r.Total, Hits: make([]SearchHitView, 0, len(r.Hits))}
	for _, h := range r.Hits {
		v.Hits = append(v.Hits, searchHitView(h))
	}
	if len(r.Facets) > 0 {
		v.Facets = map[string][]SearchFacetCountView{}
		for name, counts := range r.Facets {
			v.Facets[name] = facetCounts(counts)
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = search.DefaultLimit
	}
	if next := q.Offset + limit; next < r.Total && len(r.Hits) > 0 && next+limit <= search.MaxWindow {
		v.NextCursor = cursor.Encode(int64(next))
	}
	return v
}

// facetCounts orders a facet's counts, most frequent first, then by value.
func facetCounts(m map[string]int) []SearchFacetCountView {
	out := make([]SearchFacetCountView, 0, len(m))
	for k, n := range m {
		out = append(out, SearchFacetCountView{Value: k, Count: n})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].Count > out[j-1].Count || out[j].Count == out[j-1].Count && out[j].Value < out[j-1].Value); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (s *server) registerSearch() {
	tags := []string{"Search"}
	answer(s, huma.Operation{OperationID: "search", Method: http.MethodGet, Path: "/search",
		Summary: "Search drafts, articles, comments and surveys", Tags: tags, Errors: []int{422, 503},
		Description: "Full-text search (Chinese) of what the public may see: public decision items, the articles of their public draft version, " +
			"published comments of consultations that show comments, and surveys that are not drafts. Filters by type (repeatable), domain, " +
			"status, lead_agency, decision and date range; facet counts for type, domain, status and lead_agency; snippets as text runs " +
			"with the matched terms marked. Traditional characters, full-width letters and digits, pinyin and homophones are matched; " +
			"a query that matches nothing exactly is relaxed (fewer required words, then any word, then by sound) instead of " +
			"finding nothing. group=true groups the hits under their decision and may carry a suggestion. Pagination by next_cursor. 503 search_unavailable while the search backend is down."},
		public(), func(ctx context.Context, in *searchInput) (SearchResultView, error) {
			srch, q, err := s.searchFor(searchQueryFields{Q: in.Q, Sort: in.Sort, From: in.From, To: in.To,
				Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return SearchResultView{}, err
			}
			for _, t := range in.Type {
				q.Types = append(q.Types, search.DocType(t))
			}
			q.Domain, q.Status, q.LeadAgency, q.DecisionID = in.Domain, in.Status, in.LeadAgency, in.Decision
			if in.Group {
				res, err := srch.SearchGrouped(ctx, q)
				if err != nil {
					return SearchResultView{}, err
				}
				return searchGroupedView(q, res), nil
			}
			res, err := srch.Search(ctx, q)
			if err != nil {
				return SearchResultView{}, err
			}
			return searchResultView(q, res), nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "search-agency-comments", Method: http.MethodGet, Path: "/decisions/{decision_id}/comment-search",
		Summary: "Search a decision's comments in every moderation state", Tags: tags, Errors: []int{403, 404, 422, 503},
		Description: "Staff of the decision's lead unit search its comments whether pending, published or rejected (moderation_status on each hit). " +
			"Anyone else: 403 not_lead_unit_staff (404 when they may not see the decision)."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *agencyCommentSearchInput) (SearchResultView, error) {
			srch, q, err := s.searchFor(searchQueryFields{Q: in.Q, Sort: in.Sort, From: in.From, To: in.To,
				Cursor: in.Cursor, Limit: in.Limit})
			if err != nil {
				return SearchResultView{}, err
			}
			res, err := srch.SearchAgencyComments(ctx, actor(ctx), in.DecisionID, q)
			if err != nil {
				return SearchResultView{}, err
			}
			return searchResultView(q, res), nil
		}, asIs)
}

// SearchSynonymGroupView is a near-synonym group staff added.
type SearchSynonymGroupView struct {
	ID        int64     `json:"id"`
	Words     []string  `json:"words"`
	CreatedAt time.Time `json:"created_at"`
}

type searchSynonymListView struct {
	Builtin [][]string               `json:"builtin" doc:"Groups compiled into the service (read-only)."`
	Groups  []SearchSynonymGroupView `json:"groups" doc:"Groups staff added."`
}

type searchSynonymCreateInputBody struct {
	Words []string `json:"words" minItems:"1" maxItems:"12" doc:"2–12 words that mean the same to residents (a word may also hold several separated by spaces or 、)."`
}

type searchSynonymDeleteInput struct {
	ID int64 `path:"id" minimum:"1"`
}

func synonymGroupView(g search.SynonymGroup) SearchSynonymGroupView {
	return SearchSynonymGroupView{ID: g.ID, Words: g.Words, CreatedAt: g.CreatedAt}
}

// registerSearchSynonyms adds the admin operations on the near-synonym
// table search expands queries with (issue 16).
func (s *server) registerSearchSynonyms() {
	tags := []string{"Search"}
	answer(s, huma.Operation{OperationID: "list-search-synonyms", Method: http.MethodGet, Path: "/search/synonyms",
		Summary: "List search near-synonyms", Tags: tags, Errors: []int{401, 403},
		Description: "The near-synonym groups search matches as one another: the built-in ones and those staff added. Admins only."},
		roles(identity.RoleAdmin), func(ctx context.Context, _ *struct{}) ([]search.SynonymGroup, error) {
			srch, err := s.searcher()
			if err != nil {
				return nil, err
			}
			return srch.ListSynonymGroups(ctx, actor(ctx))
		}, func(list []search.SynonymGroup) searchSynonymListView {
			return searchSynonymListView{Builtin: search.BuiltinSynonyms(), Groups: views(list, synonymGroupView)}
		})
	answer(s, huma.Operation{OperationID: "create-search-synonym-group", Method: http.MethodPost, Path: "/search/synonyms",
		Summary: "Add a group of search near-synonyms", Tags: tags, Errors: []int{401, 403, 422}, DefaultStatus: http.StatusCreated,
		Description: "Adds 2–12 words that find one another in search (a query for one also finds documents with another). " +
			"Applies at once on this instance and within 30 seconds on the others. 422 invalid_synonyms. Admins only."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *withBody[searchSynonymCreateInputBody]) (search.SynonymGroup, error) {
			srch, err := s.searcher()
			if err != nil {
				return search.SynonymGroup{}, err
			}
			return srch.AddSynonymGroup(ctx, actor(ctx), in.Body.Words)
		}, synonymGroupView)
	answerNothing(s, huma.Operation{OperationID: "delete-search-synonym-group", Method: http.MethodDelete, Path: "/search/synonyms/{id}",
		Summary: "Remove a group of search near-synonyms", Tags: tags, Errors: []int{401, 403, 404}, DefaultStatus: http.StatusNoContent,
		Description: "Removes a group staff added (built-in groups cannot be removed). 404 synonym_group_not_found. Admins only."},
		roles(identity.RoleAdmin), func(ctx context.Context, in *searchSynonymDeleteInput) error {
			srch, err := s.searcher()
			if err != nil {
				return err
			}
			return srch.DeleteSynonymGroup(ctx, actor(ctx), in.ID)
		})
}
