package web

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

func init() {
	maps.Copy(flashText, map[string]string{
		"survey_created":   "问卷已创建。下一步：添加题目。",
		"survey_saved":     "问卷设置已保存。",
		"question_added":   "题目已添加。",
		"question_saved":   "题目已保存。",
		"question_moved":   "题目顺序已调整。",
		"question_deleted": "题目已删除。",
		"survey_opened":    "问卷已发布，居民现在可以填写。",
		"survey_closed":    "问卷已结束，不再接受填写。",
		"waiver_recorded":  "未开展民意调查的理由已记入决策档案。",
	})
}

// surveyMode says what the survey page offers the visitor.
type surveyMode string

const (
	modeForm        surveyMode = "form"         // a verified resident who has not answered
	modeAnswered    surveyMode = "answered"     // they have answered
	modeSignIn      surveyMode = "signin"       // anonymous visitor
	modeVerify      surveyMode = "verify"       // a resident whose phone is not verified
	modeNotResident surveyMode = "not_resident" // staff and other roles read it only
	modeNotYet      surveyMode = "not_yet"      // published, answers start later
	modeClosed      surveyMode = "closed"       // the window has ended
	modePreview     surveyMode = "preview"      // the builder's preview
)

// surveyPageData backs the survey page, the thank-you page and the preview.
type surveyPageData struct {
	Survey         survey.Survey
	Questions      []questionView
	Mode           surveyMode
	Response       *survey.Response
	Answers        answerValues
	Consent        bool
	IdempotencyKey string
	Sensitive      []questionView
	ErrorSummary   []errorLink
	// ResultsVisible is set when the visitor may read the results now.
	ResultsVisible bool
	Manage         bool
	DecisionTitle  string
}

// Interactive reports whether the questions can be filled in (the form, and
// the preview, whose answers cannot be sent).
func (d surveyPageData) Interactive() bool { return d.Mode == modeForm || d.Mode == modePreview }

func (s *site) mountSurveys(r chi.Router) {
	r.Get("/surveys", s.surveys)
	r.Get("/surveys/{id}", s.surveyPage)
	r.Post("/surveys/{id}", s.submitSurvey)
	r.Get("/surveys/{id}/thanks", s.surveyThanks)
	r.Get("/surveys/{id}/results", s.surveyResults)
	r.Route("/staff/surveys", s.mountStaffSurveys)
}

// surveyPageError renders the error page for a service error on a survey page.
func (s *site) surveyPageError(w http.ResponseWriter, r *http.Request, err error) {
	if e, ok := errs.As(err); ok && e.Kind == errs.KindNotFound {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "您访问的问卷不存在或尚未发布。")
		return
	}
	s.pageError(w, r, err)
}

// surveyListData is the public list of surveys.
type surveyListData struct {
	Surveys  []survey.Survey
	Status   survey.Status
	NextURL  string
	FirstURL string
	Staff    bool
	// Now is the service's clock, for the days left.
	Now time.Time
}

// Deadline is an open survey's end with the days left, nil otherwise.
func (d surveyListData) Deadline(sv survey.Survey) *deadline {
	if sv.Status != survey.StatusOpen || d.Now.Before(sv.OpensAt) {
		return nil
	}
	return newDeadline(d.Now, sv.ClosesAt)
}

// surveys lists the open and closed surveys, newest first.
func (s *site) surveys(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := surveyListData{Status: survey.Status(q.Get("status")), Staff: currentAccount(r).HasRole(identity.RoleAgencyStaff)}
	p := s.newPage(r, "民意调查")
	list, next, err := s.svc.Survey.ListSurveys(r.Context(), currentAccount(r), survey.ListFilter{Status: data.Status, Cursor: q.Get("cursor")})
	if err != nil {
		status, ok := s.refusedFilter(w, r, &p, err)
		if !ok {
			return
		}
		data.Status = ""
		p.Data = data
		s.render(w, r, status, "surveys", p)
		return
	}
	data.Surveys, data.Now = list, s.svc.Survey.Now()
	filters := url.Values{}
	if data.Status != "" {
		filters.Set("status", string(data.Status))
	}
	data.NextURL, data.FirstURL = pageLinks("/surveys", filters, q.Get("cursor"), next)
	p.Data = data
	s.render(w, r, http.StatusOK, "surveys", p)
}

// loadSurvey reads the survey named in the path for the visitor.
func (s *site) loadSurvey(w http.ResponseWriter, r *http.Request) (survey.Survey, bool) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "您访问的问卷不存在或尚未发布。")
		return survey.Survey{}, false
	}
	sv, err := s.svc.Survey.GetSurvey(r.Context(), currentAccount(r), id)
	if err != nil {
		s.surveyPageError(w, r, err)
		return sv, false
	}
	return sv, true
}

// surveyData prepares the page for the visitor: what they may do, their
// response if they have answered, whether results are readable.
func (s *site) surveyData(r *http.Request, sv survey.Survey, errors map[string]string) (surveyPageData, error) {
	actor := currentAccount(r)
	now := s.svc.Survey.Now()
	data := surveyPageData{Survey: sv, Questions: questionViews(sv.Questions, errors), Answers: answerValues{},
		Manage: actor.IsStaffOf(sv.AgencyID)}
	for _, q := range data.Questions {
		if q.Sensitive {
			data.Sensitive = append(data.Sensitive, q)
		}
	}
	data.ResultsVisible = data.Manage || (sv.Status == survey.StatusClosed && sv.ResultsPublicAfterClose)
	if sv.DecisionID != nil {
		if d, err := s.svc.Consultation.GetDecision(r.Context(), actor, *sv.DecisionID); err == nil {
			data.DecisionTitle = d.Title
		}
	}
	switch {
	case actor == nil:
		data.Mode = modeSignIn
	case actor.Role != identity.RoleResident:
		data.Mode = modeNotResident
	case !actor.Verified():
		data.Mode = modeVerify
	default:
		resp, err := s.svc.Survey.MyResponse(r.Context(), actor, sv.ID)
		switch {
		case err == nil:
			data.Mode, data.Response = modeAnswered, &resp
		case !errs.HasCode(err, "survey_response_not_found"):
			return data, err
		}
	}
	if data.Mode == "" || data.Mode == modeSignIn || data.Mode == modeNotResident || data.Mode == modeVerify {
		switch {
		case sv.AcceptsResponses(now):
			if data.Mode == "" {
				data.Mode = modeForm
			}
		case sv.Status == survey.StatusOpen && now.Before(sv.OpensAt):
			data.Mode = modeNotYet
		case sv.Status != survey.StatusDraft:
			data.Mode = modeClosed
		}
	}
	if data.Mode == "" {
		// A draft seen by its own agency: show it as the preview.
		data.Mode = modePreview
	}
	return data, nil
}

// surveyPage is the survey for residents: the privacy notice, the separate
// consent for sensitive questions, then the questions.
func (s *site) surveyPage(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.loadSurvey(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, sv.Title)
	data, err := s.surveyData(r, sv, p.Errors)
	if err != nil {
		s.surveyPageError(w, r, err)
		return
	}
	data.IdempotencyKey = newIdempotencyKey()
	p.Data = data
	s.render(w, r, http.StatusOK, "survey", p)
}

// submitSurvey sends the resident's answers to the service; a refusal shows
// the form again with each message next to its question and a summary at
// the top that links to them.
func (s *site) submitSurvey(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	sv, ok := s.loadSurvey(w, r)
	if !ok {
		return
	}
	actor := currentAccount(r)
	path := "/surveys/" + strconv.FormatInt(sv.ID, 10)
	if actor == nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(path), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, sv.Title)
	answers, bad := readAnswers(r.PostForm, sv.Questions)
	answers = shownAnswers(sv.Questions, answers)
	consent := r.PostFormValue("sensitive_consent") != ""
	in := survey.ResponseInput{Answers: answers, SensitiveConsent: consent, IdempotencyKey: r.PostFormValue("idempotency_key")}
	status := http.StatusUnprocessableEntity
	if len(bad) > 0 {
		// Show every problem at once: what the form could not read, and
		// what the service's checks say about the rest.
		if _, err := survey.ValidateResponse(sv.Questions, answers, consent); err != nil {
			s.formError(r, &p, err)
		}
		for k, v := range bad {
			p.Errors[k] = v
		}
	} else {
		_, _, err := s.svc.Survey.SubmitResponse(r.Context(), actor, sv.ID, in)
		if err == nil {
			http.Redirect(w, r, path+"/thanks", http.StatusSeeOther)
			return
		}
		if errs.HasCode(err, "survey_already_answered") {
			http.Redirect(w, r, path, http.StatusSeeOther)
			return
		}
		status = s.formError(r, &p, err)
		if status == http.StatusNotFound || status == http.StatusInternalServerError {
			s.surveyPageError(w, r, err)
			return
		}
	}
	consentError(&p, sv.Questions, consent)
	data, err := s.surveyData(r, sv, p.Errors)
	if err != nil {
		s.surveyPageError(w, r, err)
		return
	}
	data.Answers, data.Consent, data.IdempotencyKey = answerValues(r.PostForm), consent, in.IdempotencyKey
	if data.IdempotencyKey == "" {
		data.IdempotencyKey = newIdempotencyKey()
	}
	data.ErrorSummary = answerErrorSummary(data.Questions, p.Errors)
	p.ownSummary = len(data.ErrorSummary) > 0
	if len(data.ErrorSummary) > 0 && p.Message == "" {
		p.Message = "提交未成功，请按提示修改后再提交。"
	}
	p.Data = data
	s.render(w, r, status, "survey", p)
}

// consentError adds a message at the consent box when sensitive questions
// were refused without it: the service checks the consent before anything
// else of a sensitive question, so an error there is that refusal.
func consentError(p *page, qs []survey.Question, consent bool) {
	if consent {
		return
	}
	for _, q := range qs {
		if q.Sensitive && p.Errors[answerField(q.ID)] != "" {
			p.Errors["sensitive_consent"] = "回答涉及敏感个人信息的题目，须先勾选单独同意；不同意的，请清空这些题目的回答后提交"
			return
		}
	}
}

// surveyThanks thanks the resident after answering.
func (s *site) surveyThanks(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.loadSurvey(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "感谢您的参与")
	data, err := s.surveyData(r, sv, p.Errors)
	if err != nil {
		s.surveyPageError(w, r, err)
		return
	}
	if data.Mode != modeAnswered {
		http.Redirect(w, r, "/surveys/"+strconv.FormatInt(sv.ID, 10), http.StatusSeeOther)
		return
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "survey_thanks", p)
}

// questionItem is a question with what the form shows in it.
type questionItem struct {
	Q        questionView
	A        answerValues
	Disabled bool
}

// Items are the questions with the posted answers; read-only unless the
// visitor can fill them in.
func (d surveyPageData) Items() []questionItem {
	out := make([]questionItem, len(d.Questions))
	for i, q := range d.Questions {
		out[i] = questionItem{Q: q, A: d.Answers, Disabled: !d.Interactive()}
	}
	return out
}
