package survey

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

var errQuestionNotFound = errs.NotFound("survey_question_not_found", "题目不存在")

// editDraft runs fn on a draft survey the actor owns, locked, with its
// questions; fn returns the new question list in display order, which is
// checked as a whole (conditions refer to earlier choice questions) and
// stored with positions 1..n. It returns the survey as stored.
func (s *Service) editDraft(ctx context.Context, actor *identity.Account, surveyID int64,
	fn func(tx pgx.Tx, qs []Question) ([]Question, error)) (Survey, error) {
	return s.ownerStep(ctx, actor, surveyID, true, StatusDraft, errNotEditable, func(tx pgx.Tx, sv *Survey) error {
		qs, err := fn(tx, sv.Questions)
		if err != nil {
			return err
		}
		if err := checkConditions(qs); err != nil {
			return err
		}
		for i, q := range qs {
			if q.Position != i+1 {
				// UNIQUE (survey_id, position) is deferred: renumbering may
				// pass through duplicates inside the transaction.
				if _, err := tx.Exec(ctx, `UPDATE survey_questions SET position = $2 WHERE id = $1`, q.ID, i+1); err != nil {
					return errs.Internal(err)
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE surveys SET updated_at = $2 WHERE id = $1`, surveyID, s.now()); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
}

// place moves q to the 1-based position pos of qs (0 or past the end: last).
func place(qs []Question, q Question, pos int) []Question {
	if pos <= 0 || pos > len(qs)+1 {
		pos = len(qs) + 1
	}
	return slices.Insert(qs, pos-1, q)
}

// AddQuestion adds a question to a draft survey, at input.Position or at
// the end, and returns the survey and the new question's id. Only staff of
// the survey's agency may call it. Codes: survey_not_found,
// not_survey_owner, survey_not_editable, survey_too_many_questions,
// question_kind_invalid, question_title_invalid, question_help_too_long,
// question_sensitive_must_be_optional (PIPL Art. 16),
// question_options_invalid, question_choice_limits_invalid,
// question_scale_invalid, question_max_length_invalid,
// question_number_range_invalid, condition_invalid, condition_not_earlier,
// condition_not_choice, condition_option_unknown.
func (s *Service) AddQuestion(ctx context.Context, actor *identity.Account, surveyID int64, in QuestionInput) (Survey, int64, error) {
	var newID int64
	sv, err := s.editDraft(ctx, actor, surveyID, func(tx pgx.Tx, qs []Question) ([]Question, error) {
		if len(qs) >= maxQuestions {
			return nil, errs.Conflict("survey_too_many_questions", "一份问卷最多200道题")
		}
		q, err := normalizeQuestion(in)
		if err != nil {
			return nil, err
		}
		// The new question is stored first (at a position past the end) to
		// get its id; editDraft renumbers.
		if err := tx.QueryRow(ctx, `INSERT INTO survey_questions (survey_id, position, kind, title, help, required, sensitive, config, condition)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			surveyID, len(qs)+1000, q.Kind, q.Title, q.Help, q.Required, q.Sensitive, q.Config, q.Condition).Scan(&q.ID); err != nil {
			return nil, errs.Internal(err)
		}
		q.SurveyID, q.Position, newID = surveyID, len(qs)+1000, q.ID
		return place(qs, q, in.Position), nil
	})
	return sv, newID, err
}

// UpdateQuestion replaces a question of a draft survey; a Position moves
// it. Only staff of the survey's agency may call it. Codes: those of
// AddQuestion, survey_question_not_found.
func (s *Service) UpdateQuestion(ctx context.Context, actor *identity.Account, surveyID, questionID int64, in QuestionInput) (Survey, error) {
	return s.editDraft(ctx, actor, surveyID, func(tx pgx.Tx, qs []Question) ([]Question, error) {
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == questionID })
		if i < 0 {
			return nil, errQuestionNotFound
		}
		q, err := normalizeQuestion(in)
		if err != nil {
			return nil, err
		}
		q.ID, q.SurveyID, q.Position = questionID, surveyID, qs[i].Position
		if _, err := tx.Exec(ctx, `UPDATE survey_questions SET kind = $2, title = $3, help = $4, required = $5, sensitive = $6,
			config = $7, condition = $8 WHERE id = $1`, q.ID, q.Kind, q.Title, q.Help, q.Required, q.Sensitive, q.Config, q.Condition); err != nil {
			return nil, errs.Internal(err)
		}
		pos := in.Position
		if pos == 0 {
			pos = i + 1
		}
		return place(slices.Delete(qs, i, i+1), q, pos), nil
	})
}

// DeleteQuestion removes a question from a draft survey. A question that
// another question's display condition refers to cannot be removed until
// that condition is changed. Only staff of the survey's agency may call it.
// Codes: survey_not_found, not_survey_owner, survey_not_editable,
// survey_question_not_found, survey_question_referenced.
func (s *Service) DeleteQuestion(ctx context.Context, actor *identity.Account, surveyID, questionID int64) (Survey, error) {
	return s.editDraft(ctx, actor, surveyID, func(tx pgx.Tx, qs []Question) ([]Question, error) {
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == questionID })
		if i < 0 {
			return nil, errQuestionNotFound
		}
		for _, q := range qs {
			if q.Condition != nil && q.Condition.QuestionID == questionID {
				return nil, errs.Conflict("survey_question_referenced", "其他题目的显示条件引用了这道题，请先修改那些条件")
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM survey_questions WHERE id = $1`, questionID); err != nil {
			return nil, errs.Internal(err)
		}
		return slices.Delete(qs, i, i+1), nil
	})
}
