package survey_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/survey"
)

// backupHolder is someone with a copy of the database (a backup, a dump, a
// replica) and nothing else: they read rows, never the service's key file.
type backupHolder struct {
	secrets    [][]byte // every key survey_secrets holds
	accountIDs []int64
}

func readBackup(t *testing.T, f *fixture) backupHolder {
	t.Helper()
	ctx := context.Background()
	var b backupHolder
	rows, err := f.e.DB.Query(ctx, `SELECT hmac_key FROM survey_secrets`)
	if err != nil {
		t.Fatal(err)
	}
	if b.secrets, err = pgx.CollectRows(rows, pgx.RowTo[[]byte]); err != nil {
		t.Fatal(err)
	}
	rows, err = f.e.DB.Query(ctx, `SELECT id FROM accounts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if b.accountIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	return b
}

// whoAnswered recomputes the respondent hash for every account id with every
// secret the backup holds (under each domain prefix the code has used) and
// returns the account whose hash is the stored key, or 0.
func (b backupHolder) whoAnswered(surveyID int64, respondentKey string) int64 {
	for _, secret := range b.secrets {
		for _, prefix := range []string{"canyu-survey-respondent-v1:", "canyu-survey-respondent-v2:"} {
			for _, id := range b.accountIDs {
				m := hmac.New(sha256.New, secret)
				m.Write([]byte(prefix + strconv.FormatInt(surveyID, 10) + ":" + strconv.FormatInt(id, 10)))
				if hex.EncodeToString(m.Sum(nil)) == respondentKey {
					return id
				}
			}
		}
	}
	return 0
}

// TestBackupCannotReidentifyAnonymousResponses: the keyed hash that makes
// one response per resident a database rule lived with its secret in the
// same database (survey_secrets), so anyone holding a backup recomputed it
// over every account id and named the resident behind each anonymous
// response. Answers to a survey opened now are keyed with the key file
// outside the database: the backup's rows, survey_secrets included, name
// nobody, while the service (which holds the file) still finds the
// resident's own response and refuses a second one.
func TestBackupCannotReidentifyAnonymousResponses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	// A database that took answers before holds the old secret; the backup
	// has it.
	old := make([]byte, 32)
	rand.Read(old)
	if _, err := f.e.DB.Exec(ctx, `INSERT INTO survey_secrets (id, hmac_key, created_at) VALUES (1, $1, now())
		ON CONFLICT (id) DO NOTHING`, old); err != nil {
		t.Fatal(err)
	}
	people := residents(t, f.e, 5)
	who := people[2]
	answers := []survey.Answer{
		{QuestionID: f.q["district"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["opinion"].ID, Choices: []string{"o1"}},
		{QuestionID: f.q["satisfaction"].ID, Value: new(int)},
	}
	if _, _, err := f.e.Survey.SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: answers}); err != nil {
		t.Fatal(err)
	}
	var rk string
	var account *int64
	if err := f.e.DB.QueryRow(ctx, `SELECT respondent_key, account_id FROM survey_responses WHERE survey_id = $1`, f.sv.ID).
		Scan(&rk, &account); err != nil {
		t.Fatal(err)
	}
	if account != nil {
		t.Fatalf("the anonymous response names account %d", *account)
	}
	b := readBackup(t, f)
	if len(b.secrets) == 0 || len(b.accountIDs) < 5 {
		t.Fatalf("the backup holds %d secrets and %d accounts", len(b.secrets), len(b.accountIDs))
	}
	if id := b.whoAnswered(f.sv.ID, rk); id != 0 {
		t.Fatalf("from the database rows alone, the anonymous response of survey %d is account %d's (the resident was %d)",
			f.sv.ID, id, who.ID)
	}
	// The service, which holds the key file, still knows its own.
	if _, err := f.e.Survey.MyResponse(ctx, &who, f.sv.ID); err != nil {
		t.Fatalf("the resident's own response: %v", err)
	}
	if _, _, err := f.e.Survey.SubmitResponse(ctx, &who, f.sv.ID, survey.ResponseInput{Answers: answers}); !errs.HasCode(err, "survey_already_answered") {
		t.Fatalf("a second response: %v", err)
	}
}
