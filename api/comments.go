package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// CommentView is a public comment (公众意见) as the API shows it. Text is
// returned exactly as submitted, HTML and all: it is never escaped or
// stripped here, and a client that renders it must treat it as text.
type CommentView struct {
	ID                int64      `json:"id"`
	DecisionID        int64      `json:"decision_id"`
	VersionNumber     int        `json:"version_number" doc:"The draft version under consultation that the comment is on."`
	ArticleAnchor     string     `json:"article_anchor" doc:"Stable anchor of the article commented on; empty for the whole draft."`
	ArticleLabel      string     `json:"article_label" doc:"The article's label in that version, e.g. 第三条; empty for the whole draft."`
	ArticleNumber     int        `json:"article_number" doc:"The article's position in that version; 0 for the whole draft."`
	AuthorName        string     `json:"author_name" doc:"The author's pseudonym, or display name if they chose to show it; for a comment an organisation submitted on its own behalf (submit-organisation-comment), the organisation's name. Never a phone number."`
	SignatoryCount    int        `json:"signatory_count,omitempty" doc:"For an organisation's comment: how many people it speaks for (the organisation's signatory count). Absent for a resident's own comment."`
	Receipt           string     `json:"receipt,omitempty" doc:"Receipt number, e.g. YJ-20261125-7K3Q9M2X; only for the author and the lead unit. Keep it: it looks the comment up without signing in."`
	Stance            string     `json:"stance" enum:"support,oppose,suggestion," doc:"支持, 反对, 建议, or empty."`
	Body              string     `json:"body" doc:"The text as submitted (plain text; render it escaped). Empty for a receipt lookup of a comment that is not published."`
	BodyHash          string     `json:"body_hash,omitempty" doc:"Hex SHA-256 of the text as submitted, sealed into the process record by a checkpoint."`
	ShowName          bool       `json:"show_name"`
	Status            string     `json:"status" enum:"pending,published,rejected"`
	StatusName        string     `json:"status_name"`
	RejectionReason   string     `json:"rejection_reason,omitempty" enum:"spam,abuse,personal_information,off_topic,duplicate_submission,"`
	GroupID           int64      `json:"group_id,omitempty" doc:"The group of identical or near-identical comments it belongs to. Comments join their groups within seconds of submission (absent until then); the comment-groups list always includes every comment."`
	Disposition       string     `json:"disposition,omitempty" enum:"adopted,partially_adopted,not_adopted,out_of_scope," doc:"The lead unit's answer (意见处理)."`
	DispositionReason string     `json:"disposition_reason,omitempty" doc:"The reason given with the answer."`
	DisposedAt        *time.Time `json:"disposed_at,omitempty"`
	Own               bool       `json:"own" doc:"Whether the caller wrote it."`
	Anonymised        bool       `json:"anonymised" doc:"The author deleted their data; the text was anonymised."`
	Sealed            bool       `json:"sealed" doc:"Covered by a Merkle checkpoint in the process record."`
	CreatedAt         time.Time  `json:"created_at"`
	ModeratedAt       *time.Time `json:"moderated_at,omitempty"`
}

func commentView(c consultation.Comment) CommentView {
	return CommentView{ID: c.ID, DecisionID: c.DecisionID, VersionNumber: c.VersionNumber, ArticleAnchor: c.ArticleAnchor,
		ArticleLabel: c.ArticleLabel, ArticleNumber: c.ArticleNumber, AuthorName: c.AuthorName, SignatoryCount: c.SignatoryCount, Receipt: c.Receipt,
		Stance: c.Stance, Body: c.Body, BodyHash: c.BodyHash, ShowName: c.ShowName, Status: string(c.Status),
		StatusName: consultation.CommentStatusNames[c.Status], RejectionReason: c.RejectionReason, Disposition: c.Disposition,
		DispositionReason: c.DispositionReason, DisposedAt: utcPtr(c.DisposedAt), Own: c.Own, Anonymised: c.AnonymisedAt != nil,
		Sealed: c.CheckpointID != nil, CreatedAt: c.CreatedAt.UTC(), ModeratedAt: utcPtr(c.ModeratedAt), GroupID: deref(c.GroupID)}
}

// CommentListView is one page of comments.
type CommentListView struct {
	Comments       []CommentView `json:"comments"`
	NextCursor     string        `json:"next_cursor,omitempty"`
	CommentsPublic bool          `json:"comments_public" doc:"Whether the consultation shows published comments publicly; when false, residents and visitors see only their own comments (counts stay public)."`
}

// CommentGroupView is a group of identical or near-identical comments.
type CommentGroupView struct {
	ID                    int64     `json:"id"`
	DecisionID            int64     `json:"decision_id"`
	Size                  int       `json:"size" doc:"Number of comments in the group, in any state."`
	Stance                string    `json:"stance" enum:"support,oppose,suggestion,"`
	RepresentativeID      int64     `json:"representative_id" doc:"The group's first comment, which later ones were compared with."`
	RepresentativeReceipt string    `json:"representative_receipt"`
	RepresentativeText    string    `json:"representative_text"`
	ArticleAnchor         string    `json:"article_anchor" doc:"The representative's article; empty for the whole draft."`
	ArticleLabel          string    `json:"article_label"`
	Pending               int       `json:"pending"`
	Published             int       `json:"published"`
	Rejected              int       `json:"rejected"`
	Disposed              int       `json:"disposed" doc:"Members with a disposition."`
	CreatedAt             time.Time `json:"created_at"`
}

func commentGroupView(g consultation.CommentGroup) CommentGroupView {
	return CommentGroupView{ID: g.ID, DecisionID: g.DecisionID, Size: g.Size, Stance: g.Stance,
		RepresentativeID: g.RepresentativeID, RepresentativeReceipt: g.RepresentativeReceipt, RepresentativeText: g.RepresentativeText,
		ArticleAnchor: g.ArticleAnchor, ArticleLabel: g.ArticleLabel, Pending: g.Pending, Published: g.Published,
		Rejected: g.Rejected, Disposed: g.Disposed, CreatedAt: g.CreatedAt.UTC()}
}

// CommentGroupListView is one page of comment groups, largest first.
type CommentGroupListView struct {
	Groups     []CommentGroupView `json:"groups"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// ArticleCommentCountView is the number of published comments on an article.
type ArticleCommentCountView struct {
	ArticleAnchor string `json:"article_anchor" doc:"Empty for the whole draft."`
	ArticleLabel  string `json:"article_label"`
	ArticleNumber int    `json:"article_number"`
	Count         int    `json:"count"`
}

// StanceCommentCountView is the number of published comments with a stance.
type StanceCommentCountView struct {
	Stance string `json:"stance" enum:"support,oppose,suggestion,none"`
	Count  int    `json:"count"`
}

// InternalCommentCountsView are the counts only the lead unit sees.
type InternalCommentCountsView struct {
	Total    int `json:"total"`
	Pending  int `json:"pending"`
	Rejected int `json:"rejected"`
	Groups   int `json:"groups"`
	Disposed int `json:"disposed"`
}

// CommentStatisticsView counts a decision's comments.
type CommentStatisticsView struct {
	DecisionID   int64                      `json:"decision_id"`
	Published    int                        `json:"published" doc:"Published comments."`
	Participants int                        `json:"participants" doc:"Residents who wrote the published comments."`
	ByArticle    []ArticleCommentCountView  `json:"by_article" doc:"Published comments per article, the whole draft first."`
	ByStance     []StanceCommentCountView   `json:"by_stance"`
	Internal     *InternalCommentCountsView `json:"internal,omitempty" doc:"Only for staff of the lead unit."`
}

func commentStatisticsView(st consultation.CommentStatistics) CommentStatisticsView {
	v := CommentStatisticsView{DecisionID: st.DecisionID, Published: st.Published, Participants: st.Participants,
		ByArticle: make([]ArticleCommentCountView, len(st.ByArticle)), ByStance: make([]StanceCommentCountView, len(st.ByStance))}
	for i, a := range st.ByArticle {
		v.ByArticle[i] = ArticleCommentCountView(a)
	}
	for i, s := range st.ByStance {
		v.ByStance[i] = StanceCommentCountView(s)
	}
	if st.Internal != nil {
		in := InternalCommentCountsView(*st.Internal)
		v.Internal = &in
	}
	return v
}

type createCommentInput struct {
	DecisionPath
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"A retry with the same key returns the first comment (same receipt) and creates nothing; the same key with a different comment is refused with idempotency_key_reused."`
	Body           struct {
		ArticleAnchor string `json:"article_anchor,omitempty" maxLength:"100" doc:"Anchor of an article of the version under consultation; absent for the whole draft."`
		Stance        string `json:"stance,omitempty" enum:"support,oppose,suggestion," doc:"Optional: 支持, 反对 or 建议."`
		Body          string `json:"body" maxLength:"20000" doc:"1 to 5,000 characters after trimming."`
		ShowName      bool   `json:"show_name,omitempty" doc:"Show the display name instead of the pseudonym."`
	}
}

type createCommentOutput struct {
	Replayed string `header:"Idempotent-Replayed" doc:"true when this is the first comment returned again for a retried Idempotency-Key."`
	Body     CommentView
}

type listCommentsInput struct {
	DecisionPath
	Status        string `query:"status" enum:"pending,published,rejected," doc:"Staff of the lead unit: any; others see only published comments and their own anyway."`
	ArticleAnchor string `query:"article" maxLength:"100" doc:"An article anchor, or \"whole\" for comments on the whole draft."`
	Stance        string `query:"stance" enum:"support,oppose,suggestion,none,"`
	GroupID       int64  `query:"group_id" minimum:"0"`
	Disposition   string `query:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope,none," doc:"none: published comments not yet answered."`
	PageQuery
}

// CommentPath names one comment in the path.
type CommentPath struct {
	CommentID int64 `path:"comment_id" minimum:"1"`
}

type commentReceiptPath struct {
	Receipt string `path:"receipt" maxLength:"40" doc:"The receipt number, e.g. YJ-20261125-7K3Q9M2X (case-insensitive)."`
}

type moderateCommentInput struct {
	CommentPath
	Body struct {
		Action string `json:"action" enum:"publish,reject"`
		Reason string `json:"reason,omitempty" enum:"spam,abuse,personal_information,off_topic,duplicate_submission," doc:"Required to reject."`
	}
}

type listCommentGroupsInput struct {
	DecisionPath
	MinSize int `query:"min_size" minimum:"0" doc:"Leave out smaller groups; 2 shows only actual duplicates."`
	PageQuery
}

func (s *server) registerComments() {
	tags := []string{"Comments"}
	register(s, huma.Operation{OperationID: "create-comment", Method: http.MethodPost, Path: "/decisions/{decision_id}/comments",
		Summary: "Comment on the draft under consultation", Tags: tags, Errors: []int{404, 409, 422, 429}, DefaultStatus: http.StatusCreated,
		Description: "A resident with a verified phone comments on one article (by its anchor) or on the whole draft of the version under consultation, " +
			"while the window is open (409 consultation_not_open otherwise, Decree 713 Art. 15). The comment waits for moderation; the answer carries " +
			"its receipt number. With an Idempotency-Key, a retry answers 201 again with the same comment and the header Idempotent-Replayed: true, " +
			"creating nothing. Rate limits per account and per address answer 429 comment_rate_limited with Retry-After."},
		roles(identity.RoleResident), func(ctx context.Context, in *createCommentInput) (*createCommentOutput, error) {
			c, created, err := s.svc.Consultation.SubmitComment(ctx, actor(ctx), in.DecisionID, consultation.CommentInput{
				ArticleAnchor: in.Body.ArticleAnchor, Stance: in.Body.Stance, Body: in.Body.Body, ShowName: in.Body.ShowName,
				IdempotencyKey: in.IdempotencyKey, ClientAddr: obs.ClientFrom(ctx).Addr})
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			out := &createCommentOutput{Body: commentView(c)}
			if !created {
				out.Replayed = "true"
			}
			return out, nil
		})
	answer(s, huma.Operation{OperationID: "list-comments", Method: http.MethodGet, Path: "/decisions/{decision_id}/comments",
		Summary: "List a decision's comments", Tags: tags, Errors: []int{404, 422},
		Description: "Oldest first. Staff of the lead unit see every comment with its receipt and may filter by status, article, stance, group and " +
			"disposition. Everyone else sees published comments (when the consultation shows comments publicly) under a pseudonym or chosen " +
			"display name, plus their own comments in any state."},
		public(), func(ctx context.Context, in *listCommentsInput) (consultation.CommentPage, error) {
			return s.svc.Consultation.ListComments(ctx, actor(ctx), in.DecisionID, consultation.CommentFilter{
				Status: consultation.CommentStatus(in.Status), ArticleAnchor: in.ArticleAnchor, Stance: in.Stance, GroupID: in.GroupID,
				Disposition: in.Disposition, Limit: in.Limit, Cursor: in.Cursor})
		}, func(p consultation.CommentPage) CommentListView {
			return CommentListView{Comments: views(p.Comments, commentView), NextCursor: p.NextCursor, CommentsPublic: p.CommentsPublic}
		})
	answer(s, huma.Operation{OperationID: "get-comment", Method: http.MethodGet, Path: "/comments/{comment_id}",
		Summary: "Get a comment", Tags: tags, Errors: []int{404},
		Description: "The author and staff of the lead unit see it in any state; everyone else only a published comment of a consultation that shows comments."},
		public(), func(ctx context.Context, in *CommentPath) (consultation.Comment, error) {
			return s.svc.Consultation.GetComment(ctx, actor(ctx), in.CommentID)
		}, commentView)
	answer(s, huma.Operation{OperationID: "get-comment-by-receipt", Method: http.MethodGet, Path: "/comment-receipts/{receipt}",
		Summary: "Look a comment up by its receipt number", Tags: tags, Errors: []int{404},
		Description: "No sign-in needed: the receipt is a bearer secret. Shows the status (and a rejection's reason); the text, article and reply only " +
			"once the comment is published, which the public process record shows anyway."},
		public(), func(ctx context.Context, in *commentReceiptPath) (consultation.Comment, error) {
			return s.svc.Consultation.GetCommentByReceipt(ctx, in.Receipt)
		}, commentView)
	answer(s, huma.Operation{OperationID: "moderate-comment", Method: http.MethodPost, Path: "/comments/{comment_id}/moderation",
		Summary: "Publish or reject a comment", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Staff of the lead unit publish a pending comment or reject it with a reason (spam, abuse, personal_information, off_topic, " +
			"duplicate_submission), and may revise that until the adoption report is published. Each change is a process-record entry; a rejected " +
			"comment's text is recorded by its hash only."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *moderateCommentInput) (consultation.Comment, error) {
			return s.svc.Consultation.ModerateComment(ctx, actor(ctx), in.CommentID, consultation.ModerationAction(in.Body.Action), in.Body.Reason)
		}, commentView)
	answerPage(s, huma.Operation{OperationID: "list-comment-groups", Method: http.MethodGet, Path: "/decisions/{decision_id}/comment-groups",
		Summary: "List groups of identical or near-identical comments", Tags: tags, Errors: []int{404, 422},
		Description: "Mass campaigns: comments are grouped as they arrive (same text after normalising width, case, spaces and punctuation, or " +
			"similar character bigrams). Largest first, with the representative text and counts by state. Staff of the lead unit only."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *listCommentGroupsInput) ([]consultation.CommentGroup, string, error) {
			return s.svc.Consultation.ListCommentGroups(ctx, actor(ctx), in.DecisionID,
				consultation.CommentGroupFilter{MinSize: in.MinSize, Limit: in.Limit, Cursor: in.Cursor})
		}, commentGroupView, func(list []CommentGroupView, next string) CommentGroupListView {
			return CommentGroupListView{Groups: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "get-comment-statistics", Method: http.MethodGet, Path: "/decisions/{decision_id}/comment-statistics",
		Summary: "Count a decision's comments", Tags: tags, Errors: []int{404},
		Description: "Public: published comments in total, per article and per stance, and the number of participants, also when the comments " +
			"themselves are not shown. Staff of the lead unit also get pending, rejected, group and disposition counts."},
		public(), func(ctx context.Context, in *DecisionPath) (consultation.CommentStatistics, error) {
			return s.svc.Consultation.CommentStatistics(ctx, actor(ctx), in.DecisionID)
		}, commentStatisticsView)
}
