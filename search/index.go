// Package search is the full-text index of the platform: the documents the
// public may find (decision items, articles of public draft versions,
// published comments, surveys), the Index interface with two backends — a
// Meilisearch backend (meilisearch-go) and an embedded backend (bleve) that
// needs nothing but a directory — and the indexer that drains the outbox
// PostgreSQL writes in the same transaction as each domain change.
//
// Nothing unpublished is ever indexed for public search: the indexer builds
// documents from the store's public view and deletes a document whenever
// the store no longer shows it publicly.
package search

import (
	"context"
	"errors"
	"time"
)

// DocType is the kind of a document.
type DocType string

// The document types.
const (
	TypeDecision DocType = "decision"
	TypeArticle  DocType = "article"
	TypeComment  DocType = "comment"
	TypeSurvey   DocType = "survey"
)

// DocTypes lists the types in display order.
var DocTypes = []DocType{TypeDecision, TypeArticle, TypeComment, TypeSurvey}

// Document is one searchable item. ID is unique across types
// ("decision-12", "article-12-a-3f9c…", "comment-881", "survey-4").
type Document struct {
	ID            string  `json:"id"`
	Type          DocType `json:"type"`
	DecisionID    int64   `json:"decision_id,omitempty"`
	Title         string  `json:"title"`
	Body          string  `json:"body"`
	Domain        string  `json:"domain,omitempty"`
	Status        string  `json:"status,omitempty"`
	LeadAgency    string  `json:"lead_agency,omitempty"` // agency code
	ArticleAnchor string  `json:"article_anchor,omitempty"`
	ArticleLabel  string  `json:"article_label,omitempty"` // 第三条
	// Explanation (起草说明) and LegalBasis are a decision document's
	// drafting explanation and legal basis; Attachments is the text
	// extracted from its public attachments (PDF, DOCX). They are searched
	// with a lower weight than the title and body (field "extra").
	Explanation string `json:"explanation,omitempty"`
	LegalBasis  string `json:"legal_basis,omitempty"`
	Attachments string `json:"attachments,omitempty"`
	// ModerationStatus is set on comment documents of the staff index only
	// (search-agency-comments); public documents are always published.
	ModerationStatus string    `json:"moderation_status,omitempty"`
	URL              string    `json:"url"` // page path, e.g. /decisions/12#a-3f9c…
	Date             time.Time `json:"date"`
}

// Query is a search request.
type Query struct {
	Text       string
	Types      []DocType
	Domain     string
	Status     string
	LeadAgency string
	DecisionID int64
	From, To   time.Time // on Document.Date; zero = unbounded
	// Sort is "" (relevance) or "date_desc" / "date_asc".
	Sort string
	// Relax is the relaxation tier of the text match (RelaxAll …
	// MaxRelax, embedded_query.go); SearchGrouped and Service.Search
	// step through the tiers themselves.
	Relax int
	// NoSnippets lets a backend skip the snippets (SearchGrouped reads a
	// window of hits and asks for snippets of the shown ones only).
	NoSnippets bool
	Offset     int
	Limit      int
	// Facets requested: any of "type", "domain", "status", "lead_agency".
	Facets []string
	// perGroup, when set on a relevance search, lets at most this many
	// hits of one decision into the page (SearchGrouped's window); the
	// embedded backend honours it, Meilisearch ignores it.
	perGroup int
}

// Hit is one result with a highlighted snippet. Its Document may lack the
// long texts of a draft (Explanation, LegalBasis, Attachments): the
// embedded backend does not decode them for a hit. Snippet is plain text with
// the matched terms wrapped in HighlightPre/HighlightPost markers, which
// pages escape and then turn into <mark>.
type Hit struct {
	Document Document `json:"document"`
	Score    float64  `json:"score"`
	Snippet  string   `json:"snippet"`
}

// Highlight markers: private-use code points that never occur in our text.
const (
	HighlightPre  = "\ue000"
	HighlightPost = "\ue001"
)

// Result is a page of hits with facet counts.
type Result struct {
	Total  int                       `json:"total"`
	Hits   []Hit                     `json:"hits"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
	// support is, by decision, the summed score of its matches that
	// Query.perGroup kept out of the page: SearchGrouped adds it to the
	// group's score as it would the hits themselves.
	support map[int64]float64
}

// Health is a backend's status for /readyz.
type Health struct {
	OK      bool   `json:"ok"`
	Backend string `json:"backend"`
	Detail  string `json:"detail,omitempty"`
}

// Index is a search backend. Implementations are safe for concurrent use.
// Upsert and Delete are idempotent; errors wrap ErrUnavailable when the
// backend cannot be reached (the indexer retries those) and ErrInvalid when
// the request can never succeed.
type Index interface {
	Upsert(ctx context.Context, docs []Document) error
	Delete(ctx context.Context, ids []string) error
	Search(ctx context.Context, q Query) (Result, error)
	// ApplySettings creates the index(es) and applies searchable,
	// filterable, sortable attributes and language settings.
	ApplySettings(ctx context.Context) error
	Health(ctx context.Context) Health
	Close() error
}

// Errors the backends wrap.
var (
	ErrUnavailable = errors.New("search backend unavailable")
	ErrInvalid     = errors.New("invalid search request")
)
