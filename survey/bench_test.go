package survey_test

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// benchResponses is how many responses the survey holds before measuring:
// CANYU_SURVEY_BENCH_RESPONSES, 2,000 by default so `go test -bench` stays
// quick; the figure is 100,000:
//
//	CANYU_SURVEY_BENCH_RESPONSES=100000 go test ./survey/ -run '^$' -bench BenchmarkSurvey -benchtime 2000x
func benchResponses(b *testing.B) int {
	if v := os.Getenv("CANYU_SURVEY_BENCH_RESPONSES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatalf("CANYU_SURVEY_BENCH_RESPONSES=%q", v)
		}
		return n
	}
	return 2000
}

// BenchmarkSurvey measures, on a survey already holding N responses:
// submitting one more (validation, the unique respondent key and the
// counter upserts in one transaction), reading the results from the
// counters, the same choice counts aggregated in SQL from the responses
// instead (the alternative the counters replace), and a cross-tabulation.
func BenchmarkSurvey(b *testing.B) {
	ctx := context.Background()
	n := benchResponses(b)
	f := newFixture(b)
	f.fill(b, residents(b, f.e, n), 7, 16)
	b.Logf("survey holds %d responses", n)

	b.Run("SubmitResponse", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(99, uint64(b.N)))
		var pool []identity.Account
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if len(pool) == 0 {
				b.StopTimer()
				pool = residents(b, f.e, 1000)
				b.StartTimer()
			}
			who := pool[0]
			pool = pool[1:]
			if _, _, err := f.e.Survey.SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: f.randomAnswers(rng)}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Results", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.e.Survey.SurveyResults(ctx, &f.staff, f.sv.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ResultsSQLAggregate", func(b *testing.B) {
		// Only the choice counts, aggregated from the stored answers with
		// the (survey_id, id) index: what every results request would cost
		// without counters.
		for i := 0; i < b.N; i++ {
			rows, err := f.e.DB.Query(ctx, `SELECT q.key, c, count(*) FROM survey_responses r,
				jsonb_each(r.answers) AS q(key, a), jsonb_array_elements_text(q.a -> 'choices') AS c
				WHERE r.survey_id = $1 GROUP BY 1, 2`, f.sv.ID)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (int64, error) {
				var k, c string
				var n int64
				return n, r.Scan(&k, &c, &n)
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Crosstab", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := f.e.Survey.SurveyCrosstab(ctx, &f.staff, f.sv.ID, f.q["district"].ID, f.q["opinion"].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
