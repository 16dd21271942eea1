package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestProposalFormOffersDecisionBodiesByName: a resident proposing a
// decision item chooses the decision body by its name; the form asked for
// the body's internal code (决策机关代码, "例如平顶山市人民政府的代码"),
// which no resident knows.
func TestProposalFormOffersDecisionBodiesByName(t *testing.T) {
	e := newPagesEnv(t)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	_, token := e.Account(identity.RoleResident, "")
	b := newBrowser(t, e.URL, token)
	_, body := b.get("/proposals")
	if !strings.Contains(body, `<select id="f-decision_body" name="decision_body"`) ||
		!strings.Contains(body, `<option value="pdsszf">平顶山市人民政府</option>`) ||
		!strings.Contains(body, `<option value="wsj">平顶山市卫生健康委员会</option>`) {
		t.Fatalf("the form does not offer the decision bodies by name:\n%s", snippet(body))
	}
	if strings.Contains(body, "决策机关代码") || strings.Contains(body, `value="sfj"`) {
		t.Error("the form asks for a code or offers the review office as a decision body")
	}
	status, loc := b.post("/proposals", url.Values{"decision_body": {"pdsszf"}, "proposer_kind": {string(catalogue.ProposerResident)},
		"title": {"建议制定老旧小区加装电梯办法"}, "description": {"老旧小区老人上下楼困难。"}})
	wantStatus(t, "proposal", status, http.StatusSeeOther, loc)
	list, err := e.Catalogue.ListDecisionProposals(context.Background(), "", 10)
	must(t, err)
	if len(list) != 1 || list[0].DecisionBodyName != "平顶山市人民政府" {
		t.Errorf("proposals: %+v", list)
	}
}
