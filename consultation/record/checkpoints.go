package record

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Checkpoints seal rows that arrive too fast for one entry each (comments:
// a viral decision takes 1,000 a second, and every entry needs the
// decision's row lock). A checkpoint entry records the first and last row
// id it seals, their count and the Merkle root (MerkleRoot) of their
// leaves; the owning package stores a checkpoint row pointing to the entry
// and marks the rows sealed. This file is the part that does not depend on
// what is sealed: building a checkpoint from leaves, and checking the
// recorded checkpoints against the rows online (CheckpointSource) and
// against an exported archive offline (Checkpoints.Offline).

// Leaf is one sealed row: its id and its Merkle leaf hash.
type Leaf struct {
	ID   int64
	Hash [32]byte
}

// LeafHash is the Merkle leaf of a row: the SHA-256 of its canonical JSON.
// A leaf's bytes begin with "{" and a node's with 0x01 (MerkleRoot), so a
// leaf can never be passed off as a node. It panics when v does not encode:
// leaves are made of strings, numbers and times.
func LeafHash(v any) [32]byte {
	b, err := CanonicalJSON(v)
	if err != nil {
		panic("record: canonical JSON of a checkpoint leaf: " + err.Error())
	}
	return sha256.Sum256(b)
}

// Checkpoint is what a checkpoint entry records.
type Checkpoint struct {
	FirstID int64
	LastID  int64
	Count   int64
	Root    string // hex
}

// NewCheckpoint is the checkpoint over leaves, in the order given (at least
// one).
func NewCheckpoint(leaves []Leaf) Checkpoint {
	return Checkpoint{FirstID: leaves[0].ID, LastID: leaves[len(leaves)-1].ID, Count: int64(len(leaves)), Root: LeavesRoot(leaves)}
}

// LeavesRoot is the hex Merkle root of leaves.
func LeavesRoot(leaves []Leaf) string {
	hs := make([][32]byte, len(leaves))
	for i, l := range leaves {
		hs[i] = l.Hash
	}
	r := MerkleRoot(hs)
	return hex.EncodeToString(r[:])
}

// Payload is the checkpoint entry's payload.
func (c Checkpoint) Payload() map[string]any {
	return map[string]any{"first_id": c.FirstID, "last_id": c.LastID, "count": int(c.Count), "merkle_root": c.Root}
}

func parseCheckpoint(e Entry) (Checkpoint, bool) {
	p, err := ParsePayload(e.Payload)
	if err != nil {
		return Checkpoint{}, false
	}
	c := Checkpoint{Root: PayloadString(p, "merkle_root")}
	c.FirstID, _ = PayloadInt(p, "first_id")
	c.LastID, _ = PayloadInt(p, "last_id")
	c.Count, _ = PayloadInt(p, "count")
	return c, true
}

// CheckpointRow is a stored checkpoint: its row id, the seq of its entry
// and what it claims to seal.
type CheckpointRow struct {
	ID  int64
	Seq int64
	Checkpoint
}

// CheckpointSource is what online verification reads of the package that
// seals its rows: its checkpoint rows, the rows each sealed and the rows
// not sealed yet. A problem names the row at fault; err is for failures to
// read.
type CheckpointSource interface {
	// CheckpointRows lists the decision's stored checkpoints in order of id.
	CheckpointRows(ctx context.Context, q Querier, decisionID int64) ([]CheckpointRow, error)
	// SealedLeaves reads the rows a checkpoint sealed, in order of id,
	// and checks each row's own content (a text against its hash).
	SealedLeaves(ctx context.Context, q Querier, cp CheckpointRow) ([]Leaf, string, error)
	// CheckUnsealed checks the rows no checkpoint covers yet.
	CheckUnsealed(ctx context.Context, q Querier, decisionID int64) (string, error)
}

// Checkpoints is one kind of checkpoint and how to check it.
type Checkpoints struct {
	// Kind is the checkpoint entries' kind.
	Kind Kind
	// Noun names a sealed row in problems ("comment"); its plural adds "s".
	Noun string
	// Source reads the rows online.
	Source CheckpointSource
	// ArchivePath is where an exported archive holds the rows sealed by the
	// entry of seq.
	ArchivePath func(seq int64) string
	// ArchiveLeaves reads that file as leaves, checking each row's own
	// content; a problem names the row at fault.
	ArchiveLeaves func(seq int64, data []byte) ([]Leaf, string)
}

// Register adds the checkpoints to record verification and to offline
// archive verification (RegisterCheck).
func (c Checkpoints) Register() {
	RegisterCheck(Check{
		Name:  c.Noun + " checkpoints",
		Label: "意见封存检查点",
		Online: func(ctx context.Context, q Querier, decisionID int64, _ []Entry) (int64, string, error) {
			seq, problem, err := c.Online(ctx, q, decisionID)
			if problem != "" {
				problem = c.Noun + "s: " + problem
			}
			return seq, problem, err
		},
		Offline: c.Offline,
	})
}

// Online recomputes every checkpoint of a decision from the current rows
// and compares it with its entry. It returns the seq of the checkpoint
// entry the first problem is at (0 for rows not sealed yet) and the
// problem: an entry that no longer matches its own hash, a checkpoint row
// missing or differing from its entry, a row changed in any sealed field,
// or removed.
func (c Checkpoints) Online(ctx context.Context, q Querier, decisionID int64) (int64, string, error) {
	entries, err := EntriesOfKinds(ctx, q, decisionID, []Kind{c.Kind}, 0)
	if err != nil {
		return 0, "", err
	}
	recorded := map[int64]Checkpoint{}
	for _, e := range entries {
		if EntryHash(e) != e.EntryHash {
			return e.Seq, fmt.Sprintf("record entry %d (%s): content does not match its hash", e.Seq, c.Kind), nil
		}
		cp, ok := parseCheckpoint(e)
		if !ok {
			return e.Seq, fmt.Sprintf("record entry %d (%s): payload is not valid JSON", e.Seq, c.Kind), nil
		}
		recorded[e.Seq] = cp
	}
	rows, err := c.Source.CheckpointRows(ctx, q, decisionID)
	if err != nil {
		return 0, "", err
	}
	seen := map[int64]bool{}
	for _, row := range rows {
		r, ok := recorded[row.Seq]
		if !ok {
			return row.Seq, fmt.Sprintf("checkpoint %d: no %s entry at record seq %d", row.ID, c.Kind, row.Seq), nil
		}
		seen[row.Seq] = true
		if r != row.Checkpoint {
			return row.Seq, fmt.Sprintf("checkpoint %d differs from its record entry %d", row.ID, row.Seq), nil
		}
		leaves, problem, err := c.Source.SealedLeaves(ctx, q, row)
		if err != nil || problem != "" {
			return row.Seq, problem, err
		}
		where := fmt.Sprintf("record entry %d (%s %d, %ss %d–%d)", row.Seq, c.Kind, row.ID, c.Noun, r.FirstID, r.LastID)
		if int64(len(leaves)) != r.Count || len(leaves) == 0 {
			return row.Seq, fmt.Sprintf("%s: %d %ss found where %d were sealed: a %s was removed or moved",
				where, len(leaves), c.Noun, r.Count, c.Noun), nil
		}
		if leaves[0].ID != r.FirstID || leaves[len(leaves)-1].ID != r.LastID {
			return row.Seq, fmt.Sprintf("%s: the sealed %ss are not the recorded ones", where, c.Noun), nil
		}
		if got := LeavesRoot(leaves); got != r.Root {
			return row.Seq, fmt.Sprintf("%s: Merkle root does not match (recorded %s…, recomputed %s…): a sealed %s was changed",
				where, HashPrefix(r.Root), HashPrefix(got), c.Noun), nil
		}
	}
	for _, e := range entries {
		if !seen[e.Seq] {
			return e.Seq, fmt.Sprintf("record entry %d (%s): its checkpoint row is missing", e.Seq, c.Kind), nil
		}
	}
	problem, err := c.Source.CheckUnsealed(ctx, q, decisionID)
	return 0, problem, err
}

// Offline is the archive's side of Online: for every checkpoint entry the
// archive holds its rows at ArchivePath, and they reproduce its count and
// Merkle root.
func (c Checkpoints) Offline(files map[string][]byte, entries []Entry) (int64, string) {
	for _, e := range entries {
		if e.Kind != c.Kind {
			continue
		}
		cp, ok := parseCheckpoint(e)
		if !ok {
			return e.Seq, fmt.Sprintf("entry %d (%s): payload is not valid JSON", e.Seq, c.Kind)
		}
		name := c.ArchivePath(e.Seq)
		data, ok := files[name]
		if !ok {
			return e.Seq, fmt.Sprintf("entry %d (%s): %s, the %ss it seals, is not in the archive", e.Seq, c.Kind, name, c.Noun)
		}
		leaves, problem := c.ArchiveLeaves(e.Seq, data)
		if problem != "" {
			return e.Seq, problem
		}
		if int64(len(leaves)) != cp.Count || len(leaves) == 0 || LeavesRoot(leaves) != cp.Root {
			return e.Seq, fmt.Sprintf("%ss: record entry %d (%s): the %d %ss in %s do not reproduce its Merkle root over %d %ss",
				c.Noun, e.Seq, c.Kind, len(leaves), c.Noun, name, cp.Count, c.Noun)
		}
	}
	return 0, ""
}
