package integrations

import "strings"

// creditCodeAlphabet is the character set of the unified social credit code
// (GB 32100-2015, 4.2): digits and the capital letters without I, O, Z, S
// and V. A character's value is its index.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the weights of positions 1–17 (GB 32100-2015,
// Annex B: 3^(i-1) mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// NormalizeCreditCode upper-cases a code and drops spaces around it.
func NormalizeCreditCode(code string) string {
	return strings.ToUpper(strings.TrimSpace(code))
}

// ValidCreditCode reports whether code is a well-formed unified social
// credit code: 18 characters of the code's alphabet, a registration
// authority (position 1) and an administrative division (positions 3–8,
// digits) in form, and the check character (position 18) computed as
// 31 − (Σ value×weight mod 31), 31 written as 0 (GB 32100-2015, Annex B).
func ValidCreditCode(code string) bool {
	if len(code) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(creditCodeAlphabet, code[i])
		if v < 0 {
			return false
		}
		if i >= 2 && i < 8 && v > 9 {
			return false // the administrative division code is digits
		}
		if i < 17 {
			sum += v * creditCodeWeights[i]
		}
	}
	// Registration authority: 1–9 (departments), A–G, Y (other); 0 is not assigned.
	if code[0] == '0' {
		return false
	}
	check := 31 - sum%31
	if check == 31 {
		check = 0
	}
	return creditCodeAlphabet[check] == code[17]
}
