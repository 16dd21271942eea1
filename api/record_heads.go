package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation/record"
)

// RecordTreeHeadView is a signed tree head over every decision's chain head.
type RecordTreeHeadView struct {
	TreeSize  int64     `json:"tree_size" doc:"Number of leaves (logged chain heads) the head covers."`
	RootHash  string    `json:"root_hash" doc:"RFC 6962 Merkle root of the first tree_size leaves (hex)."`
	CreatedAt time.Time `json:"created_at"`
	KeyID     string    `json:"key_id" doc:"Id of the platform key that signed it (compare with get-record-public-key and the keys in an archive)."`
	Signature string    `json:"signature" doc:"Base64 Ed25519 signature over \"canyu-tree-head-v1\\n<tree_size>\\n<created_at RFC 3339 UTC>\\n<root_hash>\"."`
}

func treeHeadView(h record.TreeHead) RecordTreeHeadView {
	return RecordTreeHeadView{TreeSize: h.TreeSize, RootHash: h.RootHash, CreatedAt: h.CreatedAt.UTC(), KeyID: h.KeyID, Signature: h.Signature}
}

// RecordTreeHeadsView is one page of tree heads, newest first.
type RecordTreeHeadsView struct {
	Heads      []RecordTreeHeadView `json:"heads"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

// RecordConsistencyProofView proves that the first head's tree is a prefix of the second's.
type RecordConsistencyProofView struct {
	First  RecordTreeHeadView `json:"first"`
	Second RecordTreeHeadView `json:"second"`
	Proof  []string           `json:"proof" doc:"RFC 6962 consistency proof (hex node hashes)."`
}

// RecordLogLeafView is a logged chain head.
type RecordLogLeafView struct {
	LeafIndex  int64  `json:"leaf_index"`
	DecisionID int64  `json:"decision_id"`
	Seq        int64  `json:"seq" doc:"The decision's entry whose hash was logged; earlier entries link to it through the hash chain."`
	EntryHash  string `json:"entry_hash"`
	LeafData   string `json:"leaf_data" doc:"The leaf's bytes as hashed: {\"decision_id\":…,\"entry_hash\":\"…\",\"seq\":…}; leaf hash = SHA-256(0x00 || leaf_data)."`
}

// RecordInclusionProofView proves that a decision's entry is covered by a tree head.
type RecordInclusionProofView struct {
	TreeHead  RecordTreeHeadView `json:"tree_head"`
	Leaf      RecordLogLeafView  `json:"leaf"`
	LeafHash  string             `json:"leaf_hash"`
	AuditPath []string           `json:"audit_path" doc:"RFC 6962 audit path from the leaf to tree_head.root_hash (hex)."`
}

type listRecordHeadsInput struct {
	PageQuery
}

type recordHeadInput struct {
	TreeSize int64 `path:"tree_size" minimum:"1"`
}

type consistencyProofInput struct {
	First  int64 `query:"first" minimum:"1" required:"true" doc:"Tree size of the earlier head (the one you saved)."`
	Second int64 `query:"second" minimum:"1" required:"true" doc:"Tree size of the later head."`
}

type inclusionProofInput struct {
	DecisionPath
	Seq      int64 `query:"seq" minimum:"1" required:"true"`
	TreeSize int64 `query:"tree_size" minimum:"0" doc:"The head to prove against; 0 or absent: the newest."`
}

func (s *server) registerRecordHeads() {
	tags := []string{"Process record"}
	answerPage(s, huma.Operation{OperationID: "list-record-heads", Method: http.MethodGet, Path: "/record/heads",
		Summary: "Signed tree heads of the process records", Tags: tags,
		Description: "An append-only log, newest first. Every few minutes while any record grew, and at every signed step, the platform logs " +
			"each decision's chain head as a leaf and signs the RFC 6962 Merkle root over all leaves. Save a head: " +
			"`canyu record verify --heads FILE` or get-record-consistency-proof later shows whether the log was rewritten since."},
		public(), func(ctx context.Context, in *listRecordHeadsInput) ([]record.TreeHead, string, error) {
			return s.svc.Consultation.ListRecordHeads(ctx, in.Limit, in.Cursor)
		}, treeHeadView, func(list []RecordTreeHeadView, next string) RecordTreeHeadsView {
			return RecordTreeHeadsView{Heads: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "get-record-head", Method: http.MethodGet, Path: "/record/heads/{tree_size}",
		Summary: "One signed tree head", Tags: tags, Errors: []int{http.StatusNotFound}},
		public(), func(ctx context.Context, in *recordHeadInput) (record.TreeHead, error) {
			return s.svc.Consultation.GetRecordHead(ctx, in.TreeSize)
		}, treeHeadView)
	answer(s, huma.Operation{OperationID: "get-record-consistency-proof", Method: http.MethodGet, Path: "/record/consistency-proof",
		Summary: "Consistency proof between two tree heads", Tags: tags, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity},
		Description: "Proves that the log of the first head is a prefix of the log of the second (RFC 6962 2.1.2): nothing logged was changed or removed."},
		public(), func(ctx context.Context, in *consistencyProofInput) (RecordConsistencyProofView, error) {
			h1, h2, proof, err := s.svc.Consultation.GetRecordConsistencyProof(ctx, in.First, in.Second)
			if err != nil {
				return RecordConsistencyProofView{}, err
			}
			return RecordConsistencyProofView{First: treeHeadView(h1), Second: treeHeadView(h2), Proof: proof}, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "get-record-inclusion-proof", Method: http.MethodGet,
		Path:    "/decisions/{decision_id}/record/inclusion-proof",
		Summary: "Inclusion proof of a record entry in a tree head", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "The first logged chain head of the decision at or after entry seq, and its audit path to the tree head's root " +
			"(RFC 6962 2.1.1). The entry links to the logged head through the record's hash chain (get-decision-record). " +
			"Whoever may read the record may ask; 404 `record_entry_not_logged` until the next tree head covers the entry."},
		public(), func(ctx context.Context, in *inclusionProofInput) (record.EntryProof, error) {
			return s.svc.Consultation.GetRecordInclusionProof(ctx, actor(ctx), in.DecisionID, in.Seq, in.TreeSize)
		}, func(p record.EntryProof) RecordInclusionProofView {
			return RecordInclusionProofView{TreeHead: treeHeadView(p.Head), LeafHash: p.LeafHash, AuditPath: p.AuditPath,
				Leaf: RecordLogLeafView{LeafIndex: p.Leaf.Index, DecisionID: p.Leaf.DecisionID, Seq: p.Leaf.Seq, EntryHash: p.Leaf.EntryHash,
					LeafData: string(p.Leaf.Bytes())}}
		})
}
