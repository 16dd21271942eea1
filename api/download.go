package api

import (
	"context"
	"io"
	"net/http"
	"os"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// streamedFile is the output of an operation that answers a file built
// before the answer starts (streamFile).
type streamedFile struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               func(huma.Context)
}

// streamFile runs write into a temporary file (named after pattern, as
// os.CreateTemp) first, so a refusal or a failure halfway is still a problem
// answer and a large file (an archive with attachments of up to 20 MiB each)
// is not held in memory, then streams the file and removes it.
func streamFile(ctx context.Context, pattern, contentType, disposition string, write func(io.Writer) error) (*streamedFile, error) {
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return nil, toProblem(ctx, errs.Internal(err))
	}
	discard := func() { f.Close(); os.Remove(f.Name()) }
	if err := write(f); err != nil {
		discard()
		return nil, toProblem(ctx, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		discard()
		return nil, toProblem(ctx, errs.Internal(err))
	}
	return &streamedFile{ContentType: contentType, ContentDisposition: disposition,
		Body: func(hctx huma.Context) {
			defer discard()
			hctx.SetStatus(http.StatusOK)
			io.Copy(hctx.BodyWriter(), f)
		}}, nil
}

// spreadsheetResponses are the answers of an operation that exports a
// spreadsheet (streamSpreadsheet). A new map each time: huma adds the
// error answers to the operation's map as it registers it, and servers
// are built in parallel (tests).
func spreadsheetResponses() map[string]*huma.Response {
	return map[string]*huma.Response{"200": {Description: "The export file.",
		Content: map[string]*huma.MediaType{
			"text/csv": {Schema: &huma.Schema{Type: "string"}},
			consultation.ExportContentType(consultation.ExportXLSX): {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}
}

// streamSpreadsheet is streamFile for a spreadsheet export in format (CSV
// when empty) whose file name is name(format).
func streamSpreadsheet(ctx context.Context, pattern, format string, name func(format string) string,
	write func(w io.Writer, format string) error) (*streamedFile, error) {
	if format == "" {
		format = consultation.ExportCSV
	}
	return streamFile(ctx, pattern, consultation.ExportContentType(format), contentDisposition(name(format)),
		func(w io.Writer) error { return write(w, format) })
}
