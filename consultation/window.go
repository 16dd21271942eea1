package consultation

import (
	"context"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
)

// MinConsultationWindow is the shortest public consultation without a stated
// reason: 30 calendar days (Decree 713 Art. 15: 征求意见期限一般不少于30日；
// 因情况紧急等原因需要缩短期限的，公开征求意见时应当予以说明).
const MinConsultationWindow = 30 * 24 * time.Hour

// checkWindow applies the 30-day rule to a window.
func checkWindow(opens, ends time.Time, reason string) *errs.Gate {
	if !ends.After(opens) {
		return &errs.Gate{Code: "consultation_window_invalid", Basis: "Decree 713 Art. 15", Message: "征求意见截止时间必须晚于开始时间"}
	}
	if ends.Sub(opens) < MinConsultationWindow && reason == "" {
		return &errs.Gate{Code: "consultation_window_too_short", Basis: "Decree 713 Art. 15",
			Message: "征求意见期限一般不少于30日；缩短期限的，必须在公告中说明理由"}
	}
	return nil
}

// openingNotGiven: the window and the ways to comment are entered when the
// consultation opens; before that, a checklist shows their gates as not yet
// applicable (they were shown as passed while nothing was entered).
func openingNotGiven(st *GateState) bool { return st.Opening == nil }

func init() {
	addGate(StatusUnderReview, Gate{Code: "consultation_required_before_review", Basis: "Decree 713 Art. 14, 15", Title: "已公开征求意见（依法不公开的决策事项除外）",
		Message: "决策草案须先公开征求意见并处理意见后才能送请合法性审查；只有依法不予公开的决策事项可以不经公开征求意见直接送审", Applies: always,
		Check: func(_ context.Context, st *GateState) (bool, error) {
			return st.Decision.Status != StatusDrafting || st.Decision.NotDisclosable, nil
		}})
	// Art. 26: the package sent for legality review holds the draft. A
	// decision withheld from consultation reaches review from drafting,
	// where the checklist said "all conditions met" with no draft at all
	// (outside check staff2: the new run of a major adjustment).
	addGate(StatusUnderReview, Gate{Code: "draft_version_required", Basis: "Decree 713 Art. 26", Title: "已上传决策草案",
		Message: "送请合法性审查应当提供决策草案：请先上传草案及起草说明", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			var n int
			err := st.Tx.QueryRow(ctx, `SELECT count(*) FROM draft_versions WHERE decision_id = $1`, st.Decision.ID).Scan(&n)
			return n > 0, err
		}})
	addGate(StatusConsulting, Gate{Code: "consultation_not_disclosable", Basis: "Decree 713 Art. 14", Title: "决策事项可以公开征求意见",
		Message: "该决策事项依法不予公开，不能公开征求意见", Applies: always,
		Check: func(_ context.Context, st *GateState) (bool, error) { return !st.Decision.NotDisclosable, nil }})
	addGate(StatusConsulting, Gate{Code: "draft_version_required", Basis: "Decree 713 Art. 15", Title: "已上传决策草案",
		Message: "公开征求意见前必须上传决策草案", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			var n int
			err := st.Tx.QueryRow(ctx, `SELECT count(*) FROM draft_versions WHERE decision_id = $1`, st.Decision.ID).Scan(&n)
			return n > 0, err
		}})
	addGate(StatusConsulting, Gate{Code: "explanation_required", Basis: "Decree 713 Art. 15", Title: "草案附有起草说明",
		Message: "公开征求意见的草案版本必须附有起草说明", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			var ok bool
			err := st.Tx.QueryRow(ctx, `SELECT coalesce((SELECT explanation <> '' FROM draft_versions WHERE decision_id = $1
				ORDER BY number DESC LIMIT 1), false)`, st.Decision.ID).Scan(&ok)
			return ok, err
		}})
	addGate(StatusConsulting, Gate{Code: "ways_to_comment_required", Basis: "Decree 713 Art. 15", Title: "公告写明提出意见的途径",
		Message: "公开征求意见公告必须写明提出意见的方式和途径", Applies: always,
		Deferred: openingNotGiven,
		Check: func(_ context.Context, st *GateState) (bool, error) {
			return st.Opening == nil || st.Opening.WaysToComment != "", nil
		}})
	addGate(StatusConsulting, Gate{Code: "consultation_window_too_short", Basis: "Decree 713 Art. 15", Title: "征求意见期限不少于30日，或说明缩短理由",
		Message: "征求意见期限一般不少于30日；缩短期限的，必须在公告中说明理由", Applies: always,
		Deferred: openingNotGiven,
		Check: func(_ context.Context, st *GateState) (bool, error) {
			if st.Opening == nil {
				return true, nil // checked with the window when opening
			}
			return checkWindow(st.Opening.OpensAt, st.Opening.EndsAt, st.Opening.ShorteningReason) == nil, nil
		}})
	addGate(StatusHandling, Gate{Code: "consultation_not_closed", Basis: "Decree 713 Art. 15", Title: "征求意见期已结束（或依法不公开）",
		Message: "征求意见期尚未结束", Applies: always,
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			if st.Decision.NotDisclosable {
				return true, nil
			}
			var closed bool
			err := st.Tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consultations WHERE decision_id = $1)
				AND NOT EXISTS (SELECT 1 FROM consultations WHERE decision_id = $1 AND closed_at IS NULL AND ends_at > $2)`,
				st.Decision.ID, st.Now).Scan(&closed)
			return closed, err
		}})
}
