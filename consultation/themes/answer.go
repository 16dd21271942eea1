package themes

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// ThemeAnswerInput is one answer for a whole theme.
type ThemeAnswerInput struct {
	Disposition consultation.DispositionKind
	Reason      string
	// ArticlesChanged are the anchors of the articles changed because of
	// the theme's opinions (empty when none was).
	ArticlesChanged []string
	// TemplateID names the answer template used, if any (its reason code
	// goes into the record entry).
	TemplateID *int64
}

// ThemeAnswerResult says what answering a theme did.
type ThemeAnswerResult struct {
	Theme Theme
	consultation.BatchDispositionResult
	// OfflineSet counts the offline opinions placed in the theme that got
	// its answer (offline.go: answerOffline).
	OfflineSet int
}

// AnswerTheme answers every published comment of a theme at once through
// consultation's batch disposition (consultation.SetBatchDisposition: the
// stage rules, the reason rules and the record entry of a disposition): a
// comment already answered individually or as a campaign group keeps its
// answer, one answered by this theme before gets the new one, and each can
// be overridden afterwards with set-comment-disposition. The theme's answer
// (kind, reason, articles changed, template) is stored with it in the same
// transaction. Only staff of the lead unit. Codes: theme_not_found,
// not_lead_unit_staff, theme_merged, theme_analysis_outdated,
// invalid_disposition, disposition_reason_required,
// disposition_reason_too_long, consultation_still_open,
// disposition_not_allowed_in_stage, adoption_report_published,
// comment_not_published, unknown_article, answer_template_not_found.
func (s *Service) AnswerTheme(ctx context.Context, actor *identity.Account, themeID int64, in ThemeAnswerInput) (ThemeAnswerResult, error) {
	d, err := s.writableTheme(ctx, actor, themeID)
	if err != nil {
		return ThemeAnswerResult{}, err
	}
	labels, err := s.articleLabels(ctx, d.ID)
	if err != nil {
		return ThemeAnswerResult{}, err
	}
	changed := []string{}
	var changedLabels []string
	for _, a := range in.ArticlesChanged {
		a = strings.TrimSpace(a)
		if a == "" || contains(changed, a) {
			continue
		}
		if _, ok := labels.names[a]; !ok {
			return ThemeAnswerResult{}, errs.InvalidField("unknown_article", "articles_changed", "所选条款不属于征求意见的草案版本")
		}
		changed = append(changed, a)
		changedLabels = append(changedLabels, labels.label(a))
	}
	note := map[string]any{"theme_id": themeID, "articles_changed": changed}
	if in.TemplateID != nil {
		tp, err := s.getTemplate(ctx, *in.TemplateID)
		if err != nil || tp.DecisionBodyID != d.DecisionBodyID {
			return ThemeAnswerResult{}, errs.InvalidField("answer_template_not_found", "template_id", "答复模板不存在")
		}
		note["reason_code"] = tp.ReasonCode
	}
	// A theme a re-analysis carried on revises the answers of the themes
	// it descends from as its own.
	var carried []string
	var analysisID int64
	if err := s.DB.QueryRow(ctx, `SELECT answer_refs, analysis_id FROM themes WHERE id = $1`, themeID).Scan(&carried, &analysisID); err != nil {
		return ThemeAnswerResult{}, errs.Internal(err)
	}
	// The offline opinions entered since the themes were last read are
	// placed first, so the answer reaches them too.
	if _, err := s.placeOffline(ctx, analysisID, d.ID); err != nil {
		return ThemeAnswerResult{}, err
	}
	offlineSet := 0
	// The comments are read before the batch's transaction; a comment
	// joining the theme meanwhile is answered by the next answer or by hand.
	var ids []int64
	rows, err := s.DB.Query(ctx, `SELECT comment_id FROM theme_members WHERE theme_id = $1 AND removed_at IS NULL ORDER BY comment_id`, themeID)
	if err != nil {
		return ThemeAnswerResult{}, errs.Internal(err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return ThemeAnswerResult{}, errs.Internal(err)
	}
	res, err := s.Consultation.SetBatchDisposition(ctx, actor, d.ID, consultation.BatchDispositionInput{
		Ref: themeRef(themeID), Replaces: carried, CommentIDs: ids, Kind: in.Disposition, Reason: in.Reason, Note: note,
		Within: func(ctx context.Context, tx pgx.Tx, _ consultation.BatchDispositionResult) error {
			if _, err := lockedTheme(ctx, tx, themeID, d.ID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO theme_answers (theme_id, disposition, reason, articles_changed, template_id, answered_by, answered_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (theme_id) DO UPDATE SET disposition = EXCLUDED.disposition, reason = EXCLUDED.reason,
					articles_changed = EXCLUDED.articles_changed, template_id = EXCLUDED.template_id,
					answered_by = EXCLUDED.answered_by, answered_at = EXCLUDED.answered_at`,
				themeID, in.Disposition, strings.TrimSpace(in.Reason), changed, in.TemplateID, actor.ID, s.now())
			if err != nil {
				return errs.Internal(err)
			}
			if s.Opinions != nil {
				offlineSet, err = s.answerOffline(ctx, tx, actor, d.ID, themeID, in, map[string]any{"theme_id": themeID})
			}
			return err
		}})
	if err != nil {
		return ThemeAnswerResult{}, err
	}
	t, err := s.themeByID(ctx, themeID, d.ID)
	return ThemeAnswerResult{Theme: t, BatchDispositionResult: res, OfflineSet: offlineSet}, err
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// AnswerTemplate is a reusable answer with a reason code, kept per
// decision body (决策机关) so its departments answer alike.
type AnswerTemplate struct {
	ID             int64                        `db:"id"`
	DecisionBodyID int64                        `db:"decision_body_id"`
	ReasonCode     string                       `db:"reason_code"`
	Title          string                       `db:"title"`
	Disposition    consultation.DispositionKind `db:"disposition"`
	Reason         string                       `db:"reason"`
	CreatedBy      int64                        `db:"created_by"`
	CreatedAt      time.Time                    `db:"created_at"`
}

var reasonCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)

// AnswerTemplateInput is a template to save.
type AnswerTemplateInput struct {
	ReasonCode  string
	Title       string
	Disposition consultation.DispositionKind
	Reason      string
}

// SaveAnswerTemplate saves (or replaces, by reason code) an answer template
// of the decision's decision body. Staff of the decision's lead unit or of
// its decision body. One record entry on the decision it was saved from.
// Codes: decision_not_found, not_lead_unit_staff, invalid_reason_code,
// template_title_required, invalid_disposition,
// disposition_reason_required, disposition_reason_too_long.
func (s *Service) SaveAnswerTemplate(ctx context.Context, actor *identity.Account, decisionID int64, in AnswerTemplateInput) (AnswerTemplate, error) {
	if actor == nil {
		return AnswerTemplate{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	d, err := s.Consultation.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return AnswerTemplate{}, err
	}
	if !actor.IsStaffOf(d.LeadAgencyID) && !actor.IsStaffOf(d.DecisionBodyID) {
		return AnswerTemplate{}, errs.Forbidden("not_lead_unit_staff", "只有承办单位或决策机关的工作人员可以保存答复模板")
	}
	in.ReasonCode = strings.TrimSpace(in.ReasonCode)
	if !reasonCodePattern.MatchString(in.ReasonCode) {
		return AnswerTemplate{}, errs.InvalidField("invalid_reason_code", "reason_code", "理由代码为1至32位字母、数字、下划线或连字符")
	}
	in.Title = strings.TrimSpace(in.Title)
	if in.Title == "" || utf8.RuneCountInString(in.Title) > MaxLabelRunes {
		return AnswerTemplate{}, errs.InvalidField("template_title_required", "title", "请填写模板名称（不超过60字）")
	}
	if consultation.DispositionNames[in.Disposition] == "" {
		return AnswerTemplate{}, errs.InvalidField("invalid_disposition", "disposition", "处理结果应为采纳、部分采纳、不予采纳或不属于本次征求范围")
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return AnswerTemplate{}, errs.InvalidField("disposition_reason_required", "reason", "请填写处理理由")
	}
	if utf8.RuneCountInString(in.Reason) > consultation.MaxDispositionReasonRunes {
		return AnswerTemplate{}, errs.InvalidField("disposition_reason_too_long", "reason", "处理理由不能超过2000字")
	}
	var out AnswerTemplate
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO theme_answer_templates (decision_body_id, reason_code, title, disposition, reason, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (decision_body_id, reason_code) DO UPDATE SET title = EXCLUDED.title, disposition = EXCLUDED.disposition,
				reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = EXCLUDED.created_at
			RETURNING id`, d.DecisionBodyID, in.ReasonCode, in.Title, in.Disposition, in.Reason, actor.ID, s.now()).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		if err := s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordThemeTemplate, map[string]any{
			"template_id": id, "reason_code": in.ReasonCode, "disposition": in.Disposition, "reason": in.Reason}); err != nil {
			return err
		}
		var err error
		out, err = getTemplateTx(ctx, tx, id)
		return err
	})
	return out, err
}

// ListAnswerTemplates lists the answer templates of the decision's
// decision body by reason code. Readers as ListThemes.
func (s *Service) ListAnswerTemplates(ctx context.Context, actor *identity.Account, decisionID int64) ([]AnswerTemplate, error) {
	d, err := s.readable(ctx, actor, decisionID)
	if err != nil {
		return nil, err
	}
	return pgrows.All[AnswerTemplate](ctx, s.DB, `SELECT id, decision_body_id, reason_code, title, disposition, reason,
		created_by, created_at FROM theme_answer_templates WHERE decision_body_id = $1 ORDER BY reason_code`, d.DecisionBodyID)
}

func (s *Service) getTemplate(ctx context.Context, id int64) (AnswerTemplate, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, decision_body_id, reason_code, title, disposition, reason,
		created_by, created_at FROM theme_answer_templates WHERE id = $1`, id)
	if err != nil {
		return AnswerTemplate{}, errs.Internal(err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AnswerTemplate])
	if errors.Is(err, pgx.ErrNoRows) {
		return t, errs.NotFound("answer_template_not_found", "答复模板不存在")
	}
	if err != nil {
		return t, errs.Internal(err)
	}
	return t, nil
}

func getTemplateTx(ctx context.Context, tx pgx.Tx, id int64) (AnswerTemplate, error) {
	rows, err := tx.Query(ctx, `SELECT id, decision_body_id, reason_code, title, disposition, reason,
		created_by, created_at FROM theme_answer_templates WHERE id = $1`, id)
	if err != nil {
		return AnswerTemplate{}, errs.Internal(err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AnswerTemplate])
	if err != nil {
		return t, errs.Internal(err)
	}
	return t, nil
}
