package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Evidence binding. An entry that stands for a row another part reads and
// serves (a legal opinion, a disposition, a published adoption report)
// carries the row's content hash in its payload's "evidence" list. The
// package that owns the table registers a Hasher for it, which reads the
// row and returns its canonical content; Bind hashes it when the step is
// appended, and verification re-reads every bound row, online through the
// same Hasher and offline from the archive's evidence/<table>/<id>.json,
// and names the entry, the table and the row when the hash differs. A row
// changed behind the service's back (triggers disabled) is then caught even
// though the record's own chain is intact.

// Hasher returns a row's canonical content: the bytes its content hash is
// taken over. A missing row is pgx.ErrNoRows.
type Hasher func(ctx context.Context, q Querier, rowID int64) ([]byte, error)

// A table's canonical content has forms. Form 1 is what RegisterEvidence
// registers; a table that gains columns the record must bind (a meeting's
// attendees and absences, migrations 00030 and 00110) gets a new form
// (RegisterEvidenceForm) that reads them, and Bind binds new entries in it,
// saying so in the evidence (Evidence.Form). Entries already written keep
// the form they were bound in and verify through its hasher, which must
// therefore never change: a hasher reads its columns by name, so that a
// column added later does not change the content of rows bound before.
var (
	hashersMu sync.RWMutex
	hashers   = map[string][]Hasher{} // by table, form n at n-1
)

// RegisterEvidence registers the Hasher of a table's first form; the
// owning package calls it from init. Registering a table twice panics.
func RegisterEvidence(table string, h Hasher) {
	RegisterEvidenceForm(table, 1, h)
}

// RegisterEvidenceForm registers the Hasher of a later form of a table's
// canonical content, from init, after the earlier ones: Bind binds new
// entries in the latest form, and every form stays registered for the
// entries bound in it. A form registered twice or out of order panics.
//
// A nil Hasher registers a form that cannot be re-read: entries were bound
// in it before the table had a hasher, over content the database does not
// keep (a theme analysis hashed its result as computed, before staff
// worked on it). Its entries count as unchecked, online and offline, as
// when no hasher was registered; only later forms may be bound (Bind).
func RegisterEvidenceForm(table string, form int, h Hasher) {
	hashersMu.Lock()
	defer hashersMu.Unlock()
	if form != len(hashers[table])+1 {
		panic(fmt.Sprintf("record: evidence form %d of %s registered after %d forms", form, table, len(hashers[table])))
	}
	hashers[table] = append(hashers[table], h)
}

// EvidenceHashers returns, by table, the Hasher that Bind binds new
// entries' rows with (the latest form).
func EvidenceHashers() map[string]Hasher {
	hashersMu.RLock()
	defer hashersMu.RUnlock()
	out := make(map[string]Hasher, len(hashers))
	for t, forms := range hashers {
		if h := forms[len(forms)-1]; h != nil {
			out[t] = h
		}
	}
	return out
}

// registered reports whether a Hasher of the table is registered in this
// program.
func registered(table string) bool {
	hashersMu.RLock()
	defer hashersMu.RUnlock()
	return len(hashers[table]) > 0
}

// hasherOf returns the Hasher of a form of a table (0: the first), nil
// when this program registered none.
func hasherOf(table string, form int) Hasher {
	hashersMu.RLock()
	defer hashersMu.RUnlock()
	forms := hashers[table]
	if form == 0 {
		form = 1
	}
	if form < 1 || form > len(forms) {
		return nil
	}
	return forms[form-1]
}

// knownForm reports whether this program registered the form of a table
// (0: the first), with a Hasher or as one that cannot be re-read.
func knownForm(table string, form int) bool {
	hashersMu.RLock()
	defer hashersMu.RUnlock()
	if form == 0 {
		form = 1
	}
	return form >= 1 && form <= len(hashers[table])
}

// latestForm returns a table's latest form and its Hasher (0 and nil when
// none is registered).
func latestForm(table string) (int, Hasher) {
	hashersMu.RLock()
	defer hashersMu.RUnlock()
	forms := hashers[table]
	if len(forms) == 0 {
		return 0, nil
	}
	return len(forms), forms[len(forms)-1]
}

// errUnregistered is a bound row of a table no Hasher is registered for in
// this program, or bound in a form registered as one that cannot be
// re-read: it is counted as unchecked.
var errUnregistered = errors.New("record: no evidence hasher registered")

func errNoHasher(table string) error {
	return fmt.Errorf("record: no evidence hasher registered for %s", table)
}

// Bind returns the evidence of a row as it is now in q, in the latest
// form of its table (call it in the transaction that wrote the row, after
// writing it).
func Bind(ctx context.Context, q Querier, table string, rowID int64) (Evidence, error) {
	form, h := latestForm(table)
	if h == nil {
		return Evidence{}, errs.Internal(errNoHasher(table))
	}
	content, err := h(ctx, q, rowID)
	if err != nil {
		return Evidence{}, errs.Internal(err)
	}
	ev := Evidence{Table: table, RowID: rowID, ContentHash: SHA256Hex(content)}
	if form > 1 {
		// The first form is left out, so that the entries of a table with
		// one form read exactly as they did before forms existed.
		ev.Form = form
	}
	return ev, nil
}

// EvidenceOf returns the evidence an entry's payload binds.
func EvidenceOf(e Entry) ([]Evidence, error) {
	var p struct {
		Evidence []Evidence `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(e.Payload), &p); err != nil {
		return nil, err
	}
	return p.Evidence, nil
}

// EvidencePath is where the archive keeps a bound row's canonical content.
func EvidencePath(table string, rowID int64) string {
	return fmt.Sprintf("evidence/%s/%d.json", table, rowID)
}

// evidenceReader returns a bound row's current canonical content in the
// evidence's form, or found false when the row is gone.
type evidenceReader func(ev Evidence) (content []byte, found bool, err error)

// checkEvidence re-reads every bound row through read and returns the
// first entry whose row no longer matches, and how many rows matched. A row
// bound by several entries (a disposition revised through the service) must
// match the latest of them; the earlier ones recorded what it was then.
func checkEvidence(entries []Entry, read evidenceReader) (seq int64, problem string, n int, err error) {
	type row struct {
		table string
		id    int64
	}
	latest := map[row]int64{}
	bound := make([][]Evidence, len(entries))
	for i, e := range entries {
		evs, perr := EvidenceOf(e)
		if perr != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, perr), n, nil
		}
		bound[i] = evs
		for _, ev := range evs {
			latest[row{ev.Table, ev.RowID}] = e.Seq
		}
	}
	for i, e := range entries {
		for _, ev := range bound[i] {
			if latest[row{ev.Table, ev.RowID}] != e.Seq {
				continue
			}
			where := fmt.Sprintf("entry %d (%s): %s row %d", e.Seq, e.Kind, ev.Table, ev.RowID)
			if ev.Form != 0 && registered(ev.Table) && !knownForm(ev.Table, ev.Form) {
				// Not a table this program cannot read, but a form of it
				// that no canyu of this version wrote.
				return e.Seq, fmt.Sprintf("%s is bound in content form %d, which this program does not know", where, ev.Form), n, nil
			}
			content, found, err := read(ev)
			if errors.Is(err, errUnregistered) {
				continue
			}
			if err != nil {
				return 0, "", n, err
			}
			if !found {
				return e.Seq, where + ": the row it binds is missing", n, nil
			}
			if got := SHA256Hex(content); got != ev.ContentHash {
				return e.Seq, fmt.Sprintf("%s was changed after it was recorded (recorded %s…, now %s…)", where,
					HashPrefix(ev.ContentHash), HashPrefix(got)), n, nil
			}
			n++
		}
	}
	return 0, "", n, nil
}

// onlineEvidence reads bound rows from the database through their hashers.
func onlineEvidence(ctx context.Context, q Querier) evidenceReader {
	return func(ev Evidence) ([]byte, bool, error) {
		h := hasherOf(ev.Table, ev.Form)
		if h == nil {
			return nil, false, errUnregistered
		}
		content, err := h(ctx, q, ev.RowID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		}
		return content, err == nil, err
	}
}

// boundRows lists the distinct rows the entries bind, in order, each in
// the form of its latest binding: the one verification checks
// (checkEvidence), and so the form the archive holds it in.
func boundRows(entries []Entry) []Evidence {
	type row struct {
		table string
		id    int64
	}
	at := map[row]int{}
	var out []Evidence
	for _, e := range entries {
		evs, _ := EvidenceOf(e)
		for _, ev := range evs {
			k := row{ev.Table, ev.RowID}
			i, seen := at[k]
			if !seen {
				i = len(out)
				at[k] = i
				out = append(out, Evidence{Table: ev.Table, RowID: ev.RowID})
			}
			out[i].Form = ev.Form
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Table != out[j].Table {
			return out[i].Table < out[j].Table
		}
		return out[i].RowID < out[j].RowID
	})
	return out
}

// Check is a chain-wide check that a domain package registers for what
// its entries point to in its own way (consultation: draft versions and
// attachments by content hash, comments by Merkle checkpoints). Online
// runs in verification's snapshot; Offline, when set, on the files of an
// exported archive. Each returns the seq of the first entry at fault (0
// when none is) and the problem, empty when all is well.
type Check struct {
	Name string
	// Label is the check's name for people, in Chinese: an archive
	// verified offline lists the checks it could not run by it.
	Label string
	// Scope is the scope of the named chains the check runs on (chains.go);
	// empty, the decisions' records. Online is given the decision's id, or
	// the named chain's id.
	Scope   string
	Online  func(ctx context.Context, q Querier, id int64, entries []Entry) (seq int64, problem string, err error)
	Offline func(files map[string][]byte, entries []Entry) (seq int64, problem string)
}

var (
	checksMu sync.RWMutex
	checks   []Check
)

// RegisterCheck adds a chain-wide check; the owning package calls it
// from init.
func RegisterCheck(c Check) {
	checksMu.Lock()
	defer checksMu.Unlock()
	checks = append(checks, c)
}

func registeredChecks() []Check {
	checksMu.RLock()
	defer checksMu.RUnlock()
	return append([]Check(nil), checks...)
}
