package web_test

import (
	"context"
	"net/http"
	"net/url"
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
	e, d := publishedDecision(t)
	id := strconv.FormatInt(d.ID, 10)
	_, token := e.Account(identity.RoleResident, "")
	_, page := newBrowser(t, e.URL, token).get("/decisions/" + id + "/implementation")
	if !strings.Contains(page, `href="/decisions/`+id+`/publication#feedback"`) {
		t.Errorf("the implementation page does not lead to the feedback form:\n%s", snippet(page))
	}
}

// publishedDecision is a decision of the city government published and in
// effect (testenv's PublishedWithheld, with the meeting composition).
func publishedDecision(t *testing.T) (*pagesEnv, consultation.Decision) {
	t.Helper()
	e := newPagesEnv(t)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	admin, _ := e.Account(identity.RoleAdmin, "")
	_, err := e.Consultation.SetMeetingComposition(context.Background(), &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"}, {Name: "王副市长", Position: "副市长"}})
	must(t, err)
	return e, e.PublishedWithheld(&e.staff, &body)
}

// TestFeedbackSentTwiceStoredOnce: the feedback form sent twice (a double
// tap, or the phone resending after a lost answer) was stored twice,
// counted twice in 已收到N条意见 and towards the threshold that triggers a
// post-evaluation (Art. 36). The same text from the same resident within
// ten minutes is the same opinion.
func TestFeedbackSentTwiceStoredOnce(t *testing.T) {
	e, d := publishedDecision(t)
	id := strconv.FormatInt(d.ID, 10)
	_, token := e.Account(identity.RoleResident, "")
	b := newBrowser(t, e.URL, token)
	form := url.Values{"body": {"放学时段校门口拥堵，建议错峰放学。"}}
	for range 2 {
		status, loc := b.post("/decisions/"+id+"/feedback", form)
		wantStatus(t, "feedback", status, http.StatusSeeOther, loc)
	}
	var n int
	must(t, e.DB.QueryRow(context.Background(), `SELECT count(*) FROM implementation_feedback WHERE decision_id = $1`, d.ID).Scan(&n))
	if n != 1 {
		t.Errorf("%d opinions stored, want 1", n)
	}
	// Another opinion of the same resident is a new one.
	form.Set("body", "建议学校公布午休安排。")
	b.post("/decisions/"+id+"/feedback", form)
	must(t, e.DB.QueryRow(context.Background(), `SELECT count(*) FROM implementation_feedback WHERE decision_id = $1`, d.ID).Scan(&n))
	if n != 2 {
		t.Errorf("%d opinions stored, want 2", n)
	}
}
