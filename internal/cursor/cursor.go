// Package cursor encodes the opaque cursors of list operations
// (`?limit=&cursor=` in, `next_cursor` out).
package cursor

import (
	"encoding/base64"
	"strconv"

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
