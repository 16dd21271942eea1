package hearing

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// What happens to a hearing after its notice: it is cancelled or
// rescheduled with a public reason. The law fixes the order of the steps
// (Art. 16–17) but not what to do when they cannot be kept; a careful
// organiser says publicly why and when instead, and the platform keeps
// each change in the notice and the process record.

// Record entry kinds of changes to a hearing.
const (
	RecordHearingCancelled   record.Kind = "hearing_cancelled"
	RecordHearingRescheduled record.Kind = "hearing_rescheduled"
)

// CancelHearing calls the hearing off with a public reason, before it is
// held (its record not yet made). Applications stop and no further step
// is taken on it; the notice stays public and says so. Only staff of the
// lead unit may call it, before legality review. Codes:
// hearing_not_found, not_lead_unit_staff, reason_required,
// reason_too_long, hearing_cancelled, hearing_minutes_recorded,
// participation_not_allowed_in_stage.
func (s *Service) CancelHearing(ctx context.Context, actor *identity.Account, hearingID int64, reason string) (Hearing, error) {
	reason = cleanText(reason)
	if err := requireText("reason", "取消的理由", reason, 2000); err != nil {
		return Hearing{}, err
	}
	return s.step(ctx, actor, hearingID, RecordHearingCancelled, "取消听证会", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.MinutesRecordedAt != nil {
			return nil, errRule("hearing_minutes_recorded", "听证会已举行并制作笔录，不能取消")
		}
		if _, err := tx.Exec(ctx, `UPDATE hearings SET cancelled_at = $2, cancel_reason = $3 WHERE id = $1`, h.ID, s.now(), reason); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"reason": reason, "notice_published": h.Published()}, nil
	})
}

// Reschedule is one change of a hearing's time, place or application
// deadline, as the notice shows it.
type Reschedule struct {
	ID                     int64     `db:"id" json:"id"`
	HearingID              int64     `db:"hearing_id" json:"-"`
	OldStartsAt            time.Time `db:"old_starts_at" json:"old_starts_at"`
	NewStartsAt            time.Time `db:"new_starts_at" json:"new_starts_at"`
	OldPlace               string    `db:"old_place" json:"old_place"`
	NewPlace               string    `db:"new_place" json:"new_place"`
	OldApplicationsCloseAt time.Time `db:"old_applications_close_at" json:"old_applications_close_at"`
	NewApplicationsCloseAt time.Time `db:"new_applications_close_at" json:"new_applications_close_at"`
	Reason                 string    `db:"reason" json:"reason"`
	RescheduledAt          time.Time `db:"rescheduled_at" json:"rescheduled_at"`
}

func reschedules(ctx context.Context, q querier, hearingIDs []int64) ([]Reschedule, error) {
	out, err := pgrows.All[Reschedule](ctx, q, `SELECT id, hearing_id, old_starts_at, new_starts_at, old_place, new_place,
		old_applications_close_at, new_applications_close_at, reason, rescheduled_at
		FROM hearing_reschedules WHERE hearing_id = ANY($1) ORDER BY hearing_id, id`, hearingIDs)
	if out == nil {
		out = []Reschedule{}
	}
	return out, err
}

// RescheduleInput changes a hearing's time and, optionally, its place and
// the application deadline. A zero ApplicationsCloseAt and an empty Place
// keep them.
type RescheduleInput struct {
	StartsAt            time.Time
	Place               string
	ApplicationsCloseAt time.Time
	Reason              string
}

// RescheduleHearing moves the hearing to a later time (延期), changes its
// place, or extends applications, with a public reason; the notice shows
// the change and what it replaced. Once the notice is out the hearing is
// never brought forward nor its applications cut short: people plan by
// the notice. Applications may be extended, or reopened after they
// closed, only before the draw (the seed is still secret, so the draw
// stays fair); the application deadline stays at least 7 days before the
// hearing (Art. 16: materials 7 days before). Materials delivered earlier
// stay delivered (they reach participants even earlier before the new
// date). Only staff of the lead unit may call it, before the hearing is
// held and before legality review. Codes: hearing_not_found,
// not_lead_unit_staff, reason_required, reason_too_long,
// place_too_long, hearing_time_in_past,
// hearing_applications_close_in_past, hearing_applications_close_too_late,
// hearing_reschedule_earlier, hearing_applications_close_earlier,
// hearing_already_drawn, hearing_reschedule_unchanged, hearing_already_held,
// hearing_minutes_recorded, hearing_cancelled,
// participation_not_allowed_in_stage.
func (s *Service) RescheduleHearing(ctx context.Context, actor *identity.Account, hearingID int64, in RescheduleInput) (Hearing, error) {
	in.Reason, in.Place = cleanText(in.Reason), cleanText(in.Place)
	if err := requireText("reason", "变更的理由", in.Reason, 2000); err != nil {
		return Hearing{}, err
	}
	if len([]rune(in.Place)) > 200 {
		return Hearing{}, errs.InvalidField("place_too_long", "place", "听证地点不能超过200字")
	}
	return s.step(ctx, actor, hearingID, RecordHearingRescheduled, "变更听证会", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		now := s.now()
		if h.MinutesRecordedAt != nil {
			return nil, errRule("hearing_minutes_recorded", "听证会已举行并制作笔录，不能变更")
		}
		if !now.Before(h.StartsAt) {
			return nil, errAlreadyHeld
		}
		start, place, closeAt := in.StartsAt, in.Place, in.ApplicationsCloseAt
		if start.IsZero() {
			start = h.StartsAt
		}
		if place == "" {
			place = h.Place
		}
		if closeAt.IsZero() {
			closeAt = h.ApplicationsCloseAt
		}
		if !start.After(now) {
			return nil, errs.InvalidField("hearing_time_in_past", "starts_at", "听证会时间须晚于现在")
		}
		if h.Published() && start.Before(h.StartsAt) {
			return nil, errRule("hearing_reschedule_earlier", "听证公告已公布，听证会只能延期，不能提前")
		}
		if !closeAt.Equal(h.ApplicationsCloseAt) {
			if h.DrawnAt != nil {
				return nil, errAlreadyDrawn
			}
			if !closeAt.After(now) {
				return nil, errs.InvalidField("hearing_applications_close_in_past", "applications_close_at", "报名截止时间须晚于现在")
			}
			if h.Published() && closeAt.Before(h.ApplicationsCloseAt) {
				return nil, errRule("hearing_applications_close_earlier", "听证公告已公布，报名时间只能延长，不能缩短")
			}
		}
		if h.DrawnAt == nil && !materialsInTime(dateOf(closeAt), start) {
			return nil, errCloseTooLate(start)
		}
		if start.Equal(h.StartsAt) && place == h.Place && closeAt.Equal(h.ApplicationsCloseAt) {
			return nil, errs.Invalid("hearing_reschedule_unchanged", "听证时间、地点和报名截止时间均未变更")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO hearing_reschedules (hearing_id, old_starts_at, new_starts_at, old_place, new_place,
			old_applications_close_at, new_applications_close_at, reason, rescheduled_by, rescheduled_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, h.ID, h.StartsAt, start.UTC(), h.Place, place, h.ApplicationsCloseAt,
			closeAt.UTC(), in.Reason, actor.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE hearings SET starts_at = $2, place = $3, applications_close_at = $4 WHERE id = $1`,
			h.ID, start.UTC(), place, closeAt.UTC()); err != nil {
			return nil, errs.Internal(err)
		}
		// The activity of kind hearing carries the date and the place.
		if _, err := tx.Exec(ctx, `UPDATE participation_activities SET starts_on = $2, ends_on = $2, place = $3 WHERE id = $1`,
			h.ActivityID, dateOf(start), place); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"reason": in.Reason, "old_starts_at": h.StartsAt.UTC(), "new_starts_at": start.UTC(),
			"old_place": h.Place, "new_place": place, "old_applications_close_at": h.ApplicationsCloseAt.UTC(),
			"new_applications_close_at": closeAt.UTC()}, nil
	})
}
