package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// consultationData backs the consultation page: the notice if one was
// published, the opening form while drafting, the extension form while open.
type consultationData struct {
	Decision     consultation.Decision
	Consultation *consultation.Consultation
	Open         bool
	Extended     bool
	// Latest is the version that would be put under consultation.
	Latest *consultation.DraftVersion
	// MinDays is the statutory minimum window (Decree 713 Art. 15).
	MinDays int
}

// parseLocalTime reads a datetime-local value as Asia/Shanghai time.
func parseLocalTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{datetimeLocalLayout, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, shanghai); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// localValue writes t as a datetime-local value in Asia/Shanghai time.
func localValue(t time.Time) string { return t.In(shanghai).Format(datetimeLocalLayout) }

// defaultConsultationEnd proposes the end of a window: 23:59 of the 30th
// day after today, Shanghai time, so that a notice published today runs at
// least the 30 calendar days of Decree 713 Art. 15.
func defaultConsultationEnd(now time.Time) time.Time {
	y, m, d := now.In(shanghai).Date()
	return time.Date(y, m, d+30, 23, 59, 0, 0, shanghai)
}

func (s *site) consultationData(w http.ResponseWriter, r *http.Request, d consultation.Decision) (consultationData, bool) {
	svc := s.svc.Consultation
	data := consultationData{Decision: d, MinDays: int(consultation.MinConsultationWindow / (24 * time.Hour))}
	c, err := svc.CurrentConsultation(r.Context(), currentAccount(r), d.ID)
	switch {
	case err == nil:
		data.Consultation, data.Open, data.Extended = &c, c.IsOpen(svc.Now()), c.EndsAt.After(c.OriginalEndsAt)
	case !errs.HasCode(err, "consultation_not_found"):
		s.pageError(w, r, err)
		return data, false
	}
	versions, err := s.allVersions(r, d.ID)
	if err != nil {
		s.pageError(w, r, err)
		return data, false
	}
	if n := len(versions); n > 0 {
		data.Latest = &versions[n-1]
	}
	return data, true
}

func (s *site) consultationForm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.staffDecisionFor(w, r)
	if !ok || !s.requireLeadPage(w, r, d) {
		return
	}
	data, ok := s.consultationData(w, r, d)
	if !ok {
		return
	}
	p := s.newPage(r, "公开征求意见")
	now := s.svc.Consultation.Now()
	p.Form["ends_at"] = localValue(defaultConsultationEnd(now))
	p.Form["show_comments"] = "on"
	if data.Consultation != nil {
		p.Form["new_ends_at"] = localValue(data.Consultation.EndsAt.Add(7 * 24 * time.Hour))
	}
	p.Data = data
	s.render(w, r, http.StatusOK, "staff_consultation", p)
}

func (s *site) openConsultation(w http.ResponseWriter, r *http.Request) {
	s.consultationAction(w, r, "consultation_opened", func(p *page) error {
		p.keep(r, "ends_at", "ways_to_comment", "shortening_reason")
		if r.PostFormValue("show_comments") != "" {
			p.Form["show_comments"] = "on"
		}
		ends, ok := parseLocalTime(p.Form["ends_at"])
		if !ok {
			return errs.InvalidField("invalid_ends_at", "ends_at", "请填写征求意见截止的日期和时间")
		}
		return errOf(s.svc.Consultation.OpenConsultation(r.Context(), currentAccount(r), mustPathID(r), consultation.ConsultationInput{
			EndsAt: ends, WaysToComment: p.Form["ways_to_comment"], ShorteningReason: p.Form["shortening_reason"],
			ShowComments: p.Form["show_comments"] != ""}))
	})
}

func (s *site) extendConsultation(w http.ResponseWriter, r *http.Request) {
	s.consultationAction(w, r, "consultation_extended", func(p *page) error {
		p.keep(r, "new_ends_at", "reason")
		ends, ok := parseLocalTime(p.Form["new_ends_at"])
		if !ok {
			return errs.InvalidField("invalid_ends_at", "new_ends_at", "请填写新的截止日期和时间")
		}
		_, err := s.svc.Consultation.ExtendConsultation(r.Context(), currentAccount(r), mustPathID(r), ends, p.Form["reason"])
		if e, ok := errs.As(err); ok && e.Code == "consultation_shortening_refused" {
			p.Errors["new_ends_at"] = e.Message
		}
		return err
	})
}

func mustPathID(r *http.Request) int64 {
	id, _ := pathID(r)
	return id
}

// consultationAction runs an opening or an extension and either redirects
// with a confirmation or shows the page again with every reason it was
// refused (failed gates with their legal basis).
func (s *site) consultationAction(w http.ResponseWriter, r *http.Request, flash string, act func(p *page) error) {
	id, ok := s.postedDecisionID(w, r)
	if !ok {
		return
	}
	p := s.newPage(r, "公开征求意见")
	err := act(&p)
	if err == nil {
		http.Redirect(w, r, staffURL(id, "/consultation?flash="+flash), http.StatusSeeOther)
		return
	}
	d, status, ok := s.refusedDecisionForm(w, r, &p, err)
	if !ok {
		return
	}
	data, ok := s.consultationData(w, r, d)
	if !ok {
		return
	}
	if p.Form["ends_at"] == "" {
		p.Form["ends_at"] = localValue(defaultConsultationEnd(s.svc.Consultation.Now()))
	}
	p.Data = data
	s.render(w, r, status, "staff_consultation", p)
}
