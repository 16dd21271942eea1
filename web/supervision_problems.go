package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

type supervisionProblemsData struct {
	Problems    []supervision.Problem
	Departments []identity.Agency
	Office      bool
	Listed      bool
	Now         time.Time
}

func (s *site) departments(r *http.Request) ([]identity.Agency, error) {
	all, err := s.svc.Identity.ListAgencies(r.Context())
	if err != nil {
		return nil, err
	}
	var out []identity.Agency
	for _, a := range all {
		if a.Kind != identity.AgencyLegalityReview {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *site) renderProblems(w http.ResponseWriter, r *http.Request, status int, p page) {
	listed := r.URL.Query().Get("listed") == "1"
	inspection, _ := strconv.ParseInt(r.URL.Query().Get("inspection"), 10, 64)
	ps, err := s.svc.Supervision.ListProblems(r.Context(), currentAccount(r), supervision.ProblemFilter{ListedOnly: listed,
		InspectionID: inspection})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := supervisionProblemsData{Problems: ps, Office: office(r), Listed: listed, Now: s.svc.Supervision.Clock()}
	if d.Office {
		if d.Departments, err = s.departments(r); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if listed {
		p.Title = "挂牌督办"
	}
	p.Data = d
	s.render(w, r, status, "supervision_problems", p)
}

func (s *site) supervisionProblems(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "问题清单")
	p.Form["severity"] = "general"
	s.renderProblems(w, r, http.StatusOK, p)
}

func formInt(r *http.Request, name string) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return v
}

func (s *site) recordProblem(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := supervision.ProblemInput{AgencyID: formInt(r, "agency_id"), Rule: r.PostFormValue("rule"), Basis: r.PostFormValue("basis"),
		Evidence: r.PostFormValue("evidence"), Severity: supervision.Severity(r.PostFormValue("severity")),
		Deadline: r.PostFormValue("deadline"), Listed: r.PostFormValue("listed") == "on"}
	if id := formInt(r, "decision_id"); id > 0 {
		in.DecisionID = &id
	}
	if id := formInt(r, "inspection_id"); id > 0 {
		in.InspectionID = &id
	}
	p, err := s.svc.Supervision.RecordProblem(r.Context(), currentAccount(r), in)
	if err != nil {
		pg := s.newPage(r, "问题清单")
		for _, k := range []string{"agency_id", "rule", "basis", "evidence", "severity", "deadline", "decision_id", "inspection_id", "listed"} {
			pg.Form[k] = r.PostFormValue(k)
		}
		s.renderProblems(w, r, s.formError(r, &pg, err), pg)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/problems/%d?flash=problem_recorded", p.ID), http.StatusSeeOther)
}

type supervisionProblemData struct {
	Problem        supervision.Problem
	Rectifications []supervision.Rectification
	Office         bool
	OwnDepartment  bool
	Now            time.Time
}

func (s *site) renderProblem(w http.ResponseWriter, r *http.Request, status int, p page) {
	pr, rs, err := s.svc.Supervision.GetProblem(r.Context(), currentAccount(r), supID(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = "问题：" + pr.Rule
	p.Data = supervisionProblemData{Problem: pr, Rectifications: rs, Office: office(r),
		OwnDepartment: currentAccount(r).IsStaffOf(pr.AgencyID), Now: s.svc.Supervision.Clock()}
	s.render(w, r, status, "supervision_problem", p)
}

func (s *site) supervisionProblem(w http.ResponseWriter, r *http.Request) {
	s.renderProblem(w, r, http.StatusOK, s.newPage(r, "问题"))
}

// problemAction runs one step on a problem from its page and comes back.
func (s *site) problemAction(w http.ResponseWriter, r *http.Request, flash string, fields []string, do func() error) {
	if !s.parseForm(w, r) {
		return
	}
	if err := do(); err != nil {
		p := s.newPage(r, "问题")
		p.keep(r, fields...)
		s.renderProblem(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/problems/%d?flash=%s", supID(r), flash), http.StatusSeeOther)
}

func (s *site) submitRectification(w http.ResponseWriter, r *http.Request) {
	s.problemAction(w, r, "rectification_sent", []string{"report", "evidence"}, func() error {
		return errOf(s.svc.Supervision.SubmitRectification(r.Context(), currentAccount(r), supID(r), r.PostFormValue("report"),
			r.PostFormValue("evidence")))
	})
}

func (s *site) closeProblem(w http.ResponseWriter, r *http.Request) {
	s.problemAction(w, r, "problem_closed", []string{"note"}, func() error {
		return errOf(s.svc.Supervision.CloseProblem(r.Context(), currentAccount(r), supID(r), r.PostFormValue("note")))
	})
}

func (s *site) returnRectification(w http.ResponseWriter, r *http.Request) {
	s.problemAction(w, r, "rectification_back", []string{"note"}, func() error {
		return errOf(s.svc.Supervision.ReturnRectification(r.Context(), currentAccount(r), supID(r), r.PostFormValue("note")))
	})
}

func (s *site) recordAccountability(w http.ResponseWriter, r *http.Request) {
	s.problemAction(w, r, "accountability_saved", []string{"suggestion", "committee"}, func() error {
		return errOf(s.svc.Supervision.RecordAccountabilitySuggestion(r.Context(), currentAccount(r), supID(r),
			r.PostFormValue("committee"), r.PostFormValue("suggestion")))
	})
}

func (s *site) circulate(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	c, err := s.svc.Supervision.CirculateProblemList(r.Context(), currentAccount(r), r.PostFormValue("title"), r.PostFormValue("number"), nil)
	if err != nil {
		p := s.newPage(r, "问题清单")
		p.Form["title"], p.Form["number"] = r.PostFormValue("title"), r.PostFormValue("number")
		s.renderProblems(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/circulations/%d?flash=problem_list_circulated", c.ID), http.StatusSeeOther)
}

func (s *site) supervisionCirculation(w http.ResponseWriter, r *http.Request) {
	c, err := s.svc.Supervision.GetCirculation(r.Context(), currentAccount(r), supID(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.show(w, r, "supervision_circulation", c.Title, c)
}

type supervisionInspectionsData struct {
	Inspections []supervision.Inspection
	Departments []identity.Agency
	Names       map[int64]string
}

func (s *site) renderInspections(w http.ResponseWriter, r *http.Request, status int, p page) {
	is, err := s.svc.Supervision.ListInspections(r.Context(), currentAccount(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	deps, err := s.departments(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, a := range deps {
		names[a.ID] = a.Name
	}
	p.Data = supervisionInspectionsData{Inspections: is, Departments: deps, Names: names}
	s.render(w, r, status, "supervision_inspections", p)
}

func (s *site) supervisionInspections(w http.ResponseWriter, r *http.Request) {
	s.renderInspections(w, r, http.StatusOK, s.newPage(r, "督察"))
}

func (s *site) createInspection(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := supervision.InspectionInput{Title: r.PostFormValue("title"), PeriodFrom: r.PostFormValue("period_from"),
		PeriodTo: r.PostFormValue("period_to"), Topics: r.PostFormValue("topics"), StartsOn: r.PostFormValue("starts_on"),
		EndsOn: r.PostFormValue("ends_on")}
	for _, v := range r.PostForm["agency_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.AgencyIDs = append(in.AgencyIDs, id)
		}
	}
	if _, err := s.svc.Supervision.CreateInspection(r.Context(), currentAccount(r), in); err != nil {
		p := s.newPage(r, "督察")
		p.keep(r, "title", "period_from", "period_to", "topics", "starts_on", "ends_on")
		s.renderInspections(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, "/supervision/inspections?flash=inspection_created", http.StatusSeeOther)
}

type supervisionAssessmentData struct {
	Assessment supervision.Assessment
	Office     bool
}

func (s *site) renderAssessment(w http.ResponseWriter, r *http.Request, status int, p page, year int) {
	a, err := s.svc.Supervision.GetAnnualAssessment(r.Context(), currentAccount(r), year)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = fmt.Sprintf("%d年度依法行政考核", year)
	p.Data = supervisionAssessmentData{Assessment: a, Office: office(r)}
	s.render(w, r, status, "supervision_assessment", p)
}

func (s *site) supervisionAssessment(w http.ResponseWriter, r *http.Request) {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2019 || year > 2100 {
		year = s.svc.Supervision.Clock().In(shanghai).Year()
	}
	s.renderAssessment(w, r, http.StatusOK, s.newPage(r, "依法行政考核"), year)
}

func (s *site) adjustScore(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	year, _ := strconv.Atoi(r.PostFormValue("year"))
	score, perr := strconv.ParseFloat(r.PostFormValue("score"), 64)
	if perr != nil {
		score = -1
	}
	_, err := s.svc.Supervision.AdjustAssessmentScore(r.Context(), currentAccount(r), year, formInt(r, "agency_id"), score,
		r.PostFormValue("reason"))
	if err != nil {
		p := s.newPage(r, "依法行政考核")
		p.Form["score"], p.Form["reason"], p.Form["agency_id"] = r.PostFormValue("score"), r.PostFormValue("reason"), r.PostFormValue("agency_id")
		s.renderAssessment(w, r, s.formError(r, &p, err), p, year)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/assessment?year=%d&flash=score_adjusted", year), http.StatusSeeOther)
}

func (s *site) downloadAssessment(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	a, err := s.svc.Supervision.GetAnnualAssessment(r.Context(), currentAccount(r), year)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	b, err := supervision.AssessmentXLSX(a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="assessment-%d.xlsx"`, year))
	w.Write(b)
}
