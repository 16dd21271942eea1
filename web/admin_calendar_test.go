package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The working-day calendar page: an admin loads a year's notice, previews
// it without saving, saves it as a new version (audited); bad lines are
// named in Chinese and change nothing; other roles are refused.
func TestAdminCalendarPage(t *testing.T) {
	e := testenv.New(t)
	admin, adminToken := e.Account(identity.RoleAdmin, "")
	_, residentToken := e.Account(identity.RoleResident, "")
	b := newBrowser(t, e.URL, adminToken)
	status, body := newBrowser(t, e.URL, residentToken).get("/admin/calendar")
	wantStatus(t, "resident", status, http.StatusForbidden, body)
	status, body = b.get("/admin/calendar?year=2031")
	wantStatus(t, "calendar page", status, http.StatusOK, body)
	if !strings.Contains(body, "2031年的节假日安排尚未载入") {
		t.Errorf("no warning for an uncovered year: %s", snippet(body))
	}
	form := url.Values{"year": {"2031"}, "title": {"国务院办公厅关于2031年部分节假日安排的通知"}, "number": {"国办发明电〔2030〕9号"},
		"holidays": {"2031-01-01 元旦\n2031-10-01至2031-10-07 国庆节"}, "makeups": {"2031-09-28 国庆节"}, "action": {"preview"}}
	covers := func() bool {
		c, err := e.Consultation.Calendar.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return c.Covers(time.Date(2031, 6, 1, 12, 0, 0, 0, workday.Location()))
	}
	// Bad lines: named, nothing saved.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("holidays", "2031/01/01 元旦")
	bad.Set("makeups", "2031-09-29 国庆节")
	bad.Set("action", "save")
	status, body = b.post("/admin/calendar", bad)
	wantStatus(t, "bad lines", status, http.StatusUnprocessableEntity, body)
	wantContains(t, "refusal", body, "第1行“2031/01/01 元旦”", "调休上班日2031-09-29不是星期六或星期日")
	// Preview: shown, not saved.
	status, body = b.post("/admin/calendar", form)
	wantStatus(t, "preview", status, http.StatusOK, body)
	if !strings.Contains(body, "预览（尚未保存）") || !strings.Contains(body, `title="国庆节"`) || covers() {
		t.Fatalf("preview: covered=%v %s", covers(), snippet(body))
	}
	form.Set("action", "save")
	status, loc := b.post("/admin/calendar", form)
	wantStatus(t, "save", status, http.StatusSeeOther, loc)
	if !covers() {
		t.Fatal("2031 not covered after saving")
	}
	c, _ := e.Consultation.Calendar.Current(context.Background())
	if c.IsWorkingDay(time.Date(2031, 10, 2, 12, 0, 0, 0, workday.Location())) ||
		!c.IsWorkingDay(time.Date(2031, 9, 28, 12, 0, 0, 0, workday.Location())) {
		t.Fatal("the notice's days were not taken as written")
	}
	list, _, err := e.Identity.ListAdminAuditLog(context.Background(), &admin, identity.AuditFilter{Action: "update-workday-calendar"})
	if err != nil || len(list) != 1 || list[0].ActorID == nil || *list[0].ActorID != admin.ID {
		t.Fatalf("audit: %+v %v", list, err)
	}
}

// TestAdminCalendarSaveAuditedInItsTransaction (outside check staff2): the
// page saved the calendar and then wrote the audit entry; when the entry
// failed, the new calendar was in force unrecorded. Now nothing is saved.
func TestAdminCalendarSaveAuditedInItsTransaction(t *testing.T) {
	e := testenv.New(t)
	_, adminToken := e.Account(identity.RoleAdmin, "")
	e.FailAuditOf(t, "update-workday-calendar")
	form := url.Values{"year": {"2031"}, "title": {"国务院办公厅关于2031年部分节假日安排的通知"}, "number": {"国办发明电〔2030〕9号"},
		"holidays": {"2031-01-01 元旦"}, "makeups": {""}, "action": {"save"}}
	status, body := newBrowser(t, e.URL, adminToken).post("/admin/calendar", form)
	if status == http.StatusSeeOther {
		t.Errorf("saved although the audit entry failed: %s", body)
	}
	c, err := e.Consultation.Calendar.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.Covers(time.Date(2031, 6, 1, 12, 0, 0, 0, workday.Location())) {
		t.Fatal("2031 in force without an audit entry")
	}
}
