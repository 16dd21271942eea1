package consultation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// Comments in the archive (issue 12): each checkpoint's comments are
// written to comments/checkpoint-<seq>.json with their sealed fields and
// text, so that the archive checks offline what record verification checks
// online: every text against its hash, every checkpoint's Merkle root and
// count against its entry. An anonymised comment is there like every other
// (its text and hash are kept; only the account's personal data went).

// archiveComment is one sealed comment in the archive: the leaf's fields
// and the text.
type archiveComment struct {
	commentLeaf
	Body string `json:"body"`
}

func checkpointArchivePath(seq int64) string {
	return "comments/checkpoint-" + strconv.FormatInt(seq, 10) + ".json"
}

// addArchiveComments writes each checkpoint's comments, in id order.
func addArchiveComments(ctx context.Context, tx pgx.Tx, aw *record.ArchiveWriter, decisionID int64) error {
	rows, err := tx.Query(ctx, `SELECT cp.record_seq, `+prefixed("c.", leafColumns)+`, c.body
		FROM comments c JOIN comment_checkpoints cp ON cp.id = c.checkpoint_id
		WHERE c.decision_id = $1 ORDER BY cp.record_seq, c.id`, decisionID)
	if err != nil {
		return errs.Internal(err)
	}
	bySeq := map[int64][]archiveComment{}
	var seqs []int64
	var seq int64
	var c archiveComment
	if _, err := pgx.ForEachRow(rows, append([]any{&seq}, c.scanTargets(&c.Body)...), func() error {
		c.CreatedAtText = c.CreatedAt.UTC().Format(leafTime)
		if _, ok := bySeq[seq]; !ok {
			seqs = append(seqs, seq)
		}
		bySeq[seq] = append(bySeq[seq], c)
		c.ArticleAnchor, c.Stance = nil, nil
		return nil
	}); err != nil {
		return errs.Internal(err)
	}
	for _, s := range seqs {
		if err := aw.AddJSON(checkpointArchivePath(s), bySeq[s]); err != nil {
			return err
		}
	}
	return nil
}

// prefixed qualifies each of a list of columns with a table alias.
func prefixed(alias, columns string) string {
	return alias + strings.ReplaceAll(columns, ", ", ", "+alias)
}

// archiveCommentLeaves reads a checkpoint's comments from the archive as
// leaves, checking each text against its hash.
func archiveCommentLeaves(seq int64, data []byte) ([]record.Leaf, string) {
	var list []archiveComment
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Sprintf("entry %d (comment_checkpoint): %s cannot be read: %v", seq, checkpointArchivePath(seq), err)
	}
	leaves := make([]record.Leaf, len(list))
	for i, c := range list {
		if bad := checkCommentText(seq, c.ID, c.Receipt, c.Body, c.BodyHash); bad != "" {
			return nil, "comments: " + bad
		}
		at, err := time.Parse(leafTime, c.CreatedAtText)
		if err != nil {
			return nil, fmt.Sprintf("entry %d (comment_checkpoint): comment %d: created_at %q cannot be read", seq, c.ID, c.CreatedAtText)
		}
		c.CreatedAt = at
		leaves[i] = c.leaf()
	}
	return leaves, ""
}
