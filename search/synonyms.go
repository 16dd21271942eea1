package search

import (
	"sort"
	"strings"
)

// synonymGroups are the near-synonyms residents and drafts use for the same
// thing. Both backends expand the query text with them (ExpandQuery), the
// way a search team keeps a synonym list next to the index settings; the
// relevance set (testdata/relevance) has a query for each group.
var synonymGroups = [][]string{
	{"公交车", "公共汽车", "公交", "巴士"},
	{"油烟", "烟味", "油烟味"},
	{"停车难", "停车位紧张", "停车位不足", "车位少", "停车位太少"},
	{"停车位", "车位"},
	{"票价", "车费"},
	{"老年人", "老人", "长者"},
	{"供暖", "暖气", "采暖"},
	{"水价", "水费"},
	{"烧烤", "撸串"},
	{"噪音", "噪声"},
	{"看病难", "就医难"},
	{"上学难", "入学难"},
	{"孩子", "小孩", "儿童"},
	{"涨价", "提价", "上调"},
	{"地沟油", "废弃油脂"},
	{"外卖", "网络订餐"},
	{"雾霾", "空气污染"},
	{"垃圾分类", "垃圾分拣"},
	{"扬尘", "灰尘"},
}

// maxQueryVariants bounds the expansion of one query.
const maxQueryVariants = 12

// ExpandQuery returns text followed by the near-synonyms of the words it
// contains, separated by spaces, for a backend that takes one query string
// (Meilisearch with matchingStrategy "last"): "公交票价" gives
// "公交票价 公交车 公共汽车 巴士 车费". Text without known words is
// returned unchanged.
func ExpandQuery(text string) string {
	var extra []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(text) {
		seen[f] = true
	}
	for _, g := range synonymGroups {
		if !groupMatches(text, g) {
			continue
		}
		for _, w := range g {
			if !seen[w] && !strings.Contains(text, w) {
				seen[w] = true
				extra = append(extra, w)
			}
		}
	}
	if len(extra) == 0 {
		return text
	}
	return text + " " + strings.Join(extra, " ")
}

func groupMatches(text string, g []string) bool {
	for _, w := range g {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// queryVariants returns text and the texts obtained by replacing one known
// word with each of its near-synonyms, the original first.
func queryVariants(text string) []string {
	out := []string{text}
	seen := map[string]bool{text: true}
	for _, g := range synonymGroups {
		// Longest member first so 停车位 is replaced before 车位.
		members := append([]string(nil), g...)
		sort.SliceStable(members, func(i, j int) bool { return len(members[i]) > len(members[j]) })
		for _, w := range members {
			if !strings.Contains(text, w) {
				continue
			}
			for _, alt := range g {
				v := strings.Replace(text, w, alt, 1)
				if !seen[v] && len(out) < maxQueryVariants {
					seen[v] = true
					out = append(out, v)
				}
			}
			break
		}
	}
	return out
}
