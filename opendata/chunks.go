package opendata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"

	"github.com/jackc/pgx/v5/pgxpool"
)

// chunkSize is the size of one stored piece of an export file.
const chunkSize = 1 << 20

// chunkWriter stores what is written to it as numbered chunks of one export
// file, hashing it on the way; it holds at most one chunk in memory.
type chunkWriter struct {
	ctx      context.Context
	db       *pgxpool.Pool
	exportID int64
	name     string
	buf      []byte
	n        int
	size     int64
	sum      hash.Hash
}

func newChunkWriter(ctx context.Context, db *pgxpool.Pool, exportID int64, name string) *chunkWriter {
	return &chunkWriter{ctx: ctx, db: db, exportID: exportID, name: name, buf: make([]byte, 0, chunkSize), sum: sha256.New()}
}

// Write implements io.Writer.
func (w *chunkWriter) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		k := min(len(p), chunkSize-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		written += k
		if len(w.buf) == chunkSize {
			if err := w.flush(); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	if _, err := w.db.Exec(w.ctx, `INSERT INTO open_data_export_chunks (export_id, name, n, data) VALUES ($1, $2, $3, $4)`,
		w.exportID, w.name, w.n, w.buf); err != nil {
		return err
	}
	w.sum.Write(w.buf)
	w.size += int64(len(w.buf))
	w.n++
	w.buf = w.buf[:0]
	return nil
}

// Close stores the last chunk; Size and Sum are final after it.
func (w *chunkWriter) Close() error { return w.flush() }

// Sum is the hex SHA-256 of everything written.
func (w *chunkWriter) Sum() string { return hex.EncodeToString(w.sum.Sum(nil)) }
