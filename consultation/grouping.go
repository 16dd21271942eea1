package consultation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Mass campaigns (DOMAIN.md, stage 3: identical or near-identical comments
// are grouped and can be answered once per group). Every comment joins a
// group shortly after it arrives (grouping_batch.go: a background grouper,
// and every reader of groups catches up first):
//
//  1. Its text is normalised (NormalizeComment) and hashed; a group whose
//     representative has the same normalised text takes it.
//  2. Otherwise, when the normalised text has at least MinNearDuplicateRunes
//     characters, its character shingles are compared with the group
//     REPRESENTATIVES of the decision (never with every comment): the
//     representative with the highest estimated Jaccard similarity at or
//     above NearDuplicateThreshold takes it. Candidates are found through
//     MinHash signatures and LSH buckets stored in comment_group_bands, so
//     the lookup is one indexed query however many groups a decision has.
//  3. Otherwise the comment founds a new group and becomes its
//     representative.
//
// Short comments ("同意", "不同意", "支持") only ever group by identical
// normalised text: one character decides their meaning, and no shingle
// similarity can tell "同意" from "不同意" safely.

// Grouping parameters. The numbers were measured with TestCampaignSimilarityMeasured
// on a campaign (a 97-character template; each copy with 1–3 random insertions
// or deletions of 1–3 characters, punctuation changed or dropped, digits made
// full-width) against 20 genuinely different opinions on the same draft that
// share its vocabulary (课后服务, 收费, 学校, 家长, 第五条). A copy is compared
// with the representative, itself an edited copy, so both sides carry edits.
// Exact Jaccard similarity over 2,000 pairs of copies and all pairs of opinions:
//
//	shingle size   copies: min   1st pct   mean    opinions: max
//	k = 2                  0.71     0.74    0.84              0.15
//	k = 3                  0.61     0.65    0.78              0.11
//
// ShingleSize 2 (Chinese words are mostly two characters): 3-shingles pushed
// the copies down to 0.61 while gaining only 0.04 on the opinions.
//
// NearDuplicateThreshold 0.6 keeps 0.11 from the worst copy and 0.45 from the
// closest pair of opinions, and equals AnchorSimilarityThreshold, measured the
// same way on draft articles. It is deliberately not lower: a resident who
// pastes the campaign text and adds a paragraph of their own (J ≈ 0.5) has
// said something more and should not vanish into the group.
//
// MinHashSize 256: the estimate of J from two signatures has a standard error
// of sqrt(J(1-J)/256) ≈ 0.028 at J = 0.71, so even the worst copy estimates
// below 0.6 with probability ~5e-5.
//
// LSH over the first 128 values, 32 bands of 4 rows: a pair at J = 0.6 shares
// a bucket with probability 1-(1-0.6^4)^32 = 0.988, at J = 0.71 with 0.9999;
// at J = 0.15 only 1.6% of unrelated groups come back as candidates, and the
// estimate drops them. A new group writes 32 band rows and takes 33 advisory
// locks (see assignGroup); more bands would strain PostgreSQL's shared lock
// table under concurrency.
//
// MinNearDuplicateRunes 12: below that, texts group only when identical after
// normalising (see above).
const (
	ShingleSize            = 2
	NearDuplicateThreshold = 0.6
	MinNearDuplicateRunes  = 12
	MinHashSize            = 256
	LSHBands               = 32
	LSHRows                = 4
)

// NormalizeComment is the form in which two comments count as the same
// text: Unicode compatibility forms folded (NFKC: full-width letters and
// digits become ASCII, ① becomes 1, half-width katakana full-width), then
// width folding for what NFKC leaves, lower case, and every space,
// punctuation mark, symbol, control and format character dropped. "我反对！
// 收费标准２００元太高。" and "我反对收费标准200元太高" normalise alike.
func NormalizeComment(s string) string {
	s = width.Fold.String(norm.NFKC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	// Dropping a separator can bring a base letter next to a combining
	// mark (A, space, U+0311): compose again so normalising is idempotent
	// (found by FuzzCommentInput).
	return norm.NFKC.String(b.String())
}

// commentFingerprint is what grouping needs of a comment's text.
type commentFingerprint struct {
	normalized string
	hash       string  // hex SHA-256 of normalized
	signature  []int64 // MinHash signature; nil for short texts
	buckets    []int64 // one LSH bucket per band; nil for short texts
}

func fingerprintComment(body string) commentFingerprint {
	n := NormalizeComment(body)
	fp := commentFingerprint{normalized: n, hash: hashNormalized(n)}
	if utf8.RuneCountInString(n) >= MinNearDuplicateRunes {
		fp.signature = minHash(shingles(n, ShingleSize))
		fp.buckets = lshBuckets(fp.signature)
	}
	return fp
}

// hashNormalized is the hex SHA-256 of a normalised text: the
// normalized_hash that identical comments share.
func hashNormalized(n string) string {
	h := sha256.Sum256([]byte(n))
	return hex.EncodeToString(h[:])
}

// FNV-1a, 64 bits, written out so that hashing a shingle allocates nothing
// (hash/fnv's New64a and the string conversion cost more than the hash).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

func fnv64(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime64
	}
	return h
}

// shingles returns the FNV-1a hashes of the distinct k-rune substrings of
// s, sorted; the whole of s when it is shorter than k runes. A shingle is
// hashed over its UTF-8 bytes as they stand in s, which for the valid UTF-8
// that NormalizeComment returns are the bytes of its runes re-encoded: the
// signatures stored before this was written this way are unchanged
// (TestFingerprintMatchesReference).
func shingles(s string, k int) []uint64 {
	if utf8.RuneCountInString(s) < k {
		return []uint64{fnv64(s)}
	}
	if !utf8.ValidString(s) {
		s = string([]rune(s)) // each invalid byte becomes U+FFFD, as before
	}
	starts := make([]int, 0, len(s)/3+2)
	for i := range s {
		starts = append(starts, i)
	}
	starts = append(starts, len(s))
	n := len(starts) - 1 // runes
	out := make([]uint64, 0, n-k+1)
	for i := 0; i+k <= n; i++ {
		out = append(out, fnv64(s[starts[i]:starts[i+k]]))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// splitmix64 is a strong 64-bit mixing function; minHash derives its
// MinHashSize hash functions from it with fixed seeds, so signatures are the
// same on every instance and after every restart.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// minHash computes the MinHash signature of a set of shingle hashes: value
// i is the least splitmix64(shingle ^ (i+1)·K) over the set. Four values
// are taken at a time over all shingles, their minima kept in registers and
// their four independent hash chains interleaved by the processor.
func minHash(set []uint64) []int64 {
	var _ [0]struct{} = [MinHashSize % 4]struct{}{} // four at a time
	const k = 0xd6e8feb86659fd93
	out := make([]int64, MinHashSize)
	for i := 0; i < MinHashSize; i += 4 {
		s0, s1, s2, s3 := uint64(i+1)*k, uint64(i+2)*k, uint64(i+3)*k, uint64(i+4)*k
		m0, m1, m2, m3 := ^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)
		for _, sh := range set {
			m0 = min(m0, splitmix64(sh^s0))
			m1 = min(m1, splitmix64(sh^s1))
			m2 = min(m2, splitmix64(sh^s2))
			m3 = min(m3, splitmix64(sh^s3))
		}
		out[i], out[i+1], out[i+2], out[i+3] = int64(m0), int64(m1), int64(m2), int64(m3)
	}
	return out
}

// lshBuckets hashes each band of LSHRows signature values, together with the
// band's index, into one bucket id: FNV-1a over the band index and the
// values, each as eight big-endian bytes.
func lshBuckets(sig []int64) []int64 {
	out := make([]int64, LSHBands)
	for b := range LSHBands {
		h := fnvWord(fnvOffset64, uint64(b))
		for _, v := range sig[b*LSHRows : (b+1)*LSHRows] {
			h = fnvWord(h, uint64(v))
		}
		out[b] = int64(h)
	}
	return out
}

// fnvWord continues FNV-1a hash h over the eight big-endian bytes of v.
func fnvWord(h, v uint64) uint64 {
	for shift := 56; shift >= 0; shift -= 8 {
		h = (h ^ (v >> uint(shift) & 0xff)) * fnvPrime64
	}
	return h
}

// signatureSimilarity estimates the Jaccard similarity of two shingle sets
// from their MinHash signatures.
func signatureSimilarity(a, b []int64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / float64(len(a))
}

// CommentGroup is a group of identical or near-identical comments (a mass
// campaign, or a single comment that no other resembles) as staff see it.
type CommentGroup struct {
	ID         int64 `db:"id"`
	DecisionID int64 `db:"decision_id"`
	// Size is the number of comments in the group, in any state.
	Size   int    `db:"size"`
	Stance string `db:"stance"`
	// The representative is the group's first comment, whose text the
	// others were compared with.
	RepresentativeID      int64  `db:"representative_id"`
	RepresentativeReceipt string `db:"representative_receipt"`
	RepresentativeText    string `db:"representative_text"`
	ArticleAnchor         string `db:"article_anchor"`
	ArticleLabel          string `db:"article_label"`
	// Pending, Published and Rejected count the members by moderation
	// state; Disposed the members with a disposition.
	Pending   int       `db:"pending"`
	Published int       `db:"published"`
	Rejected  int       `db:"rejected"`
	Disposed  int       `db:"disposed"`
	CreatedAt time.Time `db:"created_at"`
}

// CommentGroupFilter pages through a decision's groups.
type CommentGroupFilter struct {
	// MinSize leaves out smaller groups (2: only actual duplicates).
	MinSize int
	Limit   int
	Cursor  string
}

// ListCommentGroups lists a decision's comment groups, largest first (the
// oldest first among equal sizes), with their representative text and the
// counts of their members by state. The cursor is a position in that order:
// a group that grows while staff page through may appear twice or be
// skipped until the list is reloaded, which is acceptable for an overview.
// Only staff of the lead unit may call it. Codes: decision_not_found,
// authentication_required, not_lead_unit_staff, invalid_cursor.
func (s *Service) ListCommentGroups(ctx context.Context, actor *identity.Account, decisionID int64, f CommentGroupFilter) ([]CommentGroup, string, error) {
	offset, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	d, err := getDecision(ctx, s.DB, decisionID, false)
	if err != nil {
		return nil, "", err
	}
	if err := requireLeadWriter(actor, &d); err != nil {
		return nil, "", err
	}
	if err := s.settleGroups(ctx, d.ID); err != nil {
		return nil, "", err
	}
	limit := cursor.Limit(f.Limit)
	list, err := pgrows.All[CommentGroup](ctx, s.DB, `SELECT g.id, g.decision_id, g.size, coalesce(g.stance, '') AS stance,
		coalesce(g.representative_id, 0) AS representative_id, coalesce(r.receipt, '') AS representative_receipt,
		coalesce(r.body, '') AS representative_text, coalesce(r.article_anchor, '') AS article_anchor,
		coalesce(a.label, '') AS article_label, n.pending, n.published, n.rejected, n.disposed, g.created_at
		FROM comment_groups g
		LEFT JOIN comments r ON r.id = g.representative_id
		LEFT JOIN draft_articles a ON a.version_id = r.version_id AND a.anchor = r.article_anchor
		CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE x.status = 'pending')::int AS pending,
			count(*) FILTER (WHERE x.status = 'published')::int AS published,
			count(*) FILTER (WHERE x.status = 'rejected')::int AS rejected,
			count(p.comment_id)::int AS disposed
			FROM comments x LEFT JOIN comment_dispositions p ON p.comment_id = x.id WHERE x.group_id = g.id) n
		WHERE g.decision_id = $1 AND g.size >= $2 AND g.representative_id IS NOT NULL
		ORDER BY g.size DESC, g.id OFFSET $3 LIMIT $4`, d.ID, f.MinSize, offset, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = cursor.Encode(offset + int64(limit))
	}
	return list, next, nil
}
