package survey

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

const surveyColumns = `s.id, s.agency_id, a.code AS agency_code, a.name AS agency_name, s.decision_id, s.title, s.description,
	s.opens_at, s.closes_at, s.audience, s.anonymous, s.results_public_after_close, s.privacy_notice, s.status,
	s.created_by, s.created_at, s.updated_at, s.opened_at, s.closed_at, s.target_responses,
	s.respondent_key_version`

const surveyFrom = ` FROM surveys s JOIN agencies a ON a.id = s.agency_id `

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// getSurvey reads a survey; lock takes its row FOR UPDATE (every builder
// and lifecycle change is serialised on it).
func getSurvey(ctx context.Context, q querier, id int64, lock bool) (Survey, error) {
	sql := "SELECT " + surveyColumns + surveyFrom + "WHERE s.id = $1"
	if lock {
		sql += " FOR UPDATE OF s"
	}
	return pgrows.One[Survey](ctx, q, errSurveyNotFound, sql, id)
}

func getQuestions(ctx context.Context, q querier, surveyID int64) ([]Question, error) {
	return pgrows.All[Question](ctx, q, `SELECT id, survey_id, position, kind, title, help, required, sensitive, config, condition
		FROM survey_questions WHERE survey_id = $1 ORDER BY position`, surveyID)
}

// getSurveyWithQuestions reads a survey with its questions.
func getSurveyWithQuestions(ctx context.Context, q querier, id int64, lock bool) (Survey, error) {
	sv, err := getSurvey(ctx, q, id, lock)
	if err != nil {
		return sv, err
	}
	sv.Questions, err = getQuestions(ctx, q, id)
	return sv, err
}

// Input is the editable part of a survey.
type Input struct {
	Title       string
	Description string
	// DecisionID links the survey to a decision item of the actor's agency
	// as lead unit; nil for a survey of its own.
	DecisionID *int64
	// OpensAt is when answers start (zero: when the survey is opened);
	// ClosesAt when they end.
	OpensAt                 time.Time
	ClosesAt                time.Time
	Anonymous               bool
	ResultsPublicAfterClose bool
	// PrivacyNotice says who collects the answers, why and how long they
	// are kept (PIPL Art. 17); required.
	PrivacyNotice string
	// TargetResponses is the number of responses the survey aims for
	// (nil: none set). For a livelihood decision the survey counts as held
	// only once it closed with at least that many (and the decision body's
	// minimum): the gate survey_required (issue 13 gap 4).
	TargetResponses *int
}

// MaxTargetResponses bounds a survey's target: beyond the population of
// the city the platform serves, a target is a typing error.
const MaxTargetResponses = 1_000_000

func (s *Service) validateInput(ctx context.Context, actor *identity.Account, in Input) (Input, error) {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.PrivacyNotice = strings.TrimSpace(in.PrivacyNotice)
	if in.Title == "" || textLen(in.Title) > 200 {
		return in, errs.InvalidField("survey_title_invalid", "title", "问卷标题不能为空且不超过200字")
	}
	if textLen(in.Description) > 5000 {
		return in, errs.InvalidField("survey_description_too_long", "description", "问卷说明不能超过5000字")
	}
	// PIPL Art. 17: before collecting, tell who collects, why, and how long
	// the answers are kept.
	if in.PrivacyNotice == "" {
		return in, errs.InvalidField("privacy_notice_required", "privacy_notice", "请填写个人信息处理说明：收集者、目的和保存期限")
	}
	if textLen(in.PrivacyNotice) > 3000 {
		return in, errs.InvalidField("privacy_notice_too_long", "privacy_notice", "个人信息处理说明不能超过3000字")
	}
	if t := in.TargetResponses; t != nil && (*t < 1 || *t > MaxTargetResponses) {
		return in, errs.InvalidField("survey_target_invalid", "target_responses", "预定答卷数须为1至1000000之间的整数（不设目标时不填）")
	}
	in.ClosesAt = in.ClosesAt.UTC().Truncate(time.Second)
	if in.OpensAt.IsZero() {
		in.OpensAt = s.now().Truncate(time.Second)
	}
	in.OpensAt = in.OpensAt.UTC().Truncate(time.Second)
	if in.ClosesAt.IsZero() || !in.ClosesAt.After(in.OpensAt) {
		return in, errs.InvalidField("survey_window_invalid", "closes_at", "结束时间应晚于开始时间")
	}
	if in.DecisionID != nil {
		if s.Consultation == nil {
			return in, errs.Internal(errors.New("survey: no consultation service"))
		}
		d, err := s.Consultation.GetDecision(ctx, actor, *in.DecisionID)
		if errs.HasCode(err, "decision_not_found") {
			return in, errs.InvalidField("survey_decision_not_found", "decision_id", "关联的决策事项不存在")
		}
		if err != nil {
			return in, err
		}
		if !actor.IsStaffOf(d.LeadAgencyID) {
			return in, errs.InvalidField("survey_decision_not_lead_unit", "decision_id", "只能关联本单位承办的决策事项")
		}
	}
	return in, nil
}

// CreateSurvey creates a draft survey owned by the actor's agency. Only
// agency staff may call it. Codes: survey_target_invalid, survey_title_invalid,
// survey_description_too_long, privacy_notice_required,
// privacy_notice_too_long, survey_window_invalid, survey_decision_not_found,
// survey_decision_not_lead_unit, forbidden_role.
func (s *Service) CreateSurvey(ctx context.Context, actor *identity.Account, in Input) (Survey, error) {
	if err := identity.RequireRole(actor, identity.RoleAgencyStaff); err != nil {
		return Survey{}, err
	}
	if actor.AgencyID == nil {
		return Survey{}, errNotSurveyOwner
	}
	in, err := s.validateInput(ctx, actor, in)
	if err != nil {
		return Survey{}, err
	}
	var out Survey
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		now := s.now()
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO surveys (agency_id, decision_id, title, description, opens_at, closes_at, anonymous,
			results_public_after_close, privacy_notice, created_by, created_at, updated_at, target_responses, respondent_key_version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13) RETURNING id`,
			*actor.AgencyID, in.DecisionID, in.Title, in.Description, in.OpensAt, in.ClosesAt, in.Anonymous,
			in.ResultsPublicAfterClose, in.PrivacyNotice, actor.ID, now, in.TargetResponses, KeyVersionFile).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		out, err = getSurveyWithQuestions(ctx, tx, id, false)
		return err
	})
	return out, err
}

// UpdateSurvey replaces the editable part of a draft survey. Only staff of
// the survey's agency may call it. Codes: those of CreateSurvey,
// survey_not_found, not_survey_owner, survey_not_editable.
func (s *Service) UpdateSurvey(ctx context.Context, actor *identity.Account, id int64, in Input) (Survey, error) {
	return s.ownerStep(ctx, actor, id, false, StatusDraft, errNotEditable, func(tx pgx.Tx, _ *Survey) error {
		var err error
		if in, err = s.validateInput(ctx, actor, in); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE surveys SET decision_id = $2, title = $3, description = $4, opens_at = $5, closes_at = $6,
			anonymous = $7, results_public_after_close = $8, privacy_notice = $9, updated_at = $10, target_responses = $11 WHERE id = $1`,
			id, in.DecisionID, in.Title, in.Description, in.OpensAt, in.ClosesAt, in.Anonymous, in.ResultsPublicAfterClose,
			in.PrivacyNotice, s.now(), in.TargetResponses); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
}

// GetSurvey returns a survey with its questions. Anyone may read an open or
// closed survey; a draft only its agency's staff and admins (others get
// survey_not_found).
func (s *Service) GetSurvey(ctx context.Context, actor *identity.Account, id int64) (Survey, error) {
	sv, err := getSurveyWithQuestions(ctx, s.DB, id, false)
	if err != nil {
		return Survey{}, err
	}
	if !canSee(actor, &sv) {
		return Survey{}, errSurveyNotFound
	}
	return sv, nil
}

// ListFilter narrows list-surveys.
type ListFilter struct {
	DecisionID int64
	Status     Status
	// Mine lists only the surveys of the actor's agency, drafts included.
	Mine   bool
	Limit  int
	Cursor string
}

// ListSurveys lists the surveys the actor may see, newest first. Codes:
// invalid_cursor, survey_status_invalid.
func (s *Service) ListSurveys(ctx context.Context, actor *identity.Account, f ListFilter) ([]Survey, string, error) {
	after, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	if f.Status != "" && StatusNames[f.Status] == "" {
		return nil, "", errs.InvalidField("survey_status_invalid", "status", "问卷状态无效")
	}
	limit := cursor.Limit(f.Limit)
	var agency int64 = -1
	if actor != nil && actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil {
		agency = *actor.AgencyID
	}
	admin := actor.HasRole(identity.RoleAdmin)
	rows, err := s.DB.Query(ctx, "SELECT "+surveyColumns+surveyFrom+`
		WHERE ($1 = 0 OR s.id < $1)
		  AND (s.status <> 'draft' OR s.agency_id = $2 OR $3)
		  AND (NOT $4 OR s.agency_id = $2)
		  AND ($5 = 0 OR s.decision_id = $5)
		  AND ($6 = '' OR s.status = $6)
		ORDER BY s.id DESC LIMIT $7`, after, agency, admin, f.Mine, f.DecisionID, string(f.Status), limit+1)
	return cursor.Collect(rows, err, limit, pgx.RowToStructByName[Survey], func(v Survey) int64 { return v.ID })
}
