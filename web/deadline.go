package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

// closingSoon is how close to its end a consultation or survey is marked
// 即将截止 in lists (issue 17).
const closingSoon = 3 * 24 * time.Hour

// deadline is the end of an open window as a list shows it.
type deadline struct {
	EndsAt time.Time
	// Left is the time left; Soon marks the last three days.
	Left time.Duration
	Soon bool
}

// Label says the days left in words: 还剩12天, 今天截止.
func (d deadline) Label() string {
	days := int(d.Left.Hours() / 24)
	if days < 1 {
		return "今天截止"
	}
	return "还剩" + strconv.Itoa(days) + "天"
}

func newDeadline(now, ends time.Time) *deadline {
	if !ends.After(now) {
		return nil
	}
	left := ends.Sub(now)
	return &deadline{EndsAt: ends, Left: left, Soon: left <= closingSoon}
}

// consultationDeadlines finds the end of the open consultation of each
// decision in consultation in the list (one read per such decision; a
// list page holds at most a few dozen).
func (s *site) consultationDeadlines(r *http.Request, list []consultation.Decision) map[int64]*deadline {
	out := map[int64]*deadline{}
	now := s.svc.Consultation.Now()
	for _, d := range list {
		if d.Status != consultation.StatusConsulting {
			continue
		}
		c, err := s.svc.Consultation.CurrentConsultation(r.Context(), currentAccount(r), d.ID)
		if err != nil || !c.IsOpen(now) {
			continue
		}
		out[d.ID] = newDeadline(now, c.EndsAt)
	}
	return out
}
