// Package hearing holds every channel of public participation besides the
// online consultation (Decree 713 Art. 14): participation activities
// (forums 座谈会, hearings 听证会, site visits 实地走访, written requests
// 书面征求意见, online consultations, questionnaires, opinion polls),
// opinions received offline with their dispositions (counted by channel in
// the adoption report through consultation.AddOpinionSource), and hearings
// (Art. 16–17) with their own gates: the notice, the published selection
// method with a committed seed, applications, the verifiable draw, the
// participant list, materials delivered at least 7 days before, the
// hearing record (笔录) signed by every participant, and the hearing report.
//
// It imports consultation for decisions, gates and the adoption report;
// consultation never imports it. Every step appends to the decision's
// process record through record.Appender with evidence hashes of the rows.
package hearing

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Legal bases of the rules of this package.
const (
	BasisChannels = "Decree 713 Art. 14"
	BasisHearing  = "Decree 713 Art. 16"
	BasisProcess  = "Decree 713 Art. 17"
	BasisAnswered = "Decree 713 Art. 18"
)

// Record entry kinds this package writes.
const (
	RecordActivityCreated          record.Kind = "participation_activity_created"
	RecordOfflineOpinions          record.Kind = "offline_opinions_recorded"
	RecordOfflineDisposition       record.Kind = "offline_opinion_disposition_set"
	RecordRequirementSet           record.Kind = "hearing_requirement_set"
	RecordHearingWaived            record.Kind = "hearing_waived"
	RecordHearingCreated           record.Kind = "hearing_created"
	RecordNoticePublished          record.Kind = "hearing_notice_published"
	RecordSelectionMethodPublished record.Kind = "hearing_selection_method_published"
	RecordApplicationReceived      record.Kind = "hearing_application_received"
	RecordParticipantsDrawn        record.Kind = "hearing_participants_drawn"
	RecordParticipantsPublished    record.Kind = "hearing_participants_published"
	RecordMaterialsDelivered       record.Kind = "hearing_materials_delivered"
	RecordMinutesRecorded          record.Kind = "hearing_minutes_recorded"
	RecordMinutesSigned            record.Kind = "hearing_minutes_signed"
	RecordMinutesNotSigned         record.Kind = "hearing_minutes_not_signed"
	RecordMinutesLocked            record.Kind = "hearing_minutes_locked"
	RecordReportPublished          record.Kind = "hearing_report_published"
)

// Service is the participation and hearing use cases.
type Service struct {
	DB *pgxpool.Pool
	// Consultation answers who may see and write a decision and reads its
	// draft versions.
	Consultation *consultation.Service
	// Record appends to the decision's process record.
	Record record.Appender
	// SMS sends the code with which a participant signs the hearing record.
	SMS identity.SMSSender
	// Now is the clock; tests inject one.
	Now func() time.Time
}

// NewService returns a Service on the real clock.
func NewService(db *pgxpool.Pool, cs *consultation.Service, sms identity.SMSSender) *Service {
	return &Service{DB: db, Consultation: cs, Record: cs, SMS: sms, Now: time.Now}
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

var (
	errNotLead         = errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
	errUnauthenticated = errs.Unauthenticated("authentication_required", "请先登录")
)

// leadDecision returns the decision when the actor is staff of its lead
// unit: staff of another agency are told they may not, whether or not the
// decision is visible to them, as for every other decision write.
func (s *Service) leadDecision(ctx context.Context, actor *identity.Account, decisionID int64) (consultation.Decision, error) {
	if actor == nil {
		return consultation.Decision{}, errUnauthenticated
	}
	d, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if errs.HasCode(err, "decision_not_found") && actor.Role == identity.RoleAgencyStaff {
		var lead int64
		if s.DB.QueryRow(ctx, `SELECT lead_agency_id FROM decisions WHERE id = $1`, decisionID).Scan(&lead) == nil {
			return consultation.Decision{}, errNotLead
		}
	}
	if err != nil {
		return consultation.Decision{}, err
	}
	if !actor.IsStaffOf(d.LeadAgencyID) {
		return consultation.Decision{}, errNotLead
	}
	return d, nil
}

// lockHearing takes the decision's row lock (lockOpenStage, refusing once
// the decision has gone to legality review), then the hearing's, and reads
// the hearing; a cancelled hearing takes no further step
// (hearing_cancelled).
func lockHearing(ctx context.Context, tx pgx.Tx, decisionID, hearingID int64, what string) (Hearing, error) {
	if err := lockOpenStage(ctx, tx, decisionID, what); err != nil {
		return Hearing{}, err
	}
	h, err := getHearing(ctx, tx, hearingID, true)
	if err == nil && h.CancelledAt != nil {
		return h, errCancelled
	}
	return h, err
}

// lockOpenStage takes the decision row lock (the one every step of the
// procedure takes, so a stage change cannot pass a gate while a step here
// is half done) and refuses once the decision has gone to legality review:
// participation belongs before it (Art. 14–18, 25).
func lockOpenStage(ctx context.Context, tx pgx.Tx, decisionID int64, what string) error {
	var status consultation.Status
	if err := tx.QueryRow(ctx, `SELECT status FROM decisions WHERE id = $1 FOR UPDATE`, decisionID).Scan(&status); err != nil {
		return errs.Internal(err)
	}
	switch status {
	case consultation.StatusDrafting, consultation.StatusConsulting, consultation.StatusHandling:
		return nil
	}
	return &errs.Error{Kind: errs.KindConflict, Code: "participation_not_allowed_in_stage", Basis: BasisChannels,
		Message: "决策事项处于" + consultation.StatusNames[status] + "阶段，不能再" + what}
}

// evidence is the record.Evidence of a row: the SHA-256 of the canonical
// JSON of what the platform serves of it.
func evidence(table string, id int64, content any) (record.Evidence, error) {
	b, err := consultation.CanonicalJSON(content)
	if err != nil {
		return record.Evidence{}, errs.Internal(err)
	}
	return record.Evidence{Table: table, RowID: id, ContentHash: consultation.SHA256Hex(b)}, nil
}

// ContentHash is the hex SHA-256 of the canonical JSON of v.
func ContentHash(v any) string {
	b, err := consultation.CanonicalJSON(v)
	if err != nil {
		return ""
	}
	return consultation.SHA256Hex(b)
}

// cleanText trims s and normalises line ends.
func cleanText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// requireText checks a required text field and its length in runes.
func requireText(field, label, v string, max int) error {
	if v == "" {
		return errs.InvalidField(field+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(v) > max {
		return errs.InvalidField(field+"_too_long", field, label+"不能超过"+strconv.Itoa(max)+"字")
	}
	return nil
}
