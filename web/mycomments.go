package web

import (
	"net/http"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

// myCommentsData backs "my comments".
type myCommentsData struct {
	Comments []consultation.MyComment
	// Changes are, per comment id, the articles its answer says it
	// changed, as links into the version comparison (issue 17).
	Changes  map[int64][]changedArticle
	NextURL  string
	FirstURL string
}

// myComments lists the signed-in resident's own comments with their
// status, the answer (disposition and reason) and the receipt.
func (s *site) myComments(w http.ResponseWriter, r *http.Request) {
	if currentAccount(r) == nil {
		http.Redirect(w, r, loginURL(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	cur := r.URL.Query().Get("cursor")
	list, next, err := s.svc.Consultation.ListMyComments(r.Context(), currentAccount(r), 50, cur)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	data := myCommentsData{Comments: list}
	if data.Changes, err = s.myChanges(r, list); err != nil {
		s.pageError(w, r, err)
		return
	}
	data.NextURL, data.FirstURL = pageLinks("/me/comments", nil, cur, next)
	s.show(w, r, "my_comments", "我的意见", data)
}

// deleteMyData deletes the resident's personal data after they ticked the
// confirmation (PIPL Art. 47): their comments stay in the record as
// anonymised text, the account is closed and every session revoked, so
// the resident is signed out here too.
func (s *site) deleteMyData(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	a := currentAccount(r)
	if a == nil {
		http.Redirect(w, r, loginURL("/me"), http.StatusSeeOther)
		return
	}
	_, err := s.svc.Consultation.DeleteMyData(r.Context(), a, r.PostFormValue("confirm") != "")
	if err == nil {
		s.setSessionCookie(w, "", time.Time{})
		http.Redirect(w, r, "/?flash=data_deleted", http.StatusSeeOther)
		return
	}
	p := s.mePage(r)
	status := s.formError(r, &p, err)
	if status == http.StatusInternalServerError {
		s.renderError(w, r, status, "删除失败", p.Message)
		return
	}
	s.render(w, r, status, "me", p)
}
