package supervision_test

import (
	"context"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/supervision"
)

// An inspection from plan to a problem under listed supervision, its
// rectification sent back once and then closed; an overdue problem
// escalates; the problem list is circulated; accountability suggested.
func TestInspectionToListedSupervision(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	insp, err := s.sup.CreateInspection(ctx, s.office, supervision.InspectionInput{Title: "2026年重大行政决策程序专项督察",
		AgencyIDs: []int64{s.agency["zjj"], s.agency["wjw"]}, PeriodFrom: "2026-01-01", PeriodTo: "2026-10-31",
		Topics: "公众参与、合法性审查", StartsOn: "2026-11-02", EndsOn: "2026-11-13"})
	if err != nil {
		t.Fatal(err)
	}

	problem := func(sev supervision.Severity, listed bool, deadline string) (supervision.Problem, error) {
		return s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{InspectionID: &insp.ID, AgencyID: s.agency["zjj"],
			Rule: "民生事项未开展民意调查", Basis: "法治政府建设示范指标", Evidence: "第3号事项送审材料无民意调查报告。",
			Severity: sev, Listed: listed, Deadline: deadline})
	}
	// Listed supervision is for serious problems, with a tighter deadline:
	// 15 working days from 2 November end on 23 November.
	if _, err := problem(supervision.SeverityGeneral, true, "2026-11-20"); !hasCode(err, "listed_needs_serious") {
		t.Fatalf("listing a general problem: %v", err)
	}
	if _, err := problem(supervision.SeveritySerious, true, "2026-11-24"); !hasCode(err, "listed_deadline_too_long") {
		t.Fatalf("listing with a deadline past 15 working days: %v", err)
	}
	listed, err := problem(supervision.SeveritySerious, true, "2026-11-23")
	if err != nil {
		t.Fatal(err)
	}
	if ls, _ := s.sup.ListProblems(ctx, s.office, supervision.ProblemFilter{ListedOnly: true}); len(ls) != 1 || ls[0].ID != listed.ID {
		t.Fatalf("listed supervision list: %+v", ls)
	}
	// Another department's staff neither see nor rectify it.
	if _, _, err := s.sup.GetProblem(ctx, s.staff["jyj"], listed.ID); !hasCode(err, "problem_not_found") {
		t.Fatalf("other department reads the problem: %v", err)
	}
	if _, err := s.sup.SubmitRectification(ctx, s.staff["jyj"], listed.ID, "已整改", ""); !hasCode(err, "problem_not_found") {
		t.Fatalf("other department rectifies: %v", err)
	}
	if ps, _ := s.sup.ListProblems(ctx, s.staff["zjj"], supervision.ProblemFilter{}); len(ps) != 1 {
		t.Fatalf("the department's own list: %+v", ps)
	}

	s.e.Clock.Set(at(11, 10, 9))
	if _, err := s.sup.SubmitRectification(ctx, s.staff["zjj"], listed.ID, "已补做民意调查。", "调查报告"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sup.ReturnRectification(ctx, s.office, listed.ID, ""); !hasCode(err, "invalid_review_note") {
		t.Fatalf("return without reason: %v", err)
	}
	p, err := s.sup.ReturnRectification(ctx, s.office, listed.ID, "调查样本仅12份，不具代表性。")
	if err != nil || p.Status != "returned" {
		t.Fatalf("return: %+v, %v", p, err)
	}
	if _, err := s.sup.CloseProblem(ctx, s.office, listed.ID, ""); !hasCode(err, "no_rectification_pending") {
		t.Fatalf("close with nothing pending: %v", err)
	}
	s.e.Clock.Set(at(11, 18, 9))
	if _, err := s.sup.SubmitRectification(ctx, s.staff["zjj"], listed.ID, "重新开展民意调查，回收问卷420份。", "调查报告（第二版）"); err != nil {
		t.Fatal(err)
	}
	if p, err = s.sup.CloseProblem(ctx, s.office, listed.ID, "经核查已整改到位，予以销号。"); err != nil || p.Status != "closed" {
		t.Fatalf("close: %+v, %v", p, err)
	}
	_, rs, _ := s.sup.GetProblem(ctx, s.staff["zjj"], listed.ID)
	if len(rs) != 2 || rs[0].Outcome != "returned" || rs[1].Outcome != "accepted" {
		t.Fatalf("rectifications: %+v", rs)
	}

	// An overdue problem escalates, once per level, and its department is told.
	late, err := problem(supervision.SeverityGeneral, false, "2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 20, 23))
	if n, _ := s.sup.EscalateOverdueProblems(ctx); n != 0 {
		t.Fatalf("escalated %d problems on the deadline day", n)
	}
	s.e.Clock.Set(at(11, 21, 0).Add(time.Minute))
	if n, _ := s.sup.EscalateOverdueProblems(ctx); n != 1 {
		t.Fatalf("escalated %d problems the day after the deadline, want 1", n)
	}
	if n, _ := s.sup.EscalateOverdueProblems(ctx); n != 0 {
		t.Fatalf("escalated again at the same level: %d", n)
	}
	s.e.Clock.Set(at(12, 7, 10))
	if n, _ := s.sup.EscalateOverdueProblems(ctx); n != 1 {
		t.Fatalf("no second escalation ten working days later: %d", n)
	}
	p, _, _ = s.sup.GetProblem(ctx, s.office, late.ID)
	if p.EscalationLevel != 2 {
		t.Fatalf("escalation level %d", p.EscalationLevel)
	}
	notices, err := s.sup.ListNotices(ctx, s.staff["zjj"])
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, n := range notices {
		kinds[n.Kind]++
	}
	if kinds["problem_escalated"] != 2 || kinds["problem_recorded"] != 2 || kinds["rectification_returned"] != 1 {
		t.Fatalf("notices: %v", kinds)
	}

	// The problem list circulated, fixed and signed; accountability suggested.
	c, err := s.sup.CirculateProblemList(ctx, s.office, "关于2026年专项督察发现问题的通报", "平法办通〔2026〕5号", nil)
	if err != nil || len(c.ProblemIDs) != 1 || c.ProblemIDs[0] != late.ID || c.Signature == "" {
		t.Fatalf("circulation: %+v, %v", c, err)
	}
	if _, err := s.sup.GetCirculation(ctx, s.staff["jyj"], c.ID); !hasCode(err, "circulation_not_found") {
		t.Fatalf("an unconcerned department reads the circulation: %v", err)
	}
	if _, err := s.sup.RecordAccountabilitySuggestion(ctx, s.office, late.ID, "", "建议对住建局相关责任人进行约谈。"); err != nil {
		t.Fatal(err)
	}
	var actions int
	s.e.DB.QueryRow(ctx, `SELECT count(*) FROM supervision_actions`).Scan(&actions)
	if actions < 10 {
		t.Fatalf("%d supervision actions logged", actions)
	}
}

// A problem naming a decision or an inspection that does not exist is
// refused with a field error: it used to reach the foreign key and answer
// 500 on the office's page.
func TestRecordProblemUnknownReference(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	d := s.create(t, "jyj", "education_culture", at(11, 2, 9))
	unknown := int64(999999)
	problem := func(decision, inspection *int64) (supervision.Problem, error) {
		return s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["jyj"],
			DecisionID: decision, InspectionID: inspection, Rule: "民生事项未开展民意调查",
			Evidence: "送审材料无民意调查报告。", Severity: supervision.SeverityGeneral, Deadline: "2026-11-20"})
	}
	if _, err := problem(&unknown, nil); !hasCode(err, "decision_not_found") {
		t.Fatalf("unknown decision: %v", err)
	}
	if _, err := problem(nil, &unknown); !hasCode(err, "inspection_not_found") {
		t.Fatalf("unknown inspection: %v", err)
	}
	if _, err := problem(&d.ID, nil); err != nil {
		t.Fatalf("existing decision: %v", err)
	}
}

// A department that reported its rectification before the deadline is not
// escalated as overdue while the office has yet to check the report; if
// the office sends it back after the deadline, the problem is overdue and
// escalates.
func TestRectificationAwaitingCheckIsNotOverdue(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	p, err := s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "民生事项未开展民意调查",
		Evidence: "送审材料无民意调查报告。", Severity: supervision.SeverityGeneral, Deadline: "2026-11-20"})
	if err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 18, 9))
	if _, err := s.sup.SubmitRectification(ctx, s.staff["zjj"], p.ID, "已补做民意调查。", "调查报告"); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 24, 9))
	if n, err := s.sup.EscalateOverdueProblems(ctx); err != nil || n != 0 {
		t.Fatalf("escalated %d problems awaiting the office's check (%v)", n, err)
	}
	if _, err := s.sup.ReturnRectification(ctx, s.office, p.ID, "调查样本不足。"); err != nil {
		t.Fatal(err)
	}
	if n, err := s.sup.EscalateOverdueProblems(ctx); err != nil || n != 1 {
		t.Fatalf("escalated %d problems after the rectification came back late, want 1 (%v)", n, err)
	}
}

// TestEscalationReachesEveryOverdueProblem: the escalation job reads every
// overdue problem, not the first 1,000 the office's list shows.
func TestEscalationReachesEveryOverdueProblem(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(at(11, 2, 9))
	const n = 1005
	if _, err := s.e.DB.Exec(ctx, `INSERT INTO supervision_problems (agency_id, rule, evidence, severity, deadline, created_by, created_at)
		SELECT $1, '民生事项未开展民意调查', '第' || g || '号事项送审材料无民意调查报告。', 'general', DATE '2026-11-20', $2, $3
		FROM generate_series(1, $4) g`, s.agency["zjj"], s.office.ID, s.e.Clock.Now(), n); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(at(11, 21, 0).Add(time.Minute))
	got, err := s.sup.EscalateOverdueProblems(ctx)
	if err != nil || got != n {
		t.Fatalf("escalated %d of %d overdue problems (%v)", got, n, err)
	}
}

// A rectification deadline that falls on a day off runs to the next
// working day (Civil Code Art. 203, the calendar's rule for periods): a
// deadline set on National Day used to be overdue, and escalated, on the
// second day of the holiday, while the department was closed.
func TestProblemDeadlineOnAHolidayRunsToTheNextWorkingDay(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	s.e.Clock.Set(time.Date(2026, 9, 21, 9, 0, 0, 0, workday.Location()))
	p, err := s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "民生事项未开展民意调查",
		Evidence: "第3号事项送审材料无民意调查报告。", Severity: supervision.SeveritySerious, Deadline: "2026-10-01", Listed: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Deadline.Format("2006-01-02"); got != "2026-10-08" {
		t.Errorf("deadline on National Day kept as %s, want the first working day after the holiday, 2026-10-08", got)
	}
	s.e.Clock.Set(time.Date(2026, 10, 3, 10, 0, 0, 0, workday.Location()))
	if p.Overdue(s.e.Clock.Now()) {
		t.Error("the problem is overdue during the holiday")
	}
	if n, err := s.sup.EscalateOverdueProblems(ctx); err != nil || n != 0 {
		t.Errorf("escalated %d problems during the holiday (%v)", n, err)
	}
	s.e.Clock.Set(time.Date(2026, 10, 9, 0, 0, 0, 0, workday.Location()).Add(time.Minute))
	if n, err := s.sup.EscalateOverdueProblems(ctx); err != nil || n != 1 {
		t.Errorf("escalated %d problems the day after the first working day, want 1 (%v)", n, err)
	}
	// A working day is kept as set.
	s.e.Clock.Set(time.Date(2026, 9, 21, 9, 0, 0, 0, workday.Location()))
	p, err = s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "送审材料未附风险评估",
		Evidence: "送审目录无风险评估报告。", Severity: supervision.SeverityGeneral, Deadline: "2026-09-30"})
	if err != nil || p.Deadline.Format("2006-01-02") != "2026-09-30" {
		t.Errorf("a working-day deadline: %v, %v", p.Deadline, err)
	}
}

// The reminder of an approaching rectification deadline comes three
// working days ahead: it used to come three calendar days ahead, so a
// deadline on a Monday was announced on the Saturday before, and one on
// the first day after National Day in the middle of the holiday.
func TestDeadlineReminderThreeWorkingDaysAhead(t *testing.T) {
	ctx := context.Background()
	s := newScene(t)
	reminded := func() int {
		t.Helper()
		var n int
		if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM supervision_notices WHERE kind = 'deadline_approaching'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, c := range []struct {
		deadline     string
		before, from time.Time // the last moment without a reminder, the first with one
	}{
		// Monday 23 November: Wednesday 18 leaves Thursday, Friday and Monday.
		{"2026-11-23", at(11, 17, 23), at(11, 18, 9)},
		// Thursday 8 October, after the holiday: reminded before it, on
		// Monday 28 September (29, 30 September and 8 October left).
		{"2026-10-08", time.Date(2026, 9, 27, 23, 0, 0, 0, workday.Location()), time.Date(2026, 9, 28, 9, 0, 0, 0, workday.Location())},
	} {
		s.e.Clock.Set(c.before.AddDate(0, 0, -10))
		if _, err := s.sup.RecordProblem(ctx, s.office, supervision.ProblemInput{AgencyID: s.agency["zjj"], Rule: "送审材料未附风险评估",
			Evidence: "送审目录无风险评估报告。", Severity: supervision.SeverityGeneral, Deadline: c.deadline}); err != nil {
			t.Fatal(err)
		}
		s.e.Clock.Set(c.before)
		if _, err := s.sup.EscalateOverdueProblems(ctx); err != nil {
			t.Fatal(err)
		}
		if n := reminded(); n != i {
			t.Errorf("deadline %s: reminded at %s, more than three working days ahead", c.deadline, c.before)
		}
		s.e.Clock.Set(c.from)
		if _, err := s.sup.EscalateOverdueProblems(ctx); err != nil {
			t.Fatal(err)
		}
		if n := reminded(); n != i+1 {
			t.Errorf("deadline %s: not reminded at %s, three working days ahead", c.deadline, c.from)
		}
	}
}
