package search

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fake's parser of Meilisearch filter expressions, written from the
// documented grammar (filter expression reference): conditions
// `attribute OP value` with = != > >= < <=, `attribute a TO b`,
// `attribute [NOT] IN [v, …]`, `attribute [NOT] EXISTS`, combined with
// NOT, AND (binds tighter), OR and parentheses. Values are bare words or
// strings in single or double quotes, where a backslash escapes the quote.

type fakeToken struct {
	kind   string // "(", ")", "[", "]", ",", "op", "str", "word"
	text   string
	quoted bool
}

func lexFakeFilter(s string) ([]fakeToken, error) {
	var toks []fakeToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("()[],", c):
			toks = append(toks, fakeToken{kind: string(c), text: string(c)})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			op := string(c)
			if i+1 < len(rs) && rs[i+1] == '=' {
				op += "="
			}
			if op == "!" {
				return nil, fmt.Errorf("unexpected ! at %d", i)
			}
			toks = append(toks, fakeToken{kind: "op", text: op})
			i += len(op)
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(rs) && rs[j] != c; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					if rs[j] != c {
						b.WriteRune('\\') // only the quote is unescaped
					}
				}
				b.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			toks = append(toks, fakeToken{kind: "str", text: b.String(), quoted: true})
			i = j + 1
		default:
			j := i
			for j < len(rs) && !strings.ContainsRune(" \t\n()[],=!<>\"'", rs[j]) {
				j++
			}
			toks = append(toks, fakeToken{kind: "word", text: string(rs[i:j])})
			i = j
		}
	}
	return toks, nil
}

type fakeNode struct {
	op       string // "AND", "OR", "NOT", "cmp", "TO", "IN", "EXISTS"
	kids     []*fakeNode
	attr     string
	cmp      string
	values   []fakeToken
	negation bool
}

type fakeParser struct {
	toks []fakeToken
	pos  int
}

func parseFakeFilter(s string) (*fakeNode, error) {
	toks, err := lexFakeFilter(s)
	if err != nil {
		return nil, err
	}
	p := &fakeParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	return n, nil
}

func (p *fakeParser) peek() *fakeToken {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *fakeParser) keyword(k string) bool {
	if t := p.peek(); t != nil && t.kind == "word" && t.text == k {
		p.pos++
		return true
	}
	return false
}

func (p *fakeParser) or() (*fakeNode, error) {
	n, err := p.and()
	for err == nil && p.keyword("OR") {
		var r *fakeNode
		if r, err = p.and(); err == nil {
			n = &fakeNode{op: "OR", kids: []*fakeNode{n, r}}
		}
	}
	return n, err
}

func (p *fakeParser) and() (*fakeNode, error) {
	n, err := p.not()
	for err == nil && p.keyword("AND") {
		var r *fakeNode
		if r, err = p.not(); err == nil {
			n = &fakeNode{op: "AND", kids: []*fakeNode{n, r}}
		}
	}
	return n, err
}

func (p *fakeParser) not() (*fakeNode, error) {
	if p.keyword("NOT") {
		n, err := p.not()
		return &fakeNode{op: "NOT", kids: []*fakeNode{n}}, err
	}
	if t := p.peek(); t != nil && t.kind == "(" {
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.kind != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return n, nil
	}
	return p.condition()
}

func (p *fakeParser) value() (fakeToken, error) {
	t := p.peek()
	if t == nil || (t.kind != "str" && t.kind != "word") {
		return fakeToken{}, fmt.Errorf("expected a value")
	}
	if t.kind == "word" && slices.Contains([]string{"AND", "OR", "NOT", "TO", "IN", "EXISTS"}, t.text) {
		return fakeToken{}, fmt.Errorf("expected a value, found keyword %s", t.text)
	}
	p.pos++
	return *t, nil
}

func (p *fakeParser) condition() (*fakeNode, error) {
	at, err := p.value()
	if err != nil {
		return nil, err
	}
	n := &fakeNode{attr: at.text}
	t := p.peek()
	switch {
	case t == nil:
		return nil, fmt.Errorf("condition on %s has no operator", at.text)
	case t.kind == "op":
		p.pos++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.op, n.cmp, n.values = "cmp", t.text, []fakeToken{v}
		return n, nil
	case p.keyword("EXISTS"):
		n.op = "EXISTS"
		return n, nil
	case p.keyword("NOT"):
		n.negation = true
		if p.keyword("EXISTS") {
			n.op = "EXISTS"
			return n, nil
		}
		if !p.keyword("IN") {
			return nil, fmt.Errorf("expected IN or EXISTS after NOT")
		}
		return p.in(n)
	case p.keyword("IN"):
		return p.in(n)
	default:
		lo, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.keyword("TO") {
			return nil, fmt.Errorf("expected an operator after %s", at.text)
		}
		hi, err := p.value()
		if err != nil {
			return nil, err
		}
		n.op, n.values = "TO", []fakeToken{lo, hi}
		return n, nil
	}
}

func (p *fakeParser) in(n *fakeNode) (*fakeNode, error) {
	n.op = "IN"
	if t := p.peek(); t == nil || t.kind != "[" {
		return nil, fmt.Errorf("IN needs [")
	}
	p.pos++
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		n.values = append(n.values, v)
		t := p.peek()
		if t != nil && t.kind == "," {
			p.pos++
			continue
		}
		if t != nil && t.kind == "]" {
			p.pos++
			return n, nil
		}
		return nil, fmt.Errorf("IN list not closed")
	}
}

// check refuses attributes that are not filterable and range or
// comparison operators with non-numeric values, as Meilisearch does.
func (n *fakeNode) check(filterable []string) error {
	for _, k := range n.kids {
		if err := k.check(filterable); err != nil {
			return err
		}
	}
	if n.attr == "" {
		return nil
	}
	if !slices.Contains(filterable, n.attr) {
		return fmt.Errorf("Attribute `%s` is not filterable. Available filterable attributes are: `%s`.", n.attr, strings.Join(filterable, ", "))
	}
	if n.op == "TO" || (n.op == "cmp" && n.cmp != "=" && n.cmp != "!=") {
		for _, v := range n.values {
			if _, err := strconv.ParseFloat(v.text, 64); err != nil {
				return fmt.Errorf("%s %s expects a number, got %q", n.attr, n.op, v.text)
			}
		}
	}
	return nil
}

func fakeEq(docVal any, v fakeToken) bool {
	switch d := docVal.(type) {
	case string:
		return strings.EqualFold(d, v.text)
	case float64:
		f, err := strconv.ParseFloat(v.text, 64)
		return err == nil && f == d
	}
	return false
}

func (n *fakeNode) eval(doc map[string]any) bool {
	switch n.op {
	case "AND":
		return n.kids[0].eval(doc) && n.kids[1].eval(doc)
	case "OR":
		return n.kids[0].eval(doc) || n.kids[1].eval(doc)
	case "NOT":
		return !n.kids[0].eval(doc)
	case "EXISTS":
		_, ok := doc[n.attr]
		return ok != n.negation
	case "IN":
		in := slices.ContainsFunc(n.values, func(v fakeToken) bool { return fakeEq(doc[n.attr], v) })
		return in != n.negation
	}
	dv, isNum := doc[n.attr].(float64)
	num := func(i int) float64 { f, _ := strconv.ParseFloat(n.values[i].text, 64); return f }
	switch {
	case n.op == "TO":
		return isNum && dv >= num(0) && dv <= num(1)
	case n.cmp == "=":
		return fakeEq(doc[n.attr], n.values[0])
	case n.cmp == "!=":
		return !fakeEq(doc[n.attr], n.values[0])
	case !isNum:
		return false
	case n.cmp == ">":
		return dv > num(0)
	case n.cmp == ">=":
		return dv >= num(0)
	case n.cmp == "<":
		return dv < num(0)
	case n.cmp == "<=":
		return dv <= num(0)
	}
	return false
}

// TestFakeFilterParser checks the fake's parser itself on the documented
// examples, so the backend's filters are judged by a parser that is right.
func TestFakeFilterParser(t *testing.T) {
	doc := map[string]any{"genres": "horror", "director": "Jordan Peele", "release_date": 800000000.0, "rating": 3.0}
	for _, tc := range []struct {
		expr string
		want bool
	}{
		{`genres = horror`, true},
		{`director = 'Jordan Peele'`, true},
		{`director = "Jordan Peele"`, true},
		{`genres != horror`, false},
		{`release_date 795484800 TO 972129600`, true},
		{`genres IN [horror, comedy]`, true},
		{`genres NOT IN [horror, comedy]`, false},
		{`genres = comedy OR (rating >= 3 AND NOT genres = drama)`, true},
		{`genres = comedy OR rating > 3 AND genres = horror`, false},
		{`director = "Jordan \"Get Out\" Peele"`, false},
		{`genres EXISTS`, true},
	} {
		n, err := parseFakeFilter(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := n.eval(doc); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.expr, got, tc.want)
		}
	}
	for _, bad := range []string{`genres =`, `genres = "horror`, `(genres = horror`, `genres IN [horror`, `genres horror`, `AND genres = horror`} {
		if _, err := parseFakeFilter(bad); err == nil {
			t.Errorf("%s parsed; Meilisearch refuses it", bad)
		}
	}
	n, _ := parseFakeFilter(`director = "say \"hi\""`)
	if got := n.values[0].text; got != `say "hi"` {
		t.Errorf("escaped quote unescaped to %q", got)
	}
}
