package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/themes"
	"github.com/canyu-gov/canyu/internal/errs"
)

// mountStaffThemes adds the theme pages (issue 19) under /staff/decisions:
// the theme board, a theme's page with its answering form, and the steps
// behind their forms. They call the same themes.Service as the API.
func (s *site) mountStaffThemes(r chi.Router) {
	r.Get("/{id}/themes", s.staffThemes)
	r.Post("/{id}/themes/analyze", s.analyzeThemes)
	r.Post("/{id}/themes/report", s.draftReportFromThemes)
	r.Get("/{id}/themes/unthemed", s.staffUnthemed)
	r.Post("/{id}/themes/unthemed/add", s.addUnthemed)
	r.Post("/{id}/themes/unthemed/offline", s.placeUnthemedOffline)
	r.Get("/{id}/themes/{tid}", s.staffTheme)
	r.Post("/{id}/themes/{tid}/update", s.updateTheme)
	r.Post("/{id}/themes/{tid}/check", s.checkTheme)
	r.Post("/{id}/themes/{tid}/merge", s.mergeTheme)
	r.Post("/{id}/themes/{tid}/answer", s.answerTheme)
	r.Post("/{id}/themes/{tid}/split", s.splitTheme)
	r.Post("/{id}/themes/{tid}/move", s.moveThemeComments)
	r.Post("/{id}/themes/{tid}/offline", s.moveOfflineOpinions)
}

func init() {
	flashText["themes_analysed"] = "主题分析已完成。新收到的意见会自动归入最接近的主题。"
	flashText["theme_saved"] = "主题已保存。"
	flashText["theme_checked"] = "已标记为核对完毕。重新分析时，本主题现有的意见都会留在本主题。"
	flashText["theme_unchecked"] = "已取消核对标记。"
	flashText["themes_merged"] = "主题已合并。"
	flashText["theme_answered"] = "已对该主题统一作出处理（包括其他渠道收到的意见）；已单独处理或按意见组处理的意见不受影响。"
	flashText["theme_split"] = "已把选中的意见拆分为新主题，现在看到的是新主题。"
	flashText["comments_moved"] = "已把选中的意见移到该主题，现在看到的是目标主题。"
	flashText["offline_placed"] = "已把选中的其他渠道意见放入该主题，现在看到的是该主题。重新分析时，它们留在该主题中。"
	flashText["report_from_themes"] = "已按主题生成意见采纳情况说明，请核对并修改后公布。"
}

// staffThemesData backs the theme board.
type staffThemesData struct {
	Decision consultation.Decision
	Analysis themes.Analysis
	Analysed bool
	Themes   []themes.Theme
	Articles []articleView
	Article  string
	Handling bool
	Lead     bool
	// Checked counts the themes (not off-topic) staff marked checked, of ToCheck.
	Checked, ToCheck int
	// Unthemed counts the comments in no theme (their page lists them).
	Unthemed int
}

func (s *site) themeDecision(w http.ResponseWriter, r *http.Request) (consultation.Decision, bool) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok {
		return d, false
	}
	if s.svc.Themes == nil {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "本服务未启用意见主题分析。")
		return d, false
	}
	return d, true
}

func (s *site) staffThemes(w http.ResponseWriter, r *http.Request) {
	d, ok := s.themeDecision(w, r)
	if !ok {
		return
	}
	s.renderThemes(w, r, http.StatusOK, d, s.newPage(r, "意见主题"))
}

func (s *site) renderThemes(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page) {
	ctx, actor := r.Context(), currentAccount(r)
	data := staffThemesData{Decision: d, Article: r.URL.Query().Get("article"), Handling: d.Status == consultation.StatusHandling,
		Lead: actor.IsStaffOf(d.LeadAgencyID)}
	list, a, err := s.svc.Themes.ListThemes(ctx, actor, d.ID, data.Article)
	switch {
	case errs.HasCode(err, "theme_analysis_not_found"):
	case err != nil:
		s.pageError(w, r, err)
		return
	default:
		data.Analysed, data.Analysis, data.Themes = true, a, list
		u, err := s.svc.Themes.ListUnthemed(ctx, actor, d.ID, 1, "")
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		data.Unthemed = u.Total + len(u.Offline)
		for _, th := range list {
			if !th.OffTopic {
				data.ToCheck++
				if th.CheckedAt != nil {
					data.Checked++
				}
			}
		}
	}
	if data.Articles, err = s.consultedArticles(ctx, d.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = data
	s.render(w, r, status, "staff_themes", p)
}

func (s *site) analyzeThemes(w http.ResponseWriter, r *http.Request) {
	s.themeBoardStep(w, r, "/themes?flash=themes_analysed", func(d consultation.Decision) error {
		return errOf(s.svc.Themes.Analyze(r.Context(), currentAccount(r), d.ID))
	})
}

func (s *site) draftReportFromThemes(w http.ResponseWriter, r *http.Request) {
	s.themeBoardStep(w, r, "/adoption-report?flash=report_from_themes", func(d consultation.Decision) error {
		return errOf(s.svc.Themes.DraftAdoptionReportFromThemes(r.Context(), currentAccount(r), d.ID))
	})
}

// themeBoardStep runs a form of the theme board for the lead unit: on
// success it redirects to next (below the decision's staff pages), on a
// refusal it shows the board again with the reason.
func (s *site) themeBoardStep(w http.ResponseWriter, r *http.Request, next string, step func(d consultation.Decision) error) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.themeDecision(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	if err := step(d); err != nil {
		p := s.newPage(r, "意见主题")
		status := s.formError(r, &p, err)
		s.renderThemes(w, r, status, d, p)
		return
	}
	http.Redirect(w, r, staffURL(d.ID, next), http.StatusSeeOther)
}

// staffThemeData backs a theme's page.
type staffThemeData struct {
	Decision  consultation.Decision
	Theme     themes.ThemeDetail
	Others    []themes.Theme
	Articles  []articleView
	Templates []themes.AnswerTemplate
	Handling  bool
	Lead      bool
	NextURL   string
	FirstURL  string
	// Weakest: the comments are listed least close to the theme first;
	// ClosestURL and WeakestURL switch the order. Query: only the comments
	// containing it are listed (ClearURL lists them all again).
	Weakest                bool
	ClosestURL, WeakestURL string
	Query, ClearURL        string
	AllMatching            bool
	// Answer form values after a refusal.
	Kind, Reason string
	Changed      map[string]bool
	// Picked are the comments ticked for a split or a move that was
	// refused; NewLabel and MoveTo what was typed and chosen.
	Picked map[int64]bool
	// PickedOffline and OfflineTo: the offline opinions ticked and the
	// theme chosen in a refused move.
	PickedOffline map[int64]bool
	OfflineTo     int64
	NewLabel      string
	MoveTo        int64
}

func themeID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "tid"), 10, 64)
	return id, err == nil && id > 0
}

func (s *site) staffTheme(w http.ResponseWriter, r *http.Request) {
	d, ok := s.themeDecision(w, r)
	if !ok {
		return
	}
	s.renderTheme(w, r, http.StatusOK, d, s.newPage(r, "意见主题"), staffThemeData{})
}

func (s *site) renderTheme(w http.ResponseWriter, r *http.Request, status int, d consultation.Decision, p page, data staffThemeData) {
	ctx, actor := r.Context(), currentAccount(r)
	tid, ok := themeID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "主题不存在。")
		return
	}
	cursor := r.URL.Query().Get("cursor")
	order := themes.OrderClosest
	if r.FormValue("order") == themes.OrderWeakest {
		order = themes.OrderWeakest
	}
	query := strings.TrimSpace(r.FormValue("q"))
	t, err := s.svc.Themes.GetTheme(ctx, actor, tid, themes.ThemePage{Limit: 50, Cursor: cursor, Order: order, Query: query})
	if err == nil && t.DecisionID != d.ID {
		err = errs.NotFound("theme_not_found", "主题不存在")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data.Decision, data.Theme = d, t
	data.Handling, data.Lead = d.Status == consultation.StatusHandling, actor.IsStaffOf(d.LeadAgencyID)
	if data.Changed == nil {
		data.Changed = map[string]bool{}
		if t.Answer != nil {
			for _, a := range t.Answer.ArticlesChanged {
				data.Changed[a] = true
			}
		}
	}
	if data.Kind == "" && t.Answer != nil {
		data.Kind, data.Reason = string(t.Answer.Disposition), t.Answer.Reason
	}
	path := staffURL(d.ID, "/themes/"+strconv.FormatInt(tid, 10))
	filters := func(order, query string) url.Values {
		v := url.Values{}
		if order == themes.OrderWeakest {
			v.Set("order", order)
		}
		if query != "" {
			v.Set("q", query)
		}
		return v
	}
	link := func(order, query string) string {
		if v := filters(order, query); len(v) > 0 {
			return path + "?" + v.Encode() + "#comments-title"
		}
		return path + "#comments-title"
	}
	data.NextURL, data.FirstURL = pageLinks(path, filters(order, query), cursor, t.NextCursor)
	data.Weakest, data.Query = order == themes.OrderWeakest, query
	data.ClosestURL, data.WeakestURL = link(themes.OrderClosest, query), link(themes.OrderWeakest, query)
	data.ClearURL = link(order, "")
	others, _, err := s.svc.Themes.ListThemes(ctx, actor, d.ID, "")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, o := range others {
		if o.ID != tid {
			data.Others = append(data.Others, o)
		}
	}
	if data.Articles, err = s.consultedArticles(ctx, d.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if data.Templates, err = s.svc.Themes.ListAnswerTemplates(ctx, actor, d.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = "意见主题：" + t.Label
	p.Data = data
	s.render(w, r, status, "staff_theme", p)
}

// themeStep runs one staff step from a theme page's form: on success it
// redirects to the flash, else it shows the page again with the refusal.
func (s *site) themeStep(w http.ResponseWriter, r *http.Request, flash string, data staffThemeData,
	step func(d consultation.Decision, tid int64) (int64, error)) {
	if !s.parseForm(w, r) {
		return
	}
	d, ok := s.themeDecision(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	tid, ok := themeID(r)
	if !ok {
		s.renderError(w, r, http.StatusNotFound, "页面不存在", "主题不存在。")
		return
	}
	next, err := step(d, tid)
	if err == nil {
		http.Redirect(w, r, staffURL(d.ID, "/themes/"+strconv.FormatInt(next, 10)+"?flash="+flash), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "意见主题")
	status, ok := s.refusedForm(w, r, &p, err)
	if !ok {
		return
	}
	for _, m := range p.Errors {
		p.Message = m
	}
	s.renderTheme(w, r, status, d, p, data)
}

func (s *site) updateTheme(w http.ResponseWriter, r *http.Request) {
	s.themeStep(w, r, "theme_saved", staffThemeData{}, func(d consultation.Decision, tid int64) (int64, error) {
		label := r.PostFormValue("label")
		off := r.PostFormValue("off_topic") != ""
		_, err := s.svc.Themes.UpdateTheme(r.Context(), currentAccount(r), tid, themes.ThemeUpdate{Label: &label, OffTopic: &off})
		return tid, err
	})
}

// checkTheme marks a theme checked (check=1) or not.
func (s *site) checkTheme(w http.ResponseWriter, r *http.Request) {
	check := r.PostFormValue("check") == "1"
	flash := "theme_checked"
	if !check {
		flash = "theme_unchecked"
	}
	s.themeStep(w, r, flash, staffThemeData{}, func(d consultation.Decision, tid int64) (int64, error) {
		_, err := s.svc.Themes.UpdateTheme(r.Context(), currentAccount(r), tid, themes.ThemeUpdate{Checked: &check})
		return tid, err
	})
}

func (s *site) mergeTheme(w http.ResponseWriter, r *http.Request) {
	s.themeStep(w, r, "themes_merged", staffThemeData{}, func(d consultation.Decision, tid int64) (int64, error) {
		other, err := strconv.ParseInt(r.PostFormValue("other"), 10, 64)
		if err != nil || other <= 0 {
			return tid, errs.InvalidField("themes_to_merge_required", "other", "请选择要并入本主题的主题")
		}
		_, err = s.svc.Themes.MergeThemes(r.Context(), currentAccount(r), tid, []int64{other}, "")
		return tid, err
	})
}

func (s *site) answerTheme(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "提交的内容过大或格式不正确。")
		return
	}
	kind, reason := r.PostFormValue("disposition"), r.PostFormValue("reason")
	changed := r.PostForm["articles_changed"]
	data := staffThemeData{Kind: kind, Reason: reason, Changed: map[string]bool{}}
	for _, a := range changed {
		data.Changed[a] = true
	}
	s.themeStep(w, r, "theme_answered", data, func(d consultation.Decision, tid int64) (int64, error) {
		in := themes.ThemeAnswerInput{Disposition: consultation.DispositionKind(kind), Reason: reason, ArticlesChanged: changed}
		if v := r.PostFormValue("template_id"); v != "" {
			if id, err := strconv.ParseInt(v, 10, 64); err == nil {
				in.TemplateID = &id
			}
		}
		_, err := s.svc.Themes.AnswerTheme(r.Context(), currentAccount(r), tid, in)
		return tid, err
	})
}

// stepComments are the comments a split or a move on theme tid is for:
// all the theme's comments that contain the page's query when "all
// matching" was ticked, else those ticked.
func (s *site) stepComments(r *http.Request, tid int64) ([]int64, error) {
	if r.PostFormValue("all_matching") != "" {
		ids, err := s.svc.Themes.MatchingComments(r.Context(), currentAccount(r), tid, r.PostFormValue("q"))
		if err == nil && len(ids) == 0 {
			err = errs.InvalidField("comments_required", "comment_ids", "本主题中没有含所查内容的意见")
		}
		return ids, err
	}
	ids, _, err := pickedComments(r)
	return ids, err
}

// pickedComments reads the comments ticked on a theme's page.
func pickedComments(r *http.Request) ([]int64, map[int64]bool, error) {
	return pickedIDs(r, "comment_id", "comments_required", "comment_ids")
}

// pickedIDs reads the ids ticked in the form's field; none is refused with
// code on field.
func pickedIDs(r *http.Request, name, code, field string) ([]int64, map[int64]bool, error) {
	var ids []int64
	picked := map[int64]bool{}
	for _, v := range r.PostForm[name] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, picked, errs.InvalidField(code, field, "请勾选要调整的意见")
		}
		if !picked[id] {
			picked[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, picked, errs.InvalidField(code, field, "请先勾选要调整的意见")
	}
	return ids, picked, nil
}

// moveOfflineOpinions puts the ticked offline opinions of a theme's page
// into another theme (place-offline-opinions) and shows that theme.
func (s *site) moveOfflineOpinions(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "提交的内容过大或格式不正确。")
		return
	}
	ids, picked, pickErr := pickedIDs(r, "opinion_id", "opinions_required", "opinion_ids")
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	data := staffThemeData{PickedOffline: picked, OfflineTo: to}
	s.themeStep(w, r, "offline_placed", data, func(d consultation.Decision, tid int64) (int64, error) {
		if pickErr != nil {
			return tid, pickErr
		}
		if to <= 0 {
			return tid, errs.InvalidField("to_theme_required", "to", "请选择要移入的主题")
		}
		t, err := s.svc.Themes.PlaceOfflineOpinions(r.Context(), currentAccount(r), to, ids)
		if err != nil {
			return tid, err
		}
		return t.ID, nil
	})
}

// splitTheme makes a new theme of the ticked comments (split-theme) and
// shows it.
func (s *site) splitTheme(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "提交的内容过大或格式不正确。")
		return
	}
	_, picked, _ := pickedComments(r)
	data := staffThemeData{Picked: picked, NewLabel: r.PostFormValue("new_label"), AllMatching: r.PostFormValue("all_matching") != ""}
	s.themeStep(w, r, "theme_split", data, func(d consultation.Decision, tid int64) (int64, error) {
		ids, err := s.stepComments(r, tid)
		if err != nil {
			return tid, err
		}
		t, err := s.svc.Themes.SplitTheme(r.Context(), currentAccount(r), tid, ids, r.PostFormValue("new_label"))
		if err != nil {
			if errs.HasCode(err, "theme_label_required") {
				err = errs.InvalidField("theme_label_required", "new_label", "请填写新主题的名称")
			}
			return tid, err
		}
		return t.ID, nil
	})
}

// moveThemeComments moves the ticked comments to another theme of the same
// analysis (move-comments-to-theme) and shows that theme.
func (s *site) moveThemeComments(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, http.StatusRequestEntityTooLarge, "提交内容过大", "提交的内容过大或格式不正确。")
		return
	}
	_, picked, _ := pickedComments(r)
	to, _ := strconv.ParseInt(r.PostFormValue("to"), 10, 64)
	data := staffThemeData{Picked: picked, MoveTo: to, AllMatching: r.PostFormValue("all_matching") != ""}
	s.themeStep(w, r, "comments_moved", data, func(d consultation.Decision, tid int64) (int64, error) {
		ids, err := s.stepComments(r, tid)
		if err != nil {
			return tid, err
		}
		if to <= 0 {
			return tid, errs.InvalidField("to_theme_required", "to", "请选择要移入的主题")
		}
		t, err := s.svc.Themes.MoveComments(r.Context(), currentAccount(r), tid, to, ids)
		if err != nil {
			return tid, err
		}
		return t.ID, nil
	})
}

// consultedArticles are the articles of the version consulted on, which
// themes are linked to.
func (s *site) consultedArticles(ctx context.Context, decisionID int64) ([]articleView, error) {
	arts, err := s.svc.Consultation.ConsultedArticles(ctx, decisionID)
	var out []articleView
	for _, a := range arts {
		out = append(out, articleView{Anchor: a.Anchor, Label: a.Label, Number: a.Number})
	}
	return out, err
}
