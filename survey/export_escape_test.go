package survey

import "testing"

// Issue 15, finding 7: a survey option label starting with = was exported
// to CSV as is (only free-text answers were escaped). Every text cell is
// escaped now, whoever wrote it; numbers stay numbers.
func TestCSVTextEscapesEveryTextCell(t *testing.T) {
	for _, free := range []bool{false, true} {
		for in, want := range map[string]string{
			`=HYPERLINK("http://x","y")`: `'=HYPERLINK("http://x","y")`,
			"+1":                         "'+1",
			"-2":                         "'-2",
			"@SUM(A1)":                   "'@SUM(A1)",
			"\tx":                        "'\tx",
			"公平":                         "公平",
			"":                           "",
		} {
			if got := csvText(in, free); got != want {
				t.Errorf("csvText(%q, free=%v) = %q, want %q", in, free, got, want)
			}
		}
	}
	if got := csvText(-3.0, false); got != "-3" {
		t.Errorf("a number: %q", got)
	}
}
