package web

import (
	"testing"
	"unicode"
)

// TestBasisNamesInChinese: every legal basis the procedure reports reaches
// pages in Chinese, never as the code's English.
func TestBasisNamesInChinese(t *testing.T) {
	cases := map[string]string{
		"Decree 713 Art. 30":                               "《重大行政决策程序暂行条例》第三十条",
		"Decree 713 Art. 14, 15":                           "《重大行政决策程序暂行条例》第十四条、第十五条",
		"Decree 713 Art. 3(3); Henan Decree 210 Art. 4":    "《重大行政决策程序暂行条例》第三条第三款；《河南省重大行政决策程序规定》第四条",
		"中办发〔2016〕30号; Decree 713 Art. 28":                 "中办发〔2016〕30号；《重大行政决策程序暂行条例》第二十八条",
		"Decree 713 Art. 26; State Council holiday notice": "《重大行政决策程序暂行条例》第二十六条；国务院办公厅关于部分节假日安排的通知",
	}
	for in, want := range cases {
		if got := basisName(in); got != want {
			t.Errorf("basisName(%q) = %q, want %q", in, got, want)
		}
		for _, r := range basisName(in) {
			if r < unicode.MaxASCII && unicode.IsLetter(r) {
				t.Errorf("basisName(%q) has Latin letters: %q", in, basisName(in))
				break
			}
		}
	}
}
