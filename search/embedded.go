package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/simple"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Chinese analysis of the embedded backend, measured on the relevance set
// (testdata/relevance: 344 documents, 59 queries; run TestRelevance with
// CANYU_SEARCH_COMPARE_ANALYZERS=1 -v), same query building and synonyms
// (before issue 8 dropped the unigram clauses of words longer than two
// characters, which measures 0.990 and 1.000 with unigrams + bigrams):
//
//	analyzer                  min-should  recall@10  MRR
//	CJK bigrams (bleve cjk)      0.6        0.876    0.966
//	CJK unigrams + bigrams       0.6        0.931    0.983
//	CJK bigrams (bleve cjk)      0.4        0.942    0.983
//	CJK unigrams + bigrams       0.4        0.986    0.992   ← kept
//
// Bigrams alone miss a query whose words share only one character per
// bigram with the text (过期食品 → 过期的面包, 水费涨价 → 水费又要涨);
// the unigrams give the min-should clause enough to match while the phrase
// clauses keep whole-word matches on top. A dictionary segmenter (gse) was
// not tried: adding a module was out of scope for this change.
const (
	analyzerBigram    = "canyu_cjk_bigram"
	analyzerUniBigram = "canyu_cjk_unibigram"
	// defaultAnalyzer is the measured winner above.
	defaultAnalyzer = analyzerUniBigram
)

// settingsVersion names the mapping; ApplySettings rebuilds an index whose
// stored version differs (for example after the analyzer changes).
// Version 2 dropped term vectors (issue 8); version 3 normalises the
// text (normalize.go) and adds the fields extra, py and pyi (issue 16);
// version 4 drops the analyzer's width and lower-case filters (the text
// is normalised before) and keeps decision_id as a keyword; version 5
// counts facets from one field of name/value terms (facets) and keeps no
// doc values for the filter fields; version 6 replaces facets by one
// doc value per document, group (embedded_collect.go); version 7 indexes
// a comment's article label, not its decision's title, as its title.
const settingsVersion = "canyu-embedded-7"

var settingsKey = []byte("canyu_settings")

// indexBatchSize bounds one bleve batch (memory versus fsync count).
const indexBatchSize = 1000

// Embedded is the search backend that needs nothing but a directory: a
// bleve index under dir, Chinese analysed with CJK unigrams and bigrams.
// The active index lives in a subdirectory named by the file CURRENT, so
// Rebuild can build a new one aside and swap it in atomically.
type Embedded struct {
	dir      string
	analyzer string

	mu     sync.RWMutex // guards idx and name; write-held only to swap or close
	idx    bleve.Index
	name   string
	closed bool

	rebuildMu sync.Mutex // one rebuild at a time

	journalMu sync.Mutex
	journal   *[]journalOp // non-nil while a rebuild runs

	logger *slog.Logger
	fault  faultState // embedded_fault.go

	syn atomic.Pointer[synonymSet] // nil: the default table

	groups *groupTables // embedded_groups.go
}

type journalOp struct {
	upsert []Document
	delete []string
}

// NewEmbedded opens the embedded index under dir, creating dir and an empty
// index if there is none. Leftovers of an interrupted rebuild are removed.
func NewEmbedded(dir string) (*Embedded, error) {
	return newEmbedded(dir, defaultAnalyzer)
}

func newEmbedded(dir, analyzer string) (*Embedded, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: create %s: %v", ErrUnavailable, dir, err)
	}
	e := &Embedded{dir: dir, analyzer: analyzer, groups: newGroupTables()}
	cur, err := os.ReadFile(filepath.Join(dir, "CURRENT"))
	switch {
	case err == nil && strings.TrimSpace(string(cur)) != "":
		e.name = strings.TrimSpace(string(cur))
		e.idx, err = e.openBleve(e.name)
		if err != nil {
			return nil, fmt.Errorf("%w: open index %s: %v", ErrUnavailable, e.name, err)
		}
	case err == nil || errors.Is(err, os.ErrNotExist):
		e.name, e.idx, err = e.createIndex()
		if err != nil {
			return nil, err
		}
		if err := e.writeCurrent(e.name); err != nil {
			e.idx.Close()
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	e.removeStale()
	return e, nil
}

// createIndex makes a new empty index in a fresh sibling directory.
func (e *Embedded) createIndex() (string, bleve.Index, error) {
	m, err := buildMapping(e.analyzer)
	if err != nil {
		return "", nil, fmt.Errorf("%w: mapping: %v", ErrInvalid, err)
	}
	name := "index-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	path := filepath.Join(e.dir, name)
	asyncIndexes.Store(path, e)
	idx, err := bleve.NewUsing(path, m, scorch.Name, bleve.Config.DefaultKVStore, runtimeConfig())
	if err != nil {
		return "", nil, fmt.Errorf("%w: create index: %v", ErrUnavailable, err)
	}
	if err := idx.SetInternal(settingsKey, []byte(settingsVersion+"/"+e.analyzer)); err != nil {
		idx.Close()
		return "", nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return name, idx, nil
}

// writeCurrent points CURRENT at name atomically (write aside, rename).
func (e *Embedded) writeCurrent(name string) error {
	tmp := filepath.Join(e.dir, "CURRENT.tmp")
	if err := os.WriteFile(tmp, []byte(name+"\n"), 0o640); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if err := os.Rename(tmp, filepath.Join(e.dir, "CURRENT")); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// removeStale deletes index directories other than the active one.
func (e *Embedded) removeStale() {
	entries, _ := os.ReadDir(e.dir)
	for _, ent := range entries {
		if ent.IsDir() && strings.HasPrefix(ent.Name(), "index-") && ent.Name() != e.name {
			os.RemoveAll(filepath.Join(e.dir, ent.Name()))
		}
	}
}

// buildMapping is the one document mapping: text fields analysed for
// Chinese, filter fields as keywords, the whole document stored as JSON.
func buildMapping(analyzer string) (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	if err := m.AddCustomTokenFilter("canyu_cjk_bigram_unigram", map[string]any{
		"type":           cjk.BigramName,
		"output_unigram": true,
	}); err != nil {
		return nil, err
	}
	filters := map[string]string{
		analyzerBigram:    cjk.BigramName,
		analyzerUniBigram: "canyu_cjk_bigram_unigram",
	}
	for name, last := range filters {
		// No width or lower-case filter: every text and every query is
		// normalised before analysis (Normalize: NFKC folds the width,
		// then lower case), and the two filters re-did it for every token
		// of every indexed comment.
		if err := m.AddCustomAnalyzer(name, map[string]any{
			"type":          custom.Name,
			"tokenizer":     unicode.Name,
			"token_filters": []string{last},
		}); err != nil {
			return nil, err
		}
	}
	if _, ok := filters[analyzer]; !ok {
		return nil, fmt.Errorf("unknown analyzer %q", analyzer)
	}
	m.DefaultAnalyzer = analyzer

	text := notStored(bleve.NewTextFieldMapping(), analyzer)
	// No term vectors: no query reads locations any more (snippets
	// re-analyse the page, whole words are bigram conjunctions), and they
	// were most of the postings (du of the 100,000-comment bench index:
	// see settingsVersion).
	text.IncludeTermVectors = false

	// Filter fields are only matched, never read per document: no doc
	// values. Facets and grouping read one term per match, group.
	kw := notStored(bleve.NewKeywordFieldMapping(), keyword.Name)
	kw.DocValues = false

	group := notStored(bleve.NewKeywordFieldMapping(), keyword.Name)
	group.DocValues = true

	date := notStored(bleve.NewDateTimeFieldMapping(), "")

	stored := bleve.NewTextFieldMapping()
	stored.Index = false
	stored.Store = true
	stored.IncludeInAll = false
	stored.IncludeTermVectors = false
	stored.DocValues = false

	// Pinyin syllable and initial bigrams (pinyin.go), Latin letters only.
	py := notStored(bleve.NewTextFieldMapping(), simple.Name)
	py.IncludeTermVectors = false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text)
	doc.AddFieldMappingsAt("body", text)
	doc.AddFieldMappingsAt("extra", text)
	doc.AddFieldMappingsAt("py", py)
	doc.AddFieldMappingsAt("pyi", py)
	for _, f := range []string{"type", "domain", "status", "lead_agency", "moderation_status"} {
		doc.AddFieldMappingsAt(f, kw)
	}
	// decision_id is only ever compared for equality: a keyword is one
	// term per document, a number sixteen (bleve indexes a number at
	// every 4-bit precision step for range queries).
	doc.AddFieldMappingsAt("decision_id", kw)
	doc.AddFieldMappingsAt("group", group)
	doc.AddFieldMappingsAt("date", date)
	doc.AddFieldMappingsAt("doc", stored)
	m.DefaultMapping = doc
	m.StoreDynamic = false
	m.IndexDynamic = false
	return m, nil
}

// notStored sets f not stored (the document is kept whole in the doc
// field) and not copied into the _all field, analysed by analyzer unless
// it is "".
func notStored(f *mapping.FieldMapping, analyzer string) *mapping.FieldMapping {
	if analyzer != "" {
		f.Analyzer = analyzer
	}
	f.Store = false
	f.IncludeInAll = false
	return f
}

// fields is what bleve indexes for d.
func fields(d Document) (map[string]any, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	title, body := Normalize(d.Title), Normalize(d.Body)
	if d.Type == TypeComment {
		// A comment's title is its decision's title and its article's
		// label; only the label is indexed. The decision's title is the
		// decision document's own, and indexing it again in every comment
		// was a quarter of the CPU a comment flood spends indexing
		// (BenchmarkIndexerDrain/pending: 160–187 → 115–125 µs a row),
		// while a comment that matched only by it added nothing a grouped
		// page does not show under the decision already.
		title = Normalize(d.ArticleLabel)
	}
	f := map[string]any{
		"title":             title,
		"body":              body,
		"type":              string(d.Type),
		"domain":            d.Domain,
		"status":            d.Status,
		"lead_agency":       d.LeadAgency,
		"moderation_status": d.ModerationStatus,
		"decision_id":       strconv.FormatInt(d.DecisionID, 10),
		"doc":               string(raw),
		"group":             groupTerm(d),
	}
	if !d.Date.IsZero() {
		f["date"] = d.Date.UTC()
	}
	extra := ""
	if d.Explanation != "" || d.LegalBasis != "" || d.Attachments != "" {
		extra = Normalize(d.Explanation + "\n" + d.LegalBasis + "\n" + d.Attachments)
		f["extra"] = extra
	}
	// Pinyin for the documents that name what a draft is about; comments
	// (most of the index and of its indexing CPU) have none.
	if d.Type != TypeComment {
		f["py"], f["pyi"] = pinyinFields(title + "\n" + body + "\n" + extra)
	}
	return f, nil
}

// current returns the active index with the read lock held; the caller
// must call e.mu.RUnlock.
func (e *Embedded) current() (bleve.Index, error) {
	if err := e.inService(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	if e.closed || e.idx == nil {
		e.mu.RUnlock()
		return nil, fmt.Errorf("%w: embedded index is closed", ErrUnavailable)
	}
	return e.idx, nil
}

// Upsert adds or replaces docs, in batches of indexBatchSize.
func (e *Embedded) Upsert(ctx context.Context, docs []Document) error {
	return e.apply(ctx, docs, nil)
}

func upsertInto(ctx context.Context, idx bleve.Index, docs []Document) error {
	return inBatches(ctx, idx, docs, func(b *bleve.Batch, d Document) error {
		f, err := fields(d)
		if err == nil {
			err = b.Index(d.ID, f)
		}
		if err != nil {
			return fmt.Errorf("%w: document %s: %v", ErrInvalid, d.ID, err)
		}
		return nil
	})
}

// inBatches adds items to idx with add, indexBatchSize to a bleve batch.
func inBatches[T any](ctx context.Context, idx bleve.Index, items []T, add func(*bleve.Batch, T) error) error {
	for start := 0; start < len(items); start += indexBatchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := idx.NewBatch()
		for _, it := range items[start:min(start+indexBatchSize, len(items))] {
			if err := add(b, it); err != nil {
				return err
			}
		}
		if err := idx.Batch(b); err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
	}
	return nil
}

// apply deletes ids and upserts docs (ids never overlap) in one bleve
// batch per indexBatchSize operations: each batch waits for its segment to
// be persisted, and the indexer's rounds were paying that wait up to four
// times (public and staff, deletes and upserts).
func (e *Embedded) apply(ctx context.Context, docs []Document, ids []string) (err error) {
	for _, d := range docs {
		if d.ID == "" {
			return fmt.Errorf("%w: document without id", ErrInvalid)
		}
	}
	idx, err := e.current()
	if err != nil {
		return err
	}
	defer e.mu.RUnlock()
	defer e.guard(&err)
	b := idx.NewBatch()
	flush := func(force bool) error {
		if b.Size() == 0 || (!force && b.Size() < indexBatchSize) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := e.batch(ctx, idx, b); err != nil {
			return err
		}
		// A new batch, not b.Reset(): scorch's Batch returns once every
		// document is analysed, while the goroutine that queued them may
		// still be finishing its range over the batch's map (bleve v2.6.3,
		// scorch.go:545); Reset then writes that map under it (a data race
		// the race detector caught in TestIndexLagAndAbuse).
		b = idx.NewBatch()
		return nil
	}
	for _, id := range ids {
		b.Delete(id)
		if err := flush(false); err != nil {
			return err
		}
	}
	for _, d := range docs {
		f, err := fields(d)
		if err != nil {
			return fmt.Errorf("%w: document %s: %v", ErrInvalid, d.ID, err)
		}
		if err := b.Index(d.ID, f); err != nil {
			return fmt.Errorf("%w: document %s: %v", ErrInvalid, d.ID, err)
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	e.groups.warm(idx)
	e.record(journalOp{upsert: docs, delete: ids})
	return nil
}

// Delete removes the documents with ids; unknown ids are ignored.
func (e *Embedded) Delete(ctx context.Context, ids []string) error {
	return e.apply(ctx, nil, ids)
}

func deleteFrom(ctx context.Context, idx bleve.Index, ids []string) error {
	return inBatches(ctx, idx, ids, func(b *bleve.Batch, id string) error {
		b.Delete(id)
		return nil
	})
}

// record keeps a change made while a rebuild runs so the rebuilt index
// receives it too.
func (e *Embedded) record(op journalOp) {
	e.journalMu.Lock()
	defer e.journalMu.Unlock()
	if e.journal != nil {
		*e.journal = append(*e.journal, op)
	}
}

// ApplySettings makes sure the index exists with the current mapping. It
// is idempotent; an index built with an older mapping is rebuilt aside
// from its own stored documents and swapped in.
func (e *Embedded) ApplySettings(ctx context.Context) error {
	idx, err := e.current()
	if err != nil {
		return err
	}
	v, err := idx.GetInternal(settingsKey)
	e.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if string(v) == settingsVersion+"/"+e.analyzer {
		e.groups.warm(idx) // the first query after a start finds the tables built
		return nil
	}
	return e.Rebuild(ctx, func(yield func(Document) error) error {
		return e.each(ctx, idx, yield)
	})
}

// each yields every stored document of idx, paging by id.
func (e *Embedded) each(ctx context.Context, idx bleve.Index, yield func(Document) error) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), 1000, 0, false)
		req.SortBy([]string{"_id"})
		req.Fields = []string{"doc"}
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		for _, h := range res.Hits {
			d, err := storedDocument(h.Fields)
			if err != nil {
				return err
			}
			if err := yield(d); err != nil {
				return err
			}
		}
		if len(res.Hits) < 1000 {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}

// hitDocument decodes a stored document for a hit without its long texts
// (explanation, legal basis, attachment text): no page shows them, and
// decoding the stored documents of a window's hundred hits was 4–6% of a
// query's CPU at 100,000 comments and 2,000 drafts, a draft's attachment
// text being thousands of characters (BenchmarkEmbeddedGroupedQuery).
type hitDocument struct {
	Document
	Explanation skipJSON `json:"explanation"`
	LegalBasis  skipJSON `json:"legal_basis"`
	Attachments skipJSON `json:"attachments"`
}

// skipJSON is a JSON value read past, not decoded.
type skipJSON struct{}

func (*skipJSON) UnmarshalJSON([]byte) error { return nil }

func storedHit(f map[string]any) (Document, error) {
	var d hitDocument
	err := decodeStored(f, &d)
	return d.Document, err
}

func storedDocument(f map[string]any) (Document, error) {
	var d Document
	err := decodeStored(f, &d)
	return d, err
}

func decodeStored(f map[string]any, v any) error {
	raw, _ := f["doc"].(string)
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("%w: stored document: %v", ErrUnavailable, err)
	}
	return nil
}

// Health reports whether the index is open and answers.
func (e *Embedded) Health(ctx context.Context) (h Health) {
	idx, err := e.current()
	if err != nil {
		return Health{Backend: "embedded", Detail: err.Error()}
	}
	defer e.mu.RUnlock()
	defer func() {
		if r := recover(); r != nil {
			e.markFault(fmt.Errorf("panic in the index: %v", r))
			h = Health{Backend: "embedded", Detail: fmt.Sprint(r)}
		}
	}()
	n, err := idx.DocCount()
	if err != nil {
		return Health{Backend: "embedded", Detail: err.Error()}
	}
	return Health{OK: true, Backend: "embedded", Detail: fmt.Sprintf("%d documents", n)}
}

// Close closes the index; later calls fail with ErrUnavailable.
func (e *Embedded) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	asyncIndexes.Range(func(k, v any) bool {
		if v == e {
			asyncIndexes.Delete(k)
		}
		return true
	})
	if e.idx == nil {
		return nil
	}
	return e.idx.Close()
}

var _ Index = (*Embedded)(nil)
