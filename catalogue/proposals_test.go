package catalogue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/integrations"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// A resident's proposals are public and each must be answered by the
// decision body: one resident could file any number of them, flooding the
// public list and the body's answering (outside check, security). A
// resident files three in ten minutes and ten a day, as implementation
// feedback; staff recording proposals of leaders and deputies are not
// limited.
func TestResidentProposalsAreLimited(t *testing.T) {
	ctx := context.Background()
	e := testenv.NewCity(t, "pdsszf", "jyj")
	resident, _ := e.Account(identity.RoleResident, "")
	staff, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	propose := func(a *identity.Account, kind catalogue.ProposerKind, i int) error {
		_, err := e.Catalogue.ProposeDecisionItem(ctx, a, catalogue.ProposalInput{DecisionBody: "pdsszf", ProposerKind: kind,
			ProposerName: "某代表", Title: fmt.Sprintf("建议事项%d", i), Description: "建议制定相关办法。"})
		return err
	}
	for i := 0; i < 3; i++ {
		if err := propose(&resident, catalogue.ProposerResident, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := propose(&resident, catalogue.ProposerOrganisation, 3); !errs.HasCode(err, "proposal_rate_limited") {
		t.Fatalf("a fourth proposal within ten minutes: %v", err)
	}
	n := 3
	for i := 0; i < 20; i++ {
		e.Clock.Advance(11 * time.Minute)
		err := propose(&resident, catalogue.ProposerResident, 10+i)
		if err == nil {
			n++
			continue
		}
		if !errs.HasCode(err, "proposal_rate_limited") {
			t.Fatal(err)
		}
	}
	if n != 10 {
		t.Fatalf("a resident filed %d proposals in a day, want 10", n)
	}
	for i := 0; i < 12; i++ {
		if err := propose(&staff, catalogue.ProposerNPCDeputy, 100+i); err != nil {
			t.Fatalf("staff recording deputies' proposals: %v", err)
		}
	}
}

// A resident proposed in the name of any organisation, and the public list
// showed the proposal as that organisation's (outside check, security). The
// name of an organisation an admin verified belongs to the account that
// manages it: another account is refused, however the name is spaced or
// written in full width; the manager's proposal carries the organisation
// and its registered name. Any other organisation name is kept as typed
// and marked as not verified.
func TestProposalInAnOrganisationsName(t *testing.T) {
	ctx := context.Background()
	e := testenv.NewCity(t, "pdsszf")
	manager, _ := e.Account(identity.RoleResident, "")
	other, _ := e.Account(identity.RoleResident, "")
	admin, _ := e.Account(identity.RoleAdmin, "")
	org, err := e.Integrations.CreateOrganisation(ctx, &manager, integrations.OrganisationInput{Name: "平顶山市消费者协会（市消协）",
		CreditCode: "91350100M000100Y43"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Integrations.VerifyOrganisation(ctx, &admin, org.ID, integrations.OrganisationVerified, ""); err != nil {
		t.Fatal(err)
	}
	propose := func(a *identity.Account, name string) (catalogue.Proposal, error) {
		return e.Catalogue.ProposeDecisionItem(ctx, a, catalogue.ProposalInput{DecisionBody: "pdsszf", ProposerKind: catalogue.ProposerOrganisation,
			ProposerName: name, Title: "建议制定预付式消费管理办法", Description: "商家跑路，消费者预付卡无法退款。"})
	}
	for _, name := range []string{"平顶山市消费者协会（市消协）", " 平顶山市 消费者协会(市消协) ", "平顶山市消费者协会\u200b（市消协）"} {
		if _, err := propose(&other, name); !errs.HasCode(err, "organisation_name_not_yours") {
			t.Errorf("another resident proposing as %q: %v", name, err)
		}
	}
	own, err := propose(&manager, "平顶山市消费者协会 (市消协)")
	if err != nil {
		t.Fatal(err)
	}
	if own.OrganisationUnverified() || own.OrganisationID == nil || *own.OrganisationID != org.ID || own.ProposerName != org.Name {
		t.Errorf("the manager's proposal: %+v", own)
	}
	typed, err := propose(&other, "新华区某小区业主委员会")
	if err != nil {
		t.Fatal(err)
	}
	if !typed.OrganisationUnverified() || typed.ProposerName != "新华区某小区业主委员会" {
		t.Errorf("an organisation not registered: %+v", typed)
	}
	list, err := e.Catalogue.ListDecisionProposals(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d proposals listed, want the manager's and the unregistered one", len(list))
	}
	for _, p := range list {
		if p.OrganisationUnverified() != (p.ID == typed.ID) {
			t.Errorf("proposal %d (%s) listed as unverified: %v", p.ID, p.ProposerName, p.OrganisationUnverified())
		}
	}
}

// Proposals of leaders, departments and deputies are recorded by the staff
// of the decision body they were made to; any account but a resident's
// could publish one under 政府领导 and any name, to any body (outside check
// sec2).
func TestLeadersProposalsOnlyByTheBodysStaff(t *testing.T) {
	ctx := context.Background()
	e := testenv.NewCity(t, "pdsszf", "jyj")
	bodyStaff, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	otherStaff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	adviser, _ := e.Account(identity.RoleLegalAdviser, "")
	admin, _ := e.Account(identity.RoleAdmin, "")
	in := catalogue.ProposalInput{DecisionBody: "pdsszf", ProposerKind: catalogue.ProposerLeader, ProposerName: "李市长",
		Title: "建议制定城市更新条例", Description: "老城区改造缺少统一规则。"}
	for name, a := range map[string]*identity.Account{"another agency's staff": &otherStaff, "a legal adviser": &adviser} {
		if _, err := e.Catalogue.ProposeDecisionItem(ctx, a, in); !errs.HasCode(err, "not_decision_body_staff") {
			t.Errorf("%s recording a leader's proposal: %v", name, err)
		}
	}
	for _, a := range []*identity.Account{&bodyStaff, &admin} {
		if _, err := e.Catalogue.ProposeDecisionItem(ctx, a, in); err != nil {
			t.Fatal(err)
		}
	}
	// Anyone may still propose as a citizen.
	in.ProposerKind, in.ProposerName = catalogue.ProposerResident, ""
	if _, err := e.Catalogue.ProposeDecisionItem(ctx, &adviser, in); err != nil {
		t.Fatal(err)
	}
	list, err := e.Catalogue.ListDecisionProposals(ctx, "", 10)
	if err != nil || len(list) != 3 {
		t.Fatalf("%d proposals (%v), want the body's, the admin's and the citizen's", len(list), err)
	}
}
