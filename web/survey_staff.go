package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/survey"
)

// mountStaffSurveys adds the survey builder under /staff/surveys. What a
// member of staff may change is the service's decision (staff of the
// survey's agency); the pages only send other visitors away early.
func (s *site) mountStaffSurveys(r chi.Router) {
	r.Use(s.requireStaff)
	r.Get("/", s.staffSurveys)
	r.Get("/new", s.newSurveyForm)
	r.Post("/new", s.createSurvey)
	r.Get("/decisions/{id}", s.decisionSurveys)
	r.Post("/decisions/{id}/waiver", s.waiveSurvey)
	r.Get("/{id}", s.surveyEditor)
	r.Get("/{id}/edit", s.editSurveyForm)
	r.Post("/{id}/edit", s.updateSurvey)
	r.Get("/{id}/preview", s.surveyPreview)
	r.Post("/{id}/open", s.openSurvey)
	r.Post("/{id}/close", s.closeSurvey)
	r.Get("/{id}/questions/new", s.newQuestionForm)
	r.Post("/{id}/questions/new", s.addQuestion)
	r.Get("/{id}/questions/{qid}/edit", s.editQuestionForm)
	r.Post("/{id}/questions/{qid}/edit", s.updateQuestion)
	r.Post("/{id}/questions/{qid}/move", s.moveQuestion)
	r.Post("/{id}/questions/{qid}/delete", s.deleteQuestion)
}

func staffSurveyURL(id int64, rest string) string {
	return "/staff/surveys/" + strconv.FormatInt(id, 10) + rest
}

// staffSurveys lists the surveys of the agency.
func (s *site) staffSurveys(w http.ResponseWriter, r *http.Request) {
	renderCursorList(s, w, r, "本单位问卷", "staff_surveys", "/staff/surveys", func(cursor string) ([]survey.Survey, string, error) {
		return s.svc.Survey.ListSurveys(r.Context(), currentAccount(r), survey.ListFilter{Mine: true, Cursor: cursor})
	})
}

// surveyFormData backs the create and settings form.
type surveyFormData struct {
	Survey      *survey.Survey
	Decisions   []consultation.Decision
	Action      string
	SubmitLabel string
	CancelURL   string
}

// leadDecisions lists the decisions the actor's agency leads, which a
// survey may be linked to.
func (s *site) leadDecisions(r *http.Request) ([]consultation.Decision, error) {
	a := currentAccount(r)
	var out []consultation.Decision
	cur := ""
	for range 10 {
		list, next, err := s.svc.Consultation.ListDecisions(r.Context(), a, consultation.DecisionFilter{Mine: true,
			LeadAgency: deref(a.AgencyCode), Limit: 100, Cursor: cur})
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			if a.IsStaffOf(d.LeadAgencyID) && d.Status != consultation.StatusWithdrawn {
				out = append(out, d)
			}
		}
		if next == "" {
			break
		}
		cur = next
	}
	return out, nil
}

// defaultPrivacyNotice proposes the notice PIPL Art. 17 asks for: who
// collects, why, and how long the answers are kept.
func defaultPrivacyNotice(agency string) string {
	if agency == "" {
		agency = "本单位"
	}
	return agency + "通过本问卷收集您的回答，仅用于了解公众对本次决策事项的意见，作为决策参考。" +
		"问卷不收集姓名、身份证号码等身份信息；统计结果只以汇总形式公布。答卷自问卷结束之日起保存两年，期满后删除。"
}

func (s *site) agencyName(r *http.Request) string {
	code := deref(currentAccount(r).AgencyCode)
	agencies, err := s.svc.Identity.ListAgencies(r.Context())
	if err != nil {
		return ""
	}
	for _, a := range agencies {
		if a.Code == code {
			return a.Name
		}
	}
	return ""
}

func (s *site) newSurveyForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "新建问卷")
	decisions, err := s.leadDecisions(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Form["decision_id"] = r.URL.Query().Get("decision")
	p.Form["closes_at"] = localValue(defaultConsultationEnd(s.svc.Survey.Now()))
	p.Form["results_public_after_close"] = "on"
	p.Form["privacy_notice"] = defaultPrivacyNotice(s.agencyName(r))
	p.Data = surveyFormData{Decisions: decisions, Action: "/staff/surveys/new", SubmitLabel: "创建问卷", CancelURL: "/staff/surveys"}
	s.render(w, r, http.StatusOK, "staff_survey_form", p)
}

// readSurveyForm reads the posted settings into the page and the service
// input; it reports false when a field cannot be parsed.
func readSurveyForm(r *http.Request, p *page) (survey.Input, bool) {
	p.keep(r, "title", "description", "decision_id", "opens_at", "closes_at", "privacy_notice", "target_responses")
	p.keepChecked(r, "anonymous", "results_public_after_close")
	in := survey.Input{Title: p.Form["title"], Description: p.Form["description"], PrivacyNotice: p.Form["privacy_notice"],
		Anonymous: p.Form["anonymous"] != "", ResultsPublicAfterClose: p.Form["results_public_after_close"] != ""}
	ok := true
	if v := strings.TrimSpace(p.Form["decision_id"]); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			p.Errors["decision_id"] = "请选择关联的决策事项"
			ok = false
		}
		in.DecisionID = &id
	}
	if v := strings.TrimSpace(p.Form["opens_at"]); v != "" {
		t, parsed := parseLocalTime(v)
		if !parsed {
			p.Errors["opens_at"] = "请填写开始填写的日期和时间，或留空（发布时开始）"
			ok = false
		}
		in.OpensAt = t
	}
	if v := strings.TrimSpace(p.Form["target_responses"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			p.Errors["target_responses"] = "预定答卷数须为整数，不设目标时留空"
			ok = false
		}
		in.TargetResponses = &n
	}
	t, parsed := parseLocalTime(p.Form["closes_at"])
	if !parsed {
		p.Errors["closes_at"] = "请填写结束填写的日期和时间"
		ok = false
	}
	in.ClosesAt = t
	return in, ok
}

func (s *site) createSurvey(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "新建问卷")
	decisions, err := s.leadDecisions(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = surveyFormData{Decisions: decisions, Action: "/staff/surveys/new", SubmitLabel: "创建问卷", CancelURL: "/staff/surveys"}
	in, ok := readSurveyForm(r, &p)
	if !ok {
		p.Message = "提交的内容有误，请按提示修改。"
		s.render(w, r, http.StatusUnprocessableEntity, "staff_survey_form", p)
		return
	}
	sv, err := s.svc.Survey.CreateSurvey(r.Context(), currentAccount(r), in)
	if err != nil {
		s.renderFormError(w, r, &p, err, "staff_survey_form")
		return
	}
	http.Redirect(w, r, staffSurveyURL(sv.ID, "?flash=survey_created"), http.StatusSeeOther)
}

// staffSurveyFor loads the survey of a builder page and answers 403 to
// anyone but staff of its agency: the service refuses their changes anyway.
func (s *site) staffSurveyFor(w http.ResponseWriter, r *http.Request) (survey.Survey, bool) {
	sv, ok := s.loadSurvey(w, r)
	if !ok {
		return sv, false
	}
	if !currentAccount(r).IsStaffOf(sv.AgencyID) {
		s.renderError(w, r, http.StatusForbidden, "无权访问", "只有发起问卷的单位（"+sv.AgencyName+"）的工作人员可以编辑这份问卷。")
		return sv, false
	}
	return sv, true
}

func surveyFormValues(p *page, sv survey.Survey) {
	p.Form["title"] = sv.Title
	p.Form["description"] = sv.Description
	if sv.DecisionID != nil {
		p.Form["decision_id"] = strconv.FormatInt(*sv.DecisionID, 10)
	}
	p.Form["opens_at"] = localValue(sv.OpensAt)
	p.Form["closes_at"] = localValue(sv.ClosesAt)
	p.Form["privacy_notice"] = sv.PrivacyNotice
	if sv.TargetResponses != nil {
		p.Form["target_responses"] = strconv.Itoa(*sv.TargetResponses)
	}
	if sv.Anonymous {
		p.Form["anonymous"] = "on"
	}
	if sv.ResultsPublicAfterClose {
		p.Form["results_public_after_close"] = "on"
	}
}

func (s *site) editSurveyForm(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "问卷设置")
	surveyFormValues(&p, sv)
	s.renderSurveySettings(w, r, http.StatusOK, sv, p)
}

// renderSurveySettings renders the settings form of a survey, also after a
// refused change (p then carries the refusal and the values sent).
func (s *site) renderSurveySettings(w http.ResponseWriter, r *http.Request, status int, sv survey.Survey, p page) {
	decisions, err := s.leadDecisions(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = surveyFormData{Survey: &sv, Decisions: decisions, Action: staffSurveyURL(sv.ID, "/edit"), SubmitLabel: "保存设置",
		CancelURL: staffSurveyURL(sv.ID, "")}
	s.render(w, r, status, "staff_survey_form", p)
}

func (s *site) updateSurvey(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postedID(w, r, "您访问的问卷不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "问卷设置")
	in, parsed := readSurveyForm(r, &p)
	status := http.StatusUnprocessableEntity
	if parsed {
		sv, err := s.svc.Survey.UpdateSurvey(r.Context(), currentAccount(r), id, in)
		if err == nil {
			http.Redirect(w, r, staffSurveyURL(sv.ID, "?flash=survey_saved"), http.StatusSeeOther)
			return
		}
		if status = s.formError(r, &p, err); accessRefusal(status) {
			s.surveyPageError(w, r, err)
			return
		}
	}
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	p.askToFix()
	s.renderSurveySettings(w, r, status, sv, p)
}

// editorData backs the builder's page of one survey.
type editorData struct {
	Survey    survey.Survey
	Questions []editorQuestion
	Kinds     []survey.Kind
	Decision  *consultation.Decision
	Editable  bool
	Open      bool // accepting answers now
}

// editorQuestion is one question in the builder's list.
type editorQuestion struct {
	survey.Question
	Number    int
	Condition string
	First     bool
	Last      bool
}

func (s *site) surveyEditor(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	s.renderEditor(w, r, http.StatusOK, sv, s.newPage(r, sv.Title))
}

// renderEditor renders the builder's page, also after a refused action (p
// then carries the refusal).
func (s *site) renderEditor(w http.ResponseWriter, r *http.Request, status int, sv survey.Survey, p page) {
	data := editorData{Survey: sv, Kinds: survey.Kinds, Editable: sv.Status == survey.StatusDraft,
		Open: sv.AcceptsResponses(s.svc.Survey.Now())}
	for i, q := range sv.Questions {
		data.Questions = append(data.Questions, editorQuestion{Question: q, Number: i + 1, Condition: conditionText(sv.Questions, q),
			First: i == 0, Last: i == len(sv.Questions)-1})
	}
	if sv.DecisionID != nil {
		if d, err := s.svc.Consultation.GetDecision(r.Context(), currentAccount(r), *sv.DecisionID); err == nil {
			data.Decision = &d
		}
	}
	p.Data = data
	s.render(w, r, status, "staff_survey", p)
}

// surveyAction runs a builder action and either redirects with a
// confirmation or shows the builder again with the refusal.
func (s *site) surveyAction(w http.ResponseWriter, r *http.Request, flash, anchor string, act func(id int64) error) {
	id, ok := s.postedID(w, r, "您访问的问卷不存在。")
	if !ok {
		return
	}
	err := act(id)
	if err == nil {
		http.Redirect(w, r, staffSurveyURL(id, "?flash="+flash+anchor), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "问卷")
	status := s.formError(r, &p, err)
	if accessRefusal(status) {
		s.surveyPageError(w, r, err)
		return
	}
	if p.Message == "" {
		for _, m := range p.Errors {
			p.Message = m
		}
	}
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	p.Title = sv.Title
	s.renderEditor(w, r, status, sv, p)
}

func (s *site) openSurvey(w http.ResponseWriter, r *http.Request) {
	s.surveyAction(w, r, "survey_opened", "", func(id int64) error {
		return errOf(s.svc.Survey.OpenSurvey(r.Context(), currentAccount(r), id))
	})
}

func (s *site) closeSurvey(w http.ResponseWriter, r *http.Request) {
	s.surveyAction(w, r, "survey_closed", "", func(id int64) error {
		return errOf(s.svc.Survey.CloseSurvey(r.Context(), currentAccount(r), id))
	})
}

func questionID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "qid"), 10, 64)
	return id
}

func (s *site) deleteQuestion(w http.ResponseWriter, r *http.Request) {
	s.surveyAction(w, r, "question_deleted", "#questions", func(id int64) error {
		return errOf(s.svc.Survey.DeleteQuestion(r.Context(), currentAccount(r), id, questionID(r)))
	})
}

// moveQuestion moves a question one place up or down: the question is
// saved unchanged at its new position.
func (s *site) moveQuestion(w http.ResponseWriter, r *http.Request) {
	qid := questionID(r)
	s.surveyAction(w, r, "question_moved", "#question-"+strconv.FormatInt(qid, 10), func(id int64) error {
		ctx, actor := r.Context(), currentAccount(r)
		sv, err := s.svc.Survey.GetSurvey(ctx, actor, id)
		if err != nil {
			// Let the builder operation give its own refusal (a survey
			// of another agency is not_survey_owner there, not "not found").
			return errOf(s.svc.Survey.UpdateQuestion(ctx, actor, id, qid, survey.QuestionInput{}))
		}
		for i, q := range sv.Questions {
			if q.ID != qid {
				continue
			}
			pos := i + 1
			switch r.PostFormValue("direction") {
			case "up":
				pos--
			case "down":
				pos++
			}
			// At either end the question stays where it is; it is still
			// saved, so the builder operation decides who may.
			pos = max(1, min(pos, len(sv.Questions)))
			in := inputOf(q)
			in.Position = pos
			return errOf(s.svc.Survey.UpdateQuestion(ctx, actor, id, qid, in))
		}
		return errOf(s.svc.Survey.UpdateQuestion(ctx, actor, id, qid, survey.QuestionInput{}))
	})
}

// inputOf is a stored question as builder input (to save it unchanged).
func inputOf(q survey.Question) survey.QuestionInput {
	return survey.QuestionInput{Kind: q.Kind, Title: q.Title, Help: q.Help, Required: q.Required, Sensitive: q.Sensitive,
		Config: q.Config, Condition: q.Condition}
}

// surveyPreview shows the resident's form as it will look, without a way
// to send it.
func (s *site) surveyPreview(w http.ResponseWriter, r *http.Request) {
	sv, ok := s.staffSurveyFor(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "预览："+sv.Title)
	data, err := s.surveyData(r, sv, p.Errors)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Mode = modePreview
	p.Data = data
	s.render(w, r, http.StatusOK, "survey", p)
}
