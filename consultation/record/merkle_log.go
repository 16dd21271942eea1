package record

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/bits"
)

// The log's Merkle tree is RFC 6962's (as certificate-transparency logs):
//
//	leaf hash = SHA-256(0x00 || leaf bytes)
//	node hash = SHA-256(0x01 || left || right)
//	MTH({})   = SHA-256("")
//	MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of 2 < n
//
// with audit paths and consistency proofs as RFC 6962 section 2.1 defines
// them, and their verification as RFC 9162 section 2.1.3.2 and 2.1.4.2.

// LogLeafHash is the RFC 6962 hash of a leaf's bytes.
func LogLeafHash(data []byte) [32]byte {
	return sha256.Sum256(append([]byte{0x00}, data...))
}

func logNode(l, r [32]byte) [32]byte {
	var b [65]byte
	b[0] = 0x01
	copy(b[1:33], l[:])
	copy(b[33:], r[:])
	return sha256.Sum256(b[:])
}

// split is the largest power of two smaller than n (n >= 2).
func split(n int) int {
	return 1 << (bits.Len(uint(n-1)) - 1)
}

// LogRoot is MTH over leaf hashes.
func LogRoot(leaves [][32]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	}
	k := split(len(leaves))
	return logNode(LogRoot(leaves[:k]), LogRoot(leaves[k:]))
}

// InclusionProof is the audit path of leaf m in the tree of leaves.
func InclusionProof(m int, leaves [][32]byte) [][32]byte {
	n := len(leaves)
	if n <= 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(InclusionProof(m, leaves[:k]), LogRoot(leaves[k:]))
	}
	return append(InclusionProof(m-k, leaves[k:]), LogRoot(leaves[:k]))
}

// ConsistencyProof proves that the tree of the first m leaves is a prefix
// of the tree of all leaves (0 < m <= len(leaves)).
func ConsistencyProof(m int, leaves [][32]byte) [][32]byte {
	return subproof(m, leaves, true)
}

func subproof(m int, leaves [][32]byte, complete bool) [][32]byte {
	n := len(leaves)
	if m == n {
		if complete {
			return nil
		}
		return [][32]byte{LogRoot(leaves)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, leaves[:k], complete), LogRoot(leaves[k:]))
	}
	return append(subproof(m-k, leaves[k:], false), LogRoot(leaves[:k]))
}

// ErrProof is a proof that does not verify.
var ErrProof = errors.New("the proof does not verify")

// VerifyInclusion checks an audit path of leaf index in a tree of size
// with the given root (RFC 9162 2.1.3.2).
func VerifyInclusion(index, size int64, leaf [32]byte, proof [][32]byte, root [32]byte) error {
	if index < 0 || index >= size {
		return ErrProof
	}
	fn, sn := index, size-1
	r := leaf
	for _, p := range proof {
		if sn == 0 {
			return ErrProof
		}
		if fn&1 == 1 || fn == sn {
			r = logNode(p, r)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			r = logNode(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || r != root {
		return ErrProof
	}
	return nil
}

// VerifyConsistency checks a consistency proof between the tree of size1
// with root1 and the tree of size2 with root2 (RFC 9162 2.1.4.2).
func VerifyConsistency(size1, size2 int64, root1, root2 [32]byte, proof [][32]byte) error {
	switch {
	case size1 <= 0 || size2 < size1:
		return ErrProof
	case size1 == size2:
		if len(proof) != 0 || root1 != root2 {
			return ErrProof
		}
		return nil
	}
	if size1&(size1-1) == 0 { // a power of two: the first tree is a node of the second
		proof = append([][32]byte{root1}, proof...)
	}
	if len(proof) == 0 {
		return ErrProof
	}
	fn, sn := size1-1, size2-1
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	fr, sr := proof[0], proof[0]
	for _, c := range proof[1:] {
		if sn == 0 {
			return ErrProof
		}
		if fn&1 == 1 || fn == sn {
			fr, sr = logNode(c, fr), logNode(c, sr)
			for fn&1 == 0 && fn != 0 {
				fn >>= 1
				sn >>= 1
			}
		} else {
			sr = logNode(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	if sn != 0 || !bytes.Equal(fr[:], root1[:]) || !bytes.Equal(sr[:], root2[:]) {
		return ErrProof
	}
	return nil
}
