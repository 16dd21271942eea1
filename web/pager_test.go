package web

import (
	"net/url"
	"testing"
)

// TestPageLinks: the pager's links keep the list's filters, sorted, with
// the cursor escaped; the first page has no link back to itself and the
// last none onward.
func TestPageLinks(t *testing.T) {
	for _, c := range []struct {
		name          string
		filters       url.Values
		cursor, next  string
		wantNext      string
		wantFirstPage string
	}{
		{name: "first page", next: "a+b/c", wantNext: "/decisions?cursor=a%2Bb%2Fc"},
		{name: "middle page", cursor: "x", next: "y", wantNext: "/decisions?cursor=y", wantFirstPage: "/decisions"},
		{name: "last page", cursor: "x", wantFirstPage: "/decisions"},
		{name: "only page"},
		{name: "filters", filters: url.Values{"status": {"open"}, "q": {"学校 招生"}}, cursor: "x", next: "y",
			wantNext:      "/decisions?cursor=y&q=%E5%AD%A6%E6%A0%A1+%E6%8B%9B%E7%94%9F&status=open",
			wantFirstPage: "/decisions?q=%E5%AD%A6%E6%A0%A1+%E6%8B%9B%E7%94%9F&status=open"},
	} {
		t.Run(c.name, func(t *testing.T) {
			next, first := pageLinks("/decisions", c.filters, c.cursor, c.next)
			if next != c.wantNext || first != c.wantFirstPage {
				t.Errorf("got %q and %q, want %q and %q", next, first, c.wantNext, c.wantFirstPage)
			}
		})
	}
}
