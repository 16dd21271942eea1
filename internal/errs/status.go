package errs

import "net/http"

// statusOfKind is the one table from error kinds to HTTP statuses, read by
// the API's problem answers and the pages' form errors alike.
var statusOfKind = map[Kind]int{
	KindInternal:        http.StatusInternalServerError,
	KindInvalid:         http.StatusUnprocessableEntity,
	KindNotFound:        http.StatusNotFound,
	KindConflict:        http.StatusConflict,
	KindUnauthenticated: http.StatusUnauthorized,
	KindForbidden:       http.StatusForbidden,
	KindRateLimited:     http.StatusTooManyRequests,
	KindTooLarge:        http.StatusRequestEntityTooLarge,
	KindUnavailable:     http.StatusServiceUnavailable,
}

// HTTPStatus is the HTTP status that answers an error of kind k; a kind the
// table does not know answers 500, as an internal error does.
func (k Kind) HTTPStatus() int {
	if status, ok := statusOfKind[k]; ok {
		return status
	}
	return http.StatusInternalServerError
}
