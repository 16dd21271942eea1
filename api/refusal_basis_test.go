package api_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/testenv"
)

// isoDate is a date as 2026-12-04, which people do not read as a date.
var isoDate = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// expectRefusal checks a refusal's code, that it names its article and
// that its detail shows dates as 2026年12月4日.
func expectRefusal(t *testing.T, r *testenv.Response, status int, code, basis string) {
	t.Helper()
	r.Expect(t, status, code)
	var p struct {
		Detail string `json:"detail"`
		Basis  string `json:"basis"`
	}
	r.JSON(t, &p)
	if p.Basis != basis {
		t.Errorf("%s: basis %q, want %q", code, p.Basis, basis)
	}
	if isoDate.MatchString(p.Detail) {
		t.Errorf("%s: detail shows an ISO date to people: %s", code, p.Detail)
	}
}

// TestRefusalsNameTheArticle: refusals users met without the article of
// Decree 713 that refused them, or with a date as 2026-12-04: a package
// naming another draft version than the one under review (Art. 25: the
// draft submitted for discussion is the one reviewed), and the meeting
// (Art. 30) and publication refusals about dates.
func TestRefusalsNameTheArticle(t *testing.T) {
	p := newProcedure(t)
	v := p.create(t)
	p.consult(t, v)
	expectRefusal(t, p.Do("POST", p.path("/legality-reviews"), p.tok("staff"), map[string]any{"version_hash": strings.Repeat("0", 64),
		"legal_basis": []string{"《中华人民共和国教育法》"}}), 409, "version_hash_mismatch", "Decree 713 Art. 25")
	r := p.submit(t, v.ContentHash)
	p.review(t, r)
	hash := v.ContentHash

	expectRefusal(t, p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, func(m map[string]any) {
		m["meeting_date"] = p.Clock.Now().Add(48 * time.Hour).Format(time.DateOnly)
	})), 422, "meeting_date_in_future", "Decree 713 Art. 30")
	before := p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, func(m map[string]any) {
		m["meeting_date"] = p.Clock.Now().Add(-30 * 24 * time.Hour).Format(time.DateOnly)
	}))
	expectRefusal(t, before, 422, "meeting_before_review_conclusion", "Decree 713 Art. 25")
	if !strings.Contains(string(before.Body), "年") {
		t.Errorf("the review conclusion's date is not in the detail: %s", before.Body)
	}
	p.adopt(t, hash)
	again := p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, nil))
	expectRefusal(t, again, 409, "decision_already_adopted", "Decree 713 Art. 30")
	b := p.publication(hash)
	b["published_on"] = p.Clock.Now().Add(-72 * time.Hour).Format(time.DateOnly)
	expectRefusal(t, p.Do("POST", p.path("/publication"), p.tok("body"), b), 422, "publication_before_deliberation", "Decree 713 Art. 30, 32")
}
