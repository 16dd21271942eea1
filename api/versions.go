package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// maxVersionBodyBytes bounds a create-draft-version request: the most
// attachments a version may have, each of the largest size, base64-encoded
// (4 bytes per 3), plus 16 MiB for the text, explanation and JSON syntax.
// About 283 MiB; issue 3 suggested 256 MiB, which ten 20 MiB files exceed.
const maxVersionBodyBytes = consultation.MaxAttachmentsPerVersion*((consultation.MaxAttachmentSize+2)/3*4) + 16<<20

// versionBodyReadTimeout allows a large upload over a slow government
// network (256 MiB at 8 Mbit/s takes about 4.5 minutes).
const versionBodyReadTimeout = 10 * time.Minute

// DraftArticleView is one article of a draft version.
type DraftArticleView struct {
	Number  int    `json:"number" doc:"Position in the version, 1..N in reading order."`
	Anchor  string `json:"anchor" doc:"Stable anchor kept across versions while the article's text is unchanged, moved or lightly edited; comments attach to it."`
	Label   string `json:"label" doc:"The marker as written, e.g. 第三条, 三、 or 3.; empty for plain paragraphs."`
	Heading string `json:"heading" doc:"The chapter (and section) heading the article falls under; empty if none."`
	Text    string `json:"text" doc:"The article's full text including its label."`
}

// AttachmentView is the metadata of a stored attachment.
type AttachmentView struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type" enum:"application/pdf,image/png,image/jpeg,image/gif,image/webp" doc:"Sniffed from the file's bytes, not taken from the upload."`
	Size        int64     `json:"size" doc:"Size in bytes."`
	SHA256      string    `json:"sha256" doc:"Hex SHA-256 of the bytes."`
	URL         string    `json:"url" doc:"Where get-attachment serves the bytes."`
	CreatedAt   time.Time `json:"created_at"`
}

// DraftVersionSummaryView is a draft version in a list, without its text.
type DraftVersionSummaryView struct {
	ID              int64     `json:"id"`
	Number          int       `json:"number" doc:"1..n per decision."`
	ContentHash     string    `json:"content_hash" doc:"Hex SHA-256 over the canonical JSON of text, explanation, legal basis and attachment digests."`
	Explanation     string    `json:"explanation" doc:"起草说明 (Decree 713 Art. 15)."`
	LegalBasis      []string  `json:"legal_basis" doc:"法律依据 (Decree 713 Art. 12)."`
	ArticleCount    int       `json:"article_count"`
	AttachmentCount int       `json:"attachment_count"`
	Public          bool      `json:"public" doc:"Whether residents and visitors may see it (it is or was under public consultation)."`
	CreatedAt       time.Time `json:"created_at"`
}

// DraftVersionView is one draft version with its articles and attachments.
type DraftVersionView struct {
	ID          int64              `json:"id"`
	DecisionID  int64              `json:"decision_id"`
	Number      int                `json:"number" doc:"1..n per decision."`
	Text        string             `json:"text" doc:"The draft text as stored (normalised line breaks and spacing)."`
	Preamble    string             `json:"preamble" doc:"Text before the first article (title, issuing body)."`
	Explanation string             `json:"explanation" doc:"起草说明 (Decree 713 Art. 15)."`
	LegalBasis  []string           `json:"legal_basis" doc:"法律依据 (Decree 713 Art. 12)."`
	ContentHash string             `json:"content_hash" doc:"Hex SHA-256 over the canonical JSON of text, explanation, legal basis and attachment digests; sign-offs are made over it."`
	Public      bool               `json:"public" doc:"Whether residents and visitors may see it (it is or was under public consultation)."`
	Articles    []DraftArticleView `json:"articles"`
	Attachments []AttachmentView   `json:"attachments"`
	CreatedAt   time.Time          `json:"created_at"`
}

// ArticleChangeView is one article in a version comparison.
type ArticleChangeView struct {
	Anchor    string            `json:"anchor"`
	OldNumber int               `json:"old_number" doc:"Number in the old version, 0 if added."`
	NewNumber int               `json:"new_number" doc:"Number in the new version, 0 if removed."`
	OldText   string            `json:"old_text"`
	NewText   string            `json:"new_text"`
	Diff      []DiffSegmentView `json:"diff,omitempty" doc:"Character-level diff from old_text to new_text; only for changed articles."`
}

// DiffSegmentView is one run of a character-level diff.
type DiffSegmentView struct {
	Op   string `json:"op" enum:"equal,insert,delete"`
	Text string `json:"text"`
}

// VersionComparisonView lists what changed between two versions, matched by anchor.
type VersionComparisonView struct {
	From      int                 `json:"from"`
	To        int                 `json:"to"`
	Added     []ArticleChangeView `json:"added"`
	Removed   []ArticleChangeView `json:"removed"`
	Changed   []ArticleChangeView `json:"changed"`
	Unchanged []ArticleChangeView `json:"unchanged" doc:"Same text, including moved or renumbered articles."`
}

// AttachmentUpload is an attachment in a create-draft-version request.
type AttachmentUpload struct {
	Filename    string `json:"filename" maxLength:"1024"`
	ContentType string `json:"content_type,omitempty" maxLength:"255" doc:"Informational only: the stored type is sniffed from the bytes."`
	Data        []byte `json:"data" doc:"The file, base64-encoded. PDF, PNG, JPEG, GIF or WebP, at most 20 MiB."`
}

func attachmentView(a consultation.Attachment) AttachmentView {
	return AttachmentView{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
		URL: fmt.Sprintf("/api/v1/attachments/%d", a.ID), CreatedAt: a.CreatedAt}
}

func draftVersionView(v consultation.DraftVersion) DraftVersionView {
	out := DraftVersionView{ID: v.ID, DecisionID: v.DecisionID, Number: v.Number, Text: v.Text, Preamble: v.Preamble,
		Explanation: v.Explanation, LegalBasis: v.LegalBasis, ContentHash: v.ContentHash, Public: v.Public,
		Articles: views(v.Articles, draftArticleView), Attachments: views(v.Attachments, attachmentView), CreatedAt: v.CreatedAt}
	if out.LegalBasis == nil {
		out.LegalBasis = []string{}
	}
	return out
}

func draftArticleView(a consultation.AnchoredArticle) DraftArticleView {
	return DraftArticleView{Number: a.Number, Anchor: a.Anchor, Label: a.Label, Heading: a.Heading, Text: a.Text}
}

func draftVersionSummaryView(v consultation.DraftVersion) DraftVersionSummaryView {
	out := DraftVersionSummaryView{ID: v.ID, Number: v.Number, ContentHash: v.ContentHash, Explanation: v.Explanation,
		LegalBasis: v.LegalBasis, ArticleCount: v.ArticleCount, AttachmentCount: v.AttachmentCount, Public: v.Public, CreatedAt: v.CreatedAt}
	if out.LegalBasis == nil {
		out.LegalBasis = []string{}
	}
	return out
}

func articleChangeView(c consultation.ArticleChange) ArticleChangeView {
	v := ArticleChangeView{Anchor: c.Anchor, OldNumber: c.OldNumber, NewNumber: c.NewNumber, OldText: c.OldText, NewText: c.NewText}
	for _, d := range c.Diff {
		v.Diff = append(v.Diff, DiffSegmentView{Op: d.Op, Text: d.Text})
	}
	return v
}

// contentDisposition makes an attachment download header: an ASCII fallback
// name for old clients and the exact UTF-8 name (RFC 6266, RFC 8187).
func contentDisposition(name string) string {
	var fallback, exact strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			fallback.WriteByte('_')
		} else {
			fallback.WriteRune(r)
		}
	}
	const attrChar = "!#$&+-.^_`|~"
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte(attrChar, b) >= 0 {
			exact.WriteByte(b)
		} else {
			fmt.Fprintf(&exact, "%%%02X", b)
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + exact.String()
}

type createDraftVersionInput struct {
	DecisionID int64 `path:"decision_id"`
	Body       struct {
		Text        string             `json:"text,omitempty" doc:"The draft text (决策草案), split into articles by 第X条, 一、 or numbered paragraphs. Required; at most 200,000 characters."`
		Explanation string             `json:"explanation,omitempty" doc:"起草说明 (Decree 713 Art. 15); required before the consultation opens. At most 50,000 characters."`
		LegalBasis  []string           `json:"legal_basis,omitempty" maxItems:"100" doc:"法律依据 (Decree 713 Art. 12), one entry per law or article."`
		Attachments []AttachmentUpload `json:"attachments,omitempty" doc:"At most 10 files (PDF, PNG, JPEG, GIF, WebP), each at most 20 MiB."`
	}
}

type decisionVersionsInput struct {
	DecisionID int64 `path:"decision_id"`
	PageQuery
}

type draftVersionsOutputBody struct {
	Versions   []DraftVersionSummaryView `json:"versions"`
	NextCursor string                    `json:"next_cursor,omitempty"`
}

type draftVersionInput struct {
	DecisionID int64 `path:"decision_id"`
	Number     int   `path:"number" minimum:"1"`
}

type compareVersionsInput struct {
	DecisionID int64 `path:"decision_id"`
	From       int   `query:"from" required:"true" minimum:"1" doc:"Number of the old version."`
	To         int   `query:"to" required:"true" minimum:"1" doc:"Number of the new version."`
}

type attachmentInput struct {
	AttachmentID int64 `path:"attachment_id"`
}

type attachmentDownloadOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentLength      int64  `header:"Content-Length"`
	ContentDisposition string `header:"Content-Disposition"`
	ContentTypeOptions string `header:"X-Content-Type-Options"`
	ContentSHA256      string `header:"X-Content-SHA256" doc:"Hex SHA-256 of the bytes, as recorded in the process record."`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

func (s *server) registerVersions() {
	tags := []string{"Draft versions"}
	answer(s, huma.Operation{OperationID: "create-draft-version", Method: http.MethodPost, Path: "/decisions/{decision_id}/versions",
		Summary: "Upload a draft version", Tags: tags, DefaultStatus: http.StatusCreated,
		MaxBodyBytes: maxVersionBodyBytes, BodyReadTimeout: versionBodyReadTimeout,
		Description: "Adds the next immutable version of the draft with its explanation, legal basis and attachments (base64 in the JSON body). " +
			"Articles keep the anchors of the previous version when unchanged, moved or lightly edited. " +
			"Only staff of the lead unit, while the decision is in drafting, handling or under review; never during the consultation."},
		roles(identity.RoleAgencyStaff), func(ctx context.Context, in *createDraftVersionInput) (consultation.DraftVersion, error) {
			atts := make([]consultation.AttachmentInput, len(in.Body.Attachments))
			for i, a := range in.Body.Attachments {
				atts[i] = consultation.AttachmentInput{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data}
			}
			return s.svc.Consultation.CreateDraftVersion(ctx, actor(ctx), in.DecisionID, consultation.DraftVersionInput{
				Text: in.Body.Text, Explanation: in.Body.Explanation, LegalBasis: in.Body.LegalBasis, Attachments: atts})
		}, func(v consultation.DraftVersion) DraftVersionView { return draftVersionView(v) })
	answerPage(s, huma.Operation{OperationID: "list-draft-versions", Method: http.MethodGet, Path: "/decisions/{decision_id}/versions",
		Summary: "List draft versions", Tags: tags,
		Description: "Versions in order, without their text. Residents and visitors see only versions that are or were under public consultation."},
		public(), func(ctx context.Context, in *decisionVersionsInput) ([]consultation.DraftVersion, string, error) {
			return s.svc.Consultation.ListDraftVersions(ctx, actor(ctx), in.DecisionID, in.Limit, in.Cursor)
		}, draftVersionSummaryView, func(list []DraftVersionSummaryView, next string) draftVersionsOutputBody {
			return draftVersionsOutputBody{Versions: list, NextCursor: next}
		})
	// Registered before /versions/{number}; chi prefers the static segment anyway.
	answer(s, huma.Operation{OperationID: "compare-draft-versions", Method: http.MethodGet, Path: "/decisions/{decision_id}/versions/compare",
		Summary: "Compare two draft versions", Tags: tags,
		Description: "Articles added, removed, changed (with a character-level diff) and unchanged between version `from` and version `to`, matched by anchor."},
		public(), func(ctx context.Context, in *compareVersionsInput) (VersionComparisonView, error) {
			c, err := s.svc.Consultation.CompareDraftVersions(ctx, actor(ctx), in.DecisionID, in.From, in.To)
			if err != nil {
				return VersionComparisonView{}, err
			}
			return VersionComparisonView{From: in.From, To: in.To,
				Added: views(c.Added, articleChangeView), Removed: views(c.Removed, articleChangeView),
				Changed: views(c.Changed, articleChangeView), Unchanged: views(c.Unchanged, articleChangeView)}, nil
		}, asIs)
	answer(s, huma.Operation{OperationID: "get-draft-version", Method: http.MethodGet, Path: "/decisions/{decision_id}/versions/{number}",
		Summary: "Get a draft version", Tags: tags,
		Description: "The version's text, articles with their anchors, explanation, legal basis and attachment metadata."},
		public(), func(ctx context.Context, in *draftVersionInput) (consultation.DraftVersion, error) {
			return s.svc.Consultation.GetDraftVersion(ctx, actor(ctx), in.DecisionID, in.Number)
		}, draftVersionView)
	binary := &huma.Schema{Type: "string", Format: "binary"}
	register(s, huma.Operation{OperationID: "get-attachment", Method: http.MethodGet, Path: "/attachments/{attachment_id}",
		Summary: "Download an attachment", Tags: tags,
		Description: "The file's bytes as stored, with its SHA-256 in `X-Content-SHA256`. Visible exactly when its draft version is; attachments of procedure documents only to the agencies and reviewers concerned.",
		Responses: map[string]*huma.Response{"200": {Description: "The file.", Content: map[string]*huma.MediaType{
			consultation.ContentTypePDF: {Schema: binary}, consultation.ContentTypePNG: {Schema: binary},
			consultation.ContentTypeJPEG: {Schema: binary}, consultation.ContentTypeGIF: {Schema: binary},
			consultation.ContentTypeWebP: {Schema: binary}}}}},
		public(), func(ctx context.Context, in *attachmentInput) (*attachmentDownloadOutput, error) {
			a, err := s.svc.Consultation.GetAttachment(ctx, actor(ctx), in.AttachmentID)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			return &attachmentDownloadOutput{ContentType: a.ContentType, ContentLength: int64(len(a.Data)),
				ContentDisposition: contentDisposition(a.Filename), ContentTypeOptions: "nosniff", ContentSHA256: a.SHA256,
				// Visibility depends on the caller: no shared cache may keep it.
				CacheControl: "private, no-cache", Body: a.Data}, nil
		})
}
