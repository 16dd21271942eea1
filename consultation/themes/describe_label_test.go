package themes

import "testing"

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
