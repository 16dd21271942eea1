package implementation_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/consultation"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// The post-evaluation triggers (how many implementation reports said the
// effect was not achieved, how much feedback came in) are for the
// decision's own units. Staff of any other agency used to read them, and
// lock the decision's row while doing so (outside check, security).
func TestTriggersOnlyForTheDecisionsUnits(t *testing.T) {
	ctx := context.Background()
	e := testenv.NewCity(t, "pdsszf", "jyj", "sfj")
	e.Agency("zjj", "平顶山市住房和城乡建设局", identity.AgencyDepartment)
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	other, _ := e.Account(identity.RoleAgencyStaff, "zjj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	d := e.PublishedWithheld(&staff, &body)
	for _, a := range []*identity.Account{&body, &staff} {
		if _, err := e.Implementation.PostEvaluationTriggers(ctx, a, d.ID); err != nil {
			t.Fatalf("the decision's own staff: %v", err)
		}
	}
	_, err := e.Implementation.PostEvaluationTriggers(ctx, &other, d.ID)
	if !errs.HasCode(err, "decision_not_found") && !errs.HasCode(err, "not_decision_staff") {
		t.Fatalf("staff of another agency read the triggers: %v", err)
	}
}
