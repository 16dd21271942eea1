package errs

import (
	"strings"
	"unicode/utf8"
)

// Text trims a free-text input and checks it: empty when required gives
// FIELD_required, more than max characters FIELD_too_long, each naming the
// field, with a message built from its Chinese label.
func Text(field, label, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", InvalidField(field+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", InvalidField(field+"_too_long", field, label+"过长")
	}
	return s, nil
}
