package search

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/ledongthuc/pdf"
)

// Text of a public version's attachments (issue 16: attachments were not
// searchable). DOCX is a zip of XML: its word/document.xml paragraphs are
// read with the standard library (archive/zip, encoding/xml), no module
// needed. PDF text comes from github.com/ledongthuc/pdf: pure Go (no
// poppler or cgo, so the single binary stays), maintained (the fork of
// rsc.io/pdf that kept getting fixes), and it decodes the ToUnicode maps
// Chinese PDFs use for their CID fonts. pdfcpu reads and edits PDF
// structure but has no text extraction; go-pdfium needs a C library.
//
// An attachment that cannot be read (scanned images, encryption, a broken
// file) contributes no text; it never fails the indexing of its decision.

// Bounds of the extraction: larger files are skipped, and the text of a
// decision's attachments is cut, so one huge file cannot make every
// re-derivation of its decision slow.
const (
	maxAttachmentBytes = 20 << 20
	maxAttachmentRunes = 100_000
)

// attachmentText is the extracted text of the attachments of version id.
func attachmentText(ctx context.Context, q querier, versionID int64) (string, error) {
	rows, err := q.Query(ctx, `SELECT filename, content_type, data FROM attachments
		WHERE version_id = $1 AND size <= $2 ORDER BY id`, versionID, maxAttachmentBytes)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var name, ctype string
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&name, &ctype, &data}, func() error {
		if utf8.RuneCountInString(b.String()) >= maxAttachmentRunes {
			return nil
		}
		text, err := ExtractText(name, ctype, data)
		if err != nil || text == "" {
			return nil
		}
		b.WriteString(text)
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		return "", err
	}
	return truncateRunes(b.String(), maxAttachmentRunes), nil
}

// ErrUnsupportedAttachment is returned for files ExtractText cannot read.
var ErrUnsupportedAttachment = errors.New("unsupported attachment type")

// ExtractText returns the plain text of a PDF or DOCX file.
func ExtractText(filename, contentType string, data []byte) (text string, err error) {
	defer func() {
		// A malformed file must not take the indexer down.
		if r := recover(); r != nil {
			text, err = "", errors.New("unreadable attachment")
		}
	}()
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case ext == ".pdf" || contentType == "application/pdf":
		return pdfText(data)
	case ext == ".docx" || contentType == "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		return docxText(data)
	}
	return "", ErrUnsupportedAttachment
}

func pdfText(data []byte) (string, error) {
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	rd, err := r.GetPlainText()
	if err != nil {
		return "", err
	}
	raw, err := io.ReadAll(io.LimitReader(rd, 4*maxAttachmentRunes))
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(string(raw), ""), nil
}

// docxText reads the paragraphs (w:p) of word/document.xml, joining the
// text runs (w:t) of each paragraph.
func docxText(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", err
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		dec := xml.NewDecoder(io.LimitReader(rc, 64<<20))
		var b strings.Builder
		inText := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				inText = t.Name.Local == "t"
				if t.Name.Local == "tab" {
					b.WriteByte(' ')
				}
			case xml.EndElement:
				if t.Name.Local == "p" {
					b.WriteByte('\n')
				}
				inText = false
			case xml.CharData:
				if inText {
					b.Write(t)
				}
			}
			if b.Len() > 4*maxAttachmentRunes {
				break
			}
		}
		return b.String(), nil
	}
	return "", errors.New("no word/document.xml")
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
