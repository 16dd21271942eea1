package consultation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
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
	ID            int64   `json:"id"`
	Receipt       string  `json:"receipt"`
	DecisionID    int64   `json:"decision_id"`
	VersionID     int64   `json:"version_id"`
	ArticleAnchor *string `json:"article_anchor"`
	AccountID     int64   `json:"account_id"`
	Stance        *string `json:"stance"`
	BodyHash      string  `json:"body_hash"`
	CreatedAt     string  `json:"created_at"`
	Body          string  `json:"body"`
}

func checkpointArchivePath(seq int64) string {
	return "comments/checkpoint-" + strconv.FormatInt(seq, 10) + ".json"
}

// addArchiveComments writes each checkpoint's comments, in id order.
func addArchiveComments(ctx context.Context, tx pgx.Tx, aw *record.ArchiveWriter, decisionID int64) error {
	rows, err := tx.Query(ctx, `SELECT cp.record_seq, c.id, c.receipt, c.decision_id, c.version_id, c.article_anchor, c.account_id,
		c.stance, c.body_hash, c.created_at, c.body
		FROM comments c JOIN comment_checkpoints cp ON cp.id = c.checkpoint_id
		WHERE c.decision_id = $1 ORDER BY cp.record_seq, c.id`, decisionID)
	if err != nil {
		return errs.Internal(err)
	}
	bySeq := map[int64][]archiveComment{}
	var seqs []int64
	var seq int64
	var c archiveComment
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&seq, &c.ID, &c.Receipt, &c.DecisionID, &c.VersionID, &c.ArticleAnchor, &c.AccountID,
		&c.Stance, &c.BodyHash, &at, &c.Body}, func() error {
		c.CreatedAt = at.UTC().Format("2006-01-02T15:04:05.000000Z")
		if _, ok := bySeq[seq]; !ok {
			seqs = append(seqs, seq)
		}
		bySeq[seq] = append(bySeq[seq], c)
		c = archiveComment{}
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

// checkArchiveComments is the offline side of verifyCheckpoints.
func checkArchiveComments(files map[string][]byte, entries []record.Entry) (int64, string) {
	for _, e := range entries {
		if e.Kind != RecordCommentCheckpoint {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d (comment_checkpoint): payload is not valid JSON", e.Seq)
		}
		count, _ := record.PayloadInt(p, "count")
		data, ok := files[checkpointArchivePath(e.Seq)]
		if !ok {
			return e.Seq, fmt.Sprintf("entry %d (comment_checkpoint): %s, the comments it seals, is not in the archive", e.Seq, checkpointArchivePath(e.Seq))
		}
		var list []archiveComment
		if err := json.Unmarshal(data, &list); err != nil {
			return e.Seq, fmt.Sprintf("entry %d (comment_checkpoint): %s cannot be read: %v", e.Seq, checkpointArchivePath(e.Seq), err)
		}
		leaves := make([]commentLeaf, len(list))
		for i, c := range list {
			if record.SHA256Hex([]byte(c.Body)) != c.BodyHash {
				return e.Seq, fmt.Sprintf("comments: record entry %d (comment_checkpoint): comment %d (%s): text does not match its hash: changed after submission",
					e.Seq, c.ID, c.Receipt)
			}
			at, err := time.Parse("2006-01-02T15:04:05.000000Z", c.CreatedAt)
			if err != nil {
				return e.Seq, fmt.Sprintf("entry %d (comment_checkpoint): comment %d: created_at %q cannot be read", e.Seq, c.ID, c.CreatedAt)
			}
			leaves[i] = commentLeaf{ID: c.ID, Receipt: c.Receipt, DecisionID: c.DecisionID, VersionID: c.VersionID,
				ArticleAnchor: c.ArticleAnchor, AccountID: c.AccountID, Stance: c.Stance, BodyHash: c.BodyHash, CreatedAt: at}
		}
		if int64(len(list)) != count || leavesRoot(leaves) != record.PayloadString(p, "merkle_root") {
			return e.Seq, fmt.Sprintf("comments: record entry %d (comment_checkpoint): the %d comments in %s do not reproduce its Merkle root over %d comments",
				e.Seq, len(list), checkpointArchivePath(e.Seq), count)
		}
	}
	return 0, ""
}
