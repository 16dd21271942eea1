package implementation_test

import (
	"context"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// A decision the head suspended (Decree 713 Art. 37) stays suspended
// through a post-evaluation that concludes it may continue: only the head
// lifts a suspension. The report used to put it back in effect.
func TestEvaluationKeepsTheHeadsSuspension(t *testing.T) {
	ctx := context.Background()
	e := testenv.NewCity(t, "pdsszf", "jyj", "sfj")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	d := e.PublishedWithheld(&staff, &body)
	if _, err := e.Consultation.SuspendDecision(ctx, &body, d.ID, consultation.SuspensionInput{Reason: "发现安全隐患，暂停执行。",
		HeadName: "张市长"}); err != nil {
		t.Fatal(err)
	}
	status := func() consultation.Status {
		t.Helper()
		got, err := e.Consultation.GetDecision(ctx, &body, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	if _, err := e.Implementation.StartPostEvaluation(ctx, &body, d.ID, implementation.StartInput{Trigger: implementation.TriggerBodyChoice,
		Reason: "中止执行期间评估实施效果。", Evaluator: "河南大学法学院"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Implementation.SubmitPostEvaluationReport(ctx, &body, d.ID, implementation.EvaluationReportInput{
		Report: "总体达到预期。", PublicParticipation: "问卷调查300份。", Outcome: implementation.OutcomeContinue}); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != consultation.StatusSuspended {
		t.Fatalf("after the evaluation the decision is %s, want it still suspended", got)
	}
	if _, err := e.Consultation.ResumeDecision(ctx, &body, d.ID, consultation.SuspensionInput{Reason: "评估认为可以继续执行。",
		HeadName: "张市长"}); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != consultation.StatusInEffect {
		t.Fatalf("after the head resumed it the decision is %s", got)
	}
}
