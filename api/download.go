package api

import (
	"context"
	"io"
	"net/http"
	"os"

	"github.com/danielgtaylor/huma/v2"

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
