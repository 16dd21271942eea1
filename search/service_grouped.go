package search

import (
	"context"
	"strings"
	"sync"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// SearchGrouped is Search with the hits grouped under their decision
// (GroupedResult): a page of ten shows ten different drafts where ten
// match, each with its best articles and comments beneath; Offset and
// Limit count groups. The text match relaxes tier by tier while too few
// groups are found, and when the strict match found nothing the result
// carries a spelling suggestion (您是不是要找). Anyone may call it.
// Codes: invalid_search, search_unavailable.
func (s *Service) SearchGrouped(ctx context.Context, q Query) (GroupedResult, error) {
	if err := checkQuery(&q); err != nil {
		return GroupedResult{}, err
	}
	s.refreshSynonyms(ctx, false)
	res, err := SearchGrouped(ctx, s.Index, q)
	if err != nil {
		return GroupedResult{}, backendError(err)
	}
	// The same last check as Search, on every hit shown.
	var all []Hit
	for _, g := range res.Groups {
		if g.Decision != nil {
			all = append(all, *g.Decision)
		}
		all = append(all, g.Hits...)
	}
	visible, err := visibleNow(ctx, s.DB, all)
	if err != nil {
		return GroupedResult{}, errs.Internal(err)
	}
	ok := map[string]bool{}
	for _, h := range visible {
		ok[h.Document.ID] = true
	}
	groups := res.Groups[:0:0]
	var untitled []int64
	for _, g := range res.Groups {
		if g.Decision != nil && !ok[g.Decision.Document.ID] {
			g.Decision = nil
		}
		g.Hits = filterHits(g.Hits, ok)
		if g.Decision == nil && len(g.Hits) == 0 {
			res.Total--
			continue
		}
		if g.DecisionTitle == "" && g.DecisionID != 0 {
			untitled = append(untitled, g.DecisionID)
		}
		groups = append(groups, g)
	}
	if len(untitled) > 0 {
		titles, err := decisionTitles(ctx, s.DB, untitled)
		if err != nil {
			return GroupedResult{}, errs.Internal(err)
		}
		for i := range groups {
			if groups[i].DecisionTitle == "" {
				groups[i].DecisionTitle = titles[groups[i].DecisionID]
			}
		}
	}
	res.Groups = groups
	// The strict tier's outcome comes from the search itself: asking the
	// index again cost a second full strict pass on every query.
	if q.Text != "" && (len(groups) == 0 || !res.StrictMatched) {
		if sug := Suggest(q.Text); sug != "" {
			res.Suggestion = sug
		}
	}
	return res, nil
}

func filterHits(hits []Hit, ok map[string]bool) []Hit {
	out := hits[:0:0]
	for _, h := range hits {
		if ok[h.Document.ID] {
			out = append(out, h)
		}
	}
	return out
}

// decisionTitles reads the titles of public decisions.
func decisionTitles(ctx context.Context, q querier, ids []int64) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT id, title FROM decisions WHERE id = ANY($1) AND public_since IS NOT NULL`, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	var id int64
	var title string
	_, err = pgx.ForEachRow(rows, []any{&id, &title}, func() error {
		out[id] = title
		return nil
	})
	return out, err
}

var (
	soundsOnce sync.Once
	soundsLike map[string]string // full pinyin → vocabulary word
)

// Suggest returns the query with each word that is not in the vocabulary
// replaced by the vocabulary word it sounds like (幼儿圆补贴 → 幼儿园补贴,
// tingche → 停车), or "" when nothing would change.
func Suggest(text string) string {
	soundsOnce.Do(func() {
		soundsLike = map[string]string{}
		voc := vocabulary(defaultSynonymSet)
		for w := range voc.words {
			if strings.IndexFunc(w, func(r rune) bool { return !unicode.Is(unicode.Han, r) }) >= 0 {
				continue
			}
			var b strings.Builder
			for _, run := range pinyinRuns(w) {
				b.WriteString(strings.Join(run, ""))
			}
			key := b.String()
			// Prefer the longer word, then the first in order, for
			// the same sound.
			if old, ok := soundsLike[key]; !ok || len(w) > len(old) || (len(w) == len(old) && w < old) {
				soundsLike[key] = w
			}
		}
	})
	voc := vocabulary(defaultSynonymSet)
	changed := false
	var out []string
	for _, chunk := range strings.Fields(Normalize(text)) {
		var parts []string
		for _, w := range segment(chunk, voc) {
			parts = append(parts, w)
		}
		// Sounds of adjacent unknown parts together (幼儿 + 圆 → 幼儿园).
		for i := 0; i < len(parts); i++ {
			for j := len(parts); j > i; j-- {
				joined := strings.Join(parts[i:j], "")
				if voc.words[joined] && j-i == 1 {
					break
				}
				key := ""
				if isLatinWord(joined) {
					if syl, ok := splitPinyin(joined); ok {
						key = strings.Join(syl, "")
					}
				} else {
					for _, run := range pinyinRuns(joined) {
						key += strings.Join(run, "")
					}
				}
				if w, ok := soundsLike[key]; ok && key != "" && w != joined {
					parts = append(parts[:i], append([]string{w}, parts[j:]...)...)
					changed = true
					break
				}
			}
		}
		out = append(out, strings.Join(parts, ""))
	}
	if !changed {
		return ""
	}
	return strings.Join(out, " ")
}
