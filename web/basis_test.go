package web

import "testing"

// TestBasisName: every form of legal basis the service writes is shown in
// Chinese: single articles, ranges, lists, several laws, a bare article,
// and the English source names.
func TestBasisName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Decree 713 Art. 15", "《重大行政决策程序暂行条例》第十五条"},
		{"Decree 713 Art. 29, 32", "《重大行政决策程序暂行条例》第二十九条、第三十二条"},
		{"Decree 713 Art. 15–17", "《重大行政决策程序暂行条例》第十五条至第十七条"},
		{"Decree 713 Art. 15-17, 20", "《重大行政决策程序暂行条例》第十五条至第十七条、第二十条"},
		{"Decree 713 Art. 15(2)", "《重大行政决策程序暂行条例》第十五条第二款"},
		{"Art. 28", "《重大行政决策程序暂行条例》第二十八条"},
		{"Decree 713", "《重大行政决策程序暂行条例》"},
		{"Henan Decree 210 Art. 3", "《河南省重大行政决策程序规定》第三条"},
		{"PIPL Art. 47", "《中华人民共和国个人信息保护法》第四十七条"},
		{"Decree 713 Art. 29; Fair Competition Review Regulations Art. 2",
			"《重大行政决策程序暂行条例》第二十九条；《公平竞争审查条例》第二条"},
		{"National indicator system for rule-of-law government demonstration cities (2021)", "《市县法治政府建设示范指标体系（2021年版）》"},
		{"《中华人民共和国义务教育法》第十二条", "《中华人民共和国义务教育法》第十二条"},
		{"", ""},
	} {
		if got := basisName(c.in); got != c.want {
			t.Errorf("basisName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestReadableMessage: service messages that list codes read as Chinese.
func TestReadableMessage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"总体意见须为 lawful（合法）、lawful_with_changes（修改后合法）或 unlawful（不合法）", "总体意见须为合法、修改后合法或不合法"},
		{"审查结论须为 compliant（符合）或 problem（存在问题）", "审查结论须为符合或存在问题"},
		{"请输入验证码", "请输入验证码"},
	} {
		if got := readableMessage(c.in); got != c.want {
			t.Errorf("readableMessage(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
