package web

import (
	"net/http"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// homeLatest is how many public decisions the home page lists.
const homeLatest = 5

// home is the front page with the latest public decisions. It lists only
// what is public, also for staff: their drafts are on their own pages.
func (s *site) home(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "首页")
	list, _, err := s.svc.Consultation.ListDecisions(r.Context(), nil, consultation.DecisionFilter{Limit: homeLatest})
	if err != nil && errs.Unreachable(err) {
		// An empty list would say there is nothing to comment on.
		s.renderUnavailable(w, r)
		return
	}
	if err != nil {
		// The front page still works without the list; the error is logged.
		s.svc.Logger.ErrorContext(r.Context(), "home: list decisions", "error", err)
	}
	p.Data = homeData{Decisions: list, Deadlines: s.consultationDeadlines(r, list)}
	s.render(w, r, http.StatusOK, "home", p)
}

// homeData backs the front page: the latest decisions and the deadlines of
// those open for comment.
type homeData struct {
	Decisions []consultation.Decision
	Deadlines map[int64]*deadline
}
