package supervision_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// TestCatalogueStepFromTheServices: catalogue membership as the desk sees
// it, built through the catalogue's services and read through its view.
// With the body's setting on, a decision linked to an entry of the
// published catalogue has the step done; one outside it has the step due,
// and the catalogue's own gate refuses to open its consultation, so the
// desk and the gate apply one rule.
func TestCatalogueStepFromTheServices(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	body, _ := s.e.Account(identity.RoleAgencyStaff, "zf")
	admin, _ := s.e.Account(identity.RoleAdmin, "")
	s.e.Clock.Set(at(2, 1, 10))
	c, err := s.e.Catalogue.CreateCatalogue(ctx, &body, "zf", 2026)
	if err != nil {
		t.Fatal(err)
	}
	item, err := s.e.Catalogue.AddCatalogueItem(ctx, &body, c.ID, catalogue.ItemInput{Title: "平顶山市城区学校布局调整方案",
		LeadAgency: "jyj", Domain: consultation.DomainOther, Category: consultation.CategoryPublicServices, PlannedQuarter: 4})
	if err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(2, 10, 10))
	if _, err := s.e.Catalogue.RecordCatalogueApproval(ctx, &body, c.ID, catalogue.ApprovalInput{DocumentNumber: "平市委〔2026〕8号",
		Date: date(at(2, 9, 10))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.Catalogue.PublishCatalogue(ctx, &body, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.e.Catalogue.InitiateDecisionItem(ctx, &body, item.ID, catalogue.InitiationInput{ProposerKind: catalogue.ProposerLeader,
		ProposerName: "张市长", StartReference: "市政府常务会议纪要〔2026〕5号", StartDate: date(at(2, 10, 10))}); err != nil {
		t.Fatal(err)
	}
	member := s.create(t, "jyj", consultation.DomainOther, at(3, 2, 9))
	if _, err := s.e.Catalogue.LinkDecision(ctx, s.staff["jyj"], member.ID, item.ID); err != nil {
		t.Fatal(err)
	}
	outside := s.create(t, "jyj", consultation.DomainOther, at(3, 3, 9))

	state := func(d consultation.Decision) supervision.Step {
		t.Helper()
		dc, err := s.sup.GetDecisionCompliance(ctx, s.office, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range dc.Steps {
			if st.Key == "catalogue" {
				return st
			}
		}
		t.Fatal("no catalogue step")
		return supervision.Step{}
	}
	// The body does not require it yet: not applicable to the one outside.
	if st := state(outside); st.State != supervision.StepNotApplicable {
		t.Fatalf("outside, not required: %+v", st)
	}
	if _, err := s.e.Consultation.SetBodySettings(ctx, &admin, "zf", consultation.BodySettings{CatalogueRequired: true}); err != nil {
		t.Fatal(err)
	}
	if st := state(member); st.State != supervision.StepDone || st.DoneAt == nil || !strings.Contains(st.Note, "2026年决策事项目录（计划第4季度）") {
		t.Fatalf("member: %+v", st)
	}
	if st := state(outside); st.State != supervision.StepDue {
		t.Fatalf("outside, required: %+v", st)
	}
	s.e.Clock.Set(at(3, 4, 10))
	_, err = s.e.Consultation.OpenConsultation(ctx, s.staff["jyj"], outside.ID, consultation.ConsultationInput{
		EndsAt: at(4, 10, 10), WaysToComment: "登录本平台逐条提出意见"})
	refused := false
	if e, ok := errs.As(err); ok {
		for _, g := range e.Gates {
			refused = refused || g.Code == "catalogue_entry_required"
		}
	}
	if !refused {
		t.Fatalf("the gate let a decision outside the catalogue open: %v", err)
	}
	s.open(t, "jyj", member, at(3, 4, 10), at(4, 10, 10), "")
}
