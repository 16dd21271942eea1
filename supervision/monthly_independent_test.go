package supervision_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// TestMonthlyFiguresMatchTheRows recomputes every figure of November's
// reports, for the city, each district and each department, straight from
// the rows the services wrote (and, for the returns and the stages, from
// the process record), in SQL written apart from the report's, with month
// boundaries at midnight Beijing time: a comment at 23:30 on 30 November
// counts in November, a review returned in November counts once, a
// decision that opened its consultation on 2 December was drafting. The
// figures that follow from the statutory steps (overdue steps, livelihood
// coverage) are checked by TestMonthlyReportFigures by hand.
func TestMonthlyFiguresMatchTheRows(t *testing.T) {
	ctx := context.Background()
	ds := newDistrictScene(t)
	s := ds.scene
	d := buildNovember(t, s)
	ds.buildDistricts(t)
	// The last half hour of November (15:30 UTC) belongs to November.
	s.comment(t, "jyj", d["consulting"], time.Date(2026, 11, 30, 23, 30, 0, 0, at(1, 1, 0).Location()))
	// A package returned in November; the lead unit submits again in December.
	month := 30 * 24 * time.Hour
	ret := s.create(t, "zjj", consultation.DomainOther, at(9, 4, 9))
	s.open(t, "zjj", ret, at(9, 4, 10), at(9, 4, 10).Add(month), "")
	s.closeAt(t, at(10, 5, 11))
	s.publishReport(t, "zjj", ret, at(10, 9, 10))
	r := s.submit(t, "zjj", ret, at(11, 9, 10))
	s.e.Clock.Set(at(11, 12, 10))
	if _, err := s.e.Consultation.ReturnLegalityReview(ctx, s.reviewer, r.ID, "送审材料缺少风险评估报告。"); err != nil {
		t.Fatal(err)
	}

	s.e.Clock.Set(at(12, 1, 9))
	if ran, err := s.sup.RunMonthlyJob(ctx); err != nil || !ran {
		t.Fatalf("job on 1 December: %v, %v", ran, err)
	}
	// Every report, the districts' drafts too: the platform's admin reads them all.
	admin, _ := s.e.Account(identity.RoleAdmin, "")
	reports, err := s.sup.ListMonthlyReports(ctx, &admin)
	if err != nil {
		t.Fatal(err)
	}
	from, to := at(11, 1, 0), at(12, 1, 0)
	// Each figure as SQL over the rows: $1, $2 the month, $3 the
	// department, the district's government or 0 (the city). A decision
	// counts once it exists by the month's end: the city's report counts
	// every decision, a department's those it leads, a district's those
	// whose decision body is the district's government or one of its
	// departments; a problem counts in the report of its department, of
	// the department's district and of the city.
	district := `(SELECT b.id FROM agencies b WHERE b.id = $3 OR (b.parent_id = $3 AND b.kind IN ('department', 'legality_review')))`
	scopeSQL := map[supervision.ReportScope][2]string{
		supervision.ScopeCity:       {` d.created_at < $2 AND $3::bigint = 0`, ` $3::bigint = 0`},
		supervision.ScopeDepartment: {` d.created_at < $2 AND d.lead_agency_id = $3`, ` p.agency_id = $3`},
		supervision.ScopeDistrict:   {` d.created_at < $2 AND d.decision_body_id IN ` + district, ` p.agency_id IN ` + district},
	}
	sqlsFor := func(inScope, problemScope string) map[string]string {
		return map[string]string{
			"decisions_started":      `SELECT count(*) FROM decisions d WHERE d.created_at >= $1 AND` + inScope,
			"decisions_published":    `SELECT count(*) FROM decision_publications p JOIN decisions d ON d.id = p.decision_id WHERE p.created_at >= $1 AND p.created_at < $2 AND` + inScope,
			"implementation_reports": `SELECT count(*) FROM implementation_reports r JOIN decisions d ON d.id = r.decision_id WHERE r.created_at >= $1 AND r.created_at < $2 AND` + inScope,
			"consultations_opened":   `SELECT count(*) FROM consultations c JOIN decisions d ON d.id = c.decision_id WHERE c.opens_at >= $1 AND c.opens_at < $2 AND` + inScope,
			"consultations_shortened": `SELECT count(*) FROM consultations c JOIN decisions d ON d.id = c.decision_id
			WHERE c.opens_at >= $1 AND c.opens_at < $2 AND c.shortening_reason <> '' AND` + inScope,
			"consultations_closed": `SELECT count(*) FROM consultations c JOIN decisions d ON d.id = c.decision_id WHERE c.closed_at >= $1 AND c.closed_at < $2 AND` + inScope,
			"comments_received":    `SELECT count(*) FROM comments c JOIN decisions d ON d.id = c.decision_id WHERE c.created_at >= $1 AND c.created_at < $2 AND` + inScope,
			"comments_answered": `SELECT count(*) FROM comment_dispositions x JOIN decisions d ON d.id = x.decision_id
			WHERE x.decided_at >= $1 AND x.decided_at < $2 AND` + inScope,
			"comments_adopted": `SELECT count(*) FROM comment_dispositions x JOIN decisions d ON d.id = x.decision_id
			WHERE x.decided_at >= $1 AND x.decided_at < $2 AND x.disposition IN ('adopted', 'partially_adopted') AND` + inScope,
			"surveys_run": `SELECT count(*) FROM surveys v JOIN decisions d ON d.id = v.decision_id WHERE v.opened_at >= $1 AND v.opened_at < $2 AND` + inScope,
			"survey_responses": `SELECT count(*) FROM survey_responses x JOIN surveys v ON v.id = x.survey_id JOIN decisions d ON d.id = v.decision_id
			WHERE x.submitted_at >= $1 AND x.submitted_at < $2 AND` + inScope,
			"reviews_received":  `SELECT count(*) FROM legality_reviews r JOIN decisions d ON d.id = r.decision_id WHERE r.received_at >= $1 AND r.received_at < $2 AND` + inScope,
			"reviews_concluded": `SELECT count(*) FROM review_conclusions c JOIN decisions d ON d.id = c.decision_id WHERE c.created_at >= $1 AND c.created_at < $2 AND` + inScope,
			// Returns from the process record, where each return is an entry.
			"review_returns": `SELECT count(*) FROM record_entries e JOIN decisions d ON d.id = e.decision_id
			WHERE e.kind = 'legality_review_returned' AND e.recorded_at >= $1 AND e.recorded_at < $2 AND` + inScope,
			"unlawful_findings": `SELECT (SELECT count(*) FROM legal_opinions o JOIN decisions d ON d.id = o.decision_id
				WHERE o.overall = 'unlawful' AND o.created_at >= $1 AND o.created_at < $2 AND` + inScope + `)
			+ (SELECT count(*) FROM review_conclusions c JOIN decisions d ON d.id = c.decision_id
				WHERE c.outcome = 'unlawful' AND c.created_at >= $1 AND c.created_at < $2 AND` + inScope + `)`,
			"problems_opened": `SELECT count(*) FROM supervision_problems p WHERE p.created_at >= $1 AND p.created_at < $2 AND` + problemScope,
			"problems_closed": `SELECT count(*) FROM supervision_problems p WHERE p.closed_at >= $1 AND p.closed_at < $2 AND` + problemScope,
		}
	}
	got := func(f supervision.MonthlyFigures) map[string]int {
		return map[string]int{"decisions_started": f.DecisionsStarted, "decisions_published": f.DecisionsPublished,
			"implementation_reports": f.ImplementationReports, "consultations_opened": f.ConsultationsOpened,
			"consultations_shortened": f.ConsultationsShortened, "consultations_closed": f.ConsultationsClosed,
			"comments_received": f.CommentsReceived, "comments_answered": f.CommentsAnswered, "comments_adopted": f.CommentsAdopted,
			"surveys_run": f.SurveysRun, "survey_responses": f.SurveyResponses, "reviews_received": f.ReviewsReceived,
			"reviews_concluded": f.ReviewsConcluded, "review_returns": f.ReviewReturns, "unlawful_findings": f.UnlawfulFindings,
			"problems_opened": f.ProblemsOpened, "problems_closed": f.ProblemsClosed}
	}
	scopes := map[supervision.ReportScope]int{}
	for _, rep := range reports {
		if rep.Month.Format("2006-01") != "2026-11" {
			continue
		}
		scopes[rep.Scope]++
		var scope int64
		if rep.AgencyID != nil {
			scope = *rep.AgencyID
		}
		inScope := scopeSQL[rep.Scope][0]
		figures := got(rep.Figures)
		// The city's: buildNovember's three and the one of 30 November,
		// and the districts' five and the city's one of buildDistricts.
		if scope == 0 && (figures["review_returns"] != 1 || figures["comments_received"] != 10) {
			t.Errorf("the city's report counts %d returns and %d comments, want the return and the comment of 30 November too",
				figures["review_returns"], figures["comments_received"])
		}
		for key, sql := range sqlsFor(inScope, scopeSQL[rep.Scope][1]) {
			var want int
			if err := s.e.DB.QueryRow(ctx, sql, from, to, scope).Scan(&want); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			if figures[key] != want {
				t.Errorf("%s, %s: the report says %d, the rows %d", rep.Figures.ScopeName, key, figures[key], want)
			}
		}
		// The stages at the month's end: each decision's last stage change
		// recorded before it, drafting when there was none.
		stages := map[string]int{}
		rows, _ := s.e.DB.Query(ctx, `WITH last AS (
				SELECT DISTINCT ON (e.decision_id) e.decision_id, e.payload::jsonb->>'to' AS stage FROM record_entries e
				WHERE e.kind = 'stage_changed' AND e.chain = '' AND e.recorded_at < $2 AND $1::timestamptz IS NOT NULL
				ORDER BY e.decision_id, e.seq DESC)
			SELECT COALESCE(last.stage, 'drafting'), count(*) FROM decisions d LEFT JOIN last ON last.decision_id = d.id
			WHERE`+inScope+` GROUP BY 1`, from, to, scope)
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				t.Fatal(err)
			}
			stages[st] = n
		}
		if !reflect.DeepEqual(stages, rep.Figures.DecisionsByStage) {
			t.Errorf("%s: decisions by stage %v, the rows %v", rep.Figures.ScopeName, rep.Figures.DecisionsByStage, stages)
		}
		// The average review time is the conclusions' working days from
		// receipt, on the calendar.
		var days, n int
		rows, _ = s.e.DB.Query(ctx, `SELECT r.received_at, c.created_at FROM review_conclusions c JOIN legality_reviews r ON r.id = c.review_id
			JOIN decisions d ON d.id = c.decision_id WHERE c.created_at >= $1 AND c.created_at < $2 AND`+inScope, from, to, scope)
		cal, _ := s.sup.Calendar.Current(ctx)
		for rows.Next() {
			var a, b time.Time
			if err := rows.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			days += cal.WorkingDaysBetween(a, b)
			n++
		}
		if n > 0 && rep.Figures.ReviewAvgWorkingDays != float64(days)/float64(n) {
			t.Errorf("%s: average review time %.1f, the rows %d/%d", rep.Figures.ScopeName, rep.Figures.ReviewAvgWorkingDays, days, n)
		}
	}
	if scopes[supervision.ScopeCity] != 1 || scopes[supervision.ScopeDistrict] != 2 || scopes[supervision.ScopeDepartment] != 5 {
		t.Fatalf("reports for November: %v, want the city's, two districts' and five departments'", scopes)
	}
	// 新华区's drafting decision is consulting now; November's report
	// counts it as drafting.
	for _, rep := range reports {
		if rep.Scope == supervision.ScopeDistrict && *rep.AgencyID == ds.xinhua && rep.Month.Format("2006-01") == "2026-11" &&
			rep.Figures.DecisionsByStage["drafting"] != 1 {
			t.Errorf("新华区's November stages %v, want its decision that opened on 2 December as drafting",
				rep.Figures.DecisionsByStage)
		}
	}
}
