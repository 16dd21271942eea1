package survey_test

import (
	"context"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/migrations"
	"github.com/canyu-gov/canyu/survey"
)

// TestTallyShardsMigration checks migration 00016 on a database that holds
// responses: down, the sharded counters fold into the old one-row-per-key
// table; up again, that table becomes shard 0, the results are the same
// figure for figure, and new responses count on top.
func TestTallyShardsMigration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.fill(t, residents(t, f.e, 400), 3, 8)
	before, err := f.e.Survey.SurveyResults(ctx, &f.staff, f.sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	var shards int
	if err := f.e.DB.QueryRow(ctx, `SELECT count(DISTINCT shard) FROM survey_tally_shards`).Scan(&shards); err != nil {
		t.Fatal(err)
	}
	if shards < 2 {
		t.Fatalf("400 responses in %d counter shards", shards)
	}

	db := stdlib.OpenDBFromPool(f.e.DB)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	var kind string
	var respondents int64
	if err := f.e.DB.QueryRow(ctx, `SELECT table_type FROM information_schema.tables WHERE table_name = 'survey_tallies'`).Scan(&kind); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DB.QueryRow(ctx, `SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0`, f.sv.ID).Scan(&respondents); err != nil {
		t.Fatal(err)
	}
	if kind != "BASE TABLE" || respondents != 400 {
		t.Fatalf("down: survey_tallies is a %s counting %d respondents, want a table counting 400", kind, respondents)
	}

	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := f.e.Survey.SurveyResults(ctx, &f.staff, f.sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Respondents != before.Respondents || !reflect.DeepEqual(after.Questions, before.Questions) {
		t.Fatalf("results changed across the migration:\nbefore %+v\nafter  %+v", before.Questions, after.Questions)
	}
	if err := f.e.DB.QueryRow(ctx, `SELECT count(DISTINCT shard) FROM survey_tally_shards`).Scan(&shards); err != nil {
		t.Fatal(err)
	}
	if shards != 1 {
		t.Fatalf("converted counters in %d shards, want shard 0 only", shards)
	}
	who := residents(t, f.e, 1)[0]
	if _, _, err := f.e.Survey.SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: []survey.Answer{
		{QuestionID: f.q["district"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["opinion"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["satisfaction"].ID, Value: new(int)},
	}}); err != nil {
		t.Fatal(err)
	}
	// The view the close record and the review statement read.
	if err := f.e.DB.QueryRow(ctx, `SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0`, f.sv.ID).Scan(&respondents); err != nil {
		t.Fatal(err)
	}
	if respondents != 401 {
		t.Fatalf("after one more response survey_tallies counts %d respondents, want 401", respondents)
	}
}

// TestCloseDuringSubmissions closes a survey while 16 goroutines submit:
// every acknowledged response is stored and counted, none lands after the
// close (the rest get survey_not_open), and the close folds the counter
// shards into one row per answer key with the same results.
func TestCloseDuringSubmissions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	people := residents(t, f.e, 2000)
	var next, acked atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{})
	var once sync.Once
	errc := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				i := int(next.Add(1)) - 1
				if i >= len(people) {
					return
				}
				_, _, err := f.e.Survey.SubmitResponse(ctx, &people[i], f.sv.ID, survey.ResponseInput{Answers: f.randomAnswers(rng)})
				if errs.HasCode(err, "survey_not_open") {
					return
				}
				if err != nil {
					errc <- err
					return
				}
				if acked.Add(1) == 100 {
					once.Do(func() { close(started) })
				}
			}
		}()
	}
	<-started
	if _, err := f.e.Survey.CloseSurvey(ctx, &f.staff, f.sv.ID); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	var stored, counted, rows, keys, shards int64
	if err := f.e.DB.QueryRow(ctx, `SELECT (SELECT count(*) FROM survey_responses WHERE survey_id = $1),
		(SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0),
		(SELECT count(*) FROM survey_tally_shards WHERE survey_id = $1),
		(SELECT count(*) FROM survey_tallies WHERE survey_id = $1),
		(SELECT count(DISTINCT shard) FROM survey_tally_shards WHERE survey_id = $1)`, f.sv.ID).
		Scan(&stored, &counted, &rows, &keys, &shards); err != nil {
		t.Fatal(err)
	}
	if stored != acked.Load() || counted != stored {
		t.Fatalf("%d acknowledged, %d stored, %d counted", acked.Load(), stored, counted)
	}
	if stored == int64(len(people)) {
		t.Fatalf("all %d responses landed: the close came too late to test anything", stored)
	}
	if rows != keys || shards != 1 {
		t.Fatalf("after the close: %d counter rows for %d keys in %d shards, want one row per key", rows, keys, shards)
	}
	who := people[len(people)-1]
	if _, _, err := f.e.Survey.SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: f.randomAnswers(rand.New(rand.NewPCG(1, 2)))}); !errs.HasCode(err, "survey_not_open") {
		t.Fatalf("response after the close: %v, want survey_not_open", err)
	}
}
