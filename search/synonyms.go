package search

import (
	"slices"
	"sort"
	"strings"
)

// synonymGroups are the near-synonyms residents and drafts use for the same
// thing: the embedded backend expands each query word with them, and the
// Meilisearch backend sends them as the index's synonyms setting; the
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
	{"孩子", "小孩", "儿童", "子女"},
	{"涨价", "提价", "上调"},
	{"地沟油", "废弃油脂"},
	{"外卖", "网络订餐"},
	{"雾霾", "空气污染"},
	{"垃圾分类", "垃圾分拣"},
	{"扬尘", "灰尘"},
	// Livelihood domains of issue 16.
	{"补贴", "补助", "津贴", "资助"},
	{"看病", "就医", "就诊"},
	{"报销", "医保结算"},
	{"医保", "医疗保险"},
	{"低保", "最低生活保障"},
	{"公租房", "公共租赁住房"},
	{"网约车", "网络预约出租汽车", "打车软件"},
	{"共享单车", "共享自行车", "互联网租赁自行车"},
	{"电动车", "电瓶车", "电动自行车"},
	{"加梯", "加装电梯"},
	{"爬楼", "上下楼", "下楼"},
	{"地摊", "摆摊", "摊贩", "流动摊贩"},
	{"狗", "犬", "犬只", "养犬"},
	{"遛狗", "携犬出户"},
	{"拴绳", "牵绳", "犬链"},
	{"煤气", "燃气", "天然气"},
	{"补课班", "补习班", "辅导班", "校外培训机构", "培训机构"},
	{"退费", "退款", "退还"},
	{"控烟", "禁烟", "禁止吸烟"},
	{"抽烟", "吸烟"},
	{"积水", "内涝", "排涝"},
	{"幼儿园", "学前教育"},
	{"上学", "入学", "读书"},
	{"小学", "学校"},
	{"租房", "房屋租赁", "住房租赁"},
	{"物业费", "物业服务收费"},
	{"养老院", "养老机构"},
	{"墓地", "公墓"},
	{"吵", "噪声", "噪音"},
	{"创业", "创办"},
	{"工作", "就业"},
	{"菜市场", "农贸市场"},
	{"下岗", "失业"},
	{"残疾", "残疾人"},
	{"罚款", "处罚"},
}

// maxQueryVariants bounds the expansion of one query.
const maxQueryVariants = 12

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

// synonymSet is a normalised near-synonym table: the defaults above and
// the groups staff added (search_synonyms, the admin page).
type synonymSet struct {
	groups [][]string
	byWord map[string][]int // word → groups it belongs to
}

func newSynonymSet(extra [][]string) *synonymSet {
	s := &synonymSet{byWord: map[string][]int{}}
	for _, g := range append(slices.Clone(synonymGroups), extra...) {
		var ng []string
		for _, w := range g {
			if w = strings.TrimSpace(Normalize(w)); w != "" && !slices.Contains(ng, w) {
				ng = append(ng, w)
			}
		}
		if len(ng) < 2 {
			continue
		}
		for _, w := range ng {
			s.byWord[w] = append(s.byWord[w], len(s.groups))
		}
		s.groups = append(s.groups, ng)
	}
	return s
}

var defaultSynonymSet = newSynonymSet(nil)

// alternatives are the near-synonyms of w (not w itself).
func (s *synonymSet) alternatives(w string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, gi := range s.byWord[w] {
		for _, m := range s.groups[gi] {
			if m != w && !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}
