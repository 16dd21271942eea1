package api

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/identity"
)

// ThemeAnalysisView is one versioned theme analysis of a decision's comments.
type ThemeAnalysisView struct {
	ID           int64     `json:"id"`
	DecisionID   int64     `json:"decision_id"`
	Version      int       `json:"version" doc:"1, 2, … per decision; staff work from the latest."`
	CommentCount int       `json:"comment_count" doc:"Comments analysed (published and pending)."`
	ThemeCount   int       `json:"theme_count"`
	Unthemed     int       `json:"unthemed,omitempty" doc:"Comments close to no theme (only in the answer of analyze-themes)."`
	Kept         int       `json:"kept,omitempty" doc:"Themes staff worked on in the previous version that this one carries on."`
	ContentHash  string    `json:"content_hash" doc:"SHA-256 of the canonical result, also in the themes_analysed record entry."`
	CreatedAt    time.Time `json:"created_at"`
}

func themeAnalysisView(a themes.Analysis) ThemeAnalysisView {
	return ThemeAnalysisView{ID: a.ID, DecisionID: a.DecisionID, Version: a.Version, CommentCount: a.CommentCount,
		ThemeCount: a.ThemeCount, Unthemed: a.Unthemed, Kept: a.Kept, ContentHash: a.ContentHash, CreatedAt: a.CreatedAt.UTC()}
}

// ThemeArticleView counts a theme's comments on one article.
type ThemeArticleView struct {
	Anchor string `json:"anchor" doc:"Empty for the whole draft."`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

// ThemeSummarySentenceView is one sentence of a theme's extractive summary.
type ThemeSummarySentenceView struct {
	Text     string   `json:"text" doc:"A sentence of a comment (plain text; render it escaped)."`
	Receipts []string `json:"receipts" doc:"Receipts of the comments it comes from (the first is where it was taken from; at most 20)."`
	Sources  int      `json:"sources" doc:"How many comments say it."`
}

// ThemeAnswerView is a theme's answer.
type ThemeAnswerView struct {
	Disposition     string    `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Name            string    `json:"disposition_name"`
	Reason          string    `json:"reason"`
	ArticlesChanged []string  `json:"articles_changed" doc:"Anchors of the articles changed."`
	TemplateID      int64     `json:"template_id,omitempty"`
	AnsweredAt      time.Time `json:"answered_at"`
}

// ThemeView is a theme of a decision's comments.
type ThemeView struct {
	ID               int64                      `json:"id"`
	AnalysisID       int64                      `json:"analysis_id"`
	DecisionID       int64                      `json:"decision_id"`
	Version          int                        `json:"version"`
	Origin           string                     `json:"origin" enum:"machine,staff" doc:"machine: found by the analysis; staff: made by split-theme."`
	Label            string                     `json:"label" doc:"The label staff work with (the machine's until renamed)."`
	MachineLabel     string                     `json:"machine_label" doc:"The machine's label (its distinctive words), kept after a rename."`
	Words            []string                   `json:"words"`
	OffTopic         bool                       `json:"off_topic"`
	MachineOffTopic  bool                       `json:"machine_off_topic" doc:"The machine suggested the theme as off-topic."`
	Status           string                     `json:"status" enum:"active,merged"`
	MergedInto       int64                      `json:"merged_into,omitempty"`
	SplitFrom        int64                      `json:"split_from,omitempty"`
	CheckedAt        *time.Time                 `json:"checked_at,omitempty" doc:"When staff marked the theme checked."`
	CheckedBy        int64                      `json:"checked_by,omitempty" doc:"The account that marked it checked."`
	JoinedSinceCheck int                        `json:"joined_since_check" doc:"Comments the machine placed in the theme since it was checked, not yet confirmed."`
	CarriedFrom      int64                      `json:"carried_from,omitempty" doc:"The theme of the previous version this one carries on: a re-analysis keeps the themes staff worked on, with their label, mark and answer."`
	Size             int                        `json:"size" doc:"Comments in the theme (first or second theme; rejected ones left out)."`
	Primary          int                        `json:"primary" doc:"Comments whose first theme this is."`
	Published        int                        `json:"published"`
	Stances          []ReportCountView          `json:"stances" doc:"The stance the resident chose, else one read by a small lexicon."`
	Articles         []ThemeArticleView         `json:"articles" doc:"Articles concerned, most comments first."`
	Summary          []ThemeSummarySentenceView `json:"summary"`
	Answer           *ThemeAnswerView           `json:"answer,omitempty"`
	Answered         int                        `json:"answered" doc:"Published comments carrying the theme's answer."`
	Overridden       int                        `json:"overridden" doc:"Published comments answered otherwise (individually or as a group)."`
	Unanswered       int                        `json:"unanswered"`
	Offline          int                        `json:"offline" doc:"Opinions received outside the online consultation (letters, the 12345 hotline, forums, site visits, written requests, hearings) placed in the theme: the theme each is closest to."`
	Channels         []ReportCountView          `json:"channels" doc:"Those opinions by channel (letter, hotline, forum, site_visit, written_request, hearing); channels with none left out."`
	UpdatedAt        time.Time                  `json:"updated_at"`
}

func themeView(t themes.Theme) ThemeView {
	v := ThemeView{ID: t.ID, AnalysisID: t.AnalysisID, DecisionID: t.DecisionID, Version: t.Version, Origin: t.Origin, Label: t.Label,
		MachineLabel: t.MachineLabel, Words: t.Words, OffTopic: t.OffTopic, MachineOffTopic: t.MachineOffTopic, Status: t.Status,
		Size: t.Size, Primary: t.Primary, Published: t.Published, Stances: views(t.Stances, themeCountView),
		Articles: views(t.Articles, func(a themes.ArticleCount) ThemeArticleView {
			return ThemeArticleView{Anchor: a.Anchor, Label: a.Label, Count: a.Count}
		}),
		Summary: views(t.Summary, func(s themes.Cited) ThemeSummarySentenceView {
			return ThemeSummarySentenceView{Text: s.Text, Receipts: s.Receipts, Sources: s.Sources}
		}),
		Answered: t.Answered, Overridden: t.Overridden, Unanswered: t.Unanswered,
		MergedInto: deref(t.MergedInto), SplitFrom: deref(t.SplitFrom), CarriedFrom: deref(t.CarriedFrom), CheckedAt: t.CheckedAt, CheckedBy: deref(t.CheckedBy),
		JoinedSinceCheck: t.JoinedSinceCheck, Offline: t.Offline, Channels: views(t.Channels, themeCountView), UpdatedAt: t.UpdatedAt.UTC()}
	if v.Words == nil {
		v.Words = []string{}
	}
	if a := t.Answer; a != nil {
		v.Answer = &ThemeAnswerView{Disposition: string(a.Disposition), Name: consultation.DispositionNames[a.Disposition],
			Reason: a.Reason, ArticlesChanged: a.ArticlesChanged, TemplateID: deref(a.TemplateID), AnsweredAt: a.AnsweredAt.UTC()}
		if v.Answer.ArticlesChanged == nil {
			v.Answer.ArticlesChanged = []string{}
		}
	}
	return v
}

// ThemeCommentView is a comment of a theme.
type ThemeCommentView struct {
	ID            int64   `json:"id"`
	Receipt       string  `json:"receipt"`
	ArticleAnchor string  `json:"article_anchor"`
	ArticleLabel  string  `json:"article_label"`
	Stance        string  `json:"stance" enum:"support,oppose,suggestion,none"`
	Body          string  `json:"body" doc:"Plain text; render it escaped."`
	Status        string  `json:"status" enum:"pending,published"`
	Primary       bool    `json:"primary" doc:"This is the comment's first theme."`
	AddedBy       string  `json:"added_by" enum:"machine,incremental,staff"`
	Similarity    float64 `json:"similarity" doc:"Cosine to the theme's centroid when the machine placed it."`
	GroupID       int64   `json:"group_id,omitempty" doc:"The campaign group of near-identical copies."`
	Disposition   string  `json:"disposition,omitempty" enum:"adopted,partially_adopted,not_adopted,out_of_scope,"`
	FromTheme     bool    `json:"from_theme" doc:"The comment carries this theme's answer (false: none, or overridden)."`
}

func themeCommentView(c themes.ThemeComment) ThemeCommentView {
	return ThemeCommentView{ID: c.ID, Receipt: c.Receipt, ArticleAnchor: c.ArticleAnchor, ArticleLabel: c.ArticleLabel,
		Stance: c.Stance, Body: c.Body, Status: c.Status, Primary: c.Primary, AddedBy: c.AddedBy, Similarity: c.Similarity,
		GroupID: c.GroupID, Disposition: string(c.Disposition), FromTheme: c.FromTheme}
}

// UnthemedCommentView is a comment in no theme of the latest analysis.
type UnthemedCommentView struct {
	ID            int64  `json:"id"`
	Receipt       string `json:"receipt"`
	ArticleAnchor string `json:"article_anchor"`
	ArticleLabel  string `json:"article_label"`
	Stance        string `json:"stance" enum:"support,oppose,suggestion,none"`
	Body          string `json:"body" doc:"Plain text; render it escaped."`
	Status        string `json:"status" enum:"pending,published"`
	GroupID       int64  `json:"group_id,omitempty" doc:"The campaign group of near-identical copies."`
	Disposition   string `json:"disposition,omitempty" enum:"adopted,partially_adopted,not_adopted,out_of_scope," doc:"Its answer, when it has one."`
}

func unthemedCommentView(c themes.ThemeComment) UnthemedCommentView {
	return UnthemedCommentView{ID: c.ID, Receipt: c.Receipt, ArticleAnchor: c.ArticleAnchor, ArticleLabel: c.ArticleLabel,
		Stance: c.Stance, Body: c.Body, Status: c.Status, GroupID: c.GroupID, Disposition: string(c.Disposition)}
}

// UnthemedView is a page of the comments in no theme.
type UnthemedView struct {
	Analysis   ThemeAnalysisView     `json:"analysis"`
	Total      int                   `json:"total" doc:"Comments the analysis and the join of new comments placed in no theme (not rejected)."`
	Waiting    int                   `json:"waiting" doc:"Comments that arrived after the analysis and that the join has not read yet (within about a minute)."`
	Comments   []UnthemedCommentView `json:"comments"`
	NextCursor string                `json:"next_cursor,omitempty"`
	// OfflineOpinions come whole on every page.
	OfflineOpinions []ThemeOfflineView `json:"offline_opinions" doc:"The opinions received outside the online consultation (letters, the 12345 hotline, …) that are close to no theme, all of them on every page, in the order entered; staff put them into a theme with place-offline-opinions or answer them on their own (dispose-offline-opinion)."`
}

// ThemeDetailView is a theme with its representatives and a page of comments.
type ThemeDetailView struct {
	ThemeView
	Representatives []ThemeCommentView `json:"representatives"`
	Comments        []ThemeCommentView `json:"comments"`
	NextCursor      string             `json:"next_cursor,omitempty"`
	Matching        int                `json:"matching,omitempty" doc:"With q: how many of the theme's comments contain it."`
	OfflineOpinions []ThemeOfflineView `json:"offline_opinions" doc:"The opinions received outside the online consultation placed in the theme, closest first; answer-theme answers them with the theme, and each can be answered on its own (dispose-offline-opinion)."`
}

// ThemeOfflineView is an opinion received outside the online consultation, in a theme.
type ThemeOfflineView struct {
	ID            int64   `json:"id"`
	Channel       string  `json:"channel" enum:"letter,hotline,forum,site_visit,written_request,hearing"`
	ChannelName   string  `json:"channel_name"`
	ReceivedOn    string  `json:"received_on" format:"date"`
	Source        string  `json:"source"`
	ArticleAnchor string  `json:"article_anchor"`
	ArticleLabel  string  `json:"article_label"`
	Body          string  `json:"body" doc:"Plain text; render it escaped."`
	Disposition   string  `json:"disposition,omitempty" enum:"adopted,partially_adopted,not_adopted,out_of_scope,"`
	Similarity    float64 `json:"similarity" doc:"Cosine to the centroid of the theme the machine placed it in (0 when none)."`
	ByStaff       bool    `json:"by_staff" doc:"Staff put it where it is (place-offline-opinions); else the machine placed it."`
}

func themeOfflineView(o themes.OfflineOpinion) ThemeOfflineView {
	return ThemeOfflineView{ID: o.ID, Channel: o.Channel, ChannelName: o.ChannelName, ReceivedOn: o.ReceivedOn.Format(time.DateOnly),
		Source: o.Source, ArticleAnchor: o.ArticleAnchor, ArticleLabel: o.ArticleLabel, Body: o.Body, Disposition: string(o.Disposition),
		Similarity: o.Similarity, ByStaff: o.ByStaff}
}

// ThemeAnswerTemplateView is an answer template of a decision body.
type ThemeAnswerTemplateView struct {
	ID          int64     `json:"id"`
	ReasonCode  string    `json:"reason_code"`
	Title       string    `json:"title"`
	Disposition string    `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"created_at"`
}

func themeTemplateView(t themes.AnswerTemplate) ThemeAnswerTemplateView {
	return ThemeAnswerTemplateView{ID: t.ID, ReasonCode: t.ReasonCode, Title: t.Title, Disposition: string(t.Disposition),
		Reason: t.Reason, CreatedAt: t.CreatedAt.UTC()}
}

// ThemeReportFigureView is one theme of the adoption report.
type ThemeReportFigureView struct {
	ThemeID         int64             `json:"theme_id"`
	Label           string            `json:"label"`
	Published       int               `json:"published"`
	ByChannel       []ReportCountView `json:"by_channel" doc:"Published comments by channel of participation."`
	Quotes          []ThemeQuoteView  `json:"quotes"`
	Answer          *ThemeAnswerView  `json:"answer,omitempty"`
	ArticlesChanged []string          `json:"articles_changed" doc:"Labels of the articles changed."`
	Answered        int               `json:"answered"`
	Overridden      int               `json:"overridden"`
}

// ThemeQuoteView is a published comment quoted in the report.
type ThemeQuoteView struct {
	Receipt string `json:"receipt"`
	Text    string `json:"text"`
}

// ThemeReportView is the adoption report drafted from the themes.
type ThemeReportView struct {
	Report AdoptionReportView      `json:"report"`
	Themes []ThemeReportFigureView `json:"themes"`
}

type listThemesInput struct {
	DecisionPath
	Article string `query:"article" maxLength:"100" doc:"Only themes with comments on this article (its anchor, or whole for the whole draft)."`
}

type getThemeInput struct {
	ThemeID int64  `path:"theme_id" minimum:"1"`
	Limit   int    `query:"limit" minimum:"0" maximum:"200"`
	Cursor  string `query:"cursor" maxLength:"20"`
	Q       string `query:"q" maxLength:"120" doc:"Only the comments that contain this text (at most 30 characters; also found in traditional characters and in full width)."`
	Order   string `query:"order" enum:"closest,weakest" doc:"closest (the default): the theme's first comments, closest to its centroid first, then those in it as their second theme. weakest: the comments the machine placed, least close first, then those staff placed, to find comments in the wrong theme."`
}

type listUnthemedInput struct {
	DecisionPath
	Limit  int    `query:"limit" minimum:"0" maximum:"200"`
	Cursor string `query:"cursor" maxLength:"20"`
}

type addCommentsInputBody struct {
	CommentIDs []int64 `json:"comment_ids" minItems:"1" maxItems:"10000" doc:"Comments in no theme of the latest analysis (list-unthemed-comments)."`
}

type placeOfflineInputBody struct {
	OpinionIDs []int64 `json:"opinion_ids" minItems:"1" maxItems:"1000" doc:"Offline opinions of the theme's decision (offline_opinions of get-theme or list-unthemed-comments), in another theme or in none."`
}

type updateThemeInputBody struct {
	Label    *string `json:"label,omitempty" maxLength:"240" doc:"New label, at most 60 characters."`
	OffTopic *bool   `json:"off_topic,omitempty"`
	Checked  *bool   `json:"checked,omitempty" doc:"true: staff have read the theme's comments and moved those that belong elsewhere; the comments in it now are confirmed and stay in it when the decision is analysed again. true again on a checked theme confirms the comments that joined it since; false takes the mark off."`
}

type mergeThemesInput struct {
	ThemeID int64 `path:"theme_id" minimum:"1" doc:"The theme the others merge into."`
	Body    struct {
		ThemeIDs []int64 `json:"theme_ids" minItems:"1" maxItems:"50" doc:"The themes merged into it."`
		Label    string  `json:"label,omitempty" maxLength:"240"`
	}
}

type splitThemeInputBody struct {
	CommentIDs []int64 `json:"comment_ids" minItems:"1" maxItems:"10000" doc:"The comments of the new theme."`
	Label      string  `json:"label" maxLength:"240"`
}

type moveCommentsInput struct {
	ThemeID int64 `path:"theme_id" minimum:"1" doc:"The theme the comments are in now."`
	Body    struct {
		ToThemeID  int64   `json:"to_theme_id" minimum:"1"`
		CommentIDs []int64 `json:"comment_ids" minItems:"1" maxItems:"10000"`
	}
}

type answerThemeInputBody struct {
	Disposition     string   `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Reason          string   `json:"reason" maxLength:"8000" doc:"Why; required, at most 2000 characters."`
	ArticlesChanged []string `json:"articles_changed,omitempty" maxItems:"100" doc:"Anchors of the articles changed."`
	TemplateID      *int64   `json:"template_id,omitempty" doc:"The answer template used (its reason code goes into the record)."`
}

type saveTemplateInputBody struct {
	ReasonCode  string `json:"reason_code" maxLength:"32" doc:"Letters, digits, _ or -; saving an existing code replaces it."`
	Title       string `json:"title" maxLength:"240"`
	Disposition string `json:"disposition" enum:"adopted,partially_adopted,not_adopted,out_of_scope"`
	Reason      string `json:"reason" maxLength:"8000"`
}

type themeListOutputBody struct {
	Analysis ThemeAnalysisView `json:"analysis"`
	Themes   []ThemeView       `json:"themes"`
}

type themeAnswerOutput struct {
	Body struct {
		Theme       ThemeView `json:"theme"`
		Set         int       `json:"set" doc:"Published comments that now carry the answer."`
		Kept        int       `json:"kept" doc:"Published comments that keep an individual or group answer."`
		Unpublished int       `json:"unpublished" doc:"Pending comments of the theme, which get no answer yet."`
		Receipts    []string  `json:"receipts"`
		OfflineSet  int       `json:"offline_set" doc:"Opinions received outside the online consultation placed in the theme that now carry the answer (those answered on their own keep theirs)."`
	}
}

type themeTemplatesOutputBody struct {
	Templates []ThemeAnswerTemplateView `json:"templates"`
}

func (s *server) registerThemes() {
	tags := []string{"themes"}
	staff := roles(identity.RoleAgencyStaff)
	readers := roles(identity.RoleAgencyStaff, identity.RoleAdmin)
	answer(s, huma.Operation{OperationID: "analyze-themes", Method: http.MethodPost, Path: "/decisions/{decision_id}/themes/analyze",
		Summary: "Analyse the themes of the comments", Tags: tags, Errors: []int{404, 409},
		Description: "Clusters the decision's comments (published and pending) into themes with Chinese-aware features (no model, no outside " +
			"service), labels each by its distinctive words, writes a cited extractive summary, and stores the result as the next version. " +
			"New comments then join the latest version's themes every few seconds in a background job. A re-analysis keeps what staff " +
			"decided: every theme of the latest version that staff renamed, marked, checked, merged, split, answered or moved comments into is " +
			"carried on (`carried_from`) with its label, marks and answer; the comments staff placed or confirmed and those answered through it stay " +
			"there, and the machine regroups the rest. One process-record entry (themes_analysed) with the content hash. Only staff of " +
			"the lead unit. 409 `themes_changed_during_analysis` when staff kept changing the themes while it ran."},
		staff, func(ctx context.Context, in *DecisionPath) (themes.Analysis, error) {
			return s.svc.Themes.Analyze(ctx, actor(ctx), in.DecisionID)
		}, themeAnalysisView)
	answer(s, huma.Operation{OperationID: "list-themes", Method: http.MethodGet, Path: "/decisions/{decision_id}/themes",
		Summary: "List the themes", Tags: tags, Errors: []int{404},
		Description: "The active themes of the latest analysis, largest first (off-topic ones last), with sizes, stances, articles, " +
			"summaries and answers. Staff of the lead unit, the decision body and co-units, and admins."},
		readers, func(ctx context.Context, in *listThemesInput) (themeListOutputBody, error) {
			ts, a, err := s.svc.Themes.ListThemes(ctx, actor(ctx), in.DecisionID, in.Article)
			if err != nil {
				return themeListOutputBody{}, err
			}
			return themeListOutputBody{Analysis: themeAnalysisView(a), Themes: views(ts, themeView)}, nil
		}, asIs)
	register(s, huma.Operation{OperationID: "export-themes", Method: http.MethodGet, Path: "/decisions/{decision_id}/themes/export",
		Summary: "Export the themes with their comments", Tags: tags, Errors: []int{403, 404, 422},
		Description: "The latest analysis as a spreadsheet, CSV (UTF-8 with a byte-order mark) or XLSX: the themes in the board's order, " +
			"each with its comments as rows (closest first; a comment in two themes in both), then the comments in no theme, then the " +
			"opinions received by letter, hotline, forum and the other channels, by theme and then those in none. Per row the " +
			"theme's label, the machine's label, its marks (off-topic, checked, carried on) and answer, and the comment's place in the " +
			"theme, how it came there, channel, receipt (an offline opinion's source), time (Asia/Shanghai; the date an offline opinion " +
			"was received), article, stance, moderation status, its own answer and its text; " +
			"texts not yet moderated are left out and nothing about the author is written. A cell a spreadsheet could evaluate as a " +
			"formula starts with an apostrophe. Readers as list-themes.",
		Responses: spreadsheetResponses()},
		readers, func(ctx context.Context, in *spreadsheetInput) (*streamedFile, error) {
			return streamSpreadsheet(ctx, "canyu-themes-*", in.Format, func(format string) string {
				return themes.ExportFilename(in.DecisionID, format, s.svc.Consultation.Now())
			}, func(w io.Writer, format string) error {
				return s.svc.Themes.ExportThemes(ctx, actor(ctx), in.DecisionID, format, w)
			})
		})
	answer(s, huma.Operation{OperationID: "list-unthemed-comments", Method: http.MethodGet, Path: "/decisions/{decision_id}/themes/unthemed",
		Summary: "List the comments in no theme", Tags: tags, Errors: []int{404, 422},
		Description: "The comments the latest analysis and the join of new comments placed in no theme, oldest first, a page at a time: they " +
			"must still be answered (Decree 713 Art. 18), one by one or by putting them into a theme (add-comments-to-theme). " +
			"Readers as list-themes."},
		readers, func(ctx context.Context, in *listUnthemedInput) (themes.Unthemed, error) {
			return s.svc.Themes.ListUnthemed(ctx, actor(ctx), in.DecisionID, in.Limit, in.Cursor)
		}, func(u themes.Unthemed) UnthemedView {
			return UnthemedView{Analysis: themeAnalysisView(u.Analysis), Total: u.Total, Waiting: u.Waiting,
				Comments: views(u.Comments, unthemedCommentView), NextCursor: u.NextCursor,
				OfflineOpinions: views(u.Offline, themeOfflineView)}
		})
	answer(s, huma.Operation{OperationID: "get-theme", Method: http.MethodGet, Path: "/themes/{theme_id}",
		Summary: "Get a theme", Tags: tags, Errors: []int{404, 422},
		Description: "A theme with its representative comments and a page of its comments, closest first or (order=weakest) least close first, " +
			"only those containing q when it is given (their number in matching). Readers as list-themes."},
		readers, func(ctx context.Context, in *getThemeInput) (themes.ThemeDetail, error) {
			return s.svc.Themes.GetTheme(ctx, actor(ctx), in.ThemeID, themes.ThemePage{Limit: in.Limit, Cursor: in.Cursor, Order: in.Order, Query: in.Q})
		}, func(t themes.ThemeDetail) ThemeDetailView {
			return ThemeDetailView{ThemeView: themeView(t.Theme), Representatives: views(t.Representatives, themeCommentView),
				Comments: views(t.Comments, themeCommentView), NextCursor: t.NextCursor, Matching: t.Matching,
				OfflineOpinions: views(t.OfflineOpinions, themeOfflineView)}
		})
	answer(s, huma.Operation{OperationID: "update-theme", Method: http.MethodPatch, Path: "/themes/{theme_id}",
		Summary: "Rename a theme, mark it off-topic or checked", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The machine's label and off-topic suggestion are kept beside the staff's. A checked theme keeps the comments it has " +
			"when the decision is analysed again. A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *onTheme[updateThemeInputBody]) (themes.Theme, error) {
			return s.svc.Themes.UpdateTheme(ctx, actor(ctx), in.ThemeID, themes.ThemeUpdate{Label: in.Body.Label, OffTopic: in.Body.OffTopic, Checked: in.Body.Checked})
		}, themeView)
	answer(s, huma.Operation{OperationID: "merge-themes", Method: http.MethodPost, Path: "/themes/{theme_id}/merge",
		Summary: "Merge themes into this one", Tags: tags, Errors: []int{404, 409, 422},
		Description: "The listed themes become merged (kept as the machine suggested them) and their comments join this theme. " +
			"Answered themes cannot be merged (409 theme_answered). A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *mergeThemesInput) (themes.Theme, error) {
			return s.svc.Themes.MergeThemes(ctx, actor(ctx), in.ThemeID, in.Body.ThemeIDs, in.Body.Label)
		}, themeView)
	answer(s, huma.Operation{OperationID: "split-theme", Method: http.MethodPost, Path: "/themes/{theme_id}/split",
		Summary: "Split comments off into a new theme", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Makes a new theme, labelled by staff, of some comments of this one. A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *onTheme[splitThemeInputBody]) (themes.Theme, error) {
			return s.svc.Themes.SplitTheme(ctx, actor(ctx), in.ThemeID, in.Body.CommentIDs, in.Body.Label)
		}, themeView)
	answer(s, huma.Operation{OperationID: "move-comments-to-theme", Method: http.MethodPost, Path: "/themes/{theme_id}/move-comments",
		Summary: "Move comments to another theme", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Moves comments of this theme to another theme of the same analysis; the machine's membership is kept, marked removed. " +
			"A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *moveCommentsInput) (themes.Theme, error) {
			return s.svc.Themes.MoveComments(ctx, actor(ctx), in.ThemeID, in.Body.ToThemeID, in.Body.CommentIDs)
		}, themeView)
	answer(s, huma.Operation{OperationID: "add-comments-to-theme", Method: http.MethodPost, Path: "/themes/{theme_id}/add-comments",
		Summary: "Put comments in no theme into this theme", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Staff place comments that are in no theme of the latest analysis (list-unthemed-comments) into this theme; a comment " +
			"already in a theme is moved with move-comments-to-theme instead (422 comment_not_unthemed), and one that arrived after the analysis " +
			"waits until the system has placed it (409 comment_awaiting_join). They stay in the theme when the decision is analysed again. " +
			"A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *onTheme[addCommentsInputBody]) (themes.Theme, error) {
			return s.svc.Themes.AddComments(ctx, actor(ctx), in.ThemeID, in.Body.CommentIDs)
		}, themeView)
	answer(s, huma.Operation{OperationID: "place-offline-opinions", Method: http.MethodPost, Path: "/themes/{theme_id}/offline-opinions",
		Summary: "Put offline opinions into this theme", Tags: tags, Errors: []int{404, 409, 422},
		Description: "Staff put opinions received outside the online consultation (letters, the 12345 hotline, forums, site visits, written " +
			"requests, hearings) into this theme, from another theme of the analysis or from none: staff's decision, with the machine's " +
			"placement kept beside it; a full re-analysis carries it into the theme carried from this one. An opinion keeps its answer; " +
			"answering the theme (again) gives it the theme's unless it was answered on its own. 422 offline_opinion_not_found for an opinion " +
			"of another decision, same_theme when all are in it already. A process-record entry. Only staff of the lead unit."},
		staff, func(ctx context.Context, in *onTheme[placeOfflineInputBody]) (themes.Theme, error) {
			return s.svc.Themes.PlaceOfflineOpinions(ctx, actor(ctx), in.ThemeID, in.Body.OpinionIDs)
		}, themeView)
	answerWith(s, huma.Operation{OperationID: "answer-theme", Method: http.MethodPut, Path: "/themes/{theme_id}/answer",
		Summary: "Answer every comment of a theme", Tags: tags, Errors: []int{404, 409, 422},
		Description: "One disposition (kind, reason, articles changed) fanned out to every published comment of the theme through the " +
			"disposition rules of set-comment-disposition (stage, reason, record): comments answered individually or as a group keep " +
			"their answer; each comment can be overridden afterwards with set-comment-disposition; answering again revises the theme's " +
			"own answers. The opinions received outside the online consultation placed in the theme (offline_opinions of get-theme) get " +
			"the answer too, in the same transaction, unless answered on their own (dispose-offline-opinion). Decree 713 Art. 18. " +
			"Only staff of the lead unit."},
		staff, func(ctx context.Context, in *onTheme[answerThemeInputBody]) (themes.ThemeAnswerResult, error) {
			return s.svc.Themes.AnswerTheme(ctx, actor(ctx), in.ThemeID, themes.ThemeAnswerInput{
				Disposition: consultation.DispositionKind(in.Body.Disposition), Reason: in.Body.Reason,
				ArticlesChanged: in.Body.ArticlesChanged, TemplateID: in.Body.TemplateID})
		}, func(r themes.ThemeAnswerResult) *themeAnswerOutput {
			out := &themeAnswerOutput{}
			out.Body.Theme, out.Body.Set, out.Body.Kept, out.Body.Unpublished, out.Body.Receipts, out.Body.OfflineSet =
				themeView(r.Theme), r.Set, r.Kept, r.Unpublished, r.Receipts, r.OfflineSet
			return out
		})
	answer(s, huma.Operation{OperationID: "save-theme-answer-template", Method: http.MethodPost,
		Path: "/decisions/{decision_id}/theme-answer-templates", Summary: "Save an answer template", Tags: tags, Errors: []int{404, 422},
		Description: "Saves an answer template with a reason code for the decision's decision body (replacing one with the same code). " +
			"Staff of the lead unit or of the decision body."},
		staff, func(ctx context.Context, in *onDecision[saveTemplateInputBody]) (themes.AnswerTemplate, error) {
			return s.svc.Themes.SaveAnswerTemplate(ctx, actor(ctx), in.DecisionID, themes.AnswerTemplateInput{ReasonCode: in.Body.ReasonCode,
				Title: in.Body.Title, Disposition: consultation.DispositionKind(in.Body.Disposition), Reason: in.Body.Reason})
		}, themeTemplateView)
	answer(s, huma.Operation{OperationID: "list-theme-answer-templates", Method: http.MethodGet,
		Path: "/decisions/{decision_id}/theme-answer-templates", Summary: "List the answer templates", Tags: tags, Errors: []int{404},
		Description: "The answer templates of the decision's decision body by reason code. Readers as list-themes."},
		readers, func(ctx context.Context, in *DecisionPath) ([]themes.AnswerTemplate, error) {
			return s.svc.Themes.ListAnswerTemplates(ctx, actor(ctx), in.DecisionID)
		}, func(list []themes.AnswerTemplate) themeTemplatesOutputBody {
			return themeTemplatesOutputBody{Templates: views(list, themeTemplateView)}
		})
	answer(s, huma.Operation{OperationID: "draft-adoption-report-from-themes", Method: http.MethodPost,
		Path: "/decisions/{decision_id}/adoption-report/draft-from-themes", Summary: "Draft the adoption report from the themes",
		Tags: tags, Errors: []int{404, 409},
		Description: "Generates the adoption report (as generate-adoption-report) and adds a section per theme: its published comments " +
			"by channel, representative quotes, its answer and the articles changed. Staff then edit it with update-adoption-report and " +
			"publish it as usual. Only staff of the lead unit, while the decision is in handling."},
		staff, func(ctx context.Context, in *DecisionPath) (themes.ThemeReport, error) {
			return s.svc.Themes.DraftAdoptionReportFromThemes(ctx, actor(ctx), in.DecisionID)
		}, func(r themes.ThemeReport) ThemeReportView {
			return ThemeReportView{Report: adoptionReportView(r.Report), Themes: views(r.Themes, themeReportFigureView)}
		})
}

func themeReportFigureView(f themes.ThemeFigure) ThemeReportFigureView {
	v := ThemeReportFigureView{ThemeID: f.ThemeID, Label: f.Label, Published: f.Published,
		ByChannel:       views(f.ByChannel, themeCountView),
		Quotes:          views(f.Quotes, func(q themes.Quote) ThemeQuoteView { return ThemeQuoteView{Receipt: q.Receipt, Text: q.Text} }),
		ArticlesChanged: f.ArticlesChanged, Answered: f.Answered, Overridden: f.Overridden}
	if f.Answer != nil {
		v.Answer = themeView(themes.Theme{Answer: f.Answer}).Answer
	}
	return v
}

func themeCountView(c themes.Count) ReportCountView {
	return ReportCountView{Key: c.Key, Name: c.Name, Count: c.Count}
}
