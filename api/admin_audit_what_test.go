package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// detailJSON is an audit entry's detail as compact JSON.
func detailJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// auditEntry is one entry of list-admin-audit-log as the tests read it.
type auditEntry struct {
	Action     string         `json:"action"`
	TargetKind string         `json:"target_kind"`
	TargetID   *int64         `json:"target_id"`
	TargetName string         `json:"target_name"`
	Detail     map[string]any `json:"detail"`
}

// lastAudit is the newest audit entry of an action.
func lastAudit(t *testing.T, e *testenv.Env, admin, action string) auditEntry {
	t.Helper()
	var out struct {
		Entries []auditEntry `json:"entries"`
	}
	e.Do("GET", "/admin/audit-log?limit=1&action="+action, admin, nil).Expect(t, 200, "").JSON(t, &out)
	if len(out.Entries) != 1 {
		t.Fatalf("no %s entry", action)
	}
	return out.Entries[0]
}

// TestAdminAuditSaysWhatChanged (outside check adm): the audit log of the
// admin actions other packages carry out says on what and what changed, and
// is written in the same transaction as the change. On the old code the
// meeting composition was recorded as a count of members under the body's
// code (who was added or removed, the members that decide whether a
// meeting counts under Art. 30, was lost), the body settings with nothing
// at all, and a deleted synonym group without its words; all three were
// written after the change committed, so a failure lost the entry.
func TestAdminAuditSaysWhatChanged(t *testing.T) {
	e, _, admin := adminEnv(t)
	e.Agency("gov", "平顶山市人民政府", identity.AgencyGovernment)
	member := func(name, pos string, head bool) map[string]any {
		return map[string]any{"name": name, "position": pos, "is_head": head}
	}
	e.Do("PUT", "/decision-bodies/gov/meeting-composition", admin, map[string]any{"members": []map[string]any{
		member("张市长", "市长", true), member("李副市长", "副市长", false), member("王副市长", "副市长", false)}}).Expect(t, 200, "")
	e.Do("PUT", "/decision-bodies/gov/meeting-composition", admin, map[string]any{"members": []map[string]any{
		member("张市长", "市长", true), member("李副市长", "副市长", false), member("赵副市长", "副市长", false)}}).Expect(t, 200, "")
	c := lastAudit(t, e, admin, "set-meeting-composition")
	if c.TargetKind != "agency" || c.TargetID == nil || c.TargetName != "平顶山市人民政府" {
		t.Errorf("composition entry names %s %v %q, want the agency by id and name", c.TargetKind, c.TargetID, c.TargetName)
	}
	for _, want := range []string{`"before"`, "王副市长", `"after"`, "赵副市长", "张市长"} {
		if !strings.Contains(detailJSON(t, c.Detail), want) {
			t.Errorf("composition entry lacks %s: %v", want, c.Detail)
		}
	}

	e.Do("PUT", "/decision-bodies/gov/settings", admin, map[string]any{"survey_min_responses": 30, "catalogue_required": true,
		"feedback_threshold": 20}).Expect(t, 200, "")
	s := lastAudit(t, e, admin, "set-decision-body-settings")
	if s.TargetID == nil || s.TargetName != "平顶山市人民政府" || !strings.Contains(detailJSON(t, s.Detail), `"survey_min_responses":30`) ||
		!strings.Contains(detailJSON(t, s.Detail), `"before"`) {
		t.Errorf("settings entry: %+v", s)
	}

	var g struct {
		ID int64 `json:"id"`
	}
	e.Do("POST", "/search/synonyms", admin, map[string]any{"words": []string{"摆地摊", "流动摊贩"}}).Expect(t, 201, "").JSON(t, &g)
	e.Do("DELETE", "/search/synonyms/"+itoa(g.ID), admin, nil).Expect(t, 204, "")
	d := lastAudit(t, e, admin, "delete-search-synonym-group")
	if !strings.Contains(d.TargetName, "摆地摊") || !strings.Contains(detailJSON(t, d.Detail), "流动摊贩") {
		t.Errorf("deleted synonyms entry does not say which words: %+v", d)
	}
}

// TestCalendarUploadAuditedInItsTransaction (outside check staff2): the
// working-day calendar upload wrote its audit entry after the new version
// had committed, so when the entry failed the version every later
// deadline is counted by was in force unrecorded. Now the version and its
// entry commit together: a failed entry leaves the calendar as it was.
func TestCalendarUploadAuditedInItsTransaction(t *testing.T) {
	e, _, admin := adminEnv(t)
	var c map[string]any
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &c)
	before := c["version"]
	e.FailAuditOf(t, "update-workday-calendar")
	c["version"] = "audit-fails-1"
	if r := e.Do("PUT", "/workday-calendar", admin, c); r.Status < 500 {
		t.Errorf("upload with a failed audit entry answered %d", r.Status)
	}
	var after map[string]any
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &after)
	if after["version"] != before {
		t.Fatalf("calendar %v in force without an audit entry (was %v)", after["version"], before)
	}
}
