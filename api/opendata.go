package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/opendata"
)

// ChangeView is one item of the change feed.
type ChangeView struct {
	Seq       int64           `json:"seq" doc:"Position in the feed; strictly increasing."`
	Kind      string          `json:"kind" enum:"decision,version,comment,disposition,adoption_report,survey,survey_results,record_head" doc:"The collection."`
	ID        int64           `json:"id" doc:"The object's id within its collection (a disposition's is its comment's, a record head's and survey result's are the decision's and survey's)."`
	Removed   bool            `json:"removed" doc:"A tombstone: the object is no longer public (deleted, rejected, anonymised by its author, hidden). Drop your copy."`
	ChangedAt time.Time       `json:"changed_at" doc:"When the feed numbered this change."`
	Data      json.RawMessage `json:"data,omitempty" doc:"The object's current public fields (see the data dictionary of an open-data export); absent on a tombstone."`
}

// ChangePageView is one page of the change feed.
type ChangePageView struct {
	Items []ChangeView `json:"items"`
	Next  int64        `json:"next" doc:"Pass as since for the next page. Equal to since when nothing new."`
	More  bool         `json:"more" doc:"More items are waiting: ask again at once with since=next."`
}

type listChangesInput struct {
	Since       int64  `query:"since" minimum:"0" doc:"The next of the previous page; 0 (or absent) from the beginning."`
	Limit       int    `query:"limit" minimum:"0" maximum:"1000" doc:"Items per page, at most 1000 (the default)."`
	IfNoneMatch string `header:"If-None-Match" doc:"The ETag of a page you hold: 304 when it is unchanged."`
}

type listChangesOutput struct {
	ETag         string `header:"ETag"`
	CacheControl string `header:"Cache-Control"`
	Body         ChangePageView
}

func (s *server) registerOpenData() {
	tags := []string{"Open data"}
	s.registerOpenDataExports()
	register(s, huma.Operation{OperationID: "list-changes", Method: http.MethodGet, Path: "/open-data/changes",
		Summary: "Read the change feed of everything public", Tags: tags, Errors: []int{http.StatusNotModified, http.StatusUnprocessableEntity},
		Description: "Every public collection (decisions, draft versions, published comments, dispositions, adoption reports, " +
			"surveys and their published results, process-record heads) as one feed ordered by `seq`. Start with since=0, " +
			"keep `next` and ask again with since=next; there is no limit on how far you page. Each object appears with its " +
			"current public state at its latest change; an object that stops being public (deleted, rejected, anonymised, hidden) " +
			"appears as a tombstone (`removed: true`). Objects that were never public never appear. Send the page's ETag back " +
			"in If-None-Match to get 304 when nothing changed."},
		public(), func(ctx context.Context, in *listChangesInput) (*listChangesOutput, error) {
			page, err := s.svc.OpenData.ListChanges(ctx, in.Since, in.Limit)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			out := &listChangesOutput{CacheControl: "no-cache", Body: ChangePageView{Items: views(page.Changes, changeView), Next: page.Next, More: page.More}}
			// The ETag is over the page as read (opendata.ChangePage.ETag),
			// so it changes whenever anything in it does, including an
			// object's current state; hashing the rows saves encoding the
			// page twice.
			out.ETag = page.ETag
			if etagMatches(in.IfNoneMatch, out.ETag) {
				return nil, huma.Status304NotModified()
			}
			return out, nil
		})
}

func changeView(c opendata.Change) ChangeView {
	return ChangeView{Seq: c.Seq, Kind: c.Kind, ID: c.ID, Removed: c.Removed, ChangedAt: c.ChangedAt, Data: c.Data}
}

// etagMatches implements If-None-Match (RFC 9110 13.1.2, weak comparison).
func etagMatches(header, etag string) bool {
	for _, v := range strings.Split(header, ",") {
		v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
		if v == "*" || v == etag {
			return true
		}
	}
	return false
}

// OpenDataFileView is one file of an open-data export.
type OpenDataFileView struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Bytes       int64  `json:"bytes"`
	SHA256      string `json:"sha256" doc:"Hex SHA-256 of the file as downloaded (compressed)."`
	Rows        int64  `json:"rows" doc:"Records in the file (CSV: without the header)."`
	URL         string `json:"url" doc:"Where to download it (download-open-data-file)."`
}

// OpenDataExportView is one daily open-data export.
type OpenDataExportView struct {
	ID        int64              `json:"id"`
	Day       string             `json:"day" doc:"The day it was made, YYYY-MM-DD (UTC)."`
	CreatedAt time.Time          `json:"created_at"`
	FeedSeq   int64              `json:"feed_seq" doc:"The export contains every change up to this seq: continue with list-changes since=feed_seq."`
	Manifest  string             `json:"manifest" doc:"The manifest exactly as signed (JSON: files with SHA-256, licence, key id, feed_seq)."`
	Signature string             `json:"signature" doc:"Base64 Ed25519 signature over the bytes of manifest, by the platform's record key (get-record-public-key)."`
	KeyID     string             `json:"key_id"`
	Licence   string             `json:"licence" doc:"SPDX id of the data licence."`
	Files     []OpenDataFileView `json:"files"`
}

func openDataExportView(e opendata.Export) OpenDataExportView {
	return OpenDataExportView{ID: e.ID, Day: e.Day.Format(time.DateOnly), CreatedAt: e.CreatedAt, FeedSeq: e.FeedSeq, Manifest: e.Manifest,
		Signature: e.Signature, KeyID: e.SignerKey, Licence: opendata.Licence,
		Files: views(e.Files, func(f opendata.ExportFile) OpenDataFileView {
			return OpenDataFileView{Name: f.Name, ContentType: f.ContentType, Bytes: f.Bytes, SHA256: f.SHA256, Rows: f.Rows,
				URL: fmt.Sprintf("/api/v1/open-data/exports/%d/files/%s", e.ID, f.Name)}
		})}
}

type listOpenDataExportsInput struct {
	Limit  int    `query:"limit" minimum:"0" maximum:"100"`
	Cursor string `query:"cursor"`
}

type listOpenDataExportsOutputBody struct {
	Exports    []OpenDataExportView `json:"exports"`
	NextCursor string               `json:"next_cursor,omitempty"`
}

type openDataExportInput struct {
	ExportID int64 `path:"export_id"`
}

type openDataFileInput struct {
	ExportID int64  `path:"export_id"`
	Name     string `path:"name" pattern:"^[A-Za-z_.-]+$" maxLength:"64"`
}

type openDataFileOutput struct {
	ContentType   string `header:"Content-Type"`
	ContentLength string `header:"Content-Length"`
	Digest        string `header:"Repr-Digest"`
	Body          func(huma.Context)
}

func (s *server) registerOpenDataExports() {
	tags := []string{"Open data"}
	answerPage(s, huma.Operation{OperationID: "list-open-data-exports", Method: http.MethodGet, Path: "/open-data/exports",
		Summary: "List the daily open-data exports", Tags: tags, Errors: []int{http.StatusUnprocessableEntity},
		Description: "Everything public, exported once a day as gzip JSON Lines and CSV per collection, with a data dictionary, " +
			"the licence (CC BY 4.0) and a manifest of SHA-256 checksums signed with the platform's Ed25519 record key. Kept 30 days; newest first."},
		public(), func(ctx context.Context, in *listOpenDataExportsInput) ([]opendata.Export, string, error) {
			return s.svc.OpenData.ListExports(ctx, in.Limit, in.Cursor)
		}, openDataExportView, func(list []OpenDataExportView, next string) listOpenDataExportsOutputBody {
			return listOpenDataExportsOutputBody{Exports: list, NextCursor: next}
		})
	answer(s, huma.Operation{OperationID: "get-open-data-export", Method: http.MethodGet, Path: "/open-data/exports/{export_id}",
		Summary: "Get one open-data export and its signed manifest", Tags: tags, Errors: []int{http.StatusNotFound}},
		public(), func(ctx context.Context, in *openDataExportInput) (opendata.Export, error) {
			return s.svc.OpenData.GetExport(ctx, in.ExportID)
		}, openDataExportView)
	register(s, huma.Operation{OperationID: "download-open-data-file", Method: http.MethodGet, Path: "/open-data/exports/{export_id}/files/{name}",
		Summary: "Download one file of an open-data export", Tags: tags, Errors: []int{http.StatusNotFound},
		Description: "Streams the file as stored; its SHA-256 is in the signed manifest (and in the Repr-Digest header).",
		Responses: map[string]*huma.Response{"200": {Description: "The file.",
			Content: map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		public(), func(ctx context.Context, in *openDataFileInput) (*openDataFileOutput, error) {
			f, err := s.svc.OpenData.ExportFileInfo(ctx, in.ExportID, in.Name)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			digest, _ := hex.DecodeString(f.SHA256)
			return &openDataFileOutput{ContentType: f.ContentType, ContentLength: strconv.FormatInt(f.Bytes, 10),
				Digest: "sha-256=:" + base64.StdEncoding.EncodeToString(digest) + ":",
				Body: func(hctx huma.Context) {
					hctx.SetStatus(http.StatusOK)
					s.svc.OpenData.CopyExportFile(ctx, in.ExportID, in.Name, hctx.BodyWriter())
				}}, nil
		})
}
