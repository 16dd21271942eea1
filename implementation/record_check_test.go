package implementation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// TestRecordVerifyCatchesRewrittenReports rewrites, as a database superuser
// would, the implementing unit's report and the post-evaluation report that
// supervision and the public read, and adds a report no step recorded:
// record verification must name the entry each breaks (the entries carry
// the texts' SHA-256, but nothing re-read the rows).
func TestRecordVerifyCatchesRewrittenReports(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	admin, _ := e.Account(identity.RoleAdmin, "")
	if _, err := e.Consultation.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"}, {Name: "王副市长", Position: "副市长"}}); err != nil {
		t.Fatal(err)
	}
	d := e.PublishedWithheld(&staff, &body)
	rep, err := e.Implementation.SubmitImplementationReport(ctx, &staff, d.ID, implementation.ReportInput{Kind: implementation.ReportProblem,
		PeriodEnd: e.Clock.Now().Add(-24 * time.Hour), Progress: "已在全市推行，覆盖学校86所。", Problems: "部分农村学校安保人员不足。"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := e.Implementation.StartPostEvaluation(ctx, &body, d.ID, implementation.StartInput{Trigger: implementation.TriggerBodyChoice,
		Reason: "施行满一年。", Evaluator: "河南城建学院公共管理研究中心"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Implementation.SubmitPostEvaluationReport(ctx, &body, d.ID, implementation.EvaluationReportInput{
		Report: "方案实施效果良好，建议继续执行。", PublicParticipation: "召开家长座谈会1场。", Outcome: implementation.OutcomeContinue}); err != nil {
		t.Fatal(err)
	}
	if r, err := record.Verify(ctx, e.DB, d.ID); err != nil || !r.OK {
		t.Fatalf("intact record: %+v, %v", r, err)
	}
	entryOf := func(kind record.Kind) int64 {
		t.Helper()
		var seq int64
		if err := e.DB.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE decision_id = $1 AND kind = $2`, d.ID, kind).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	cases := []struct {
		name, tamper, undo string
		seq                int64
		problem            string
	}{
		{"ReportProgress", `UPDATE implementation_reports SET progress = '已在全市推行，覆盖学校全部。' WHERE id = $1`,
			`UPDATE implementation_reports SET progress = '已在全市推行，覆盖学校86所。' WHERE id = $1`,
			entryOf(implementation.RecordReport), "implementation report"},
		{"ReportProblems", `UPDATE implementation_reports SET problems = '无。', effect_achieved = true WHERE id = $1`,
			`UPDATE implementation_reports SET problems = '部分农村学校安保人员不足。', effect_achieved = false WHERE id = $1`,
			entryOf(implementation.RecordReport), "implementation report"},
		{"ReportAddedWithoutEntry", `INSERT INTO implementation_reports (decision_id, agency_id, kind, period_end, progress, problems,
			effect_achieved, reported_by, record_seq, created_at) SELECT decision_id, agency_id, 'periodic', period_end, '补记的报告。', '',
			true, reported_by, 999, created_at FROM implementation_reports WHERE id = $1`,
			`DELETE FROM implementation_reports WHERE record_seq = 999 AND $1 > 0`, 0, "no implementation_report_submitted entry"},
		{"EvaluationReport", `UPDATE post_evaluations SET report = '方案未达到预期效果。', outcome = 'stop' WHERE id = $1`,
			`UPDATE post_evaluations SET report = '方案实施效果良好，建议继续执行。', outcome = 'continue' WHERE id = $1`,
			entryOf(implementation.RecordEvaluationReported), "post-evaluation"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := rep.ID
			if strings.HasPrefix(c.name, "Evaluation") {
				id = ev.ID
			}
			e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, c.tamper, id); return err })
			defer e.AsSuperuser(t, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, c.undo, id); return err })
			r, err := record.Verify(ctx, e.DB, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || r.FirstBadSeq != c.seq || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want broken at entry %d naming %q, got %+v", c.seq, c.problem, r)
			}
		})
	}
	if r, err := record.Verify(ctx, e.DB, d.ID); err != nil || !r.OK {
		t.Fatalf("restored record: %+v, %v", r, err)
	}
}
