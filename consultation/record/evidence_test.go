package record

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestEvidenceForms: an entry binds a row in the latest form of its table,
// naming the form; an entry written before forms existed names none and is
// checked in the first. The latest binding of a row is checked, in its own
// form, and the archive holds the row in that form; a form this program
// does not know is named, not skipped.
func TestEvidenceForms(t *testing.T) {
	const table = "record_test_meetings"
	row := map[string]any{"outcome": "adopted", "absences": []string{"委员8"}}
	first := func(context.Context, Querier, int64) ([]byte, error) {
		return CanonicalJSON(map[string]any{"outcome": row["outcome"]})
	}
	second := func(context.Context, Querier, int64) ([]byte, error) { return CanonicalJSON(row) }
	RegisterEvidence(table, first)
	RegisterEvidenceForm(table, 2, second)

	ev, err := Bind(context.Background(), nil, table, 7)
	if err != nil || ev.Form != 2 {
		t.Fatalf("bound: %+v, %v", ev, err)
	}
	b, _ := first(context.Background(), nil, 7)
	old := Evidence{Table: table, RowID: 7, ContentHash: SHA256Hex(b)}
	if raw, _ := json.Marshal(old); strings.Contains(string(raw), "content_form") {
		t.Fatalf("first-form evidence names a form: %s", raw)
	}
	entry := func(seq int64, evs ...Evidence) Entry {
		p, _ := CanonicalJSON(map[string]any{"evidence": evs})
		return Entry{Seq: seq, Kind: "deliberation_recorded", Payload: string(p)}
	}
	read := func(ev Evidence) ([]byte, bool, error) {
		h := hasherOf(ev.Table, ev.Form)
		if h == nil {
			return nil, false, errUnregistered
		}
		c, err := h(context.Background(), nil, ev.RowID)
		return c, true, err
	}
	check := func(entries ...Entry) string {
		t.Helper()
		_, problem, _, err := checkEvidence(entries, read)
		if err != nil {
			t.Fatal(err)
		}
		return problem
	}
	if p := check(entry(1, old)); p != "" {
		t.Fatalf("an entry written before forms: %s", p)
	}
	if p := check(entry(1, old), entry(2, ev)); p != "" {
		t.Fatalf("rebound in the second form: %s", p)
	}
	if got := boundRows([]Entry{entry(1, old), entry(2, ev)}); len(got) != 1 || got[0].Form != 2 {
		t.Fatalf("the archive's rows: %+v", got)
	}
	if got := boundRows([]Entry{entry(1, ev), entry(2, old)}); len(got) != 1 || got[0].Form != 0 {
		t.Fatalf("the archive's rows: %+v", got)
	}
	row["absences"] = []string{}
	if p := check(entry(1, old)); p != "" {
		t.Fatalf("the first form does not cover the absences: %s", p)
	}
	if p := check(entry(1, old), entry(2, ev)); !strings.Contains(p, "entry 2 (deliberation_recorded): "+table+" row 7 was changed") {
		t.Fatalf("absences cleared under the second form: %q", p)
	}
	unknown := ev
	unknown.Form = 3
	if p := check(entry(1, unknown)); !strings.Contains(p, "content form 3, which this program does not know") {
		t.Fatalf("an unknown form: %q", p)
	}
}

// TestEvidenceFormUnreadable: a table whose first form is registered as
// one that cannot be re-read (nil: the entries bound a hash of content the
// database does not keep, a theme analysis as computed) counts the entries
// bound in it as unchecked, whatever hash they hold, and binds new ones in
// its later form, which is checked.
func TestEvidenceFormUnreadable(t *testing.T) {
	const table = "record_test_analyses"
	row := map[string]any{"comment_count": 40}
	RegisterEvidenceForm(table, 1, nil)
	RegisterEvidenceForm(table, 2, func(context.Context, Querier, int64) ([]byte, error) { return CanonicalJSON(row) })
	if EvidenceHashers()[table] == nil {
		t.Fatal("the later form is not the one new entries are bound with")
	}
	ev, err := Bind(context.Background(), nil, table, 3)
	if err != nil || ev.Form != 2 {
		t.Fatalf("bound: %+v, %v", ev, err)
	}
	old := Evidence{Table: table, RowID: 3, ContentHash: SHA256Hex([]byte("the result as computed"))}
	entry := func(seq int64, evs ...Evidence) Entry {
		p, _ := CanonicalJSON(map[string]any{"evidence": evs})
		return Entry{Seq: seq, Kind: "themes_analysed", Payload: string(p)}
	}
	read := onlineEvidence(context.Background(), nil)
	check := func(entries ...Entry) (string, int) {
		t.Helper()
		_, problem, n, err := checkEvidence(entries, read)
		if err != nil {
			t.Fatal(err)
		}
		return problem, n
	}
	if p, n := check(entry(1, old)); p != "" || n != 0 {
		t.Fatalf("an entry bound in the unreadable form: %q, %d checked", p, n)
	}
	if p, n := check(entry(1, old), entry(2, ev)); p != "" || n != 1 {
		t.Fatalf("bound in the second form: %q, %d checked", p, n)
	}
	row["comment_count"] = 80
	if p, _ := check(entry(1, ev)); !strings.Contains(p, "entry 1 (themes_analysed): "+table+" row 3 was changed") {
		t.Fatalf("the row changed under the second form: %q", p)
	}
	if p, _ := check(entry(1, old)); p != "" {
		t.Fatalf("the unreadable form is named: %q", p)
	}

	const only = "record_test_unreadable_only"
	RegisterEvidenceForm(only, 1, nil)
	if _, ok := EvidenceHashers()[only]; ok {
		t.Fatal("a table with no readable form is listed with a hasher")
	}
	if _, err := Bind(context.Background(), nil, only, 1); err == nil {
		t.Fatal("bound in a form that cannot be re-read")
	}
}
