package consultation

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Grouping runs after submission, not inside it (issue 8). Inside the
// submission transaction it cost a viral decision its throughput: every copy
// of a campaign updated the same comment_groups row (its size), so concurrent
// copies queued on that row's lock until each commit, and every novel comment
// took 33 advisory locks and wrote 33 rows before the resident got a receipt.
// Measured on 2 cores with 64 clients: 237–293 comments/s, p50 210–270 ms,
// PostgreSQL using ~5 ms of CPU per comment.
//
// Now a comment is stored with no group, and groupMembers assigns groups to
// a decision's ungrouped comments in id order, many at a time, under one
// transaction-scoped advisory lock per decision: one instance groups a
// decision at a time, so two copies of a campaign can never found two groups
// (no per-bucket locks needed), and a batch costs a handful of statements
// whatever its size. The comment checkpoint (checkpoints.go, every
// CheckpointInterval) groups the comments it seals and sets both columns in
// one UPDATE: writing each comment row once more instead of twice (an UPDATE
// of an indexed column rewrites all ten index entries; measured with
// pgbench, two such UPDATEs cost 70% more than the INSERT itself). Every
// reader of groups (ListCommentGroups, group
// dispositions, the adoption report's figures, the export, a comment list
// filtered by group) first calls settleGroups for its decision, so staff and
// the report always see every comment grouped, however far behind the
// background run is.

// groupBatchSize bounds the comments one grouping transaction takes.
const groupBatchSize = 1000

// groupLockClass is the first key of the two-key advisory lock that
// serialises the grouping of one decision (a key space of its own:
// PostgreSQL keeps one-key and two-key advisory locks apart).
const groupLockClass = 0x636d7467 // "cmtg"

// GroupComments groups the ungrouped comments of every decision and returns
// how many it grouped. The checkpoint groups what it seals; this is for
// callers that need every comment grouped now.
func (s *Service) GroupComments(ctx context.Context) (int, error) {
	ids, err := queryIDs(ctx, s.DB, `SELECT DISTINCT decision_id FROM comments WHERE checkpoint_id IS NULL AND group_id IS NULL`)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := s.groupAll(ctx, id)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// settleGroups groups every comment of the decision stored so far: readers
// of groups call it first.
func (s *Service) settleGroups(ctx context.Context, decisionID int64) error {
	_, err := s.groupAll(ctx, decisionID)
	return err
}

func (s *Service) groupAll(ctx context.Context, decisionID int64) (int, error) {
	total := 0
	for {
		n, err := s.groupBatch(ctx, decisionID)
		total += n
		if err != nil {
			return total, errs.Internal(err)
		}
		if n < groupBatchSize {
			return total, nil
		}
	}
}

// groupMember is an ungrouped comment as the grouper reads it.
type groupMember struct {
	id        int64
	stance    *string
	createdAt time.Time
	fp        commentFingerprint
}

// candidateGroup is a group a comment may join: an existing one or one
// founded earlier in the same batch (id < 0 until it is inserted).
type candidateGroup struct {
	id     int64
	order  int64 // creation order: existing groups by id, then new ones
	hash   string
	stance *string
	sig    []int64
	// first is the founding comment of a new group; joined counts the
	// comments this batch adds to the group.
	first, joined int64
}

// groupIndex is the in-memory view of a decision's groups that one batch
// needs: those sharing a normalised hash or an LSH bucket with the batch.
type groupIndex struct {
	byHash   map[string][]*candidateGroup
	byBucket map[int64][]*candidateGroup
	byID     map[int64]*candidateGroup
	fresh    []*candidateGroup
	// seen is find's scratch set of the candidates already compared,
	// cleared and reused for every comment of the batch.
	seen map[*candidateGroup]bool
}

// stanceFits reports whether a comment of the stance may join the group: a
// comment joins only a group whose representative has no stance, or the same
// one, or when it has none itself. Near-duplicate detection cannot see that
// "我同意……" and "我不同意……" differ by one character; the stance field can.
func (g *candidateGroup) stanceFits(stance *string) bool {
	return g.stance == nil || stance == nil || *g.stance == *stance
}

// find returns the group the comment joins, or nil: the oldest group with
// the same normalised text, else the group whose representative's signature
// is most similar at or above NearDuplicateThreshold (the oldest of equals).
func (x *groupIndex) find(m *groupMember) *candidateGroup {
	var best *candidateGroup
	for _, g := range x.byHash[m.fp.hash] {
		if g.stanceFits(m.stance) && (best == nil || g.order < best.order) {
			best = g
		}
	}
	if best != nil || m.fp.buckets == nil {
		return best
	}
	bestSim := 0.0
	if x.seen == nil {
		x.seen = map[*candidateGroup]bool{}
	}
	seen := x.seen
	clear(seen)
	for _, b := range m.fp.buckets {
		for _, g := range x.byBucket[b] {
			if seen[g] || !g.stanceFits(m.stance) {
				continue
			}
			seen[g] = true
			sim := signatureSimilarity(m.fp.signature, g.sig)
			if sim >= NearDuplicateThreshold && (sim > bestSim || sim == bestSim && g.order < best.order) {
				best, bestSim = g, sim
			}
		}
	}
	return best
}

func (x *groupIndex) add(g *candidateGroup, buckets []int64) {
	x.byHash[g.hash] = append(x.byHash[g.hash], g)
	for _, b := range buckets {
		x.byBucket[b] = append(x.byBucket[b], g)
	}
	x.byID[g.id] = g
}

// groupBatch groups up to groupBatchSize of the decision's ungrouped
// comments in one transaction and returns how many it took.
func (s *Service) groupBatch(ctx context.Context, decisionID int64) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockGrouping(ctx, tx, decisionID); err != nil {
			return err
		}
		members, err := ungroupedComments(ctx, tx, decisionID)
		if n = len(members); err != nil || n == 0 {
			return err
		}
		gids, err := groupMembers(ctx, tx, decisionID, members)
		if err != nil {
			return err
		}
		ids := make([]int64, len(members))
		for i := range members {
			ids[i] = members[i].id
		}
		_, err = tx.Exec(ctx, `UPDATE comments c SET group_id = u.g FROM unnest($1::bigint[], $2::bigint[]) AS u(id, g) WHERE c.id = u.id`,
			ids, gids)
		return err
	})
	return n, err
}

// lockGrouping takes the decision's grouping lock until the transaction ends.
func lockGrouping(ctx context.Context, tx pgx.Tx, decisionID int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(groupLockClass), int32(decisionID))
	return err
}

// groupMembers assigns the comments, in order, to groups (founding new ones
// as needed) and counts them in their groups' sizes; it returns each
// comment's group id and leaves setting comments.group_id to the caller, so
// the checkpoint can seal and group a comment in one UPDATE. The caller
// holds the decision's grouping lock.
func groupMembers(ctx context.Context, tx pgx.Tx, decisionID int64, members []groupMember) ([]int64, error) {
	x, err := loadGroupIndex(ctx, tx, decisionID, members)
	if err != nil {
		return nil, err
	}
	assigned := make([]*candidateGroup, len(members))
	for i := range members {
		m := &members[i]
		g := x.find(m)
		if g == nil {
			g = &candidateGroup{id: -int64(len(x.fresh) + 1), order: 1<<62 + int64(len(x.fresh)), hash: m.fp.hash,
				stance: m.stance, sig: m.fp.signature, first: m.id}
			x.fresh = append(x.fresh, g)
			x.add(g, m.fp.buckets)
		}
		g.joined++
		assigned[i] = g
	}
	if err := insertFreshGroups(ctx, tx, decisionID, x, members); err != nil {
		return nil, err
	}
	if err := countMembers(ctx, tx, members, assigned); err != nil {
		return nil, err
	}
	gids := make([]int64, len(members))
	for i, g := range assigned {
		gids[i] = g.id
	}
	return gids, nil
}

// ungroupedComments reads the decision's oldest ungrouped comments. An
// ungrouped comment is always unsealed (the checkpoint groups what it
// seals), so comments_unchecked_idx finds them: an index of their own would
// cost every submission one more index entry.
func ungroupedComments(ctx context.Context, tx pgx.Tx, decisionID int64) ([]groupMember, error) {
	rows, err := tx.Query(ctx, `SELECT id, body, stance, created_at FROM comments
		WHERE decision_id = $1 AND checkpoint_id IS NULL AND group_id IS NULL ORDER BY id LIMIT $2`, decisionID, groupBatchSize)
	if err != nil {
		return nil, err
	}
	var out []groupMember
	var m groupMember
	var body string
	_, err = pgx.ForEachRow(rows, []any{&m.id, &body, &m.stance, &m.createdAt}, func() error {
		m.fp = fingerprintComment(body)
		out = append(out, m)
		m.stance = nil
		return nil
	})
	return out, err
}

// loadGroupIndex reads the decision's groups that share a normalised hash or
// an LSH bucket with any comment of the batch: three indexed queries.
func loadGroupIndex(ctx context.Context, tx pgx.Tx, decisionID int64, members []groupMember) (*groupIndex, error) {
	x := &groupIndex{byHash: map[string][]*candidateGroup{}, byBucket: map[int64][]*candidateGroup{}, byID: map[int64]*candidateGroup{}}
	hashes := make([]string, 0, len(members))
	buckets := make([]int64, 0, len(members)*LSHBands)
	for _, m := range members {
		hashes = append(hashes, m.fp.hash)
		buckets = append(buckets, m.fp.buckets...)
	}
	groupBuckets := map[int64][]int64{}
	rows, err := tx.Query(ctx, `SELECT bucket, group_id FROM comment_group_bands WHERE decision_id = $1 AND bucket = ANY ($2::bigint[])`,
		decisionID, buckets)
	if err != nil {
		return nil, err
	}
	var bucket, gid int64
	if _, err := pgx.ForEachRow(rows, []any{&bucket, &gid}, func() error {
		groupBuckets[gid] = append(groupBuckets[gid], bucket)
		return nil
	}); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(groupBuckets))
	for id := range groupBuckets {
		ids = append(ids, id)
	}
	rows, err = tx.Query(ctx, `SELECT id, normalized_hash, stance, coalesce(minhash, '{}') FROM comment_groups
		WHERE decision_id = $1 AND (normalized_hash = ANY ($2::text[]) OR id = ANY ($3::bigint[])) ORDER BY id`, decisionID, hashes, ids)
	if err != nil {
		return nil, err
	}
	var g candidateGroup
	_, err = pgx.ForEachRow(rows, []any{&g.id, &g.hash, &g.stance, &g.sig}, func() error {
		c := g
		c.order = c.id
		x.add(&c, groupBuckets[c.id])
		g.stance, g.sig = nil, nil
		return nil
	})
	return x, err
}

// insertFreshGroups inserts the groups founded in this batch, with their
// LSH bands, in one round trip, and gives them their real ids.
func insertFreshGroups(ctx context.Context, tx pgx.Tx, decisionID int64, x *groupIndex, members []groupMember) error {
	if len(x.fresh) == 0 {
		return nil
	}
	byID := make(map[int64]*groupMember, len(members))
	for i := range members {
		byID[members[i].id] = &members[i]
	}
	b := &pgx.Batch{}
	for _, g := range x.fresh {
		m := byID[g.first]
		b.Queue(`WITH g AS (INSERT INTO comment_groups (decision_id, normalized_hash, stance, minhash, size, representative_id, created_at)
			VALUES ($1, $2, $3, $4, 0, $5, $6) RETURNING id),
			b AS (INSERT INTO comment_group_bands (decision_id, band, bucket, group_id)
				SELECT $1, u.n - 1, u.k, g.id FROM g, unnest($7::bigint[]) WITH ORDINALITY AS u(k, n) ON CONFLICT DO NOTHING)
			SELECT id FROM g`, decisionID, g.hash, g.stance, g.sig, g.first, m.createdAt, m.fp.buckets)
	}
	res := tx.SendBatch(ctx, b)
	for _, g := range x.fresh {
		if err := res.QueryRow().Scan(&g.id); err != nil {
			res.Close()
			return err
		}
	}
	return res.Close()
}

// countMembers adds the batch's comments to their groups' sizes in one
// statement.
func countMembers(ctx context.Context, tx pgx.Tx, members []groupMember, assigned []*candidateGroup) error {
	seen := map[*candidateGroup]bool{}
	var groups, counts, firsts []int64
	for i, g := range assigned {
		if !seen[g] {
			seen[g] = true
			groups, counts, firsts = append(groups, g.id), append(counts, g.joined), append(firsts, members[i].id)
		}
	}
	tag, err := tx.Exec(ctx, `UPDATE comment_groups g SET size = g.size + u.n, representative_id = coalesce(g.representative_id, u.first)
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, n, first) WHERE g.id = u.id`, groups, counts, firsts)
	if err == nil && tag.RowsAffected() != int64(len(groups)) {
		err = errors.New("grouping: a group vanished during the batch")
	}
	return err
}
