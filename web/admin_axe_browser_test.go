package web_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestAdminPagesPassAxe: the administrator's pages, the account pages and
// the review page's roster pass axe-core's WCAG 2.2 A and AA rules on a
// phone and a desktop, and none scrolls sideways on the phone (issue 15).
// With CANYU_SCREENSHOT_DIR set, each is saved for a person to look at.
func TestAdminPagesPassAxe(t *testing.T) {
	e := newReviewPagesEnv(t)
	ctx0 := context.Background()
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Identity.SaveLegalAdviserProfile(ctx0, &admin, e.other.ID, identity.AdviserProfileInput{Firm: "河南天平律师事务所",
		LicenceNumber: "14104201810123456", Fields: []string{"行政法、教育、城乡规划"}, Conflicts: "曾担任市教育局常年法律顾问（2020—2022年）"},
		true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Identity.DisableAccount(ctx0, &admin, e.staff.ID, "调离岗位"); err != nil {
		t.Fatal(err)
	}
	sfj, _ := e.Identity.GetAgencyByCode(ctx0, "sfj")
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	adminPaths := []string{"/admin", "/admin/agencies", "/admin/agencies/" + id(sfj.ID), "/admin/accounts",
		"/admin/accounts/" + id(e.other.ID), "/admin/accounts/" + id(e.staff.ID), "/admin/advisers", "/admin/calendar",
		"/admin/calendar?year=2026", "/admin/audit", "/me", "/me/password", "/me/sessions"}
	login := func(ctx context.Context, phone string) {
		must(t, chromedp.Do(ctx, signInSteps(e.URL, phone)))
	}
	for _, vp := range viewports {
		ctx := chrome(t, vp.size, 150*time.Second)
		visit := func(p string) {
			axeCheck(t, ctx, e.URL, vp.name, p)
			browsertest.Screenshot(t, ctx, vp.name+"-"+shotName(p))
		}
		for _, p := range []string{"/forgot-password", "/forgot-password/confirm"} {
			visit(p)
		}
		login(ctx, *admin.Phone)
		for _, p := range adminPaths {
			visit(p)
		}
		must(t, chromedp.Do(ctx, signOutSteps))
		login(ctx, *e.reviewer.Phone)
		visit("/review/" + id(e.review.ID))
		visit("/review/" + id(e.review.ID) + "?adviser_q=天平")
		must(t, chromedp.Do(ctx, signOutSteps))
	}
}

func shotName(p string) string {
	out := []rune{}
	for _, r := range p[1:] {
		switch {
		case r == '/' || r == '?' || r == '=' || r == '&':
			out = append(out, '_')
		case r < 128:
			out = append(out, r)
		}
	}
	return string(out)
}
