package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestHearingOperations drives participation activities, offline opinions
// and the first steps of a hearing through the real router: roles, codes
// with their article, and that a refusal changes nothing.
func TestHearingOperations(t *testing.T) {
	e := newCity(t, "pdsszf", "jyj", "wjw")
	staffAcct, staff := e.Account(identity.RoleAgencyStaff, "jyj")
	_, other := e.Account(identity.RoleAgencyStaff, "wjw")
	_, resident := e.Account(identity.RoleResident, "")
	d, _ := draftDecision(t, e, &staffAcct, consultation.DecisionInput{Title: "城区学校划片调整方案", Summary: "调整片区。",
		Category: consultation.CategoryOther, Domain: consultation.DomainOther, DecisionBody: "pdsszf", LeadAgency: "jyj"},
		consultation.DraftVersionInput{Text: "第一条 为合理配置教育资源，制定本方案。",
			Explanation: "起草说明。", LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	base := fmt.Sprintf("/decisions/%d", d.ID)
	activity := map[string]any{"kind": "forum", "title": "家长代表座谈会", "starts_on": "2026-03-05", "participants": []string{"家长代表"}}
	if r := e.Do(http.MethodPost, base+"/participation-activities", resident, activity); r.Status != http.StatusForbidden {
		t.Fatalf("resident: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodPost, base+"/participation-activities", other, activity); r.Status != http.StatusForbidden || r.Code() != "not_lead_unit_staff" {
		t.Fatalf("other agency: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodPost, base+"/participation-activities", staff, activity); r.Status != http.StatusCreated {
		t.Fatalf("create activity: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodGet, base+"/participation-activities", staff, nil); r.Status != http.StatusOK {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	today := e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	opinion := map[string]any{"channel": "hotline", "received_on": today, "source": "12345热线工单", "body": "反映上学需穿越主干道。",
		"scan": map[string]any{"filename": "工单.pdf", "data": []byte("%PDF-1.4 work order")}}
	r := e.Do(http.MethodPost, base+"/offline-opinions", staff, map[string]any{"opinions": []any{opinion}})
	if r.Status != http.StatusCreated {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	var ops struct {
		Items []struct {
			ID         int64  `json:"id"`
			Channel    string `json:"channel"`
			ScanSHA256 string `json:"scan_sha256"`
		} `json:"items"`
	}
	r.JSON(t, &ops)
	if len(ops.Items) != 1 || ops.Items[0].Channel != "hotline" || len(ops.Items[0].ScanSHA256) != 64 {
		t.Fatalf("opinions %+v", ops)
	}
	r = e.Do(http.MethodPut, fmt.Sprintf("/offline-opinions/%d/disposition", ops.Items[0].ID), staff,
		map[string]any{"disposition": "adopted", "reason": "增设护学岗。"})
	if r.Status != http.StatusOK {
		t.Fatalf("dispose: %d %s", r.Status, r.Body)
	}

	// A hearing whose applications would close 6 days before it starts is
	// refused with the article, and nothing is created.
	start := e.Clock.Now().Add(30 * 24 * time.Hour)
	h := map[string]any{"title": "划片调整听证会", "place": "市政务服务中心", "starts_at": start, "applications_close_at": start.Add(-6 * 24 * time.Hour),
		"sides": []string{"支持方", "反对方"}, "seats_per_side": 2}
	r = e.Do(http.MethodPost, base+"/hearings", staff, h)
	var p struct {
		Code  string `json:"code"`
		Basis string `json:"basis"`
	}
	r.JSON(t, &p)
	if r.Status != http.StatusUnprocessableEntity || p.Code != "hearing_applications_close_too_late" || p.Basis != "Decree 713 Art. 17" {
		t.Fatalf("close too late: %d %s", r.Status, r.Body)
	}
	h["applications_close_at"] = start.Add(-10 * 24 * time.Hour)
	r = e.Do(http.MethodPost, base+"/hearings", staff, h)
	var hv struct {
		ID             int64   `json:"id"`
		SeedCommitment *string `json:"seed_commitment"`
		SeedRevealed   *string `json:"seed_revealed"`
	}
	r.JSON(t, &hv)
	if r.Status != http.StatusCreated {
		t.Fatalf("create hearing: %d %s", r.Status, r.Body)
	}
	hp := fmt.Sprintf("/hearings/%d", hv.ID)
	if r := e.Do(http.MethodGet, hp, "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("unpublished hearing served: %d", r.Status)
	}
	for _, step := range []struct{ path, code string }{{"/selection-method", "hearing_notice_not_published"}, {"/draw", "hearing_selection_method_not_published"}} {
		r := e.Do(http.MethodPost, hp+step.path, staff, map[string]any{"selection_method": "抽签"})
		if r.Status != http.StatusConflict || r.Code() != step.code {
			t.Fatalf("%s: %d %s", step.path, r.Status, r.Body)
		}
	}
	if r := e.Do(http.MethodPost, hp+"/notice", staff, nil); r.Status != http.StatusOK {
		t.Fatalf("notice: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodPost, hp+"/selection-method", staff, map[string]any{"selection_method": "每方抽签2人。"}); r.Status != http.StatusOK {
		t.Fatalf("method: %d %s", r.Status, r.Body)
	}
	r = e.Do(http.MethodGet, hp, "", nil)
	r.JSON(t, &hv)
	if hv.SeedCommitment == nil || len(*hv.SeedCommitment) != 64 || hv.SeedRevealed != nil {
		t.Fatalf("public hearing before the draw: %s", r.Body)
	}
	if r := e.Do(http.MethodPost, hp+"/applications", resident, map[string]any{"side": "支持方", "public_name": "李先生"}); r.Status != http.StatusCreated {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	// Outside check (security): the lead unit's steps on this real, published
	// hearing are refused to staff of another agency, to a resident and to
	// anonymous visitors, and staff may not apply as a resident.
	for _, who := range []struct{ name, tok string }{{"other agency", other}, {"resident", resident}, {"anonymous", ""}} {
		for _, step := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPost, "/notice", nil},
			{http.MethodPost, "/selection-method", map[string]any{"selection_method": "每方抽签1人。"}},
			{http.MethodPost, "/draw", nil},
			{http.MethodPost, "/participants", nil},
			{http.MethodPost, "/deliveries", map[string]any{"application_id": 1, "delivered_on": today, "method": "当面送达"}},
			{http.MethodPut, "/minutes", map[string]any{"summary": "概况", "statements": []any{map[string]any{"speaker": "某", "points": "观点",
				"reasons": "理由"}}}},
			{http.MethodPost, "/report", map[string]any{"summary": "报告"}},
		} {
			if r := e.Do(step.method, hp+step.path, who.tok, step.body); r.Status < 400 || r.Status >= 500 {
				t.Errorf("%s: %s %s: %d %.200s", who.name, step.method, step.path, r.Status, r.Body)
			}
		}
	}
	if r := e.Do(http.MethodPost, hp+"/applications", other, map[string]any{"side": "反对方", "public_name": "王先生"}); r.Status < 400 || r.Status >= 500 {
		t.Errorf("staff applied to a hearing: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodGet, hp+"/draw", "", nil); r.Status != http.StatusOK {
		t.Fatalf("draw check: %d %s", r.Status, r.Body)
	}
	if r := e.Do(http.MethodPost, hp+"/draw", staff, nil); r.Code() != "hearing_applications_still_open" {
		t.Fatalf("early draw: %d %s", r.Status, r.Body)
	}
}
