package web

import (
	"net/http"

	"github.com/canyu-gov/canyu/consultation/record"
)

// The public page of the process records' signed tree heads (issue 12):
// anyone can note a head's root down and later prove that the records
// were not rewritten since (list-record-heads, `canyu record verify
// --heads`).

// recordHeadsData is the tree heads page.
type recordHeadsData struct {
	Heads      []record.TreeHead
	NextCursor string
	Interval   int // minutes between heads while records grow
}

func (s *site) recordHeads(w http.ResponseWriter, r *http.Request) {
	heads, next, err := s.svc.Consultation.ListRecordHeads(r.Context(), 20, r.URL.Query().Get("cursor"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := recordHeadsData{Heads: heads, NextCursor: next, Interval: int(record.HeadInterval.Minutes())}
	s.show(w, r, "record_heads", "过程记录签名树头", data)
}
