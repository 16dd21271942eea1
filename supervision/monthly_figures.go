package supervision

import (
	"context"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Month is a calendar month in Asia/Shanghai.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf returns the month t falls in, in Asia/Shanghai.
func MonthOf(t time.Time) Month {
	l := t.In(workday.Location())
	return Month{l.Year(), l.Month()}
}

// Start is 00:00 Asia/Shanghai of the month's first day.
func (m Month) Start() time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, workday.Location())
}

// End is the start of the next month.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, 0) }

// Prev is the month before.
func (m Month) Prev() Month { return MonthOf(m.Start().AddDate(0, 0, -1)) }

// String is "2026-11".
func (m Month) String() string { return m.Start().Format("2006-01") }

// Label is "2026年11月".
func (m Month) Label() string { return m.Start().Format("2006年1月") }

// MonthlyFigures are the monthly report's figures for the city, a district or one department.
// Each decision-based figure keeps the decisions behind it in Sources, so
// every number traces back to the decisions (DOMAIN.md, "Supervision").
type MonthlyFigures struct {
	Month     string `json:"month"`
	AgencyID  int64  `json:"agency_id,omitempty"`
	ScopeName string `json:"scope_name"`
	// Coverage says, in a district's report, whose decisions it counts
	// (新华区人民政府及其所属部门作为决策机关的重大行政决策事项); empty for the city's and a department's,
	// whose issued content is as it was before.
	Coverage               string              `json:"coverage,omitempty"`
	DecisionsByStage       map[string]int      `json:"decisions_by_stage"`
	DecisionsStarted       int                 `json:"decisions_started"`
	DecisionsPublished     int                 `json:"decisions_published"`
	ImplementationReports  int                 `json:"implementation_reports"`
	ConsultationsOpened    int                 `json:"consultations_opened"`
	ConsultationsShortened int                 `json:"consultations_shortened"`
	ConsultationsClosed    int                 `json:"consultations_closed"`
	CommentsReceived       int                 `json:"comments_received"`
	CommentsAnswered       int                 `json:"comments_answered"`
	CommentsAdopted        int                 `json:"comments_adopted"`
	AdoptionRate           float64             `json:"adoption_rate"`
	SurveysRun             int                 `json:"surveys_run"`
	SurveyResponses        int                 `json:"survey_responses"`
	LivelihoodDecisions    int                 `json:"livelihood_decisions"`
	LivelihoodCovered      int                 `json:"livelihood_covered"`
	ReviewsReceived        int                 `json:"reviews_received"`
	ReviewsConcluded       int                 `json:"reviews_concluded"`
	ReviewAvgWorkingDays   float64             `json:"review_avg_working_days"`
	ReviewReturns          int                 `json:"review_returns"`
	UnlawfulFindings       int                 `json:"unlawful_findings"`
	UnlawfulResolved       int                 `json:"unlawful_resolved"`
	OverdueSteps           int                 `json:"overdue_steps"`
	ProblemsOpened         int                 `json:"problems_opened"`
	ProblemsClosed         int                 `json:"problems_closed"`
	Sources                map[string][]int    `json:"sources"`
	Trend                  []MonthlyTrendPoint `json:"trend"`
}

// MonthlyTrendPoint is one month of the twelve-month trend.
type MonthlyTrendPoint struct {
	Month               string  `json:"month"`
	CommentsReceived    int     `json:"comments_received"`
	CommentsAnswered    int     `json:"comments_answered"`
	AdoptionRate        float64 `json:"adoption_rate"`
	ConsultationsOpened int     `json:"consultations_opened"`
	ReviewsConcluded    int     `json:"reviews_concluded"`
}

// decisionMonth is what one decision did in one month.
type decisionMonth struct {
	commentsReceived, commentsAnswered, commentsAdopted int
	consultationsOpened, consultationsShortened         int
	consultationsClosed, surveysRun, surveyResponses    int
	reviewsReceived, reviewsConcluded, reviewDays       int
	reviewReturns, unlawful, unlawfulResolved           int
}

type querier interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}

// perDecisionMonthly reads, for every month in [from, to), what each
// decision did: one grouped query per table, so the city's report and every
// department's come from one pass over the month's rows.
func perDecisionMonthly(ctx context.Context, q querier, cal workday.Calendar, from, to time.Time) (map[string]map[int64]*decisionMonth, error) {
	out := map[string]map[int64]*decisionMonth{}
	at := func(month string, id int64) *decisionMonth {
		if out[month] == nil {
			out[month] = map[int64]*decisionMonth{}
		}
		if out[month][id] == nil {
			out[month][id] = &decisionMonth{}
		}
		return out[month][id]
	}
	// Each query reads one table once over the whole range and returns
	// month, decision and up to three counts.
	type counter struct {
		sql string
		add func(dm *decisionMonth, n [3]int)
	}
	const m = `to_char(%s AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')`
	counters := []counter{
		{`SELECT ` + sprintf(m, "created_at") + `, decision_id, count(*), 0, 0 FROM comments
			WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.commentsReceived += n[0] }},
		{`SELECT ` + sprintf(m, "decided_at") + `, decision_id, count(*),
			count(*) FILTER (WHERE disposition IN ('adopted', 'partially_adopted')), 0 FROM comment_dispositions
			WHERE decided_at >= $1 AND decided_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.commentsAnswered += n[0]; dm.commentsAdopted += n[1] }},
		{`SELECT ` + sprintf(m, "opens_at") + `, decision_id, count(*), count(*) FILTER (WHERE shortening_reason <> ''), 0
			FROM consultations WHERE opens_at >= $1 AND opens_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.consultationsOpened += n[0]; dm.consultationsShortened += n[1] }},
		{`SELECT ` + sprintf(m, "closed_at") + `, decision_id, count(*), 0, 0 FROM consultations
			WHERE closed_at >= $1 AND closed_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.consultationsClosed += n[0] }},
		{`SELECT ` + sprintf(m, "opened_at") + `, decision_id, count(*), 0, 0 FROM surveys
			WHERE opened_at >= $1 AND opened_at < $2 AND decision_id IS NOT NULL GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.surveysRun += n[0] }},
		{`SELECT ` + sprintf(m, "r.submitted_at") + `, s.decision_id, count(*), 0, 0 FROM survey_responses r
			JOIN surveys s ON s.id = r.survey_id
			WHERE r.submitted_at >= $1 AND r.submitted_at < $2 AND s.decision_id IS NOT NULL GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.surveyResponses += n[0] }},
		{`SELECT ` + sprintf(m, "received_at") + `, decision_id, count(*), 0, 0 FROM legality_reviews
			WHERE received_at >= $1 AND received_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.reviewsReceived += n[0] }},
		{`SELECT ` + sprintf(m, "updated_at") + `, decision_id, count(*), 0, 0 FROM legality_reviews
			WHERE updated_at >= $1 AND updated_at < $2 AND status = 'returned' GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.reviewReturns += n[0] }},
		// An unlawful finding is an adviser's unlawful opinion or an unlawful
		// conclusion; it is resolved when a later conclusion records how.
		{`SELECT ` + sprintf(m, "created_at") + `, decision_id, count(*), 0, 0 FROM legal_opinions
			WHERE created_at >= $1 AND created_at < $2 AND overall = 'unlawful' GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.unlawful += n[0] }},
		{`SELECT ` + sprintf(m, "created_at") + `, decision_id, count(*) FILTER (WHERE outcome = 'unlawful'),
			count(*) FILTER (WHERE resolution <> ''), 0 FROM review_conclusions
			WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2`,
			func(dm *decisionMonth, n [3]int) { dm.unlawful += n[0]; dm.unlawfulResolved += n[1] }},
	}
	for _, c := range counters {
		rows, err := q.Query(ctx, c.sql, from, to)
		if err != nil {
			return nil, errs.Internal(err)
		}
		var month string
		var id int64
		var n [3]int
		_, err = pgx.ForEachRow(rows, []any{&month, &id, &n[0], &n[1], &n[2]}, func() error {
			c.add(at(month, id), n)
			return nil
		})
		if err != nil {
			return nil, errs.Internal(err)
		}
	}
	// Conclusions: their count and working days from receipt.
	rows, err := q.Query(ctx, `SELECT `+sprintf(m, "c.created_at")+`, c.decision_id, r.received_at, c.created_at
		FROM review_conclusions c JOIN legality_reviews r ON r.id = c.review_id
		WHERE c.created_at >= $1 AND c.created_at < $2`, from, to)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var month string
	var id int64
	var received, concluded time.Time
	_, err = pgx.ForEachRow(rows, []any{&month, &id, &received, &concluded}, func() error {
		dm := at(month, id)
		dm.reviewsConcluded++
		dm.reviewDays += cal.WorkingDaysBetween(received, concluded)
		return nil
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// problemCounts counts problems opened and closed per department in [from, to).
func problemCounts(ctx context.Context, q querier, from, to time.Time) (opened, closed map[int64]int, err error) {
	opened, closed = map[int64]int{}, map[int64]int{}
	for _, c := range []struct {
		col string
		m   map[int64]int
	}{{"created_at", opened}, {"closed_at", closed}} {
		rows, err := q.Query(ctx, `SELECT agency_id, count(*) FROM supervision_problems
			WHERE `+c.col+` >= $1 AND `+c.col+` < $2 GROUP BY 1`, from, to)
		if err != nil {
			return nil, nil, errs.Internal(err)
		}
		var id int64
		var n int
		if _, err := pgx.ForEachRow(rows, []any{&id, &n}, func() error { c.m[id] = n; return nil }); err != nil {
			return nil, nil, errs.Internal(err)
		}
	}
	return opened, closed, nil
}

// asOf returns the facts as they stood at t: steps taken later are undone,
// so a step done after the month ended counts as it stood at its end.
func asOf(f Facts, t time.Time) Facts {
	clear := func(p **time.Time) {
		if *p != nil && !(*p).Before(t) {
			*p = nil
		}
	}
	for _, p := range []**time.Time{&f.ConsultationOpensAt, &f.ConsultationClosedAt, &f.AdoptionReportPublishedAt,
		&f.SurveyClosedAt, &f.SurveyWaivedAt, &f.ReviewSubmittedAt, &f.ReviewReceivedAt, &f.ConcludedAt,
		&f.FirstOpinionAt, &f.DeliberationDate, &f.PartyReportDate, &f.PublishedAt} {
		clear(p)
	}
	if f.ConsultationOpensAt == nil {
		f.ConsultationEndsAt = nil
	}
	// Periodic reports filed later are not counted; an entry linked later
	// was not yet in the catalogue.
	var ends, filed []time.Time
	for i, at := range f.PeriodicReportedAt {
		if at.Before(t) && i < len(f.PeriodicReportEnds) {
			ends, filed = append(ends, f.PeriodicReportEnds[i]), append(filed, at)
		}
	}
	f.PeriodicReportEnds, f.PeriodicReportedAt = ends, filed
	if f.CatalogueLinkedAt != nil && !f.CatalogueLinkedAt.Before(t) {
		f.CatalogueItemID, f.CatalogueLinkedAt = nil, nil
	}
	if f.FirstOpinionAt == nil {
		f.Opinions = 0
	}
	return f
}

// rollUp sums the decisions in scope (in(f) true) into figures.
func rollUp(fig *MonthlyFigures, facts []Facts, dms map[int64]*decisionMonth, in func(Facts) bool) {
	src := func(key string, id int64) { fig.Sources[key] = append(fig.Sources[key], int(id)) }
	for _, f := range facts {
		if !in(f) {
			continue
		}
		dm := dms[f.ID]
		if dm == nil {
			continue
		}
		for _, x := range []struct {
			key string
			n   int
			to  *int
		}{
			{"comments_received", dm.commentsReceived, &fig.CommentsReceived},
			{"comments_answered", dm.commentsAnswered, &fig.CommentsAnswered},
			{"comments_adopted", dm.commentsAdopted, &fig.CommentsAdopted},
			{"consultations_opened", dm.consultationsOpened, &fig.ConsultationsOpened},
			{"consultations_shortened", dm.consultationsShortened, &fig.ConsultationsShortened},
			{"consultations_closed", dm.consultationsClosed, &fig.ConsultationsClosed},
			{"surveys_run", dm.surveysRun, &fig.SurveysRun},
			{"survey_responses", dm.surveyResponses, &fig.SurveyResponses},
			{"reviews_received", dm.reviewsReceived, &fig.ReviewsReceived},
			{"reviews_concluded", dm.reviewsConcluded, &fig.ReviewsConcluded},
			{"review_returns", dm.reviewReturns, &fig.ReviewReturns},
			{"unlawful_findings", dm.unlawful, &fig.UnlawfulFindings},
			{"unlawful_resolved", dm.unlawfulResolved, &fig.UnlawfulResolved},
		} {
			if x.n > 0 {
				*x.to += x.n
				src(x.key, f.ID)
			}
		}
	}
	for _, ids := range fig.Sources {
		sort.Ints(ids)
	}
}

func rate(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(int(float64(part)/float64(whole)*1000+0.5)) / 1000
}
