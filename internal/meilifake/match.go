package meilifake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value access, cropping, highlighting and filters of the fake Meilisearch
// (fakemeili.go).

func fmString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

func fmNumber(v any) float64 {
	x, _ := v.(float64)
	return x
}

// fmCrop keeps about 60 characters either side of the first match.
func fmCrop(s string, terms []string) string {
	if utf8.RuneCountInString(s) <= 120 {
		return s
	}
	r := []rune(s)
	start := 0
	low := strings.ToLower(s)
	for _, t := range terms {
		if i := strings.Index(low, t); i >= 0 {
			start = max(0, utf8.RuneCountInString(low[:i])-60)
			break
		}
	}
	end := min(len(r), start+120)
	out := string(r[start:end])
	if start > 0 {
		out = "…" + out
	}
	if end < len(r) {
		out += "…"
	}
	return out
}

func fmHighlight(s string, terms []string, pre, post string) string {
	if pre == "" || post == "" {
		return s
	}
	low := strings.ToLower(s)
	for _, t := range terms {
		// Only when lower-casing kept the byte offsets (ASCII and CJK do).
		if t == "" || len(low) != len(s) {
			continue
		}
		var b strings.Builder
		rest, lrest := s, low
		for {
			i := strings.Index(lrest, t)
			if i < 0 {
				b.WriteString(rest)
				break
			}
			b.WriteString(rest[:i] + pre + rest[i:i+len(t)] + post)
			rest, lrest = rest[i+len(t):], lrest[i+len(t):]
		}
		s = b.String()
		low = strings.ToLower(s)
	}
	return s
}

// ParseFilter parses the filters search/meili_search.go builds:
// conditions joined by AND, each `attr IN ["a","b"]`, `attr = "v"`,
// `attr = 12`, `attr >= 12`, `attr <= 12` or `attr 1 TO 2`.
func ParseFilter(expr string) (func(map[string]any) bool, error) {
	toks, err := fmTokens(expr)
	if err != nil {
		return nil, err
	}
	var conds []func(map[string]any) bool
	i := 0
	next := func() string {
		if i >= len(toks) {
			return ""
		}
		i++
		return toks[i-1]
	}
	value := func(t string) (any, error) {
		if strings.HasPrefix(t, `"`) {
			return strings.ReplaceAll(t[1:len(t)-1], `\"`, `"`), nil
		}
		n, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, fmt.Errorf("filter %q: bad value %q", expr, t)
		}
		return n, nil
	}
	eq := func(doc any, v any) bool {
		if s, ok := v.(string); ok {
			return fmString(doc) == s
		}
		return fmNumber(doc) == v.(float64)
	}
	for {
		attr := next()
		if attr == "" {
			return nil, fmt.Errorf("filter %q: attribute expected", expr)
		}
		switch op := next(); op {
		case "IN":
			if next() != "[" {
				return nil, fmt.Errorf("filter %q: [ expected", expr)
			}
			var vals []any
			for {
				t := next()
				if t == "]" {
					break
				}
				if t == "," {
					continue
				}
				v, err := value(t)
				if err != nil {
					return nil, err
				}
				vals = append(vals, v)
			}
			conds = append(conds, func(d map[string]any) bool {
				return slices.ContainsFunc(vals, func(v any) bool { return eq(d[attr], v) })
			})
		case "=", ">=", "<=":
			v, err := value(next())
			if err != nil {
				return nil, err
			}
			conds = append(conds, func(d map[string]any) bool {
				switch op {
				case ">=":
					return fmNumber(d[attr]) >= fmNumber(v)
				case "<=":
					return fmNumber(d[attr]) <= fmNumber(v)
				}
				return eq(d[attr], v)
			})
		default:
			lo, err := value(op)
			if err != nil || next() != "TO" {
				return nil, fmt.Errorf("filter %q: unsupported condition on %s", expr, attr)
			}
			hi, err := value(next())
			if err != nil {
				return nil, err
			}
			conds = append(conds, func(d map[string]any) bool {
				x := fmNumber(d[attr])
				return x >= fmNumber(lo) && x <= fmNumber(hi)
			})
		}
		switch t := next(); t {
		case "":
			return func(d map[string]any) bool {
				for _, c := range conds {
					if !c(d) {
						return false
					}
				}
				return true
			}, nil
		case "AND":
		default:
			return nil, fmt.Errorf("filter %q: AND expected, got %q", expr, t)
		}
	}
}

// fmTokens splits a filter into words, quoted strings and [ ] , = >= <=.
func fmTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ':
			i++
		case c == '[' || c == ']' || c == ',' || c == '=':
			out = append(out, string(c))
			i++
		case (c == '>' || c == '<') && i+1 < len(s) && s[i+1] == '=':
			out = append(out, s[i:i+2])
			i += 2
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, fmt.Errorf("filter %q: unterminated string", s)
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(` []=,"<>`, rune(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("filter %q: unexpected %q", s, c)
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}
