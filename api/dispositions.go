package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// CommentDispositionView is the lead unit's answer to one comment (意见处理).
type CommentDispositionView struct {
	CommentID   int64     `json:"comment_id"`
	DecisionID  int64     `json:"decision_id"`
	Receipt     string    `json:"receipt" doc:"The comment's receipt number."`
	Disposition string    `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope" doc:"采纳, 部分采纳, 不予采纳 or 不属于本次征求范围."`
	Name        string    `json:"disposition_name"`
	Reason      string    `json:"reason"`
	GroupID     int64     `json:"group_id,omitempty" doc:"Set when the answer was given to the comment's group as a whole."`
	DecidedAt   time.Time `json:"decided_at"`
	// ChangedVersion and ChangedArticles: where the opinion changed the text.
	ChangedVersion  int      `json:"changed_version,omitempty" doc:"The draft version whose articles this opinion changed."`
	ChangedArticles []string `json:"changed_articles,omitempty" doc:"Anchors of the changed articles of changed_version."`
}

func commentDispositionView(d consultation.Disposition) CommentDispositionView {
	v := CommentDispositionView{CommentID: d.CommentID, DecisionID: d.DecisionID, Receipt: d.Receipt, Disposition: string(d.Disposition),
		Name: consultation.DispositionNames[d.Disposition], Reason: d.Reason, DecidedAt: d.DecidedAt.UTC(), GroupID: deref(d.GroupID)}
	if d.ChangedVersion != nil {
		v.ChangedVersion, v.ChangedArticles = *d.ChangedVersion, d.ChangedArticles
	}
	return v
}

// GroupDispositionView says what one group answer did.
type GroupDispositionView struct {
	GroupID           int64    `json:"group_id"`
	DecisionID        int64    `json:"decision_id"`
	Disposition       string   `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Reason            string   `json:"reason"`
	Set               int      `json:"set" doc:"How many published comments of the group now carry this answer."`
	CommentIDs        []int64  `json:"comment_ids"`
	Receipts          []string `json:"receipts"`
	SkippedIndividual int      `json:"skipped_individual" doc:"Published comments of the group that keep their individual answer: a group answer never overwrites one."`
	Unpublished       int      `json:"unpublished" doc:"Pending or rejected comments of the group, which get no answer."`
}

// ReportArticleView counts the published comments on one article.
type ReportArticleView struct {
	Anchor   string            `json:"anchor" doc:"The article's stable anchor; empty for the whole draft."`
	Label    string            `json:"label" doc:"E.g. 第三条, or 草案整体."`
	Comments int               `json:"comments"`
	Replies  []ReportReplyView `json:"replies,omitempty" doc:"The answers given, most frequent first (most-commented articles only)."`
}

// ReportCountView is one count by stance or disposition.
type ReportCountView struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// ReportReplyView is one answer given to a number of comments.
type ReportReplyView struct {
	Disposition string `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Name        string `json:"name"`
	Reason      string `json:"reason"`
	Count       int    `json:"count"`
}

// ReportOpinionView is one main opinion: a group of identical or
// near-identical published comments, represented by one published text.
type ReportOpinionView struct {
	GroupID       int64             `json:"group_id,omitempty"`
	Size          int               `json:"size" doc:"Published comments in the group."`
	Text          string            `json:"text" doc:"A published comment of the group (plain text; render it escaped)."`
	ArticleAnchor string            `json:"article_anchor"`
	ArticleLabel  string            `json:"article_label"`
	Replies       []ReportReplyView `json:"replies"`
}

// AdoptionFiguresView are the figures of an adoption report, computed from
// the comments and their dispositions. Counts by article, stance and
// disposition are over published comments.
type AdoptionFiguresView struct {
	ConsultationID     int64               `json:"consultation_id"`
	VersionNumber      int                 `json:"version_number" doc:"The draft version that was consulted on."`
	OpensAt            time.Time           `json:"opens_at"`
	EndsAt             time.Time           `json:"ends_at"`
	Participants       int                 `json:"participants" doc:"Distinct residents with a published comment."`
	Received           int                 `json:"comments_received"`
	Published          int                 `json:"comments_published"`
	Rejected           int                 `json:"comments_rejected"`
	Pending            int                 `json:"comments_pending"`
	WithoutDisposition int                 `json:"comments_without_disposition"`
	ByArticle          []ReportArticleView `json:"by_article" doc:"Every article of the consulted version in reading order, then the whole draft."`
	ByStance           []ReportCountView   `json:"by_stance"`
	ByDisposition      []ReportCountView   `json:"by_disposition"`
	MainOpinions       []ReportOpinionView `json:"main_opinions" doc:"The largest groups of identical or near-identical comments."`
	TopArticles        []ReportArticleView `json:"top_articles" doc:"The most-commented articles with their answers."`
}

// AdoptionReportView is the adoption report (意见采纳情况说明).
type AdoptionReportView struct {
	DecisionID    int64               `json:"decision_id"`
	Status        string              `json:"status" enum:"draft,published"`
	Figures       AdoptionFiguresView `json:"figures"`
	Body          string              `json:"body" doc:"The text (plain text; render it escaped)."`
	GeneratedAt   time.Time           `json:"generated_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
	PublishedAt   *time.Time          `json:"published_at,omitempty"`
	PublishedHash string              `json:"published_hash,omitempty" doc:"Hex SHA-256 of the canonical JSON of {\"body\", \"figures\"} (figures as stored in the process record's adoption_report_published entry)."`
}

func reportReplyView(r consultation.ReplyFigure) ReportReplyView {
	return ReportReplyView{Disposition: string(r.Disposition), Name: r.Name, Reason: r.Reason, Count: r.Count}
}

func reportArticleView(a consultation.ArticleFigure) ReportArticleView {
	v := ReportArticleView{Anchor: a.Anchor, Label: a.Label, Comments: a.Comments}
	if len(a.Replies) > 0 {
		v.Replies = views(a.Replies, reportReplyView)
	}
	return v
}

func reportCountView(c consultation.CountFigure) ReportCountView {
	return ReportCountView{Key: c.Key, Name: c.Name, Count: c.Count}
}

func reportOpinionView(o consultation.OpinionFigure) ReportOpinionView {
	return ReportOpinionView{GroupID: o.GroupID, Size: o.Size, Text: o.Text, ArticleAnchor: o.ArticleAnchor,
		ArticleLabel: o.ArticleLabel, Replies: views(o.Replies, reportReplyView)}
}

func adoptionReportView(r consultation.AdoptionReport) AdoptionReportView {
	f := r.Figures
	return AdoptionReportView{DecisionID: r.DecisionID, Status: r.Status, Body: r.Body, GeneratedAt: r.GeneratedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(), PublishedAt: utcPtr(r.PublishedAt), PublishedHash: deref(r.PublishedHash),
		Figures: AdoptionFiguresView{ConsultationID: f.ConsultationID, VersionNumber: f.VersionNumber, OpensAt: f.OpensAt.UTC(),
			EndsAt: f.EndsAt.UTC(), Participants: f.Participants, Received: f.Received, Published: f.Published, Rejected: f.Rejected,
			Pending: f.Pending, WithoutDisposition: f.WithoutDisposition, ByArticle: views(f.ByArticle, reportArticleView),
			ByStance: views(f.ByStance, reportCountView), ByDisposition: views(f.ByDisposition, reportCountView),
			MainOpinions: views(f.MainOpinions, reportOpinionView), TopArticles: views(f.TopArticles, reportArticleView)}}
}

// MyCommentView is one of the caller's own comments with how it was handled.
type MyCommentView struct {
	ID                int64      `json:"id"`
	DecisionID        int64      `json:"decision_id"`
	DecisionTitle     string     `json:"decision_title"`
	Receipt           string     `json:"receipt"`
	ArticleAnchor     string     `json:"article_anchor" doc:"Empty for the whole draft."`
	ArticleLabel      string     `json:"article_label" doc:"E.g. 第三条, or 草案整体."`
	Stance            string     `json:"stance" enum:"support,oppose,suggestion,"`
	Body              string     `json:"body" doc:"The text as submitted (plain text; render it escaped)."`
	Status            string     `json:"status" enum:"pending,published,rejected"`
	RejectionReason   string     `json:"rejection_reason,omitempty" enum:"spam,abuse,personal_information,off_topic,duplicate_submission,"`
	CreatedAt         time.Time  `json:"created_at"`
	Disposition       string     `json:"disposition,omitempty" enum:"adopted,partially_adopted,not_adopted,out_of_scope," doc:"The answer (the reply), once given."`
	DispositionName   string     `json:"disposition_name,omitempty"`
	DispositionReason string     `json:"disposition_reason,omitempty"`
	RepliedAt         *time.Time `json:"replied_at,omitempty"`
	ReplyFinal        bool       `json:"reply_final" doc:"The adoption report is published: the answer can no longer change."`
	ChangedVersion    int        `json:"changed_version,omitempty" doc:"The draft version in which this opinion changed the text."`
	ChangedArticles   []string   `json:"changed_articles,omitempty" doc:"Anchors of the articles of changed_version it changed."`
}

func myCommentView(c consultation.MyComment) MyCommentView {
	return MyCommentView{ID: c.ID, DecisionID: c.DecisionID, DecisionTitle: c.DecisionTitle, Receipt: c.Receipt,
		ArticleAnchor: c.ArticleAnchor, ArticleLabel: c.ArticleLabel, Stance: c.Stance, Body: c.Body, Status: c.Status,
		RejectionReason: c.RejectionReason, CreatedAt: c.CreatedAt.UTC(), Disposition: string(c.Disposition),
		DispositionName: consultation.DispositionNames[c.Disposition], DispositionReason: c.DispositionReason,
		RepliedAt: utcPtr(c.RepliedAt), ReplyFinal: c.ReportPublished, ChangedVersion: deref(c.ChangedVersion),
		ChangedArticles: c.ChangedArticles}
}

// DataDeletionView says what deleting one's personal data did.
type DataDeletionView struct {
	CommentsAnonymised int       `json:"comments_anonymised" doc:"Comments kept as anonymised text."`
	Decisions          int       `json:"decisions" doc:"Decisions whose process record notes the deletion (counts only)."`
	DeletedAt          time.Time `json:"deleted_at"`
}

type dispositionBody struct {
	Disposition string `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope" doc:"采纳, 部分采纳, 不予采纳 or 不属于本次征求范围."`
	Reason      string `json:"reason" maxLength:"8000" doc:"Why; required, at most 2000 characters."`
}

type setCommentDispositionInput struct {
	CommentPath
	Body struct {
		Disposition     string   `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope" doc:"采纳, 部分采纳, 不予采纳 or 不属于本次征求范围."`
		Reason          string   `json:"reason" maxLength:"8000" doc:"Why; required, at most 2000 characters."`
		ChangedArticles []string `json:"changed_articles,omitempty" maxItems:"50" doc:"Anchors of the articles of the latest draft version that were changed because of this opinion; the latest version must be later than the one commented on (422 revised_version_required, changed_article_not_found). Shown publicly on the version comparison and to the resident."`
	}
}

type setGroupDispositionInput struct {
	GroupID int64 `path:"group_id" minimum:"1"`
	Body    dispositionBody
}

type updateAdoptionReportInputBody struct {
	Body string `json:"body" maxLength:"400000" doc:"The edited text; at most 100,000 characters."`
}

type spreadsheetInput struct {
	DecisionPath
	Format string `query:"format" enum:"csv,xlsx" default:"csv" doc:"csv (UTF-8 with a byte-order mark) or xlsx."`
}

type listMyCommentsInput struct {
	PageQuery
}

type myCommentsOutputBody struct {
	Comments   []MyCommentView `json:"comments"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

type deleteMyDataInputBody struct {
	Confirm bool `json:"confirm" doc:"Must be true: the deletion cannot be undone."`
}

type dataDeletionOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
	Body      DataDeletionView
}

func (s *server) registerDispositions() {
	tags := []string{"Dispositions and adoption report"}
	staff := roles(identity.RoleAgencyStaff)
	answer(s, huma.Operation{OperationID: "set-comment-disposition", Method: http.MethodPut, Path: "/comments/{comment_id}/disposition",
		Summary: "Answer a comment", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Gives a published comment its disposition (adopted, partially_adopted, not_adopted, out_of_scope) with a reason, or revises it; " +
			"an individual answer replaces a group answer the comment had. Only staff of the lead unit, after the consultation window closed " +
			"(409 `consultation_still_open`), before the legality review (409 `disposition_not_allowed_in_stage`) and until the adoption report " +
			"is published (409 `adoption_report_published`); pending or rejected comments get none (409 `comment_not_published`). " +
			"Each answer is a process-record entry (Decree 713 Art. 18)."},
		staff, func(ctx context.Context, in *setCommentDispositionInput) (consultation.Disposition, error) {
			return s.svc.Consultation.SetCommentDispositionWith(ctx, actor(ctx), in.CommentID, consultation.DispositionInput{
				Kind: consultation.DispositionKind(in.Body.Disposition), Reason: in.Body.Reason, ChangedArticles: in.Body.ChangedArticles})
		}, commentDispositionView)
	answer(s, huma.Operation{OperationID: "set-group-disposition", Method: http.MethodPut, Path: "/comment-groups/{group_id}/disposition",
		Summary: "Answer a group of comments", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Answers a mass campaign once: every published comment of the group without an individual answer gets the disposition " +
			"(also those carrying an earlier answer of this group, so it can be revised). Individual answers are never overwritten; " +
			"the answer says how many were set and how many kept their own. One process-record entry lists the receipts. " +
			"Stage rules and codes as set-comment-disposition."},
		staff, func(ctx context.Context, in *setGroupDispositionInput) (consultation.GroupDispositionResult, error) {
			return s.svc.Consultation.SetGroupDisposition(ctx, actor(ctx), in.GroupID,
				consultation.DispositionKind(in.Body.Disposition), in.Body.Reason)
		}, func(r consultation.GroupDispositionResult) GroupDispositionView {
			return GroupDispositionView{GroupID: r.GroupID, DecisionID: r.DecisionID,
				Disposition: string(r.Disposition), Reason: r.Reason, Set: r.Set, CommentIDs: r.CommentIDs, Receipts: r.Receipts,
				SkippedIndividual: r.SkippedIndividual, Unpublished: r.Unpublished}
		})
	answer(s, huma.Operation{OperationID: "generate-adoption-report", Method: http.MethodPost, Path: "/decisions/{decision_id}/adoption-report/generate",
		Summary: "Generate the adoption report", Tags: tags, Errors: []int{404, 409},
		Description: "Computes the figures (participants, comments, counts per article, stance and disposition, the main opinions and the " +
			"most-commented articles with their answers) and generates the text of the adoption report (意见采纳情况说明), replacing an " +
			"earlier draft including its edits. Only staff of the lead unit, while the decision is in handling and the report is not published."},
		staff, func(ctx context.Context, in *DecisionPath) (consultation.AdoptionReport, error) {
			return s.svc.Consultation.GenerateAdoptionReport(ctx, actor(ctx), in.DecisionID)
		}, adoptionReportView)
	answer(s, huma.Operation{OperationID: "update-adoption-report", Method: http.MethodPut, Path: "/decisions/{decision_id}/adoption-report",
		Summary: "Edit the adoption report", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Replaces the text of the draft report; the figures stay as generated. Refused once published (409 `adoption_report_published`)."},
		staff, func(ctx context.Context, in *onDecision[updateAdoptionReportInputBody]) (consultation.AdoptionReport, error) {
			return s.svc.Consultation.UpdateAdoptionReport(ctx, actor(ctx), in.DecisionID, in.Body.Body)
		}, adoptionReportView)
	answer(s, huma.Operation{OperationID: "publish-adoption-report", Method: http.MethodPost, Path: "/decisions/{decision_id}/adoption-report/publish",
		Summary: "Publish the adoption report", Tags: tags, Errors: []int{404, 409},
		Description: "Freezes the text and figures, stores published_hash and appends them to the process record (Decree 713 Art. 29, 32). " +
			"Refused while a published comment has no answer (409 `comments_without_disposition`, with the count), while a comment waits for " +
			"moderation (409 `comments_pending_moderation`), and when an answer changed since the report was generated (409 `adoption_report_outdated`)."},
		staff, func(ctx context.Context, in *DecisionPath) (consultation.AdoptionReport, error) {
			return s.svc.Consultation.PublishAdoptionReport(ctx, actor(ctx), in.DecisionID)
		}, adoptionReportView)
	answer(s, huma.Operation{OperationID: "get-adoption-report", Method: http.MethodGet, Path: "/decisions/{decision_id}/adoption-report",
		Summary: "The adoption report", Tags: tags, Errors: []int{404},
		Description: "Public once published; before that only staff of the lead unit see the draft (everyone else gets 404 `adoption_report_not_found`)."},
		public(), func(ctx context.Context, in *DecisionPath) (consultation.AdoptionReport, error) {
			return s.svc.Consultation.GetAdoptionReport(ctx, actor(ctx), in.DecisionID)
		}, adoptionReportView)
	register(s, huma.Operation{OperationID: "export-comments", Method: http.MethodGet, Path: "/decisions/{decision_id}/comments/export",
		Summary: "Export the comments", Tags: tags, Errors: []int{403, 404, 422},
		Description: "Every comment of the decision as CSV (UTF-8 with a byte-order mark, so Excel reads Chinese) or XLSX: receipt, time " +
			"(Asia/Shanghai), article, stance, moderation status and reason, group and size, disposition and reason, the author's pseudonym " +
			"and masked phone number (never the full number), the organisation and its signatory count for a comment an organisation submitted " +
			"on its own behalf, and the text. Texts rejected for personal information and texts not yet moderated " +
			"are left out; a cell that a spreadsheet could evaluate as a formula starts with an apostrophe. Only staff of the lead unit.",
		Responses: spreadsheetResponses()},
		staff, func(ctx context.Context, in *spreadsheetInput) (*streamedFile, error) {
			return streamSpreadsheet(ctx, "canyu-comments-*", in.Format, func(format string) string {
				return consultation.ExportFilename(in.DecisionID, format, s.svc.Consultation.Now())
			}, func(w io.Writer, format string) error {
				return s.svc.Consultation.ExportComments(ctx, actor(ctx), in.DecisionID, format, w)
			})
		})
	resident := roles(identity.RoleResident)
	answerPage(s, huma.Operation{OperationID: "list-my-comments", Method: http.MethodGet, Path: "/me/comments",
		Summary: "My comments", Tags: tags, Errors: []int{422},
		Description: "The caller's own comments, newest first, with the decision, the moderation status and the answer (the reply) once given."},
		resident, func(ctx context.Context, in *listMyCommentsInput) ([]consultation.MyComment, string, error) {
			return s.svc.Consultation.ListMyComments(ctx, actor(ctx), in.Limit, in.Cursor)
		}, myCommentView, func(list []MyCommentView, next string) myCommentsOutputBody {
			return myCommentsOutputBody{Comments: list, NextCursor: next}
		})
	register(s, huma.Operation{OperationID: "delete-my-data", Method: http.MethodPost, Path: "/me/delete-data",
		Summary: "Delete my personal data", Tags: tags, Errors: []int{422},
		Description: "Deletes the caller's personal data (PIPL Art. 47): phone number, e-mail, name, pseudonym and password are cleared and every " +
			"session is revoked, so the account can no longer sign in and the phone number may register again. The comments stay in the " +
			"process record as anonymised text, still counted in the statistics and the adoption report. Requires {\"confirm\": true} " +
			"(422 `confirmation_required`)."},
		resident, func(ctx context.Context, in *withBody[deleteMyDataInputBody]) (*dataDeletionOutput, error) {
			d, err := s.svc.Consultation.DeleteMyData(ctx, actor(ctx), in.Body.Confirm)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			return &dataDeletionOutput{SetCookie: s.sessionCookie("", time.Time{}),
				Body: DataDeletionView{CommentsAnonymised: d.CommentsAnonymised, Decisions: d.Decisions, DeletedAt: d.DeletedAt.UTC()}}, nil
		})
}
