package web

import "net/url"

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
