package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
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
	if limit <= 0 {
		limit = 1 << 30
	}
	var before *time.Time
	if !createdBefore.IsZero() {
		before = &createdBefore
	}
	rows, err := s.DB.Query(ctx, `SELECT id, receipt, coalesce(article_anchor, '') AS article_anchor, coalesce(group_id, 0) AS group_id,
			coalesce(stance, '') AS stance, body, status
		FROM comments WHERE decision_id = $1 AND id > $2 AND status <> 'rejected' AND ($4::timestamptz IS NULL OR created_at < $4)
		ORDER BY id LIMIT $3`, decisionID, afterID, limit, before)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[AnalysisComment])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
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
