package survey_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/survey"
)

// TestSensitiveOptionalMigration: migration 00120 makes required sensitive
// questions optional in drafts and open surveys, so a resident who declines
// the separate consent can submit an open survey that marked one required;
// closed surveys keep their questions as they were answered; from now on
// the database refuses the combination in any row written.
func TestSensitiveOptionalMigration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t) // open
	health := survey.QuestionInput{Kind: survey.KindText, Title: "孩子的健康状况", Sensitive: true}
	newSurvey := func(title string) survey.Survey {
		sv, err := f.e.Survey.CreateSurvey(ctx, &f.staff, survey.Input{Title: title, ClosesAt: f.e.Clock.Now().Add(40 * 24 * time.Hour),
			Anonymous: true, PrivacyNotice: "市教育局收集，仅用于决策参考，保存一年。"})
		if err != nil {
			t.Fatal(err)
		}
		if sv, _, err = f.e.Survey.AddQuestion(ctx, &f.staff, sv.ID, health); err != nil {
			t.Fatal(err)
		}
		return sv
	}
	draft, closed := newSurvey("草稿问卷"), newSurvey("已结束的问卷")
	if _, err := f.e.Survey.OpenSurvey(ctx, &f.staff, closed.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Survey.CloseSurvey(ctx, &f.staff, closed.ID); err != nil {
		t.Fatal(err)
	}
	// The open survey gets its sensitive question the way it could before.
	p := migrateDownTo(t, f.e, 119)
	var openHealth int64
	if err := f.e.DB.QueryRow(ctx, `INSERT INTO survey_questions (survey_id, position, kind, title, required, sensitive, config)
		VALUES ($1, 100, 'text', '孩子的健康状况', true, true, '{"max_length": 100}') RETURNING id`, f.sv.ID).Scan(&openHealth); err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.DB.Exec(ctx, `UPDATE survey_questions SET required = true WHERE sensitive`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		survey   int64
		required bool
	}{{draft.ID, false}, {f.sv.ID, false}, {closed.ID, true}} {
		var required bool
		if err := f.e.DB.QueryRow(ctx, `SELECT required FROM survey_questions WHERE survey_id = $1 AND sensitive`, c.survey).
			Scan(&required); err != nil {
			t.Fatal(err)
		}
		if required != c.required {
			t.Errorf("survey %d: the sensitive question is required %v, want %v", c.survey, required, c.required)
		}
	}
	if _, err := f.e.DB.Exec(ctx, `UPDATE survey_questions SET required = true WHERE id = $1`, openHealth); err == nil ||
		!strings.Contains(err.Error(), "survey_questions_sensitive_optional") {
		t.Fatalf("a required sensitive question written after the migration: %v", err)
	}

	who := residents(t, f.e, 1)[0]
	answers := []survey.Answer{
		{QuestionID: f.q["district"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["opinion"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["satisfaction"].ID, Value: new(int)},
	}
	if _, _, err := restarted(t, f.e).SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: answers}); err != nil {
		t.Fatalf("declining the consent: %v", err)
	}
}
