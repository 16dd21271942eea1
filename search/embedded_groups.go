package search

import (
	"bytes"
	"errors"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
	scorchseg "github.com/blevesearch/scorch_segment_api/v2"
)

// groupTables reads every match's "group" (embedded_collect.go) from a
// table built once per index segment instead of from the doc values: a
// segment never changes once written, and decoding the group doc value of
// every match was 14% of a grouped query's CPU at 100,000 comments and
// 2,000 drafts (pprof of BenchmarkEmbeddedGroupedQuery). A table is one
// int32 per document of the segment, an index into the interned groups;
// building it costs one doc-value pass over the segment, paid by the
// first query that meets a new segment (a merged segment of 100,000
// documents: tens of milliseconds, once).
type groupTables struct {
	mu       sync.Mutex
	bySeg    map[scorchseg.Segment][]int32
	ids      map[string]int32
	groups   []internedGroup
	segments int // segments of the last snapshot seen
}

// internedGroup is one distinct group term and its decision.
type internedGroup struct {
	term     string
	decision int64 // 0: none (a document not under a decision)
}

func newGroupTables() *groupTables {
	return &groupTables{bySeg: map[scorchseg.Segment][]int32{}, ids: map[string]int32{}}
}

// warm builds the tables of idx's segments that have none yet, so that the
// indexer pays for a new segment's table rather than the next query (a
// merged segment appears in the background: the next batch builds its).
func (t *groupTables) warm(idx bleve.Index) {
	ai, err := idx.Advanced()
	if err != nil {
		return
	}
	r, err := ai.Reader()
	if err != nil {
		return
	}
	defer r.Close()
	t.forReader(r)
}

// snapshotGroups maps a snapshot's document numbers to interned groups.
type snapshotGroups struct {
	offsets []uint64
	tables  [][]int32
	groups  []internedGroup // the interned groups when the tables were read
}

// forReader returns the tables of r's segments, building the missing
// ones; ok is false when r is not a scorch snapshot whose segments keep
// doc values (the caller then reads the doc values itself).
func (t *groupTables) forReader(r index.IndexReader) (snapshotGroups, bool) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return snapshotGroups{}, false
	}
	segs := snap.Segments()
	out := snapshotGroups{offsets: make([]uint64, len(segs)), tables: make([][]int32, len(segs))}
	t.mu.Lock()
	defer t.mu.Unlock()
	var running uint64
	live := make(map[scorchseg.Segment]bool, len(segs))
	for i, ss := range segs {
		out.offsets[i] = running
		seg := ss.Segment()
		running += seg.Count()
		live[seg] = true
		tab, ok := t.bySeg[seg]
		if !ok {
			var err error
			if tab, err = t.build(seg); err != nil {
				return snapshotGroups{}, false
			}
			t.bySeg[seg] = tab
		}
		out.tables[i] = tab
	}
	// Forget the segments merged away. A query still running on an
	// older snapshot holds its own slices.
	if len(t.bySeg) > len(segs)+8 {
		for seg := range t.bySeg {
			if !live[seg] {
				delete(t.bySeg, seg)
			}
		}
	}
	out.groups = t.groups
	return out, true
}

// build reads the group of every document of seg (t.mu held).
func (t *groupTables) build(seg scorchseg.Segment) ([]int32, error) {
	dvv, ok := seg.(scorchseg.DocValueVisitable)
	if !ok {
		return nil, errNoDocValues
	}
	n := seg.Count()
	tab := make([]int32, n)
	fields := []string{"group"}
	var state scorchseg.DocVisitState
	var term []byte
	visit := func(_ string, v []byte) { term = v }
	for doc := uint64(0); doc < n; doc++ {
		term = nil
		var err error
		if state, err = dvv.VisitDocValues(doc, fields, visit, state); err != nil {
			return nil, err
		}
		tab[doc] = t.intern(term)
	}
	return tab, nil
}

// intern returns the index of group term v, -1 for none (t.mu held).
func (t *groupTables) intern(v []byte) int32 {
	if len(v) == 0 {
		return -1
	}
	if id, ok := t.ids[string(v)]; ok {
		return id
	}
	g := internedGroup{term: string(v)}
	if dec, _, _ := bytes.Cut(v, []byte(groupSep)); len(dec) > 0 {
		g.decision, _ = strconv.ParseInt(string(dec), 10, 64)
	}
	id := int32(len(t.groups))
	t.groups = append(t.groups, g)
	t.ids[g.term] = id
	return id
}

// group is the interned group of global document number doc, -1 for none.
func (s snapshotGroups) group(doc uint64) int32 {
	// The segment holding doc: the last offset at or below it (few
	// segments, so a linear scan from the end).
	i := len(s.offsets) - 1
	for i > 0 && s.offsets[i] > doc {
		i--
	}
	if i < 0 {
		return -1
	}
	local := doc - s.offsets[i]
	if local >= uint64(len(s.tables[i])) {
		return -1
	}
	return s.tables[i][local]
}

var errNoDocValues = errors.New("segment keeps no doc values")

// internTerm is intern for a caller without t.mu.
func (t *groupTables) internTerm(v []byte) int32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.intern(v)
}

// interned returns the group of id.
func (t *groupTables) interned(id int32) internedGroup {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.groups[id]
}
