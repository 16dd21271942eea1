package survey

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// OpenSurvey publishes a draft survey: from then on it is fixed, and it
// accepts answers from OpensAt (moved to now when earlier: a survey cannot
// be back-dated) until ClosesAt, when a scheduled job closes it. A linked
// decision's record gets a survey_opened entry. Only staff of the survey's
// agency may call it. Codes: survey_not_found, not_survey_owner,
// survey_not_draft, survey_has_no_questions, survey_window_ended.
func (s *Service) OpenSurvey(ctx context.Context, actor *identity.Account, id int64) (Survey, error) {
	notDraft := errs.Conflict("survey_not_draft", "问卷已经发布过")
	return s.ownerStep(ctx, actor, id, true, StatusDraft, notDraft, func(tx pgx.Tx, sv *Survey) error {
		if len(sv.Questions) == 0 {
			return errs.Conflict("survey_has_no_questions", "问卷还没有题目")
		}
		now := s.now().Truncate(time.Second)
		if !sv.ClosesAt.After(now) {
			return errs.Conflict("survey_window_ended", "问卷的结束时间已过，请先修改结束时间")
		}
		opens := sv.OpensAt
		if opens.Before(now) {
			opens = now
		}
		if _, err := tx.Exec(ctx, `UPDATE surveys SET status = 'open', opens_at = $2, opened_at = $3, updated_at = $3 WHERE id = $1`,
			id, opens, s.now()); err != nil {
			return errs.Internal(err)
		}
		sv.OpensAt = opens
		if err := s.record(ctx, tx, sv, actor, RecordSurveyOpened, map[string]any{"opens_at": opens, "closes_at": sv.ClosesAt,
			"anonymous": sv.Anonymous, "questions": len(sv.Questions), "privacy_notice": sv.PrivacyNotice}); err != nil {
			return err
		}
		if s.Scheduler != nil {
			if err := s.Scheduler.ScheduleSurveyClose(ctx, tx, id, sv.ClosesAt); err != nil {
				return errs.Internal(err)
			}
		}
		return emitSurveyOpened(ctx, tx, sv, now)
	})
}

// closeSurvey closes an open survey inside tx (its row locked) and records
// it on the linked decision; actor nil is the scheduled close.
func (s *Service) closeSurvey(ctx context.Context, tx pgx.Tx, sv *Survey, actor *identity.Account, at time.Time) error {
	var respondents int64
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT count FROM survey_tallies WHERE survey_id = $1 AND question_id = 0 AND answer_key = $2), 0)`,
		sv.ID, keyRespondents).Scan(&respondents); err != nil {
		return errs.Internal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE surveys SET status = 'closed', closed_at = $2, updated_at = $3 WHERE id = $1`, sv.ID, at, s.now()); err != nil {
		return errs.Internal(err)
	}
	// No response lands after this (the row is locked FOR UPDATE, which
	// waited for every submission's FOR SHARE): fold the counter shards into
	// shard 0, so the results of a closed survey, the ones the public
	// reads, add up one row per answer key again.
	if _, err := tx.Exec(ctx, `WITH folded AS (
			DELETE FROM survey_tally_shards WHERE survey_id = $1 RETURNING question_id, answer_key, count
		)
		INSERT INTO survey_tally_shards (survey_id, question_id, answer_key, shard, count)
		SELECT $1, question_id, answer_key, 0, sum(count) FROM folded GROUP BY question_id, answer_key`, sv.ID); err != nil {
		return errs.Internal(err)
	}
	// The last open survey answered under the old database secret closing
	// ends that secret's use: it goes (respondent_key.go).
	if forgot, err := forgetLegacySecret(ctx, tx); err != nil {
		return errs.Internal(err)
	} else if forgot {
		s.Keys.forgetLegacy()
	}
	sv.Status, sv.ClosedAt = StatusClosed, &at
	// The results as they stand at the close, which record verification
	// re-reads (record_check.go).
	results, err := resultsHash(ctx, tx, sv.ID)
	if err != nil {
		return errs.Internal(err)
	}
	responses, err := responsesHash(ctx, tx, sv.ID)
	if err != nil {
		return errs.Internal(err)
	}
	return s.record(ctx, tx, sv, actor, RecordSurveyClosed, map[string]any{"closed_at": at, "respondents": respondents,
		"early": at.Before(sv.ClosesAt), "results_sha256": results, "responses_sha256": responses})
}

// CloseSurvey ends an open survey before its planned end. Only staff of
// the survey's agency may call it. Codes: survey_not_found,
// not_survey_owner, survey_not_open.
func (s *Service) CloseSurvey(ctx context.Context, actor *identity.Account, id int64) (Survey, error) {
	notOpen := errs.Conflict("survey_not_open", "问卷不在进行中")
	return s.ownerStep(ctx, actor, id, false, StatusOpen, notOpen, func(tx pgx.Tx, sv *Survey) error {
		at := s.now()
		if at.After(sv.ClosesAt) {
			at = sv.ClosesAt
		}
		return s.closeSurvey(ctx, tx, sv, actor, at)
	})
}

// CloseDueSurvey closes an open survey whose end has passed; the scheduled
// job calls it. It is idempotent and reports whether it closed the survey.
func (s *Service) CloseDueSurvey(ctx context.Context, id int64) (bool, error) {
	closed := false
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		sv, err := getSurvey(ctx, tx, id, true)
		if errors.Is(err, errSurveyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if sv.Status != StatusOpen || s.now().Before(sv.ClosesAt) {
			return nil
		}
		closed = true
		return s.closeSurvey(ctx, tx, &sv, nil, sv.ClosesAt)
	})
	return closed, err
}

// CloseDueSurveys closes every open survey whose end has passed: the
// backstop of the scheduled jobs, and what tests with an injected clock call.
func (s *Service) CloseDueSurveys(ctx context.Context) (int, error) {
	rows, err := s.DB.Query(ctx, `SELECT id FROM surveys WHERE status = 'open' AND closes_at <= $1 ORDER BY id`, s.now())
	if err != nil {
		return 0, errs.Internal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, errs.Internal(err)
	}
	n := 0
	for _, id := range ids {
		ok, err := s.CloseDueSurvey(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// emitSurveyOpened writes the survey_opened domain event (package events);
// a survey linked to a decision carries the decision's domain.
func emitSurveyOpened(ctx context.Context, tx pgx.Tx, sv *Survey, at time.Time) error {
	e := events.Event{Kind: events.SurveyOpened, OccurredAt: at, AgencyID: sv.AgencyID, SubjectType: events.SubjectSurvey,
		SubjectIDs: []int64{sv.ID}, Public: true, Payload: map[string]any{"survey_id": sv.ID, "survey_title": sv.Title,
			"opens_at": sv.OpensAt, "closes_at": sv.ClosesAt}}
	if sv.DecisionID != nil {
		var title string
		var withheld bool
		if err := tx.QueryRow(ctx, `SELECT domain, title, not_disclosable FROM decisions WHERE id = $1`, *sv.DecisionID).
			Scan(&e.Domain, &title, &withheld); err != nil {
			return errs.Internal(err)
		}
		e.DecisionID, e.Payload["decision_title"], e.Public = *sv.DecisionID, title, !withheld
	}
	if err := events.Emit(ctx, tx, e); err != nil {
		return errs.Internal(err)
	}
	return nil
}
