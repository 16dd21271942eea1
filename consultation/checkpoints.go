package consultation

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// Comments are sealed into the process record by Merkle checkpoints instead
// of one record entry each: a record entry needs the decision's row lock
// (the chain is one sequence per decision), and one viral decision must take
// 1,000 comments a second. Every few seconds CheckpointComments takes the
// comments of a decision not yet sealed, in order of id, computes the Merkle
// root of their leaves and appends it to the record as a comment_checkpoint
// entry. From then on any change of a sealed field, and any removal of a
// sealed comment, no longer reproduces the recorded root.
//
// The exact hashing, so that anyone holding the rows can recompute a root:
//
//	leaf  = SHA-256( CanonicalJSON({
//	          "id", "receipt", "decision_id", "version_id",
//	          "article_anchor" (null for the whole draft), "account_id",
//	          "stance" (null when none), "body_hash",
//	          "created_at" (UTC, "2006-01-02T15:04:05.000000Z") }) )
//	node  = SHA-256( 0x01 || left || right )      (32-byte hashes)
//	root  = the last remaining node, hex-encoded
//
// Leaves are taken in ascending comment id. A level with an odd number of
// nodes pairs its last node with itself (the duplicate-last-node rule). That
// rule lets [a b c] and [a b c c] share a root; the recorded count rules the
// second reading out. A leaf's bytes always begin with "{" and a node's with
// 0x01, so a leaf can never be passed off as a node. The body is covered by
// its hash, and the text itself is checked against body_hash for every
// comment, anonymised ones included (deletion of personal data keeps the
// text, PIPL Art. 47 and mydata.go).

// RecordCommentCheckpoint is the record entry that seals a batch of comments.
const RecordCommentCheckpoint RecordKind = "comment_checkpoint"

// MaxCheckpointComments is the largest batch one checkpoint seals: 10,000
// leaves hash in about 10 ms, and a decision taking 1,000 comments a second
// needs 5,000 every 5 seconds.
const MaxCheckpointComments = 10_000

// CheckpointInterval is how often the job runs CheckpointComments.
const CheckpointInterval = 5 * time.Second

// commentLeaf is the content of a comment that a checkpoint seals.
type commentLeaf struct {
	ID            int64     `json:"id"`
	Receipt       string    `json:"receipt"`
	DecisionID    int64     `json:"decision_id"`
	VersionID     int64     `json:"version_id"`
	ArticleAnchor *string   `json:"article_anchor"`
	AccountID     int64     `json:"account_id"`
	Stance        *string   `json:"stance"`
	BodyHash      string    `json:"body_hash"`
	CreatedAt     time.Time `json:"-"`
	CreatedAtText string    `json:"created_at"`
}

// leafTime is how a leaf writes created_at.
const leafTime = "2006-01-02T15:04:05.000000Z"

const leafColumns = `id, receipt, decision_id, version_id, article_anchor, account_id, stance, body_hash, created_at`

// scanTargets are the destinations of leafColumns, then of extra columns.
func (l *commentLeaf) scanTargets(extra ...any) []any {
	return append([]any{&l.ID, &l.Receipt, &l.DecisionID, &l.VersionID, &l.ArticleAnchor, &l.AccountID, &l.Stance, &l.BodyHash,
		&l.CreatedAt}, extra...)
}

// CommentLeafHash is the Merkle leaf of a comment (see above).
func CommentLeafHash(id int64, receipt string, decisionID, versionID int64, articleAnchor *string, accountID int64,
	stance *string, bodyHash string, createdAt time.Time) [32]byte {
	l := commentLeaf{ID: id, Receipt: receipt, DecisionID: decisionID, VersionID: versionID, ArticleAnchor: articleAnchor,
		AccountID: accountID, Stance: stance, BodyHash: bodyHash, CreatedAt: createdAt}
	return l.leaf().Hash
}

func (l commentLeaf) leaf() record.Leaf {
	var buf [320]byte
	return record.Leaf{ID: l.ID, Hash: sha256.Sum256(l.canonical(buf[:0]))}
}

// canonical appends the leaf's canonical JSON to buf: the bytes
// record.LeafHash hashes (record.CanonicalJSON of the leaf: keys sorted, no
// space, no HTML escaping), written directly. The checkpoint job hashes
// every comment, and marshalling, decoding and re-encoding each leaf was
// nearly all of its Merkle cost. TestCommentLeafCanonical holds the two
// byte for byte.
func (l commentLeaf) canonical(buf []byte) []byte {
	buf = append(buf, `{"account_id":`...)
	buf = strconv.AppendInt(buf, l.AccountID, 10)
	buf = append(buf, `,"article_anchor":`...)
	buf = record.AppendJSONStringPtr(buf, l.ArticleAnchor)
	buf = append(buf, `,"body_hash":`...)
	buf = record.AppendJSONString(buf, l.BodyHash)
	buf = append(buf, `,"created_at":"`...)
	buf = l.CreatedAt.UTC().AppendFormat(buf, leafTime)
	buf = append(buf, `","decision_id":`...)
	buf = strconv.AppendInt(buf, l.DecisionID, 10)
	buf = append(buf, `,"id":`...)
	buf = strconv.AppendInt(buf, l.ID, 10)
	buf = append(buf, `,"receipt":`...)
	buf = record.AppendJSONString(buf, l.Receipt)
	buf = append(buf, `,"stance":`...)
	buf = record.AppendJSONStringPtr(buf, l.Stance)
	buf = append(buf, `,"version_id":`...)
	buf = strconv.AppendInt(buf, l.VersionID, 10)
	return append(buf, '}')
}

// CheckpointComments seals every comment not yet covered by a checkpoint,
// decision by decision, in batches of at most MaxCheckpointComments, and
// returns the number of checkpoints written. A River periodic job calls it
// every CheckpointInterval; two instances running it at once serialise on
// the decision lock, and the second finds nothing left to seal.
func (s *Service) CheckpointComments(ctx context.Context) (int, error) {
	ids, err := queryIDs(ctx, s.DB, `SELECT DISTINCT decision_id FROM comments WHERE checkpoint_id IS NULL ORDER BY 1`)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		for {
			sealed, err := s.checkpointDecision(ctx, id)
			if err != nil {
				return n, err
			}
			if sealed > 0 {
				n++
			}
			if sealed < MaxCheckpointComments {
				break
			}
		}
	}
	return n, nil
}

// checkpointDecision writes one checkpoint of a decision's unsealed
// comments and returns how many it sealed. The decision lock is held for
// the few milliseconds of one batch.
func (s *Service) checkpointDecision(ctx context.Context, decisionID int64) (int, error) {
	sealed := 0
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := lockDecision(ctx, tx, decisionID); err != nil {
			return err
		}
		if err := lockGrouping(ctx, tx, decisionID); err != nil {
			return errs.Internal(err)
		}
		rows, err := tx.Query(ctx, `SELECT `+leafColumns+`, group_id IS NULL, CASE WHEN group_id IS NULL THEN body END
			FROM comments WHERE decision_id = $1 AND checkpoint_id IS NULL ORDER BY id LIMIT $2`, decisionID, MaxCheckpointComments)
		if err != nil {
			return errs.Internal(err)
		}
		var leaves []record.Leaf
		var ungrouped []groupMember
		var l commentLeaf
		var needsGroup bool
		var body *string
		if _, err := pgx.ForEachRow(rows, l.scanTargets(&needsGroup, &body), func() error {
			leaves = append(leaves, l.leaf())
			if needsGroup {
				ungrouped = append(ungrouped, groupMember{id: l.ID, stance: l.Stance, createdAt: l.CreatedAt, fp: fingerprintComment(deref(body))})
			}
			return nil
		}); err != nil {
			return errs.Internal(err)
		}
		if len(leaves) == 0 {
			return nil
		}
		groupOf := map[int64]int64{}
		if len(ungrouped) > 0 {
			gids, err := groupMembers(ctx, tx, decisionID, ungrouped)
			if err != nil {
				return errs.Internal(err)
			}
			for i, m := range ungrouped {
				groupOf[m.id] = gids[i]
			}
		}
		cp := record.NewCheckpoint(leaves)
		e, err := s.appendRecord(ctx, tx, decisionID, nil, RecordCommentCheckpoint, cp.Payload())
		if err != nil {
			return err
		}
		var cpID int64
		if err := tx.QueryRow(ctx, `INSERT INTO comment_checkpoints (decision_id, first_comment_id, last_comment_id, comment_count,
			merkle_root, record_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			decisionID, cp.FirstID, cp.LastID, cp.Count, cp.Root, e.Seq, e.RecordedAt).Scan(&cpID); err != nil {
			return errs.Internal(err)
		}
		ids, gids := make([]int64, len(leaves)), make([]*int64, len(leaves))
		for i, l := range leaves {
			ids[i] = l.ID
			if g, ok := groupOf[l.ID]; ok {
				gids[i] = &g
			}
		}
		// Seal and group in one write of each row (grouping_batch.go).
		if _, err := tx.Exec(ctx, `UPDATE comments c SET checkpoint_id = $1, group_id = coalesce(u.g, c.group_id)
			FROM unnest($2::bigint[], $3::bigint[]) AS u(id, g) WHERE c.id = u.id`, cpID, ids, gids); err != nil {
			return errs.Internal(err)
		}
		sealed = len(leaves)
		return nil
	})
	return sealed, err
}

// VerifyCommentCheckpoints recomputes every comment checkpoint of a
// decision from the current rows and compares it with the process record.
// It reports the first problem found: a record entry that no longer matches
// its own hash, a checkpoint row missing or differing from its entry, a
// comment whose text no longer matches its hash, a sealed comment changed
// in any sealed field, or removed. Comments not yet sealed are checked for
// body and hash only. err is for failures to read. Record verification runs
// the same check (registered below).
func (s *Service) VerifyCommentCheckpoints(ctx context.Context, decisionID int64) (ok bool, problem string, err error) {
	err = inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		_, problem, err = commentCheckpoints.Online(ctx, tx, decisionID)
		return err
	})
	if err != nil {
		return false, "", errs.Internal(err)
	}
	return problem == "", problem, nil
}

// commentCheckpoints are the comments' checkpoints as record verification
// checks them, online from the tables and offline from the archive's
// comments/ (checkpoints_archive.go).
var commentCheckpoints = record.Checkpoints{
	Kind:          RecordCommentCheckpoint,
	Noun:          "comment",
	Source:        commentSource{},
	ArchivePath:   checkpointArchivePath,
	ArchiveLeaves: archiveCommentLeaves,
}

// Comments are covered by checkpoints in the record rather than one entry
// each: record verification recomputes them from the stored rows.
func init() { commentCheckpoints.Register() }

// commentSource reads comment_checkpoints and comments for
// record.Checkpoints. An anonymised comment (personal data deleted, PIPL
// Art. 47) keeps its text and its hash: the deletion blanks the account's
// name and address, not what was said, so its text is checked like every
// other (issue 12: it was skipped, and an edit of it verified).
type commentSource struct{}

func (commentSource) CheckpointRows(ctx context.Context, q record.Querier, decisionID int64) ([]record.CheckpointRow, error) {
	rows, err := q.Query(ctx, `SELECT id, record_seq, first_comment_id, last_comment_id, comment_count, merkle_root
		FROM comment_checkpoints WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, err
	}
	var out []record.CheckpointRow
	var c record.CheckpointRow
	_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Seq, &c.FirstID, &c.LastID, &c.Count, &c.Root}, func() error {
		out = append(out, c)
		return nil
	})
	return out, err
}

func (commentSource) SealedLeaves(ctx context.Context, q record.Querier, cp record.CheckpointRow) ([]record.Leaf, string, error) {
	rows, err := q.Query(ctx, `SELECT `+leafColumns+`, body FROM comments WHERE checkpoint_id = $1 ORDER BY id`, cp.ID)
	if err != nil {
		return nil, "", err
	}
	var body, bad string
	var leaves []record.Leaf
	var l commentLeaf
	if _, err := pgx.ForEachRow(rows, l.scanTargets(&body), func() error {
		if bad == "" {
			bad = checkCommentText(cp.Seq, l.ID, l.Receipt, body, l.BodyHash)
		}
		leaves = append(leaves, l.leaf())
		return nil
	}); err != nil {
		return nil, "", err
	}
	return leaves, bad, nil
}

// checkCommentText names a sealed comment whose text no longer matches its
// hash.
func checkCommentText(seq, id int64, receipt, body, bodyHash string) string {
	if record.SHA256Hex([]byte(body)) == bodyHash {
		return ""
	}
	return fmt.Sprintf("record entry %d (comment_checkpoint): comment %d (%s): text does not match its hash: changed after submission",
		seq, id, receipt)
}

func (commentSource) CheckUnsealed(ctx context.Context, q record.Querier, decisionID int64) (string, error) {
	rows, err := q.Query(ctx, `SELECT id, receipt FROM comments WHERE decision_id = $1 AND checkpoint_id IS NULL
		AND encode(sha256(convert_to(body, 'UTF8')), 'hex') <> body_hash ORDER BY id LIMIT 1`, decisionID)
	if err != nil {
		return "", err
	}
	var id int64
	var receipt string
	found := false
	if _, err := pgx.ForEachRow(rows, []any{&id, &receipt}, func() error { found = true; return nil }); err != nil {
		return "", err
	}
	if found {
		return fmt.Sprintf("comment %d (%s): text does not match its hash: changed after submission", id, receipt), nil
	}
	return "", nil
}
