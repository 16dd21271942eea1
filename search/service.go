package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Service is the search use cases the API and the pages call: public search
// and the lead unit's search of its own decisions' comments.
type Service struct {
	DB *pgxpool.Pool
	// Index is the public index; Staff the index of comments in every
	// moderation state (nil: search-agency-comments answers 503).
	Index        Index
	Staff        Index
	Consultation *consultation.Service
	// Audit records the synonym groups admins add and remove in the admin
	// audit log, inside their transaction (the identity service); without
	// one those changes are refused.
	Audit consultation.AdminAuditor

	syn synonymState // synonyms_store.go
}

// MaxQueryRunes bounds the query text.
const MaxQueryRunes = 200

// Facets are the facet names a search returns counts for.
var Facets = []string{"type", "domain", "status", "lead_agency"}

func errUnavailable() error {
	return &errs.Error{Kind: errs.KindUnavailable, Code: "search_unavailable", Message: "搜索服务暂时不可用，请稍后再试"}
}

// checkQuery checks and normalises a query before it reaches a backend.
// Codes: invalid_search.
func checkQuery(q *Query) error {
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > MaxQueryRunes {
		return errs.InvalidField("invalid_search", "q", "搜索词不能超过200个字")
	}
	for _, t := range q.Types {
		if !slices.Contains(DocTypes, t) {
			return errs.InvalidField("invalid_search", "type", "类型只能是 decision、article、comment 或 survey")
		}
	}
	switch q.Sort {
	case "", "relevance":
		q.Sort = ""
	case "date_desc", "date_asc":
	default:
		return errs.InvalidField("invalid_search", "sort", "排序只能是 relevance、date_desc 或 date_asc")
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit > MaxLimit {
		return errs.InvalidField("invalid_search", "limit", "每页最多100条")
	}
	if q.Offset < 0 || q.Offset+q.Limit > MaxWindow {
		return errs.InvalidField("invalid_search", "offset", "最多翻到第1000条结果")
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return errs.InvalidField("invalid_search", "to", "结束日期不能早于开始日期")
	}
	if q.Facets == nil {
		q.Facets = Facets
	}
	return nil
}

// Search searches what the public may see. Anyone may call it (signed in
// or not): the index holds only public documents, and the hits of a page
// are checked against the store once more, so a document that stopped
// being public a moment ago is not shown even before the indexer catches
// up. Codes: invalid_search, search_unavailable.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	if err := checkQuery(&q); err != nil {
		return Result{}, err
	}
	s.refreshSynonyms(ctx, false)
	// Relax the text match tier by tier while nothing matches.
	var res Result
	for tier := RelaxAll; tier <= MaxRelax; tier++ {
		q.Relax = tier
		var err error
		if res, err = s.Index.Search(ctx, q); err != nil {
			return Result{}, backendError(err)
		}
		if res.Total > 0 || q.Text == "" {
			break
		}
	}
	visible, err := visibleNow(ctx, s.DB, res.Hits)
	if err != nil {
		return Result{}, errs.Internal(err)
	}
	res.Total -= len(res.Hits) - len(visible)
	res.Hits = visible
	return res, nil
}

// SearchAgencyComments searches the comments of one decision in every
// moderation state (pending, published, rejected). Only agency staff of
// the decision's lead unit may call it; the check is here, on the server,
// not in the index. Codes: authentication_required, decision_not_found,
// not_lead_unit_staff, invalid_search, search_unavailable.
func (s *Service) SearchAgencyComments(ctx context.Context, actor *identity.Account, decisionID int64, q Query) (Result, error) {
	if actor == nil {
		return Result{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	d, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return Result{}, err
	}
	if !actor.IsStaffOf(d.LeadAgencyID) {
		return Result{}, errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以检索全部意见")
	}
	q.Types = []DocType{TypeComment}
	q.DecisionID = d.ID
	q.Domain, q.LeadAgency, q.Status = "", "", ""
	if q.Facets == nil {
		q.Facets = []string{}
	}
	if err := checkQuery(&q); err != nil {
		return Result{}, err
	}
	if s.Staff == nil {
		return Result{}, errUnavailable()
	}
	res, err := s.Staff.Search(ctx, q)
	if err != nil {
		return Result{}, backendError(err)
	}
	return res, nil
}

// Health reports the public index's health (for /readyz).
func (s *Service) Health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return s.Index.Health(ctx)
}

func backendError(err error) error {
	if errors.Is(err, ErrInvalid) {
		return errs.Invalid("invalid_search", "搜索条件无效")
	}
	return errUnavailable()
}

// SnippetPart is a run of snippet text, highlighted when it matched the
// query. The API returns snippets as parts rather than markup, so no client
// has to parse or trust HTML; pages escape each part and wrap the
// highlighted ones in <mark>.
type SnippetPart struct {
	Text      string `json:"text"`
	Highlight bool   `json:"highlight,omitempty"`
}

// SnippetParts splits a snippet at the HighlightPre/HighlightPost markers.
// Unbalanced or nested markers are dropped, never passed on.
func SnippetParts(s string) []SnippetPart {
	var out []SnippetPart
	add := func(text string, hl bool) {
		text = strings.NewReplacer(HighlightPre, "", HighlightPost, "").Replace(text)
		if text == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Highlight == hl {
			out[n-1].Text += text
			return
		}
		out = append(out, SnippetPart{Text: text, Highlight: hl})
	}
	for s != "" {
		i := strings.Index(s, HighlightPre)
		if i < 0 {
			add(s, false)
			break
		}
		add(s[:i], false)
		s = s[i+len(HighlightPre):]
		j := strings.Index(s, HighlightPost)
		if j < 0 {
			add(s, false)
			break
		}
		add(s[:j], true)
		s = s[j+len(HighlightPost):]
	}
	return out
}
