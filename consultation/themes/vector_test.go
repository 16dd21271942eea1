package themes

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestInferredArticle: a comment gets the feature of the article its text
// is closest to, whatever article it was filed on, and the join (a
// vocabulary read back as stored) computes the same vector as the analysis.
func TestInferredArticle(t *testing.T) {
	articles := []string{
		"第九条 城区公共停车场实行政府指导价，中心区域小型车首小时收费三元，之后每小时二元。",
		"第十六条 业主在自有车位安装充电设施的，物业服务企业应当予以配合，不得阻挠。",
	}
	texts := []string{
		"停车收费太贵了，首小时三元太高",
		"首小时收费能不能降到两元",
		"物业不让安装充电设施，一直阻挠",
		"充电设施安装物业不配合怎么办",
		"今天天气不错",
	}
	docs := make([]Doc, len(texts))
	for i, s := range texts {
		docs[i] = Doc{ID: int64(i + 1), Text: s}
	}
	docs[1].Article = "p1" // filed on the other article: the text still says which it speaks of
	p := DefaultParams
	cl := ClusterDocs(docs, articles, p)
	voc := cl.Vocab
	want := map[int]string{0: "~0", 1: "~0", 2: "~1", 3: "~1"}
	for i := range docs {
		var got []string
		for _, id := range cl.Vectors[i].IDs {
			if tm := voc.Terms[id]; tm[0] == '~' {
				got = append(got, tm)
			}
		}
		if w, ok := want[i]; ok && (len(got) != 1 || got[0] != w) {
			t.Errorf("comment %q: inferred %v, want [%s]", texts[i], got, w)
		}
		if _, ok := want[i]; !ok && len(got) != 0 {
			t.Errorf("comment %q close to no article: inferred %v", texts[i], got)
		}
	}

	// The join reads the vocabulary back from its JSON and the articles
	// again: the same vector for the same comment.
	b, err := json.Marshal(voc)
	if err != nil {
		t.Fatal(err)
	}
	var stored Vocabulary
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	stored.index()
	arts := stored.articleVectors(articles, p)
	for i, d := range docs {
		if v := stored.commentVector(d.Text, d.Article, arts, p); !reflect.DeepEqual(v, cl.Vectors[i]) {
			t.Errorf("comment %q: the join's vector %v differs from the analysis' %v", d.Text, v, cl.Vectors[i])
		}
	}

	// Without the parameter, no comment has the feature.
	p.InferredArticleWeight = 0
	plain := ClusterDocs(docs, articles, p)
	for i, v := range plain.Vectors {
		for _, id := range v.IDs {
			if plain.Vocab.Terms[id][0] == '~' {
				t.Errorf("comment %d has an inferred article with the weight 0", i)
			}
		}
	}
}

// TestQueryForms: a query within a theme is folded as the text it is
// looked for in, however either mixes traditional and simplified
// characters, full and half width, capitals and small letters.
func TestQueryForms(t *testing.T) {
	for q, want := range map[string][]string{
		"停車":    {"停车"},
		"停車收费":  {"停车收费"},
		"３００元":  {"300元"},
		"ＡＰＰ下載": {"app下载"},
		"  ":    nil,
	} {
		got, err := queryForms(q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("forms of %q: %q, want %q", q, got, want)
		}
	}
	if _, err := queryForms(strings.Repeat("停", MaxQueryRunes+1)); err == nil {
		t.Error("a query too long was accepted")
	}
}
