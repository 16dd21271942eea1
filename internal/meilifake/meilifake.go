// Package meilifake is a stand-in for a Meilisearch server at the external
// boundary, for the runs and tests that need one across processes or
// instances (no Meilisearch server can run on the benchmark machine): the
// search-outage fault run (`canyu-load fake-meili`) and the test of two
// service instances sharing one index (cmd/canyu). search's own tests
// check the backend against a stricter fake of the documented API
// (search/meilifake_test.go).
package meilifake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a stand-in for a Meilisearch server at the external boundary
// of the search-outage fault run (issue 8: "search backend unavailable for
// a minute"): no Meilisearch server exists on the benchmark machine, and
// the fault needs a backend that can go away and come back with its data.
// It answers only the routes canyu's Meili backend calls (search/meili*.go):
// GET /health, GET /version, POST /indexes, DELETE /indexes/{uid}, PATCH
// /indexes/{uid}/settings, POST /indexes/{uid}/documents, POST
// /indexes/{uid}/documents/delete-batch, POST /indexes/{uid}/search and GET
// /tasks/{uid}. Documents live in memory; tasks are applied when enqueued
// and answer succeeded at the first poll. Text matching is case-insensitive
// substring matching of each query word (enough to find a unique token, not
// Meilisearch's ranking); filters are the forms search/meili_search.go
// builds (IN, =, >=, <=, TO joined by AND).
//
// An outage is stop (the listener and every connection closed: clients get
// connection refused, as from a stopped server) and start again on the same
// address with the same documents. Run as `canyu-load fake-meili`, SIGTERM
// saves the documents to --data and a later start loads them, so a script
// can stop and restart the process itself.
type Server struct {
	mu      sync.Mutex
	indexes map[string]*fakeIndex
	tasks   []fakeTask
	srv     *http.Server
	addr    string
	// searches and writes count the requests answered (for the report).
	searches, writes int
}

type fakeIndex struct {
	PrimaryKey string                    `json:"primary_key"`
	Docs       map[string]map[string]any `json:"docs"`
}

type fakeTask struct {
	UID    int64  `json:"uid"`
	Index  string `json:"index"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Code   string `json:"code,omitempty"`
	At     string `json:"at"`
}

// Counts are the searches and writes answered so far.
func (f *Server) Counts() (searches, writes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.searches, f.writes
}

// fakeState is the --data file.
type fakeState struct {
	Indexes map[string]*fakeIndex `json:"indexes"`
	Tasks   int64                 `json:"tasks"`
}

// New returns a stopped server with no documents.
func New() *Server { return &Server{indexes: map[string]*fakeIndex{}} }

// Start listens on addr (host:port; port 0 picks one the first time, then
// the same address is reused by later starts).
func (f *Server) Start(addr string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv != nil {
		return nil
	}
	if f.addr != "" {
		addr = f.addr
	}
	var ln net.Listener
	var err error
	// The port was just released by stop: retry briefly.
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	f.addr = ln.Addr().String()
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln)
	return nil
}

// Stop closes the listener and every open connection.
func (f *Server) Stop() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// URL is the base URL clients use.
func (f *Server) URL() string { return "http://" + f.addr }

// DocCount is the number of documents in index uid.
func (f *Server) DocCount(uid string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ix := f.indexes[uid]; ix != nil {
		return len(ix.Docs)
	}
	return 0
}

// Save writes the documents to path (written aside, then renamed).
func (f *Server) Save(path string) error {
	f.mu.Lock()
	b, err := json.Marshal(fakeState{Indexes: f.indexes, Tasks: int64(len(f.tasks))})
	f.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Load reads documents saved by Save; a missing file is no error.
func (f *Server) Load(path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st fakeState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if st.Indexes != nil {
		f.indexes = st.Indexes
	}
	// Task uids go on from where the last process stopped: a client may
	// still poll an old uid, and it must not find another task's status.
	for i := range st.Tasks {
		f.tasks = append(f.tasks, fakeTask{UID: i, Status: "succeeded", Type: "unknown"})
	}
	return nil
}

var (
	fmIndex    = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)$`)
	fmDocs     = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/documents$`)
	fmDelete   = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/documents/delete-batch$`)
	fmSearch   = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/search$`)
	fmSettings = regexp.MustCompile(`^/indexes/([A-Za-z0-9_-]+)/settings$`)
	fmTask     = regexp.MustCompile(`^/tasks/([0-9]+)$`)
	fmValidUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)
)

func fmJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fmError(w http.ResponseWriter, status int, code, msg string) {
	typ := "invalid_request"
	if status >= 500 {
		typ = "internal"
	}
	fmJSON(w, status, map[string]any{"message": msg, "code": code, "type": typ, "link": "https://docs.meilisearch.com/errors#" + code})
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	p, m := r.URL.Path, r.Method
	switch {
	case p == "/health" && m == http.MethodGet:
		fmJSON(w, http.StatusOK, map[string]string{"status": "available"})
	case p == "/version" && m == http.MethodGet:
		// The backend checks the key and search.MinMeiliVersion here.
		fmJSON(w, http.StatusOK, map[string]string{"commitSha": "fake", "commitDate": "2025-06-09T00:00:00Z", "pkgVersion": "1.15.2"})
	case p == "/indexes" && m == http.MethodPost:
		var req struct {
			UID        string `json:"uid"`
			PrimaryKey string `json:"primaryKey"`
		}
		if json.Unmarshal(body, &req) != nil || !fmValidUID.MatchString(req.UID) {
			fmError(w, 400, "invalid_index_uid", "bad index")
			return
		}
		f.enqueue(w, req.UID, "indexCreation", func() string {
			if f.indexes[req.UID] != nil {
				return "index_already_exists"
			}
			f.indexes[req.UID] = &fakeIndex{PrimaryKey: req.PrimaryKey, Docs: map[string]map[string]any{}}
			return ""
		})
	case fmIndex.MatchString(p) && m == http.MethodDelete:
		uid := fmIndex.FindStringSubmatch(p)[1]
		f.enqueue(w, uid, "indexDeletion", func() string {
			if f.indexes[uid] == nil {
				return "index_not_found"
			}
			delete(f.indexes, uid)
			return ""
		})
	case fmSettings.MatchString(p) && m == http.MethodPatch:
		uid := fmSettings.FindStringSubmatch(p)[1]
		if !json.Valid(body) {
			fmError(w, 400, "bad_request", "settings: invalid JSON")
			return
		}
		f.enqueue(w, uid, "settingsUpdate", func() string { f.ensure(uid, ""); return "" })
	case fmDocs.MatchString(p) && m == http.MethodPost:
		uid := fmDocs.FindStringSubmatch(p)[1]
		var docs []map[string]any
		if err := json.Unmarshal(body, &docs); err != nil {
			fmError(w, 400, "malformed_payload", err.Error())
			return
		}
		pk := r.URL.Query().Get("primaryKey")
		f.enqueue(w, uid, "documentAdditionOrUpdate", func() string {
			ix := f.ensure(uid, pk)
			for _, d := range docs {
				if id, ok := d[ix.PrimaryKey].(string); !ok || !fmValidUID.MatchString(id) {
					return "invalid_document_id"
				}
			}
			for _, d := range docs {
				ix.Docs[d[ix.PrimaryKey].(string)] = d
			}
			f.writes++
			return ""
		})
	case fmDelete.MatchString(p) && m == http.MethodPost:
		uid := fmDelete.FindStringSubmatch(p)[1]
		var ids []string
		if err := json.Unmarshal(body, &ids); err != nil {
			fmError(w, 400, "invalid_document_ids", err.Error())
			return
		}
		f.enqueue(w, uid, "documentDeletion", func() string {
			ix := f.indexes[uid]
			if ix == nil {
				return "index_not_found"
			}
			for _, id := range ids {
				delete(ix.Docs, id)
			}
			f.writes++
			return ""
		})
	case fmSearch.MatchString(p) && m == http.MethodPost:
		f.search(w, fmSearch.FindStringSubmatch(p)[1], body)
	case fmTask.MatchString(p) && m == http.MethodGet:
		uid, _ := strconv.ParseInt(fmTask.FindStringSubmatch(p)[1], 10, 64)
		f.getTask(w, uid)
	default:
		fmError(w, http.StatusNotFound, "not_found", m+" "+p+": not a route the fake answers (canyu does not call it)")
	}
}

func (f *Server) ensure(uid, pk string) *fakeIndex {
	ix := f.indexes[uid]
	if ix == nil {
		ix = &fakeIndex{PrimaryKey: pk, Docs: map[string]map[string]any{}}
		f.indexes[uid] = ix
	}
	if ix.PrimaryKey == "" {
		ix.PrimaryKey = pk
	}
	if ix.PrimaryKey == "" {
		ix.PrimaryKey = "id"
	}
	return ix
}

// enqueue applies the task at once and answers 202 with its summary.
func (f *Server) enqueue(w http.ResponseWriter, index, typ string, apply func() string) {
	f.mu.Lock()
	t := fakeTask{UID: int64(len(f.tasks)), Index: index, Type: typ, Status: "succeeded", At: time.Now().UTC().Format(time.RFC3339Nano)}
	if t.Code = apply(); t.Code != "" {
		t.Status = "failed"
	}
	f.tasks = append(f.tasks, t)
	f.mu.Unlock()
	fmJSON(w, http.StatusAccepted, map[string]any{"taskUid": t.UID, "indexUid": index, "status": "enqueued", "type": typ, "enqueuedAt": t.At})
}

func (f *Server) getTask(w http.ResponseWriter, uid int64) {
	f.mu.Lock()
	if uid < 0 || uid >= int64(len(f.tasks)) {
		f.mu.Unlock()
		fmError(w, 404, "task_not_found", fmt.Sprintf("Task `%d` not found.", uid))
		return
	}
	t := f.tasks[uid]
	f.mu.Unlock()
	out := map[string]any{"uid": t.UID, "indexUid": t.Index, "status": t.Status, "type": t.Type, "details": map[string]any{},
		"error": nil, "duration": "PT0.001S", "enqueuedAt": t.At, "startedAt": t.At, "finishedAt": t.At}
	if t.Code != "" {
		out["error"] = map[string]any{"message": t.Code, "code": t.Code, "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#" + t.Code}
	}
	fmJSON(w, http.StatusOK, out)
}

// fmSearchRequest is the part of the search body the fake reads.
type fmSearchRequest struct {
	Q                string   `json:"q"`
	Offset           int      `json:"offset"`
	Limit            *int     `json:"limit"`
	Filter           any      `json:"filter"`
	Facets           []string `json:"facets"`
	Sort             []string `json:"sort"`
	HighlightPreTag  string   `json:"highlightPreTag"`
	HighlightPostTag string   `json:"highlightPostTag"`
}

func (f *Server) search(w http.ResponseWriter, uid string, body []byte) {
	var req fmSearchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		fmError(w, 400, "bad_request", err.Error())
		return
	}
	match := func(map[string]any) bool { return true }
	if expr, ok := req.Filter.(string); ok && expr != "" {
		m, err := ParseFilter(expr)
		if err != nil {
			fmError(w, 400, "invalid_search_filter", err.Error())
			return
		}
		match = m
	}
	terms := strings.Fields(strings.ToLower(req.Q))
	type scored struct {
		doc   map[string]any
		score float64
	}
	var found []scored
	f.mu.Lock()
	ix := f.indexes[uid]
	if ix == nil {
		f.mu.Unlock()
		fmError(w, 404, "index_not_found", "Index `"+uid+"` not found.")
		return
	}
	f.searches++
	for _, d := range ix.Docs {
		if !match(d) {
			continue
		}
		n := 0
		if len(terms) > 0 {
			text := strings.ToLower(fmString(d["title"]) + "\n" + fmString(d["body"]))
			for _, t := range terms {
				if strings.Contains(text, t) {
					n++
				}
			}
			if n == 0 {
				continue
			}
		}
		found = append(found, scored{d, float64(max(n, 1)) / float64(max(len(terms), 1))})
	}
	f.mu.Unlock()
	byDate := len(req.Sort) > 0 || len(terms) == 0
	asc := len(req.Sort) > 0 && strings.HasSuffix(req.Sort[0], ":asc")
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if !byDate && a.score != b.score {
			return a.score > b.score
		}
		da, db := fmNumber(a.doc["date"]), fmNumber(b.doc["date"])
		if da != db {
			return (da < db) == asc
		}
		return fmString(a.doc["id"]) < fmString(b.doc["id"])
	})
	limit := 20
	if req.Limit != nil {
		limit = *req.Limit
	}
	hits := []map[string]any{}
	for i := req.Offset; i >= 0 && i < len(found) && i < req.Offset+limit; i++ {
		h := map[string]any{}
		for k, v := range found[i].doc {
			h[k] = v
		}
		h["_rankingScore"] = found[i].score
		h["_formatted"] = map[string]any{"title": fmHighlight(fmString(h["title"]), terms, req.HighlightPreTag, req.HighlightPostTag),
			"body": fmHighlight(fmCrop(fmString(h["body"]), terms), terms, req.HighlightPreTag, req.HighlightPostTag)}
		hits = append(hits, h)
	}
	resp := map[string]any{"hits": hits, "query": req.Q, "processingTimeMs": 0, "offset": req.Offset, "limit": limit,
		"estimatedTotalHits": len(found)}
	if len(req.Facets) > 0 {
		dist := map[string]map[string]int{}
		for _, fc := range req.Facets {
			dist[fc] = map[string]int{}
			for _, s := range found {
				if v := fmString(s.doc[fc]); v != "" {
					dist[fc][v]++
				}
			}
		}
		resp["facetDistribution"], resp["facetStats"] = dist, map[string]any{}
	}
	fmJSON(w, http.StatusOK, resp)
}
