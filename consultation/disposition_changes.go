package consultation

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// DispositionInput is the answer to one comment: the disposition, its
// public reason and, optionally, the articles of the latest draft version
// that were changed because of the opinion (issue 17).
type DispositionInput struct {
	Kind   DispositionKind
	Reason string
	// ChangedArticles are anchors of articles of the latest draft
	// version, which must be later than the version consulted on.
	ChangedArticles []string
}

// MaxChangedArticles bounds the articles one disposition can name.
const MaxChangedArticles = 50

// changedArticles is a checked list of changed articles; version is nil
// when the disposition names none.
type changedArticles struct {
	version *int
	anchors []string
}

// checkChangedArticles checks that the anchors name articles of the
// decision's latest draft version, and that that version is later than the
// one the comment was made on (a change is made in a new version).
func checkChangedArticles(ctx context.Context, tx pgx.Tx, commentID int64, anchors []string) (changedArticles, error) {
	out := changedArticles{anchors: []string{}}
	seen := map[string]bool{}
	for _, a := range anchors {
		if a = strings.TrimSpace(a); a != "" && !seen[a] {
			seen[a] = true
			out.anchors = append(out.anchors, a)
		}
	}
	if len(out.anchors) == 0 {
		return out, nil
	}
	if len(out.anchors) > MaxChangedArticles {
		return out, errs.InvalidField("too_many_changed_articles", "changed_articles", "一条意见最多关联50个修改的条文")
	}
	var commented, latest int
	var latestID int64
	err := tx.QueryRow(ctx, `SELECT cv.number, lv.number, lv.id
		FROM comments c JOIN draft_versions cv ON cv.id = c.version_id
		JOIN LATERAL (SELECT id, number FROM draft_versions WHERE decision_id = c.decision_id ORDER BY number DESC LIMIT 1) lv ON true
		WHERE c.id = $1`, commentID).Scan(&commented, &latest, &latestID)
	if err != nil {
		return out, errs.Internal(err)
	}
	if latest <= commented {
		return out, errs.InvalidField("revised_version_required", "changed_articles",
			"请先上传根据意见修改后的草案版本，再关联修改的条文")
	}
	var found int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM draft_articles WHERE version_id = $1 AND anchor = ANY($2)`,
		latestID, out.anchors).Scan(&found); err != nil {
		return out, errs.Internal(err)
	}
	if found != len(out.anchors) {
		return out, errs.InvalidField("changed_article_not_found", "changed_articles", "所选条文不在最新的草案版本中")
	}
	out.version = &latest
	return out, nil
}

// OpinionBehindChange is a published comment whose disposition says it
// changed an article of a draft version.
type OpinionBehindChange struct {
	CommentID    int64  `db:"comment_id"`
	Receipt      string `db:"receipt"`
	AuthorName   string `db:"author_name"`
	ArticleLabel string `db:"article_label"`
	Body         string `db:"body"`
	Disposition  string `db:"disposition"`
	Reason       string `db:"reason"`
	Anchor       string `db:"anchor"`
}

// OpinionsBehindChanges lists, for each article of the decision's draft
// version number, the published comments whose disposition names it as
// changed, oldest first. Anyone who may see the decision may call it; only
// published comments are included. Codes: decision_not_found.
func (s *Service) OpinionsBehindChanges(ctx context.Context, actor *identity.Account, decisionID int64, version int) (map[string][]OpinionBehindChange, error) {
	if _, _, err := s.visibleDecision(ctx, actor, decisionID); err != nil {
		return nil, err
	}
	list, err := pgrows.All[OpinionBehindChange](ctx, s.DB, `SELECT c.id AS comment_id, c.receipt,
		`+authorName+` AS author_name,
		coalesce(a.label, '') AS article_label, c.body, p.disposition, p.reason, ch.anchor
		FROM comment_dispositions p
		CROSS JOIN LATERAL unnest(p.changed_articles) AS ch(anchor)
		JOIN comments c ON c.id = p.comment_id
		JOIN accounts acc ON acc.id = c.account_id
		LEFT JOIN organisation_comments oc ON oc.comment_id = c.id LEFT JOIN organisations org ON org.id = oc.organisation_id
		LEFT JOIN draft_articles a ON a.version_id = c.version_id AND a.anchor = c.article_anchor
		WHERE p.decision_id = $1 AND p.changed_version = $2 AND c.status = 'published'
		ORDER BY c.id`, decisionID, version)
	if err != nil {
		return nil, err
	}
	out := map[string][]OpinionBehindChange{}
	for _, o := range list {
		out[o.Anchor] = append(out[o.Anchor], o)
	}
	return out, nil
}
