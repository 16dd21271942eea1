package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
)

// TestHearingAsksUnverifiedToVerify: a resident who has not verified the
// phone number is told on the hearing notice to verify it first, with the
// link, as on the comment form and the survey; they were offered the
// application form and, after filling it in, refused with no way on.
func TestHearingAsksUnverifiedToVerify(t *testing.T) {
	e := newPagesEnv(t)
	ctx := context.Background()
	h := openHearing(t, e)
	if _, err := e.Identity.RegisterResident(ctx, identity.RegisterInput{Phone: "13700001235", Password: "secret-pass-1"}); err != nil {
		t.Fatal(err)
	}
	sess, err := e.Identity.CreateSession(ctx, identity.LoginInput{Login: "13700001235", Password: "secret-pass-1"})
	must(t, err)
	path := fmt.Sprintf("/hearings/%d", h.ID)
	_, body := newBrowser(t, e.URL, sess.Token).get(path)
	if !strings.Contains(body, `href="/verify"`) || strings.Contains(body, `action="`+path+`/apply"`) {
		t.Errorf("an unverified resident is offered the form, not told to verify:\n%s", snippet(body))
	}
	_, token := e.Account(identity.RoleResident, "")
	if _, body = newBrowser(t, e.URL, token).get(path); !strings.Contains(body, `action="`+path+`/apply"`) {
		t.Errorf("a verified resident is not offered the form:\n%s", snippet(body))
	}
}
