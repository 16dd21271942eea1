package web

import "net/http"

// elderlyCookie keeps the elderly-friendly mode (适老化) switched on for
// this browser: larger text, more line spacing, higher contrast and bigger
// targets (issue 17). It is not a secret; a year.
const elderlyCookie = "canyu_elderly"

func elderlyOn(r *http.Request) bool {
	c, err := r.Cookie(elderlyCookie)
	return err == nil && c.Value == "1"
}

// toggleElderly switches the mode (?on=1 or ?on=0) and goes back to the
// page the switch was on. A plain link, so it works without script.
func (s *site) toggleElderly(w http.ResponseWriter, r *http.Request) {
	c := &http.Cookie{Name: elderlyCookie, Value: "1", Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.svc.SecureCookies, HttpOnly: true}
	if r.URL.Query().Get("on") != "1" {
		c.Value, c.MaxAge = "", -1
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, safeBack(r.URL.Query().Get("back")), http.StatusSeeOther)
}

// safeBack keeps the return address on this site.
func safeBack(p string) string {
	if n := safeNext(p); n != "/me" || p == "/me" {
		return n
	}
	return "/"
}
