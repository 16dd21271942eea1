package web

import (
	"regexp"
	"strconv"
	"strings"
)

// lawNames is the one table of the laws the service cites, from the short
// English form used in error codes and the record (errs.Gate.Basis, e.g.
// "Decree 713 Art. 29, 32") to the title readers know. Every page shows a
// legal basis through basisName, so a new law is added here once.
var lawNames = map[string]string{
	"Decree 713":                          "《重大行政决策程序暂行条例》",
	"Henan Decree 210":                    "《河南省重大行政决策程序规定》",
	"PIPL":                                "《中华人民共和国个人信息保护法》",
	"Fair Competition Review Regulations": "《公平竞争审查条例》",
	"Fair Competition Review Rules":       "《公平竞争审查条例》",
	"Administrative Licensing Law":        "《中华人民共和国行政许可法》",
	"Legislation Law":                     "《中华人民共和国立法法》",
	"Government Information Disclosure Regulations":                                    "《中华人民共和国政府信息公开条例》",
	"National indicator system for rule-of-law government demonstration cities (2021)": "《市县法治政府建设示范指标体系（2021年版）》",
	"National indicator system for rule-of-law government demonstration cities":        "《市县法治政府建设示范指标体系》",
	"State Council holiday notice":                                                     "国务院办公厅关于部分节假日安排的通知",
}

// defaultLaw is the law of a bare "Art. 15": the decree the procedure follows.
const defaultLaw = "Decree 713"

var (
	// basisPart is one law with its articles: "Decree 713 Art. 29, 32",
	// "Art. 15–17", "PIPL Art. 47", "Decree 713".
	basisPart = regexp.MustCompile(`^(.*?)\s*(?:\bArts?\.\s*(.+))?$`)
	// articleRef is one article or range: "15", "15(2)", "15-17", "15–17".
	articleRef = regexp.MustCompile(`^(\d+)(?:\((\d+)\))?(?:\s*[–—-]\s*(\d+))?$`)
)

// basisName renders a legal basis code as readers know it: "Decree 713
// Art. 15" is 《重大行政决策程序暂行条例》第十五条, "Decree 713 Art. 29, 32" is
// 《重大行政决策程序暂行条例》第二十九条、第三十二条, "Art. 15–17" is 第十五条至
// 第十七条, and several laws joined by ";" are joined by "；". A basis
// already written in Chinese is returned as it is; an unknown law is
// returned unchanged (the page crawl test catches it).
func basisName(b string) string {
	b = strings.TrimSpace(b)
	if b == "" {
		return ""
	}
	parts := strings.Split(b, ";")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		out = append(out, basisPartName(strings.TrimSpace(p)))
	}
	return strings.Join(out, "；")
}

func basisPartName(p string) string {
	m := basisPart.FindStringSubmatch(p)
	if m == nil {
		return p
	}
	law, arts := strings.TrimSpace(m[1]), strings.TrimSpace(m[2])
	if law == "" && arts != "" {
		law = defaultLaw
	}
	title, ok := lawNames[law]
	if !ok {
		return p
	}
	if arts == "" {
		return title
	}
	var refs []string
	for _, a := range strings.FieldsFunc(arts, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		a = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a), "and "))
		am := articleRef.FindStringSubmatch(a)
		if am == nil {
			return p
		}
		refs = append(refs, articleName(am[1], am[2], am[3]))
	}
	return title + strings.Join(refs, "、")
}

// articleName writes 第十五条, 第十五条第二款 or 第十五条至第十七条.
func articleName(from, para, to string) string {
	n, _ := strconv.Atoi(from)
	s := "第" + chineseNumber(n) + "条"
	if para != "" {
		k, _ := strconv.Atoi(para)
		s += "第" + chineseNumber(k) + "款"
	}
	if to != "" {
		k, _ := strconv.Atoi(to)
		s += "至第" + chineseNumber(k) + "条"
	}
	return s
}

// withBasis ends a field's error message with the legal basis of the rule
// that refused it, unless the message already cites it.
func withBasis(msg, basis string) string {
	name := basisName(basis)
	if name == "" || strings.Contains(msg, name) {
		return msg
	}
	return msg + "（依据：" + name + "）"
}
