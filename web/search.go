package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/search"
)

// searchTypeNames are the Chinese names of the document types.
var searchTypeNames = map[string]string{
	string(search.TypeDecision): "决策事项", string(search.TypeArticle): "草案条文",
	string(search.TypeComment): "公众意见", string(search.TypeSurvey): "民意调查",
}

// surveyStatusNames name the statuses of surveys in the status facet.
var surveyStatusNames = map[string]string{"open": "调查进行中", "closed": "调查已结束"}

// searchFacetTitles are the headings of the facets, in display order.
var searchFacetTitles = []struct{ Name, Title string }{
	{"type", "类型"}, {"domain", "民生领域"}, {"status", "所处阶段"}, {"lead_agency", "承办单位"},
}

// searchHitRow is one result as the page shows it.
type searchHitRow struct {
	Hit      search.Hit
	TypeName string
	Snippet  template.HTML
}

// facetLink is one value of a facet: a link that adds (or, when Active,
// removes) the filter.
type facetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

type facetGroup struct {
	Title  string
	Values []facetLink
}

// searchGroupRow is one decision of the grouped results with its best
// hits beneath.
type searchGroupRow struct {
	Title    string
	URL      string
	Decision *searchHitRow
	Hits     []searchHitRow
	More     int // further matches of the decision not shown
}

// searchPageData backs the results page.
type searchPageData struct {
	Query       string
	Searched    bool
	Total       int
	Hits        []searchHitRow
	Groups      []searchGroupRow
	Suggestion  string
	SuggestURL  string
	Facets      []facetGroup
	NextURL     string
	PrevURL     string
	Unavailable bool
}

// searchPageSize is how many hits a results page shows.
const searchPageSize = 20

// searchPage is the results page: the header's search box lands here.
// Facets are filter links; snippets are escaped first and only then are the
// matched spans wrapped in <mark>.
func (s *site) searchPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := s.newPage(r, "搜索")
	data := searchPageData{Query: strings.TrimSpace(q.Get("q"))}
	p.Data = &data
	if s.svc.Search == nil {
		data.Unavailable = true
		s.render(w, r, http.StatusServiceUnavailable, "search", p)
		return
	}
	query := search.Query{Text: data.Query, Domain: q.Get("domain"), Status: q.Get("status"), LeadAgency: q.Get("lead_agency"),
		Limit: searchPageSize, Facets: search.Facets}
	for _, t := range q["type"] {
		query.Types = append(query.Types, search.DocType(t))
	}
	if d, err := strconv.ParseInt(q.Get("decision"), 10, 64); err == nil && d > 0 {
		query.DecisionID = d
	}
	if o, err := strconv.Atoi(q.Get("offset")); err == nil && o > 0 {
		query.Offset = o
	}
	if sort := q.Get("sort"); sort == "date_desc" || sort == "date_asc" {
		query.Sort = sort
	}
	data.Searched = data.Query != "" || len(q) > 0
	res, err := s.svc.Search.SearchGrouped(r.Context(), query)
	if err != nil {
		status := s.formError(r, &p, err)
		if status == http.StatusServiceUnavailable {
			data.Unavailable = true
			p.Message = "搜索服务暂时不可用，请稍后再试。"
		} else if len(p.Errors) > 0 && p.Message == "" {
			p.Message = "搜索条件无效，请修改后重试。"
		}
		s.render(w, r, status, "search", p)
		return
	}
	data.Total = res.Total
	row := func(h search.Hit) searchHitRow {
		return searchHitRow{Hit: h, TypeName: searchTypeNames[string(h.Document.Type)], Snippet: highlightHTML(h.Snippet)}
	}
	for _, g := range res.Groups {
		gr := searchGroupRow{Title: g.DecisionTitle, More: g.Matches - len(g.Hits)}
		if g.DecisionID != 0 {
			gr.URL = "/decisions/" + strconv.FormatInt(g.DecisionID, 10)
		}
		if g.Decision != nil {
			dr := row(*g.Decision)
			gr.Decision = &dr
			gr.More--
		}
		for _, h := range g.Hits {
			gr.Hits = append(gr.Hits, row(h))
		}
		if gr.Title == "" && len(gr.Hits) > 0 {
			gr.Title, gr.URL = gr.Hits[0].Hit.Document.Title, gr.Hits[0].Hit.Document.URL
		}
		data.Groups = append(data.Groups, gr)
	}
	if res.Suggestion != "" {
		data.Suggestion = res.Suggestion
		data.SuggestURL = "/search?q=" + url.QueryEscape(res.Suggestion)
	}
	agencies := map[string]string{}
	if list, err := s.svc.Identity.ListAgencies(r.Context()); err == nil {
		for _, a := range list {
			agencies[a.Code] = a.Name
		}
	}
	for _, f := range searchFacetTitles {
		g := facetGroup{Title: f.Title}
		for _, v := range orderedFacet(res.Facets[f.Name]) {
			link := facetLink{Label: facetLabel(f.Name, v.value, agencies), Count: v.count}
			link.Active = facetActive(q, f.Name, v.value)
			link.URL = facetURL(q, f.Name, v.value, link.Active)
			g.Values = append(g.Values, link)
		}
		if len(g.Values) > 0 {
			data.Facets = append(data.Facets, g)
		}
	}
	if next := query.Offset + searchPageSize; next < res.Total && next+searchPageSize <= search.MaxWindow {
		data.NextURL = pageURL(q, next)
	}
	if query.Offset > 0 {
		data.PrevURL = pageURL(q, max(query.Offset-searchPageSize, 0))
	}
	s.render(w, r, http.StatusOK, "search", p)
}

// highlightHTML escapes the snippet's text first and only then wraps the
// matched runs in <mark>, so no text from a document ever becomes markup.
func highlightHTML(snippet string) template.HTML {
	var b strings.Builder
	for _, part := range search.SnippetParts(snippet) {
		text := template.HTMLEscapeString(part.Text)
		if part.Highlight {
			b.WriteString("<mark>" + text + "</mark>")
		} else {
			b.WriteString(text)
		}
	}
	return template.HTML(b.String()) //nolint:gosec // every part is escaped above
}

type facetValue struct {
	value string
	count int
}

func orderedFacet(m map[string]int) []facetValue {
	out := make([]facetValue, 0, len(m))
	for k, n := range m {
		out = append(out, facetValue{k, n})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && (out[j].count > out[j-1].count || out[j].count == out[j-1].count && out[j].value < out[j-1].value); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func facetLabel(facet, value string, agencies map[string]string) string {
	var name string
	switch facet {
	case "type":
		name = searchTypeNames[value]
	case "domain":
		name = consultation.DomainNames[consultation.Domain(value)]
	case "status":
		name = consultation.StatusNames[consultation.Status(value)]
		if name == "" {
			name = surveyStatusNames[value]
		}
	case "lead_agency":
		name = agencies[value]
	}
	if name == "" {
		return value
	}
	return name
}

func facetActive(q url.Values, facet, value string) bool {
	for _, v := range q[facet] {
		if v == value {
			return true
		}
	}
	return false
}

// facetURL toggles one filter value on the current query, back to page one.
// type may hold several values; the other facets one.
func facetURL(q url.Values, facet, value string, active bool) string {
	n := url.Values{}
	for k, v := range q {
		if k != "offset" {
			n[k] = append([]string(nil), v...)
		}
	}
	switch {
	case active:
		var kept []string
		for _, v := range n[facet] {
			if v != value {
				kept = append(kept, v)
			}
		}
		n[facet] = kept
		if len(kept) == 0 {
			n.Del(facet)
		}
	case facet == "type":
		n.Add(facet, value)
	default:
		n.Set(facet, value)
	}
	return "/search?" + n.Encode()
}

func pageURL(q url.Values, offset int) string {
	n := url.Values{}
	for k, v := range q {
		n[k] = v
	}
	if offset > 0 {
		n.Set("offset", strconv.Itoa(offset))
	} else {
		n.Del("offset")
	}
	return "/search?" + n.Encode()
}
