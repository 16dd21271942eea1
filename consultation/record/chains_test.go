package record

import (
	"testing"
	"time"
)

// TestNamedChainHashes: an entry of a named chain hashes the chain's name
// where a decision's entry hashes the decision's id, so a decision's
// entries keep the hashes they were written with and an entry can never
// pass for one of another chain; a named chain's logged leaf names the
// chain likewise.
func TestNamedChainHashes(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 30, 0, 123456000, time.UTC)
	e := Entry{DecisionID: 12, Seq: 1, RecordedAt: at, ActorRole: "system", Kind: "k", Payload: `{"a":1}`, PrevHash: GenesisHash}
	// Known answers, computed with the Python program of the archive's
	// README.txt (section 三), the second with field (2) "catalogue:12".
	if got := EntryHash(e); got != "7c9733909ebb323e590c4c7b6e64778e85c6c24d572247fa646acd3a74226c92" {
		t.Fatalf("a decision's entry hash changed: %s", got)
	}
	named := e
	named.DecisionID, named.Chain = 0, ChainName("catalogue", 12)
	if got := EntryHash(named); got != "77bb674822c810f2d33f5288056a33e24bb85e28374338f58f2027dba57c2d42" {
		t.Fatalf("a named chain's entry hash: %s", got)
	}
	other := named
	other.Chain = ChainName("catalogue", 13)
	if EntryHash(other) == EntryHash(named) {
		t.Fatal("two named chains' entries hash alike")
	}
	leaf := LogLeaf{DecisionID: 12, Seq: 3, EntryHash: "ab"}
	if string(leaf.Bytes()) != `{"decision_id":12,"entry_hash":"ab","seq":3}` {
		t.Fatalf("a decision's leaf changed: %s", leaf.Bytes())
	}
	leaf = LogLeaf{Chain: "catalogue:12", Seq: 3, EntryHash: "ab"}
	if string(leaf.Bytes()) != `{"chain":"catalogue:12","entry_hash":"ab","seq":3}` {
		t.Fatalf("a named chain's leaf: %s", leaf.Bytes())
	}
	for name, ok := range map[string]bool{"catalogue:12": true, "catalogue_x:1": true, "12": false, "catalogue:": false,
		"catalogue:012": false, "Catalogue:1": false, ":1": false, "catalogue:0": false, "catalogue:1:2": false} {
		if _, _, got := ParseChainName(name); got != ok {
			t.Errorf("ParseChainName(%q) = %v, want %v", name, got, ok)
		}
	}
}
