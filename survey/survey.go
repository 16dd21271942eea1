// Package survey runs opinion surveys (民意调查): agencies build a survey of
// ordered questions, open it for a window, verified residents answer it once
// each (a database rule, anonymous surveys included, through a hash keyed
// with a file kept outside the database: respondent_key.go),
// and staff read results, cross-tabulations and exports. A survey linked to
// a decision item writes its lifecycle into that decision's process record,
// and the survey_required gate makes a livelihood decision hold a survey (or
// record a waiver) before legality review.
package survey

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Status is the lifecycle stage of a survey.
type Status string

// The stages: editable while draft, fixed from opening on.
const (
	StatusDraft  Status = "draft"
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// StatusNames are the Chinese names of the stages.
var StatusNames = map[Status]string{StatusDraft: "草稿", StatusOpen: "进行中", StatusClosed: "已结束"}

// Audience says who may answer.
type Audience string

// AudiencePublic is any verified resident.
const AudiencePublic Audience = "public"

// Record entry kinds this package writes into a linked decision's record.
const (
	RecordSurveyOpened            consultation.RecordKind = "survey_opened"
	RecordSurveyClosed            consultation.RecordKind = "survey_closed"
	RecordSurveyRequirementWaived consultation.RecordKind = "survey_requirement_waived"
)

// Survey is an opinion survey.
type Survey struct {
	ID                      int64      `db:"id"`
	AgencyID                int64      `db:"agency_id"`
	AgencyCode              string     `db:"agency_code"`
	AgencyName              string     `db:"agency_name"`
	DecisionID              *int64     `db:"decision_id"`
	Title                   string     `db:"title"`
	Description             string     `db:"description"`
	OpensAt                 time.Time  `db:"opens_at"`
	ClosesAt                time.Time  `db:"closes_at"`
	Audience                Audience   `db:"audience"`
	Anonymous               bool       `db:"anonymous"`
	ResultsPublicAfterClose bool       `db:"results_public_after_close"`
	PrivacyNotice           string     `db:"privacy_notice"`
	Status                  Status     `db:"status"`
	CreatedBy               int64      `db:"created_by"`
	CreatedAt               time.Time  `db:"created_at"`
	UpdatedAt               time.Time  `db:"updated_at"`
	OpenedAt                *time.Time `db:"opened_at"`
	ClosedAt                *time.Time `db:"closed_at"`
	// TargetResponses is the responses the survey aims for, nil when none
	// was set (see Input.TargetResponses).
	TargetResponses *int `db:"target_responses"`
	// RespondentKeyVersion says which secret keys the respondent hash of
	// its responses (KeyVersionDatabase, KeyVersionFile; respondent_key.go).
	RespondentKeyVersion int16 `db:"respondent_key_version"`
	// Questions in display order (filled by GetSurvey and the builder
	// operations, empty in lists).
	Questions []Question `db:"-"`
}

// AcceptsResponses reports whether answers are accepted at t: the survey is
// open and t lies in [OpensAt, ClosesAt).
func (s *Survey) AcceptsResponses(t time.Time) bool {
	return s.Status == StatusOpen && !t.Before(s.OpensAt) && t.Before(s.ClosesAt)
}

// Scheduler schedules the close of a survey at its end even when no
// instance runs at that moment; the job is inserted in the caller's tx.
type Scheduler interface {
	ScheduleSurveyClose(ctx context.Context, tx pgx.Tx, surveyID int64, at time.Time) error
}

// Service is the survey use cases.
type Service struct {
	DB *pgxpool.Pool
	// Consultation writes the linked decision's record and answers who may
	// see a decision.
	Consultation *consultation.Service
	Scheduler    Scheduler
	// Now is the clock; tests inject one.
	Now func() time.Time
	// Keys are the secrets of the respondent hash (OpenRespondentKeys);
	// without them no response can be stored or found.
	Keys *RespondentKeys

	// surveys caches published surveys for SubmitResponse (cache.go).
	surveys surveyCache
	// shards hands out counter shards to submissions (shards.go).
	shards shardPool
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, cs *consultation.Service, sched Scheduler) *Service {
	return &Service{DB: db, Consultation: cs, Scheduler: sched, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

var (
	errSurveyNotFound  = errs.NotFound("survey_not_found", "问卷不存在")
	errNotEditable     = errs.Conflict("survey_not_editable", "问卷已发布，不能再修改")
	errNotSurveyOwner  = errs.Forbidden("not_survey_owner", "只有发起问卷的单位的工作人员可以执行此操作")
	errAlreadyAnswered = errs.Conflict("survey_already_answered", "您已经填写过这份问卷，每人只能填写一次")
	errNotOpen         = errs.Conflict("survey_not_open", "问卷不在填写期内")
)

// canManage reports whether the actor is staff of the survey's agency.
func canManage(actor *identity.Account, sv *Survey) bool { return actor.IsStaffOf(sv.AgencyID) }

// canSee reports whether the actor may read the survey: anyone once it is
// open; its agency's staff and admins while it is a draft.
func canSee(actor *identity.Account, sv *Survey) bool {
	return sv.Status != StatusDraft || canManage(actor, sv) || actor.HasRole(identity.RoleAdmin)
}

// lockOwnedSurvey locks a survey (with its questions when withQuestions)
// for a change only its owner may make, in the one status the change
// needs. Codes: those of requireOwner, or wrongStatus.
func lockOwnedSurvey(ctx context.Context, tx pgx.Tx, actor *identity.Account, id int64, withQuestions bool,
	status Status, wrongStatus error) (Survey, error) {
	get := getSurvey
	if withQuestions {
		get = getSurveyWithQuestions
	}
	sv, err := get(ctx, tx, id, true)
	if err != nil {
		return Survey{}, err
	}
	if err := requireOwner(actor, &sv); err != nil {
		return Survey{}, err
	}
	if sv.Status != status {
		return Survey{}, wrongStatus
	}
	return sv, nil
}

// ownerStep runs fn, a change only the survey's owner may make in status,
// in a transaction on the survey as locked (lockOwnedSurvey) and returns
// the survey as then stored, with its questions.
func (s *Service) ownerStep(ctx context.Context, actor *identity.Account, id int64, withQuestions bool,
	status Status, wrongStatus error, fn func(tx pgx.Tx, sv *Survey) error) (Survey, error) {
	var out Survey
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		sv, err := lockOwnedSurvey(ctx, tx, actor, id, withQuestions, status, wrongStatus)
		if err != nil {
			return err
		}
		if err := fn(tx, &sv); err != nil {
			return err
		}
		out, err = getSurveyWithQuestions(ctx, tx, id, false)
		return err
	})
	return out, err
}

// requireOwner is the check of every builder, lifecycle and export call:
// staff of another agency get not_survey_owner whether or not they may see
// the survey (as for decision writes), anyone else who may not see a draft
// gets survey_not_found.
func requireOwner(actor *identity.Account, sv *Survey) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !canSee(actor, sv) && !actor.HasRole(identity.RoleAgencyStaff) {
		return errSurveyNotFound
	}
	if !canManage(actor, sv) {
		return errNotSurveyOwner
	}
	return nil
}

// record appends a lifecycle entry to the linked decision's record, if any.
func (s *Service) record(ctx context.Context, tx pgx.Tx, sv *Survey, actor *identity.Account, kind consultation.RecordKind, payload map[string]any) error {
	if sv.DecisionID == nil || s.Consultation == nil {
		return nil
	}
	payload["survey_id"] = sv.ID
	payload["survey_title"] = sv.Title
	_, err := s.Consultation.AppendRecordTx(ctx, tx, *sv.DecisionID, actor, kind, payload)
	return err
}
