package web

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/obs"
)

// commentsPerArticle is how many comments the decision page shows under one
// article; the rest are one link away (publicComments), so a draft with
// thousands of comments still reads as a draft.
const commentsPerArticle = 3

// decisionComments is what the decision page shows of the comments.
type decisionComments struct {
	// Accepting is set when comment buttons are shown: the window is open
	// and the version shown is the one under consultation.
	Accepting bool
	// Public is set when the consultation shows published comments; the
	// counts are public either way (issue 4).
	Public       bool
	Total        int
	Participants int
	// Whole is the whole draft's count and comments.
	Whole articleView
	// ReportPublished links the adoption report once it is published.
	ReportPublished bool
}

// attachComments adds the comment counts, the first comments of each
// article and the link to the adoption report to a decision page. The
// service decides what the viewer may see; staff of the lead unit, who see
// every comment in the lists, are shown the page as the public sees it.
func (s *site) attachComments(r *http.Request, data *decisionPageData) error {
	if data.Consultation == nil {
		return nil
	}
	ctx, actor, svc := r.Context(), currentAccount(r), s.svc.Consultation
	id := data.Decision.ID
	st, err := svc.CommentStatistics(ctx, actor, id)
	if err != nil {
		return err
	}
	c := &data.Comments
	c.Total, c.Participants, c.Public = st.Published, st.Participants, data.Consultation.ShowComments
	c.Accepting = data.Open && data.Version != nil && data.Version.Number == data.Consultation.VersionNumber
	counts := map[string]int{}
	for _, a := range st.ByArticle {
		counts[a.ArticleAnchor] = a.Count
	}
	f := consultation.CommentFilter{Limit: 100}
	if data.LeadStaff {
		f.Status = consultation.CommentPublished
	}
	list, err := svc.ListComments(ctx, actor, id, f)
	if err != nil {
		return err
	}
	shown := map[string][]consultation.Comment{}
	for _, cm := range list.Comments {
		if !cm.Own && (!c.Public || cm.Status != consultation.CommentPublished) {
			continue
		}
		if len(shown[cm.ArticleAnchor]) < commentsPerArticle {
			shown[cm.ArticleAnchor] = append(shown[cm.ArticleAnchor], cm)
		}
	}
	fill := func(a *articleView) {
		a.Count, a.Comments = counts[a.Anchor], shown[a.Anchor]
		published := 0
		for _, cm := range a.Comments {
			if cm.Status == consultation.CommentPublished {
				published++
			}
		}
		a.More = c.Public && a.Count > published
	}
	for i := range data.Sections {
		for j := range data.Sections[i].Articles {
			fill(&data.Sections[i].Articles[j])
		}
	}
	fill(&c.Whole)
	rep, err := svc.GetAdoptionReport(ctx, actor, id)
	switch {
	case err == nil:
		c.ReportPublished = rep.Published()
	case !errs.HasCode(err, "adoption_report_not_found") && !errs.HasCode(err, "consultation_not_found"):
		return err
	}
	return nil
}

// commentFormData backs the comment form.
type commentFormData struct {
	Decision     consultation.Decision
	Consultation *consultation.Consultation
	// Article is the article commented on; nil for the whole draft.
	Article *articleView
	Open    bool
	// Problem says why the form is not offered: "closed", "staff" or
	// "unverified"; empty when it is.
	Problem string
	// Closed explains a closed window.
	Closed string
	// Key is the idempotency key of this rendering of the form: a double
	// tap or a retried post submits one comment.
	Key      string
	MaxRunes int
	// Previous is the receipt of the comment this form already submitted
	// (shown when the form is posted again with other content).
	Previous string
}

// Target is the form's action (with the article).
func (d commentFormData) Target() string {
	u := "/decisions/" + strconv.FormatInt(d.Decision.ID, 10) + "/comment"
	if d.Article != nil {
		u += "?article=" + url.QueryEscape(d.Article.Anchor)
	}
	return u
}

// commentTarget loads what the comment form is about: the decision, its
// consultation and the article (by anchor, in the version under
// consultation). It renders the error page and reports false when the
// decision or the article does not exist.
func (s *site) commentTarget(w http.ResponseWriter, r *http.Request, anchor string) (commentFormData, bool) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return commentFormData{}, false
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	data := commentFormData{Decision: d, MaxRunes: consultation.MaxCommentRunes}
	c, err := svc.CurrentConsultation(ctx, actor, id)
	switch {
	case err == nil:
		data.Consultation, data.Open = &c, c.IsOpen(svc.Now()) && d.Status == consultation.StatusConsulting
	case errs.HasCode(err, "consultation_not_found"):
		data.Problem, data.Closed = "closed", "该决策事项没有公开征求意见。"
		return data, anchor == "" || s.unknownArticle(w, r)
	default:
		s.pageError(w, r, err)
		return data, false
	}
	if anchor != "" {
		v, err := svc.GetDraftVersion(ctx, actor, id, c.VersionNumber)
		if err != nil {
			s.pageError(w, r, err)
			return data, false
		}
		for _, sec := range sectionsOf(v.Articles) {
			for _, a := range sec.Articles {
				if a.Anchor == anchor {
					data.Article = &a
				}
			}
		}
		if data.Article == nil {
			return data, s.unknownArticle(w, r)
		}
	}
	if !data.Open {
		data.Problem = "closed"
		switch now := svc.Now(); {
		case c.ClosedAt == nil && now.Before(c.OpensAt):
			data.Closed = "征求意见尚未开始，开始时间为" + c.OpensAt.In(shanghai).Format("2006年1月2日 15:04") + "（北京时间）。"
		default:
			data.Closed = "征求意见期已结束（截止时间为" + c.EndsAt.In(shanghai).Format("2006年1月2日 15:04") + "，北京时间），不再接受新的意见。"
		}
	}
	return data, true
}

func (s *site) unknownArticle(w http.ResponseWriter, r *http.Request) bool {
	s.renderError(w, r, http.StatusNotFound, "页面不存在", "征求意见稿中没有这一条。")
	return false
}

// accountProblem says why the account may not comment: staff do not
// comment as the public, and a resident must have verified their phone.
func accountProblem(a *identity.Account) string {
	switch {
	case !a.HasRole(identity.RoleResident):
		return "staff"
	case !a.Verified():
		return "unverified"
	}
	return ""
}

func loginURL(next string) string { return "/login?next=" + url.QueryEscape(next) }

// commentForm shows the form for a comment on one article
// (?article=anchor) or on the whole draft. Outside the window it says so;
// anonymous visitors are sent to log in first.
func (s *site) commentForm(w http.ResponseWriter, r *http.Request) {
	data, ok := s.commentTarget(w, r, r.URL.Query().Get("article"))
	if !ok {
		return
	}
	a := currentAccount(r)
	if a == nil && data.Problem == "" {
		http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if data.Problem == "" {
		data.Problem = accountProblem(a)
	}
	data.Key = rand.Text()
	p := s.newPage(r, "发表意见")
	if data.Problem == "" {
		s.restoreCommentDraft(r, &p, data)
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "comment_form", p)
}

// commentDraftCookie holds the token of a comment form posted after the
// session ran out (consultation.SaveCommentDraft): HttpOnly, never in a
// URL, two hours. The sign-in then comes back to the form with the text.
const commentDraftCookie = "canyu_comment_draft"

func (s *site) setCommentDraftCookie(w http.ResponseWriter, token string) {
	c := &http.Cookie{Name: commentDraftCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.svc.SecureCookies, MaxAge: int(consultation.CommentDraftTTL / time.Second)}
	if token == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// keepCommentDraft keeps the comment form posted without a valid session
// (its session ran out while the resident typed) for after the sign-in.
// The form names the account it was shown to; only that account gets the
// text back. When nothing can be kept the sign-in goes on as before.
func (s *site) keepCommentDraft(w http.ResponseWriter, r *http.Request, decisionID int64, anchor string) {
	owner, _ := strconv.ParseInt(r.PostFormValue("owner"), 10, 64)
	token, err := s.svc.Consultation.SaveCommentDraft(r.Context(), consultation.CommentDraftInput{DecisionID: decisionID,
		ArticleAnchor: anchor, Stance: r.PostFormValue("stance"), Body: r.PostFormValue("body"),
		ShowName: r.PostFormValue("show_name") != "", AccountID: owner, ClientAddr: obs.ClientFrom(r.Context()).Addr})
	if err != nil {
		if e, ok := errs.As(err); !ok || e.Kind == errs.KindInternal {
			s.svc.Logger.WarnContext(r.Context(), "comment draft not kept", "error", err)
		}
		return
	}
	s.setCommentDraftCookie(w, token)
}

// restoreCommentDraft fills the form with the draft kept for this
// account and this form, saying so; it is not submitted for the resident.
func (s *site) restoreCommentDraft(r *http.Request, p *page, data commentFormData) {
	c, err := r.Cookie(commentDraftCookie)
	if err != nil || c.Value == "" {
		return
	}
	// A token of no draft here (expired, another form's) is left to
	// expire with its cookie.
	d, err := s.svc.Consultation.CommentDraftFor(r.Context(), currentAccount(r), data.Decision.ID, c.Value)
	anchor := ""
	if data.Article != nil {
		anchor = data.Article.Anchor
	}
	if err != nil || d.ArticleAnchor != anchor {
		return
	}
	p.Form["stance"], p.Form["body"] = d.Stance, d.Body
	if d.ShowName {
		p.Form["show_name"] = "on"
	}
	p.Flash = "您登录前填写的意见已恢复，尚未提交。请核对后点击“提交意见”。"
}

// submitComment submits the form through the same service method as the
// API and sends the resident to their receipt.
func (s *site) submitComment(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	anchor := strings.TrimSpace(r.PostFormValue("article"))
	if currentAccount(r) == nil {
		id, _ := pathID(r)
		target := "/decisions/" + strconv.FormatInt(id, 10) + "/comment"
		if anchor != "" {
			target += "?article=" + url.QueryEscape(anchor)
		}
		// The session ran out while the resident typed: keep the text
		// for after the sign-in (the target stays this site's own path).
		s.keepCommentDraft(w, r, id, anchor)
		http.Redirect(w, r, loginURL(target), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "发表意见")
	p.keep(r, "stance", "body", "show_name")
	key := r.PostFormValue("key")
	c, _, err := s.svc.Consultation.SubmitComment(r.Context(), currentAccount(r), mustPathID(r), consultation.CommentInput{
		ArticleAnchor: anchor, Stance: p.Form["stance"], Body: p.Form["body"], ShowName: p.Form["show_name"] != "",
		IdempotencyKey: key, ClientAddr: obs.ClientFrom(r.Context()).Addr})
	if err == nil {
		if dc, err := r.Cookie(commentDraftCookie); err == nil && dc.Value != "" {
			if err := s.svc.Consultation.DiscardCommentDraft(r.Context(), dc.Value); err == nil {
				s.setCommentDraftCookie(w, "")
			}
		}
		http.Redirect(w, r, receiptURL(c.Receipt)+"?flash=comment_submitted", http.StatusSeeOther)
		return
	}
	status := s.formError(r, &p, err)
	if status == http.StatusNotFound || status == http.StatusInternalServerError {
		s.pageError(w, r, err)
		return
	}
	if e, ok := errs.As(err); ok && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds()+0.999)))
	}
	data, ok := s.commentTarget(w, r, anchor)
	if !ok {
		return
	}
	if data.Problem == "" {
		data.Problem = accountProblem(currentAccount(r))
	}
	data.Key = key
	if errs.HasCode(err, "idempotency_key_reused") {
		// The form was sent once already (back button, then edited):
		// that comment stands; this one needs a fresh key.
		data.Previous, data.Key = c.Receipt, rand.Text()
		p.Message = "这张表单已经提交过一条意见（见下方回执编号）。如需再提一条新的意见，请核对内容后再次提交。"
	}
	p.askToFix()
	p.Data = data
	s.render(w, r, status, "comment_form", p)
}

func receiptURL(receipt string) string { return "/comment-receipts/" + url.PathEscape(receipt) }

// receiptData backs the receipt page.
type receiptData struct {
	Receipt  string
	Comment  *consultation.Comment
	Decision *consultation.Decision
	NotFound bool
}

// receiptLookup is the form to look a receipt up; with ?receipt= it goes
// to that receipt's page.
func (s *site) receiptLookup(w http.ResponseWriter, r *http.Request) {
	if v := consultation.NormalizeReceipt(r.URL.Query().Get("receipt")); v != "" {
		http.Redirect(w, r, receiptURL(v), http.StatusSeeOther)
		return
	}
	s.show(w, r, "comment_receipt", "查询意见处理情况", receiptData{})
}

// commentReceipt shows what the holder of a receipt may see: the status,
// and the text and reply once the comment is published. No sign-in needed.
func (s *site) commentReceipt(w http.ResponseWriter, r *http.Request) {
	receipt := consultation.NormalizeReceipt(chi.URLParam(r, "receipt"))
	p := s.newPage(r, "意见回执 "+receipt)
	data := receiptData{Receipt: receipt}
	c, err := s.svc.Consultation.GetCommentByReceipt(r.Context(), receipt)
	if err != nil {
		if !errs.HasCode(err, "comment_not_found") {
			s.pageError(w, r, err)
			return
		}
		data.NotFound = true
		p.Title = "查询意见处理情况"
		p.Data = data
		s.render(w, r, http.StatusNotFound, "comment_receipt", p)
		return
	}
	data.Comment = &c
	if d, err := s.svc.Consultation.GetDecision(r.Context(), currentAccount(r), c.DecisionID); err == nil {
		data.Decision = &d
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "comment_receipt", p)
}

// commentListData backs the public list of one article's (or the whole
// draft's) comments.
type commentListData struct {
	Decision consultation.Decision
	Article  *articleView // nil: every comment
	Whole    bool         // the comments on the whole draft
	Public   bool
	Count    int
	Comments []consultation.Comment
	NextURL  string
	FirstURL string
	Open     bool
}

// publicComments lists the published comments on one article
// (?article=anchor, or "whole" for the whole draft) or on the whole
// decision, as the public sees them, with cursor pages.
func (s *site) publicComments(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	q := r.URL.Query()
	anchor := q.Get("article")
	data := commentListData{Decision: d, Whole: anchor == consultation.WholeDraftAnchor}
	c, err := svc.CurrentConsultation(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Open = c.IsOpen(svc.Now()) && d.Status == consultation.StatusConsulting
	if anchor != "" && !data.Whole {
		v, err := svc.GetDraftVersion(ctx, actor, id, c.VersionNumber)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, sec := range sectionsOf(v.Articles) {
			for _, a := range sec.Articles {
				if a.Anchor == anchor {
					data.Article = &a
				}
			}
		}
		if data.Article == nil {
			s.unknownArticle(w, r)
			return
		}
	}
	st, err := svc.CommentStatistics(ctx, actor, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Count = st.Published
	if anchor != "" {
		data.Count = 0
		for _, a := range st.ByArticle {
			if a.ArticleAnchor == anchor || (data.Whole && a.ArticleAnchor == "") {
				data.Count = a.Count
			}
		}
	}
	f := consultation.CommentFilter{ArticleAnchor: anchor, Cursor: q.Get("cursor"), Limit: 50}
	if actor.IsStaffOf(d.LeadAgencyID) {
		f.Status = consultation.CommentPublished // the page as the public sees it
	}
	list, err := svc.ListComments(ctx, actor, id, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Public = list.CommentsPublic
	for _, cm := range list.Comments {
		if cm.Own || (data.Public && cm.Status == consultation.CommentPublished) {
			data.Comments = append(data.Comments, cm)
		}
	}
	var filters url.Values
	if anchor != "" {
		filters = url.Values{"article": {anchor}}
	}
	data.NextURL, data.FirstURL = pageLinks("/decisions/"+strconv.FormatInt(id, 10)+"/comments", filters, q.Get("cursor"), list.NextCursor)
	s.show(w, r, "decision_comments", "公众意见 · "+d.Title, data)
}
