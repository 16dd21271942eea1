package consultation

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// RecordRevisionAfterUnlawful is the record kind of the lead unit's decision
// to revise the draft after an unlawful conclusion.
const RecordRevisionAfterUnlawful RecordKind = "revision_after_unlawful_conclusion"

// ReviseAfterUnlawfulConclusion takes a decision whose package was concluded
// unlawful back to handling, where the lead unit changes the draft (a new
// version) and submits a new package (Decree 713 Art. 25, 28: a draft found
// unlawful may not be submitted for discussion; the lead unit adjusts it to
// the review conclusion). It is separate from the return of a package
// (退回, before a conclusion) and has its own record entry. Only staff of
// the lead unit may call it. Codes: legality_review_not_found,
// not_lead_unit_staff, reason_required, reason_too_long (422),
// conclusion_not_unlawful, stage_transition_not_allowed (409).
func (s *Service) ReviseAfterUnlawfulConclusion(ctx context.Context, actor *identity.Account, reviewID int64, reason string) (LegalityReview, error) {
	reason, err := limitText("reason", "reason", "修改草案的说明", reason, MaxReviewReasonRunes, true)
	if err != nil {
		return LegalityReview{}, err
	}
	return s.reviewStep(ctx, actor, reviewID, requireReviewLead, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		conclusions, err := reviewConclusions(ctx, tx, "review_id = $1", r.ID)
		if err != nil {
			return err
		}
		if r.Status != ReviewConcluded || len(conclusions) == 0 || conclusions[len(conclusions)-1].Outcome != OutcomeUnlawful {
			return errs.Conflict("conclusion_not_unlawful", "只有审查意见为“不合法”时，才能据此修改草案并重新送审；审查意见作出前请由审查部门退回")
		}
		if d.Status != StatusUnderReview {
			return errs.Conflict("stage_transition_not_allowed", "决策事项处于"+StatusNames[d.Status]+"阶段，不能据审查意见修改草案")
		}
		c := conclusions[len(conclusions)-1]
		if _, err := s.appendRecord(ctx, tx, d.ID, actor, RecordRevisionAfterUnlawful, map[string]any{
			"review_id": r.ID, "conclusion_seq": c.RecordSeq, "version_hash": r.VersionHash, "reason": reason}); err != nil {
			return err
		}
		return s.transition(ctx, tx, actor, &d, StatusHandling, map[string]any{"review_id": r.ID, "reason": reason, "after": "unlawful_conclusion"})
	})
}
