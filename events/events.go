// Package events is the outbox of domain events (issue 17): the steps of a
// decision that residents follow and integrators subscribe to. A service
// calls Emit inside the transaction of the step that causes the event, so
// the event exists exactly when the step committed; consumers read the
// table domain_events after commit, each with its own cursor (Consume), and
// do their slow work (notifications, webhook deliveries) as queued jobs, so
// nothing a consumer does ever blocks or fails the step.
//
// The kinds are stable snake_case codes, shown in the API and in webhook
// bodies only (pages show KindNames):
//
//	consultation_opened            a draft decision is open for public comment
//	                               (subject: consultation)
//	survey_opened                  an opinion survey accepts answers (subject: survey)
//	opinion_answered               staff answered published opinions with a
//	                               disposition, one by one, per group or per
//	                               theme (subject: comment, several ids for a
//	                               group or batch answer)
//	adoption_report_published      the adoption report of a consultation is
//	                               public (subject: adoption_report)
//	decision_published             the decision is published (subject: publication)
//	implementation_report_submitted the implementing unit reported on the
//	                               execution (subject: implementation_report)
//	webhook_paused                 an integrator's webhook failed its last
//	                               attempt and was paused (subject: webhook;
//	                               never public: it tells the organisation's
//	                               owner, named in the payload, and no webhook)
//
// Ids are a monotonic sequence in commit order (see Emit), so a consumer
// that has handled every event up to id N never meets a new event with an
// id at or below N. The table and Emit are a contract: webhooks read the
// same rows, so a kind is never renamed and payload members are only added.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Kind is the stable code of a domain event.
type Kind string

// The kinds of domain events.
const (
	ConsultationOpened            Kind = "consultation_opened"
	SurveyOpened                  Kind = "survey_opened"
	OpinionAnswered               Kind = "opinion_answered"
	AdoptionReportPublished       Kind = "adoption_report_published"
	DecisionPublished             Kind = "decision_published"
	ImplementationReportSubmitted Kind = "implementation_report_submitted"
	// WebhookPaused is about the platform's service to an integrator, not
	// a decision: it is not in Kinds, so no webhook subscribes to it.
	WebhookPaused Kind = "webhook_paused"
)

// Kinds lists every kind of a decision's life, in its order: what
// residents follow and integrators subscribe to.
var Kinds = []Kind{ConsultationOpened, SurveyOpened, OpinionAnswered, AdoptionReportPublished, DecisionPublished,
	ImplementationReportSubmitted}

// KindNames are the Chinese names pages show for the kinds.
var KindNames = map[Kind]string{
	ConsultationOpened:            "开始征求意见",
	SurveyOpened:                  "开始问卷调查",
	OpinionAnswered:               "意见已答复",
	AdoptionReportPublished:       "公布意见采纳情况",
	DecisionPublished:             "决策公布",
	ImplementationReportSubmitted: "报告执行情况",
	WebhookPaused:                 "数据推送暂停",
}

// Subject types of events.
const (
	SubjectConsultation         = "consultation"
	SubjectSurvey               = "survey"
	SubjectComment              = "comment"
	SubjectAdoptionReport       = "adoption_report"
	SubjectPublication          = "publication"
	SubjectImplementationReport = "implementation_report"
	SubjectWebhook              = "webhook"
)

// Event is one domain event as a service emits it.
type Event struct {
	Kind Kind
	// OccurredAt is when the step happened (the service's clock); zero
	// means the database's now().
	OccurredAt time.Time
	// DecisionID, AgencyID: the decision and the agency (the lead unit, or
	// the survey's agency) the event belongs to; 0 when none.
	DecisionID int64
	AgencyID   int64
	// Domain is the livelihood domain (consultation.Domain), "" when none.
	Domain      string
	SubjectType string
	SubjectIDs  []int64
	// Payload holds only what anyone may read (titles, dates, codes); it is
	// sent to webhooks as it is.
	Payload map[string]any
	// Public is false for an event about something not disclosed to the
	// public; webhooks skip those.
	Public bool
}

// Stored is an event as consumers read it.
type Stored struct {
	ID          int64           `db:"id" json:"id"`
	Kind        Kind            `db:"kind" json:"kind"`
	OccurredAt  time.Time       `db:"occurred_at" json:"occurred_at"`
	DecisionID  *int64          `db:"decision_id" json:"decision_id,omitempty"`
	AgencyID    *int64          `db:"agency_id" json:"agency_id,omitempty"`
	Domain      string          `db:"domain" json:"domain"`
	SubjectType string          `db:"subject_type" json:"subject_type"`
	SubjectIDs  []int64         `db:"subject_ids" json:"subject_ids"`
	Payload     json.RawMessage `db:"payload" json:"payload"`
	Public      bool            `db:"public" json:"public"`
}

// orderLock is the key of the transaction advisory lock that puts event ids
// in commit order ("canyu:ev" in ASCII).
const orderLock int64 = 0x63616e79753a6576

// Emit writes e in tx, the transaction of the step that causes it. Call it
// last in the transaction, after the step's own checks and writes: it takes
// a transaction-scoped advisory lock before drawing the id, held until
// commit, so events are numbered in commit order (a reader past id N never
// meets a later commit below N). The lock serialises only the short tail of
// event-emitting transactions, which are staff steps, never a resident's
// comment.
func Emit(ctx context.Context, tx pgx.Tx, e Event) error {
	if e.Kind == "" || e.SubjectType == "" {
		return fmt.Errorf("events: kind and subject type are required")
	}
	payload := e.Payload
	if payload == nil {
		payload = map[string]any{}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("events: payload: %w", err)
	}
	ids := e.SubjectIDs
	if ids == nil {
		ids = []int64{}
	}
	var at *time.Time
	if !e.OccurredAt.IsZero() {
		t := e.OccurredAt.UTC()
		at = &t
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, orderLock); err != nil {
		return fmt.Errorf("events: order lock: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO domain_events (kind, occurred_at, decision_id, agency_id, domain, subject_type, subject_ids,
		payload, public) VALUES ($1, coalesce($2, now()), nullif($3, 0), nullif($4, 0), $5, $6, $7, $8, $9)`,
		string(e.Kind), at, e.DecisionID, e.AgencyID, e.Domain, e.SubjectType, ids, body, e.Public)
	if err != nil {
		return fmt.Errorf("events: insert: %w", err)
	}
	return nil
}
