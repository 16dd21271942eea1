package testenv

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"
)

// RewriteArchive copies a zip archive (a decision's exported archive),
// passing each file's content through edit: the tests of offline
// verification forge archives with it as someone holding the file would.
func RewriteArchive(tb testing.TB, archive []byte, edit func(name string, data []byte) []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(edit(f.Name, data)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}
