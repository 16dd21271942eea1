package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
)

// The lead unit's legality review page: submission of the latest draft
// version for review, the package's state and opinions, and resubmission
// when the department asked for more material.

// mountStaffReview adds the lead unit's review, deliberation and
// publication pages under /staff/decisions (requireStaff already applies).
func (s *site) mountStaffReview(r chi.Router) {
	r.Get("/{id}/review", s.staffReview)
	r.Post("/{id}/review", s.submitReview)
	r.Post("/{id}/review/resubmit", s.resubmitReview)
	r.Get("/{id}/publication", s.staffPublication)
	r.Post("/{id}/deliberation", s.recordDeliberation)
	r.Post("/{id}/party-report", s.recordPartyReport)
	r.Post("/{id}/publication", s.publishDecision)
}

// staffReviewData is the lead unit's review page.
type staffReviewData struct {
	Decision consultation.Decision
	Latest   *consultation.DraftVersion
	// Review is the decision's latest package, with its opinions.
	Review    *reviewData
	CanSubmit bool
	// Lead: the account is staff of the lead unit, who alone submit,
	// resubmit and revise (the decision body's staff read the package).
	Lead bool
}

func (s *site) staffReview(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "合法性审查")
	if v := s.latestVersion(r, d.ID); v != nil {
		p.Form["version_hash"] = v.ContentHash
		p.Form["legal_basis"] = strings.Join(v.LegalBasis, "\n")
	}
	s.renderStaffReview(w, r, http.StatusOK, d, p)
}

func (s *site) latestVersion(r *http.Request, id int64) *consultation.DraftVersion {
	versions, err := s.allVersions(r, id)
	if err != nil || len(versions) == 0 {
		return nil
	}
	return &versions[len(versions)-1]
}

func (s *site) renderStaffReview(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	lead := currentAccount(r).IsStaffOf(d.LeadAgencyID)
	data := staffReviewData{Decision: d, Latest: s.latestVersion(r, d.ID), Lead: lead, CanSubmit: lead && (d.Status == consultation.StatusHandling ||
		(d.Status == consultation.StatusDrafting && d.NotDisclosable))}
	list, _, err := s.svc.Consultation.ListLegalityReviews(r.Context(), currentAccount(r), consultation.ReviewFilter{DecisionID: d.ID, Limit: 1})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(list) > 0 {
		rd, err := s.loadReview(r, list[0].ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Review = &rd
	}
	p.Title = "合法性审查：" + d.Title
	p.Data = data
	s.render(w, r, status, "review_submit", p)
}

// staffForm runs a lead-unit action from a posted form and redirects to
// back, or shows the page again (render) with the refusal.
func (s *site) staffForm(w http.ResponseWriter, r *http.Request, keep []string, back string,
	act func(d consultation.Decision, p *page) error, render func(status int, d consultation.Decision, p page)) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, d.Title)
	p.keep(r, keep...)
	err := act(d, &p)
	if errors.Is(err, errSignOnDevice) {
		render(http.StatusOK, d, p)
		return
	}
	s.finishForm(w, r, &p, err, staffURL(d.ID, back), func(status int) { render(status, d, p) })
}

func (s *site) submitReview(w http.ResponseWriter, r *http.Request) {
	s.staffForm(w, r, []string{"version_hash", "legal_basis", "materials"}, "/review?flash=review_submitted",
		func(d consultation.Decision, p *page) error {
			return errOf(s.svc.Consultation.SubmitLegalityReview(r.Context(), currentAccount(r), d.ID, consultation.SubmissionInput{
				VersionHash: p.Form["version_hash"], LegalBasis: splitLines(p.Form["legal_basis"]), Materials: p.Form["materials"]}))
		}, func(status int, d consultation.Decision, p page) { s.renderStaffReview(w, r, status, d, p) })
}

func (s *site) resubmitReview(w http.ResponseWriter, r *http.Request) {
	s.staffForm(w, r, []string{"review_id", "more_materials"}, "/review?flash=review_resubmitted",
		func(d consultation.Decision, p *page) error {
			list, _, err := s.svc.Consultation.ListLegalityReviews(r.Context(), currentAccount(r), consultation.ReviewFilter{DecisionID: d.ID, Limit: 1})
			if err != nil {
				return err
			}
			if len(list) == 0 {
				return errReviewMissing
			}
			_, err = s.svc.Consultation.ResubmitLegalityReview(r.Context(), currentAccount(r), list[0].ID,
				consultation.ResubmissionInput{Materials: p.Form["more_materials"]})
			return renameField(err, "materials", "more_materials")
		}, func(status int, d consultation.Decision, p page) { s.renderStaffReview(w, r, status, d, p) })
}
