package consultation

import (
	"context"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/jackc/pgx/v5"
)

// Reading comments: lists, single comments, receipts and statistics.

// WholeDraftAnchor in CommentFilter.ArticleAnchor selects the comments on
// the whole draft (anchors look like "a-3f9c01d2e4", so it cannot clash).
const WholeDraftAnchor = "whole"

// CommentFilter selects comments of a decision. Empty fields select all.
type CommentFilter struct {
	Status        CommentStatus
	ArticleAnchor string // an anchor, or WholeDraftAnchor
	Stance        string // support, oppose, suggestion, or "none"
	GroupID       int64
	Disposition   string // a DispositionKind, or "none" for not yet answered
	Limit         int
	Cursor        string
}

// CommentPage is one page of comments.
type CommentPage struct {
	Comments   []Comment
	NextCursor string
	// CommentsPublic reports whether the consultation shows published
	// comments publicly (consultations.show_comments); when it does not,
	// residents and visitors see only their own comments in the list.
	CommentsPublic bool
}

// commentReader says how an actor reads a decision's comments.
type commentReader struct {
	lead    bool  // staff of the lead unit: everything
	account int64 // the reader's account, 0 when anonymous
}

func readerOf(actor *identity.Account, d *Decision) commentReader {
	r := commentReader{lead: actor.IsStaffOf(d.LeadAgencyID)}
	if actor != nil {
		r.account = actor.ID
	}
	return r
}

// show fills in Own and redacts what the reader may not see.
func (r commentReader) show(c *Comment) {
	c.Own = r.account != 0 && c.AccountID == r.account
	if !r.lead && !c.Own {
		c.redactForPublic()
	}
}

// ListComments lists a decision's comments, oldest first. Staff of the lead
// unit see every comment and may filter by status, article, stance, group
// and disposition. Everyone else who may see the decision (anonymous
// visitors too) sees the published comments — only if the consultation
// shows comments publicly — and their own, with the same filters applied on
// top, under the author's pseudonym or chosen display name and without
// receipts. Codes: decision_not_found, invalid_cursor, invalid_filter.
func (s *Service) ListComments(ctx context.Context, actor *identity.Account, decisionID int64, f CommentFilter) (CommentPage, error) {
	after, err := cursor.Decode(f.Cursor)
	if err != nil {
		return CommentPage{}, err
	}
	d, err := s.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return CommentPage{}, err
	}
	r := readerOf(actor, &d)
	if f.GroupID != 0 {
		if err := s.settleGroups(ctx, d.ID); err != nil {
			return CommentPage{}, err
		}
	}
	where := []string{"c.decision_id = $1", "c.id > $2"}
	args := []any{d.ID, after}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch f.Status {
	case "":
	case CommentPending, CommentPublished, CommentRejected:
		where = append(where, "c.status = "+arg(f.Status))
	default:
		return CommentPage{}, errs.InvalidField("invalid_filter", "status", "状态只能是 pending、published 或 rejected")
	}
	switch f.ArticleAnchor {
	case "":
	case WholeDraftAnchor:
		where = append(where, "c.article_anchor IS NULL")
	default:
		where = append(where, "c.article_anchor = "+arg(f.ArticleAnchor))
	}
	switch {
	case f.Stance == "":
	case f.Stance == "none":
		where = append(where, "c.stance IS NULL")
	case CommentStanceNames[f.Stance] != "":
		where = append(where, "c.stance = "+arg(f.Stance))
	default:
		return CommentPage{}, errs.InvalidField("invalid_filter", "stance", "态度只能是 support、oppose、suggestion 或 none")
	}
	if f.GroupID != 0 {
		where = append(where, "c.group_id = "+arg(f.GroupID))
	}
	switch {
	case f.Disposition == "":
	case f.Disposition == "none":
		where = append(where, "p.comment_id IS NULL")
	case DispositionNames[DispositionKind(f.Disposition)] != "":
		where = append(where, "p.disposition = "+arg(f.Disposition))
	default:
		return CommentPage{}, errs.InvalidField("invalid_filter", "disposition", "处理结果只能是 adopted、partially_adopted、not_adopted、out_of_scope 或 none")
	}
	// The one visibility rule of the public list: published comments of a
	// consultation that shows them, and the reader's own.
	const published = `c.status = 'published' AND (SELECT k.show_comments FROM consultations k WHERE k.id = c.consultation_id)`
	switch {
	case r.lead:
	case r.account == 0:
		// An anonymous reader has no own comments. Without the OR the list
		// is read through comments_status_idx; with it PostgreSQL walked
		// the decision's comments in id order past every pending one: under
		// a flash crowd, whose comments wait for moderation, that is all
		// of them (issue 8: p50 76 ms in the load mix).
		where = append(where, published)
	default:
		where = append(where, `((`+published+`) OR c.account_id = `+arg(r.account)+`)`)
	}
	limit := cursor.Limit(f.Limit)
	list, err := queryComments(ctx, s.DB, "WHERE "+strings.Join(where, " AND ")+" ORDER BY c.id LIMIT "+arg(limit+1), args...)
	if err != nil {
		return CommentPage{}, err
	}
	page := CommentPage{Comments: list}
	if len(list) > limit {
		page.Comments = list[:limit]
		page.NextCursor = cursor.Encode(list[limit-1].ID)
	}
	for i := range page.Comments {
		r.show(&page.Comments[i])
	}
	if c, err := getLatestConsultation(ctx, s.DB, d.ID); err == nil {
		page.CommentsPublic = c.ShowComments
	} else if !errs.HasCode(err, "consultation_not_found") {
		return CommentPage{}, err
	}
	return page, nil
}

// GetComment returns one comment. The author and staff of the lead unit
// see it in any state; everyone else only a published comment of a
// consultation that shows comments publicly, without its receipt. Codes:
// comment_not_found.
func (s *Service) GetComment(ctx context.Context, actor *identity.Account, id int64) (Comment, error) {
	c, err := getComment(ctx, s.DB, id)
	if err != nil {
		return Comment{}, err
	}
	d, err := getDecision(ctx, s.DB, c.DecisionID, false)
	if err != nil {
		return Comment{}, err
	}
	if !canSee(actor, &d) {
		return Comment{}, errCommentNotFound
	}
	r := readerOf(actor, &d)
	r.show(&c)
	if r.lead || c.Own {
		return c, nil
	}
	var show bool
	if err := s.DB.QueryRow(ctx, `SELECT show_comments FROM consultations WHERE id = $1`, c.ConsultationID).Scan(&show); err != nil {
		return Comment{}, errs.Internal(err)
	}
	if c.Status != CommentPublished || !show {
		return Comment{}, errCommentNotFound
	}
	return c, nil
}

// GetCommentByReceipt returns what the holder of a receipt number may see,
// signed in or not: the comment's status (with the rejection reason), and,
// once it is published, its text, article and the lead unit's reply. A
// receipt is a bearer secret — the resident keeps it to follow their
// comment without signing in — but it unlocks nothing the process record
// does not show publicly anyway (moderation entries carry the receipt, and
// the text of published comments): the text of a pending or rejected comment
// is never shown for a receipt. The receipt is matched as the resident may
// have typed it (NormalizeReceipt). Codes: comment_not_found.
func (s *Service) GetCommentByReceipt(ctx context.Context, receipt string) (Comment, error) {
	receipt = NormalizeReceipt(receipt)
	if !validReceipt(receipt) {
		return Comment{}, errCommentNotFound
	}
	list, err := queryComments(ctx, s.DB, `WHERE c.receipt = $1`, receipt)
	if err != nil {
		return Comment{}, err
	}
	if len(list) == 0 {
		return Comment{}, errCommentNotFound
	}
	c := list[0]
	c.AccountID = 0
	if c.Status != CommentPublished {
		c.Body, c.BodyHash, c.AuthorName = "", "", ""
		c.Disposition, c.DispositionReason, c.DisposedAt = "", "", nil
		c.ChangedVersion, c.ChangedArticles = nil, nil
	}
	return c, nil
}

// CommentStatistics are the counts of a decision's comments. The public
// figures count published comments only; Internal is filled in for staff of
// the lead unit.
type CommentStatistics struct {
	DecisionID int64
	// Published is the number of published comments; Participants the
	// number of residents who wrote them.
	Published    int
	Participants int
	// ByArticle counts published comments per article, the whole draft
	// (empty anchor) first, then in article order.
	ByArticle []ArticleCommentCount
	// ByStance counts published comments per stance; "none" for no stance.
	ByStance []StanceCommentCount
	Internal *InternalCommentCounts
}

// ArticleCommentCount is the number of published comments on one article.
type ArticleCommentCount struct {
	ArticleAnchor string `db:"article_anchor"`
	ArticleLabel  string `db:"article_label"`
	ArticleNumber int    `db:"article_number"`
	Count         int    `db:"count"`
}

// StanceCommentCount is the number of published comments with one stance.
type StanceCommentCount struct {
	Stance string `db:"stance"`
	Count  int    `db:"count"`
}

// InternalCommentCounts are the counts only the lead unit sees.
type InternalCommentCounts struct {
	Total    int
	Pending  int
	Rejected int
	Groups   int
	Disposed int
}

// CommentStatistics counts a decision's comments. Anyone who may see the
// decision may call it: the counts of published comments are public even
// when the comments themselves are not shown (issue 4); staff of the lead
// unit also get the pending, rejected, group and disposition counts. Codes:
// decision_not_found.
func (s *Service) CommentStatistics(ctx context.Context, actor *identity.Account, decisionID int64) (CommentStatistics, error) {
	d, err := s.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return CommentStatistics{}, err
	}
	st := CommentStatistics{DecisionID: d.ID}
	err = inSnapshot(ctx, s.DB, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT account_id) FROM comments WHERE decision_id = $1 AND status = 'published'`,
			d.ID).Scan(&st.Published, &st.Participants); err != nil {
			return errs.Internal(err)
		}
		var err error
		if st.ByArticle, err = pgrows.All[ArticleCommentCount](ctx, tx,
			`SELECT coalesce(c.article_anchor, '') AS article_anchor, coalesce(max(a.label), '') AS article_label,
			coalesce(max(a.number), 0) AS article_number, count(*)::int AS count
			FROM comments c LEFT JOIN draft_articles a ON a.version_id = c.version_id AND a.anchor = c.article_anchor
			WHERE c.decision_id = $1 AND c.status = 'published' GROUP BY 1 ORDER BY 3, 1`, d.ID); err != nil {
			return err
		}
		byStance, err := pgrows.All[StanceCommentCount](ctx, tx,
			`SELECT coalesce(stance, 'none') AS stance, count(*)::int AS count FROM comments
			WHERE decision_id = $1 AND status = 'published' GROUP BY 1`, d.ID)
		if err != nil {
			return err
		}
		counts := map[string]int{}
		for _, c := range byStance {
			counts[c.Stance] = c.Count
		}
		for _, k := range append(append([]string{}, CommentStances...), "none") {
			st.ByStance = append(st.ByStance, StanceCommentCount{Stance: k, Count: counts[k]})
		}
		if !actor.IsStaffOf(d.LeadAgencyID) {
			return nil
		}
		in := &InternalCommentCounts{}
		if err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'rejected'),
			(SELECT count(*) FROM comment_groups WHERE decision_id = $1),
			(SELECT count(*) FROM comment_dispositions WHERE decision_id = $1)
			FROM comments WHERE decision_id = $1`, d.ID).Scan(&in.Total, &in.Pending, &in.Rejected, &in.Groups, &in.Disposed); err != nil {
			return errs.Internal(err)
		}
		st.Internal = in
		return nil
	})
	if st.ByArticle == nil {
		st.ByArticle = []ArticleCommentCount{}
	}
	return st, err
}

// LocateCommentArticle returns the article a comment was made on as it
// stands in version `number` of the draft, found by the comment's anchor, so
// that a comment on the version under consultation can be read against a
// later version (the anchor survives renumbering, moves and light edits;
// see AssignAnchors). Whoever may read the comment and the version may call
// it. Codes: comment_not_found, comment_on_whole_draft, draft_version_not_found,
// article_not_in_version.
func (s *Service) LocateCommentArticle(ctx context.Context, actor *identity.Account, commentID int64, number int) (AnchoredArticle, error) {
	c, err := s.GetComment(ctx, actor, commentID)
	if err != nil {
		return AnchoredArticle{}, err
	}
	if c.ArticleAnchor == "" {
		return AnchoredArticle{}, errs.Conflict("comment_on_whole_draft", "该意见针对草案整体，不针对某一条")
	}
	v, err := s.GetDraftVersion(ctx, actor, c.DecisionID, number)
	if err != nil {
		return AnchoredArticle{}, err
	}
	for _, a := range v.Articles {
		if a.Anchor == c.ArticleAnchor {
			return a, nil
		}
	}
	return AnchoredArticle{}, errs.NotFound("article_not_in_version", "该条在这一版草案中已删除或被改写")
}
