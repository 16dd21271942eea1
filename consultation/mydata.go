package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// A resident's own data (DOMAIN.md, "Personal information"): the comments
// they wrote with their status and the reply, and the deletion of their
// personal data (PIPL Art. 47), which anonymises the comments instead of
// removing them: Decree 713 Art. 33 keeps the record of the procedure
// complete, and a published adoption report must keep adding up.

// MyComment is one of the resident's own comments with how it was handled.
type MyComment struct {
	ID              int64     `db:"id"`
	DecisionID      int64     `db:"decision_id"`
	DecisionTitle   string    `db:"decision_title"`
	Receipt         string    `db:"receipt"`
	ArticleAnchor   string    `db:"article_anchor"`
	ArticleLabel    string    `db:"article_label"`
	Stance          string    `db:"stance"`
	Body            string    `db:"body"`
	Status          string    `db:"status"`
	RejectionReason string    `db:"rejection_reason"`
	CreatedAt       time.Time `db:"created_at"`
	// Disposition, DispositionReason and RepliedAt are the reply, empty
	// until there is one. It is shown as soon as it is given, as on the
	// receipt lookup and the comment lists; ReportPublished says whether it
	// is final (the adoption report is published) or may still be revised.
	ReportPublished   bool            `db:"report_published"`
	Disposition       DispositionKind `db:"disposition"`
	DispositionReason string          `db:"disposition_reason"`
	RepliedAt         *time.Time      `db:"replied_at"`
	// ChangedVersion and ChangedArticles say where the opinion changed
	// the text: anchors of articles of that draft version (issue 17).
	ChangedVersion  *int     `db:"changed_version"`
	ChangedArticles []string `db:"changed_articles"`
	// VersionNumber is the draft version the comment was made on.
	VersionNumber int `db:"version_number"`
}

// ListMyComments lists the actor's own comments, newest first, with the
// decision's title, the moderation status and the disposition with its
// reason (the reply), and whether the reply is final. Any signed-in
// account may call it for itself. Codes: authentication_required,
// invalid_cursor.
func (s *Service) ListMyComments(ctx context.Context, actor *identity.Account, limit int, cur string) ([]MyComment, string, error) {
	if actor == nil {
		return nil, "", errs.Unauthenticated("authentication_required", "请先登录")
	}
	before, err := cursor.Decode(cur)
	if err != nil {
		return nil, "", err
	}
	limit = cursor.Limit(limit)
	rows, err := s.DB.Query(ctx, `SELECT c.id, c.decision_id, d.title AS decision_title, c.receipt,
		coalesce(c.article_anchor, '') AS article_anchor, coalesce(da.label, '') AS article_label, coalesce(c.stance, '') AS stance,
		c.body, c.status, coalesce(c.rejection_reason, '') AS rejection_reason, c.created_at,
		coalesce(r.status = 'published', false) AS report_published,
		coalesce(p.disposition, '') AS disposition, coalesce(p.reason, '') AS disposition_reason, p.decided_at AS replied_at,
		p.changed_version, coalesce(p.changed_articles, '{}') AS changed_articles, cv.number AS version_number
		FROM comments c
		JOIN draft_versions cv ON cv.id = c.version_id
		JOIN decisions d ON d.id = c.decision_id
		LEFT JOIN draft_articles da ON da.version_id = c.version_id AND da.anchor = c.article_anchor
		LEFT JOIN comment_dispositions p ON p.comment_id = c.id
		LEFT JOIN adoption_reports r ON r.consultation_id = c.consultation_id
		WHERE c.account_id = $1 AND ($2 = 0 OR c.id < $2)
		ORDER BY c.id DESC LIMIT $3`, actor.ID, before, limit+1)
	out, next, err := cursor.Collect(rows, err, limit, pgx.RowToStructByName[MyComment], func(v MyComment) int64 { return v.ID })
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		if out[i].ArticleAnchor == "" {
			out[i].ArticleLabel = wholeDraftLabel
		}
	}
	return out, next, nil
}

// DataDeletion says what DeleteMyData did.
type DataDeletion struct {
	CommentsAnonymised int
	Decisions          int
	DeletedAt          time.Time
}

// DeletedFeedbackBody replaces the text of implementation feedback whose
// author deleted their data.
const DeletedFeedbackBody = "（提出人已删除个人数据，意见内容已删除）"

// DeleteMyData deletes the resident's personal data (PIPL Art. 47). Their
// comments stay, text included, with their status, group and disposition,
// so statistics and published adoption reports still add up and the
// checkpoints over the texts still verify; what tied them to the person is
// cut: the name is no longer shown, the client address is cleared, the
// text and address of their implementation feedback are deleted, and the
// account becomes a tombstone (identity.DeleteAccountData: no phone,
// e-mail, name or password, a new pseudonym, every session revoked). The
// phone number may register again, as a new account with no link to the
// old comments. Every decision the resident commented on gets a
// personal_data_deleted record entry with the count only. Only a resident
// may call it, for their own account, with confirm set. Codes:
// authentication_required, forbidden_role, confirmation_required.
func (s *Service) DeleteMyData(ctx context.Context, actor *identity.Account, confirm bool) (DataDeletion, error) {
	// Staff accounts are tied to official acts in the record; an admin
	// closes them instead.
	if err := identity.RequireRole(actor, identity.RoleResident); err != nil {
		return DataDeletion{}, err
	}
	if !confirm {
		return DataDeletion{}, errs.InvalidField("confirmation_required", "confirm", "删除个人数据后账号将无法恢复，请确认后再提交")
	}
	out := DataDeletion{DeletedAt: s.now().Truncate(time.Microsecond)}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT decision_id, count(*)::int FROM comments WHERE account_id = $1
			GROUP BY decision_id ORDER BY decision_id`, actor.ID)
		if err != nil {
			return errs.Internal(err)
		}
		type affected struct{ decisionID, comments int64 }
		var list []affected
		var a affected
		if _, err := pgx.ForEachRow(rows, []any{&a.decisionID, &a.comments}, func() error { list = append(list, a); return nil }); err != nil {
			return errs.Internal(err)
		}
		// Decisions are locked in ascending id, the order every other
		// multi-decision lock would take, before their records grow.
		for _, a := range list {
			if _, err := lockDecision(ctx, tx, a.decisionID); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE comments SET show_name = false, client_addr = '', anonymised_at = coalesce(anonymised_at, $2)
			WHERE account_id = $1`, actor.ID, out.DeletedAt)
		if err != nil {
			return errs.Internal(err)
		}
		out.CommentsAnonymised = int(tag.RowsAffected())
		// Implementation feedback (Art. 35) is not part of any published
		// tally: its text goes with the address. The row stays, so counts
		// and the record entry (which holds only the text's hash) still
		// add up.
		if _, err := tx.Exec(ctx, `UPDATE implementation_feedback SET body = $2, client_addr = '' WHERE account_id = $1`,
			actor.ID, DeletedFeedbackBody); err != nil {
			return errs.Internal(err)
		}
		// A comment typed while signed out, kept for the sign-in
		// (comment_drafts), goes with the rest.
		if _, err := tx.Exec(ctx, `DELETE FROM comment_drafts WHERE account_id = $1`, actor.ID); err != nil {
			return errs.Internal(err)
		}
		out.Decisions = len(list)
		if err := identity.DeleteAccountData(ctx, tx, actor.ID, out.DeletedAt); err != nil {
			return err
		}
		for _, a := range list {
			if _, err := s.appendRecord(ctx, tx, a.decisionID, actor, RecordPersonalDataDeleted, map[string]any{
				"basis": "PIPL Art. 47", "comments_anonymised": a.comments}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return DataDeletion{}, err
	}
	return out, nil
}
