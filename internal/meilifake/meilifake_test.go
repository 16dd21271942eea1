package meilifake

import "testing"

// TestFakeMeiliFilter: the fake evaluates the filter forms
// search/meili_search.go builds.
func TestFakeMeiliFilter(t *testing.T) {
	doc := map[string]any{"type": "comment", "decision_id": 12.0, "domain": "a \"b\"", "date": 1700000000.0}
	for expr, want := range map[string]bool{
		`type IN ["comment","article"]`:                        true,
		`type IN ["article"]`:                                  false,
		`decision_id = 12 AND type = "comment"`:                true,
		`decision_id = 13`:                                     false,
		`domain = "a \"b\""`:                                   true,
		`date 1600000000 TO 1800000000 AND date >= 1700000000`: true,
		`date <= 1699999999`:                                   false,
	} {
		m, err := ParseFilter(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := m(doc); got != want {
			t.Errorf("%s: %v, want %v", expr, got, want)
		}
	}
	for _, bad := range []string{`type IN "x"`, `type ~ 1`, `"unterminated`, `type = "a" OR type = "b"`} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
