package web

import (
	"net/http"
	"net/url"
)

// pageLinks are the links of a list shown a page at a time (the "pager"
// partial): nextURL to the page after this one when the service returned a
// next cursor, firstURL back to the first page when this one was opened at
// a cursor. path is the list's address and filters its query (nil for
// none), kept on both links.
func pageLinks(path string, filters url.Values, cursor, next string) (nextURL, firstURL string) {
	if cursor != "" {
		firstURL = path
		if len(filters) > 0 {
			firstURL += "?" + filters.Encode()
		}
	}
	return nextPageURL(path, filters, next), firstURL
}

// nextPageURL links the page after this one of the list at path with its
// filters; it is "" when next, the service's cursor, is.
func nextPageURL(path string, filters url.Values, next string) string {
	if next == "" {
		return ""
	}
	q := url.Values{"cursor": {next}}
	for k, v := range filters {
		q[k] = v
	}
	return path + "?" + q.Encode()
}

// cursorList is one page of a list the service gives a page at a time,
// with the pager's links.
type cursorList[T any] struct {
	Items    []T
	NextURL  string
	FirstURL string
}

// renderCursorList renders tmpl, titled title, with one page of the list at
// path: load gives the page at the query's cursor and the next cursor.
func renderCursorList[T any](s *site, w http.ResponseWriter, r *http.Request, title, tmpl, path string,
	load func(cursor string) ([]T, string, error)) {
	cursor := r.URL.Query().Get("cursor")
	items, next, err := load(cursor)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := cursorList[T]{Items: items}
	data.NextURL, data.FirstURL = pageLinks(path, nil, cursor, next)
	s.show(w, r, tmpl, title, data)
}
