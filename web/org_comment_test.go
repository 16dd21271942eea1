package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestOrganisationCommentShownUnderItsName: a comment an organisation
// submitted on its own behalf stands on the public decision page under the
// organisation's name with how many it speaks for, not under the
// pseudonym of the resident who manages the organisation.
func TestOrganisationCommentShownUnderItsName(t *testing.T) {
	e := newCommentEnv(t, true)
	ctx := context.Background()
	manager, _ := e.Account(identity.RoleResident, "")
	admin, _ := e.Account(identity.RoleAdmin, "")
	org, err := e.Integrations.CreateOrganisation(ctx, &manager, integrations.OrganisationInput{Name: "平顶山市家长互助会", CreditCode: "91350100M000100Y43"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Integrations.VerifyOrganisation(ctx, &admin, org.ID, integrations.OrganisationVerified, ""); err != nil {
		t.Fatal(err)
	}
	key, err := e.Integrations.CreateAPIKey(ctx, &manager, org.ID, integrations.APIKeyInput{Name: "同步程序", Scopes: []string{integrations.ScopeSubmitComments}})
	if err != nil {
		t.Fatal(err)
	}
	call, err := e.Integrations.UseKey(ctx, key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	oc, _, err := e.Integrations.SubmitOrganisationComment(ctx, call, e.d.ID, integrations.OrganisationCommentInput{
		CommentInput: consultation.CommentInput{Body: "建议课后服务延长到18点，并对低保家庭免费。", ArticleAnchor: e.anchors[1], Stance: "suggestion"}, SignatoryCount: 120})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.ModerateComment(ctx, &e.staff, oc.Comment.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatal(err)
	}
	status, body := newBrowser(t, e.URL, "").get("/decisions/" + e.id)
	wantStatus(t, "decision page", status, http.StatusOK, body)
	if !strings.Contains(body, `<span class="author">平顶山市家长互助会</span> <span class="org-tag">组织意见 · 120人联署</span>`) {
		t.Errorf("the organisation's comment is not shown under its name:\n%s", snippet(body))
	}
	if strings.Contains(body, manager.Pseudonym) {
		t.Error("the manager's pseudonym is shown")
	}
}
