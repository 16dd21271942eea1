package web

import (
	"net/http"

	"github.com/canyu-gov/canyu/opendata"
)

// openDataPageData backs the open-data page.
type openDataPageData struct {
	Exports []opendata.Export
	Titles  map[string]string
}

// openData lists the daily open-data exports (issue 20) with their files,
// checksums and the signed manifest, and explains the change feed.
func (s *site) openData(w http.ResponseWriter, r *http.Request) {
	if s.svc.OpenData == nil {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "本平台未开放公开数据下载。")
		return
	}
	list, _, err := s.svc.OpenData.ListExports(r.Context(), 31, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.show(w, r, "open_data", "公开数据下载", openDataPageData{Exports: list, Titles: opendata.FileTitles()})
}
