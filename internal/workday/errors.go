package workday

import (
	"errors"
	"strings"

	"github.com/canyu-gov/canyu/internal/errs"
)

// ServiceError translates an error of Parse, New or Store.Save into the
// service error type: calendar data that does not validate becomes
// invalid_calendar (each problem found named as a field error), a taken
// version calendar_version_exists, anything else an internal error. Do not
// use it for Store.Current, whose invalid stored row is an internal fault,
// not the caller's.
func ServiceError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrVersionExists):
		return errs.Conflict("calendar_version_exists", "该工作日历版本号已存在：每个版本号只能对应一份数据（已计算的期限记录了所用版本），请使用新的版本号")
	case errors.Is(err, ErrInvalidCalendar):
		e := &errs.Error{Kind: errs.KindInvalid, Code: "invalid_calendar", Message: "工作日历数据无效，请按提示修改后重新提交", Err: err}
		for _, p := range Problems(err) {
			field := "notices"
			if strings.HasPrefix(p, "version") {
				field = "version"
			}
			e.Fields = append(e.Fields, errs.FieldError{Field: field, Message: p})
		}
		return e
	}
	return errs.Internal(err)
}

// Problems lists the problems an error wrapping ErrInvalidCalendar names
// (New joins them with "; "); nil for any other error.
func Problems(err error) []string {
	if !errors.Is(err, ErrInvalidCalendar) {
		return nil
	}
	msg := err.Error()
	prefix := ErrInvalidCalendar.Error() + ": "
	if i := strings.LastIndex(msg, prefix); i >= 0 {
		msg = msg[i+len(prefix):]
	}
	var out []string
	for _, p := range strings.Split(msg, "; ") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
