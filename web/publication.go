package web

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/obs"
)

// The public publication page of a decided decision (Decree 713 Art. 32):
// the decided text article by article, the adoption report, the procedure
// timeline, and the implementation feedback form (Art. 35) for verified
// residents.

func (s *site) mountPublication(r chi.Router) {
	r.Get("/decisions/{id}/publication", s.publicationPage)
	r.Post("/decisions/{id}/feedback", s.submitFeedback)
}

// publicationData is the public publication page.
type publicationData struct {
	Decision    consultation.Decision
	Publication consultation.Publication
	Sections    []articleSection
	Timeline    []timelineEvent
	HasReport   bool
	// CanGiveFeedback is whether the visitor is a verified resident.
	CanGiveFeedback bool
}

func (s *site) publicationPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "您访问的决策事项不存在或尚未公布。")
	if !ok {
		return
	}
	s.renderPublication(w, r, http.StatusOK, id, s.newPage(r, "决策公布"))
}

func (s *site) renderPublication(w http.ResponseWriter, r *http.Request, status int, id int64, p page) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	d, err := svc.GetDecision(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	pub, err := svc.GetPublication(ctx, actor, id)
	if err != nil {
		if errs.HasCode(err, "publication_not_found") {
			s.renderError(w, r, http.StatusNotFound, "尚未公布", "该决策事项尚未作出决定并公布。")
			return
		}
		s.pageError(w, r, err)
		return
	}
	data := publicationData{Decision: d, Publication: pub, HasReport: pub.AdoptionReportID != nil}
	if v, err := svc.GetDraftVersion(ctx, actor, id, pub.VersionNumber); err == nil {
		data.Sections = sectionsOf(v.Articles)
	} else {
		data.Sections = sectionsOf(consultation.AssignAnchors(nil, consultation.SplitArticles(pub.Text)))
	}
	if data.Timeline, err = s.timeline(r, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	data.CanGiveFeedback = actor != nil && actor.HasRole("resident") && actor.Verified()
	p.Title = d.Title
	p.Data = data
	s.render(w, r, status, "publication", p)
}

func (s *site) submitFeedback(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r, "您访问的决策事项不存在或尚未公布。")
	if !ok {
		return
	}
	p := s.newPage(r, "决策公布")
	p.keep(r, "body")
	_, err := s.svc.Consultation.CreateImplementationFeedback(r.Context(), currentAccount(r), id, consultation.FeedbackInput{
		Body: p.Form["body"], ClientAddr: obs.ClientFrom(r.Context()).Addr})
	if err == nil {
		http.Redirect(w, r, "/decisions/"+strconv.FormatInt(id, 10)+"/publication?flash=feedback_submitted#feedback", http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	if status == http.StatusUnauthorized || accessRefusal(status) {
		s.pageError(w, r, err)
		return
	}
	s.renderPublication(w, r, status, id, p)
}
