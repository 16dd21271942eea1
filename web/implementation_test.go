package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestImplementationPageLeadsToFeedback: the decision page's button
// 执行情况与意见反馈 leads to the implementation page, which said nothing
// of feedback; a resident who came to give it found no way to. The page
// now leads to the feedback form (Decree 713 Art. 35).
func TestImplementationPageLeadsToFeedback(t *testing.T) {
	e := newPagesEnv(t)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	admin, _ := e.Account(identity.RoleAdmin, "")
	_, err := e.Consultation.SetMeetingComposition(context.Background(), &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"}, {Name: "王副市长", Position: "副市长"}})
	must(t, err)
	d := e.PublishedWithheld(&e.staff, &body)
	id := strconv.FormatInt(d.ID, 10)
	_, token := e.Account(identity.RoleResident, "")
	_, page := newBrowser(t, e.URL, token).get("/decisions/" + id + "/implementation")
	if !strings.Contains(page, `href="/decisions/`+id+`/publication#feedback"`) {
		t.Errorf("the implementation page does not lead to the feedback form:\n%s", snippet(page))
	}
}
