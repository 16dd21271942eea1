package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The legal adviser's pages: the assignments and the opinion form (Decree
// 713 Art. 28). An adviser who is not assigned to a package gets 404: the
// service does not tell them it exists.

func (s *site) adviserList(w http.ResponseWriter, r *http.Request) {
	s.reviewList(w, r, "我的审查任务", "adviser_list", "/adviser")
}

func adviserURL(id int64) string { return "/adviser/reviews/" + strconv.FormatInt(id, 10) }

func (s *site) opinionForm(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "合法性审查材料不存在。")
	if !ok {
		return
	}
	s.renderOpinion(w, r, http.StatusOK, id, s.newPage(r, "出具法律意见"))
}

func (s *site) renderOpinion(w http.ResponseWriter, r *http.Request, status int, id int64, p page) {
	data, err := s.loadReview(r, id)
	if err != nil {
		s.reviewError(w, r, err)
		return
	}
	data.Action = adviserURL(id)
	s.withDeviceKeys(r, &p)
	p.Title = "法律意见：" + data.Review.DecisionTitle
	p.Data = data
	s.render(w, r, status, "adviser_opinion", p)
}

func (s *site) signOpinion(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r, "合法性审查材料不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "出具法律意见")
	p.keep(r, "overall", "changes")
	in := consultation.OpinionInput{Findings: readFindings(r, &p), Overall: consultation.ReviewOutcome(p.Form["overall"]),
		Changes: p.Form["changes"], Password: r.PostFormValue("password"), Signature: signerSignature(r)}
	err := signOnDevice(r, &p, "opinion", func(key string) ([]byte, error) {
		return s.svc.Consultation.LegalOpinionStatement(r.Context(), currentAccount(r), id, in, key)
	}, func() error {
		return errOf(s.svc.Consultation.CreateLegalOpinion(r.Context(), currentAccount(r), id, in))
	})
	switch {
	case errors.Is(err, errSignOnDevice):
		s.renderOpinion(w, r, http.StatusOK, id, p)
		return
	case err == nil:
		http.Redirect(w, r, adviserURL(id)+"?flash=opinion_signed", http.StatusSeeOther)
		return
	}
	status := signerError(&p, err, s.signError(r, &p, err, "password"))
	switch {
	case status == http.StatusNotFound, errs.HasCode(err, "adviser_not_assigned"):
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "合法性审查材料不存在，或您未被指派审查。")
		return
	case accessRefusal(status):
		s.pageError(w, r, err)
		return
	}
	s.renderOpinion(w, r, status, id, p)
}
