package consultation

import (
	"context"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The log of signed tree heads over every decision's chain head
// (record/heads.go). Tree heads carry only sizes, hashes, times and
// signatures, so anyone may read them and their consistency proofs; an
// inclusion proof names a decision's entry, so it follows the decision's
// visibility.

// ListRecordHeads lists signed tree heads, newest first (cursor: the tree
// size of the last head of the previous page). Anyone may call it. Codes:
// invalid_cursor.
func (s *Service) ListRecordHeads(ctx context.Context, limit int, cur string) ([]record.TreeHead, string, error) {
	return record.ListHeads(ctx, s.DB, limit, cur)
}

// GetRecordHead returns the signed tree head of a tree size. Anyone may
// call it. Codes: record_head_not_found.
func (s *Service) GetRecordHead(ctx context.Context, treeSize int64) (record.TreeHead, error) {
	return record.Head(ctx, s.DB, treeSize)
}

// GetRecordConsistencyProof proves that the tree head of size first is a
// prefix of the one of size second (RFC 6962 2.1.2). Anyone may call it.
// Codes: record_head_not_found, invalid_tree_sizes.
func (s *Service) GetRecordConsistencyProof(ctx context.Context, first, second int64) (record.TreeHead, record.TreeHead, []string, error) {
	h1, h2, proof, err := record.ConsistencyProofBetween(ctx, s.DB, first, second)
	return h1, h2, record.HexHashes(proof), err
}

// RecordInclusionProof is an inclusion proof of a decision's entry.
type RecordInclusionProof = record.EntryProof

// GetRecordInclusionProof proves that entry seq of the decision is covered
// by the tree head of treeSize (0: the newest): the first logged chain head
// of the decision at or after seq and its audit path. Whoever may read the
// decision's record may call it. Codes: decision_not_found,
// record_head_not_found, record_entry_not_logged.
func (s *Service) GetRecordInclusionProof(ctx context.Context, actor *identity.Account, decisionID, seq, treeSize int64) (RecordInclusionProof, error) {
	if _, err := visibleDecision(ctx, s.DB, actor, decisionID); err != nil {
		return RecordInclusionProof{}, err
	}
	return record.InclusionProofFor(ctx, s.DB, decisionID, seq, treeSize)
}
