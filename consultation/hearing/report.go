package hearing

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// ViewAnswer answers one statement of the hearing record.
type ViewAnswer struct {
	StatementID int64
	Disposition consultation.DispositionKind
	Answer      string
}

// ReportInput is the hearing report: its text (the hearing in brief, the
// main points and reasons) and an answer to each statement.
type ReportInput struct {
	Body    string
	Answers []ViewAnswer
}

// PublishHearingReport publishes the hearing report made from the signed
// record: how each view was handled and why (Art. 17(5)). The record must
// be locked (signed by every participant) and every statement answered.
// Only staff of the lead unit may call it. Codes: hearing_not_found,
// not_lead_unit_staff, hearing_minutes_not_recorded,
// hearing_minutes_not_signed, hearing_report_published, body_required,
// invalid_disposition, statement_not_found, hearing_view_unanswered,
// participation_not_allowed_in_stage.
func (s *Service) PublishHearingReport(ctx context.Context, actor *identity.Account, hearingID int64, in ReportInput) (Hearing, error) {
	in.Body = cleanText(in.Body)
	if err := requireText("body", "听证报告", in.Body, 100000); err != nil {
		return Hearing{}, err
	}
	return s.step(ctx, actor, hearingID, RecordReportPublished, "公布听证报告", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.ReportPublishedAt != nil {
			return nil, errReportPublished
		}
		if h.MinutesRecordedAt == nil {
			return nil, errMinutesMissing
		}
		if h.MinutesLockedAt == nil {
			ps, err := participants(ctx, tx, h.ID)
			if err != nil {
				return nil, err
			}
			var unsigned []string
			for _, p := range ps {
				if p.SignedAt == nil {
					unsigned = append(unsigned, p.Code+" "+p.PublicName)
				}
			}
			return nil, errRule("hearing_minutes_not_signed", "听证笔录须经全体听证参加人确认并签字，拒绝签字或缺席的由承办单位注明；尚未签字也未注明："+
				strings.Join(unsigned, "、"))
		}
		sts, err := statements(ctx, tx, h.ID)
		if err != nil {
			return nil, err
		}
		answers := map[int64]ViewAnswer{}
		for i, a := range in.Answers {
			if _, ok := consultation.DispositionNames[a.Disposition]; !ok {
				return nil, errs.InvalidField("invalid_disposition", fmt.Sprintf("answers[%d].disposition", i), "处理结果无效")
			}
			a.Answer = cleanText(a.Answer)
			if a.Answer == "" || len([]rune(a.Answer)) > consultation.MaxDispositionReasonRunes {
				return nil, errs.InvalidField("reason_required", fmt.Sprintf("answers[%d].answer", i), "请写明采纳情况及理由")
			}
			answers[a.StatementID] = a
		}
		var missing []string
		list := make([]map[string]any, 0, len(sts))
		for _, st := range sts {
			a, ok := answers[st.ID]
			if !ok {
				missing = append(missing, fmt.Sprintf("第%d条（%s）", st.Position, st.Speaker))
				continue
			}
			delete(answers, st.ID)
			if _, err := tx.Exec(ctx, `UPDATE hearing_statements SET disposition = $2, answer = $3 WHERE id = $1`,
				st.ID, a.Disposition, a.Answer); err != nil {
				return nil, errs.Internal(err)
			}
			list = append(list, map[string]any{"position": st.Position, "speaker": st.Speaker, "points": st.Points,
				"disposition": a.Disposition, "answer": a.Answer})
		}
		for id := range answers {
			return nil, errs.InvalidField("statement_not_found", "answers", fmt.Sprintf("听证笔录中没有编号为%d的发言", id))
		}
		if len(missing) > 0 {
			return nil, errRule("hearing_view_unanswered", "听证报告须逐一说明各方意见的采纳情况及理由，尚未答复："+strings.Join(missing, "、"))
		}
		hash := ContentHash(map[string]any{"body": in.Body, "answers": list, "minutes_hash": h.MinutesHash})
		if _, err := tx.Exec(ctx, `UPDATE hearings SET report = $2, report_hash = $3, report_published_at = $4 WHERE id = $1`,
			h.ID, in.Body, hash, s.now()); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"report_hash": hash, "body": in.Body, "answers": list}, nil
	})
}
