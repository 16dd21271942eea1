package consultation

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// RecordBatchDisposition is the record entry of one answer given to a
// batch of comments (a theme's answer, issue 19).
const RecordBatchDisposition RecordKind = "batch_disposition_set"

// BatchDispositionInput is one answer for a batch of comments of a decision.
type BatchDispositionInput struct {
	// Ref names the batch, e.g. "theme:12": answering the same Ref again
	// revises the comments that still carry its earlier answer.
	Ref string
	// Replaces are earlier batches (e.g. the themes a re-analysis carried
	// this one on from) whose answers this batch revises like its own.
	Replaces   []string
	CommentIDs []int64
	Kind       DispositionKind
	Reason     string
	// Note is added to the record entry (e.g. the theme and the articles changed).
	Note map[string]any
	// Within runs inside the transaction after the dispositions are set,
	// so the caller's own rows commit with them (or not at all).
	Within func(ctx context.Context, tx pgx.Tx, res BatchDispositionResult) error
}

// BatchDispositionResult says what one batch answer did.
type BatchDispositionResult struct {
	Set        int
	CommentIDs []int64
	Receipts   []string
	// Kept counts the published comments of the batch that keep the
	// individual or group answer they had: a batch answer never overwrites one.
	Kept int
	// Unpublished counts the listed comments that are pending or rejected
	// (or not of this decision) and get no answer.
	Unpublished int
}

// SetBatchDisposition answers the listed published comments of a decision
// with one disposition: every one without an answer, and every one that
// still carries an earlier answer of the same batch (Ref) or of one it
// replaces (Replaces). Individual and
// group answers are never overwritten, and an individual answer given later
// (SetCommentDisposition) replaces the batch's for that comment, so each
// comment stays overridable. One record entry lists the comment ids and
// receipts. Only staff of the lead unit, under the stage rules of
// SetCommentDisposition. Codes: decision_not_found, not_lead_unit_staff,
// invalid_disposition, disposition_reason_required,
// disposition_reason_too_long, consultation_still_open,
// disposition_not_allowed_in_stage, adoption_report_published,
// comment_not_published (none of the comments is published). The entry
// binds every disposition it set (evidence), so a rewrite is named by
// verification.
func (s *Service) SetBatchDisposition(ctx context.Context, actor *identity.Account, decisionID int64, in BatchDispositionInput) (BatchDispositionResult, error) {
	if err := s.settleGroups(ctx, decisionID); err != nil {
		return BatchDispositionResult{}, err
	}
	res := BatchDispositionResult{CommentIDs: []int64{}, Receipts: []string{}}
	ref := strings.TrimSpace(in.Ref)
	err := s.writeDecision(ctx, actor, decisionID, requireLeadStaff, func(tx pgx.Tx, d Decision) (err error) {
		reason, err := checkDispositionInput(in.Kind, in.Reason)
		if err != nil {
			return err
		}
		if ref == "" {
			return errs.InvalidField("batch_ref_required", "ref", "批量答复须注明来源")
		}
		if err := handlingOpen(ctx, tx, &d, "disposition_not_allowed_in_stage", "处理公众意见"); err != nil {
			return err
		}
		var published int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM comments WHERE id = ANY($1) AND decision_id = $2 AND status = 'published'`,
			in.CommentIDs, decisionID).Scan(&published); err != nil {
			return errs.Internal(err)
		}
		res.Unpublished = len(uniqueIDs(in.CommentIDs)) - published
		if published == 0 {
			return errs.Conflict("comment_not_published", "这些意见都尚未公开，无需处理")
		}
		now := s.now().Truncate(time.Microsecond)
		rows, err := tx.Query(ctx, `INSERT INTO comment_dispositions (comment_id, decision_id, disposition, reason, group_id, batch_ref, decided_by, decided_at)
			SELECT c.id, c.decision_id, $3, $4, NULL, $5, $6, $7 FROM comments c
			LEFT JOIN comment_dispositions p ON p.comment_id = c.id
			WHERE c.id = ANY($1) AND c.decision_id = $2 AND c.status = 'published' AND (p.comment_id IS NULL OR p.batch_ref = $5 OR p.batch_ref = ANY($8))
			ON CONFLICT (comment_id) DO UPDATE SET disposition = EXCLUDED.disposition, reason = EXCLUDED.reason,
				decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at
			RETURNING comment_id, (SELECT receipt FROM comments WHERE id = comment_id)`,
			in.CommentIDs, decisionID, in.Kind, reason, ref, actor.ID, now, in.Replaces)
		if res.CommentIDs, res.Receipts, err = answered(rows, err); err != nil {
			return err
		}
		res.Set = len(res.CommentIDs)
		res.Kept = published - res.Set
		if res.Set > 0 {
			payload := map[string]any{"ref": ref, "disposition": in.Kind, "reason": reason, "count": res.Set,
				"comment_ids": res.CommentIDs, "receipts": res.Receipts, "kept": res.Kept}
			for k, v := range in.Note {
				if _, taken := payload[k]; !taken {
					payload[k] = v
				}
			}
			// Each disposition the batch set is bound, as an individual
			// answer binds its own: verification re-reads them. A later
			// individual answer binds its row again, and the latest
			// binding counts.
			evidence := make([]record.Evidence, 0, len(res.CommentIDs))
			for _, id := range res.CommentIDs {
				ev, err := record.Bind(ctx, tx, "comment_dispositions", id)
				if err != nil {
					return err
				}
				evidence = append(evidence, ev)
			}
			if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordBatchDisposition, payload, evidence...); err != nil {
				return err
			}
			if err := emit(ctx, tx, &d, events.OpinionAnswered, events.SubjectComment, res.CommentIDs, now, map[string]any{
				"disposition": in.Kind, "count": res.Set}); err != nil {
				return err
			}
		}
		if in.Within != nil {
			return in.Within(ctx, tx, res)
		}
		return nil
	})
	if err != nil {
		return BatchDispositionResult{}, err
	}
	return res, nil
}

func uniqueIDs(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}
