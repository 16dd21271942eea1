package consultation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Comment drafts: a resident's session lasts 24 hours, and one that ran out
// while they typed sent their comment form to the sign-in page, where the
// text was lost. The form's post is kept server-side instead, keyed by a
// random token the browser holds (web: an HttpOnly cookie, never in a URL,
// so nothing of it reaches logs, history or a Referer), and offered back on
// the same form after the sign-in, to the same account only, to be checked
// and submitted by the resident (never submitted for them). Kept
// server-side rather than in the browser's storage because it must work
// without JavaScript and on the old phone browsers residents use.
const (
	// CommentDraftTTL is how long a draft is kept: the sign-in, a forgotten
	// password reset by SMS and coming back fit well within it.
	CommentDraftTTL = 2 * time.Hour
	// maxDraftsPerClient is how many live drafts one client address may
	// leave (the post is anonymous: a bound on what it can store).
	maxDraftsPerClient = 20
)

// CommentDraftInput is a comment form posted without a valid session.
type CommentDraftInput struct {
	DecisionID    int64
	ArticleAnchor string
	Stance        string
	Body          string
	ShowName      bool
	// AccountID is the account the form was shown to (the form says so);
	// only that account gets the draft back.
	AccountID int64
	// ClientAddr is where the post came from (the per-address bound).
	ClientAddr string
}

// CommentDraft is a kept comment form.
type CommentDraft struct {
	DecisionID    int64
	ArticleAnchor string
	Stance        string
	Body          string
	ShowName      bool
}

func draftTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SaveCommentDraft keeps a comment form posted after the session ran out
// and returns the token that gets it back (CommentDraftTTL). Anyone may
// call it: the post comes signed out. Nothing is kept (draft_not_kept)
// for an empty text or one far beyond a comment's limit, for a form not
// shown to an account, an unknown decision, or past maxDraftsPerClient
// live drafts from the address.
func (s *Service) SaveCommentDraft(ctx context.Context, in CommentDraftInput) (string, error) {
	notKept := errs.Invalid("draft_not_kept", "意见草稿未保存")
	if in.AccountID <= 0 || !visibleText(in.Body) || utf8.RuneCountInString(in.Body) > 2*MaxCommentRunes ||
		len(in.ArticleAnchor) > 200 || len(in.Stance) > 32 {
		return "", notKept
	}
	token := rand.Text()
	now := s.now()
	client := identityHash(in.ClientAddr)
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM comment_drafts WHERE expires_at < $1`, now); err != nil {
			return errs.Internal(err)
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM comment_drafts WHERE client_key = $1`, client).Scan(&n); err != nil {
			return errs.Internal(err)
		}
		if n >= maxDraftsPerClient {
			return notKept
		}
		tag, err := tx.Exec(ctx, `INSERT INTO comment_drafts (token_hash, decision_id, account_id, article_anchor, stance, body,
			show_name, client_key, created_at, expires_at)
			SELECT $1, d.id, a.id, $4, $5, $6, $7, $8, $9, $10 FROM decisions d, accounts a WHERE d.id = $2 AND a.id = $3`,
			draftTokenHash(token), in.DecisionID, in.AccountID, in.ArticleAnchor, in.Stance, in.Body, in.ShowName, client,
			now, now.Add(CommentDraftTTL))
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			return notKept
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// CommentDraftFor returns the draft kept under token for the comment form
// of the decision, to the account it was kept for. Codes:
// authentication_required, comment_draft_not_found (none, expired,
// another decision's, or another account's: that one is deleted, so a
// shared browser does not show it to the next person).
func (s *Service) CommentDraftFor(ctx context.Context, actor *identity.Account, decisionID int64, token string) (CommentDraft, error) {
	if actor == nil {
		return CommentDraft{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	var d CommentDraft
	var owner int64
	err := s.DB.QueryRow(ctx, `SELECT decision_id, article_anchor, stance, body, show_name, account_id FROM comment_drafts
		WHERE token_hash = $1 AND expires_at > $2`, draftTokenHash(token), s.now()).
		Scan(&d.DecisionID, &d.ArticleAnchor, &d.Stance, &d.Body, &d.ShowName, &owner)
	notFound := errs.NotFound("comment_draft_not_found", "没有保存的意见草稿")
	if errors.Is(err, pgx.ErrNoRows) {
		return CommentDraft{}, notFound
	}
	if err != nil {
		return CommentDraft{}, errs.Internal(err)
	}
	if owner != actor.ID {
		if err := s.DiscardCommentDraft(ctx, token); err != nil {
			return CommentDraft{}, err
		}
		return CommentDraft{}, notFound
	}
	if d.DecisionID != decisionID {
		return CommentDraft{}, notFound
	}
	return d, nil
}

// DiscardCommentDraft deletes the draft kept under token (submitted, or not
// the reader's). Anyone holding the token may call it.
func (s *Service) DiscardCommentDraft(ctx context.Context, token string) error {
	if _, err := s.DB.Exec(ctx, `DELETE FROM comment_drafts WHERE token_hash = $1`, draftTokenHash(token)); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// identityHash keys a client address without keeping it.
func identityHash(addr string) string {
	h := sha256.Sum256([]byte("comment-draft:" + addr))
	return hex.EncodeToString(h[:8])
}
