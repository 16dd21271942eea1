package search

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
)

// Grouped results (issue 16): a page of ten shows ten different drafts where
// ten match, each once with its best articles and comments beneath; before,
// 44% of the top-ten slots of a judged set repeated a decision already
// shown (eight articles of one draft filled a page).

// GroupWindow is how many hits a grouped search reads from the backend to
// form its groups: enough for MaxLimit groups in practice, bounded so a
// query costs the same as a deep page.
const GroupWindow = 100

// GroupHitsShown is how many hits a group shows under its decision.
const GroupHitsShown = 3

// groupWindowHits is how many hits of one decision a grouped search lets
// into its window (Query.perGroup): enough for the hits shown and for the
// support that ranks a decision with many matches above one with a
// single lucky hit, few enough that the window of GroupWindow hits holds
// ten decisions wherever the tier matches ten.
const groupWindowHits = 10

// groupSupport is the weight of a group's further hits in its score: the
// best hit decides, and a decision whose articles and comments match too
// ranks above one with a single lucky hit.
const groupSupport = 0.15

// Group is one decision (or survey without decision) with its best hits.
type Group struct {
	DecisionID int64 `json:"decision_id"`
	// Decision is the decision's own document when it matched (the page
	// shows its title and snippet); otherwise the page names the decision
	// from DecisionTitle.
	Decision      *Hit   `json:"decision,omitempty"`
	DecisionTitle string `json:"decision_title"`
	// Hits are up to GroupHitsShown matching articles, comments or
	// surveys, best first.
	Hits    []Hit   `json:"hits"`
	Matches int     `json:"matches"` // hits of this group in the window
	Score   float64 `json:"score"`
}

// GroupedResult is a page of groups.
type GroupedResult struct {
	Total  int                       `json:"total"` // groups found (within GroupWindow hits)
	Groups []Group                   `json:"groups"`
	Facets map[string]map[string]int `json:"facets,omitempty"`
	// Suggestion is a query that would find something when this one
	// found nothing (您是不是要找).
	Suggestion string `json:"suggestion,omitempty"`
	// StrictMatched says the strict tier (RelaxAll) matched something:
	// the groups shown did not all come from a relaxed tier. The service
	// reads it to decide on a suggestion instead of searching again.
	StrictMatched bool `json:"-"`
}

// GroupHits groups hits by decision, a survey without a decision being a
// group of its own. byScore orders the groups by score (hits ranked by
// relevance); otherwise they keep the order of their first hit (hits
// sorted by date).
func GroupHits(hits []Hit, byScore bool) []Group {
	return groupHits(hits, byScore, nil)
}

// groupHits is GroupHits with the support of the hits a capped window
// left out (Result.support).
func groupHits(hits []Hit, byScore bool, support map[int64]float64) []Group {
	var groups []*Group
	by := map[string]*Group{}
	for _, h := range hits {
		key := h.Document.ID
		if h.Document.DecisionID != 0 {
			key = "d" + strconv.FormatInt(h.Document.DecisionID, 10)
		}
		g := by[key]
		if g == nil {
			g = &Group{DecisionID: h.Document.DecisionID, Score: h.Score}
			by[key] = g
			groups = append(groups, g)
		} else {
			g.Score += groupSupport * h.Score
		}
		g.Matches++
		if h.Document.Type == TypeDecision {
			hh := h
			g.Decision = &hh
			g.DecisionTitle = h.Document.Title
			continue
		}
		if len(g.Hits) < GroupHitsShown {
			g.Hits = append(g.Hits, h)
		}
	}
	out := make([]Group, len(groups))
	for i, g := range groups {
		g.Score += groupSupport * support[g.DecisionID]
		out[i] = *g
	}
	if byScore {
		slices.SortStableFunc(out, func(a, b Group) int { return cmp.Compare(b.Score, a.Score) })
	}
	return out
}

// SearchGrouped runs q on idx and groups the hits by decision; q.Offset
// and q.Limit count groups. While the groups found are fewer than the page
// needs, it relaxes the text match tier by tier (RelaxAll … MaxRelax) and
// adds the new groups below those already found. Sorting by date orders
// the groups by their first hit in that order.
func SearchGrouped(ctx context.Context, idx Index, q Query) (GroupedResult, error) {
	offset, limit := q.Offset, q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	var out GroupedResult
	var groups []Group
	seen := map[string]bool{}
	for tier := RelaxAll; tier <= MaxRelax; tier++ {
		if strings.TrimSpace(q.Text) == "" && tier > RelaxAll {
			break
		}
		tq := q
		_, canSnip := idx.(snippeter)
		tq.Offset, tq.Limit, tq.Relax, tq.NoSnippets = 0, GroupWindow, tier, canSnip
		if len(groups) > 0 {
			tq.Facets = nil
		}
		// The strict tier, and a tier that counts facets (its pass reads
		// every match's group doc value anyway), keep their window to
		// groupWindowHits hits of a decision; a further relaxed tier reads
		// no doc values: on 晚上工地施工吵得睡不着该找谁投诉, whose relaxed tiers
		// match 14,000 comments of eight decisions, reading them cost more
		// than the grouping saved.
		if tier == RelaxAll || len(tq.Facets) > 0 {
			tq.perGroup = groupWindowHits
		}
		res, err := searchWindow(ctx, idx, tq)
		if err != nil {
			return GroupedResult{}, err
		}
		if len(groups) == 0 {
			out.Facets = res.Facets
		}
		if tier == RelaxAll {
			out.StrictMatched = len(res.Hits) > 0
		}
		before := len(groups)
		for _, g := range groupHits(res.Hits, q.Sort == "" && q.Text != "", res.support) {
			k := groupKey(g)
			if !seen[k] {
				seen[k] = true
				groups = append(groups, g)
			}
		}
		// Snippets of the shown groups' hits only, at the tier that found
		// them, in one call.
		if sn, ok := idx.(snippeter); ok {
			var shown []Hit
			for i := max(before, offset); i < min(len(groups), offset+limit); i++ {
				if groups[i].Decision != nil {
					shown = append(shown, *groups[i].Decision)
				}
				shown = append(shown, groups[i].Hits...)
			}
			sn.Snippets(tq, shown)
			for i := max(before, offset); i < min(len(groups), offset+limit); i++ {
				if groups[i].Decision != nil {
					d := shown[0]
					groups[i].Decision, shown = &d, shown[1:]
				}
				n := copy(groups[i].Hits, shown)
				shown = shown[n:]
			}
		}
		if len(groups) >= offset+limit {
			break
		}
	}
	out.Total = len(groups)
	if offset < len(groups) {
		out.Groups = groups[offset:min(len(groups), offset+limit)]
	}
	return out, nil
}

// snippeter is a backend that makes snippets apart from the search
// (the embedded one); the others return them with every hit.
type snippeter interface {
	Snippets(q Query, hits []Hit)
}

func groupKey(g Group) string {
	if g.DecisionID != 0 {
		return "d" + strconv.FormatInt(g.DecisionID, 10)
	}
	if g.Decision != nil {
		return g.Decision.Document.ID
	}
	if len(g.Hits) > 0 {
		return g.Hits[0].Document.ID
	}
	return ""
}

// searchWindow reads up to q.Limit hits, which may exceed MaxLimit:
// backends clamp a page to MaxLimit, so the window is read in pages.
func searchWindow(ctx context.Context, idx Index, q Query) (Result, error) {
	want := q.Limit
	q.Limit = MaxLimit
	var out Result
	for q.Offset < want {
		res, err := idx.Search(ctx, q)
		if err != nil {
			return Result{}, err
		}
		if q.Offset == 0 {
			out.Total, out.Facets, out.support = res.Total, res.Facets, res.support
			q.Facets = nil
		}
		out.Hits = append(out.Hits, res.Hits...)
		if len(res.Hits) < q.Limit {
			break
		}
		q.Offset += q.Limit
	}
	return out, nil
}
