package catalogue_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/catalogue"
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
