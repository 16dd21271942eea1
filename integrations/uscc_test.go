package integrations

import "testing"

// TestValidCreditCode checks the check character against codes published
// on real business licences, and refuses each kind of malformed code.
func TestValidCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true}, // the example of GB 32100-2015
		{"914403001922038216", true}, // 华为技术有限公司
		{"91330100716105852F", true}, // 阿里巴巴（中国）有限公司
		{"91440300708461136T", true}, // 深圳市腾讯计算机系统有限公司
		{"91350100M000100Y44", false},
		{"914403001922038217", false},
		{"91440300708461136", false},   // 17 characters
		{"91440300708461136TX", false}, // 19
		{"9144030070846113IT", false},  // I is not in the alphabet
		{"91A40300708461136T", false},  // division code with a letter
		{"", false},
	} {
		if got := ValidCreditCode(tc.code); got != tc.ok {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", tc.code, got, tc.ok)
		}
	}
}
