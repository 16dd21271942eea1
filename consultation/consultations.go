package consultation

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Consultation is a public consultation (公开征求意见) of one draft version.
type Consultation struct {
	ID               int64      `db:"id"`
	DecisionID       int64      `db:"decision_id"`
	VersionID        int64      `db:"version_id"`
	VersionNumber    int        `db:"version_number"`
	OpensAt          time.Time  `db:"opens_at"`
	EndsAt           time.Time  `db:"ends_at"`
	OriginalEndsAt   time.Time  `db:"original_ends_at"`
	WaysToComment    string     `db:"ways_to_comment"`
	ShorteningReason string     `db:"shortening_reason"`
	ShowComments     bool       `db:"show_comments"`
	OpenedBy         int64      `db:"opened_by"`
	ClosedAt         *time.Time `db:"closed_at"`
}

// IsOpen reports whether comments are accepted at t.
func (c *Consultation) IsOpen(t time.Time) bool {
	return c.ClosedAt == nil && !t.Before(c.OpensAt) && t.Before(c.EndsAt)
}

// ConsultationInput opens a consultation.
type ConsultationInput struct {
	OpensAt          time.Time // zero: now
	EndsAt           time.Time
	WaysToComment    string
	ShorteningReason string
	ShowComments     bool
}

const consultationColumns = `c.id, c.decision_id, c.version_id, v.number AS version_number, c.opens_at, c.ends_at, c.original_ends_at,
	c.ways_to_comment, c.shortening_reason, c.show_comments, c.opened_by, c.closed_at`

func getLatestConsultation(ctx context.Context, q querier, decisionID int64) (Consultation, error) {
	return queryOne[Consultation](ctx, q, errs.NotFound("consultation_not_found", "该决策事项尚未公开征求意见"),
		`SELECT `+consultationColumns+` FROM consultations c JOIN draft_versions v ON v.id = c.version_id
		WHERE c.decision_id = $1 ORDER BY c.id DESC LIMIT 1`, decisionID)
}

// CurrentConsultation returns the decision's latest consultation, if the
// actor may see the decision. Codes: decision_not_found, consultation_not_found.
func (s *Service) CurrentConsultation(ctx context.Context, actor *identity.Account, decisionID int64) (Consultation, error) {
	if _, err := s.GetDecision(ctx, actor, decisionID); err != nil {
		return Consultation{}, err
	}
	return getLatestConsultation(ctx, s.DB, decisionID)
}

// OpenConsultation opens the public consultation on the latest draft
// version. Only staff of the lead unit may call it. The window must be at
// least 30 calendar days unless a shortening reason is given, which is
// published with the notice (Decree 713 Art. 15). Codes:
// decision_not_found, not_lead_unit_staff, stage_transition_not_allowed,
// procedure_gate_failed (with gates), consultation_window_invalid,
// consultation_window_too_short, ways_to_comment_required.
func (s *Service) OpenConsultation(ctx context.Context, actor *identity.Account, decisionID int64, in ConsultationInput) (Consultation, error) {
	in.WaysToComment = strings.TrimSpace(in.WaysToComment)
	in.ShorteningReason = strings.TrimSpace(in.ShorteningReason)
	now := s.now()
	if in.OpensAt.IsZero() || in.OpensAt.Before(now) {
		// A notice cannot be back-dated: the window starts when it is published.
		in.OpensAt = now
	}
	in.OpensAt = in.OpensAt.UTC().Truncate(time.Second)
	in.EndsAt = in.EndsAt.UTC().Truncate(time.Second)
	if utf8.RuneCountInString(in.WaysToComment) > 2000 || utf8.RuneCountInString(in.ShorteningReason) > 2000 {
		return Consultation{}, errs.Invalid("text_too_long", "说明文字不能超过2000字")
	}
	var out Consultation
	err := s.writeDecision(ctx, actor, decisionID, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		if g := checkWindow(in.OpensAt, in.EndsAt, in.ShorteningReason); g != nil && g.Code == "consultation_window_invalid" {
			return &errs.Error{Kind: errs.KindInvalid, Code: g.Code, Basis: g.Basis, Message: g.Message,
				Fields: []errs.FieldError{{Field: "ends_at", Message: g.Message}}}
		}
		var versionID int64
		var versionNumber int
		var contentHash string
		err = tx.QueryRow(ctx, `SELECT id, number, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`, decisionID).
			Scan(&versionID, &versionNumber, &contentHash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		notice := map[string]any{"opens_at": in.OpensAt, "ends_at": in.EndsAt, "ways_to_comment": in.WaysToComment,
			"shortening_reason": in.ShorteningReason, "version_number": versionNumber, "version_hash": contentHash,
			"show_comments": in.ShowComments}
		if err := s.transitionWith(ctx, tx, actor, &d, StatusConsulting, nil, &in); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO consultations (decision_id, version_id, opens_at, ends_at, original_ends_at, ways_to_comment,
			shortening_reason, show_comments, opened_by) VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8) RETURNING id`,
			decisionID, versionID, in.OpensAt, in.EndsAt, in.WaysToComment, in.ShorteningReason, in.ShowComments, actor.ID).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		notice["consultation_id"] = id
		if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordConsultationOpened, notice); err != nil {
			return err
		}
		if s.Scheduler != nil {
			if err := s.Scheduler.ScheduleConsultationClose(ctx, tx, id, in.EndsAt); err != nil {
				return errs.Internal(err)
			}
		}
		if err := emit(ctx, tx, &d, events.ConsultationOpened, events.SubjectConsultation, []int64{id}, now, map[string]any{
			"consultation_id": id, "opens_at": in.OpensAt, "ends_at": in.EndsAt, "version_number": versionNumber}); err != nil {
			return err
		}
		out, err = getLatestConsultation(ctx, tx, decisionID)
		return err
	})
	return out, err
}

// ExtendConsultation moves the end of an open consultation later. A window
// is never shortened once open (that would cut off residents who planned by
// the published date). Only staff of the lead unit may call it. Codes:
// decision_not_found, not_lead_unit_staff, consultation_not_open,
// consultation_shortening_refused, extension_reason_required.
func (s *Service) ExtendConsultation(ctx context.Context, actor *identity.Account, decisionID int64, endsAt time.Time, reason string) (Consultation, error) {
	reason = strings.TrimSpace(reason)
	endsAt = endsAt.UTC().Truncate(time.Second)
	var out Consultation
	err := s.writeDecision(ctx, actor, decisionID, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		c, err := getLatestConsultation(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		// A window that has not started yet can be extended too; one that
		// has ended cannot be reopened by an extension.
		if d.Status != StatusConsulting || c.ClosedAt != nil || !s.now().Before(c.EndsAt) {
			return errs.Conflict("consultation_not_open", "征求意见期已结束，不能延长")
		}
		if !endsAt.After(c.EndsAt) {
			msg := "征求意见期限只能延长，不能缩短"
			if endsAt.Equal(c.EndsAt) {
				msg = "新的截止时间与现在的截止时间相同；延长请选择更晚的时间"
			}
			return &errs.Error{Kind: errs.KindConflict, Code: "consultation_shortening_refused", Basis: "Decree 713 Art. 15", Message: msg}
		}
		if reason == "" {
			return errs.InvalidField("extension_reason_required", "reason", "延长征求意见期限须说明理由")
		}
		if _, err := tx.Exec(ctx, `UPDATE consultations SET ends_at = $2 WHERE id = $1`, c.ID, endsAt); err != nil {
			return errs.Internal(err)
		}
		if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordConsultationExtended, map[string]any{
			"consultation_id": c.ID, "previous_ends_at": c.EndsAt, "ends_at": endsAt, "reason": reason}); err != nil {
			return err
		}
		if s.Scheduler != nil {
			if err := s.Scheduler.ScheduleConsultationClose(ctx, tx, c.ID, endsAt); err != nil {
				return errs.Internal(err)
			}
		}
		out, err = getLatestConsultation(ctx, tx, decisionID)
		return err
	})
	return out, err
}

// CloseDueConsultation closes a consultation whose window has ended and
// moves the decision to handling, recording both. The scheduled job calls
// it; it is idempotent and does nothing before the (possibly extended) end.
// It reports whether it closed the consultation.
func (s *Service) CloseDueConsultation(ctx context.Context, consultationID int64) (bool, error) {
	closed := false
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var decisionID int64
		if err := tx.QueryRow(ctx, `SELECT decision_id FROM consultations WHERE id = $1`, consultationID).Scan(&decisionID); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return errs.Internal(err)
		}
		d, err := lockDecision(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		var endsAt time.Time
		var closedAt *time.Time
		if err := tx.QueryRow(ctx, `SELECT ends_at, closed_at FROM consultations WHERE id = $1`, consultationID).Scan(&endsAt, &closedAt); err != nil {
			return errs.Internal(err)
		}
		now := s.now()
		if closedAt != nil || now.Before(endsAt) {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE consultations SET closed_at = $2 WHERE id = $1`, consultationID, endsAt); err != nil {
			return errs.Internal(err)
		}
		if _, err := s.appendRecord(ctx, tx, decisionID, nil, RecordConsultationClosed, map[string]any{
			"consultation_id": consultationID, "ends_at": endsAt}); err != nil {
			return err
		}
		if d.Status == StatusConsulting {
			if err := s.transition(ctx, tx, nil, &d, StatusHandling, map[string]any{"reason": "consultation_window_ended"}); err != nil {
				return err
			}
		}
		closed = true
		return nil
	})
	return closed, err
}

// CloseDueConsultations closes every consultation whose end has passed. It
// backs up the scheduled jobs (for instance after a restore) and is what
// tests with an injected clock call.
func (s *Service) CloseDueConsultations(ctx context.Context) (int, error) {
	ids, err := queryIDs(ctx, s.DB, `SELECT id FROM consultations WHERE closed_at IS NULL AND ends_at <= $1 ORDER BY id`, s.now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := s.CloseDueConsultation(ctx, id)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}
