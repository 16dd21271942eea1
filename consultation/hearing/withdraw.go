package hearing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Record entry kinds of withdrawals.
const (
	RecordApplicationWithdrawn  record.Kind = "hearing_application_withdrawn"
	RecordParticipantReplaced   record.Kind = "hearing_participant_replaced"
	RecordParticipantUnreplaced record.Kind = "hearing_participant_not_replaced"
)

// WithdrawInput is a withdrawal: staff name the application (a participant
// who told the lead unit by telephone or letter) and say how they learned
// of it; a resident withdraws their own, the reason optional.
type WithdrawInput struct {
	ApplicationID int64
	Reason        string
}

// WithdrawHearingApplication withdraws an application before the hearing
// begins. Before the draw it takes no part in it. After the draw, a
// selected participant's seat goes to the next of the same side in the
// published ranking who has not withdrawn (递补, as the selection method's
// 其余为候补 promises); when none is left the side may be unrepresented
// and the lead unit has to reschedule or cancel. The public list and the
// draw check show who withdrew and who took the seat, not why. A resident
// withdraws their own application; staff of the lead unit withdraw one they
// name, with a reason. Codes: authentication_required, hearing_not_found,
// not_lead_unit_staff, not_hearing_applicant, application_not_found,
// reason_required, reason_too_long, hearing_application_withdrawn,
// hearing_already_held, hearing_cancelled,
// participation_not_allowed_in_stage.
func (s *Service) WithdrawHearingApplication(ctx context.Context, actor *identity.Account, hearingID int64, in WithdrawInput) (Application, error) {
	if actor == nil {
		return Application{}, errUnauthenticated
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return Application{}, err
	}
	in.Reason = cleanText(in.Reason)
	where := ""
	if actor.Role == identity.RoleResident {
		if len([]rune(in.Reason)) > 500 {
			return Application{}, errs.InvalidField("reason_too_long", "reason", "撤回理由不能超过500字")
		}
		where = fmt.Sprintf("AND account_id = %d", actor.ID)
	} else {
		if _, err := s.leadDecision(ctx, actor, h.DecisionID); err != nil {
			return Application{}, err
		}
		if err := requireText("reason", "撤回的情况说明", in.Reason, 500); err != nil {
			return Application{}, err
		}
		where = fmt.Sprintf("AND id = %d", in.ApplicationID)
	}
	var out Application
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		h, err := lockHearing(ctx, tx, h.DecisionID, hearingID, "撤回听证报名")
		if err != nil {
			return err
		}
		apps, err := pgrows.All[Application](ctx, tx, `SELECT `+applicationColumns+` FROM hearing_applications
			WHERE hearing_id = $1 `+where+` FOR UPDATE`, h.ID)
		if err != nil {
			return err
		}
		if len(apps) == 0 {
			if actor.Role == identity.RoleResident {
				return errs.Forbidden("not_hearing_applicant", "您没有报名参加这场听证会")
			}
			return errs.NotFound("application_not_found", "这场听证会没有该报名")
		}
		a := apps[0]
		if a.WithdrawnAt != nil {
			return errWithdrawn
		}
		now := s.now()
		if !now.Before(h.StartsAt) || h.MinutesRecordedAt != nil {
			return errAlreadyHeld
		}
		var reason *string
		if in.Reason != "" {
			reason = &in.Reason
		}
		if _, err := tx.Exec(ctx, `UPDATE hearing_applications SET withdrawn_at = $2, withdraw_reason = $3, withdrawn_by = $4 WHERE id = $1`,
			a.ID, now, reason, actor.ID); err != nil {
			return errs.Internal(err)
		}
		ev, err := record.Bind(ctx, tx, "hearing_applications", a.ID)
		if err != nil {
			return err
		}
		seated := h.DrawnAt != nil && a.Selected
		if err := s.Record.Append(ctx, tx, h.DecisionID, consultation.RecordActor(actor), RecordApplicationWithdrawn,
			map[string]any{"hearing_id": h.ID, "code": a.Code, "side": a.Side, "after_draw": h.DrawnAt != nil, "participant": seated,
				"by_lead_unit": actor.Role != identity.RoleResident}, ev); err != nil {
			return err
		}
		if seated {
			if err := s.promoteAlternate(ctx, tx, actor, &h, a); err != nil {
				return err
			}
		}
		got, err := listApplications(ctx, tx, h.ID, fmt.Sprintf("AND id = %d", a.ID))
		if err != nil {
			return err
		}
		out = got[0]
		return nil
	})
	return out, err
}

// promoteAlternate gives a withdrawn participant's seat to the next of the
// same side in the draw's ranking who has neither been selected nor
// withdrawn, and records it (or records that no alternate was left).
func (s *Service) promoteAlternate(ctx context.Context, tx pgx.Tx, actor *identity.Account, h *Hearing, gone Application) error {
	next, err := pgrows.All[Application](ctx, tx, `SELECT `+applicationColumns+` FROM hearing_applications
		WHERE hearing_id = $1 AND side = $2 AND NOT selected AND withdrawn_at IS NULL AND draw_rank IS NOT NULL
		ORDER BY draw_rank LIMIT 1`, h.ID, gone.Side)
	if err != nil {
		return err
	}
	if len(next) == 0 {
		return s.Record.Append(ctx, tx, h.DecisionID, consultation.RecordActor(actor), RecordParticipantUnreplaced,
			map[string]any{"hearing_id": h.ID, "withdrawn": gone.Code, "side": gone.Side})
	}
	n := next[0]
	if _, err := tx.Exec(ctx, `UPDATE hearing_applications SET selected = true, replaces = $2, promoted_at = $3 WHERE id = $1`,
		n.ID, gone.Code, s.now()); err != nil {
		return errs.Internal(err)
	}
	ev, err := record.Bind(ctx, tx, "hearing_applications", n.ID)
	if err != nil {
		return err
	}
	return s.Record.Append(ctx, tx, h.DecisionID, consultation.RecordActor(actor), RecordParticipantReplaced,
		map[string]any{"hearing_id": h.ID, "withdrawn": gone.Code, "replacement": n.Code, "side": n.Side, "draw_rank": n.DrawRank,
			"list_published": h.ParticipantsPublishedAt != nil}, ev)
}
