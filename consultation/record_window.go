package consultation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// The consultation window as the record published it. The notice, the
// procedure gates and supervision's "30 days or a public reason" (Decree
// 713 Art. 15) read the consultations row, which the service updates when a
// window is extended or closed and which no trigger guards; the opened,
// extended and closed entries say what it was. Verification re-reads the
// row against them, so a window moved in the database (to make a 10-day
// consultation look like 30) names the entry it contradicts.
func init() {
	record.RegisterCheck(record.Check{Name: "consultation windows", Label: "征求意见期限（开始、截止、原定截止、缩短理由、结束）", Online: checkWindows,
		Offline: checkArchivedWindows})
}

// checkArchivedWindows is checkWindows on an archive: the consultations of
// consultation.json (each with the content hash of its version from
// versions/vN/version.json) against the record.json entries.
func checkArchivedWindows(files map[string][]byte, entries []record.Entry) (int64, string) {
	if len(entries) == 0 || !record.VerifyChain(entries[0].DecisionID, entries).OK {
		return 0, ""
	}
	var list struct {
		Consultations []archiveConsultation `json:"consultations"`
	}
	if data, ok := files["consultation.json"]; ok {
		if err := json.Unmarshal(data, &list); err != nil {
			return 0, fmt.Sprintf("consultation.json cannot be read: %v", err)
		}
	}
	windows := make([]*storedWindow, len(list.Consultations))
	for i, c := range list.Consultations {
		w := &storedWindow{ID: c.ID, OpensAt: c.OpensAt, EndsAt: c.EndsAt, OriginalEndsAt: c.OriginalEndsAt, WaysToComment: c.WaysToComment,
			ShorteningReason: c.ShorteningReason, ShowComments: c.ShowComments, ClosedAt: c.ClosedAt}
		var v struct {
			ContentHash string `json:"content_hash"`
		}
		if json.Unmarshal(files["versions/v"+strconv.Itoa(c.VersionNumber)+"/version.json"], &v) == nil && v.ContentHash != "" {
			w.VersionHash = &v.ContentHash
		}
		windows[i] = w
	}
	return windowsProblem(windows, entries)
}

// storedWindow is a consultations row as the check reads it.
type storedWindow struct {
	ID               int64
	OpensAt          time.Time
	EndsAt           time.Time
	OriginalEndsAt   time.Time
	WaysToComment    string
	ShorteningReason string
	ShowComments     bool
	ClosedAt         *time.Time
	VersionHash      *string
	recorded         bool
	problem          string
	problemSeq       int64
	lastEndsSeq      int64
	lastEndsRecorded time.Time
}

func checkWindows(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check (checkDecisionRow).
	if !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	rows, err := q.Query(ctx, `SELECT c.id, c.opens_at, c.ends_at, c.original_ends_at, c.ways_to_comment, c.shortening_reason,
		c.show_comments, c.closed_at, v.content_hash FROM consultations c LEFT JOIN draft_versions v ON v.id = c.version_id
		WHERE c.decision_id = $1 ORDER BY c.id`, decisionID)
	if err != nil {
		return 0, "", err
	}
	windows, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*storedWindow, error) {
		var w storedWindow
		err := row.Scan(&w.ID, &w.OpensAt, &w.EndsAt, &w.OriginalEndsAt, &w.WaysToComment, &w.ShorteningReason, &w.ShowComments,
			&w.ClosedAt, &w.VersionHash)
		return &w, err
	})
	if err != nil {
		return 0, "", err
	}
	seq, problem := windowsProblem(windows, entries)
	return seq, problem, nil
}

// windowsProblem compares the stored windows with the entries that opened,
// extended and closed them.
func windowsProblem(windows []*storedWindow, entries []record.Entry) (int64, string) {
	byID := make(map[int64]*storedWindow, len(windows))
	for _, w := range windows {
		byID[w.ID] = w
	}
	// fail keeps a window's problem at the earliest entry.
	fail := func(w *storedWindow, seq int64, format string, args ...any) {
		if w.problem == "" || seq < w.problemSeq {
			w.problem, w.problemSeq = fmt.Sprintf(format, args...), seq
		}
	}
	closed := map[int64]bool{}
	for _, e := range entries {
		if e.Kind != RecordConsultationOpened && e.Kind != RecordConsultationExtended && e.Kind != RecordConsultationClosed {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err)
		}
		id, _ := record.PayloadInt(p, "consultation_id")
		w := byID[id]
		if w == nil {
			return e.Seq, fmt.Sprintf("entry %d (%s): the consultation %d it records is not stored", e.Seq, e.Kind, id)
		}
		where := fmt.Sprintf("entry %d (%s): consultation %d", e.Seq, e.Kind, id)
		if ends, ok := payloadTime(p, "ends_at"); ok {
			w.lastEndsSeq, w.lastEndsRecorded = e.Seq, ends
		}
		switch e.Kind {
		case RecordConsultationOpened:
			w.recorded = true
			if at, ok := payloadTime(p, "opens_at"); ok && !at.Equal(w.OpensAt) {
				fail(w, e.Seq, "%s: its opening time %s differs from the recorded %s", where, rfc(w.OpensAt), rfc(at))
			}
			if at, ok := payloadTime(p, "ends_at"); ok && !at.Equal(w.OriginalEndsAt) {
				fail(w, e.Seq, "%s: its published end %s differs from the recorded %s", where, rfc(w.OriginalEndsAt), rfc(at))
			}
			if s, ok := p["shortening_reason"].(string); ok && s != w.ShorteningReason {
				fail(w, e.Seq, "%s: its shortening reason differs from the recorded one", where)
			}
			if s, ok := p["ways_to_comment"].(string); ok && s != w.WaysToComment {
				fail(w, e.Seq, "%s: its ways to comment differ from the recorded ones", where)
			}
			if b, ok := p["show_comments"].(bool); ok && b != w.ShowComments {
				fail(w, e.Seq, "%s: whether comments are shown differs from the record", where)
			}
			if h, ok := p["version_hash"].(string); ok && h != "" && (w.VersionHash == nil || *w.VersionHash != h) {
				fail(w, e.Seq, "%s: the draft version it consults on is not the recorded one", where)
			}
		case RecordConsultationClosed:
			closed[id] = true
			ends, hasEnds := payloadTime(p, "ends_at")
			switch {
			case w.ClosedAt == nil:
				fail(w, e.Seq, "%s: it is open again, but the record closed it", where)
			case hasEnds && !ends.Equal(*w.ClosedAt):
				fail(w, e.Seq, "%s: it was closed at %s, the record says %s", where, rfc(*w.ClosedAt), rfc(ends))
			}
		}
	}
	var seq int64
	var problem string
	for _, w := range windows {
		switch {
		case !w.recorded:
			return 0, fmt.Sprintf("consultation %d is stored but no %s entry records it", w.ID, RecordConsultationOpened)
		case w.lastEndsSeq != 0 && !w.lastEndsRecorded.Equal(w.EndsAt):
			fail(w, w.lastEndsSeq, "entry %d: consultation %d ends %s, the record says %s", w.lastEndsSeq, w.ID, rfc(w.EndsAt),
				rfc(w.lastEndsRecorded))
		}
		if w.ClosedAt != nil && !closed[w.ID] {
			seq := openedSeq(entries, w.ID)
			fail(w, seq, "entry %d (%s): consultation %d is closed but no %s entry records its closing", seq, RecordConsultationOpened,
				w.ID, RecordConsultationClosed)
		}
		if w.problem != "" && (problem == "" || w.problemSeq < seq) {
			seq, problem = w.problemSeq, w.problem
		}
	}
	return seq, problem
}

// openedSeq is the seq of the entry that opened consultation id.
func openedSeq(entries []record.Entry, id int64) int64 {
	for _, e := range entries {
		if e.Kind != RecordConsultationOpened {
			continue
		}
		if p, err := record.ParsePayload(e.Payload); err == nil {
			if got, _ := record.PayloadInt(p, "consultation_id"); got == id {
				return e.Seq
			}
		}
	}
	return 0
}

func payloadTime(p map[string]any, key string) (time.Time, bool) {
	s, ok := p[key].(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func rfc(t time.Time) string { return t.UTC().Format(time.RFC3339) }
