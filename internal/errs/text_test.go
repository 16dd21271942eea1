package errs

import (
	"errors"
	"strings"
	"testing"
)

// TestText checks the boundaries of the free-text rule: trimmed, required,
// and at most max characters (runes, not bytes).
func TestText(t *testing.T) {
	for _, tt := range []struct {
		name     string
		in       string
		max      int
		required bool
		want     string
		code     string
	}{
		{"trimmed", "  调整理由 \n", 10, true, "调整理由", ""},
		{"empty required", " \t", 10, true, "", "reason_required"},
		{"empty optional", "", 10, false, "", ""},
		{"exactly max runes", strings.Repeat("字", 10), 10, true, strings.Repeat("字", 10), ""},
		{"one rune over", strings.Repeat("字", 11), 10, true, "", "reason_too_long"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Text("reason", "理由", tt.in, tt.max, tt.required)
			if tt.code == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "reason" {
				t.Fatalf("got %q, %#v; want code %s on field reason", got, err, tt.code)
			}
		})
	}
}
