package api_test

// This file checks the log's proofs with a verifier of its own: it does
// not import the record package, so a bug shared by the prover and the
// verifier cannot hide (issue 12).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

type treeHeadJSON struct {
	TreeSize  int64     `json:"tree_size"`
	RootHash  string    `json:"root_hash"`
	CreatedAt time.Time `json:"created_at"`
	KeyID     string    `json:"key_id"`
	Signature string    `json:"signature"`
}

// node is RFC 6962's interior node hash.
func node(l, r []byte) []byte {
	h := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return h[:]
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("not a SHA-256 in hex: %q", s)
	}
	return b
}

// verifyInclusion is RFC 9162 2.1.3.2.
func verifyInclusion(index, size int64, leaf []byte, path [][]byte, root []byte) bool {
	if index >= size {
		return false
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range path {
		if sn == 0 {
			return false
		}
		if fn%2 == 1 || fn == sn {
			r = node(p, r)
			for fn%2 == 0 && fn != 0 {
				fn, sn = fn/2, sn/2
			}
		} else {
			r = node(r, p)
		}
		fn, sn = fn/2, sn/2
	}
	return sn == 0 && bytes.Equal(r, root)
}

// verifyConsistency is RFC 9162 2.1.4.2.
func verifyConsistency(size1, size2 int64, root1, root2 []byte, path [][]byte) bool {
	if size1 == size2 {
		return len(path) == 0 && bytes.Equal(root1, root2)
	}
	if size1&(size1-1) == 0 {
		path = append([][]byte{root1}, path...)
	}
	if len(path) == 0 || size1 > size2 {
		return false
	}
	fn, sn := size1-1, size2-1
	for fn%2 == 1 {
		fn, sn = fn/2, sn/2
	}
	fr, sr := path[0], path[0]
	for _, c := range path[1:] {
		if sn == 0 {
			return false
		}
		if fn%2 == 1 || fn == sn {
			fr, sr = node(c, fr), node(c, sr)
			for fn%2 == 0 && fn != 0 {
				fn, sn = fn/2, sn/2
			}
		} else {
			sr = node(sr, c)
		}
		fn, sn = fn/2, sn/2
	}
	return sn == 0 && bytes.Equal(fr, root1) && bytes.Equal(sr, root2)
}

// TestRecordHeadProofsIndependently logs heads while decisions are added,
// then checks, with the verifier above, a consistency proof between the
// oldest and the newest head, an inclusion proof of an entry, the leaf's
// link to the entry and the heads' signatures with the published key.
func TestRecordHeadProofsIndependently(t *testing.T) {
	r := newRecordEnv(t)
	r.open(t)
	ctx := context.Background()
	for i := range 5 {
		if _, err := r.Consultation.LogRecordHeads(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Consultation.CreateDecision(ctx, &r.staffAcct, consultation.DecisionInput{Title: fmt.Sprintf("第%d项决策事项", i+1),
			Category: consultation.CategoryPublicServices, Domain: consultation.DomainPublicUtilities, DecisionBody: "pdsszf",
			LeadAgency: "sljj"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.Consultation.LogRecordHeads(ctx); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Heads []treeHeadJSON `json:"heads"`
	}
	r.Do("GET", "/record/heads", "", nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Heads) != 6 || list.Heads[0].TreeSize != 6 || list.Heads[5].TreeSize != 1 {
		t.Fatalf("heads: %+v", list.Heads)
	}
	var key struct {
		KeyID  string `json:"key_id"`
		Base64 string `json:"base64"`
	}
	r.Do("GET", "/record/public-key", "", nil).Expect(t, 200, "").JSON(t, &key)
	pub, _ := base64.StdEncoding.DecodeString(key.Base64)
	for _, h := range list.Heads {
		sig, _ := base64.StdEncoding.DecodeString(h.Signature)
		msg := "canyu-tree-head-v1\n" + strconv.FormatInt(h.TreeSize, 10) + "\n" + h.CreatedAt.UTC().Format(time.RFC3339Nano) + "\n" + h.RootHash
		if h.KeyID != key.KeyID || !ed25519.Verify(pub, []byte(msg), sig) {
			t.Fatalf("head %d: signature does not verify", h.TreeSize)
		}
	}

	for _, sizes := range [][2]int64{{1, 6}, {3, 6}, {4, 5}, {2, 2}} {
		var cp struct {
			First, Second treeHeadJSON
			Proof         []string `json:"proof"`
		}
		r.Do("GET", fmt.Sprintf("/record/consistency-proof?first=%d&second=%d", sizes[0], sizes[1]), "", nil).Expect(t, 200, "").JSON(t, &cp)
		var path [][]byte
		for _, p := range cp.Proof {
			path = append(path, unhex(t, p))
		}
		if !verifyConsistency(cp.First.TreeSize, cp.Second.TreeSize, unhex(t, cp.First.RootHash), unhex(t, cp.Second.RootHash), path) {
			t.Fatalf("consistency %v does not verify: %+v", sizes, cp)
		}
		if len(path) > 0 && verifyConsistency(cp.First.TreeSize, cp.Second.TreeSize, unhex(t, cp.Second.RootHash), unhex(t, cp.Second.RootHash), path) {
			t.Fatalf("consistency %v verified against a wrong first root", sizes)
		}
	}
	r.Do("GET", "/record/consistency-proof?first=5&second=2", "", nil).Expect(t, 422, "invalid_tree_sizes")
	r.Do("GET", "/record/consistency-proof?first=2&second=99", "", nil).Expect(t, 404, "record_head_not_found")
	r.Do("GET", "/record/heads/99", "", nil).Expect(t, 404, "record_head_not_found")

	var ip struct {
		TreeHead treeHeadJSON `json:"tree_head"`
		Leaf     struct {
			LeafIndex int64  `json:"leaf_index"`
			Seq       int64  `json:"seq"`
			EntryHash string `json:"entry_hash"`
			LeafData  string `json:"leaf_data"`
		} `json:"leaf"`
		LeafHash  string   `json:"leaf_hash"`
		AuditPath []string `json:"audit_path"`
	}
	r.Do("GET", r.path("/record/inclusion-proof?seq=2&tree_size=6"), "", nil).Expect(t, 200, "").JSON(t, &ip)
	leaf := sha256.Sum256(append([]byte{0}, ip.Leaf.LeafData...))
	var path [][]byte
	for _, p := range ip.AuditPath {
		path = append(path, unhex(t, p))
	}
	if hex.EncodeToString(leaf[:]) != ip.LeafHash || !verifyInclusion(ip.Leaf.LeafIndex, ip.TreeHead.TreeSize, leaf[:], path, unhex(t, ip.TreeHead.RootHash)) {
		t.Fatalf("inclusion proof does not verify: %+v", ip)
	}
	if verifyInclusion(ip.Leaf.LeafIndex^1, ip.TreeHead.TreeSize, leaf[:], path, unhex(t, ip.TreeHead.RootHash)) {
		t.Fatal("inclusion proof verified at another index")
	}
	// The leaf names the decision's entry by its hash, and entry 2 links to it.
	var page recordPageJSON
	r.Do("GET", r.path("/record"), "", nil).Expect(t, 200, "").JSON(t, &page)
	if ip.Leaf.Seq < 2 || page.Entries[ip.Leaf.Seq-1].EntryHash != ip.Leaf.EntryHash ||
		ip.Leaf.LeafData != fmt.Sprintf(`{"decision_id":%d,"entry_hash":"%s","seq":%d}`, r.decisionID, ip.Leaf.EntryHash, ip.Leaf.Seq) {
		t.Fatalf("leaf %+v does not name the record's entry", ip.Leaf)
	}
	for s := ip.Leaf.Seq; s > 2; s-- {
		if page.Entries[s-1].PrevHash != page.Entries[s-2].EntryHash {
			t.Fatalf("entry %d does not link to %d", s, s-1)
		}
	}
	// An entry of a decision that is not public stays hidden.
	r.Do("GET", fmt.Sprintf("/decisions/%d/record/inclusion-proof?seq=1", r.decisionID+1), "", nil).Expect(t, 404, "decision_not_found")
}
