package survey_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
)

// fixture is an open survey with a question of every kind, run by 市教育局.
type fixture struct {
	e     *testenv.Env
	staff identity.Account
	sv    survey.Survey
	q     map[string]survey.Question // by short name
}

func f64(v float64) *float64 { return &v }

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	ctx := context.Background()
	e := testenv.New(tb)
	e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	sv, err := e.Survey.CreateSurvey(ctx, &staff, survey.Input{Title: "城区学校布局民意调查", ClosesAt: e.Clock.Now().Add(30 * 24 * time.Hour),
		Anonymous: true, PrivacyNotice: "市教育局收集，仅用于决策参考，保存一年。"})
	if err != nil {
		tb.Fatal(err)
	}
	opts := func(labels ...string) []survey.Option {
		out := make([]survey.Option, len(labels))
		for i, l := range labels {
			out[i] = survey.Option{Label: l}
		}
		return out
	}
	inputs := []struct {
		name string
		in   survey.QuestionInput
	}{
		{"district", survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "居住区", Required: true, Config: survey.Config{Options: opts("新华区", "卫东区", "湛河区", "石龙区")}}},
		{"opinion", survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "是否赞成", Required: true, Config: survey.Config{Options: opts("赞成", "反对", "无所谓"), AllowOther: true}}},
		{"concerns", survey.QuestionInput{Kind: survey.KindMultipleChoice, Title: "关注", Config: survey.Config{Options: opts("划片", "公平", "交通", "质量"), MinChoices: 1, MaxChoices: 3}}},
		{"satisfaction", survey.QuestionInput{Kind: survey.KindScale, Title: "满意度", Required: true, Config: survey.Config{ScaleMin: 0, ScaleMax: 10}}},
		{"matrix", survey.QuestionInput{Kind: survey.KindMatrix, Title: "评价", Config: survey.Config{ScaleMin: 1, ScaleMax: 5, Rows: opts("便利", "宣传", "公平")}}},
		{"text", survey.QuestionInput{Kind: survey.KindText, Title: "建议", Config: survey.Config{MaxLength: 200}}},
		{"commute", survey.QuestionInput{Kind: survey.KindNumber, Title: "通勤时间（小时）", Config: survey.Config{NumberMin: f64(0), NumberMax: f64(5)}}},
		{"ranking", survey.QuestionInput{Kind: survey.KindRanking, Title: "排序", Config: survey.Config{Options: opts("就近", "质量", "费用", "安全")}}},
	}
	f := &fixture{e: e, staff: staff, q: map[string]survey.Question{}}
	for _, in := range inputs {
		if sv, _, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, in.in); err != nil {
			tb.Fatalf("%s: %v", in.name, err)
		}
		f.q[in.name] = sv.Questions[len(sv.Questions)-1]
	}
	// Shown only to those who oppose.
	in := survey.QuestionInput{Kind: survey.KindText, Title: "反对理由", Condition: &survey.Condition{QuestionID: f.q["opinion"].ID, OptionIDs: []string{"o2"}}}
	if sv, _, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, in); err != nil {
		tb.Fatal(err)
	}
	f.q["why"] = sv.Questions[len(sv.Questions)-1]
	if f.sv, err = e.Survey.OpenSurvey(ctx, &staff, sv.ID); err != nil {
		tb.Fatal(err)
	}
	return f
}

// residents inserts n verified residents directly (signing in is not what
// is measured) and returns them.
func residents(tb testing.TB, e *testenv.Env, n int) []identity.Account {
	tb.Helper()
	ctx := context.Background()
	var base int64
	if err := e.DB.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM accounts`).Scan(&base); err != nil {
		tb.Fatal(err)
	}
	rows, err := e.DB.Query(ctx, `INSERT INTO accounts (role, phone, display_name, pseudonym, password_hash, verified_at)
		SELECT 'resident', '15' || lpad(($1 + g)::text, 9, '0'), '居民' || g, 'p' || ($1 + g), 'x', now()
		FROM generate_series(1, $2) g RETURNING id, verified_at`, base, n)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Account, error) {
		a := identity.Account{Role: identity.RoleResident}
		err := r.Scan(&a.ID, &a.VerifiedAt)
		return a, err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// randomAnswers makes a valid response: every kind, the conditional
// question only after "反对" (o2), optional questions sometimes skipped.
func (f *fixture) randomAnswers(rng *rand.Rand) []survey.Answer {
	pick := func(q string) string { return f.q[q].Config.Options[rng.IntN(len(f.q[q].Config.Options))].ID }
	v := rng.IntN(11)
	a := []survey.Answer{
		{QuestionID: f.q["district"].ID, Choices: []string{pick("district")}},
		{QuestionID: f.q["satisfaction"].ID, Value: &v},
	}
	op := survey.Answer{QuestionID: f.q["opinion"].ID}
	if rng.IntN(10) == 0 {
		op.Choices, op.OtherText = []string{survey.OtherOptionID}, "看情况"
	} else {
		op.Choices = []string{pick("opinion")}
	}
	a = append(a, op)
	if op.Choices[0] == "o2" && rng.IntN(2) == 0 {
		a = append(a, survey.Answer{QuestionID: f.q["why"].ID, Text: "离家太远"})
	}
	if rng.IntN(4) > 0 {
		var ch []string
		for _, o := range rng.Perm(4)[:1+rng.IntN(3)] {
			ch = append(ch, f.q["concerns"].Config.Options[o].ID)
		}
		a = append(a, survey.Answer{QuestionID: f.q["concerns"].ID, Choices: ch})
	}
	if rng.IntN(3) > 0 {
		rows := map[string]int{}
		for _, r := range f.q["matrix"].Config.Rows {
			rows[r.ID] = 1 + rng.IntN(5)
		}
		a = append(a, survey.Answer{QuestionID: f.q["matrix"].ID, Rows: rows})
	}
	if rng.IntN(5) == 0 {
		a = append(a, survey.Answer{QuestionID: f.q["text"].ID, Text: fmt.Sprintf("建议%d", rng.IntN(1000))})
	}
	if rng.IntN(2) == 0 {
		n := float64(rng.IntN(21)) / 4 // 0, 0.25, … 5
		a = append(a, survey.Answer{QuestionID: f.q["commute"].ID, Number: &n})
	}
	if rng.IntN(2) == 0 {
		var r []string
		for _, o := range rng.Perm(4) {
			r = append(r, f.q["ranking"].Config.Options[o].ID)
		}
		a = append(a, survey.Answer{QuestionID: f.q["ranking"].ID, Ranking: r})
	}
	return a
}

// fill submits one random response per resident, from `workers`
// goroutines, and returns what was submitted.
func (f *fixture) fill(tb testing.TB, people []identity.Account, seed uint64, workers int) [][]survey.Answer {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	all := make([][]survey.Answer, len(people))
	for i := range all {
		all[i] = f.randomAnswers(rng)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(people) {
					return
				}
				if _, _, err := f.e.Survey.SubmitResponse(context.Background(), &people[i], f.sv.ID, survey.ResponseInput{Answers: all[i]}); err != nil {
					errc <- fmt.Errorf("response %d: %w", i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		tb.Fatal(err)
	}
	return all
}
