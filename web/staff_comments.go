package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// mountStaffComments adds the lead unit's comment pages (issue 4) under
// /staff/decisions: the moderation queue with dispositions per comment,
// the groups of identical comments, and the adoption report editor.
func (s *site) mountStaffComments(r chi.Router) {
	r.Get("/{id}/comments", s.staffComments)
	r.Post("/{id}/comments/{cid}/moderation", s.moderateComment)
	r.Post("/{id}/comments/{cid}/disposition", s.setCommentDisposition)
	r.Get("/{id}/comment-groups", s.staffCommentGroups)
	r.Post("/{id}/comment-groups/{gid}/disposition", s.setGroupDisposition)
	r.Get("/{id}/adoption-report", s.staffAdoptionReport)
	r.Post("/{id}/adoption-report", s.updateAdoptionReport)
	r.Post("/{id}/adoption-report/generate", s.generateAdoptionReport)
	r.Post("/{id}/adoption-report/publish", s.publishAdoptionReport)
}

// commentFilterKeys are the query parameters of the moderation queue.
var commentFilterKeys = []string{"status", "article", "stance", "group", "disposition"}

// queueQuery keeps only the queue's filters from a query (also the "back"
// field of its forms, so a posted value cannot inject anything else).
func queueQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range commentFilterKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// staffCommentsData backs the moderation queue.
type staffCommentsData struct {
	Decision consultation.Decision
	Status   string
	Article  string
	Stance   string
	Group    string
	Disp     string
	Articles []articleView
	Comments []consultation.Comment
	Stats    consultation.CommentStatistics
	// Moderating: comments may be published or rejected (consulting or
	// handling); Handling: they may be answered (after the window).
	Moderating      bool
	Handling        bool
	ReportPublished bool
	// Revised is the latest draft version when it is later than the one
	// consulted on: an answer can name the articles its opinion changed.
	Revised  *revisedVersion
	Back     string
	NextURL  string
	FirstURL string
	rowRefusal
}

// rowRefusal is the row of a list (a comment, a group) whose form was
// refused, with the refusal and what was typed, so it shows next to it.
type rowRefusal struct {
	Failed        int64
	FailedMessage string
	FailedKind    string
	FailedReason  string
}

// commentMeta loads what every comment page of the lead unit shows
// besides the list: the statistics, whether the report is published and
// the articles of the version under consultation (for the filters).
func (s *site) commentMeta(r *http.Request, d consultation.Decision) (consultation.CommentStatistics, bool, []articleView, error) {
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	st, err := svc.CommentStatistics(ctx, actor, d.ID)
	if err != nil {
		return st, false, nil, err
	}
	published := false
	rep, err := svc.GetAdoptionReport(ctx, actor, d.ID)
	switch {
	case err == nil:
		published = rep.Published()
	case !errs.HasCode(err, "adoption_report_not_found") && !errs.HasCode(err, "consultation_not_found"):
		return st, false, nil, err
	}
	var arts []articleView
	c, err := svc.CurrentConsultation(ctx, actor, d.ID)
	switch {
	case err == nil:
		v, err := svc.GetDraftVersion(ctx, actor, d.ID, c.VersionNumber)
		if err != nil {
			return st, false, nil, err
		}
		for _, sec := range sectionsOf(v.Articles) {
			arts = append(arts, sec.Articles...)
		}
	case !errs.HasCode(err, "consultation_not_found"):
		return st, false, nil, err
	}
	return st, published, arts, nil
}

func (s *site) staffComments(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderQueue(w, r, http.StatusOK, d, s.newPage(r, "公众意见审核与处理"), r.URL.Query(), staffCommentsData{})
}

// renderQueue renders the moderation queue with the filters in q, also
// after a refused action (p and failed then carry the refusal).
func (s *site) renderQueue(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page, q url.Values, data staffCommentsData) {
	q = queueQuery(q)
	data.Decision, data.Back = d, q.Encode()
	data.Status, data.Article, data.Stance, data.Group, data.Disp = q.Get("status"), q.Get("article"), q.Get("stance"), q.Get("group"), q.Get("disposition")
	data.Moderating = d.Status == consultation.StatusConsulting || d.Status == consultation.StatusHandling
	data.Handling = d.Status == consultation.StatusHandling
	var err error
	if data.Stats, data.ReportPublished, data.Articles, err = s.commentMeta(r, d); err != nil {
		s.pageError(w, r, err)
		return
	}
	if data.Handling {
		if data.Revised, err = s.revisedVersion(r, d.ID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	f := consultation.CommentFilter{Status: consultation.CommentStatus(data.Status), ArticleAnchor: data.Article,
		Stance: data.Stance, Disposition: data.Disp, Cursor: r.URL.Query().Get("cursor"), Limit: 50}
	if data.Group != "" {
		if f.GroupID, err = strconv.ParseInt(data.Group, 10, 64); err != nil || f.GroupID <= 0 {
			f.GroupID = -1 // no group has it: an empty list
		}
	}
	list, err := s.svc.Consultation.ListComments(r.Context(), currentAccount(r), d.ID, f)
	if err != nil {
		st, ok := s.refusedFilter(w, r, &p, err)
		if !ok {
			return
		}
		p.Errors = map[string]string{}
		status = st
	}
	data.Comments = list.Comments
	data.NextURL = nextPageURL(staffURL(d.ID, "/comments"), q, list.NextCursor)
	if r.URL.Query().Get("cursor") != "" {
		data.FirstURL = staffURL(d.ID, "/comments?") + q.Encode()
	}
	p.Data = data
	s.render(w, r, status, "staff_comments", p)
}

// commentOfPath loads the comment of a staff form and checks it belongs to
// the decision in the path; it renders the error page when it cannot.
func (s *site) commentOfPath(w http.ResponseWriter, r *http.Request, d consultation.Decision) (consultation.Comment, bool) {
	cid, err := strconv.ParseInt(chi.URLParam(r, "cid"), 10, 64)
	if err != nil || cid <= 0 {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "意见不存在。")
		return consultation.Comment{}, false
	}
	c, err := s.svc.Consultation.GetComment(r.Context(), currentAccount(r), cid)
	if err == nil && c.DecisionID != d.ID {
		err = errs.NotFound("comment_not_found", "意见不存在")
	}
	if err != nil {
		s.pageError(w, r, err)
		return c, false
	}
	return c, true
}

// commentAction runs one action of the queue on one comment and goes back
// to the queue with the same filters, or shows the refusal next to it.
func (s *site) commentAction(w http.ResponseWriter, r *http.Request, act func(c consultation.Comment) (flash string, err error)) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	c, ok := s.commentOfPath(w, r, d)
	if !ok {
		return
	}
	back, _ := url.ParseQuery(r.PostFormValue("back"))
	back = queueQuery(back)
	flash, err := act(c)
	if err == nil {
		back.Set("flash", flash)
		http.Redirect(w, r, staffURL(d.ID, "/comments?"+back.Encode()+"#c-"+strconv.FormatInt(c.ID, 10)), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "公众意见审核与处理")
	status, ok := s.refusedForm(w, r, &p, err)
	if !ok {
		return
	}
	msg := p.failedRow("回执编号 " + c.Receipt + " 的意见未能处理：")
	data := staffCommentsData{rowRefusal: rowRefusal{Failed: c.ID, FailedMessage: msg,
		FailedKind: r.PostFormValue("disposition"), FailedReason: r.PostFormValue("reason")}}
	s.renderQueue(w, r, status, d, p, back, data)
}

func (s *site) moderateComment(w http.ResponseWriter, r *http.Request) {
	s.commentAction(w, r, func(c consultation.Comment) (string, error) {
		action := consultation.ModerationAction(r.PostFormValue("action"))
		_, err := s.svc.Consultation.ModerateComment(r.Context(), currentAccount(r), c.ID, action, r.PostFormValue("reason"))
		if action == consultation.ModerationPublish {
			return "comment_published", err
		}
		return "comment_rejected", err
	})
}

func (s *site) setCommentDisposition(w http.ResponseWriter, r *http.Request) {
	s.commentAction(w, r, func(c consultation.Comment) (string, error) {
		_, err := s.svc.Consultation.SetCommentDispositionWith(r.Context(), currentAccount(r), c.ID, consultation.DispositionInput{
			Kind: consultation.DispositionKind(r.PostFormValue("disposition")), Reason: r.PostFormValue("reason"),
			ChangedArticles: r.PostForm["changed_articles"]})
		return "disposition_saved", err
	})
}

// staffGroupsData backs the page of comment groups.
type staffGroupsData struct {
	Decision        consultation.Decision
	Groups          []consultation.CommentGroup
	All             bool // groups of one comment shown too
	Handling        bool
	ReportPublished bool
	Stats           consultation.CommentStatistics
	NextURL         string
	FirstURL        string
	rowRefusal
}

func (s *site) staffCommentGroups(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	s.renderGroups(w, r, http.StatusOK, d, s.newPage(r, "意见分组"), r.URL.Query().Get("all") != "", staffGroupsData{})
}

// renderGroups renders the groups, largest first; without all, only
// actual duplicates (two comments or more).
func (s *site) renderGroups(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page, all bool, data staffGroupsData) {
	data.Decision, data.All, data.Handling = d, all, d.Status == consultation.StatusHandling
	var err error
	if data.Stats, data.ReportPublished, _, err = s.commentMeta(r, d); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := consultation.CommentGroupFilter{MinSize: 2, Limit: 50, Cursor: r.URL.Query().Get("cursor")}
	if all {
		f.MinSize = 0
	}
	list, next, err := s.svc.Consultation.ListCommentGroups(r.Context(), currentAccount(r), d.ID, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Groups = list
	var filters url.Values
	if all {
		filters = url.Values{"all": {"1"}}
	}
	data.NextURL, data.FirstURL = pageLinks(staffURL(d.ID, "/comment-groups"), filters, r.URL.Query().Get("cursor"), next)
	p.Data = data
	s.render(w, r, status, "staff_comment_groups", p)
}

// setGroupDisposition answers every published comment of a group that has
// no answer of its own with one disposition.
func (s *site) setGroupDisposition(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	gid, err := strconv.ParseInt(chi.URLParam(r, "gid"), 10, 64)
	if err != nil || gid <= 0 {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "意见组不存在。")
		return
	}
	all := r.PostFormValue("all") != ""
	kind, reason := r.PostFormValue("disposition"), r.PostFormValue("reason")
	res, err := s.svc.Consultation.SetGroupDisposition(r.Context(), currentAccount(r), gid, consultation.DispositionKind(kind), reason)
	if err == nil {
		// The service authorised the group by its own decision; go back
		// to that decision's groups.
		back := "/comment-groups?flash=group_disposition"
		if all {
			back += "&all=1"
		}
		http.Redirect(w, r, staffURL(res.DecisionID, back+"#g-"+strconv.FormatInt(gid, 10)), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "意见分组")
	status, ok := s.refusedForm(w, r, &p, err)
	if !ok {
		return
	}
	msg := p.failedRow("该组意见未能处理：")
	s.renderGroups(w, r, status, d, p, all, staffGroupsData{rowRefusal: rowRefusal{Failed: gid, FailedMessage: msg, FailedKind: kind, FailedReason: reason}})
}

// failedRow moves a refusal of an action on one row of a list (a comment,
// a group) to the top of the page, after what, since the list has no
// fields to show errors next to; it returns the reason for the row itself.
func (p *page) failedRow(what string) string {
	msg := p.Message
	for _, m := range p.Errors {
		msg = m
	}
	p.Message = what + msg
	p.Errors = map[string]string{}
	return msg
}
