package record

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
)

// Anchoring outside the database (issue 12). A decision's chain can be
// recomputed from a changed entry on by anyone who can write the database,
// and then verifies. So the record keeps a log of chain heads, as
// certificate-transparency logs keep certificates: every few minutes
// while anything changed, and at every signed step, LogHeads appends a
// leaf (decision, seq, entry hash) for each decision whose chain grew and
// signs a tree head (tree size, RFC 6962 root, time) with the platform
// key. Tree heads are public (list-record-heads); anyone who saved one
// can ask for a consistency proof to any later head, and `canyu record
// verify --heads FILE` recomputes today's log against saved heads. A
// rewritten chain no longer matches its logged leaves; a rewritten log no
// longer matches the saved heads, nor the signatures.

// HeadInterval is how often the job logs chain heads while anything changed.
const HeadInterval = 2 * time.Minute

// TreeHead is a signed tree head: the root of the log's first TreeSize
// leaves, signed with the platform key KeyID over HeadMessage.
type TreeHead struct {
	TreeSize  int64     `json:"tree_size"`
	RootHash  string    `json:"root_hash"`
	CreatedAt time.Time `json:"created_at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"`
}

// HeadMessage is the exact text a tree head's signature covers:
// "canyu-tree-head-v1\n<tree_size>\n<created_at, RFC 3339, UTC>\n<root_hash>".
func HeadMessage(size int64, root string, at time.Time) []byte {
	return []byte("canyu-tree-head-v1\n" + strconv.FormatInt(size, 10) + "\n" + at.UTC().Format(time.RFC3339Nano) + "\n" + root)
}

// CheckSignature verifies the head's signature with the keyring.
func (h TreeHead) CheckSignature(ring Keyring) error {
	pub := ring[h.KeyID]
	if pub == nil {
		return fmt.Errorf("tree head %d: signed by key %s, which is not a key the platform published", h.TreeSize, h.KeyID)
	}
	sig, err := base64.StdEncoding.DecodeString(h.Signature)
	if err != nil || !ed25519.Verify(pub, HeadMessage(h.TreeSize, h.RootHash, h.CreatedAt), sig) {
		return fmt.Errorf("tree head %d: the signature does not verify with key %s", h.TreeSize, h.KeyID)
	}
	return nil
}

// LogLeaf is one leaf of the log: a decision's chain head at some moment,
// or a named chain's (Chain set, DecisionID 0).
type LogLeaf struct {
	Index      int64  `json:"leaf_index"`
	DecisionID int64  `json:"decision_id"`
	Chain      string `json:"chain,omitempty"`
	Seq        int64  `json:"seq"`
	EntryHash  string `json:"entry_hash"`
}

// Bytes is the leaf's content as hashed: canonical JSON of decision_id,
// entry_hash and seq; for a named chain, of chain, entry_hash and seq.
func (l LogLeaf) Bytes() []byte {
	if l.Chain != "" {
		return []byte(`{"chain":` + string(AppendJSONString(nil, l.Chain)) + `,"entry_hash":"` + l.EntryHash +
			`","seq":` + strconv.FormatInt(l.Seq, 10) + `}`)
	}
	return []byte(`{"decision_id":` + strconv.FormatInt(l.DecisionID, 10) + `,"entry_hash":"` + l.EntryHash +
		`","seq":` + strconv.FormatInt(l.Seq, 10) + `}`)
}

// Hash is the leaf's RFC 6962 hash.
func (l LogLeaf) Hash() [32]byte { return LogLeafHash(l.Bytes()) }

const logLockKey = 7162026 // pg_advisory_xact_lock key: one log writer at a time

// LogHeads appends a leaf for every decision whose chain grew since it was
// last logged and, if any did (or no head exists yet), signs a new tree
// head. It runs inside tx: at a signed step in the step's own transaction,
// so the head covering the signature commits with it. Log writers
// serialise on an advisory lock; they take no row lock, so they cannot
// deadlock with a step holding a decision's lock.
func LogHeads(ctx context.Context, tx pgx.Tx, signer *Signer, now time.Time) (TreeHead, bool, error) {
	if signer == nil {
		return TreeHead{}, false, errs.Internal(errors.New("record: no signing key to sign tree heads"))
	}
	// The key is published before the lock is taken: a step that inserted
	// a new key row, not yet committed, and now waits for the lock must not
	// be waited for by the lock's holder.
	if err := PublishKey(ctx, tx, signer, now); err != nil {
		return TreeHead{}, false, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, logLockKey); err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	// The chain heads, by a skip scan over the (decision_id, seq) index
	// rather than a scan of every entry; those newer than their last leaf.
	rows, err := tx.Query(ctx, `WITH RECURSIVE ids AS (
			SELECT min(decision_id) AS id FROM record_entries
			UNION ALL
			SELECT (SELECT min(decision_id) FROM record_entries WHERE decision_id > ids.id) FROM ids WHERE ids.id IS NOT NULL
		), heads AS (
			SELECT ids.id, e.seq, e.entry_hash FROM ids
			CROSS JOIN LATERAL (SELECT seq, entry_hash FROM record_entries WHERE decision_id = ids.id ORDER BY seq DESC LIMIT 1) e
			WHERE ids.id IS NOT NULL
		)
		SELECT h.id, h.seq, h.entry_hash FROM heads h
		WHERE h.seq > coalesce((SELECT max(seq) FROM record_log_leaves l WHERE l.decision_id = h.id), 0)
		ORDER BY h.id`)
	if err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	var grown []LogLeaf
	var l LogLeaf
	if _, err := pgx.ForEachRow(rows, []any{&l.DecisionID, &l.Seq, &l.EntryHash}, func() error {
		grown = append(grown, l)
		return nil
	}); err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	// The named chains' heads (few: one per decision body's catalogue),
	// after the decisions', by name.
	rows, err = tx.Query(ctx, `SELECT h.chain, h.seq, h.entry_hash FROM (
			SELECT DISTINCT ON (chain) chain, seq, entry_hash FROM record_entries WHERE chain <> '' ORDER BY chain, seq DESC) h
		WHERE h.seq > coalesce((SELECT max(seq) FROM record_log_leaves l WHERE l.chain = h.chain), 0)
		ORDER BY h.chain`)
	if err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	l = LogLeaf{}
	if _, err := pgx.ForEachRow(rows, []any{&l.Chain, &l.Seq, &l.EntryHash}, func() error {
		grown = append(grown, l)
		return nil
	}); err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	latest, err := LatestHead(ctx, tx)
	hasHead := err == nil
	if err != nil && !errs.HasCode(err, "record_head_not_found") {
		return TreeHead{}, false, err
	}
	if len(grown) == 0 && hasHead {
		return latest, false, nil
	}
	var size int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM record_log_leaves`).Scan(&size); err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	at := now.UTC().Truncate(time.Microsecond)
	for i := range grown {
		grown[i].Index = size + int64(i)
		if _, err := tx.Exec(ctx, `INSERT INTO record_log_leaves (leaf_index, decision_id, chain, seq, entry_hash, logged_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, grown[i].Index, grown[i].DecisionID, grown[i].Chain, grown[i].Seq, grown[i].EntryHash, at); err != nil {
			return TreeHead{}, false, errs.Internal(err)
		}
	}
	leaves, err := LeafHashes(ctx, tx, size+int64(len(grown)))
	if err != nil {
		return TreeHead{}, false, err
	}
	root := LogRoot(leaves)
	h := TreeHead{TreeSize: int64(len(leaves)), RootHash: hex.EncodeToString(root[:]), CreatedAt: at, KeyID: signer.KeyID()}
	if hasHead && h.TreeSize == latest.TreeSize {
		return latest, false, nil
	}
	h.Signature = signer.Sign(HeadMessage(h.TreeSize, h.RootHash, h.CreatedAt))
	if _, err := tx.Exec(ctx, `INSERT INTO record_tree_heads (tree_size, root_hash, created_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)`,
		h.TreeSize, h.RootHash, h.CreatedAt, h.KeyID, h.Signature); err != nil {
		return TreeHead{}, false, errs.Internal(err)
	}
	return h, true, nil
}

// LeafHashes returns the hashes of the log's first size leaves.
func LeafHashes(ctx context.Context, q Querier, size int64) ([][32]byte, error) {
	leaves, err := Leaves(ctx, q, `leaf_index < $1`, size)
	if err != nil {
		return nil, err
	}
	if int64(len(leaves)) != size {
		return nil, errs.Internal(fmt.Errorf("record: the log has %d leaves below %d", len(leaves), size))
	}
	out := make([][32]byte, len(leaves))
	for i, l := range leaves {
		if l.Index != int64(i) {
			return nil, errs.Internal(fmt.Errorf("record: log leaf %d is missing", i))
		}
		out[i] = l.Hash()
	}
	return out, nil
}

// Leaves returns the log's leaves matching where (on record_log_leaves,
// with args), in order.
func Leaves(ctx context.Context, q Querier, where string, args ...any) ([]LogLeaf, error) {
	rows, err := q.Query(ctx, `SELECT leaf_index, decision_id, chain, seq, entry_hash FROM record_log_leaves WHERE `+where+` ORDER BY leaf_index`, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []LogLeaf
	var l LogLeaf
	if _, err := pgx.ForEachRow(rows, []any{&l.Index, &l.DecisionID, &l.Chain, &l.Seq, &l.EntryHash}, func() error {
		out = append(out, l)
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

const headColumns = `tree_size, root_hash, created_at, key_id, signature`

func scanHead(row pgx.Row) (TreeHead, error) {
	var h TreeHead
	err := row.Scan(&h.TreeSize, &h.RootHash, &h.CreatedAt, &h.KeyID, &h.Signature)
	if errors.Is(err, pgx.ErrNoRows) {
		return TreeHead{}, errs.NotFound("record_head_not_found", "没有该规模的签名树头")
	}
	if err != nil {
		return TreeHead{}, errs.Internal(err)
	}
	h.CreatedAt = h.CreatedAt.UTC()
	return h, nil
}

// LatestHead returns the newest tree head. Codes: record_head_not_found.
func LatestHead(ctx context.Context, q Querier) (TreeHead, error) {
	return scanHead(q.QueryRow(ctx, `SELECT `+headColumns+` FROM record_tree_heads ORDER BY tree_size DESC LIMIT 1`))
}

// Head returns the tree head of a tree size. Codes: record_head_not_found.
func Head(ctx context.Context, q Querier, size int64) (TreeHead, error) {
	return scanHead(q.QueryRow(ctx, `SELECT `+headColumns+` FROM record_tree_heads WHERE tree_size = $1`, size))
}

// ListHeads lists one page of tree heads, newest first (cursor: the tree
// size of the last head of the previous page). Codes: invalid_cursor.
func ListHeads(ctx context.Context, q Querier, limit int, cur string) ([]TreeHead, string, error) {
	before, err := cursor.Decode(cur)
	if err != nil {
		return nil, "", err
	}
	limit = cursor.Limit(limit)
	rows, err := q.Query(ctx, `SELECT `+headColumns+` FROM record_tree_heads WHERE ($1 = 0 OR tree_size < $1)
		ORDER BY tree_size DESC LIMIT $2`, before, limit+1)
	return cursor.Collect(rows, err, limit, func(row pgx.CollectableRow) (TreeHead, error) {
		var h TreeHead
		err := row.Scan(&h.TreeSize, &h.RootHash, &h.CreatedAt, &h.KeyID, &h.Signature)
		h.CreatedAt = h.CreatedAt.UTC()
		return h, err
	}, func(h TreeHead) int64 { return h.TreeSize })
}

// HexHashes encodes hashes as hex strings.
func HexHashes(hs [][32]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// ConsistencyProofBetween proves that the head of size first is a prefix
// of the head of size second. Codes: record_head_not_found,
// invalid_tree_sizes.
func ConsistencyProofBetween(ctx context.Context, q Querier, first, second int64) (TreeHead, TreeHead, [][32]byte, error) {
	if first <= 0 || second < first {
		return TreeHead{}, TreeHead{}, nil, errs.InvalidField("invalid_tree_sizes", "first", "第一个树头的规模须大于 0 且不大于第二个")
	}
	h1, err := Head(ctx, q, first)
	if err != nil {
		return TreeHead{}, TreeHead{}, nil, err
	}
	h2, err := Head(ctx, q, second)
	if err != nil {
		return TreeHead{}, TreeHead{}, nil, err
	}
	leaves, err := LeafHashes(ctx, q, second)
	if err != nil {
		return TreeHead{}, TreeHead{}, nil, err
	}
	return h1, h2, ConsistencyProof(int(first), leaves), nil
}

// EntryProof is an inclusion proof of a decision's entry: the tree
// head, the decision's logged leaf that covers the entry, the leaf's hash
// and its audit path (hex).
type EntryProof struct {
	Head      TreeHead
	Leaf      LogLeaf
	LeafHash  string
	AuditPath []string
}

// InclusionProofFor proves that the entry seq of a decision is covered by
// the head of treeSize (0: the newest): it returns the first leaf of the
// decision at or after seq within that tree (the entry is then linked to
// the leaf through the decision's hash chain) and the leaf's audit path.
// Codes: record_head_not_found, record_entry_not_logged.
func InclusionProofFor(ctx context.Context, q Querier, decisionID, seq, treeSize int64) (EntryProof, error) {
	var h TreeHead
	var err error
	if treeSize == 0 {
		h, err = LatestHead(ctx, q)
	} else {
		h, err = Head(ctx, q, treeSize)
	}
	if err != nil {
		return EntryProof{}, err
	}
	leaves, err := Leaves(ctx, q, `decision_id = $1 AND seq >= $2 AND leaf_index < $3`, decisionID, seq, h.TreeSize)
	if err != nil {
		return EntryProof{}, err
	}
	if len(leaves) == 0 {
		return EntryProof{}, errs.NotFound("record_entry_not_logged", "该条目尚未记入签名树头，请稍后再试")
	}
	all, err := LeafHashes(ctx, q, h.TreeSize)
	if err != nil {
		return EntryProof{}, err
	}
	leaf := leaves[0]
	return EntryProof{Head: h, Leaf: leaf, LeafHash: HexHashes([][32]byte{leaf.Hash()})[0],
		AuditPath: HexHashes(InclusionProof(int(leaf.Index), all))}, nil
}

// checkLogged checks a decision's chain against its logged leaves and the
// newest tree head: every leaf must name an entry of the chain by its hash
// (a recomputed chain no longer does), and the newest head must be signed
// by a published key over the root of the stored leaves. It returns the
// seq of the first entry at fault and the problem.
func checkLogged(ctx context.Context, q Querier, k chainKey, entries []Entry, ring Keyring) (seq int64, problem string, n int, err error) {
	cond, arg := k.where(1)
	leaves, err := Leaves(ctx, q, cond, arg)
	if err != nil {
		return 0, "", 0, err
	}
	for _, l := range leaves {
		if l.Seq < 1 || l.Seq > int64(len(entries)) {
			return l.Seq, fmt.Sprintf("entry %d: logged in tree leaf %d, but the record has %d entries: entries were removed",
				l.Seq, l.Index, len(entries)), 0, nil
		}
		if e := entries[l.Seq-1]; e.Seq != l.Seq || e.EntryHash != l.EntryHash {
			return l.Seq, fmt.Sprintf("entry %d: its hash %s… differs from the chain head %s… logged in tree leaf %d: the chain was rewritten at or before it",
				l.Seq, HashPrefix(e.EntryHash), HashPrefix(l.EntryHash), l.Index), 0, nil
		}
	}
	h, err := LatestHead(ctx, q)
	if errs.HasCode(err, "record_head_not_found") {
		return 0, "", len(leaves), nil
	}
	if err != nil {
		return 0, "", 0, err
	}
	if err := h.CheckSignature(ring); err != nil {
		return 0, err.Error(), 0, nil
	}
	all, err := LeafHashes(ctx, q, h.TreeSize)
	if err != nil {
		return 0, fmt.Sprintf("tree head %d: %v", h.TreeSize, err), 0, nil
	}
	if root := LogRoot(all); hex.EncodeToString(root[:]) != h.RootHash {
		return 0, fmt.Sprintf("tree head %d: its signed root %s… differs from the root of the stored leaves %s…: the log was rewritten",
			h.TreeSize, HashPrefix(h.RootHash), HashPrefix(hex.EncodeToString(root[:]))), 0, nil
	}
	return 0, "", len(leaves), nil
}

// CheckSavedHeads checks today's log against tree heads someone saved
// earlier (`canyu record verify --heads`): each must carry a valid
// signature by a published key, and the root of today's first tree_size
// leaves must equal its root. It returns one problem per inconsistent
// head.
func CheckSavedHeads(ctx context.Context, q Querier, saved []TreeHead) ([]string, error) {
	ring, err := LoadKeyring(ctx, q)
	if err != nil {
		return nil, err
	}
	var size int64
	if err := q.QueryRow(ctx, `SELECT count(*) FROM record_log_leaves`).Scan(&size); err != nil {
		return nil, errs.Internal(err)
	}
	var problems []string
	var all [][32]byte
	for _, h := range saved {
		if err := h.CheckSignature(ring); err != nil {
			problems = append(problems, "saved "+err.Error())
			continue
		}
		if h.TreeSize > size {
			problems = append(problems, fmt.Sprintf("saved tree head %d: today's log has only %d leaves: the log was cut back", h.TreeSize, size))
			continue
		}
		if all == nil {
			if all, err = LeafHashes(ctx, q, size); err != nil {
				problems = append(problems, fmt.Sprintf("today's log: %v", err))
				return problems, nil
			}
		}
		if root := LogRoot(all[:h.TreeSize]); hex.EncodeToString(root[:]) != h.RootHash {
			problems = append(problems, fmt.Sprintf("saved tree head %d (%s): today's log of that size has root %s…: it is inconsistent with the saved head, the log was rewritten",
				h.TreeSize, h.CreatedAt.Format(time.RFC3339), HashPrefix(hex.EncodeToString(root[:]))))
		}
	}
	return problems, nil
}
