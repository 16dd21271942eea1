package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/search"
)

// The admin page of search's near-synonym table (issue 16): staff add the
// words residents use for the same thing, so a search for one finds the
// others. Its own file and route (/admin/synonyms); the other admin pages
// live elsewhere.

func init() {
	pageNames = append(pageNames, "admin_synonyms")
	flashText["synonyms_added"] = "近义词组已添加，搜索即刻生效。"
	flashText["synonyms_deleted"] = "近义词组已删除。"
}

// adminSynonymsData backs the page.
type adminSynonymsData struct {
	Groups  []search.SynonymGroup
	Builtin []string // each built-in group joined with 、
}

// mountAdminSynonyms adds the page's routes, for admins only.
func (s *site) mountAdminSynonyms(r chi.Router) {
	admin := r.With(s.requireRolePage("此页面供系统管理员使用。", identity.RoleAdmin))
	admin.Get("/admin/synonyms", s.adminSynonyms)
	admin.Post("/admin/synonyms", s.addSynonyms)
	admin.Post("/admin/synonyms/{id}/delete", s.deleteSynonyms)
}

func (s *site) adminSynonymsPage(w http.ResponseWriter, r *http.Request, p page, status int) {
	data := &adminSynonymsData{}
	p.Data = data
	if s.svc.Search == nil {
		p.Message = "搜索服务未启用。"
		s.render(w, r, http.StatusServiceUnavailable, "admin_synonyms", p)
		return
	}
	list, err := s.svc.Search.ListSynonymGroups(r.Context(), currentAccount(r))
	if err != nil {
		status = s.formError(r, &p, err)
	}
	data.Groups = list
	for _, g := range search.BuiltinSynonyms() {
		data.Builtin = append(data.Builtin, strings.Join(g, "、"))
	}
	s.render(w, r, status, "admin_synonyms", p)
}

func (s *site) adminSynonyms(w http.ResponseWriter, r *http.Request) {
	s.adminSynonymsPage(w, r, s.newPage(r, "搜索近义词"), http.StatusOK)
}

func (s *site) addSynonyms(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "搜索近义词")
	if s.svc.Search == nil {
		s.adminSynonymsPage(w, r, p, http.StatusServiceUnavailable)
		return
	}
	words := r.PostForm.Get("words")
	if _, err := s.svc.Search.AddSynonymGroup(r.Context(), currentAccount(r), []string{words}); err != nil {
		p.Form["words"] = words
		status := s.formError(r, &p, err)
		s.adminSynonymsPage(w, r, p, status)
		return
	}
	http.Redirect(w, r, "/admin/synonyms?flash=synonyms_added", http.StatusSeeOther)
}

func (s *site) deleteSynonyms(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "搜索近义词")
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 || s.svc.Search == nil {
		s.renderError(w, r, http.StatusNotFound, "没有找到", "没有这组近义词。")
		return
	}
	if err := s.svc.Search.DeleteSynonymGroup(r.Context(), currentAccount(r), id); err != nil {
		status := s.formError(r, &p, err)
		s.adminSynonymsPage(w, r, p, status)
		return
	}
	http.Redirect(w, r, "/admin/synonyms?flash=synonyms_deleted", http.StatusSeeOther)
}
