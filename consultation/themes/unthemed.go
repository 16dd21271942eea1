package themes

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Unthemed is a page of the comments the latest analysis placed in no
// theme: those close to none when it ran, and those that arrived later
// and joined none (JoinNewComments leaves them until the next full
// analysis). Staff must still answer them (Decree 713 Art. 18), so they
// are listed apart rather than lost from the board.
type Unthemed struct {
	Analysis Analysis
	// Total counts them (not rejected); Waiting counts the comments that
	// arrived after the analysis and that the join has not read yet.
	Total, Waiting int
	Comments       []ThemeComment
	NextCursor     string
	// Offline are the offline opinions (letters, the 12345 hotline, …)
	// the analysis placed in no theme, all of them (a decision receives
	// them by the dozen, not by the thousand), in the order entered.
	Offline []OfflineOpinion
}

// unthemedWhere selects, among comments c, those of decision $1 that the
// analysis $2 has read and that are in none of its themes.
const unthemedWhere = `c.decision_id = $1 AND c.status <> 'rejected'
	AND c.id <= (SELECT last_comment_id FROM theme_analyses WHERE id = $2)
	AND NOT EXISTS (SELECT 1 FROM theme_members m JOIN themes t ON t.id = m.theme_id
		WHERE m.comment_id = c.id AND m.removed_at IS NULL AND t.analysis_id = $2 AND t.status = 'active')`

// ListUnthemed lists a page of the comments in no theme of the decision's
// latest analysis, oldest first. Readers as ListThemes. Codes:
// decision_not_found, authentication_required, themes_not_visible,
// theme_analysis_not_found, invalid_cursor.
func (s *Service) ListUnthemed(ctx context.Context, actor *identity.Account, decisionID int64, limit int, cursor string) (Unthemed, error) {
	if _, err := s.readable(ctx, actor, decisionID); err != nil {
		return Unthemed{}, err
	}
	a, err := s.getAnalysis(ctx, decisionID)
	if err != nil {
		return Unthemed{}, err
	}
	out := Unthemed{Analysis: a, Comments: []ThemeComment{}}
	limit, offset, err := pageOf(limit, cursor)
	if err != nil {
		return out, err
	}
	if err := s.DB.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM comments c WHERE `+unthemedWhere+`)::int,
			(SELECT count(*) FROM comments c WHERE c.decision_id = $1 AND c.status <> 'rejected'
				AND c.id > (SELECT last_comment_id FROM theme_analyses WHERE id = $2))::int`, decisionID, a.ID).
		Scan(&out.Total, &out.Waiting); err != nil {
		return out, errs.Internal(err)
	}
	labels, err := s.articleLabels(ctx, decisionID)
	if err != nil {
		return out, err
	}
	if out.Offline, err = s.unthemedOffline(ctx, a.ID, decisionID, labels); err != nil {
		return out, err
	}
	rows, err := s.DB.Query(ctx, `SELECT c.id, c.receipt, coalesce(c.article_anchor, ''), coalesce(c.stance, ''), c.body, c.status,
			coalesce(c.group_id, 0), coalesce(p.disposition, ''), coalesce(p.reason, '')
		FROM comments c LEFT JOIN comment_dispositions p ON p.comment_id = c.id
		WHERE `+unthemedWhere+` ORDER BY c.id LIMIT $3 OFFSET $4`, decisionID, a.ID, limit+1, offset)
	if err != nil {
		return out, errs.Internal(err)
	}
	var c ThemeComment
	var disp string
	if _, err := pgx.ForEachRow(rows, []any{&c.ID, &c.Receipt, &c.ArticleAnchor, &c.Stance, &c.Body, &c.Status, &c.GroupID,
		&disp, &c.Reason}, func() error {
		c.Disposition = consultation.DispositionKind(disp)
		c.Stance = Stance(c.Stance, c.Body)
		c.ArticleLabel = labels.label(c.ArticleAnchor)
		out.Comments = append(out.Comments, c)
		return nil
	}); err != nil {
		return out, errs.Internal(err)
	}
	if len(out.Comments) > limit {
		out.Comments = out.Comments[:limit]
		out.NextCursor = strconv.Itoa(offset + limit)
	}
	return out, nil
}

// AddComments puts comments that are in no theme of the latest analysis
// into a theme of it (staff's decision, like a move). One record entry
// with the receipts. Only staff of the lead unit. Codes: theme_not_found,
// not_lead_unit_staff, theme_merged, theme_analysis_outdated,
// comments_required, too_many_comments, comment_not_unthemed (a comment of
// another decision, rejected, or already in a theme: move it from there),
// comment_awaiting_join (it arrived after the analysis and the system has
// not placed it yet).
func (s *Service) AddComments(ctx context.Context, actor *identity.Account, themeID int64, commentIDs []int64) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, themeID)
	if err != nil {
		return Theme{}, err
	}
	ids, err := checkMoved(commentIDs)
	if err != nil {
		return Theme{}, err
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		t, err := lockedTheme(ctx, tx, themeID, d.ID)
		if err != nil {
			return err
		}
		// The join advances last_comment_id under this row's lock, so a
		// comment at or below it is never placed by the machine again.
		var waiting int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM comments c WHERE c.id = ANY($1) AND c.decision_id = $2
				AND c.id > (SELECT last_comment_id FROM theme_analyses WHERE id = $3 FOR SHARE)`, ids, d.ID, t.analysisID).
			Scan(&waiting); err != nil {
			return errs.Internal(err)
		}
		if waiting > 0 {
			return errs.Conflict("comment_awaiting_join", "所选意见中有分析后新收到、系统尚未归类的意见，请过一分钟再试")
		}
		rows, err := tx.Query(ctx, `SELECT c.id, c.receipt FROM comments c WHERE c.id = ANY($3) AND `+unthemedWhere+` ORDER BY c.id`,
			d.ID, t.analysisID, ids)
		if err != nil {
			return errs.Internal(err)
		}
		var receipts []string
		var id int64
		var receipt string
		if _, err := pgx.ForEachRow(rows, []any{&id, &receipt}, func() error { receipts = append(receipts, receipt); return nil }); err != nil {
			return errs.Internal(err)
		}
		if len(receipts) != len(ids) {
			return errs.InvalidField("comment_not_unthemed", "comment_ids", "所选意见并非都未归入主题；已在主题中的意见请到所在主题的页面移动")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO theme_members (theme_id, comment_id, similarity, is_primary, added_by, added_at)
			SELECT $1, unnest($2::bigint[]), 0, true, 'staff', $3
			ON CONFLICT (theme_id, comment_id) DO UPDATE SET removed_at = NULL, removed_by = NULL, is_primary = true,
				added_by = 'staff', added_at = EXCLUDED.added_at`, themeID, ids, s.now()); err != nil {
			return errs.Internal(err)
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemeCommentsAdded, map[string]any{
			"to": themeID, "comment_ids": ids, "receipts": receipts})
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, themeID, d.ID)
}

// unthemedOffline places the decision's offline opinions and returns
// those in no theme, in the order entered.
func (s *Service) unthemedOffline(ctx context.Context, analysisID, decisionID int64, labels articleLabeller) ([]OfflineOpinion, error) {
	ops, err := s.placeOffline(ctx, analysisID, decisionID)
	if err != nil || len(ops) == 0 {
		return []OfflineOpinion{}, err
	}
	byID := make(map[int64]hearing.OfflineOpinion, len(ops))
	for _, o := range ops {
		byID[o.ID] = o
	}
	out := []OfflineOpinion{}
	if err := s.readPlacements(ctx, analysisID, byID, labels, func(tid *int64, o OfflineOpinion) {
		if tid == nil {
			out = append(out, o)
		}
	}); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b OfflineOpinion) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
