package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestLargeVersionNumbersAreNotFound: a draft version number past int32 on
// a decision that exists answered 500 (get-draft-version,
// compare-draft-versions and the decision's page with ?version=; outside
// check sec3). TestLargeIDsAreNotServerErrors put the large number in
// every path parameter at once, so the decision was not found first. No
// such version exists: 404 draft_version_not_found.
func TestLargeVersionNumbersAreNotFound(t *testing.T) {
	e := newCity(t, "pdsszf", "jyj")
	staff, tok := e.Account(identity.RoleAgencyStaff, "jyj")
	d, _ := draftDecision(t, e, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"},
		consultation.DraftVersionInput{Text: "第一条 为规范课后服务，制定本办法。\n第二条 本办法适用于城区公办学校。", Explanation: "起草说明"})
	id := strconv.FormatInt(d.ID, 10)
	for _, n := range []string{"2147483648", "9223372036854775807"} {
		e.Do("GET", "/decisions/"+id+"/versions/"+n, tok, nil).Expect(t, 404, "draft_version_not_found")
		e.Do("GET", "/decisions/"+id+"/versions/compare?from=1&to="+n, tok, nil).Expect(t, 404, "draft_version_not_found")
		e.Do("GET", "/decisions/"+id+"/versions/compare?from="+n+"&to=1", tok, nil).Expect(t, 404, "draft_version_not_found")
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/decisions/"+id+"?version="+n, nil)
		req.AddCookie(&http.Cookie{Name: "canyu_session", Value: tok})
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("page /decisions/%s?version=%s: %d, want 404", id, n, res.StatusCode)
		}
	}
}
