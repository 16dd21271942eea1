package web

import (
	"net/http"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// reportPageData backs the adoption report pages, public and staff.
type reportPageData struct {
	Decision consultation.Decision
	// Report is nil while none was generated (staff page only).
	Report    *consultation.AdoptionReport
	LeadStaff bool
	// Handling: the report may be generated, edited and published.
	Handling bool
	Stats    consultation.CommentStatistics
}

// reportMissing reports whether err says there is no report (yet).
func reportMissing(err error) bool {
	return errs.HasCode(err, "adoption_report_not_found") || errs.HasCode(err, "consultation_not_found")
}

// publicAdoptionReport shows the published adoption report (意见采纳情况说
// 明, Decree 713 Art. 18, 29, 32): the figures as tables and the text.
// Staff of the lead unit also see the draft, marked as such.
func (s *site) publicAdoptionReport(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	rep, err := svc.GetAdoptionReport(ctx, actor, id)
	if reportMissing(err) {
		s.renderError(w, r, http.StatusNotFound, "意见采纳情况说明尚未公布", "该决策事项的意见采纳情况说明尚未公布。")
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := reportPageData{Decision: d, Report: &rep, LeadStaff: actor.IsStaffOf(d.LeadAgencyID)}
	s.show(w, r, "adoption_report", "意见采纳情况说明 · "+d.Title, data)
}

func (s *site) staffAdoptionReport(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderReportEditor(w, r, http.StatusOK, d, s.newPage(r, "意见采纳情况说明"), false)
}

// renderReportEditor renders the report editor; keepBody keeps the text
// the staff member typed (after a refused save) instead of the stored one.
func (s *site) renderReportEditor(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page, keepBody bool) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	data := reportPageData{Decision: d, LeadStaff: true, Handling: d.Status == consultation.StatusHandling}
	var err error
	if data.Stats, err = svc.CommentStatistics(ctx, actor, d.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	rep, err := svc.GetAdoptionReport(ctx, actor, d.ID)
	switch {
	case err == nil:
		data.Report = &rep
		if !keepBody {
			p.Form["body"] = rep.Body
		}
	case !reportMissing(err):
		s.pageError(w, r, err)
		return
	}
	p.Data = data
	s.render(w, r, status, "staff_adoption_report", p)
}

// reportAction runs a step of the report editor and comes back to it with
// a confirmation, or shows the refusal (with its legal basis).
func (s *site) reportAction(w http.ResponseWriter, r *http.Request, flash string, act func(d consultation.Decision, p *page) error) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	p := s.newPage(r, "意见采纳情况说明")
	err := act(d, &p)
	if err == nil {
		target := staffURL(d.ID, "/adoption-report?flash="+flash)
		if flash == "report_published" {
			target = "/decisions/" + strconv.FormatInt(d.ID, 10) + "/adoption-report?flash=" + flash
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	if accessRefusal(status) && !reportMissing(err) {
		s.pageError(w, r, err)
		return
	}
	p.askToFix()
	s.renderReportEditor(w, r, status, d, p, p.Form["body"] != "")
}

func (s *site) generateAdoptionReport(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "report_generated", func(d consultation.Decision, _ *page) error {
		return errOf(s.svc.Consultation.GenerateAdoptionReport(r.Context(), currentAccount(r), d.ID))
	})
}

func (s *site) updateAdoptionReport(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "report_saved", func(d consultation.Decision, p *page) error {
		p.keep(r, "body")
		return errOf(s.svc.Consultation.UpdateAdoptionReport(r.Context(), currentAccount(r), d.ID, p.Form["body"]))
	})
}

func (s *site) publishAdoptionReport(w http.ResponseWriter, r *http.Request) {
	s.reportAction(w, r, "report_published", func(d consultation.Decision, p *page) error {
		// "Save and publish" posts the edited text with it, so an edit is
		// never lost to a forgotten save; a refused publication keeps it.
		if _, ok := r.PostForm["body"]; ok {
			p.keep(r, "body")
			if _, err := s.svc.Consultation.UpdateAdoptionReport(r.Context(), currentAccount(r), d.ID, p.Form["body"]); err != nil {
				return err
			}
		}
		return errOf(s.svc.Consultation.PublishAdoptionReport(r.Context(), currentAccount(r), d.ID))
	})
}
