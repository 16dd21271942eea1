package opendata

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Retention is how long an export is kept.
const Retention = 30 * 24 * time.Hour

// Licence is the licence of the open data, stated in every export.
const Licence = "CC-BY-4.0"

// licenceText is LICENSE.txt of every export.
const licenceText = `canyu 参与 平台公开数据
许可：知识共享 署名 4.0 国际（CC BY 4.0），https://creativecommons.org/licenses/by/4.0/legalcode.zh-hans
可以自由复制、发行、改编和商业使用，须注明来源“canyu 参与 重大行政决策公众参与平台”，并注明是否作了修改。
公众意见以作者化名或其自愿公开的名字发布；作者删除个人数据后，其意见不再出现在后续的导出和变更流中，
转载方应以变更流中的删除标记（removed）为准同步删除。

Licence: Creative Commons Attribution 4.0 International (CC BY 4.0).
`

// Signer signs an export's manifest: the platform's Ed25519 record key
// (consultation.Signer), whose public key get-record-public-key serves.
type Signer interface {
	KeyID() string
	// SignEntryHash signs the bytes of the string and returns base64.
	SignEntryHash(msg string) string
}

// ExportFile is one file of an export.
type ExportFile struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256"`
	Rows        int64  `json:"rows"`
}

// Manifest is what an export's signature covers, as its JSON text.
type Manifest struct {
	ExportID  int64        `json:"export_id"`
	Day       string       `json:"day"`
	CreatedAt time.Time    `json:"created_at"`
	FeedSeq   int64        `json:"feed_seq"`
	Licence   string       `json:"licence"`
	KeyID     string       `json:"key_id"`
	Files     []ExportFile `json:"files"`
}

// Export is one stored export.
type Export struct {
	ID          int64
	Day         time.Time
	FeedSeq     int64
	Manifest    string
	Signature   string
	SignerKey   string
	CreatedAt   time.Time
	CompletedAt time.Time
	Files       []ExportFile
}

// BuildExport writes today's export if it is not there yet, and removes
// exports older than Retention. It runs as the daily job; each collection is
// read in one REPEATABLE READ snapshot and streamed through gzip into
// 1 MiB chunks, so memory stays bounded whatever the size.
func (s *Service) BuildExport(ctx context.Context, signer Signer) (Export, error) {
	if signer == nil {
		return Export{}, errs.Internal(errors.New("open data export: no signing key"))
	}
	now := s.now().UTC()
	if _, err := s.DB.Exec(ctx, `DELETE FROM open_data_exports WHERE created_at < $1 OR (status = 'building' AND created_at < $2)`,
		now.Add(-Retention), now.Add(-6*time.Hour)); err != nil {
		return Export{}, errs.Internal(err)
	}
	day := now.Truncate(24 * time.Hour)
	var id int64
	err := s.DB.QueryRow(ctx, `INSERT INTO open_data_exports (day, created_at) VALUES ($1, $2)
		ON CONFLICT (day) DO NOTHING RETURNING id`, day, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		// Built already today (or being built by another instance).
		return s.exportOfDay(ctx, day)
	}
	if err != nil {
		return Export{}, errs.Internal(err)
	}
	ex, err := s.build(ctx, id, day, now, signer)
	if err != nil {
		// Leave no half export behind.
		s.DB.Exec(context.WithoutCancel(ctx), `DELETE FROM open_data_exports WHERE id = $1`, id)
		return Export{}, errs.Internal(err)
	}
	return ex, nil
}

func (s *Service) build(ctx context.Context, id int64, day, now time.Time, signer Signer) (Export, error) {
	if _, err := s.Sequence(ctx); err != nil {
		return Export{}, err
	}
	m := Manifest{ExportID: id, Day: day.Format(time.DateOnly), CreatedAt: now, Licence: Licence, KeyID: signer.KeyID()}
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM open_changes`).Scan(&m.FeedSeq); err != nil {
			return err
		}
		for _, c := range collections {
			f, err := s.writeFile(ctx, id, c.File+".jsonl.gz", "application/gzip", func(w io.Writer) (int64, error) { return writeJSONL(ctx, tx, c.View, w) })
			if err != nil {
				return err
			}
			m.Files = append(m.Files, f)
			f, err = s.writeFile(ctx, id, c.File+".csv.gz", "application/gzip", func(w io.Writer) (int64, error) { return writeCSV(ctx, tx, c.View, w) })
			if err != nil {
				return err
			}
			m.Files = append(m.Files, f)
		}
		dict, err := dictionary(ctx, tx)
		if err != nil {
			return err
		}
		raw, err := json.MarshalIndent(dict, "", "  ")
		if err != nil {
			return err
		}
		f, err := s.writeFile(ctx, id, "data-dictionary.json", "application/json", func(w io.Writer) (int64, error) {
			_, err := w.Write(raw)
			return int64(len(dict)), err
		})
		if err != nil {
			return err
		}
		m.Files = append(m.Files, f)
		f, err = s.writeFile(ctx, id, "LICENSE.txt", "text/plain; charset=utf-8", func(w io.Writer) (int64, error) {
			_, err := io.WriteString(w, licenceText)
			return 0, err
		})
		m.Files = append(m.Files, f)
		return err
	})
	if err != nil {
		return Export{}, err
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Export{}, err
	}
	manifest := string(raw)
	sig := signer.SignEntryHash(manifest)
	if _, err := s.DB.Exec(ctx, `UPDATE open_data_exports SET status = 'complete', feed_seq = $2, manifest = $3, signature = $4,
		signer_key = $5, completed_at = $6 WHERE id = $1`, id, m.FeedSeq, manifest, sig, signer.KeyID(), s.now().UTC()); err != nil {
		return Export{}, err
	}
	return s.GetExport(ctx, id)
}

// writeFile stores one file written by fill, gzip-compressed when its name
// ends in .gz, and returns its manifest line.
func (s *Service) writeFile(ctx context.Context, id int64, name, contentType string, fill func(io.Writer) (int64, error)) (ExportFile, error) {
	cw := newChunkWriter(ctx, s.DB, id, name)
	var w io.Writer = cw
	var gz *gzip.Writer
	if len(name) > 3 && name[len(name)-3:] == ".gz" {
		gz, _ = gzip.NewWriterLevel(cw, gzip.BestSpeed)
		w = gz
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	rows, err := fill(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil && gz != nil {
		err = gz.Close()
	}
	if err == nil {
		err = cw.Close()
	}
	if err != nil {
		return ExportFile{}, err
	}
	f := ExportFile{Name: name, ContentType: contentType, Bytes: cw.size, SHA256: cw.Sum(), Rows: rows}
	_, err = s.DB.Exec(ctx, `INSERT INTO open_data_export_files (export_id, name, content_type, bytes, sha256, rows) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, f.Name, f.ContentType, f.Bytes, f.SHA256, f.Rows)
	return f, err
}

// writeJSONL writes the view as JSON Lines, one object per row, by id.
func writeJSONL(ctx context.Context, tx pgx.Tx, view string, w io.Writer) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT to_jsonb(v)::text FROM `+pgx.Identifier{view}.Sanitize()+` v ORDER BY v.id`)
	if err != nil {
		return 0, err
	}
	var n int64
	var line []byte
	_, err = pgx.ForEachRow(rows, []any{&line}, func() error {
		n++
		if _, err := w.Write(line); err != nil {
			return err
		}
		_, err := w.Write([]byte{'\n'})
		return err
	})
	return n, err
}

// writeCSV writes the view as CSV with a header row (PostgreSQL's COPY).
func writeCSV(ctx context.Context, tx pgx.Tx, view string, w io.Writer) (int64, error) {
	tag, err := tx.Conn().PgConn().CopyTo(ctx, w, `COPY (SELECT * FROM `+pgx.Identifier{view}.Sanitize()+` v ORDER BY v.id) TO STDOUT WITH (FORMAT csv, HEADER true)`)
	return tag.RowsAffected(), err
}
