package identity

import (
	"regexp"
	"strings"

	"golang.org/x/text/width"
)

var mainlandMobile = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// NormalizePhone folds full-width characters (a Chinese input method in
// full-width mode types １３８…), strips spaces, dashes and a +86/0086
// prefix and reports whether the result is a mainland China mobile number
// (11 digits, 1[3-9]…).
func NormalizePhone(s string) (string, bool) {
	s = width.Fold.String(s)
	s = strings.NewReplacer(" ", "", "-", "", "\u00a0", "", "\u3000", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+86")
	if strings.HasPrefix(s, "0086") {
		s = s[4:]
	}
	return s, mainlandMobile.MatchString(s)
}

// MaskPhone shows a mobile number as 138****1234 (PIPL: minimum disclosure).
func MaskPhone(p string) string {
	if len(p) != 11 {
		return "****"
	}
	return p[:3] + "****" + p[7:]
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// NormalizeEmail lower-cases an e-mail address and reports whether it looks valid.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	return s, len(s) <= 254 && emailPattern.MatchString(s)
}

// NormalizeCode is an SMS code as the person typed it, in ASCII digits:
// full-width digits folded and spaces around removed, so that what an input
// method in full-width mode typed matches (and does not use up a try).
func NormalizeCode(s string) string {
	return strings.TrimSpace(width.Fold.String(s))
}
