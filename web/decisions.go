package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/internal/errs"
)

// decisionListData is the public list of decisions.
type decisionListData struct {
	Decisions []consultation.Decision
	Domain    consultation.Domain
	Status    consultation.Status
	Query     string
	NextURL   string
	FirstURL  string // set when this is not the first page
	Domains   []consultation.Domain
	// Deadlines are the ends of the open consultations, by decision id.
	Deadlines map[int64]*deadline
	Statuses  []consultation.Status
	// Follow is the domain's follow button when the list is of one domain.
	Follow []followButton
}

// decisions is the public list with filters by domain and status.
func (s *site) decisions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	data := decisionListData{Domain: consultation.Domain(q.Get("domain")), Status: consultation.Status(q.Get("status")),
		Query: strings.TrimSpace(q.Get("q")), Domains: consultation.Domains, Statuses: consultation.Statuses}
	p := s.newPage(r, "决策事项")
	list, next, err := s.svc.Consultation.ListDecisions(r.Context(), currentAccount(r), consultation.DecisionFilter{
		Domain: data.Domain, Status: data.Status, Text: data.Query, Cursor: q.Get("cursor")})
	if err != nil {
		status := s.formError(r, &p, err)
		if len(p.Errors) > 0 && p.Message == "" {
			p.Message = "筛选条件无效，请重新选择。"
		}
		p.Data = data
		s.render(w, r, status, "decisions", p)
		return
	}
	data.Decisions = list
	data.Deadlines = s.consultationDeadlines(r, list)
	data.Follow = s.domainFollowButton(r, data.Domain)
	filters := url.Values{}
	if data.Domain != "" {
		filters.Set("domain", string(data.Domain))
	}
	if data.Status != "" {
		filters.Set("status", string(data.Status))
	}
	if data.Query != "" {
		filters.Set("q", data.Query)
	}
	data.NextURL, data.FirstURL = pageLinks("/decisions", filters, q.Get("cursor"), next)
	p.Data = data
	s.render(w, r, http.StatusOK, "decisions", p)
}

// decisionPageData is a decision's public page.
type decisionPageData struct {
	// Follow are the follow buttons (issue 17).
	Follow       []followButton
	Decision     consultation.Decision
	Consultation *consultation.Consultation
	Open         bool
	Extended     bool
	Days         int // length of the window in whole days
	Version      *consultation.DraftVersion
	Sections     []articleSection
	Timeline     []timelineEvent
	// Internal is set when the viewer sees the decision only because they
	// work on it (it is not public yet).
	Internal bool
	// LeadStaff is set for staff of the lead unit (link to the workspace).
	LeadStaff bool
	// Comments are the public comments and counts shown with the draft.
	Comments decisionComments
	// Hearings are the hearings whose notice is published, and
	// OfflineAnswered the answered opinions received by letter, hotline,
	// forums and the other channels (hearing.go).
	Hearings        []hearing.Hearing
	OfflineAnswered int
	// Publication is the published decision, once there is one; Versions
	// every version the viewer may see, for the links between them.
	Publication *consultation.Publication
	Versions    []consultation.DraftVersion
}

// CompareURL is the comparison of the version consulted on with the
// published one, or "" when they are the same or either is missing.
func (d decisionPageData) CompareURL() string {
	if d.Publication == nil || d.Consultation == nil || d.Publication.VersionNumber == d.Consultation.VersionNumber {
		return ""
	}
	return fmt.Sprintf("/decisions/%d/compare?from=%d&to=%d", d.Decision.ID, d.Consultation.VersionNumber, d.Publication.VersionNumber)
}

// articleSection is a run of articles under one chapter heading.
type articleSection struct {
	Heading  string
	Articles []articleView
}

// articleView is one article, its label split from the rest of its text.
type articleView struct {
	Anchor string
	Label  string
	Body   string
	Number int
	// Count is the number of published comments on the article (public
	// even when the comments are not shown); Comments the ones shown on
	// the decision page, More whether there are more to read.
	Count    int
	Comments []consultation.Comment
	More     bool
}

func sectionsOf(arts []consultation.AnchoredArticle) []articleSection {
	var out []articleSection
	for i, a := range arts {
		if i == 0 || a.Heading != arts[i-1].Heading {
			out = append(out, articleSection{Heading: a.Heading})
		}
		v := articleView{Anchor: a.Anchor, Label: a.Label, Body: a.Text, Number: a.Number}
		if a.Label != "" && strings.HasPrefix(a.Text, a.Label) {
			v.Body = strings.TrimLeft(strings.TrimPrefix(a.Text, a.Label), " \u3000")
		}
		out[len(out)-1].Articles = append(out[len(out)-1].Articles, v)
	}
	return out
}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

// kindInQuery is the ?kind= of a form that adds one of the kinds names
// has; for any other it sends the visitor back and reports false.
func kindInQuery[K ~string](w http.ResponseWriter, r *http.Request, names map[K]string, back string) (K, bool) {
	k := K(r.URL.Query().Get("kind"))
	if names[k] == "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return k, false
	}
	return k, true
}

// idInPath reads the id in the path, rendering 404 with notFound and
// reporting false when the path names none.
func (s *site) idInPath(w http.ResponseWriter, r *http.Request, notFound string) (int64, bool) {
	id, ok := pathID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", notFound)
	}
	return id, ok
}

// decisionID reads the decision id of a staff action from the path.
func (s *site) decisionID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	return s.idInPath(w, r, "您访问的决策事项不存在。")
}

// postedDecisionID reads a posted form and the decision id of the action.
func (s *site) postedDecisionID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	return s.postedID(w, r, "您访问的决策事项不存在。")
}

// postedID reads a posted form and the id in the path of what it acts on,
// rendering 404 with notFound and reporting false when the path names none.
func (s *site) postedID(w http.ResponseWriter, r *http.Request, notFound string) (int64, bool) {
	if !s.parseForm(w, r) {
		return 0, false
	}
	return s.idInPath(w, r, notFound)
}

// decisionFor loads the decision named in the path as the signed-in
// account may see it, rendering the error page (notFound when the path
// names no decision) and reporting false when it cannot.
func (s *site) decisionFor(w http.ResponseWriter, r *http.Request, notFound string) (consultation.Decision, bool) {
	id, ok := s.idInPath(w, r, notFound)
	if !ok {
		return consultation.Decision{}, false
	}
	d, err := s.svc.Consultation.GetDecision(r.Context(), currentAccount(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return d, false
	}
	return d, true
}

// publicDecisionFor is decisionFor for the public pages.
func (s *site) publicDecisionFor(w http.ResponseWriter, r *http.Request) (consultation.Decision, bool) {
	return s.decisionFor(w, r, "您访问的决策事项不存在或尚未公开。")
}

// notFoundOrError renders the error page for a service error on a GET:
// 404 for anything not found (including a draft the visitor may not see).
func (s *site) pageError(w http.ResponseWriter, r *http.Request, err error) {
	p := s.newPage(r, "出错了")
	status := s.formError(r, &p, err)
	switch status {
	case http.StatusNotFound:
		s.renderError(w, r, status, "页面不存在", "您访问的决策事项不存在或尚未公开。")
	case http.StatusForbidden:
		s.renderError(w, r, status, "无权访问", p.Message)
	case http.StatusUnauthorized:
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	case http.StatusServiceUnavailable:
		s.renderUnavailable(w, r)
	default:
		if p.Message == "" {
			p.Message = "请求无效。"
		}
		s.renderError(w, r, status, "无法显示", p.Message)
	}
}

// decision is the public page of a decision: the facts, the consultation
// notice, the draft article by article, the explanation, the legal basis,
// attachments and the timeline. The service decides what the viewer may see.
func (s *site) decision(w http.ResponseWriter, r *http.Request) {
	d, ok := s.publicDecisionFor(w, r)
	if !ok {
		return
	}
	id, ctx, actor, svc := d.ID, r.Context(), currentAccount(r), s.svc.Consultation
	data := decisionPageData{Decision: d, Internal: !d.Public(), LeadStaff: actor.IsStaffOf(d.LeadAgencyID)}
	data.Hearings = s.publicHearings(r, d.ID)
	data.OfflineAnswered = len(s.publicOfflineOpinions(r, d.ID))
	data.Follow = s.followButtons(r, d)
	c, err := svc.CurrentConsultation(ctx, actor, id)
	switch {
	case err == nil:
		now := svc.Now()
		data.Consultation, data.Open, data.Extended = &c, c.IsOpen(now), c.EndsAt.After(c.OriginalEndsAt)
		data.Days = int(c.EndsAt.Sub(c.OpensAt).Hours() / 24)
	case !errs.HasCode(err, "consultation_not_found"):
		s.pageError(w, r, err)
		return
	}
	switch pub, err := svc.GetPublication(ctx, actor, id); {
	case err == nil:
		data.Publication = &pub
	case !errs.HasCode(err, "publication_not_found"):
		s.pageError(w, r, err)
		return
	}
	if data.Versions, err = s.allVersions(r, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	// The version shown: the one asked for, else the one under consultation
	// (its opinions are shown beside its articles), else the latest the
	// viewer may see.
	number := 0
	if n, err := strconv.Atoi(r.URL.Query().Get("version")); err == nil && n > 0 {
		number = n
	} else if data.Consultation != nil {
		number = data.Consultation.VersionNumber
	} else if len(data.Versions) > 0 {
		number = data.Versions[len(data.Versions)-1].Number
	}
	if number > 0 {
		v, err := svc.GetDraftVersion(ctx, actor, id, number)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Version = &v
		data.Sections = sectionsOf(v.Articles)
	}
	if err := s.attachComments(r, &data); err != nil {
		s.pageError(w, r, err)
		return
	}
	if data.Timeline, err = s.timeline(r, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.show(w, r, "decision", d.Title, data)
}

// allVersions lists every draft version of a decision the viewer may see.
func (s *site) allVersions(r *http.Request, id int64) ([]consultation.DraftVersion, error) {
	var out []consultation.DraftVersion
	cur := ""
	for range 20 {
		list, next, err := s.svc.Consultation.ListDraftVersions(r.Context(), currentAccount(r), id, 100, cur)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if next == "" {
			break
		}
		cur = next
	}
	return out, nil
}
