package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
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
			out := &listChangesOutput{CacheControl: "no-cache", Body: ChangePageView{Items: make([]ChangeView, len(page.Changes)), Next: page.Next, More: page.More}}
			for i, c := range page.Changes {
				out.Body.Items[i] = ChangeView{Seq: c.Seq, Kind: c.Kind, ID: c.ID, Removed: c.Removed, ChangedAt: c.ChangedAt, Data: c.Data}
			}
			// The ETag is over the page as served, so it changes whenever
			// anything in it does, including an object's current state.
			raw, err := json.Marshal(out.Body)
			if err != nil {
				return nil, toProblem(ctx, err)
			}
			sum := sha256.Sum256(raw)
			out.ETag = `"` + hex.EncodeToString(sum[:16]) + `"`
			if etagMatches(in.IfNoneMatch, out.ETag) {
				return nil, huma.Status304NotModified()
			}
			return out, nil
		})
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
