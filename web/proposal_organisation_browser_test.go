package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/browsertest"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestProposalInAnOrganisationsNameOnThePage: a resident who types the name
// of an organisation verified on the platform (not theirs) as the proposer
// is told at the field that only the organisation's account may use it;
// a proposal under a name nobody verified is listed marked 未经核实, the
// verified organisation's own proposal is not (outside check, security:
// anyone could propose as any organisation).
func TestProposalInAnOrganisationsNameOnThePage(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			bg := context.Background()
			e := newPagesEnv(t)
			manager, _ := e.Account(identity.RoleResident, "")
			admin, _ := e.Account(identity.RoleAdmin, "")
			org, err := e.Integrations.CreateOrganisation(bg, &manager, integrations.OrganisationInput{Name: "平顶山市消费者协会",
				CreditCode: "91350100M000100Y43"})
			must(t, err)
			_, err = e.Integrations.VerifyOrganisation(bg, &admin, org.ID, integrations.OrganisationVerified, "")
			must(t, err)
			_, err = e.Catalogue.ProposeDecisionItem(bg, &manager, catalogue.ProposalInput{DecisionBody: "pdsszf",
				ProposerKind: catalogue.ProposerOrganisation, ProposerName: "平顶山市消费者协会", Title: "建议制定预付式消费管理办法",
				Description: "商家停业，预付卡无法退款。"})
			must(t, err)
			_, token := e.Account(identity.RoleResident, "")
			ctx := chrome(t, vp.size, 30*time.Second)
			sessionCookie(t, ctx, e.URL, token)
			fill := func(name, title string) []chromedp.Action[chromedp.Void] {
				return []chromedp.Action[chromedp.Void]{
					chromedp.Navigate(e.URL + "/proposals"),
					chromedp.WaitVisible(chromedp.ID("f-description")),
					chromedp.SetValue(chromedp.ID("f-decision_body"), "pdsszf"),
					chromedp.SetValue(chromedp.ID("f-proposer_kind"), "organisation"),
					chromedp.SetValue(chromedp.ID("f-proposer_name"), name),
					chromedp.SetValue(chromedp.ID("f-title"), title),
					chromedp.SetValue(chromedp.ID("f-description"), "商家停业，预付卡无法退款。"),
					chromedp.Click(chromedp.CSS(`form[action="/proposals"] button[type=submit]`)),
				}
			}
			must(t, chromedp.Do(ctx, append(fill("平顶山市 消费者协会", "建议规范预付卡"), chromedp.WaitVisible(chromedp.ID("error-summary")))...))
			browsertest.Screenshot(t, ctx, "proposal-org-name-not-yours-"+vp.name)
			problemsShownAt(t, ctx, "f-proposer_name-error")
			msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("f-proposer_name-error")))
			must(t, err)
			if !strings.Contains(msg, "只有该组织的管理账号") {
				t.Errorf("the field says %q", msg)
			}
			must(t, chromedp.Do(ctx, append(fill("新华区某小区业主委员会", "建议加装电梯"), chromedp.WaitVisible(chromedp.CSS("article.proposal + article.proposal")))...))
			browsertest.Screenshot(t, ctx, "proposal-org-unverified-"+vp.name)
			marks, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("article.proposal")].map(a =>
				a.querySelector("h3").textContent + "|" + (a.querySelector(".meta .tag") ? a.querySelector(".meta .tag").textContent : ""))`))
			must(t, err)
			want := map[string]string{"建议加装电梯": "未经核实", "建议制定预付式消费管理办法": ""}
			if len(marks) != 2 {
				t.Fatalf("proposals listed: %q", marks)
			}
			for _, m := range marks {
				title, mark, _ := strings.Cut(m, "|")
				if want[title] != mark {
					t.Errorf("%s is marked %q, want %q", title, mark, want[title])
				}
			}
			noSideScroll(t, ctx, "proposals with an unverified organisation")
		})
	}
}
