package hearing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// MaxScanSize bounds a scan (a letter, a work order, a signed page): 10 MiB.
const MaxScanSize = 10 << 20

// Scan is an uploaded scan of a source: a letter, a 12345 work order, a
// forum's sign-in sheet, a signed page of the hearing record.
type Scan struct {
	Filename string
	Data     []byte
}

// File is a stored scan.
type File struct {
	ID          int64     `db:"id" json:"id"`
	DecisionID  int64     `db:"decision_id" json:"decision_id"`
	Filename    string    `db:"filename" json:"filename"`
	ContentType string    `db:"content_type" json:"content_type"`
	Size        int64     `db:"size" json:"size"`
	SHA256      string    `db:"sha256" json:"sha256"`
	UploadedAt  time.Time `db:"uploaded_at" json:"uploaded_at"`
	Data        []byte    `db:"data" json:"-"`
}

// storeScan checks and stores a scan inside tx. The type is sniffed from
// the content (PDF, PNG, JPEG, GIF, WebP), never taken from the name.
func storeScan(ctx context.Context, tx pgx.Tx, actor *identity.Account, decisionID int64, field string, sc Scan, now time.Time) (File, error) {
	if len(sc.Data) == 0 {
		return File{}, errs.InvalidField("scan_required", field, "请上传来源材料的扫描件")
	}
	if len(sc.Data) > MaxScanSize {
		return File{}, &errs.Error{Kind: errs.KindTooLarge, Code: "scan_too_large", Message: "扫描件不能超过10MB",
			Fields: []errs.FieldError{{Field: field, Message: "扫描件不能超过10MB"}}}
	}
	ct := consultation.SniffAttachmentType(sc.Data)
	if ct == "" {
		return File{}, errs.InvalidField("scan_type_not_allowed", field, "扫描件须为PDF、PNG、JPEG、GIF或WebP文件")
	}
	name := cleanText(sc.Filename)
	if name == "" {
		name = "扫描件"
	}
	sum := sha256.Sum256(sc.Data)
	f := File{DecisionID: decisionID, Filename: name, ContentType: ct, Size: int64(len(sc.Data)), SHA256: hex.EncodeToString(sum[:]),
		UploadedAt: now, Data: sc.Data}
	err := tx.QueryRow(ctx, `INSERT INTO hearing_files (decision_id, filename, content_type, size, sha256, data, uploaded_by, uploaded_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, decisionID, f.Filename, ct, f.Size, f.SHA256, sc.Data, actor.ID, now).Scan(&f.ID)
	if err != nil {
		return File{}, errs.Internal(err)
	}
	return f, nil
}

// GetScan returns a stored scan. Scans may carry personal data (a letter's
// sender, a signature): only staff of the decision's lead unit may read
// them. Codes: scan_not_found, not_lead_unit_staff, decision_not_found.
func (s *Service) GetScan(ctx context.Context, actor *identity.Account, id int64) (File, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, decision_id, filename, content_type, size, sha256, uploaded_at, data
		FROM hearing_files WHERE id = $1`, id)
	if err != nil {
		return File{}, errs.Internal(err)
	}
	f, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[File])
	if errors.Is(err, pgx.ErrNoRows) {
		return File{}, errs.NotFound("scan_not_found", "扫描件不存在")
	}
	if err != nil {
		return File{}, errs.Internal(err)
	}
	if _, err := s.leadDecision(ctx, actor, f.DecisionID); err != nil {
		return File{}, err
	}
	return f, nil
}
