package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// Meili is the Meilisearch backend of Index (meilisearch-go).
//
// All document types live in ONE index with a filterable `type` field
// rather than one index per type: a resident's query 停车难 must rank the
// article about parking and the comments about it against each other in a
// single list, and the results page shows facet counts by type — both come
// from one search request only when the types share an index (federated
// multi-search across indexes merges scores that were computed separately
// and cannot facet across indexes). The staff index of
// search-agency-comments is a second Meili value with another index uid.
type Meili struct {
	client       meilisearch.ServiceManager
	index        meilisearch.IndexManager
	uid          string
	batchSize    int
	taskTimeout  time.Duration
	pollInterval time.Duration

	// settingsMu guards the settings state: applied says this process
	// has applied the current settings (synonyms included) to the index;
	// until then every write applies them first, so an index is never
	// created by a write with Meilisearch's default settings (issue 16:
	// down at start, the first upload created it without filterable
	// attributes and every filtered search failed until a restart).
	settingsMu sync.Mutex
	applied    bool
	// extraSynonyms are the staff's groups (SetSynonyms); synonymsSent
	// is the synonyms object last applied, to skip unchanged updates.
	extraSynonyms [][]string
	synonymsSent  string
}

// MeiliOption configures NewMeili.
type MeiliOption func(*meiliConfig)

type meiliConfig struct {
	uid          string
	batchSize    int
	taskTimeout  time.Duration
	pollInterval time.Duration
	httpClient   *http.Client
}

// Defaults of NewMeili.
const (
	// DefaultMeiliIndex is the uid of the public index.
	DefaultMeiliIndex = "canyu"
	// DefaultMeiliBatchSize documents per add-or-replace request: Meilisearch
	// indexes large payloads faster than many small ones, and 1,000 of our
	// documents (a few KB each) stay far below its 100 MB payload limit.
	DefaultMeiliBatchSize = 1000
	// DefaultMeiliTaskTimeout bounds the wait for one Meilisearch task.
	DefaultMeiliTaskTimeout = 30 * time.Second
)

// WithMeiliIndex sets the index uid (default DefaultMeiliIndex).
func WithMeiliIndex(uid string) MeiliOption { return func(c *meiliConfig) { c.uid = uid } }

// WithMeiliBatchSize sets how many documents go in one write request.
func WithMeiliBatchSize(n int) MeiliOption { return func(c *meiliConfig) { c.batchSize = n } }

// WithMeiliTaskTimeout sets how long a write waits for its Meilisearch
// tasks to finish before failing with ErrUnavailable.
func WithMeiliTaskTimeout(d time.Duration) MeiliOption {
	return func(c *meiliConfig) { c.taskTimeout = d }
}

// WithMeiliPollInterval sets how often task status is polled (default 50ms).
func WithMeiliPollInterval(d time.Duration) MeiliOption {
	return func(c *meiliConfig) { c.pollInterval = d }
}

// WithMeiliHTTPClient replaces the HTTP client (default: 30s timeout).
func WithMeiliHTTPClient(hc *http.Client) MeiliOption {
	return func(c *meiliConfig) { c.httpClient = hc }
}

// NewMeili returns the Meilisearch backend for the server at url with the
// API key (CANYU_MEILI_URL, CANYU_MEILI_KEY). It does not contact the
// server: call ApplySettings at start-up and Health for /readyz.
func NewMeili(url, key string, opts ...MeiliOption) (*Meili, error) {
	cfg := meiliConfig{
		uid:          DefaultMeiliIndex,
		batchSize:    DefaultMeiliBatchSize,
		taskTimeout:  DefaultMeiliTaskTimeout,
		pollInterval: 50 * time.Millisecond,
		httpClient:   &http.Client{Timeout: 30 * time.Second},
	}
	for _, o := range opts {
		o(&cfg)
	}
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("search: meilisearch url %q: want http:// or https://: %w", url, ErrInvalid)
	}
	if !validDocID.MatchString(cfg.uid) {
		return nil, fmt.Errorf("search: meilisearch index uid %q: %w", cfg.uid, ErrInvalid)
	}
	if cfg.batchSize <= 0 || cfg.taskTimeout <= 0 || cfg.pollInterval <= 0 {
		return nil, fmt.Errorf("search: meilisearch batch size, task timeout and poll interval must be positive: %w", ErrInvalid)
	}
	mopts := []meilisearch.Option{
		meilisearch.WithCustomClient(cfg.httpClient),
		// The SDK would retry 502–504 itself with 1s, 2s, 3s pauses; the
		// indexer already retries ErrUnavailable with backoff from its
		// outbox, so a second layer only delays the error.
		meilisearch.DisableRetries(),
	}
	if key != "" {
		mopts = append(mopts, meilisearch.WithAPIKey(key))
	}
	client := meilisearch.New(url, mopts...)
	return &Meili{
		client:       client,
		index:        client.Index(cfg.uid),
		uid:          cfg.uid,
		batchSize:    cfg.batchSize,
		taskTimeout:  cfg.taskTimeout,
		pollInterval: cfg.pollInterval,
	}, nil
}

// IndexUID is the uid of the Meilisearch index this backend writes.
func (m *Meili) IndexUID() string { return m.uid }

// validDocID is Meilisearch's rule for document ids and index uids:
// alphanumerics, hyphens and underscores, at most 511 bytes.
var validDocID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,511}$`)

// meiliDoc is the stored form of a Document: date is a unix timestamp in
// seconds because Meilisearch filters and sorts only numbers with < > TO,
// and date_time keeps the exact time for the round trip. The explanation,
// legal basis and attachment text are searched after title and body
// (searchableAttributes order is their weight).
type meiliDoc struct {
	ID               string  `json:"id"`
	Type             DocType `json:"type"`
	DecisionID       int64   `json:"decision_id,omitempty"`
	Title            string  `json:"title"`
	Body             string  `json:"body"`
	Explanation      string  `json:"explanation,omitempty"`
	LegalBasis       string  `json:"legal_basis,omitempty"`
	Attachments      string  `json:"attachments,omitempty"`
	Domain           string  `json:"domain,omitempty"`
	Status           string  `json:"status,omitempty"`
	LeadAgency       string  `json:"lead_agency,omitempty"`
	ArticleAnchor    string  `json:"article_anchor,omitempty"`
	ArticleLabel     string  `json:"article_label,omitempty"`
	ModerationStatus string  `json:"moderation_status,omitempty"`
	URL              string  `json:"url"`
	Date             int64   `json:"date"`
	DateTime         string  `json:"date_time"`
}

func toMeiliDoc(d Document) meiliDoc {
	return meiliDoc{
		ID: d.ID, Type: d.Type, DecisionID: d.DecisionID, Title: d.Title, Body: d.Body,
		Explanation: d.Explanation, LegalBasis: d.LegalBasis, Attachments: d.Attachments,
		Domain: d.Domain, Status: d.Status, LeadAgency: d.LeadAgency,
		ArticleAnchor: d.ArticleAnchor, ArticleLabel: d.ArticleLabel,
		ModerationStatus: d.ModerationStatus, URL: d.URL,
		Date: d.Date.Unix(), DateTime: d.Date.UTC().Format(time.RFC3339Nano),
	}
}

func (md meiliDoc) document() Document {
	d := Document{
		ID: md.ID, Type: md.Type, DecisionID: md.DecisionID, Title: md.Title, Body: md.Body,
		Explanation: md.Explanation, LegalBasis: md.LegalBasis, Attachments: md.Attachments,
		Domain: md.Domain, Status: md.Status, LeadAgency: md.LeadAgency,
		ArticleAnchor: md.ArticleAnchor, ArticleLabel: md.ArticleLabel,
		ModerationStatus: md.ModerationStatus, URL: md.URL,
	}
	if t, err := time.Parse(time.RFC3339Nano, md.DateTime); err == nil {
		d.Date = t
	} else {
		d.Date = time.Unix(md.Date, 0).UTC()
	}
	return d
}

// Settings the index is created with.
var (
	meiliSearchable = []string{"title", "body", "explanation", "legal_basis", "attachments"}
	meiliFilterable = []string{"type", "domain", "status", "lead_agency", "decision_id", "date"}
	meiliSortable   = []string{"date"}
	meiliDisplayed  = []string{
		"id", "type", "decision_id", "title", "body", "explanation", "legal_basis", "attachments",
		"domain", "status", "lead_agency", "article_anchor", "article_label", "moderation_status",
		"url", "date", "date_time",
	}
	// meiliRankingRules puts sort first: with the default order (words,
	// typo, proximity, attribute, sort, exactness) a query sorted by date
	// is ordered by relevance and only ties by date, so 按时间 showed an
	// old comment above a new one whenever it matched one word more. The
	// sort rule does nothing when a search has no sort parameter, so
	// relevance searches keep the default order.
	meiliRankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness"}
)

// MinMeiliVersion is the oldest Meilisearch canyu works with: the client
// (meilisearch-go v0.37) always sends typoTolerance.disableOnNumbers in
// the settings, which Meilisearch accepts from 1.15 on (older servers
// refuse the unknown field and the settings are never applied); the
// settings also use localizedAttributes and searches the locales
// parameter (1.10).
const MinMeiliVersion = "1.15.0"

// ErrMeiliTooOld is returned when the server is older than MinMeiliVersion.
var ErrMeiliTooOld = errors.New("meilisearch is older than " + MinMeiliVersion + ", the oldest version canyu supports")

// meiliSettings is the full settings object ApplySettings sends; extra
// are the near-synonym groups staff added.
func meiliSettings(extra [][]string) *meilisearch.Settings {
	return &meilisearch.Settings{
		RankingRules:         meiliRankingRules,
		SearchableAttributes: meiliSearchable,
		FilterableAttributes: meiliFilterable,
		SortableAttributes:   meiliSortable,
		DisplayedAttributes:  meiliDisplayed,
		// The index's synonyms, not words appended to the query: appended
		// words (matchingStrategy "last" drops them first) only re-rank
		// what the query's own words found, while an index synonym makes
		// 幼儿园补助 find the draft that says 补贴.
		Synonyms: meiliSynonyms(extra),
		// Without a locale Meilisearch guesses the language of each field
		// value, and short Chinese texts (a 12-character comment) are often
		// taken for Japanese and segmented with the Japanese dictionary;
		// cmn fixes the Mandarin segmenter for our text fields and queries.
		LocalizedAttributes: []*meilisearch.LocalizedAttributes{
			{AttributePatterns: meiliSearchable, Locales: []string{"cmn"}},
		},
		// Typo tolerance is off: it allows one or two changed characters in
		// words of 5+/9+ characters, which fits alphabetic spelling, not
		// Chinese — one changed character makes another word (停车 → 停电),
		// and Chinese input-method slips are homophones that typo distance
		// does not model (the embedded backend's pinyin tier does; this
		// backend has no counterpart).
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             false,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{},
			DisableOnAttributes: []string{},
		},
	}
}

// meiliSynonyms is the synonyms setting of the built-in and the staff's
// near-synonym groups: Meilisearch synonyms are one-way (a key finds its
// listed words), so every member of a group is a key listing the others
// (the documented form of mutual synonyms). Words are normalised as
// queries are (Normalize).
func meiliSynonyms(extra [][]string) map[string][]string {
	set := newSynonymSet(extra)
	out := map[string][]string{}
	for w := range set.byWord {
		if alt := set.alternatives(w); len(alt) > 0 {
			out[w] = alt
		}
	}
	return out
}

// ApplySettings checks the server's version, creates the index (primary
// key id) if it does not exist and applies the ranking rules, synonyms,
// searchable, filterable, sortable, displayed and localized attributes and
// typo tolerance, waiting until Meilisearch has applied them. Errors wrap
// ErrUnavailable, ErrInvalid or ErrMeiliTooOld.
func (m *Meili) ApplySettings(ctx context.Context) error {
	m.settingsMu.Lock()
	defer m.settingsMu.Unlock()
	return m.applySettingsLocked(ctx)
}

func (m *Meili) applySettingsLocked(ctx context.Context) error {
	m.applied = false
	if err := m.CheckVersion(ctx); err != nil {
		return err
	}
	info, err := m.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: m.uid, PrimaryKey: "id"})
	if err != nil {
		return meiliError("create index", err)
	}
	if err := m.wait(ctx, "create index", info.TaskUID); err != nil {
		var te *meiliTaskError
		if !errors.As(err, &te) || te.code != meilisearch.APIErrCodeIndexAlreadyExists {
			return err
		}
	}
	settings := meiliSettings(m.extraSynonyms)
	info, err = m.index.UpdateSettings(ctx, settings)
	if err != nil {
		return meiliError("update settings", err)
	}
	if err := m.wait(ctx, "update settings", info.TaskUID); err != nil {
		return err
	}
	m.applied = true
	m.synonymsSent = synonymsKey(settings.Synonyms)
	return nil
}

// ensureSettings applies the settings unless this process already did:
// called before every write, so the first write of an index (after
// Meilisearch was down at start, or after the index was deleted) never
// creates it with default settings.
func (m *Meili) ensureSettings(ctx context.Context) error {
	m.settingsMu.Lock()
	defer m.settingsMu.Unlock()
	if m.applied {
		return nil
	}
	return m.applySettingsLocked(ctx)
}

// settingsLost marks the settings as not applied (a search found an
// attribute not filterable, or the index missing).
func (m *Meili) settingsLost() {
	m.settingsMu.Lock()
	m.applied = false
	m.settingsMu.Unlock()
}

// SetSynonyms takes the near-synonym groups staff added (the admin page)
// and applies them to the index's synonyms setting in the background when
// they changed; if that fails, the next write applies them.
func (m *Meili) SetSynonyms(extra [][]string) {
	m.settingsMu.Lock()
	m.extraSynonyms = extra
	changed := synonymsKey(meiliSynonyms(extra)) != m.synonymsSent
	if changed {
		m.applied = false
	}
	m.settingsMu.Unlock()
	if changed {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), m.taskTimeout+10*time.Second)
			defer cancel()
			_ = m.ensureSettings(ctx)
		}()
	}
}

// synonymsKey is a stable text of a synonyms setting, for comparison.
func synonymsKey(syn map[string][]string) string {
	raw, _ := json.Marshal(syn) // map keys are sorted
	return string(raw)
}

// CheckVersion reads GET /version (which needs the API key, unlike
// /health) and fails with ErrMeiliTooOld below MinMeiliVersion.
func (m *Meili) CheckVersion(ctx context.Context) error {
	v, err := m.client.Version(ctx)
	if err != nil {
		return meiliError("version", err)
	}
	if !versionAtLeast(v.PkgVersion, MinMeiliVersion) {
		return fmt.Errorf("search: meilisearch %s at this address: %w", v.PkgVersion, ErrMeiliTooOld)
	}
	return nil
}

// versionAtLeast compares dotted versions numerically ("1.15.2-rc.1" is
// 1.15.2); an unreadable version counts as too old.
func versionAtLeast(have, want string) bool {
	parse := func(s string) []int {
		s, _, _ = strings.Cut(strings.TrimPrefix(strings.TrimSpace(s), "v"), "-")
		var out []int
		for _, p := range strings.Split(s, ".") {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil
			}
			out = append(out, n)
		}
		return out
	}
	h, w := parse(have), parse(want)
	if h == nil {
		return false
	}
	for i := range w {
		var x int
		if i < len(h) {
			x = h[i]
		}
		if x != w[i] {
			return x > w[i]
		}
	}
	return true
}

// Upsert adds or replaces docs in batches and waits for every batch to be
// indexed. A document with an id Meilisearch refuses fails the whole call
// with ErrInvalid before anything is sent.
func (m *Meili) Upsert(ctx context.Context, docs []Document) error {
	stored := make([]meiliDoc, len(docs))
	for i, d := range docs {
		if !validDocID.MatchString(d.ID) {
			return fmt.Errorf("search: document id %q: only letters, digits, - and _: %w", d.ID, ErrInvalid)
		}
		stored[i] = toMeiliDoc(d)
	}
	if len(stored) == 0 {
		return nil
	}
	if err := m.ensureSettings(ctx); err != nil {
		return err
	}
	pk := "id"
	var tasks []int64
	for start := 0; start < len(stored); start += m.batchSize {
		batch := stored[start:min(start+m.batchSize, len(stored))]
		info, err := m.index.AddDocuments(ctx, batch, &meilisearch.DocumentOptions{PrimaryKey: &pk})
		if err != nil {
			return meiliError("add documents", err)
		}
		tasks = append(tasks, info.TaskUID)
	}
	err := m.waitAll(ctx, "add documents", tasks)
	var te *meiliTaskError
	if errors.As(err, &te) && te.code == meilisearch.APIErrCodeIndexNotFound {
		m.settingsLost()
	}
	return err
}

// Delete removes the documents with ids, in batches; ids that are not in
// the index are ignored.
func (m *Meili) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if err := m.ensureSettings(ctx); err != nil {
		return err
	}
	var tasks []int64
	for start := 0; start < len(ids); start += m.batchSize {
		batch := ids[start:min(start+m.batchSize, len(ids))]
		info, err := m.index.DeleteDocuments(ctx, batch, nil)
		if err != nil {
			return meiliError("delete documents", err)
		}
		tasks = append(tasks, info.TaskUID)
	}
	return m.waitAll(ctx, "delete documents", tasks)
}

// DropIndex deletes the whole index (DELETE /indexes/{uid}) and waits:
// for test indexes and for the old index after a reindex swap. Deleting
// an index that does not exist succeeds.
func (m *Meili) DropIndex(ctx context.Context) error {
	info, err := m.client.DeleteIndex(ctx, m.uid)
	if err != nil {
		return meiliError("delete index", err)
	}
	m.settingsLost()
	err = m.wait(ctx, "delete index", info.TaskUID)
	var te *meiliTaskError
	if errors.As(err, &te) && te.code == meilisearch.APIErrCodeIndexNotFound {
		return nil
	}
	return err
}

// Health reports whether GET /health answers "available" and the API key
// is accepted: /health needs no key, so with a wrong or revoked key it
// said ready while every write and search failed. GET /version needs the
// key and also tells the version, checked against MinMeiliVersion.
func (m *Meili) Health(ctx context.Context) Health {
	h := Health{Backend: "meilisearch"}
	res, err := m.client.Health(ctx)
	switch {
	case err != nil:
		h.Detail = meiliError("health", err).Error()
		return h
	case res.Status != "available":
		h.Detail = "status " + res.Status
		return h
	}
	if err := m.CheckVersion(ctx); err != nil {
		h.Detail = err.Error()
		return h
	}
	h.OK = true
	return h
}

// Close releases nothing: the HTTP client's idle connections time out.
func (m *Meili) Close() error { return nil }

// meiliTaskError is a task that finished as failed or canceled.
type meiliTaskError struct {
	uid     int64
	status  meilisearch.TaskStatus
	code    meilisearch.APIErrCode
	message string
}

func (e *meiliTaskError) Error() string {
	return fmt.Sprintf("task %d %s: %s (%s)", e.uid, e.status, e.message, e.code)
}

func (m *Meili) waitAll(ctx context.Context, op string, tasks []int64) error {
	for _, uid := range tasks {
		if err := m.wait(ctx, op, uid); err != nil {
			return err
		}
	}
	return nil
}

// wait polls GET /tasks/{uid} until the task leaves enqueued/processing,
// for at most the task timeout. A task still pending then is
// ErrUnavailable: Meilisearch is overloaded or stuck, and the write is
// idempotent, so the indexer retries it later.
func (m *Meili) wait(ctx context.Context, op string, uid int64) error {
	wctx, cancel := context.WithTimeout(ctx, m.taskTimeout)
	defer cancel()
	task, err := m.client.WaitForTask(wctx, uid, m.pollInterval)
	if err != nil {
		if ctx.Err() == nil && wctx.Err() != nil {
			return fmt.Errorf("search: meilisearch %s: task %d not finished after %s: %w", op, uid, m.taskTimeout, ErrUnavailable)
		}
		return meiliError(op, err)
	}
	if task.Status == meilisearch.TaskStatusSucceeded {
		return nil
	}
	te := &meiliTaskError{uid: uid, status: task.Status, code: task.Error.Code, message: task.Error.Message}
	kind := ErrInvalid
	if task.Status != meilisearch.TaskStatusFailed || retryableCode(task.Error.Code) || task.Error.Type == "internal" || task.Error.Type == "system" {
		kind = ErrUnavailable
	}
	return fmt.Errorf("search: meilisearch %s: %w: %w", op, kind, te)
}

// retryableCode lists API error codes that say nothing about our request:
// Meilisearch itself is out of space, overloaded or misconfigured
// (a wrong key is fixed by the operator, and the backlog must survive it).
func retryableCode(c meilisearch.APIErrCode) bool {
	switch c {
	case meilisearch.APIErrCodeInternal, meilisearch.APIErrCodeIOError,
		meilisearch.APIErrCodeNoSpaceLeftOnDevice, meilisearch.APIErrCodeTooManyOpenFiles,
		meilisearch.APIErrCodeDatabaseSizeLimitReached, meilisearch.APIErrCodeTooManySearchRequests,
		meilisearch.APIErrCodeIndexNotFound, meilisearch.APIErrCodeMissingAuthorizationHeader,
		"invalid_api_key", meilisearch.APIErrCodeInvalidState, meilisearch.APIErrCodeInvalidStoreFile:
		return true
	}
	return false
}

// meiliError wraps an SDK error in ErrUnavailable (network, timeout, 5xx,
// 429, 401/403, unreadable answers: the indexer retries) or ErrInvalid
// (other 4xx such as invalid_search_filter: retrying cannot help).
func meiliError(op string, err error) error {
	kind := ErrUnavailable
	var me *meilisearch.Error
	if errors.As(err, &me) && (me.ErrCode == meilisearch.APIError || me.ErrCode == meilisearch.APIErrorWithoutMessage) {
		s := me.StatusCode
		if s >= 400 && s < 500 && s != http.StatusTooManyRequests && s != http.StatusUnauthorized &&
			s != http.StatusForbidden && !retryableCode(me.APIError.Code) {
			kind = ErrInvalid
		}
	}
	return fmt.Errorf("search: meilisearch %s: %w: %w", op, kind, err)
}
