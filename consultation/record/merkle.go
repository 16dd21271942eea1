package record

import "crypto/sha256"

// MerkleRoot computes the root of a comment checkpoint's leaves (see
// consultation/checkpoints.go for the leaves): node = SHA-256(0x01 || left
// || right); a level with an odd number of nodes pairs its last node with
// itself. It panics on
// no leaves: a checkpoint always seals at least one comment.
func MerkleRoot(leaves [][32]byte) [32]byte {
	if len(leaves) == 0 {
		panic("record: Merkle root of no leaves")
	}
	level := append([][32]byte(nil), leaves...)
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([][32]byte, len(level)/2)
		var buf [65]byte
		buf[0] = 0x01
		for i := range next {
			copy(buf[1:33], level[2*i][:])
			copy(buf[33:], level[2*i+1][:])
			next[i] = sha256.Sum256(buf[:])
		}
		level = next
	}
	return level[0]
}
