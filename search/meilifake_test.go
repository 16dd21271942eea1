package search

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeMeili is a local stand-in for a Meilisearch server. It checks that
// every request matches the documented API (routes, methods, the Bearer
// key, Content-Type, JSON bodies with only documented fields, filter
// expressions parsed with the documented grammar and checked against the
// filterable attributes) and answers as the documentation says: 202
// summarized task objects, tasks that move enqueued → processing →
// succeeded when polled, and search answers with hits, _formatted,
// facetDistribution and estimatedTotalHits. Text matching is substring
// matching, enough to answer tests, not Meilisearch's ranking.
type fakeMeili struct {
	t   *testing.T
	key string
	srv *httptest.Server

	mu      sync.Mutex
	indexes map[string]*fakeIndex
	tasks   []*fakeTask
	// pollsToFinish is how many GET /tasks/{uid} answers show a task
	// pending before it succeeds; stuck tasks never finish.
	pollsToFinish int
	stuck         bool
	// failNext answers the next requests matching path with an error.
	failNext []fakeFailure
	// version is what GET /version answers as pkgVersion.
	version  string
	requests []fakeRequest
}

type fakeIndex struct {
	primaryKey string
	docs       map[string]map[string]any
	settings   map[string]any
}

type fakeTask struct {
	uid      int64
	index    string
	typ      string
	polls    int
	status   string
	apply    func() *fakeAPIError // run when the task is processed
	err      *fakeAPIError
	enqueued time.Time
}

type fakeFailure struct {
	pathPrefix string
	status     int
	code       string
}

type fakeRequest struct {
	Method, Path, Query string
	Body                []byte
}

type fakeAPIError struct {
	status  int
	code    string
	message string
	typ     string
}

func newFakeMeili(t *testing.T, key string) *fakeMeili {
	f := &fakeMeili{t: t, key: key, indexes: map[string]*fakeIndex{}, pollsToFinish: 1, version: "1.15.2"}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMeili) URL() string { return f.srv.URL }

func (f *fakeMeili) fail(pathPrefix string, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, fakeFailure{pathPrefix, status, code})
}

// requestsTo returns the recorded requests whose path starts with prefix.
func (f *fakeMeili) requestsTo(method, prefix string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func fakeWriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (e *fakeAPIError) body() map[string]any {
	typ := e.typ
	if typ == "" {
		typ = "invalid_request"
	}
	return map[string]any{
		"message": e.message, "code": e.code, "type": typ,
		"link": "https://docs.meilisearch.com/errors#" + e.code,
	}
}

func (f *fakeMeili) apiError(w http.ResponseWriter, e *fakeAPIError) {
	fakeWriteJSON(w, e.status, e.body())
}

// badRequest reports a request that does not follow the documented API:
// the test fails, and the client gets the 400 Meilisearch would send.
func (f *fakeMeili) badRequest(w http.ResponseWriter, code, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.t.Errorf("fake meilisearch: request violates the documented API: %s", msg)
	f.apiError(w, &fakeAPIError{status: http.StatusBadRequest, code: code, message: msg})
}

var (
	reIndex       = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)$`)
	reIndexDocs   = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/documents$`)
	reIndexDelete = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/documents/delete-batch$`)
	reIndexSearch = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/search$`)
	reIndexSet    = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/settings$`)
	reTask        = regexp.MustCompile(`^/tasks/([0-9]+)$`)
)

func (f *fakeMeili) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, fakeRequest{r.Method, r.URL.Path, r.URL.RawQuery, body})

	// Authorization: Bearer <key> on every route but /health.
	if r.URL.Path != "/health" && f.key != "" {
		auth := r.Header.Get("Authorization")
		switch {
		case auth == "":
			f.apiError(w, &fakeAPIError{status: 401, code: "missing_authorization_header", typ: "auth",
				message: "The Authorization header is missing. It must use the bearer authorization method."})
			return
		case auth != "Bearer "+f.key:
			f.apiError(w, &fakeAPIError{status: 403, code: "invalid_api_key", typ: "auth",
				message: "The provided API key is invalid."})
			return
		}
	}
	for i, fl := range f.failNext {
		if strings.HasPrefix(r.URL.Path, fl.pathPrefix) {
			f.failNext = slices.Delete(f.failNext, i, i+1)
			typ := "invalid_request"
			if fl.status >= 500 {
				typ = "internal"
			}
			f.apiError(w, &fakeAPIError{status: fl.status, code: fl.code, typ: typ, message: "injected failure"})
			return
		}
	}
	if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
		f.apiError(w, &fakeAPIError{status: 415, code: "invalid_content_type",
			message: fmt.Sprintf("The Content-Type %q is invalid. Accepted values: application/json", r.Header.Get("Content-Type"))})
		f.t.Errorf("fake meilisearch: %s %s without Content-Type application/json", r.Method, r.URL.Path)
		return
	}

	p := r.URL.Path
	route := func(method string) bool {
		if r.Method != method {
			f.badRequest(w, "bad_request", "%s %s: method not allowed (want %s)", r.Method, p, method)
			return false
		}
		return true
	}
	switch {
	case p == "/health":
		if route(http.MethodGet) {
			fakeWriteJSON(w, 200, map[string]string{"status": "available"})
		}
	case p == "/version":
		if route(http.MethodGet) {
			fakeWriteJSON(w, 200, map[string]string{"commitSha": "b46889b5f0f2f8b91438a08a358ba8f05fc09fc1",
				"commitDate": "2025-06-09T00:00:00Z", "pkgVersion": f.version})
		}
	case p == "/indexes":
		if route(http.MethodPost) {
			f.createIndex(w, body)
		}
	case reIndex.MatchString(p):
		if route(http.MethodDelete) {
			uid := reIndex.FindStringSubmatch(p)[1]
			f.enqueue(w, uid, "indexDeletion", func() *fakeAPIError {
				if _, ok := f.indexes[uid]; !ok {
					return &fakeAPIError{status: 404, code: "index_not_found", message: "Index `" + uid + "` not found."}
				}
				delete(f.indexes, uid)
				return nil
			})
		}
	case reIndexDocs.MatchString(p):
		if route(http.MethodPost) {
			f.addDocuments(w, reIndexDocs.FindStringSubmatch(p)[1], r, body)
		}
	case reIndexDelete.MatchString(p):
		if route(http.MethodPost) {
			f.deleteBatch(w, reIndexDelete.FindStringSubmatch(p)[1], body)
		}
	case reIndexSet.MatchString(p):
		if route(http.MethodPatch) {
			f.updateSettings(w, reIndexSet.FindStringSubmatch(p)[1], body)
		}
	case reIndexSearch.MatchString(p):
		if route(http.MethodPost) {
			f.search(w, reIndexSearch.FindStringSubmatch(p)[1], body)
		}
	case reTask.MatchString(p):
		if route(http.MethodGet) {
			uid, _ := strconv.ParseInt(reTask.FindStringSubmatch(p)[1], 10, 64)
			f.getTask(w, uid)
		}
	default:
		f.badRequest(w, "not_found", "%s %s: no such route in the documented API", r.Method, p)
	}
}

// enqueue registers a task and answers 202 with its summarized object.
func (f *fakeMeili) enqueue(w http.ResponseWriter, index, typ string, apply func() *fakeAPIError) {
	t := &fakeTask{uid: int64(len(f.tasks)), index: index, typ: typ, status: "enqueued", apply: apply, enqueued: time.Now().UTC()}
	f.tasks = append(f.tasks, t)
	fakeWriteJSON(w, http.StatusAccepted, map[string]any{
		"taskUid": t.uid, "indexUid": index, "status": "enqueued", "type": typ,
		"enqueuedAt": t.enqueued.Format(time.RFC3339Nano),
	})
}

func (f *fakeMeili) getTask(w http.ResponseWriter, uid int64) {
	if uid < 0 || uid >= int64(len(f.tasks)) {
		f.apiError(w, &fakeAPIError{status: 404, code: "task_not_found", message: fmt.Sprintf("Task `%d` not found.", uid)})
		return
	}
	t := f.tasks[uid]
	if t.status == "enqueued" || t.status == "processing" {
		t.polls++
		switch {
		case f.stuck:
		case t.polls > f.pollsToFinish:
			if e := t.apply(); e != nil {
				t.status, t.err = "failed", e
			} else {
				t.status = "succeeded"
			}
		case t.polls > 1:
			t.status = "processing"
		}
	}
	out := map[string]any{
		"uid": t.uid, "batchUid": nil, "indexUid": t.index, "status": t.status, "type": t.typ,
		"canceledBy": nil, "details": map[string]any{}, "error": nil, "duration": nil,
		"enqueuedAt": t.enqueued.Format(time.RFC3339Nano), "startedAt": nil, "finishedAt": nil,
	}
	if t.err != nil {
		out["error"] = t.err.body()
	}
	if t.status == "succeeded" || t.status == "failed" {
		now := time.Now().UTC().Format(time.RFC3339Nano)
		out["startedAt"], out["finishedAt"], out["duration"] = now, now, "PT0.001S"
	}
	fakeWriteJSON(w, 200, out)
}

// decodeStrict decodes body into v refusing fields v does not declare, as
// Meilisearch does ("Unknown field").
func fakeDecodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func (f *fakeMeili) createIndex(w http.ResponseWriter, body []byte) {
	var req struct {
		UID        string `json:"uid"`
		PrimaryKey string `json:"primaryKey"`
	}
	if err := fakeDecodeStrict(body, &req); err != nil || !validDocID.MatchString(req.UID) {
		f.badRequest(w, "invalid_index_uid", "POST /indexes body %s: %v", body, err)
		return
	}
	f.enqueue(w, req.UID, "indexCreation", func() *fakeAPIError {
		if _, ok := f.indexes[req.UID]; ok {
			return &fakeAPIError{status: 409, code: "index_already_exists", message: "Index `" + req.UID + "` already exists."}
		}
		f.indexes[req.UID] = &fakeIndex{primaryKey: req.PrimaryKey, docs: map[string]map[string]any{}, settings: map[string]any{}}
		return nil
	})
}

// ensureIndex is the implicit index creation of document routes.
func (f *fakeMeili) ensureIndex(uid, pk string) *fakeIndex {
	ix, ok := f.indexes[uid]
	if !ok {
		ix = &fakeIndex{primaryKey: pk, docs: map[string]map[string]any{}, settings: map[string]any{}}
		f.indexes[uid] = ix
	}
	if ix.primaryKey == "" {
		ix.primaryKey = pk
	}
	return ix
}

func (f *fakeMeili) addDocuments(w http.ResponseWriter, uid string, r *http.Request, body []byte) {
	var docs []map[string]any
	if err := json.Unmarshal(body, &docs); err != nil {
		f.badRequest(w, "malformed_payload", "documents must be a JSON array of objects: %v", err)
		return
	}
	for k := range r.URL.Query() {
		if k != "primaryKey" && k != "csvDelimiter" && k != "customMetadata" && k != "skipCreation" {
			f.badRequest(w, "bad_request", "unknown query parameter %q", k)
			return
		}
	}
	pk := r.URL.Query().Get("primaryKey")
	f.enqueue(w, uid, "documentAdditionOrUpdate", func() *fakeAPIError {
		ix := f.ensureIndex(uid, pk)
		if ix.primaryKey == "" {
			return &fakeAPIError{status: 400, code: "index_primary_key_multiple_candidates_found",
				message: "The primary key inference failed as the engine found multiple candidates: id, decision_id."}
		}
		for _, d := range docs {
			id, ok := d[ix.primaryKey].(string)
			if !ok || !validDocID.MatchString(id) {
				return &fakeAPIError{status: 400, code: "invalid_document_id", message: fmt.Sprintf("Document identifier `%v` is invalid.", d[ix.primaryKey])}
			}
		}
		for _, d := range docs {
			ix.docs[d[ix.primaryKey].(string)] = d // add or replace
		}
		return nil
	})
}

func (f *fakeMeili) deleteBatch(w http.ResponseWriter, uid string, body []byte) {
	var ids []string
	if err := json.Unmarshal(body, &ids); err != nil {
		f.badRequest(w, "invalid_document_ids", "delete-batch body must be a JSON array of ids: %v", err)
		return
	}
	f.enqueue(w, uid, "documentDeletion", func() *fakeAPIError {
		ix, ok := f.indexes[uid]
		if !ok {
			return &fakeAPIError{status: 404, code: "index_not_found", message: "Index `" + uid + "` not found."}
		}
		for _, id := range ids {
			delete(ix.docs, id)
		}
		return nil
	})
}

// fakeLocales are some of the documented locale codes.
var fakeLocales = map[string]bool{"cmn": true, "zho": true, "jpn": true, "eng": true, "en": true}

func (f *fakeMeili) updateSettings(w http.ResponseWriter, uid string, body []byte) {
	var s struct {
		SearchableAttributes []string `json:"searchableAttributes"`
		FilterableAttributes []string `json:"filterableAttributes"`
		SortableAttributes   []string `json:"sortableAttributes"`
		DisplayedAttributes  []string `json:"displayedAttributes"`
		LocalizedAttributes  []struct {
			AttributePatterns []string `json:"attributePatterns"`
			Locales           []string `json:"locales"`
		} `json:"localizedAttributes"`
		TypoTolerance *struct {
			Enabled             *bool `json:"enabled"`
			MinWordSizeForTypos *struct {
				OneTypo  int `json:"oneTypo"`
				TwoTypos int `json:"twoTypos"`
			} `json:"minWordSizeForTypos"`
			DisableOnWords      []string `json:"disableOnWords"`
			DisableOnAttributes []string `json:"disableOnAttributes"`
			DisableOnNumbers    bool     `json:"disableOnNumbers"`
		} `json:"typoTolerance"`
		RankingRules []string            `json:"rankingRules"`
		StopWords    []string            `json:"stopWords"`
		Synonyms     map[string][]string `json:"synonyms"`
		Pagination   map[string]any      `json:"pagination"`
		Faceting     map[string]any      `json:"faceting"`
	}
	if err := fakeDecodeStrict(body, &s); err != nil {
		f.badRequest(w, "bad_request", "settings body: %v", err)
		return
	}
	for _, la := range s.LocalizedAttributes {
		if len(la.AttributePatterns) == 0 || len(la.Locales) == 0 {
			f.badRequest(w, "invalid_settings_localized_attributes", "localizedAttributes rule needs attributePatterns and locales")
			return
		}
		for _, l := range la.Locales {
			if !fakeLocales[l] {
				f.badRequest(w, "invalid_settings_localized_attributes", "unknown locale %q", l)
				return
			}
		}
	}
	for _, rule := range s.RankingRules {
		switch rule {
		case "words", "typo", "proximity", "attribute", "sort", "exactness", "attributeRank", "wordPosition":
		default:
			if a, dir, ok := strings.Cut(rule, ":"); !ok || a == "" || (dir != "asc" && dir != "desc") {
				f.badRequest(w, "invalid_settings_ranking_rules", "unknown ranking rule %q", rule)
				return
			}
		}
	}
	if tt := s.TypoTolerance; tt != nil && tt.MinWordSizeForTypos != nil && tt.MinWordSizeForTypos.OneTypo > tt.MinWordSizeForTypos.TwoTypos {
		f.badRequest(w, "invalid_settings_typo_tolerance", "minWordSizeForTypos.oneTypo must be <= twoTypos")
		return
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	f.enqueue(w, uid, "settingsUpdate", func() *fakeAPIError {
		ix := f.ensureIndex(uid, "")
		for k, v := range raw {
			ix.settings[k] = v
		}
		return nil
	})
}

// resetSettings drops an index's settings, as a dump restored from
// another deployment or an operator's reset would.
func (f *fakeMeili) resetSettings(uid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ix, ok := f.indexes[uid]; ok {
		ix.settings = map[string]any{}
	}
}

// synonyms are the index's synonyms setting: a word → the words it finds.
func (ix *fakeIndex) synonyms(word string) []string {
	all, _ := ix.settings["synonyms"].(map[string]any)
	list, _ := all[word].([]any)
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}

// sortFirst reports whether the ranking rules put sort before words (the
// default order has it after words, attribute and proximity: relevance
// first, date only between equals).
func (ix *fakeIndex) sortFirst() bool {
	rules := ix.list("rankingRules")
	if len(rules) == 0 {
		return false
	}
	return slices.Index(rules, "sort") >= 0 && slices.Index(rules, "sort") < slices.Index(rules, "words")
}

// fakeTerms splits q into words and "quoted phrases" (the documented
// phrase search), each matched as a substring by this fake.
func fakeTerms(q string) []string {
	var out []string
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
			continue
		}
		out = append(out, strings.Fields(part)...)
	}
	return out
}

func (ix *fakeIndex) list(name string) []string {
	v, _ := ix.settings[name].([]any)
	out := make([]string, 0, len(v))
	for _, s := range v {
		out = append(out, s.(string))
	}
	return out
}

// fakeSearchRequest has the documented search parameters the SDK may send.
type fakeSearchRequest struct {
	Q                     *string  `json:"q"`
	Offset                *int     `json:"offset"`
	Limit                 *int     `json:"limit"`
	Filter                any      `json:"filter"`
	Facets                []string `json:"facets"`
	Sort                  []string `json:"sort"`
	AttributesToRetrieve  []string `json:"attributesToRetrieve"`
	AttributesToHighlight []string `json:"attributesToHighlight"`
	HighlightPreTag       *string  `json:"highlightPreTag"`
	HighlightPostTag      *string  `json:"highlightPostTag"`
	AttributesToCrop      []string `json:"attributesToCrop"`
	CropLength            *int     `json:"cropLength"`
	CropMarker            *string  `json:"cropMarker"`
	MatchingStrategy      string   `json:"matchingStrategy"`
	ShowRankingScore      bool     `json:"showRankingScore"`
	Locales               []string `json:"locales"`
	Hybrid                any      `json:"hybrid"` // meilisearch-go always sends "hybrid": null
}

func (f *fakeMeili) search(w http.ResponseWriter, uid string, body []byte) {
	var req fakeSearchRequest
	if err := fakeDecodeStrict(body, &req); err != nil {
		f.badRequest(w, "bad_request", "search body: %v", err)
		return
	}
	ix, ok := f.indexes[uid]
	if !ok {
		f.apiError(w, &fakeAPIError{status: 404, code: "index_not_found", message: "Index `" + uid + "` not found."})
		return
	}
	if req.Hybrid != nil {
		f.badRequest(w, "invalid_search_hybrid_query", "hybrid search needs an embedder")
		return
	}
	switch req.MatchingStrategy {
	case "", "last", "all", "frequency":
	default:
		f.badRequest(w, "invalid_search_matching_strategy", "unknown matchingStrategy %q", req.MatchingStrategy)
		return
	}
	for _, l := range req.Locales {
		if !fakeLocales[l] {
			f.badRequest(w, "invalid_search_locales", "unknown locale %q", l)
			return
		}
	}
	filterable := ix.list("filterableAttributes")
	var match func(map[string]any) bool = func(map[string]any) bool { return true }
	if req.Filter != nil {
		expr, ok := req.Filter.(string)
		if !ok {
			f.badRequest(w, "invalid_search_filter", "filter: this fake takes only the string form")
			return
		}
		node, err := parseFakeFilter(expr)
		if err == nil {
			err = node.check(filterable)
		}
		if err != nil {
			// Meilisearch's answer to a malformed filter; not a test failure
			// by itself (the error-mapping test sends one on purpose).
			f.apiError(w, &fakeAPIError{status: 400, code: "invalid_search_filter", message: err.Error()})
			return
		}
		match = node.eval
	}
	for _, fc := range req.Facets {
		if !slices.Contains(filterable, fc) {
			f.apiError(w, &fakeAPIError{status: 400, code: "invalid_search_facets",
				message: fmt.Sprintf("Invalid facet distribution, attribute `%s` is not filterable.", fc)})
			return
		}
	}
	sortable := ix.list("sortableAttributes")
	var sortAttr string
	var sortDesc bool
	for _, s := range req.Sort {
		attr, dir, ok := strings.Cut(s, ":")
		if !ok || (dir != "asc" && dir != "desc") || !slices.Contains(sortable, attr) {
			f.apiError(w, &fakeAPIError{status: 400, code: "invalid_search_sort",
				message: fmt.Sprintf("Attribute `%s` is not sortable or the direction is not asc/desc.", s)})
			return
		}
		sortAttr, sortDesc = attr, dir == "desc"
	}

	terms := []string{}
	if req.Q != nil {
		terms = fakeTerms(*req.Q)
	}
	searchable := ix.list("searchableAttributes")
	if len(searchable) == 0 {
		searchable = []string{"title", "body"}
	}
	type scored struct {
		doc   map[string]any
		score float64
	}
	var found []scored
	for _, d := range ix.docs {
		if !match(d) {
			continue
		}
		n := 0
		for _, t := range terms {
			words := append([]string{t}, ix.synonyms(t)...)
		term:
			for _, a := range searchable {
				for _, w := range words {
					if s, _ := d[a].(string); strings.Contains(s, w) {
						n++
						break term
					}
				}
			}
		}
		// "last": every term first, then fewer; the fake keeps any match.
		if len(terms) > 0 && n == 0 {
			continue
		}
		score := 1.0
		if len(terms) > 0 {
			score = float64(n) / float64(len(terms))
		}
		found = append(found, scored{d, score})
	}
	sortFirst := ix.sortFirst() || len(terms) == 0
	sort.SliceStable(found, func(i, j int) bool {
		byDate := func() (bool, bool) {
			a, _ := found[i].doc[sortAttr].(float64)
			b, _ := found[j].doc[sortAttr].(float64)
			return (a > b) == sortDesc, a != b
		}
		if sortAttr != "" && sortFirst {
			if less, differ := byDate(); differ {
				return less
			}
		}
		if found[i].score != found[j].score {
			return found[i].score > found[j].score
		}
		if sortAttr != "" && !sortFirst {
			if less, differ := byDate(); differ {
				return less
			}
		}
		return found[i].doc["id"].(string) < found[j].doc["id"].(string)
	})

	facetDist := map[string]map[string]int{}
	for _, fc := range req.Facets {
		facetDist[fc] = map[string]int{}
		for _, s := range found {
			switch v := s.doc[fc].(type) {
			case string:
				facetDist[fc][v]++
			case float64:
				facetDist[fc][strconv.FormatFloat(v, 'f', -1, 64)]++
			}
		}
	}
	offset, limit := 0, 20
	if req.Offset != nil {
		offset = *req.Offset
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	pre, post := "<em>", "</em>"
	if req.HighlightPreTag != nil {
		pre = *req.HighlightPreTag
	}
	if req.HighlightPostTag != nil {
		post = *req.HighlightPostTag
	}
	cropLen, marker := 10, "…"
	if req.CropLength != nil {
		cropLen = *req.CropLength
	}
	if req.CropMarker != nil {
		marker = *req.CropMarker
	}
	displayed := ix.list("displayedAttributes")
	hits := []map[string]any{}
	for i := offset; i < len(found) && i < offset+limit; i++ {
		d := found[i].doc
		hit := map[string]any{}
		for k, v := range d {
			if len(displayed) == 0 || slices.Contains(displayed, k) {
				hit[k] = v
			}
		}
		if len(req.AttributesToHighlight) > 0 || len(req.AttributesToCrop) > 0 {
			formatted := map[string]any{}
			for k, v := range hit {
				s, ok := v.(string)
				if !ok {
					formatted[k] = fmt.Sprint(v)
					continue
				}
				if slices.Contains(req.AttributesToCrop, k) {
					s = fakeCrop(s, terms, cropLen, marker)
				}
				if slices.Contains(req.AttributesToHighlight, k) || slices.Contains(req.AttributesToHighlight, "*") {
					s = fakeHighlight(s, terms, pre, post)
				}
				formatted[k] = s
			}
			hit["_formatted"] = formatted
		}
		if req.ShowRankingScore {
			hit["_rankingScore"] = found[i].score
		}
		hits = append(hits, hit)
	}
	resp := map[string]any{
		"hits": hits, "query": strings.Join(terms, " "), "processingTimeMs": 0,
		"offset": offset, "limit": limit, "estimatedTotalHits": len(found),
	}
	if len(req.Facets) > 0 {
		resp["facetDistribution"] = facetDist
		resp["facetStats"] = map[string]any{}
	}
	fakeWriteJSON(w, 200, resp)
}

// fakeCrop keeps about n characters around the first matched term.
func fakeCrop(s string, terms []string, n int, marker string) string {
	runes := []rune(s)
	if len(runes) <= n {
		return s
	}
	start := 0
	for _, t := range terms {
		if i := strings.Index(s, t); i >= 0 {
			start = max(0, utf8.RuneCountInString(s[:i])-n/2)
			break
		}
	}
	end := min(len(runes), start+n)
	out := string(runes[start:end])
	if start > 0 {
		out = marker + out
	}
	if end < len(runes) {
		out += marker
	}
	return out
}

func fakeHighlight(s string, terms []string, pre, post string) string {
	for _, t := range terms {
		if t != "" {
			s = strings.ReplaceAll(s, t, pre+t+post)
		}
	}
	return s
}
