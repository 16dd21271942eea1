package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// The administrator's desk in a phone browser (issue 15): an admin creates
// a department, a reviewer and a legal adviser with a roster profile in the
// pages; the new reviewer signs in and assigns that adviser to a review by
// finding the adviser's firm in the roster, never typing an id.
func TestAdminDeskAndRosterAssignmentBrowser(t *testing.T) {
	e := newReviewPagesEnv(t)
	admin, _ := e.Account(identity.RoleAdmin, "")
	ctx := chrome(t, browsertest.Phone, 60*time.Second)
	flash := func(want string) {
		t.Helper()
		// The previous page may still show its own notice for a moment.
		var got string
		var err error
		for i := 0; i < 50; i++ {
			if got, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice.ok"))); err == nil && strings.Contains(got, want) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil || !strings.Contains(got, want) {
			page, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("flash %q, want %q (%v); page: %s", got, want, err, page)
		}
	}
	// The department, under the city government.
	must(t, chromedp.Do(ctx,
		signInWith(e.URL, *admin.Phone, testenv.Password),
		chromedp.Click(chromedp.CSS(`header.site a[href="/admin"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/agencies"]`)),
		chromedp.Click(chromedp.CSS(`.admin-desk a[href="/admin/agencies"]`)),
		chromedp.WaitVisible(chromedp.ID("f-name")),
		chromedp.SendKeys(chromedp.ID("f-name"), "平顶山市住房和城乡建设局"),
		chromedp.SendKeys(chromedp.ID("f-code"), "zjj"),
		chromedp.SetValue(chromedp.ID("f-kind"), "department"),
		chromedp.SetValue(chromedp.ID("f-parent"), "pdsszf"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/agencies"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	flash("机构已创建")
	browsertest.Screenshot(t, ctx, "admin-agencies")
	tree, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ul.agency-tree")))
	if err != nil || !strings.Contains(tree, "平顶山市住房和城乡建设局") {
		t.Fatalf("agency tree: %q %v", tree, err)
	}
	zjj, err := e.Identity.GetAgencyByCode(context.Background(), "zjj")
	city, _ := e.Identity.GetAgencyByCode(context.Background(), "pdsszf")
	if err != nil || zjj.ParentID == nil || *zjj.ParentID != city.ID || zjj.Kind != identity.AgencyDepartment {
		t.Fatalf("department stored as %+v (%v)", zjj, err)
	}

	// The reviewer, in the legality-review department.
	createAccount := func(name, role, agency, phone, password string) {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(e.URL+"/admin/accounts"),
			chromedp.WaitVisible(chromedp.ID("f-display_name")),
			chromedp.SendKeys(chromedp.ID("f-display_name"), name),
			chromedp.SetValue(chromedp.ID("f-role"), role),
			chromedp.SetValue(chromedp.ID("f-agency"), agency),
			chromedp.SendKeys(chromedp.ID("f-phone"), phone),
			chromedp.SendKeys(chromedp.ID("f-password"), password),
			chromedp.Click(chromedp.CSS(`#new-account-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
		))
		flash("账号已创建")
	}
	createAccount("王审查", "reviewer", "sfj", "13600000001", "reviewer-pass-1")
	createAccount("赵正义", "legal_adviser", "", "13600000002", "adviser-pass-1")
	// The adviser's roster profile, on the account page just opened.
	must(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("f-firm")),
		chromedp.SendKeys(chromedp.ID("f-firm"), "河南天平律师事务所"),
		chromedp.SendKeys(chromedp.ID("f-licence_number"), "14104201810123456"),
		chromedp.SendKeys(chromedp.ID("f-fields"), "行政法、教育"),
		chromedp.SendKeys(chromedp.ID("f-conflicts"), "无"),
		chromedp.Click(chromedp.CSS(`form[action$="/adviser-profile"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	flash("名册信息已保存")
	browsertest.Screenshot(t, ctx, "admin-account-adviser")

	// The reviewer finds the adviser by firm and assigns them.
	rpath := e.URL + "/review/" + strconv.FormatInt(e.review.ID, 10)
	must(t, chromedp.Do(ctx,
		signOutSteps,
		signInWith(e.URL, "13600000001", "reviewer-pass-1"),
		chromedp.Navigate(rpath),
		chromedp.WaitVisible(chromedp.ID("adviser_q")),
		chromedp.SendKeys(chromedp.ID("adviser_q"), "天平"),
		chromedp.Click(chromedp.CSS(`form[role=search] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`fieldset.roster`)),
	))
	// The search reloads the page: wait for the roster it finds.
	var roster string
	for i := 0; i < 50; i++ {
		if roster, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("fieldset.roster"))); err == nil &&
			strings.Contains(roster, "赵正义") && !strings.Contains(roster, e.other.DisplayName) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil || !strings.Contains(roster, "赵正义") || strings.Contains(roster, e.other.DisplayName) {
		t.Fatalf("roster after searching the firm: %q %v", roster, err)
	}
	browsertest.Screenshot(t, ctx, "review-assign-from-roster")
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`fieldset.roster label`)),
		chromedp.Click(chromedp.CSS(`form[action$="/advisers"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice.ok")),
	))
	flash("已指派法律顾问")
	reviewer, _, err := e.Identity.ListAccounts(context.Background(), &admin, identity.AccountFilter{Query: "13600000002"})
	if err != nil || len(reviewer) != 1 {
		t.Fatalf("adviser account: %v %v", reviewer, err)
	}
	rv, err := e.Consultation.GetLegalityReview(context.Background(), &e.reviewer, e.review.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range rv.Advisers {
		names = append(names, a.DisplayName)
	}
	if !strings.Contains(strings.Join(names, ","), "赵正义") {
		t.Fatalf("advisers of the review: %v", names)
	}
	// The audit log page lists what the admin did.
	must(t, chromedp.Do(ctx,
		signOutSteps,
		signInWith(e.URL, *admin.Phone, testenv.Password),
		chromedp.Navigate(e.URL+"/admin/audit"),
		chromedp.WaitVisible(chromedp.CSS("ol.audit-log")),
	))
	log, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.audit-log")))
	wantContains(t, "audit log page", log, "创建机构", "平顶山市住房和城乡建设局", "创建账号", "王审查", "登记法律顾问名册", "赵正义")
}

// A resident who forgot the password resets it with the SMS code (the
// SMS gateway's test sender is the fake at the boundary) and signs in.
func TestForgotPasswordBrowser(t *testing.T) {
	e := testenv.New(t)
	resident, _ := e.Account(identity.RoleResident, "")
	ctx := chrome(t, browsertest.Phone, 40*time.Second)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/forgot-password"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/forgot-password"]`)),
		chromedp.WaitVisible(chromedp.ID("f-phone")),
		chromedp.SendKeys(chromedp.ID("f-phone"), *resident.Phone),
		chromedp.Click(chromedp.CSS(`form[action="/forgot-password"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("f-code")),
	))
	browsertest.Screenshot(t, ctx, "password-reset")
	phone, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-phone")))
	if err != nil || phone != *resident.Phone {
		t.Fatalf("the number is not carried to the reset form: %q %v", phone, err)
	}
	// Phones show the number pad for the code (elderly residents).
	if mode, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('f-code').inputMode`)); err != nil || mode != "numeric" {
		t.Errorf("the code field's inputmode is %q (%v), want numeric", mode, err)
	}
	code := e.SMS.Code(*resident.Phone)
	if code == "" {
		t.Fatal("no code sent")
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-code"), code),
		chromedp.SendKeys(chromedp.ID("f-new_password"), "new-secret-77"),
		chromedp.SendKeys(chromedp.ID("f-new_password2"), "new-secret-77"),
		chromedp.Click(chromedp.CSS(`form[action="/forgot-password/confirm"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("login")),
	))
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".notice.ok")))
	if !strings.Contains(msg, "密码已重置") {
		t.Fatalf("flash after reset: %q", msg)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("login"), *resident.Phone),
		chromedp.SendKeys(chromedp.ID("password"), "new-secret-77"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("dl.facts")),
		chromedp.Click(chromedp.CSS(`a[href="/me/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS("ul.sessions")),
	))
	sessions, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ul.sessions")))
	if !strings.Contains(sessions, "本设备") {
		t.Fatalf("sessions page: %q", sessions)
	}
	browsertest.Screenshot(t, ctx, "my-sessions")
	// The old password no longer signs in.
	if _, err := e.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *resident.Phone, Password: testenv.Password,
		ClientAddr: "test"}); err == nil {
		t.Fatal("the old password still signs in")
	}
}
