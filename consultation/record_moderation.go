package consultation

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// Whether an opinion is public is staff's moderation decision, which a
// comment_moderated entry records (ModerateComment); the comment's status
// and rejection reason are not part of its checkpoint leaf, which seals
// what the resident sent. Verification re-reads every comment that is not
// pending, or that an entry decided on, against the latest decision, so an
// opinion hidden or published in the database (it leaves or joins the
// public page, the counts and the adoption report) names the entry it
// contradicts.
func init() {
	record.RegisterCheck(record.Check{Name: "comment moderation", Label: "每条公众意见的审核状态和不予发布的理由", Online: checkModeration})
}

// moderated is the latest recorded moderation decision on a comment.
type moderated struct {
	seq    int64
	status CommentStatus
	reason string
}

func checkModeration(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check (checkDecisionRow).
	if !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	last := map[int64]moderated{}
	var ids []int64
	for _, e := range entries {
		if e.Kind != RecordCommentModerated {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err), nil
		}
		id, _ := record.PayloadInt(p, "comment_id")
		m := moderated{seq: e.Seq, status: CommentRejected, reason: record.PayloadString(p, "reason")}
		if ModerationAction(record.PayloadString(p, "action")) == ModerationPublish {
			m.status, m.reason = CommentPublished, ""
		}
		if _, seen := last[id]; !seen {
			ids = append(ids, id)
		}
		last[id] = m
	}
	rows, err := q.Query(ctx, `SELECT id, receipt, status, coalesce(rejection_reason, '') FROM comments
		WHERE decision_id = $1 AND (status <> 'pending' OR id = ANY($2)) ORDER BY id`, decisionID, ids)
	if err != nil {
		return 0, "", err
	}
	var seq int64
	var problem string
	var id int64
	var receipt, reason string
	var status CommentStatus
	_, err = pgx.ForEachRow(rows, []any{&id, &receipt, &status, &reason}, func() error {
		m, ok := last[id]
		var at int64
		var p string
		switch {
		case !ok:
			p = fmt.Sprintf("comment %d (%s) is %s, but no comment_moderated entry records a decision on it", id, receipt, status)
		case status != m.status:
			at, p = m.seq, fmt.Sprintf("entry %d (comment_moderated): comment %d (%s) is %s, but the record has it %s", m.seq, id, receipt,
				status, m.status)
		case reason != m.reason:
			at, p = m.seq, fmt.Sprintf("entry %d (comment_moderated): comment %d (%s): its rejection reason %q differs from the recorded %q",
				m.seq, id, receipt, reason, m.reason)
		default:
			return nil
		}
		// The earliest entry at fault wins; a problem at no entry only when
		// none is at one.
		if problem == "" || (at != 0 && (seq == 0 || at < seq)) {
			seq, problem = at, p
		}
		return nil
	})
	return seq, problem, err
}
