package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestImplementationPageWithEvaluation: once the decision body starts a
// post-evaluation, the decision's implementation page (public, and the
// staff's) shows it as 评估中. Two template functions were both called
// outcomeName, and the review's replaced the evaluation's, so every
// implementation page with an evaluation answered 500.
func TestImplementationPageWithEvaluation(t *testing.T) {
	e := testenv.NewCity(t, "pdsszf", "jyj", "sfj")
	body, bodyToken := e.Account(identity.RoleAgencyStaff, "pdsszf")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(context.Background(), &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	d := e.PublishedWithheld(&staff, &body)
	impl := "/decisions/" + strconv.FormatInt(d.ID, 10) + "/implementation"
	b := newBrowser(t, e.URL, bodyToken)
	status, loc := b.post(impl+"/evaluation", url.Values{"trigger": {"body_choice"}, "evaluator": {"河南大学法学院"},
		"reason": {"实施满一年，评估实施效果。"}})
	if status != http.StatusSeeOther {
		t.Fatalf("start the evaluation: %d %s", status, snippet(loc))
	}
	for _, br := range []*browser{b, newBrowser(t, e.URL, "")} {
		status, page := br.get(impl)
		wantStatus(t, "implementation page", status, http.StatusOK, page)
		wantContains(t, "implementation page", page, "河南大学法学院", "结论：<strong>评估中</strong>")
	}
}
