package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The legality review pages (issue 6): the review department's queue and
// review page (/review), the legal advisers' assignments and opinion form
// (/adviser, adviser.go), the lead unit's submission page
// (review_staff.go) and the deliberation, Party report and publication
// pages (publication*.go). Every rule is the service's.

func init() {
	pageNames = append(pageNames, "review_queue", "review", "adviser_list", "adviser_opinion", "review_submit",
		"publication_staff", "publication")
	for k, v := range reviewFuncs {
		funcs[k] = v
	}
	maps.Copy(flashText, reviewFlash)
}

var reviewStatusNames = map[consultation.ReviewStatus]string{
	consultation.ReviewReceived:           "待审查",
	consultation.ReviewMaterialsRequested: "已要求补充材料",
	consultation.ReviewReturned:           "已退回",
	consultation.ReviewConcluded:          "已作出审查意见",
}

var outcomeNames = map[consultation.ReviewOutcome]string{
	consultation.OutcomeLawful:              "合法",
	consultation.OutcomeLawfulWithChanges:   "修改后合法",
	consultation.OutcomeUnlawful:            "不合法",
	consultation.OutcomeExploratoryWithRisk: "探索性改革，明示法律风险",
}

var findingNames = map[consultation.Finding]string{consultation.FindingCompliant: "符合", consultation.FindingProblem: "存在问题"}

var voteNames = map[consultation.Vote]string{consultation.VoteFor: "赞成", consultation.VoteAgainst: "反对", consultation.VoteAbstain: "弃权"}

var reviewFuncs = map[string]any{
	"reviewStatusName": func(s consultation.ReviewStatus) string { return reviewStatusNames[s] },
	"outcomeName":      func(o consultation.ReviewOutcome) string { return outcomeNames[o] },
	"findingName":      func(f consultation.Finding) string { return findingNames[f] },
	"questionName":     func(q consultation.ReviewQuestion) string { return consultation.ReviewQuestionNames[q] },
	"reviewQuestions":  func() []consultation.ReviewQuestion { return consultation.ReviewQuestions },
	"meetingKindName":  func(k consultation.MeetingKind) string { return consultation.MeetingKindNames[k] },
	"deliberationOutcomeName": func(o consultation.DeliberationOutcome) string {
		return consultation.DeliberationOutcomeNames[o]
	},
	"voteName": func(v consultation.Vote) string { return voteNames[v] },
	"ptrTime":  func(t time.Time) *time.Time { return &t },
}

var reviewFlash = map[string]string{
	"review_submitted":    "已送请合法性审查。审查部门收到后开始审查。",
	"review_resubmitted":  "补充材料已提交，审查期限自今日重新起算。",
	"advisers_assigned":   "已指派法律顾问。",
	"review_returned":     "已退回承办单位。",
	"materials_requested": "已要求承办单位补充材料。",
	"conclusion_signed":   "合法性审查意见已签署并记入决策档案。",
	"changes_confirmed":   "已确认修改后的草案版本。",
	"opinion_signed":      "法律意见已签署并记入决策档案。",
	"deliberation_saved":  "集体讨论情况已记录。",
	"party_report_saved":  "向党委请示报告情况已记录。",
	"decision_published":  "决策已公布。",
	"feedback_submitted":  "您对决策实施的意见已提交，谢谢。",
}

// requireRolePage sends anonymous visitors to the login page (back to the
// page they asked for after signing in) and answers 403 with msg to
// accounts that have none of the roles.
func (s *site) requireRolePage(msg string, roles ...identity.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a := currentAccount(r)
			if a == nil {
				target := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					target = r.URL.Path
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(target), http.StatusSeeOther)
				return
			}
			if !a.HasRole(roles...) {
				s.renderError(w, r, http.StatusForbidden, "无权访问", msg)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// mountReview adds the review department's and the legal advisers' pages.
func (s *site) mountReview(r chi.Router) {
	r.Route("/review", func(r chi.Router) {
		r.Use(s.requireRolePage("这些页面供合法性审查部门的审查人员使用。", identity.RoleReviewer))
		r.Get("/", s.reviewQueue)
		r.Get("/{id}", s.reviewPage)
		r.Post("/{id}/advisers", s.assignAdvisers)
		r.Post("/{id}/return", s.returnReview)
		r.Post("/{id}/request-materials", s.requestMaterials)
		r.Post("/{id}/conclusion", s.signConclusion)
		r.Post("/{id}/confirm", s.confirmChanges)
	})
	r.Route("/adviser", func(r chi.Router) {
		r.Use(s.requireRolePage("这些页面供受指派的法律顾问使用。", identity.RoleLegalAdviser))
		r.Get("/", s.adviserList)
		r.Get("/reviews/{id}", s.opinionForm)
		r.Post("/reviews/{id}", s.signOpinion)
	})
}

// reviewQueueData is a list of review packages.
type reviewQueueData struct {
	Reviews  []consultation.LegalityReview
	Status   string
	Statuses []consultation.ReviewStatus
	NextURL  string
}

func (s *site) reviewList(w http.ResponseWriter, r *http.Request, title, name, base string) {
	p := s.newPage(r, title)
	q := r.URL.Query()
	f := consultation.ReviewFilter{Status: consultation.ReviewStatus(q.Get("status")), Cursor: q.Get("cursor")}
	list, next, err := s.svc.Consultation.ListLegalityReviews(r.Context(), currentAccount(r), f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := reviewQueueData{Reviews: list, Status: string(f.Status), Statuses: consultation.ReviewStatuses}
	if next != "" {
		data.NextURL = base + "?status=" + url.QueryEscape(string(f.Status)) + "&cursor=" + url.QueryEscape(next)
	}
	p.Data = data
	s.render(w, r, http.StatusOK, name, p)
}

func (s *site) reviewQueue(w http.ResponseWriter, r *http.Request) {
	s.reviewList(w, r, "合法性审查队列", "review_queue", "/review")
}

// reviewData is the review page: the package, the diff against the version
// consulted on, the opinions and the forms.
type reviewData struct {
	Review          consultation.LegalityReview
	Opinions        []consultation.LegalOpinion
	ConsultedNumber int
	Comparison      *consultation.Comparison
	LatestNumber    int
	LatestHash      string
	// Version is the draft version under review, with its articles and
	// explanation: advisers and reviewers read what they sign off.
	Version consultation.DraftVersion
	// Superseded: the review is open but the lead unit has uploaded a newer
	// version since; opinions and conclusions on the version under review
	// are refused (review_version_outdated) until it is returned and
	// submitted again.
	Superseded      bool
	Open            bool
	PeriodPassed    bool
	UnlawfulOpinion bool
	// Action is where the opinion or conclusion form posts.
	Action string
	// Roster is the legal advisers a reviewer may assign, found by
	// RosterQuery (name or firm), those already assigned left out.
	Roster      []identity.LegalAdviser
	RosterQuery string
}

func reviewURL(id int64, rest string) string { return "/review/" + strconv.FormatInt(id, 10) + rest }

// loadReview fills the review page's data for the signed-in account.
func (s *site) loadReview(r *http.Request, id int64) (reviewData, error) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	rv, err := svc.GetLegalityReview(ctx, actor, id)
	if err != nil {
		return reviewData{}, err
	}
	data := reviewData{Review: rv, Open: rv.Status == consultation.ReviewReceived || rv.Status == consultation.ReviewMaterialsRequested,
		PeriodPassed: !svc.Now().Before(rv.EarliestConclusionAt)}
	if data.Opinions, err = svc.ListLegalOpinions(ctx, actor, id); err != nil {
		return data, err
	}
	for _, o := range data.Opinions {
		if o.Overall == consultation.OutcomeUnlawful && o.VersionID == rv.VersionID {
			data.UnlawfulOpinion = true
		}
	}
	if c, err := svc.CurrentConsultation(ctx, actor, rv.DecisionID); err == nil {
		data.ConsultedNumber = c.VersionNumber
		if c.VersionNumber != rv.VersionNumber {
			cmp, err := svc.CompareDraftVersions(ctx, actor, rv.DecisionID, c.VersionNumber, rv.VersionNumber)
			if err != nil {
				return data, err
			}
			data.Comparison = &cmp
		}
	} else if !errs.HasCode(err, "consultation_not_found") {
		return data, err
	}
	versions, err := s.allVersions(r, rv.DecisionID)
	if err != nil {
		return data, err
	}
	if n := len(versions); n > 0 {
		data.LatestNumber, data.LatestHash = versions[n-1].Number, versions[n-1].ContentHash
	}
	data.Superseded = data.Open && data.LatestNumber > rv.VersionNumber
	if data.Version, err = svc.GetDraftVersion(ctx, actor, rv.DecisionID, rv.VersionNumber); err != nil {
		return data, err
	}
	return data, nil
}

func (s *site) reviewPage(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idInPath(w, r, "合法性审查材料不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "合法性审查")
	s.renderReview(w, r, http.StatusOK, id, p)
}

// renderReview renders the review page, also after a refused action.
func (s *site) renderReview(w http.ResponseWriter, r *http.Request, status int, id int64, p page) {
	data, err := s.loadReview(r, id)
	if err != nil {
		s.reviewError(w, r, err)
		return
	}
	data.Action = reviewURL(id, "/conclusion")
	if actor := currentAccount(r); data.Open && actor.HasRole(identity.RoleReviewer) {
		data.RosterQuery = strings.TrimSpace(r.URL.Query().Get("adviser_q"))
		list, _, err := s.svc.Identity.ListLegalAdvisers(r.Context(), actor, identity.AdviserFilter{Query: data.RosterQuery, Limit: 30})
		if err != nil {
			s.formError(r, &p, err)
		}
		assigned := map[int64]bool{}
		for _, a := range data.Review.Advisers {
			assigned[a.AccountID] = true
		}
		for _, a := range list {
			if !assigned[a.AccountID] {
				data.Roster = append(data.Roster, a)
			}
		}
	}
	s.withDeviceKeys(r, &p)
	p.Title = "合法性审查：" + data.Review.DecisionTitle
	p.Data = data
	s.render(w, r, status, "review", p)
}

// reviewError renders the error page for a review that cannot be shown.
func (s *site) reviewError(w http.ResponseWriter, r *http.Request, err error) {
	if errs.HasCode(err, "legality_review_not_found") {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "合法性审查材料不存在，或您无权查看。")
		return
	}
	s.pageError(w, r, err)
}

// reviewAction runs a reviewer's action from a posted form and redirects
// back to the review page, or shows it again with the refusal.
func (s *site) reviewAction(w http.ResponseWriter, r *http.Request, flash, pwField string, keep []string, act func(id int64, p *page) error) {
	id, ok := s.postedID(w, r, "合法性审查材料不存在。")
	if !ok {
		return
	}
	p := s.newPage(r, "合法性审查")
	p.keep(r, keep...)
	err := act(id, &p)
	switch {
	case errors.Is(err, errSignOnDevice):
		s.renderReview(w, r, http.StatusOK, id, p)
		return
	case err == nil:
		http.Redirect(w, r, reviewURL(id, "?flash="+flash), http.StatusSeeOther)
		return
	}
	status := signerError(&p, err, s.signError(r, &p, err, pwField))
	if status == http.StatusNotFound {
		s.reviewError(w, r, err)
		return
	}
	if accessRefusal(status) {
		s.pageError(w, r, err)
		return
	}
	s.renderReview(w, r, status, id, p)
}

// signError is formError for a signing form: a wrong re-entered password
// (or too many) is shown next to the password field, not as a refusal of
// access.
func (s *site) signError(r *http.Request, p *page, err error, pwField string) int {
	status := s.formError(r, p, err)
	if pwField != "" && (errs.HasCode(err, "reauthentication_failed") || errs.HasCode(err, "too_many_login_attempts")) {
		p.Errors[pwField] = p.Message
		p.Message = "签署未完成：密码验证失败。"
		if status == http.StatusForbidden {
			status = http.StatusUnprocessableEntity
		}
	} else if len(p.Errors) > 0 && p.Message == "" && len(p.Gates) == 0 {
		p.Message = "提交的内容有误，请按提示修改。"
	}
	return status
}

// assignAdvisers assigns the advisers the reviewer ticked in the roster
// (never typed ids: issue 15).
func (s *site) assignAdvisers(w http.ResponseWriter, r *http.Request) {
	s.reviewAction(w, r, "advisers_assigned", "", nil, func(id int64, p *page) error {
		var ids []int64
		for _, f := range r.PostForm["adviser_id"] {
			n, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil || n <= 0 {
				return errs.InvalidField("advisers_required", "adviser_id", "请从名册中选择法律顾问")
			}
			ids = append(ids, n)
		}
		_, err := s.svc.Consultation.AssignLegalAdviser(r.Context(), currentAccount(r), id, ids)
		return renameField(err, "adviser_ids", "adviser_id")
	})
}

func (s *site) returnReview(w http.ResponseWriter, r *http.Request) {
	s.reviewAction(w, r, "review_returned", "", []string{"return_reason"}, func(id int64, p *page) error {
		_, err := s.svc.Consultation.ReturnLegalityReview(r.Context(), currentAccount(r), id, p.Form["return_reason"])
		return renameField(err, "reason", "return_reason")
	})
}

func (s *site) requestMaterials(w http.ResponseWriter, r *http.Request) {
	s.reviewAction(w, r, "materials_requested", "", []string{"request_reason"}, func(id int64, p *page) error {
		_, err := s.svc.Consultation.RequestReviewMaterials(r.Context(), currentAccount(r), id, p.Form["request_reason"])
		return renameField(err, "reason", "request_reason")
	})
}

// renameField moves a field error to the form field that carries it when
// two forms of one page have a field of the same name.
func renameField(err error, from, to string) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Fields = append([]errs.FieldError(nil), e.Fields...)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// findingFields are the names of the findings form's fields.
var findingFields = []string{"finding", "reasoning", "cited_provisions"}

// readFindings reads the three questions' answers, in the order of
// consultation.ReviewQuestions, which is the order of the form.
func readFindings(r *http.Request, p *page) []consultation.QuestionFinding {
	var out []consultation.QuestionFinding
	for i, q := range consultation.ReviewQuestions {
		for _, f := range findingFields {
			name := "findings[" + strconv.Itoa(i) + "]." + f
			p.Form[name] = r.PostFormValue(name)
		}
		pre := "findings[" + strconv.Itoa(i) + "]."
		out = append(out, consultation.QuestionFinding{Question: q, Finding: consultation.Finding(p.Form[pre+"finding"]),
			Reasoning: p.Form[pre+"reasoning"], CitedProvisions: splitLines(p.Form[pre+"cited_provisions"])})
	}
	return out
}

func (s *site) signConclusion(w http.ResponseWriter, r *http.Request) {
	keep := []string{"outcome", "changes", "risk_statement", "expedite_reason", "resolution"}
	s.reviewAction(w, r, "conclusion_signed", "password", keep, func(id int64, p *page) error {
		in := consultation.ConclusionInput{Findings: readFindings(r, p), Outcome: consultation.ReviewOutcome(p.Form["outcome"]),
			Changes: p.Form["changes"], RiskStatement: p.Form["risk_statement"], ExpediteReason: p.Form["expedite_reason"],
			Resolution: p.Form["resolution"], Password: r.PostFormValue("password"), Signature: signerSignature(r)}
		return signOnDevice(r, p, "conclusion", func(key string) ([]byte, error) {
			return s.svc.Consultation.ReviewConclusionStatement(r.Context(), currentAccount(r), id, in, key)
		}, func() error {
			return errOf(s.svc.Consultation.SignReviewConclusion(r.Context(), currentAccount(r), id, in))
		})
	})
}

func (s *site) confirmChanges(w http.ResponseWriter, r *http.Request) {
	s.reviewAction(w, r, "changes_confirmed", "confirm_password", []string{"version_hash", "note"}, func(id int64, p *page) error {
		in := consultation.ConfirmationInput{VersionHash: p.Form["version_hash"], Note: p.Form["note"],
			Password: r.PostFormValue("confirm_password"), Signature: signerSignature(r)}
		return renameField(signOnDevice(r, p, "confirmation", func(key string) ([]byte, error) {
			return s.svc.Consultation.ReviewConfirmationStatement(r.Context(), currentAccount(r), id, in, key)
		}, func() error {
			return errOf(s.svc.Consultation.ConfirmReviewChanges(r.Context(), currentAccount(r), id, in))
		}), "password", "confirm_password")
	})
}

var errReviewMissing = errs.Conflict("review_materials_not_requested", "该决策事项没有送审材料")
