package survey

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Response is a resident's stored response.
type Response struct {
	ID               int64
	SurveyID         int64
	SubmittedAt      time.Time
	SensitiveConsent bool
	Answers          Answers
}

// ResponseInput is what a resident submits.
type ResponseInput struct {
	Answers []Answer
	// SensitiveConsent is the separate consent to answer questions marked
	// sensitive (PIPL Art. 29); never assumed.
	SensitiveConsent bool
	// IdempotencyKey makes a retry return the first response.
	IdempotencyKey string
}

func requireRespondent(actor *identity.Account) error {
	if err := identity.RequireRole(actor, identity.RoleResident); err != nil {
		return err
	}
	if !actor.Verified() {
		return errs.Forbidden("phone_not_verified", "请先验证手机号码后再填写问卷")
	}
	return nil
}

type storedResponse struct {
	ID               int64     `db:"id"`
	SurveyID         int64     `db:"survey_id"`
	IdempotencyKey   *string   `db:"idempotency_key"`
	SensitiveConsent bool      `db:"sensitive_consent"`
	Answers          []byte    `db:"answers"`
	SubmittedAt      time.Time `db:"submitted_at"`
}

func (r storedResponse) response() (Response, error) {
	out := Response{ID: r.ID, SurveyID: r.SurveyID, SubmittedAt: r.SubmittedAt, SensitiveConsent: r.SensitiveConsent}
	var raw map[string]Answer
	if err := json.Unmarshal(r.Answers, &raw); err != nil {
		return out, errs.Internal(err)
	}
	out.Answers = Answers{}
	for k, a := range raw {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return out, errs.Internal(err)
		}
		a.QuestionID = id
		out.Answers[id] = a
	}
	return out, nil
}

func findResponse(ctx context.Context, q querier, surveyID int64, rk string) (storedResponse, bool, error) {
	return oneResponse(q.Query(ctx, `SELECT id, survey_id, idempotency_key, sensitive_consent, answers, submitted_at
		FROM survey_responses WHERE survey_id = $1 AND respondent_key = $2`, surveyID, rk))
}

// findResponseOf finds an account's response to a survey that is not
// anonymous by the account the row names.
func findResponseOf(ctx context.Context, q querier, surveyID, accountID int64) (storedResponse, bool, error) {
	return oneResponse(q.Query(ctx, `SELECT id, survey_id, idempotency_key, sensitive_consent, answers, submitted_at
		FROM survey_responses WHERE survey_id = $1 AND account_id = $2`, surveyID, accountID))
}

func oneResponse(rows pgx.Rows, err error) (storedResponse, bool, error) {
	if err != nil {
		return storedResponse{}, false, errs.Internal(err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[storedResponse])
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, errs.Internal(err)
	}
	return r, true, nil
}

// replay answers a second submission: the first response when it carries
// the same idempotency key, survey_already_answered otherwise.
func replay(r storedResponse, idem string) (Response, bool, error) {
	if idem != "" && r.IdempotencyKey != nil && *r.IdempotencyKey == idem {
		resp, err := r.response()
		return resp, true, err
	}
	return Response{}, false, errAlreadyAnswered
}

// submitSQL stores a response and increments its counters in one statement
// (one round trip, its own transaction). The survey row is locked FOR
// SHARE with the open/window condition: responses run side by side, while
// a close (which updates the row) waits for them and, once it commits, a
// response waiting on it re-checks the condition against the closed row
// and stores nothing, so none lands after the close. A respondent who
// already answered gets no row from ins (ON CONFLICT DO NOTHING waits for a
// concurrent first submission to commit), and nothing is counted.
const submitSQL = `WITH sv AS (
		SELECT id FROM surveys WHERE id = $1 AND status = 'open' AND opens_at <= $8 AND closes_at > $8 FOR SHARE
	), ins AS (
		INSERT INTO survey_responses (survey_id, respondent_key, account_id, idempotency_key, sensitive_consent, answers, submitted_at)
		SELECT $1, $2, $3, $4, $5, $6, $7 FROM sv
		ON CONFLICT (survey_id, respondent_key) DO NOTHING
		RETURNING id
	), tally AS (
		INSERT INTO survey_tally_shards (survey_id, question_id, answer_key, shard, count)
		SELECT $1, t.q, t.k, $11, 1 FROM ins, unnest($9::bigint[], $10::text[]) AS t(q, k) ORDER BY t.q, t.k
		ON CONFLICT (survey_id, question_id, answer_key, shard) DO UPDATE SET count = survey_tally_shards.count + 1
	)
	SELECT (SELECT id FROM ins), EXISTS (SELECT 1 FROM sv)`

// SubmitResponse stores a verified resident's response, all of it or
// nothing. One response per resident and survey is a database rule: of two
// concurrent submissions one is stored, the other gets
// survey_already_answered. A retry with the first submission's idempotency
// key returns the first response (replayed true) and stores nothing. The
// counters results read are updated in the same statement. Codes:
// authentication_required, forbidden_role, phone_not_verified,
// survey_not_found, survey_not_open, survey_already_answered,
// idempotency_key_invalid, and those of ValidateResponse.
//
// The accepted path is one round trip (issue 8: it was eight): the
// published survey and its questions come from a cache (fixed once open),
// and the statement checks the survey is open, stores the response and
// counts it. Rejections look up why afterwards, in the order a resident
// is told: an earlier response first, then that the survey is not open,
// then what is wrong with the answers.
func (s *Service) SubmitResponse(ctx context.Context, actor *identity.Account, surveyID int64, in ResponseInput) (Response, bool, error) {
	if err := requireRespondent(actor); err != nil {
		return Response{}, false, err
	}
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	if len(in.IdempotencyKey) > 200 {
		return Response{}, false, errs.Invalid("idempotency_key_invalid", "Idempotency-Key 不能超过200个字符")
	}
	sv, err := s.publishedSurvey(ctx, surveyID)
	if err != nil {
		return Response{}, false, err
	}
	rk, err := s.respondentKey(ctx, sv, actor.ID, true)
	if err != nil {
		return Response{}, false, err
	}
	answers, verr := ValidateResponse(sv.Questions, in.Answers, in.SensitiveConsent)
	if verr != nil {
		return s.rejected(ctx, surveyID, rk, in.IdempotencyKey, verr, false)
	}
	stored := map[string]Answer{}
	for id, a := range answers {
		stored[strconv.FormatInt(id, 10)] = a
	}
	body, err := json.Marshal(stored)
	if err != nil {
		return Response{}, false, errs.Internal(err)
	}
	var accountID *int64
	now := s.now()
	submitted := now.Truncate(time.Microsecond)
	if !sv.Anonymous {
		accountID = &actor.ID
	} else {
		// An exact time could be matched with other records of the
		// resident's activity; the day is enough for an anonymous survey.
		submitted = submitted.Truncate(24 * time.Hour)
	}
	var idem *string
	if in.IdempotencyKey != "" {
		idem = &in.IdempotencyKey
	}
	keys := tallyKeys(sv.Questions, answers)
	qids := make([]int64, len(keys))
	names := make([]string, len(keys))
	for i, k := range keys {
		qids[i], names[i] = k.question, k.key
	}
	var id *int64
	var open bool
	// A counter shard no other submission of this instance holds, then a
	// connection (in that order, so none is held while waiting for a shard).
	shard, err := s.shards.take(ctx)
	if err != nil {
		return Response{}, false, errs.Internal(err)
	}
	err = s.DB.QueryRow(ctx, submitSQL, surveyID, rk, accountID, idem, in.SensitiveConsent, body, submitted, now,
		qids, names, shard).Scan(&id, &open)
	s.shards.give(shard)
	if err != nil {
		return Response{}, false, errs.Internal(err)
	}
	if id == nil {
		// Answered before (or concurrently), or not open.
		return s.rejected(ctx, surveyID, rk, in.IdempotencyKey, nil, open)
	}
	return Response{ID: *id, SurveyID: surveyID, SubmittedAt: submitted, SensitiveConsent: in.SensitiveConsent, Answers: answers}, false, nil
}

// rejected answers a submission that stored nothing, in the order a
// resident is told why: the first response when this is a retry of it
// (same idempotency key), survey_already_answered when the resident
// answered before, survey_not_open when the survey does not accept answers
// (open reports whether the write statement found it open; nil invalid),
// and otherwise invalid, the validation error. Only rejections pay for
// these reads.
func (s *Service) rejected(ctx context.Context, surveyID int64, rk, idem string, invalid error, open bool) (Response, bool, error) {
	prev, ok, err := findResponse(ctx, s.DB, surveyID, rk)
	if err != nil {
		return Response{}, false, err
	}
	if ok {
		return replay(prev, idem)
	}
	if invalid == nil {
		if !open {
			return Response{}, false, errNotOpen
		}
		// ON CONFLICT skipped the insert for a committed response of this
		// respondent, which findResponse then sees: not reached while
		// responses are never deleted.
		return Response{}, false, errAlreadyAnswered
	}
	cur, err := getSurvey(ctx, s.DB, surveyID, false)
	if err != nil {
		return Response{}, false, err
	}
	if !cur.AcceptsResponses(s.now()) {
		return Response{}, false, errNotOpen
	}
	return Response{}, false, invalid
}

// MyResponse returns the actor's own response to a survey. Codes:
// authentication_required, forbidden_role, phone_not_verified,
// survey_not_found, survey_response_not_found.
func (s *Service) MyResponse(ctx context.Context, actor *identity.Account, surveyID int64) (Response, error) {
	if err := requireRespondent(actor); err != nil {
		return Response{}, err
	}
	sv, err := getSurvey(ctx, s.DB, surveyID, false)
	if err != nil {
		return Response{}, err
	}
	if !canSee(actor, &sv) {
		return Response{}, errSurveyNotFound
	}
	r, ok, err := s.findMine(ctx, &sv, actor.ID)
	if err != nil {
		return Response{}, err
	}
	if !ok {
		return Response{}, errs.NotFound("survey_response_not_found", "您还没有填写这份问卷")
	}
	return r.response()
}

// findMine finds the account's response to a survey by its respondent hash.
// A survey that is not anonymous names the account in its rows, so its
// responses stay findable after a version 1 secret is deleted; an
// anonymous one's do not (errLegacySecretGone).
func (s *Service) findMine(ctx context.Context, sv *Survey, accountID int64) (storedResponse, bool, error) {
	rk, err := s.respondentKey(ctx, sv, accountID, false)
	if errs.HasCode(err, "survey_response_not_found") && !sv.Anonymous {
		return findResponseOf(ctx, s.DB, sv.ID, accountID)
	}
	if err != nil {
		return storedResponse{}, false, err
	}
	return findResponse(ctx, s.DB, sv.ID, rk)
}
