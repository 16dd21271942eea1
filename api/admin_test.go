package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// The administrator's desk (issue 15): every operation, its refusals, and
// the audit log each admin action leaves.

func adminEnv(t *testing.T) (*testenv.Env, identity.Account, string) {
	t.Helper()
	e := testenv.New(t)
	admin, token := e.Account(identity.RoleAdmin, "")
	return e, admin, token
}

func TestUpdateAgencyHierarchy(t *testing.T) {
	e, _, admin := adminEnv(t)
	_, staffToken := e.Account(identity.RoleResident, "")
	var city, town, dept, sfj struct {
		ID       int64  `json:"id"`
		ParentID *int64 `json:"parent_id"`
		Name     string `json:"name"`
		Kind     string `json:"kind"`
	}
	e.Do("POST", "/agencies", admin, map[string]any{"code": "city", "name": "平顶山市人民政府", "kind": "government"}).Expect(t, 201, "").JSON(t, &city)
	e.Do("POST", "/agencies", admin, map[string]any{"code": "town", "name": "某镇人民政府", "kind": "government", "parent": "city"}).Expect(t, 201, "").JSON(t, &town)
	e.Do("POST", "/agencies", admin, map[string]any{"code": "jyj", "name": "市教育局", "kind": "department", "parent": "city"}).Expect(t, 201, "").JSON(t, &dept)
	e.Do("POST", "/agencies", admin, map[string]any{"code": "sfj", "name": "市司法局", "kind": "legality_review", "parent": "city"}).Expect(t, 201, "").JSON(t, &sfj)
	if dept.ParentID == nil || *dept.ParentID != city.ID {
		t.Fatalf("department's parent = %v, want %d", dept.ParentID, city.ID)
	}
	// Refusals, each changing nothing.
	e.Do("POST", "/agencies", admin, map[string]any{"code": "x1", "name": "某科", "kind": "department", "parent": "jyj"}).Expect(t, 422, "agency_parent_not_government")
	e.Do("POST", "/agencies", admin, map[string]any{"code": "x2", "name": "某科", "kind": "department", "parent": "nope"}).Expect(t, 422, "agency_parent_not_found")
	path := func(id int64) string { return fmt.Sprintf("/agencies/%d", id) }
	e.Do("PATCH", path(city.ID), admin, map[string]any{"name": "平顶山市人民政府", "kind": "government", "parent": "town"}).Expect(t, 422, "agency_parent_cycle")
	e.Do("PATCH", path(city.ID), admin, map[string]any{"name": "平顶山市人民政府", "kind": "government", "parent": "city"}).Expect(t, 422, "agency_parent_cycle")
	e.Do("PATCH", path(city.ID), admin, map[string]any{"name": "平顶山市人民政府", "kind": "department"}).Expect(t, 409, "agency_kind_in_use")
	e.Do("PATCH", path(dept.ID), admin, map[string]any{"name": "", "kind": "department"}).Expect(t, 422, "invalid_agency_name")
	e.Do("PATCH", path(999999), admin, map[string]any{"name": "某局", "kind": "department"}).Expect(t, 404, "agency_not_found")
	e.Do("PATCH", path(dept.ID), staffToken, map[string]any{"name": "某局", "kind": "department"}).Expect(t, 403, "forbidden_role")
	e.Do("PATCH", path(dept.ID), "", map[string]any{"name": "某局", "kind": "department"}).Expect(t, 401, "")
	// A reviewer ties the legality-review department's kind.
	e.Account(identity.RoleReviewer, "sfj")
	e.Do("PATCH", path(sfj.ID), admin, map[string]any{"name": "市司法局", "kind": "department", "parent": "city"}).Expect(t, 409, "agency_kind_in_use")
	// The change itself.
	e.Do("PATCH", path(dept.ID), admin, map[string]any{"name": "平顶山市教育体育局", "kind": "department", "parent": "town"}).Expect(t, 200, "").JSON(t, &dept)
	if dept.Name != "平顶山市教育体育局" || dept.ParentID == nil || *dept.ParentID != town.ID {
		t.Fatalf("after update: %+v", dept)
	}
	dept.ParentID = nil
	e.Do("PATCH", path(dept.ID), admin, map[string]any{"name": "平顶山市教育体育局", "kind": "department"}).Expect(t, 200, "").JSON(t, &dept)
	if dept.ParentID != nil {
		t.Fatalf("parent not removed: %+v", dept)
	}
	expectAudit(t, e, admin, "target_kind=agency", "update-agency update-agency create-agency create-agency create-agency create-agency")
}

// expectAudit checks the audit log's actions for query, newest first,
// joined by spaces.
func expectAudit(t *testing.T, e *testenv.Env, token, query, want string) {
	t.Helper()
	var out struct {
		Entries []struct {
			Action    string `json:"action"`
			ActorName string `json:"actor_name"`
		} `json:"entries"`
	}
	e.Do("GET", "/admin/audit-log?"+query, token, nil).Expect(t, 200, "").JSON(t, &out)
	var a []string
	for _, x := range out.Entries {
		a = append(a, x.Action)
	}
	if got := strings.Join(a, " "); got != want {
		t.Fatalf("audit log (%s) = %q, want %q", query, got, want)
	}
}

func TestUpdateAccountRolesAndAgency(t *testing.T) {
	e, adminAcct, admin := adminEnv(t)
	e.Agency("jyj", "市教育局", identity.AgencyDepartment)
	e.Agency("sfj", "市司法局", identity.AgencyLegalityReview)
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "jyj")
	path := fmt.Sprintf("/accounts/%d", staff.ID)
	e.Do("PATCH", path, admin, map[string]any{"role": "reviewer"}).Expect(t, 422, "agency_kind_mismatch")
	e.Do("PATCH", path, admin, map[string]any{"role": "reviewer", "agency": "nope"}).Expect(t, 422, "agency_not_found")
	e.Do("PATCH", path, admin, map[string]any{"agency": ""}).Expect(t, 422, "agency_required")
	e.Do("PATCH", path, admin, map[string]any{"display_name": " "}).Expect(t, 422, "display_name_required")
	e.Do("PATCH", path, admin, map[string]any{"role": "boss"}).Expect(t, 422, "")
	e.Do("PATCH", fmt.Sprintf("/accounts/%d", adminAcct.ID), admin, map[string]any{"role": "resident"}).Expect(t, 422, "cannot_change_own_role")
	e.Do("PATCH", "/accounts/999999", admin, map[string]any{"display_name": "某人"}).Expect(t, 404, "account_not_found")
	e.Do("PATCH", path, staffToken, map[string]any{"role": "admin"}).Expect(t, 403, "forbidden_role")
	var got struct {
		Role   string `json:"role"`
		Agency string `json:"agency"`
		Name   string `json:"display_name"`
	}
	e.Do("PATCH", path, admin, map[string]any{"role": "reviewer", "agency": "sfj", "display_name": "李审查"}).Expect(t, 200, "").JSON(t, &got)
	if got.Role != "reviewer" || got.Agency != "sfj" || got.Name != "李审查" {
		t.Fatalf("after update: %+v", got)
	}
	// The role applies to the very next request of the same session.
	e.Do("GET", "/review-queue", staffToken, nil)
	var me struct {
		Role string `json:"role"`
	}
	e.Do("GET", "/me", staffToken, nil).Expect(t, 200, "").JSON(t, &me)
	if me.Role != "reviewer" {
		t.Fatalf("role seen by the session = %s", me.Role)
	}
	// Dropping to a role without agency drops the agency.
	got.Agency = ""
	e.Do("PATCH", path, admin, map[string]any{"role": "resident"}).Expect(t, 200, "").JSON(t, &got)
	if got.Agency != "" {
		t.Fatalf("resident kept agency %q", got.Agency)
	}
	// Search by name, agency and whole phone.
	var list struct {
		Accounts []struct {
			ID int64 `json:"id"`
		} `json:"accounts"`
	}
	e.Do("GET", "/accounts?q=李审", admin, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Accounts) != 1 || list.Accounts[0].ID != staff.ID {
		t.Fatalf("search by name: %+v", list)
	}
	e.Do("GET", "/accounts?q="+*staff.Phone, admin, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Accounts) != 1 || list.Accounts[0].ID != staff.ID {
		t.Fatalf("search by phone: %+v", list)
	}
	e.Do("GET", "/accounts?q=%25", admin, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Accounts) != 0 {
		t.Fatalf("%% matched everything: %+v", list)
	}
	expectAudit(t, e, admin, fmt.Sprintf("target_kind=account&target_id=%d", staff.ID), "update-account update-account create-account")
}

func TestDisableEnableAccountRevokesSessions(t *testing.T) {
	e, adminAcct, admin := adminEnv(t)
	e.Agency("jyj", "市教育局", identity.AgencyDepartment)
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "jyj")
	path := fmt.Sprintf("/accounts/%d", staff.ID)
	e.Do("GET", "/me", staffToken, nil).Expect(t, 200, "")
	e.Do("POST", path+"/disable", staffToken, map[string]any{}).Expect(t, 403, "forbidden_role")
	e.Do("POST", fmt.Sprintf("/accounts/%d/disable", adminAcct.ID), admin, map[string]any{}).Expect(t, 422, "cannot_disable_self")
	e.Do("POST", "/accounts/999999/disable", admin, map[string]any{}).Expect(t, 404, "account_not_found")
	var got struct {
		Disabled bool `json:"disabled"`
	}
	e.Do("POST", path+"/disable", admin, map[string]any{"reason": "调离"}).Expect(t, 200, "").JSON(t, &got)
	if !got.Disabled {
		t.Fatal("not disabled")
	}
	e.Do("GET", "/me", staffToken, nil).Expect(t, 401, "invalid_session")
	login := map[string]any{"login": *staff.Phone, "password": testenv.Password}
	e.Do("POST", "/sessions", "", login).Expect(t, 403, "account_disabled")
	e.Do("POST", "/sessions", "", map[string]any{"login": *staff.Phone, "password": "wrong-password"}).Expect(t, 401, "invalid_credentials")
	// Twice changes nothing and records nothing.
	e.Do("POST", path+"/disable", admin, map[string]any{}).Expect(t, 200, "")
	e.Do("POST", path+"/enable", staffToken, nil).Expect(t, 401, "")
	e.Do("POST", path+"/enable", admin, nil).Expect(t, 200, "").JSON(t, &got)
	if got.Disabled {
		t.Fatal("still disabled")
	}
	e.Do("GET", "/me", staffToken, nil).Expect(t, 401, "invalid_session") // the old session stays revoked
	var sess struct {
		Token string `json:"token"`
	}
	e.Do("POST", "/sessions", "", login).Expect(t, 201, "").JSON(t, &sess)
	var list struct {
		Accounts []struct {
			ID           int64      `json:"id"`
			LastSignInAt *time.Time `json:"last_sign_in_at"`
		} `json:"accounts"`
	}
	e.Do("GET", "/accounts?agency=jyj", admin, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Accounts) != 1 || list.Accounts[0].LastSignInAt == nil || !list.Accounts[0].LastSignInAt.Equal(e.Clock.Now()) {
		t.Fatalf("last sign-in not shown: %+v", list)
	}
	expectAudit(t, e, admin, fmt.Sprintf("target_id=%d", staff.ID), "enable-account disable-account create-account")
}

func TestResetAccountPassword(t *testing.T) {
	e, adminAcct, admin := adminEnv(t)
	e.Agency("jyj", "市教育局", identity.AgencyDepartment)
	staff, staffToken := e.Account(identity.RoleAgencyStaff, "jyj")
	resident, _ := e.Account(identity.RoleResident, "")
	path := fmt.Sprintf("/accounts/%d/reset-password", staff.ID)
	e.Do("POST", path, admin, map[string]any{"password": "short"}).Expect(t, 422, "password_too_short")
	e.Do("POST", fmt.Sprintf("/accounts/%d/reset-password", resident.ID), admin, map[string]any{"password": "new-password-1"}).Expect(t, 422, "resident_resets_by_sms")
	e.Do("POST", fmt.Sprintf("/accounts/%d/reset-password", adminAcct.ID), admin, map[string]any{"password": "new-password-1"}).Expect(t, 422, "use_change_password")
	e.Do("POST", path, staffToken, map[string]any{"password": "new-password-1"}).Expect(t, 403, "forbidden_role")
	e.Do("GET", "/me", staffToken, nil).Expect(t, 200, "") // nothing changed so far
	e.Do("POST", path, admin, map[string]any{"password": "new-password-1"}).Expect(t, 200, "")
	e.Do("GET", "/me", staffToken, nil).Expect(t, 401, "invalid_session")
	e.Do("POST", "/sessions", "", map[string]any{"login": *staff.Phone, "password": testenv.Password}).Expect(t, 401, "invalid_credentials")
	e.Do("POST", "/sessions", "", map[string]any{"login": *staff.Phone, "password": "new-password-1"}).Expect(t, 201, "")
	var out struct {
		Entries []struct {
			Action string         `json:"action"`
			Detail map[string]any `json:"detail"`
		} `json:"entries"`
	}
	e.Do("GET", "/admin/audit-log?action=reset-account-password", admin, nil).Expect(t, 200, "").JSON(t, &out)
	if len(out.Entries) != 1 || strings.Contains(fmt.Sprint(out.Entries[0].Detail), "new-password-1") {
		t.Fatalf("audit of the reset: %+v", out)
	}
}

func TestChangePassword(t *testing.T) {
	e := testenv.New(t)
	acct, token := e.Account(identity.RoleResident, "")
	other := e.Do("POST", "/sessions", "", map[string]any{"login": *acct.Phone, "password": testenv.Password}).Expect(t, 201, "")
	var otherSess struct {
		Token string `json:"token"`
	}
	other.JSON(t, &otherSess)
	body := func(cur, next string) map[string]any {
		return map[string]any{"current_password": cur, "new_password": next}
	}
	e.Do("POST", "/me/password", "", body(testenv.Password, "new-password-1")).Expect(t, 401, "")
	e.Do("POST", "/me/password", token, body("wrong-password", "new-password-1")).Expect(t, 422, "current_password_wrong")
	e.Do("POST", "/me/password", token, body(testenv.Password, "short")).Expect(t, 422, "password_too_short")
	e.Do("POST", "/me/password", token, body(testenv.Password, testenv.Password)).Expect(t, 422, "password_unchanged")
	e.Do("GET", "/me", otherSess.Token, nil).Expect(t, 200, "")
	e.Do("POST", "/me/password", token, body(testenv.Password, "new-password-1")).Expect(t, 204, "")
	e.Do("GET", "/me", token, nil).Expect(t, 200, "")                          // this session stays
	e.Do("GET", "/me", otherSess.Token, nil).Expect(t, 401, "invalid_session") // the others end
	e.Do("POST", "/sessions", "", map[string]any{"login": *acct.Phone, "password": "new-password-1"}).Expect(t, 201, "")
	// Guessing the current password through a stolen session is slowed
	// like a sign-in.
	var last *testenv.Response
	for i := 0; i < identity.ReauthMaxFailures+1; i++ {
		last = e.Do("POST", "/me/password", token, body(fmt.Sprintf("guess-%d-xx", i), "another-pass-2"))
	}
	last.Expect(t, 429, "too_many_login_attempts")
}

// A resident who forgot the password gets a code by SMS; the answers do not
// tell whether a number is registered, and the code's tries are limited.
func TestPasswordResetBySMS(t *testing.T) {
	e := testenv.New(t)
	resident, token := e.Account(identity.RoleResident, "")
	e.Agency("jyj", "市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	const unknown = "13700008001"
	e.Do("POST", "/accounts/register", "", map[string]any{"phone": "13700008002", "password": "secret-pass-1"}).Expect(t, 202, "")
	e.Clock.Advance(identity.CodeResendInterval)
	var answers []string
	for _, p := range []string{*resident.Phone, unknown, "13700008002", *staff.Phone} {
		answers = append(answers, answer(t, e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": p})))
	}
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Fatalf("reset requests answered differently:\n%s", strings.Join(answers, "\n"))
		}
	}
	if e.SMS.Code(unknown) != "" || e.SMS.Code(*staff.Phone) != "" {
		t.Fatal("a code went to an unregistered number or a staff account")
	}
	code := e.SMS.Code(*resident.Phone)
	if code == "" {
		t.Fatal("no code sent to the resident")
	}
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": *resident.Phone}).Expect(t, 429, "verification_code_too_soon")
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": "123"}).Expect(t, 422, "invalid_phone")
	confirm := func(phone, code, pw string) *testenv.Response {
		return e.Do("POST", "/accounts/password-reset/confirm", "", map[string]any{"phone": phone, "code": code, "new_password": pw})
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	a1 := answer(t, confirm(*resident.Phone, wrong, "new-password-1"))
	a2 := answer(t, confirm(unknown, wrong, "new-password-1"))
	if a1 != a2 || !strings.Contains(a1, "reset_code_invalid") {
		t.Fatalf("wrong codes answered differently:\n%s\n%s", a1, a2)
	}
	confirm(*resident.Phone, code, "short").Expect(t, 422, "password_too_short")
	e.Do("GET", "/me", token, nil).Expect(t, 200, "")
	confirm(*resident.Phone, code, "new-password-1").Expect(t, 204, "")
	e.Do("GET", "/me", token, nil).Expect(t, 401, "invalid_session")
	confirm(*resident.Phone, code, "new-password-2").Expect(t, 422, "reset_code_invalid") // used once
	e.Do("POST", "/sessions", "", map[string]any{"login": *resident.Phone, "password": "new-password-1"}).Expect(t, 201, "")
	// Five wrong tries per number, then 429 even with the right code.
	e.Clock.Advance(identity.CodeResendInterval)
	e.Do("POST", "/accounts/password-reset", "", map[string]any{"phone": *resident.Phone}).Expect(t, 202, "")
	code = e.SMS.Code(*resident.Phone)
	for i := 0; i < identity.CodeMaxAttempts; i++ {
		confirm(*resident.Phone, fmt.Sprintf("9%05d", i), "new-password-3")
	}
	confirm(*resident.Phone, code, "new-password-3").Expect(t, 429, "reset_attempts_exceeded")
	// A code expires after ten minutes.
	e.Clock.Advance(identity.CodeTTL + time.Second)
	confirm(*resident.Phone, code, "new-password-3").Expect(t, 422, "reset_code_invalid")
}

func TestMySessions(t *testing.T) {
	e := testenv.New(t)
	acct, token := e.Account(identity.RoleResident, "")
	_, otherToken := e.Account(identity.RoleResident, "")
	var second struct {
		Token string `json:"token"`
	}
	e.DoHeaders("POST", "/sessions", "", map[string]any{"login": *acct.Phone, "password": testenv.Password},
		map[string]string{"User-Agent": "手机浏览器"}).Expect(t, 201, "").JSON(t, &second)
	var list struct {
		Sessions []struct {
			ID        int64  `json:"id"`
			UserAgent string `json:"user_agent"`
			Current   bool   `json:"current"`
		} `json:"sessions"`
	}
	e.Do("GET", "/me/sessions", "", nil).Expect(t, 401, "")
	e.Do("GET", "/me/sessions", token, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Sessions) != 2 || list.Sessions[0].UserAgent != "手机浏览器" || list.Sessions[0].Current || !list.Sessions[1].Current {
		t.Fatalf("sessions: %+v", list)
	}
	phoneSession := list.Sessions[0].ID
	// Another account cannot end it, nor learn it exists.
	e.Do("DELETE", fmt.Sprintf("/me/sessions/%d", phoneSession), otherToken, nil).Expect(t, 404, "session_not_found")
	e.Do("GET", "/me", second.Token, nil).Expect(t, 200, "")
	e.Do("DELETE", fmt.Sprintf("/me/sessions/%d", phoneSession), token, nil).Expect(t, 204, "")
	e.Do("GET", "/me", second.Token, nil).Expect(t, 401, "invalid_session")
	e.Do("DELETE", fmt.Sprintf("/me/sessions/%d", phoneSession), token, nil).Expect(t, 204, "") // again: no change
	e.Do("DELETE", "/me/sessions/999999", token, nil).Expect(t, 404, "session_not_found")
	e.Do("GET", "/me/sessions", token, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Sessions) != 1 || !list.Sessions[0].Current {
		t.Fatalf("after revoking: %+v", list)
	}
}

func TestLegalAdviserRoster(t *testing.T) {
	e, _, admin := adminEnv(t)
	e.Agency("sfj", "市司法局", identity.AgencyLegalityReview)
	_, reviewer := e.Account(identity.RoleReviewer, "sfj")
	_, resident := e.Account(identity.RoleResident, "")
	adv, advToken := e.Account(identity.RoleLegalAdviser, "")
	adv2, _ := e.Account(identity.RoleLegalAdviser, "")
	staffish, _ := e.Account(identity.RoleResident, "")
	profile := map[string]any{"firm": "河南鹰城律师事务所", "licence_number": "14104201810123456",
		"fields": []string{"行政法、教育", "行政法"}, "conflicts": "曾代理市教育局合同纠纷（2023年）"}
	path := func(id int64) string { return fmt.Sprintf("/legal-advisers/%d/profile", id) }
	e.Do("POST", path(adv.ID), reviewer, profile).Expect(t, 403, "forbidden_role")
	e.Do("POST", path(staffish.ID), admin, profile).Expect(t, 404, "legal_adviser_not_found")
	e.Do("POST", path(adv.ID), admin, map[string]any{"firm": "", "licence_number": "1"}).Expect(t, 422, "invalid_firm")
	e.Do("PUT", path(adv.ID), admin, profile).Expect(t, 404, "adviser_profile_not_found")
	var got struct {
		Fields []string `json:"fields"`
		Firm   string   `json:"firm"`
	}
	e.Do("POST", path(adv.ID), admin, profile).Expect(t, 201, "").JSON(t, &got)
	if strings.Join(got.Fields, "|") != "行政法|教育" {
		t.Fatalf("fields = %v", got.Fields)
	}
	e.Do("POST", path(adv.ID), admin, profile).Expect(t, 409, "adviser_profile_exists")
	e.Do("POST", path(adv2.ID), admin, profile).Expect(t, 409, "licence_number_taken")
	profile["firm"] = "河南正义律师事务所"
	e.Do("PUT", path(adv.ID), admin, profile).Expect(t, 200, "").JSON(t, &got)
	if got.Firm != "河南正义律师事务所" {
		t.Fatalf("firm = %s", got.Firm)
	}
	var list struct {
		Advisers []struct {
			AccountID  int64  `json:"account_id"`
			HasProfile bool   `json:"has_profile"`
			Conflicts  string `json:"conflicts"`
		} `json:"advisers"`
	}
	e.Do("GET", "/legal-advisers", resident, nil).Expect(t, 403, "forbidden_role")
	e.Do("GET", "/legal-advisers", advToken, nil).Expect(t, 403, "forbidden_role")
	e.Do("GET", "/legal-advisers?q=正义", reviewer, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Advisers) != 1 || list.Advisers[0].AccountID != adv.ID || !strings.Contains(list.Advisers[0].Conflicts, "合同纠纷") {
		t.Fatalf("search by firm: %+v", list)
	}
	e.Do("GET", "/legal-advisers?q="+adv2.DisplayName, reviewer, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Advisers) != 1 || list.Advisers[0].AccountID != adv2.ID || list.Advisers[0].HasProfile {
		t.Fatalf("search by name: %+v", list)
	}
	// A disabled adviser leaves the reviewers' roster, not the admins'.
	e.Do("POST", fmt.Sprintf("/accounts/%d/disable", adv2.ID), admin, map[string]any{}).Expect(t, 200, "")
	e.Do("GET", "/legal-advisers", reviewer, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Advisers) != 1 {
		t.Fatalf("reviewer sees %d advisers, want 1", len(list.Advisers))
	}
	e.Do("GET", "/legal-advisers", admin, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Advisers) != 2 {
		t.Fatalf("admin sees %d advisers, want 2", len(list.Advisers))
	}
	expectAudit(t, e, admin, "target_kind=legal_adviser", "update-legal-adviser-profile create-legal-adviser-profile")
}

// The audit log is append-only in the database itself, whoever asks, and
// only admins read it.
func TestAdminAuditLogAppendOnly(t *testing.T) {
	e, _, admin := adminEnv(t)
	_, resident := e.Account(identity.RoleResident, "")
	e.Do("POST", "/agencies", admin, map[string]any{"code": "jyj", "name": "市教育局", "kind": "department"}).Expect(t, 201, "")
	e.Do("GET", "/admin/audit-log", resident, nil).Expect(t, 403, "forbidden_role")
	e.Do("GET", "/admin/audit-log", "", nil).Expect(t, 401, "")
	e.Do("GET", "/admin/audit-log?cursor=zz", admin, nil).Expect(t, 422, "invalid_cursor")
	ctx := context.Background()
	for _, sql := range []string{`UPDATE admin_audit_log SET action = 'nothing'`, `DELETE FROM admin_audit_log`, `TRUNCATE admin_audit_log`} {
		if _, err := e.DB.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	// The calendar upload and meeting composition, done by other packages,
	// are recorded too.
	cal := e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "")
	var c map[string]any
	cal.JSON(t, &c)
	c["version"] = "audit-test-1"
	e.Do("PUT", "/workday-calendar", admin, c).Expect(t, 200, "")
	e.Do("POST", "/search/synonyms", admin, map[string]any{"words": []string{"摆地摊", "流动摊贩"}}).Expect(t, 201, "")
	e.Do("PUT", "/decision-bodies/jyj/settings", admin, map[string]any{"survey_min_responses": 30, "catalogue_required": false, "feedback_threshold": 20}).Expect(t, 200, "")
	// (The accounts the test environment created on the command line's
	// behalf are there too.)
	expectAudit(t, e, admin, "", "set-decision-body-settings add-search-synonym-group update-workday-calendar "+
		"create-agency create-account create-account")
	var out struct {
		Entries []struct {
			ActorName string `json:"actor_name"`
			CreatedAt string `json:"created_at"`
		} `json:"entries"`
	}
	e.Do("GET", "/admin/audit-log?limit=1", admin, nil).Expect(t, 200, "").JSON(t, &out)
	if len(out.Entries) != 1 || !strings.HasPrefix(out.Entries[0].ActorName, "测试admin") {
		t.Fatalf("entry: %+v", out)
	}
}
