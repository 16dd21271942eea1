package themes

import (
	"strings"
	"testing"
)

// TestClauseLabel: a theme without distinctive words is named by the first
// clause of its first sentence, not left 未命名主题.
func TestClauseLabel(t *testing.T) {
	for _, c := range []struct {
		texts []string
		want  string
	}{
		{[]string{"同意！支持政府的做法。"}, "同意"},
		{[]string{"  ", "。。", "建议课后服务五点半结束，家长好接"}, "建议课后服务五点半结束"},
		{[]string{"希望在每个小区都能设置一个集中投放点并且有专人值守"}, "希望在每个小区都能设置一个集中投…"},
		{nil, ""},
	} {
		if got := clauseLabel(c.texts); got != c.want {
			t.Errorf("clauseLabel(%q) = %q, want %q", c.texts, got, c.want)
		}
	}
	// Describe uses it when no word is distinctive: three comments that
	// share no word.
	if got := labelFor(ngramStats([]string{"同意", "支持", "赞成"}), 3, map[string]int{}, 100); len(got) != 0 {
		t.Fatalf("words of three unlike comments: %q", got)
	}
}

// TestLabelWholeWords: a label word is not cut short of the word it is
// nearly always part of in the theme: 低收 (also in 低收费 once) is named
// 低收入 when most comments say 低收入.
func TestLabelWholeWords(t *testing.T) {
	texts := []string{
		"建议对低收入家庭减免课后服务费。", "低收入家庭负担不起每学期三百元。", "希望给低收入家庭补贴课后服务费用。",
		"低收入的家庭怎么办，能不能免费？", "我们是低收入家庭，孩子参加不起课后服务。", "课后服务应当低收费，低收入家庭全免。",
		"对低收入群体要有照顾政策。",
	}
	bg := append([]string{"课后服务时间太晚了。", "课后服务内容单一，建议增加体育活动。", "老师太累了，课后服务要给老师补贴。",
		"课后服务的时间应当灵活。", "建议增加课后服务的托管内容。", "放学时间和下班时间对不上。"}, texts...)
	got := labelFor(ngramStats(texts), len(texts), ngramStats(bg), len(bg))
	if len(got) == 0 {
		t.Fatal("no label words")
	}
	for _, w := range got {
		if w == "低收" {
			t.Fatalf("label words %q cut 低收入 short", got)
		}
	}
	if got[0] != "低收入" && got[0] != "低收入家庭" {
		t.Errorf("label words %q, want 低收入 first", got)
	}

	// A campaign's copies: every word has the same neighbours in each copy
	// but where a copy was edited, so the fragment next to an edit (低收,
	// once followed by 们) looks more like a word than the word itself.
	tpl := "公交票价从一元涨到两元，对我们这些低收入家庭来说负担太重了。请市政府收回票价调整方案。"
	var copies []string
	for i := range 12 {
		c := tpl
		switch i {
		case 0:
			c = strings.Replace(c, "低收入", "低收们", 1)
		case 1:
			c = strings.Replace(c, "这些低", "这低", 1)
		case 2:
			c = strings.Replace(c, "家庭来", "家庭！来", 1)
		case 3:
			c = strings.Replace(c, "些低收", "些很低收", 1)
		}
		copies = append(copies, c)
	}
	bg = append(bg, copies...)
	got = wholeWords(labelFor(ngramStats(copies), len(copies), ngramStats(bg), len(bg)), copies, bg)
	for _, w := range got {
		if w == "低收" || w == "收入" {
			t.Fatalf("campaign label words %q cut 低收入 short", got)
		}
		if strings.Contains(w, "家庭") && w != "家庭" {
			t.Fatalf("campaign label words %q run 家庭 on into the sentence", got)
		}
	}
}
