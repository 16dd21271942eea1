package search_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/search"
)

// TestQuotedPhraseStaysAcrossTiers: a phrase the resident quoted is what
// they asked for, so when the other words match nothing together and the
// search relaxes (fewer words, any word, pinyin), every result still holds
// the phrase; a quoted phrase alone that matches nothing finds nothing
// rather than its words scattered.
func TestQuotedPhraseStaysAcrossTiers(t *testing.T) {
	idx := newEmbedded(t)
	defer idx.Close()
	ctx := context.Background()
	docs := []search.Document{
		comment(1, "小区应当设置集中充电设施，方便居民。"),
		comment(2, "楼道充电太危险，建议多建充电桩。"),
		comment(3, "停车位太少，晚上回来没地方停车。"),
		comment(4, "集中建设的设施要有人管理，充电要收费透明。"),
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    string
		want []string // the ids that may be found; every one of them holds the phrase
	}{
		// 停车 matches no document with the phrase: the relaxed tiers keep it.
		{`“集中充电设施” 停车`, []string{"comment-1"}},
		{`"集中充电设施" 停车 罚款`, []string{"comment-1"}},
		// No document holds the phrase: nothing, not comment-4's scattered words.
		{`“集中收费设施”`, nil},
		{`“集中收费设施” 管理`, nil},
	} {
		res, err := search.SearchGrouped(ctx, idx, search.Query{Text: c.q, Limit: 10})
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		var got []string
		for _, g := range res.Groups {
			for _, h := range g.Hits {
				got = append(got, h.Document.ID)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: found %v, want %v", c.q, got, c.want)
		}
	}
}
