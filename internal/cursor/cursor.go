// Package cursor encodes the opaque cursors of list operations
// (`?limit=&cursor=` in, `next_cursor` out).
package cursor

import (
	"encoding/base64"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Encode makes an opaque cursor from the last id of a page.
func Encode(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("i:" + strconv.FormatInt(id, 10)))
}

// Decode returns the id in a cursor; an empty cursor is 0.
func Decode(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 3 || string(b[:2]) != "i:" {
		return 0, errs.InvalidField("invalid_cursor", "cursor", "分页游标无效")
	}
	id, err := strconv.ParseInt(string(b[2:]), 10, 64)
	if err != nil || id < 0 {
		return 0, errs.InvalidField("invalid_cursor", "cursor", "分页游标无效")
	}
	return id, nil
}

// Limit clamps a requested page size.
func Limit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	if n > MaxLimit {
		return MaxLimit
	}
	return n
}

// Collect reads one page from the rows of a query that asked for limit+1
// rows: the rows mapped by scan and cut at limit, and the cursor of the next
// page (from id of the last row kept) when the extra row came. An error of
// the query (queryErr) or of a row is internal. It is the one copy of what
// every paged list did after its query.
func Collect[T any](rows pgx.Rows, queryErr error, limit int, scan pgx.RowToFunc[T], id func(T) int64) ([]T, string, error) {
	if queryErr != nil {
		return nil, "", errs.Internal(queryErr)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = Encode(id(out[len(out)-1]))
	}
	return out, next, nil
}
