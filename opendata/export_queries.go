package opendata

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
)

var (
	errExportNotFound = errs.NotFound("open_data_export_not_found", "没有这个公开数据导出")
	errFileNotFound   = errs.NotFound("open_data_file_not_found", "导出中没有这个文件")
)

const exportColumns = `id, day, feed_seq, manifest, signature, signer_key, created_at, completed_at`

func scanExport(row pgx.Row) (Export, error) {
	var e Export
	err := row.Scan(&e.ID, &e.Day, &e.FeedSeq, &e.Manifest, &e.Signature, &e.SignerKey, &e.CreatedAt, &e.CompletedAt)
	e.CreatedAt, e.CompletedAt = e.CreatedAt.UTC(), e.CompletedAt.UTC()
	return e, err
}

// ListExports returns the complete exports, newest first. Anyone may call
// it. Codes: invalid_cursor.
func (s *Service) ListExports(ctx context.Context, limit int, after string) ([]Export, string, error) {
	before, err := cursor.Decode(after)
	if err != nil {
		return nil, "", err
	}
	limit = cursor.Limit(limit)
	rows, err := s.DB.Query(ctx, `SELECT `+exportColumns+` FROM open_data_exports
		WHERE status = 'complete' AND ($1::bigint = 0 OR id < $1) ORDER BY id DESC LIMIT $2`, before, limit+1)
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Export, error) { return scanExport(r) })
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = cursor.Encode(out[len(out)-1].ID)
	}
	for i := range out {
		if out[i].Files, err = s.exportFiles(ctx, out[i].ID); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// GetExport returns one complete export with its files. Anyone may call it.
// Codes: open_data_export_not_found.
func (s *Service) GetExport(ctx context.Context, id int64) (Export, error) {
	e, err := scanExport(s.DB.QueryRow(ctx, `SELECT `+exportColumns+` FROM open_data_exports WHERE id = $1 AND status = 'complete'`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Export{}, errExportNotFound
	}
	if err != nil {
		return Export{}, errs.Internal(err)
	}
	e.Files, err = s.exportFiles(ctx, id)
	return e, err
}

func (s *Service) exportOfDay(ctx context.Context, day time.Time) (Export, error) {
	var id int64
	if err := s.DB.QueryRow(ctx, `SELECT id FROM open_data_exports WHERE day = $1`, day).Scan(&id); err != nil {
		return Export{}, errs.Internal(err)
	}
	return s.GetExport(ctx, id)
}

func (s *Service) exportFiles(ctx context.Context, id int64) ([]ExportFile, error) {
	rows, err := s.DB.Query(ctx, `SELECT name, content_type, bytes, sha256, rows FROM open_data_export_files WHERE export_id = $1 ORDER BY name`, id)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ExportFile])
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// ExportFileInfo returns one file's line of a complete export. Codes:
// open_data_export_not_found, open_data_file_not_found.
func (s *Service) ExportFileInfo(ctx context.Context, id int64, name string) (ExportFile, error) {
	e, err := s.GetExport(ctx, id)
	if err != nil {
		return ExportFile{}, err
	}
	for _, f := range e.Files {
		if f.Name == name {
			return f, nil
		}
	}
	return ExportFile{}, errFileNotFound
}

// CopyExportFile writes one file of an export to w, one chunk at a time.
func (s *Service) CopyExportFile(ctx context.Context, id int64, name string, w io.Writer) error {
	for n := 0; ; n++ {
		var data []byte
		err := s.DB.QueryRow(ctx, `SELECT data FROM open_data_export_chunks WHERE export_id = $1 AND name = $2 AND n = $3`, id, name, n).Scan(&data)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return errs.Internal(err)
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
}
