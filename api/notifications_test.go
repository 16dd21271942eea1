package api_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/notifytest"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestNotificationsAPI: a resident follows a decision through the API, a
// bad e-mail address is refused with its code and changes nothing, and
// once the lead unit answers the resident's opinion the inbox holds the
// reply (the notify jobs run), which read-notification marks read; another
// resident can neither read it nor end the subscription.
func TestNotificationsAPI(t *testing.T) {
	s := newCommentsAPIScene(t, time.Time{})
	notifytest.StartWorkers(t, s.DB, s.Notify)
	id := strconv.FormatInt(s.decision.ID, 10)
	var sub struct {
		ID    int64  `json:"id"`
		Label string `json:"label"`
	}
	s.Do(http.MethodPost, "/api/v1/me/subscriptions", s.author, map[string]any{"decision_id": s.decision.ID}).
		Expect(t, http.StatusCreated, "").JSON(t, &sub)
	if sub.Label != "《平顶山市中小学课后服务管理办法》" {
		t.Fatalf("subscription %+v", sub)
	}
	s.Do(http.MethodPost, "/api/v1/me/subscriptions", s.author, map[string]any{"domain": "health", "decision_id": s.decision.ID}).
		Expect(t, http.StatusUnprocessableEntity, "invalid_subscription_target")
	s.Do(http.MethodPut, "/api/v1/me/notification-settings", s.author, map[string]any{"email": "not an address", "email_on": true,
		"sms_on": false, "quiet_start": 22, "quiet_end": 7}).Expect(t, http.StatusUnprocessableEntity, "invalid_notification_settings")
	var st struct {
		Email string `json:"email"`
	}
	s.Do(http.MethodGet, "/api/v1/me/notification-settings", s.author, nil).Expect(t, http.StatusOK, "").JSON(t, &st)
	if st.Email != "" {
		t.Fatalf("a refused address was saved: %q", st.Email)
	}

	var c struct {
		ID int64 `json:"id"`
	}
	s.Do(http.MethodPost, "/api/v1/decisions/"+id+"/comments", s.author, map[string]any{"body": "建议降低收费标准。"}).
		Expect(t, http.StatusCreated, "").JSON(t, &c)
	cid := strconv.FormatInt(c.ID, 10)
	s.Do(http.MethodPost, "/api/v1/comments/"+cid+"/moderation", s.staff, map[string]any{"action": "publish"}).Expect(t, http.StatusOK, "")
	// Sessions last a day: sign in again after the window.
	phone := func(tok string) string {
		a, err := s.Identity.Authenticate(t.Context(), tok)
		if err != nil {
			t.Fatal(err)
		}
		return *a.Phone
	}
	renew := func(phone string) string {
		ses, err := s.Identity.CreateSession(t.Context(), identity.LoginInput{Login: phone, Password: testenv.Password})
		if err != nil {
			t.Fatal(err)
		}
		return ses.Token
	}
	ps, pa, pr := phone(s.staff), phone(s.author), phone(s.reader)
	s.Clock.Advance(31 * 24 * time.Hour)
	s.staff, s.author, s.reader = renew(ps), renew(pa), renew(pr)
	if _, err := s.Consultation.CloseDueConsultations(t.Context()); err != nil {
		t.Fatal(err)
	}
	s.Do(http.MethodPut, "/api/v1/comments/"+cid+"/disposition", s.staff, map[string]any{"disposition": "not_adopted",
		"reason": "收费标准已经物价部门核定。"}).Expect(t, http.StatusOK, "")
	var inbox struct {
		Notifications []struct {
			ID    int64  `json:"id"`
			Kind  string `json:"kind"`
			Title string `json:"title"`
		} `json:"notifications"`
		Unread int `json:"unread"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.Do(http.MethodGet, "/api/v1/me/notifications", s.author, nil).Expect(t, http.StatusOK, "").JSON(t, &inbox)
		// The opening too: the events are fanned out after the subscription
		// was made (the workers started late in this test).
		if inbox.Unread >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The two events are fanned out by separate jobs, in either order.
	kinds := map[string]int64{}
	for _, n := range inbox.Notifications {
		kinds[n.Kind] = n.ID
	}
	if inbox.Unread != 2 || len(inbox.Notifications) != 2 || kinds["opinion_answered"] == 0 || kinds["consultation_opened"] == 0 {
		t.Fatalf("inbox %+v", inbox)
	}
	nid := strconv.FormatInt(kinds["opinion_answered"], 10)
	s.Do(http.MethodPost, "/api/v1/me/notifications/"+nid+"/read", s.reader, nil).Expect(t, http.StatusNotFound, "notification_not_found")
	s.Do(http.MethodPost, "/api/v1/me/notifications/"+nid+"/read", s.author, nil).Expect(t, http.StatusOK, "")
	s.Do(http.MethodGet, "/api/v1/me/notifications", s.author, nil).Expect(t, http.StatusOK, "").JSON(t, &inbox)
	if inbox.Unread != 1 {
		t.Fatalf("unread %d after reading", inbox.Unread)
	}
	sid := strconv.FormatInt(sub.ID, 10)
	s.Do(http.MethodDelete, "/api/v1/me/subscriptions/"+sid, s.reader, nil).Expect(t, http.StatusNotFound, "subscription_not_found")
	s.Do(http.MethodDelete, "/api/v1/me/subscriptions/"+sid, s.author, nil).Expect(t, http.StatusNoContent, "")
}
