package web

import (
	"net/http"
	"strconv"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The page of the comments in no theme (issue 19): the analysis and the
// join leave some comments out of every theme, and staff must still
// answer them, so they are listed apart and can be put into a theme.

func init() {
	flashText["comments_added"] = "已把选中的意见放入该主题，现在看到的是该主题。"
}

// staffUnthemedData backs the page of the comments in no theme.
type staffUnthemedData struct {
	Decision consultation.Decision
	Unthemed themes.Unthemed
	Themes   []themes.Theme
	Lead     bool
	Handling bool
	NextURL  string
	FirstURL string
	// Picked and AddTo are what was ticked and chosen in a refused form.
	Picked map[int64]bool
	AddTo  int64
	// PickedOffline and OfflineTo: the same for the offline opinions.
	PickedOffline map[int64]bool
	OfflineTo     int64
}

func (s *site) staffUnthemed(w http.ResponseWriter, r *http.Request) {
	d, ok := s.themeDecision(w, r)
	if !ok {
		return
	}
	s.renderUnthemed(w, r, http.StatusOK, d, s.newPage(r, "未归入主题的意见"), staffUnthemedData{})
}

func (s *site) renderUnthemed(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page, data staffUnthemedData) {
	ctx, actor := r.Context(), currentAccount(r)
	cursor := r.URL.Query().Get("cursor")
	u, err := s.svc.Themes.ListUnthemed(ctx, actor, d.ID, 50, cursor)
	if errs.HasCode(err, "theme_analysis_not_found") {
		http.Redirect(w, r, staffURL(d.ID, "/themes"), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list, _, err := s.svc.Themes.ListThemes(ctx, actor, d.ID, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Decision, data.Unthemed, data.Themes = d, u, list
	data.Lead, data.Handling = actor.IsStaffOf(d.LeadAgencyID), d.Status == consultation.StatusHandling
	data.NextURL, data.FirstURL = pageLinks(staffURL(d.ID, "/themes/unthemed"), nil, cursor, u.NextCursor)
	p.Data = data
	s.render(w, r, status, "staff_themes_unthemed", p)
}

// addUnthemed puts the ticked comments into the chosen theme
// (add-comments-to-theme) and shows that theme.
func (s *site) addUnthemed(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.themeDecision(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	ids, picked, err := pickedComments(r)
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	if err == nil && to <= 0 {
		err = errs.InvalidField("to_theme_required", "to", "请选择要放入的主题")
	}
	if err == nil {
		_, err = s.svc.Themes.AddComments(r.Context(), currentAccount(r), to, ids)
	}
	s.unthemedStep(w, r, d, to, "comments_added", err, staffUnthemedData{Picked: picked, AddTo: to})
}

// placeUnthemedOffline puts the ticked offline opinions in no theme into
// the chosen theme (place-offline-opinions) and shows that theme.
func (s *site) placeUnthemedOffline(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.themeDecision(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	ids, picked, err := pickedIDs(r, "opinion_id", "opinions_required", "opinion_ids")
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	if err == nil && to <= 0 {
		err = errs.InvalidField("to_theme_required", "to", "请选择要放入的主题")
	}
	if err == nil {
		_, err = s.svc.Themes.PlaceOfflineOpinions(r.Context(), currentAccount(r), to, ids)
	}
	s.unthemedStep(w, r, d, to, "offline_placed", err, staffUnthemedData{PickedOffline: picked, OfflineTo: to})
}

// unthemedStep ends a step of the page of what is in no theme: on success
// it shows the theme the step put things into, else this page again with
// the refusal and what was ticked.
func (s *site) unthemedStep(w http.ResponseWriter, r *http.Request, d consultation.Decision, to int64, flash string, err error,
	data staffUnthemedData) {
	if err == nil {
		http.Redirect(w, r, staffURL(d.ID, "/themes/"+strconv.FormatInt(to, 10)+"?flash="+flash), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "未归入主题的意见")
	status, ok := s.refusedForm(w, r, &p, err)
	if !ok {
		return
	}
	for _, m := range p.Errors {
		p.Message = m
	}
	s.renderUnthemed(w, r, status, d, p, data)
}
