package opendata

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Kinds are the collections of the change feed, as they appear in items'
// kind. Each is one open_* view of migration 00060.
var Kinds = []string{"decision", "version", "comment", "disposition", "adoption_report", "survey", "survey_results", "record_head"}

// MaxChangesPage is the largest page of ListChanges. There is no cap on how
// far a client pages: `next` of one page is `since` of the next.
const MaxChangesPage = 1000

// sequenceBatch is how many pending rows one call of the sequencer numbers.
const sequenceBatch = 5000

// Change is one item of the change feed: the current public state of one
// object, or a tombstone when it is no longer public (deleted, rejected
// after publication, anonymised by its author, hidden).
type Change struct {
	// Seq is the position in the feed; strictly increasing in feed order.
	Seq       int64
	Kind      string
	ID        int64
	Removed   bool
	ChangedAt time.Time
	// Data is the object as its open_* view shows it; nil for a tombstone.
	Data json.RawMessage
}

// ChangePage is one page of the feed.
type ChangePage struct {
	Changes []Change
	// Next is the since of the next page: the last Seq served, or the since
	// asked when the page is empty.
	Next int64
	// More reports that more items were already waiting past this page.
	More bool
	// ETag is a strong validator of the page as served: a hash over every
	// item's position, kind, id, state and data as read, so a change of
	// anything in the page changes it (and nothing needs encoding twice).
	ETag string
}

// Sequence numbers changes committed since the last call, in commit order,
// and returns how many pending rows it looked at. Callers at the same time
// skip (one numbers, the others read what it committed). Anyone may call it:
// ListChanges does before each read, and the export job does.
func (s *Service) Sequence(ctx context.Context) (int, error) {
	total := 0
	for {
		n := 0
		err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
			var got bool
			// One sequencer at a time; the UPDATE's snapshot is taken after
			// the lock (READ COMMITTED: one snapshot per statement), so it
			// sees every earlier sequencer's commit and numbers after it.
			if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtext('canyu_open_sequence'))`).Scan(&got); err != nil || !got {
				return err
			}
			return tx.QueryRow(ctx, `SELECT canyu_open_sequence($1)`, sequenceBatch).Scan(&n)
		})
		if err != nil {
			return total, errs.Internal(err)
		}
		total += n
		if n < sequenceBatch {
			return total, nil
		}
	}
}

// payloadCase is canyu_open_payload (migration 00060) written inline: one
// subquery per kind that PostgreSQL plans into the page's query, instead of
// a PL/pgSQL call per item (20,000 comments, load average 39 on 2 cores:
// 3,501 -> 4,917 items/s to one client; BENCHMARKS.md).
var payloadCase = func() string {
	var b strings.Builder
	b.WriteString("CASE c.kind")
	for _, k := range collections {
		fmt.Fprintf(&b, " WHEN '%s' THEN (SELECT to_jsonb(v) FROM %s v WHERE v.id = c.object_id)", k.Kind, k.View)
	}
	b.WriteString(" END")
	return b.String()
}()

// ListChanges returns up to limit changes after since, oldest first. It is
// public: only what the open_* views show appears, and an object that
// stopped being public after it was numbered is served as a tombstone.
// Codes: invalid_since.
func (s *Service) ListChanges(ctx context.Context, since int64, limit int) (ChangePage, error) {
	if since < 0 {
		return ChangePage{}, errs.InvalidField("invalid_since", "since", "since 不能为负数")
	}
	if limit <= 0 || limit > MaxChangesPage {
		limit = MaxChangesPage
	}
	// A client catching up gets a full page from what is numbered; only a
	// client at the head (a page not full) waits for the sequencer to
	// number what was committed since, then reads again. The sequencer
	// numbers after every existing seq, so nothing is skipped by reading
	// first. Calling it before every page cost 11 ms a page (a transaction
	// with the advisory lock) and 6 ms when nothing was pending (the
	// pending index full of numbered rows until vacuum): 8,014 -> 11,930
	// -> see BENCHMARKS.md.
	page, err := s.readChanges(ctx, since, limit)
	if err != nil || page.More {
		return page, err
	}
	n, err := s.Sequence(ctx)
	if err != nil || n == 0 {
		return page, err
	}
	return s.readChanges(ctx, since, limit)
}

// readChanges reads one page of what is numbered.
func (s *Service) readChanges(ctx context.Context, since int64, limit int) (ChangePage, error) {
	rows, err := s.DB.Query(ctx, `SELECT c.seq, c.kind, c.object_id, c.changed_at,
			CASE WHEN c.removed THEN NULL ELSE `+payloadCase+` END
		FROM open_changes c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`, since, limit+1)
	if err != nil {
		return ChangePage{}, errs.Internal(err)
	}
	page := ChangePage{Changes: make([]Change, 0, min(limit, 64)), Next: since}
	var c Change
	var data []byte
	h := sha256.New()
	var buf [8 * 4]byte
	_, err = pgx.ForEachRow(rows, []any{&c.Seq, &c.Kind, &c.ID, &c.ChangedAt, &data}, func() error {
		if len(page.Changes) == limit {
			page.More = true
			return nil
		}
		item := c
		item.ChangedAt = item.ChangedAt.UTC()
		item.Removed = data == nil
		if data != nil {
			item.Data = append(json.RawMessage(nil), data...)
		}
		page.Changes = append(page.Changes, item)
		page.Next = item.Seq
		binary.BigEndian.PutUint64(buf[0:], uint64(item.Seq))
		binary.BigEndian.PutUint64(buf[8:], uint64(item.ID))
		binary.BigEndian.PutUint64(buf[16:], uint64(item.ChangedAt.UnixNano()))
		binary.BigEndian.PutUint64(buf[24:], uint64(len(data)))
		h.Write(buf[:])
		h.Write([]byte(item.Kind))
		h.Write(data)
		return nil
	})
	if err != nil {
		return ChangePage{}, errs.Internal(err)
	}
	binary.BigEndian.PutUint64(buf[0:], uint64(page.Next))
	buf[8] = 0
	if page.More {
		buf[8] = 1
	}
	h.Write(buf[:9])
	page.ETag = `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	return page, nil
}
