package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestAdminAuditPageSaysWhatChanged (outside check adm): the audit log page
// says what each admin action changed, in Chinese (the reason an account
// was disabled, its role before and after, the members of a meeting
// composition), and an account's own log ("本账号的管理记录") lists only
// what was done to that account. On the old code the page showed only the
// action and the object's name, and the account's log also listed the
// agency, synonym group or other object that happened to have the same id.
func TestAdminAuditPageSaysWhatChanged(t *testing.T) {
	e := newReviewCity(t, "平顶山市城区义务教育学校招生入学办法")
	ctx := context.Background()
	admin, adminToken := e.Account(identity.RoleAdmin, "")
	target, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	// An agency with the account's id.
	for i := 0; ; i++ {
		a := e.Agency("x"+strconv.Itoa(i), "测试机构"+strconv.Itoa(i), identity.AgencyDepartment)
		if a.ID >= target.ID {
			break
		}
	}
	role := identity.RoleLegalAdviser
	if _, err := e.Identity.UpdateAccount(ctx, &admin, target.ID, identity.AccountUpdate{Role: &role}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Identity.DisableAccount(ctx, &admin, target.ID, "调离岗位"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "钱副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}

	b := chrome(t, browsertest.Phone, 30*time.Second)
	sessionCookie(t, b, e.URL, adminToken)
	must(t, chromedp.Do(b, chromedp.Navigate(e.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("ol.audit-log"))))
	log := textOf(t, b, chromedp.CSS("ol.audit-log"))
	for _, want := range []string{"停用原因：调离岗位", "角色：承办单位工作人员 → 法律顾问", "钱副市长", "张市长（行政首长）"} {
		if !strings.Contains(log, want) {
			t.Errorf("audit page lacks %q:\n%s", want, log)
		}
	}
	// (The test accounts' names hold their role's code: look at the lines.)
	if strings.Contains(log, "pdsszf") || strings.Contains(log, "→ legal_adviser") || strings.Contains(log, "角色：agency_staff") {
		t.Errorf("audit page shows internal codes:\n%s", log)
	}
	noSideScroll(t, b, "/admin/audit")
	browsertest.Screenshot(t, b, "admin-audit-what")

	must(t, chromedp.Do(b, chromedp.Navigate(e.URL+"/admin/accounts/"+strconv.FormatInt(target.ID, 10)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/admin/audit?"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/audit?"]`)),
		chromedp.WaitVisible(chromedp.CSS("ol.audit-log"))))
	own := textOf(t, b, chromedp.CSS("ol.audit-log"))
	if strings.Contains(own, "创建机构") || strings.Contains(own, "会议组成人员") {
		t.Errorf("the account's own log lists other objects:\n%s", own)
	}
	if !strings.Contains(own, "停用账号") || !strings.Contains(own, "创建账号") {
		t.Errorf("the account's own log lacks its entries:\n%s", own)
	}
}

// TestAdminMeetingsWarnsOfTooSmallComposition: a composition smaller than
// consultation.MinCompositionMembers, kept before that rule, is shown with a
// warning that its meetings will be refused.
func TestAdminMeetingsWarnsOfTooSmallComposition(t *testing.T) {
	e := newReviewCity(t, "平顶山市城区义务教育学校招生入学办法")
	_, adminToken := e.Account(identity.RoleAdmin, "")
	if _, err := e.DB.Exec(context.Background(), `DELETE FROM meeting_members WHERE name <> '张市长'
		AND decision_body_id = (SELECT id FROM agencies WHERE code = 'pdsszf')`); err != nil {
		t.Fatal(err)
	}
	status, body := newBrowser(t, e.URL, adminToken).get("/admin/meetings")
	wantStatus(t, "/admin/meetings", status, 200, body)
	wantContains(t, "/admin/meetings", body, "组成人员不足3名，不能集体讨论决定")
}
