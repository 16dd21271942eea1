package consultation

import (
	"context"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// AnalysisComment is a comment as text analysis reads it (themes, issue 19).
type AnalysisComment struct {
	ID            int64  `db:"id"`
	Receipt       string `db:"receipt"`
	ArticleAnchor string `db:"article_anchor"`
	GroupID       int64  `db:"group_id"`
	Stance        string `db:"stance"`
	Body          string `db:"body"`
	Status        string `db:"status"`
}

// CommentsForAnalysis returns the comments of a decision with an id above
// afterID that are not rejected (published and pending: staff analyse what
// arrived; only published ones are ever answered or quoted), oldest first,
// at most limit (0: all); with createdBefore set, only those created before
// it (an incremental reader stays a little behind the newest ids, whose
// transactions may not all have committed yet). It is a read path for packages beside
// consultation; the caller has checked that its actor may read the
// decision's comments. Campaign groups are settled first, so every comment
// carries its group.
func (s *Service) CommentsForAnalysis(ctx context.Context, decisionID, afterID int64, limit int, createdBefore time.Time) ([]AnalysisComment, error) {
	if err := s.settleGroups(ctx, decisionID); err != nil {
		return nil, err
	}
	return s.analysisComments(ctx, decisionID, afterID, limit, createdBefore, false)
}

// GroupedCommentsForAnalysis is CommentsForAnalysis for a reader that runs
// beside the comment checkpoint job (themes' join of new comments): it
// groups nothing itself and returns the comments up to, not including, the
// oldest one the checkpoint has not grouped yet, so a cursor over ids never
// passes a comment still waiting for its group. Grouping here instead would
// write each new comment row twice, once for its group and once more when
// the checkpoint seals it (grouping_batch.go: the checkpoint does both in one
// write), and spend the MinHash CPU in the reader's burst: at 1,000
// comments a second that raised submission's mean latency by 84% (issue 19,
// BENCHMARKS.md). The checkpoint groups every comment within
// CheckpointInterval of its arrival.
func (s *Service) GroupedCommentsForAnalysis(ctx context.Context, decisionID, afterID int64, limit int, createdBefore time.Time) ([]AnalysisComment, error) {
	return s.analysisComments(ctx, decisionID, afterID, limit, createdBefore, true)
}

func (s *Service) analysisComments(ctx context.Context, decisionID, afterID int64, limit int, createdBefore time.Time,
	groupedOnly bool) ([]AnalysisComment, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	var before *time.Time
	if !createdBefore.IsZero() {
		before = &createdBefore
	}
	// An ungrouped comment is unsealed: comments_unchecked_idx finds the
	// oldest in a few index pages.
	return pgrows.All[AnalysisComment](ctx, s.DB, `WITH waiting AS (
			SELECT min(id) AS id FROM comments WHERE $5 AND decision_id = $1 AND checkpoint_id IS NULL AND group_id IS NULL)
		SELECT c.id, c.receipt, coalesce(c.article_anchor, '') AS article_anchor, coalesce(c.group_id, 0) AS group_id,
			coalesce(c.stance, '') AS stance, c.body, c.status
		FROM comments c, waiting w
		WHERE c.decision_id = $1 AND c.id > $2 AND c.status <> 'rejected' AND ($4::timestamptz IS NULL OR c.created_at < $4)
			AND (w.id IS NULL OR c.id < w.id)
		ORDER BY c.id LIMIT $3`, decisionID, afterID, limit, before, groupedOnly)
}

// ConsultedArticles returns the articles of the draft version under (or
// last under) consultation, in reading order; none when the decision has
// had no consultation.
func (s *Service) ConsultedArticles(ctx context.Context, decisionID int64) ([]AnchoredArticle, error) {
	c, err := getLatestConsultation(ctx, s.DB, decisionID)
	if errs.HasCode(err, "consultation_not_found") {
		return []AnchoredArticle{}, nil
	}
	if err != nil {
		return nil, err
	}
	return versionArticles(ctx, s.DB, c.VersionID)
}
