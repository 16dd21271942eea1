package survey_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/migrations"
	"github.com/canyu-gov/canyu/survey"
)

// migrateDownTo takes the test database's schema back to version v; the
// caller migrates up again with the returned provider.
func migrateDownTo(t *testing.T, e *testenv.Env, v int64) *goose.Provider {
	t.Helper()
	db := stdlib.OpenDBFromPool(e.DB)
	t.Cleanup(func() { db.Close() })
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS(), goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	return p
}

// restarted is the survey service as an instance started after the
// migration builds it: a fresh cache, the key file's key.
func restarted(t *testing.T, e *testenv.Env) *survey.Service {
	t.Helper()
	ss := survey.NewService(e.DB, e.Consultation, nil)
	ss.Now = e.Clock.Now
	var err error
	if ss.Keys, err = survey.OpenRespondentKeys(context.Background(), e.DB, e.SurveyKey); err != nil {
		t.Fatal(err)
	}
	return ss
}

// TestRespondentKeyMigration: a survey open when migration 00119 runs may
// hold responses keyed with the old database secret, so it keeps that key
// (version 1) until it closes: a resident who answered it before is still
// refused a second response. Drafts move to the key file (version 2). When
// the last version 1 survey closes the database secret is deleted; the
// anonymous responses keyed with it can no longer be matched to anyone,
// the resident's own included (told so, not told they never answered).
func TestRespondentKeyMigration(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	draft, err := f.e.Survey.CreateSurvey(ctx, &f.staff, survey.Input{Title: "草稿问卷", ClosesAt: f.e.Clock.Now().Add(40 * 24 * time.Hour),
		Anonymous: true, PrivacyNotice: "市教育局收集，仅用于决策参考，保存一年。"})
	if err != nil {
		t.Fatal(err)
	}
	people := residents(t, f.e, 2)
	before, after := people[0], people[1]

	p := migrateDownTo(t, f.e, 118)
	// What the old code did: a secret in the database, and the response of
	// a resident keyed with it.
	secret := make([]byte, 32)
	rand.Read(secret)
	if _, err := f.e.DB.Exec(ctx, `INSERT INTO survey_secrets (id, hmac_key, created_at) VALUES (1, $1, now())`, secret); err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("canyu-survey-respondent-v1:" + strconv.FormatInt(f.sv.ID, 10) + ":" + strconv.FormatInt(before.ID, 10)))
	if _, err := f.e.DB.Exec(ctx, `INSERT INTO survey_responses (survey_id, respondent_key, answers, submitted_at)
		VALUES ($1, $2, '{}', now())`, f.sv.ID, hex.EncodeToString(m.Sum(nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}

	ss := restarted(t, f.e)
	for id, want := range map[int64]int16{f.sv.ID: survey.KeyVersionDatabase, draft.ID: survey.KeyVersionFile} {
		sv, err := ss.GetSurvey(ctx, &f.staff, id)
		if err != nil {
			t.Fatal(err)
		}
		if sv.RespondentKeyVersion != want {
			t.Errorf("survey %d (%s): key version %d, want %d", id, sv.Status, sv.RespondentKeyVersion, want)
		}
	}
	answers := []survey.Answer{
		{QuestionID: f.q["district"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["opinion"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["satisfaction"].ID, Value: new(int)},
	}
	if _, _, err := ss.SubmitResponse(ctx, &before, f.sv.ID, survey.ResponseInput{Answers: answers}); !errs.HasCode(err, "survey_already_answered") {
		t.Fatalf("a second response from the resident who answered before the migration: %v", err)
	}
	if _, err := ss.MyResponse(ctx, &before, f.sv.ID); err != nil {
		t.Fatalf("their response before the migration: %v", err)
	}
	if _, _, err := ss.SubmitResponse(ctx, &after, f.sv.ID, survey.ResponseInput{Answers: answers}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ss.SubmitResponse(ctx, &after, f.sv.ID, survey.ResponseInput{Answers: answers}); !errs.HasCode(err, "survey_already_answered") {
		t.Fatalf("a second response after the migration: %v", err)
	}
	var secrets int
	if err := f.e.DB.QueryRow(ctx, `SELECT count(*) FROM survey_secrets`).Scan(&secrets); err != nil || secrets != 1 {
		t.Fatalf("%d database secrets while a survey uses it (%v)", secrets, err)
	}

	if _, err := ss.CloseSurvey(ctx, &f.staff, f.sv.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.e.DB.QueryRow(ctx, `SELECT count(*) FROM survey_secrets`).Scan(&secrets); err != nil || secrets != 0 {
		t.Fatalf("%d database secrets after the last survey using it closed (%v)", secrets, err)
	}
	_, err = ss.MyResponse(ctx, &before, f.sv.ID)
	if e, ok := errs.As(err); !ok || e.Code != "survey_response_not_found" || !strings.Contains(e.Message, "删除") {
		t.Fatalf("the resident's own response once the secret is gone: %v", err)
	}
	// Deleting the secret stays: a restart does not bring it back.
	restarted(t, f.e)
	if err := f.e.DB.QueryRow(ctx, `SELECT count(*) FROM survey_secrets`).Scan(&secrets); err != nil || secrets != 0 {
		t.Fatalf("%d database secrets after a restart (%v)", secrets, err)
	}
}

// TestRespondentKeyMigrationWithoutSecret: in a database that never took a
// response (no database secret), open surveys move to the key file at
// once; nothing is left to forget.
func TestRespondentKeyMigrationWithoutSecret(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	p := migrateDownTo(t, f.e, 118)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	sv, err := restarted(t, f.e).GetSurvey(ctx, &f.staff, f.sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sv.RespondentKeyVersion != survey.KeyVersionFile {
		t.Fatalf("key version %d", sv.RespondentKeyVersion)
	}
}

// TestRespondentKeyIsTheSameForEveryInstance: an instance started with
// another key file than the one the database's surveys are answered with
// refuses to start (with two keys a resident could answer through each).
func TestRespondentKeyIsTheSameForEveryInstance(t *testing.T) {
	ctx := context.Background()
	e := testenv.New(t)
	if _, err := survey.OpenRespondentKeys(ctx, e.DB, e.SurveyKey); err != nil {
		t.Fatalf("the same key again: %v", err)
	}
	other := make([]byte, 32)
	rand.Read(other)
	_, err := survey.OpenRespondentKeys(ctx, e.DB, other)
	if err == nil || !strings.Contains(err.Error(), "CANYU_SURVEY_KEY_FILE") {
		t.Fatalf("another key: %v", err)
	}
	if _, err := survey.OpenRespondentKeys(ctx, e.DB, other[:16]); err == nil {
		t.Fatal("a 16-byte key accepted")
	}
}
