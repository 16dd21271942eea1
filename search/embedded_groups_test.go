package search

import (
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"
)

// TestGroupTablesFollowSegments checks the facet counts and the grouped
// window, which read each match's group from per-segment tables
// (embedded_groups.go), against the documents as they stand after several
// batches (several segments), updates that move a document's status
// (its old version deleted in one segment, the new one in another) and
// deletions, and again after the index is reopened from disk. (Scorch
// merges such small batches into one or two segments, at a time of its
// own; TestSnapshotGroupsAcrossSegments covers the numbering across
// segments.)
func TestGroupTablesFollowSegments(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "idx")
	e, err := NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]Document{}
	put := func(batch ...Document) {
		t.Helper()
		if err := e.Upsert(ctx, batch); err != nil {
			t.Fatal(err)
		}
		for _, d := range batch {
			docs[d.ID] = d
		}
	}
	comment := func(id string, decision int64, status string) Document {
		return Document{ID: id, Type: TypeComment, DecisionID: decision, Title: "意见", Body: "小区停车位太少，晚上找不到车位",
			Domain: "public_utilities", Status: status, LeadAgency: fmt.Sprintf("agency-%d", decision%2),
			URL: "/decisions/1", Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	}
	for batch := range 4 {
		var b []Document
		for i := range 30 {
			d := int64(1 + (batch*30+i)%3)
			b = append(b, comment(fmt.Sprintf("c-%d-%d", batch, i), d, "consulting"))
		}
		put(b...)
	}
	// Decision 2 moves on: its comments are indexed again with the new
	// status; a few comments of decision 3 are withdrawn.
	var moved []Document
	for _, d := range docs {
		if d.DecisionID == 2 {
			d.Status = "handling"
			moved = append(moved, d)
		}
	}
	put(moved...)
	var gone []string
	for id, d := range docs {
		if d.DecisionID == 3 && len(gone) < 7 {
			gone = append(gone, id)
		}
	}
	if err := e.Delete(ctx, gone); err != nil {
		t.Fatal(err)
	}
	for _, id := range gone {
		delete(docs, id)
	}

	want := map[string]map[string]int{"status": {}, "lead_agency": {}}
	perDecision := map[int64]int{}
	for _, d := range docs {
		want["status"][d.Status]++
		want["lead_agency"][d.LeadAgency]++
		perDecision[d.DecisionID]++
	}
	check := func(e *Embedded) {
		t.Helper()
		idx, err := e.current()
		if err != nil {
			t.Fatal(err)
		}
		ai, _ := idx.Advanced()
		r, _ := ai.Reader()
		snap, ok := e.groups.forReader(r)
		r.Close()
		e.mu.RUnlock()
		if !ok || len(snap.tables) == 0 {
			t.Fatalf("no group tables for the index (ok %v)", ok)
		}
		res, err := e.Search(ctx, Query{Text: "停车位", Limit: 100, Facets: []string{"status", "lead_agency"}, perGroup: 4})
		if err != nil {
			t.Fatal(err)
		}
		for f, w := range want {
			if !maps.Equal(res.Facets[f], w) {
				t.Errorf("facet %s = %v, want %v", f, res.Facets[f], w)
			}
		}
		if res.Total != len(docs) {
			t.Errorf("total %d, want %d", res.Total, len(docs))
		}
		got := map[int64]int{}
		for _, h := range res.Hits {
			got[h.Document.DecisionID]++
		}
		for dec := range perDecision {
			if got[dec] != 4 {
				t.Errorf("decision %d: %d hits in the window, want 4 (perGroup)", dec, got[dec])
			}
		}
		for dec, n := range got {
			if want := perDecision[dec] - 4; res.support[dec] == 0 && want > 0 {
				t.Errorf("decision %d: no support from its %d further matches (%d in window)", dec, want, n)
			}
		}
	}
	check(e)
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, err = NewEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	check(e)
}

// TestSnapshotGroupsAcrossSegments checks how a snapshot's document
// numbers (segment offset + local number) find their segment's table.
func TestSnapshotGroupsAcrossSegments(t *testing.T) {
	s := snapshotGroups{
		offsets: []uint64{0, 3, 3, 5},
		tables:  [][]int32{{0, 1, 2}, {}, {3, 4}, {5, -1, 6}},
	}
	want := []int32{0, 1, 2, 3, 4, 5, -1, 6, -1, -1}
	for doc, w := range want {
		if got := s.group(uint64(doc)); got != w {
			t.Errorf("document %d: group %d, want %d", doc, got, w)
		}
	}
}
