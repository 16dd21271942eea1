package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// A closed survey's results are what the public charts show and what the
// survey_required gate counts (a livelihood decision's survey is held only
// once it closed with its target reached); they live in counter rows and
// responses that no trigger guards. The survey_closed entry records the
// respondents and, since this check, the SHA-256 of the results
// (resultsHash) and of the responses (responsesHash), and verification re-reads both against it, so a count
// raised or a response removed in the database names the entry.
func init() {
	record.RegisterCheck(record.Check{Name: "survey results", Label: "已结束问卷的结果和答卷", Online: checkClosedSurveys})
}

// rowQuerier is what resultsHash reads through: a transaction or a pool.
type rowQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// resultsHash is the SHA-256 of a survey's results: the canonical JSON of
// [question_id, answer_key, count] for every counter, in order.
func resultsHash(ctx context.Context, q rowQuerier, surveyID int64) (string, error) {
	rows, err := q.Query(ctx, `SELECT question_id, answer_key, count FROM survey_tallies WHERE survey_id = $1
		ORDER BY question_id, answer_key`, surveyID)
	if err != nil {
		return "", err
	}
	results := [][]any{}
	var question, count int64
	var key string
	if _, err := pgx.ForEachRow(rows, []any{&question, &key, &count}, func() error {
		results = append(results, []any{question, key, count})
		return nil
	}); err != nil {
		return "", err
	}
	body, err := record.CanonicalJSON(results)
	if err != nil {
		return "", err
	}
	return record.SHA256Hex(body), nil
}

// responsesHash is the SHA-256 of a survey's responses: the canonical JSON
// of [id, respondent_key, answers] for every response, in order of id (the
// cross-tabulation and the exports read them, not the counters).
func responsesHash(ctx context.Context, q rowQuerier, surveyID int64) (string, error) {
	rows, err := q.Query(ctx, `SELECT id, respondent_key, answers::text FROM survey_responses WHERE survey_id = $1 ORDER BY id`, surveyID)
	if err != nil {
		return "", err
	}
	responses := [][]any{}
	var id int64
	var key, answers string
	if _, err := pgx.ForEachRow(rows, []any{&id, &key, &answers}, func() error {
		dec := json.NewDecoder(strings.NewReader(answers))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return err
		}
		responses = append(responses, []any{id, key, v})
		return nil
	}); err != nil {
		return "", err
	}
	body, err := record.CanonicalJSON(responses)
	if err != nil {
		return "", err
	}
	return record.SHA256Hex(body), nil
}

func checkClosedSurveys(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check, at the entry changed.
	if !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	for _, e := range entries {
		if e.Kind != RecordSurveyClosed {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err), nil
		}
		id, _ := record.PayloadInt(p, "survey_id")
		recorded, _ := record.PayloadInt(p, "respondents")
		where := fmt.Sprintf("entry %d (%s): survey %d", e.Seq, e.Kind, id)
		var counted, stored int64
		if err := q.QueryRow(ctx, `SELECT coalesce((SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0
			AND answer_key = $2), 0), (SELECT count(*) FROM survey_responses WHERE survey_id = $1)`, id, keyRespondents).
			Scan(&counted, &stored); err != nil {
			return 0, "", err
		}
		if counted != recorded {
			return e.Seq, fmt.Sprintf("%s counts %d respondents in its results, the record says %d", where, counted, recorded), nil
		}
		if stored != recorded {
			return e.Seq, fmt.Sprintf("%s holds %d responses, the record says %d respondents", where, stored, recorded), nil
		}
		if want := record.PayloadString(p, "results_sha256"); want != "" {
			got, err := resultsHash(ctx, q, id)
			if err != nil {
				return 0, "", err
			}
			if got != want {
				return e.Seq, fmt.Sprintf("%s: its results differ from those recorded at its close (recorded %s…, now %s…)", where,
					record.HashPrefix(want), record.HashPrefix(got)), nil
			}
		}
		if want := record.PayloadString(p, "responses_sha256"); want != "" {
			got, err := responsesHash(ctx, q, id)
			if err != nil {
				return 0, "", err
			}
			if got != want {
				return e.Seq, fmt.Sprintf("%s: its responses differ from those recorded at its close (recorded %s…, now %s…)", where,
					record.HashPrefix(want), record.HashPrefix(got)), nil
			}
		}
	}
	return 0, "", nil
}
