package consultation

import (
	"context"
	"fmt"

	"github.com/canyu-gov/canyu/consultation/record"
)

// SealedCommentsRoot returns the id of the comment checkpoint of record
// entry seq, the Merkle root it recorded, and the root of the comments it
// sealed as they are now (tests: what a superuser who edited a sealed
// comment writes into its checkpoint to cover the edit up).
func SealedCommentsRoot(ctx context.Context, q record.Querier, decisionID, seq int64) (id int64, recorded, now string, err error) {
	rows, err := commentSource{}.CheckpointRows(ctx, q, decisionID)
	if err != nil {
		return 0, "", "", err
	}
	for _, cp := range rows {
		if cp.Seq == seq {
			leaves, _, err := commentSource{}.SealedLeaves(ctx, q, cp)
			return cp.ID, cp.Root, record.LeavesRoot(leaves), err
		}
	}
	return 0, "", "", fmt.Errorf("no comment checkpoint at record entry %d", seq)
}
