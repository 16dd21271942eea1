package consultation

import (
	"bytes"
	"context"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// MaxAttachmentSize is the largest attachment accepted: 20 MiB (issue 3),
// enough for a scanned explanation or a site plan, small enough to keep in
// PostgreSQL next to the version it belongs to.
const MaxAttachmentSize = 20 << 20

// MaxAttachmentsPerVersion bounds the attachments of one draft version.
const MaxAttachmentsPerVersion = 10

// maxFilenameRunes bounds an attachment's file name (most file systems allow 255).
const maxFilenameRunes = 255

// Attachment content types: PDF documents and the raster image formats every
// browser shows. SVG is deliberately absent: it can carry script.
const (
	ContentTypePDF  = "application/pdf"
	ContentTypePNG  = "image/png"
	ContentTypeJPEG = "image/jpeg"
	ContentTypeGIF  = "image/gif"
	ContentTypeWebP = "image/webp"
)

// AttachmentInput is an uploaded file. ContentType is what the client
// claimed; it is not trusted: the stored type is sniffed from Data.
type AttachmentInput struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Attachment is the metadata of a stored file: a draft version's
// attachment (VersionID set) or a procedure document's (ProcedureDocumentID set).
type Attachment struct {
	ID                  int64     `db:"id"`
	DecisionID          int64     `db:"decision_id"`
	VersionID           *int64    `db:"version_id"`
	ProcedureDocumentID *int64    `db:"procedure_document_id"`
	Filename            string    `db:"filename"`
	ContentType         string    `db:"content_type"`
	Size                int64     `db:"size"`
	SHA256              string    `db:"sha256"`
	CreatedAt           time.Time `db:"created_at"`
}

// AttachmentContent is an attachment with its bytes.
type AttachmentContent struct {
	Attachment
	Data []byte
}

// AttachmentDigest is what a draft version's content hash covers of each
// attachment (see VersionContentHash).
type AttachmentDigest struct {
	Filename    string `json:"filename"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Digest returns the part of the attachment a content hash covers.
func (a Attachment) Digest() AttachmentDigest {
	return AttachmentDigest{Filename: a.Filename, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType}
}

// SniffAttachmentType returns the content type of data judged from its
// leading bytes (the file's magic number), or "" when it is not one of the
// accepted types. The name and the client's claimed type play no part: a
// renamed executable or HTML page is refused however it is labelled.
func SniffAttachmentType(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return ContentTypePDF
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return ContentTypePNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return ContentTypeJPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return ContentTypeGIF
	case len(data) >= 16 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:15]) == "WEBPVP8":
		return ContentTypeWebP
	}
	return ""
}

// preparedAttachment is a validated upload with its sniffed type and hash.
type preparedAttachment struct {
	filename    string
	contentType string
	data        []byte
	sha256      string
}

func (p preparedAttachment) digest() AttachmentDigest {
	return AttachmentDigest{Filename: p.filename, SHA256: p.sha256, Size: int64(len(p.data)), ContentType: p.contentType}
}

// prepareAttachments validates uploads. Codes: too_many_attachments,
// invalid_attachment_filename, attachment_empty, attachment_too_large,
// attachment_type_not_allowed.
func prepareAttachments(in []AttachmentInput) ([]preparedAttachment, error) {
	if len(in) > MaxAttachmentsPerVersion {
		return nil, errs.InvalidField("too_many_attachments", "attachments",
			"每个版本最多上传"+strconv.Itoa(MaxAttachmentsPerVersion)+"个附件")
	}
	out := make([]preparedAttachment, 0, len(in))
	for i, a := range in {
		field := "attachments[" + strconv.Itoa(i) + "]"
		name := cleanFilename(a.Filename)
		if name == "" {
			return nil, errs.InvalidField("invalid_attachment_filename", field+".filename", "附件必须有文件名（不超过255个字符）")
		}
		if len(a.Data) == 0 {
			return nil, errs.InvalidField("attachment_empty", field+".data", "附件“"+name+"”是空文件")
		}
		if len(a.Data) > MaxAttachmentSize {
			return nil, &errs.Error{Kind: errs.KindTooLarge, Code: "attachment_too_large",
				Message: "附件“" + name + "”超过20 MiB", Fields: []errs.FieldError{{Field: field + ".data", Message: "附件不能超过20 MiB"}}}
		}
		ct := SniffAttachmentType(a.Data)
		if ct == "" {
			return nil, errs.InvalidField("attachment_type_not_allowed", field+".data",
				"附件“"+name+"”不是PDF文件或PNG、JPEG、GIF、WebP图片")
		}
		out = append(out, preparedAttachment{filename: name, contentType: ct, data: a.Data, sha256: SHA256Hex(a.Data)})
	}
	return out, nil
}

// cleanFilename keeps the last path element of a client-supplied name, drops
// control and format characters (including NUL, which PostgreSQL text cannot
// hold, and the bidirectional overrides that disguise an extension) and
// trims it; "" when nothing usable is left or the name is too long.
func cleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." || utf8.RuneCountInString(name) > maxFilenameRunes {
		return ""
	}
	return name
}

// storeAttachment inserts a prepared attachment of a draft version or a
// procedure document inside tx and appends its attachment_stored record
// entry. The caller holds the decision lock.
func (s *Service) storeAttachment(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, versionID, documentID *int64, p preparedAttachment) (Attachment, error) {
	a := Attachment{DecisionID: decisionID, VersionID: versionID, ProcedureDocumentID: documentID, Filename: p.filename,
		ContentType: p.contentType, Size: int64(len(p.data)), SHA256: p.sha256, CreatedAt: s.now().Truncate(time.Microsecond)}
	if err := tx.QueryRow(ctx, `INSERT INTO attachments (decision_id, version_id, procedure_document_id, filename, content_type, size, sha256, data, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		decisionID, versionID, documentID, a.Filename, a.ContentType, a.Size, a.SHA256, p.data, actor.ID, a.CreatedAt).Scan(&a.ID); err != nil {
		return Attachment{}, errs.Internal(err)
	}
	payload := map[string]any{"attachment_id": a.ID, "filename": a.Filename, "sha256": a.SHA256, "size": a.Size, "content_type": a.ContentType}
	if versionID != nil {
		payload["version_id"] = *versionID
	}
	if documentID != nil {
		payload["procedure_document_id"] = *documentID
	}
	if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordAttachmentStored, payload); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

const attachmentColumns = `id, decision_id, version_id, procedure_document_id, filename, content_type, size, sha256, created_at`

// versionAttachments lists the attachments of a draft version in upload order.
func versionAttachments(ctx context.Context, q querier, versionID int64) ([]Attachment, error) {
	return pgrows.All[Attachment](ctx, q, `SELECT `+attachmentColumns+` FROM attachments WHERE version_id = $1 ORDER BY id`,
		versionID)
}

var errAttachmentNotFound = errs.NotFound("attachment_not_found", "附件不存在")

// GetAttachment returns an attachment with its bytes. Anyone may call it;
// an attachment is visible exactly when its draft version is (see
// versionPublic), and a procedure document's attachment only to those who
// see the decision internally. Everyone else gets attachment_not_found, so
// an unpublished file is indistinguishable from a missing one. Codes:
// attachment_not_found.
func (s *Service) GetAttachment(ctx context.Context, actor *identity.Account, id int64) (AttachmentContent, error) {
	a, err := queryOne[Attachment](ctx, s.DB, errAttachmentNotFound, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id)
	if err != nil {
		return AttachmentContent{}, err
	}
	visible, err := s.attachmentVisible(ctx, actor, a)
	if err != nil {
		return AttachmentContent{}, err
	}
	if !visible {
		return AttachmentContent{}, errAttachmentNotFound
	}
	// The bytes are read only once the caller may have them.
	out := AttachmentContent{Attachment: a}
	if err := s.DB.QueryRow(ctx, `SELECT data FROM attachments WHERE id = $1`, id).Scan(&out.Data); err != nil {
		return AttachmentContent{}, errs.Internal(err)
	}
	return out, nil
}

// attachmentVisible applies the visibility rule of GetAttachment.
func (s *Service) attachmentVisible(ctx context.Context, actor *identity.Account, a Attachment) (bool, error) {
	d, err := getDecision(ctx, s.DB, a.DecisionID, false)
	if err != nil {
		return false, err
	}
	if canSeeInternal(actor, &d) {
		return true, nil
	}
	if !canSee(actor, &d) || a.ProcedureDocumentID != nil || a.VersionID == nil {
		return false, nil
	}
	return versionPublic(ctx, s.DB, d.ID, *a.VersionID)
}
