package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/meilisearch/meilisearch-go"
)

// Search limits of the Meilisearch backend.
const (
	// meiliDefaultLimit is the page size when Query.Limit is zero.
	meiliDefaultLimit = 20
	// meiliMaxWindow is Meilisearch's default pagination.maxTotalHits:
	// hits past offset+limit = 1000 are never returned.
	meiliMaxWindow = 1000
	// meiliCropWords is the snippet length in words; the Mandarin
	// segmenter makes most words one or two characters, so 60 words is a
	// window of about 100–120 characters around the first match.
	meiliCropWords = 60
)

// meiliFacets maps Query.Facets names to attributes (the same names).
var meiliFacets = map[string]bool{"type": true, "domain": true, "status": true, "lead_agency": true}

// Search runs q on the index. Text is matched on title and body; filters
// are combined with AND; without text and sort, newest first; the snippet is the body cropped around the first
// match (the title when the body is empty) with matches wrapped in
// HighlightPre/HighlightPost. Total is Meilisearch's estimatedTotalHits.
// Errors wrap ErrInvalid (bad sort, facet, paging or filter value) or
// ErrUnavailable.
func (m *Meili) Search(ctx context.Context, q Query) (Result, error) {
	if q.Relax > RelaxAll && strings.TrimSpace(q.Text) != "" {
		// One tier: matchingStrategy "last" already drops words from the
		// end until something matches (the relaxation of the embedded
		// backend's tiers); there is no pinyin tier.
		return Result{Hits: []Hit{}}, nil
	}
	req, err := meiliSearchRequest(q)
	if err != nil {
		return Result{}, err
	}
	resp, err := m.index.Search(ctx, req.Query, req)
	if err != nil && m.settingsMissing(err) {
		// The index lost its settings or was never given them (created
		// by another client, restored from an old dump, deleted): apply
		// them and ask once more instead of failing every search until a
		// restart.
		if aerr := m.ensureSettings(ctx); aerr != nil {
			return Result{}, aerr
		}
		resp, err = m.index.Search(ctx, req.Query, req)
	}
	if err != nil {
		return Result{}, meiliError("search", err)
	}
	return meiliResult(resp, q.Facets)
}

// settingsMissing reports a search error that says the index lacks our
// settings: an attribute not filterable or not sortable, or no index.
// It marks the settings as not applied.
func (m *Meili) settingsMissing(err error) bool {
	var me *meilisearch.Error
	if !errors.As(err, &me) {
		return false
	}
	switch me.APIError.Code {
	case meilisearch.APIErrCodeIndexNotFound:
	case meilisearch.APIErrCodeInvalidSearchFilter, meilisearch.APIErrCodeInvalidSearchFacets, meilisearch.APIErrCodeInvalidSearchSort:
		msg := me.APIError.Message
		if !strings.Contains(msg, "not filterable") && !strings.Contains(msg, "not sortable") {
			return false
		}
	default:
		return false
	}
	m.settingsLost()
	return true
}

// meiliSearchRequest maps a Query to the body of POST /indexes/{uid}/search.
func meiliSearchRequest(q Query) (*meilisearch.SearchRequest, error) {
	if q.Offset < 0 || q.Limit < 0 {
		return nil, fmt.Errorf("search: offset and limit must not be negative: %w", ErrInvalid)
	}
	limit := q.Limit
	if limit == 0 {
		limit = meiliDefaultLimit
	}
	limit = min(limit, meiliMaxWindow)
	filter, err := meiliFilter(q)
	if err != nil {
		return nil, err
	}
	req := &meilisearch.SearchRequest{
		Query:                 meiliQueryText(q.Text),
		Offset:                int64(q.Offset),
		Limit:                 int64(limit),
		AttributesToHighlight: []string{"title", "body"},
		HighlightPreTag:       HighlightPre,
		HighlightPostTag:      HighlightPost,
		AttributesToCrop:      []string{"body"},
		CropLength:            meiliCropWords,
		CropMarker:            "…",
		ShowRankingScore:      true,
		Locales:               []string{"cmn"},
		MatchingStrategy:      meilisearch.Last,
	}
	if filter != "" {
		req.Filter = filter
	}
	switch q.Sort {
	case "":
		// Without text there is no relevance to rank by: newest first,
		// as on the embedded backend.
		if req.Query == "" {
			req.Sort = []string{"date:desc"}
		}
	case "date_desc":
		req.Sort = []string{"date:desc"}
	case "date_asc":
		req.Sort = []string{"date:asc"}
	default:
		return nil, fmt.Errorf("search: sort %q: want date_desc or date_asc: %w", q.Sort, ErrInvalid)
	}
	for _, f := range q.Facets {
		if !meiliFacets[f] {
			return nil, fmt.Errorf("search: facet %q: want type, domain, status or lead_agency: %w", f, ErrInvalid)
		}
		req.Facets = append(req.Facets, f)
	}
	return req, nil
}

// meiliQueryText is the q sent to Meilisearch: the text normalised as the
// embedded backend normalises it (Normalize: full-width to half-width,
// traditional to simplified characters, lower case, punctuation to
// spaces), except that double quotes (ASCII or Chinese “”) stay ASCII
// double quotes, Meilisearch's phrase search. Near-synonyms are not
// appended: they are the index's synonyms setting (meiliSettings).
func meiliQueryText(text string) string {
	orig := []rune(text)
	norm := []rune(Normalize(text))
	if len(norm) == len(orig) {
		for i, r := range orig {
			if r == '"' || r == '“' || r == '”' || r == '＂' {
				norm[i] = '"'
			}
		}
	}
	q := strings.Join(strings.Fields(string(norm)), " ")
	if strings.Count(q, `"`)%2 == 1 {
		// An unclosed quote: Meilisearch would take the rest of the
		// query as one phrase; drop the last quote instead.
		i := strings.LastIndex(q, `"`)
		q = strings.TrimSpace(q[:i] + " " + q[i+1:])
	}
	return q
}

// meiliFilter builds the filter expression of q, every string value
// quoted and escaped, conditions joined with AND, for example
// type IN ["comment","article"] AND domain = "environment" AND date >= 1700000000.
func meiliFilter(q Query) (string, error) {
	var conds []string
	if len(q.Types) > 0 {
		vals := make([]string, len(q.Types))
		for i, t := range q.Types {
			v, err := meiliQuote("type", string(t))
			if err != nil {
				return "", err
			}
			vals[i] = v
		}
		conds = append(conds, "type IN ["+strings.Join(vals, ",")+"]")
	}
	for _, f := range []struct{ attr, val string }{
		{"domain", q.Domain}, {"status", q.Status}, {"lead_agency", q.LeadAgency},
	} {
		if f.val == "" {
			continue
		}
		v, err := meiliQuote(f.attr, f.val)
		if err != nil {
			return "", err
		}
		conds = append(conds, f.attr+" = "+v)
	}
	if q.DecisionID != 0 {
		conds = append(conds, "decision_id = "+strconv.FormatInt(q.DecisionID, 10))
	}
	// Dates are stored as unix seconds; both bounds are inclusive.
	switch {
	case !q.From.IsZero() && !q.To.IsZero():
		if q.To.Before(q.From) {
			return "", fmt.Errorf("search: date range ends before it starts: %w", ErrInvalid)
		}
		conds = append(conds, fmt.Sprintf("date %d TO %d", q.From.Unix(), q.To.Unix()))
	case !q.From.IsZero():
		conds = append(conds, fmt.Sprintf("date >= %d", q.From.Unix()))
	case !q.To.IsZero():
		conds = append(conds, fmt.Sprintf("date <= %d", q.To.Unix()))
	}
	return strings.Join(conds, " AND "), nil
}

// meiliQuote returns v as a double-quoted filter value. Meilisearch's
// filter parser unescapes \" inside double quotes but keeps any other
// backslash, so a value with a backslash or a control character cannot be
// expressed faithfully and is refused (our codes never contain them).
func meiliQuote(attr, v string) (string, error) {
	for _, r := range v {
		if r == '\\' || r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("search: %s %q: backslash or control character: %w", attr, v, ErrInvalid)
		}
	}
	return `"` + strings.ReplaceAll(v, `"`, `\"`) + `"`, nil
}

// meiliResult maps a search response to a Result.
func meiliResult(resp *meilisearch.SearchResponse, facets []string) (Result, error) {
	res := Result{Total: int(resp.EstimatedTotalHits), Hits: make([]Hit, 0, len(resp.Hits))}
	for _, h := range resp.Hits {
		var md meiliDoc
		if err := h.DecodeInto(&md); err != nil {
			return Result{}, fmt.Errorf("search: meilisearch hit: %w: %w", ErrUnavailable, err)
		}
		hit := Hit{Document: md.document()}
		if raw, ok := h["_rankingScore"]; ok {
			_ = json.Unmarshal(raw, &hit.Score)
		}
		if raw, ok := h["_formatted"]; ok {
			var f struct {
				Title string `json:"title"`
				Body  string `json:"body"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				return Result{}, fmt.Errorf("search: meilisearch _formatted: %w: %w", ErrUnavailable, err)
			}
			// The body around its first match; the title when only the
			// title matched or the body is empty.
			hit.Snippet = f.Body
			if strings.TrimSpace(f.Body) == "" ||
				(!strings.Contains(f.Body, HighlightPre) && strings.Contains(f.Title, HighlightPre)) {
				hit.Snippet = f.Title
			}
		}
		res.Hits = append(res.Hits, hit)
	}
	if len(facets) > 0 {
		res.Facets = make(map[string]map[string]int, len(facets))
		var dist map[string]map[string]int
		if len(resp.FacetDistribution) > 0 {
			if err := json.Unmarshal(resp.FacetDistribution, &dist); err != nil {
				return Result{}, fmt.Errorf("search: meilisearch facetDistribution: %w: %w", ErrUnavailable, err)
			}
		}
		for _, f := range facets {
			counts := dist[f]
			if counts == nil {
				counts = map[string]int{}
			}
			res.Facets[f] = counts
		}
	}
	return res, nil
}
