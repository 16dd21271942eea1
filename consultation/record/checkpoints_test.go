package record

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// The offline side of checkpoints with rows of a made-up kind: what an
// archive holds reproduces the entry, and each way of breaking it is named.
func TestCheckpointsOffline(t *testing.T) {
	type row struct {
		ID   int64  `json:"id"`
		Text string `json:"text"`
	}
	rows := []row{{1, "甲"}, {2, "乙"}, {5, "丙"}}
	leavesOf := func(rs []row) []Leaf {
		out := make([]Leaf, len(rs))
		for i, r := range rs {
			out[i] = Leaf{ID: r.ID, Hash: LeafHash(r)}
		}
		return out
	}
	cp := NewCheckpoint(leavesOf(rows))
	if cp.FirstID != 1 || cp.LastID != 5 || cp.Count != 3 || len(cp.Root) != 64 {
		t.Fatalf("checkpoint %+v", cp)
	}
	payload, err := CanonicalJSON(cp.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := parseCheckpoint(Entry{Payload: string(payload)}); !ok || got != cp {
		t.Fatalf("parsed %+v, want %+v", got, cp)
	}
	c := Checkpoints{
		Kind:        "row_checkpoint",
		Noun:        "row",
		ArchivePath: func(seq int64) string { return "rows/" + strconv.FormatInt(seq, 10) + ".json" },
		ArchiveLeaves: func(seq int64, data []byte) ([]Leaf, string) {
			var rs []row
			if err := json.Unmarshal(data, &rs); err != nil {
				return nil, "unreadable"
			}
			return leavesOf(rs), ""
		},
	}
	entries := []Entry{{Seq: 3, Kind: "other", Payload: "{}"}, {Seq: 4, Kind: "row_checkpoint", Payload: string(payload)}}
	file := func(rs []row) map[string][]byte {
		b, _ := json.Marshal(rs)
		return map[string][]byte{"rows/4.json": b}
	}
	if seq, problem := c.Offline(file(rows), entries); seq != 0 || problem != "" {
		t.Fatalf("intact: %d %q", seq, problem)
	}
	changed := append([]row(nil), rows...)
	changed[1].Text = "丁"
	for _, tc := range []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"Changed", file(changed), "rows: record entry 4 (row_checkpoint): the 3 rows in rows/4.json do not reproduce its Merkle root over 3 rows"},
		{"Removed", file(rows[:2]), "the 2 rows in rows/4.json"},
		{"Empty", file(nil), "the 0 rows in rows/4.json"},
		{"Missing", map[string][]byte{}, "entry 4 (row_checkpoint): rows/4.json, the rows it seals, is not in the archive"},
		{"Unreadable", map[string][]byte{"rows/4.json": []byte("{")}, "unreadable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, problem := c.Offline(tc.files, entries)
			if seq != 4 || !strings.Contains(problem, tc.want) {
				t.Fatalf("got %d %q, want 4 and %q", seq, problem, tc.want)
			}
		})
	}
}

func TestReducePayload(t *testing.T) {
	got, dropped, err := ReducePayload(`{"a":1,"b":{"c":2},"secret":"x"}`, func(k string, v any) (any, bool) {
		return v, k != "secret"
	})
	if err != nil || !dropped || got != `{"a":1,"b":{"c":2}}` {
		t.Fatalf("got %s %v %v", got, dropped, err)
	}
	if got, dropped, _ := ReducePayload(`{"a":1}`, func(_ string, v any) (any, bool) { return v, true }); dropped || got != `{"a":1}` {
		t.Fatalf("nothing left out: %s %v", got, dropped)
	}
}
