package themes

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// MaxLabelRunes bounds a theme's label.
const MaxLabelRunes = 60

// MaxMovedComments bounds the comments of one move or split.
const MaxMovedComments = 10_000

func checkLabel(label string) (string, error) {
	label = strings.Join(strings.Fields(label), " ")
	if label == "" {
		return "", errs.InvalidField("theme_label_required", "label", "请填写主题名称")
	}
	if utf8.RuneCountInString(label) > MaxLabelRunes {
		return "", errs.InvalidField("theme_label_too_long", "label", "主题名称不能超过60字")
	}
	return label, nil
}

// themeState is what a staff step checks of a theme.
type themeState struct {
	id, decisionID, analysisID int64
	label                      string
	offTopic, checked          bool
	status                     string
	answered                   bool
}

// lockedTheme locks the decision (through a record-free row lock, as
// Append does) and reads the theme; it must be active and of the latest
// analysis. Codes: theme_not_found, theme_merged, theme_analysis_outdated.
func lockedTheme(ctx context.Context, tx pgx.Tx, themeID, decisionID int64) (themeState, error) {
	if _, err := tx.Exec(ctx, `SELECT 1 FROM decisions WHERE id = $1 FOR UPDATE`, decisionID); err != nil {
		return themeState{}, errs.Internal(err)
	}
	var t themeState
	var latest int64
	err := tx.QueryRow(ctx, `SELECT t.id, t.decision_id, t.analysis_id, t.label, t.off_topic, t.checked_at IS NOT NULL, t.status,
			EXISTS (SELECT 1 FROM theme_answers w WHERE w.theme_id = t.id),
			(SELECT max(id) FROM theme_analyses x WHERE x.decision_id = t.decision_id)
		FROM themes t WHERE t.id = $1 AND t.decision_id = $2`, themeID, decisionID).
		Scan(&t.id, &t.decisionID, &t.analysisID, &t.label, &t.offTopic, &t.checked, &t.status, &t.answered, &latest)
	if err == pgx.ErrNoRows {
		return t, errNoTheme
	}
	if err != nil {
		return t, errs.Internal(err)
	}
	if t.status != "active" {
		return t, errs.Conflict("theme_merged", "该主题已合并到其他主题")
	}
	if t.analysisID != latest {
		return t, errs.Conflict("theme_analysis_outdated", "该主题属于较早的分析版本，请在最新的主题分析上操作")
	}
	return t, nil
}

// ThemeUpdate is a staff change of a theme; nil fields stay.
type ThemeUpdate struct {
	Label    *string
	OffTopic *bool
	// Checked marks the theme checked (its comments read and those that
	// belong elsewhere moved) or not.
	Checked *bool
}

// UpdateTheme renames a theme, marks it off-topic (or not), or marks it
// checked (or not). The machine's label and off-topic suggestion stay
// beside the staff's. A checked theme keeps its comments when the decision
// is analysed again (keep.go). One record entry with the previous and the
// new values. Only staff of the lead unit.
// Codes: theme_not_found, decision_not_found, not_lead_unit_staff,
// theme_merged, theme_analysis_outdated, theme_label_required,
// theme_label_too_long.
func (s *Service) UpdateTheme(ctx context.Context, actor *identity.Account, themeID int64, in ThemeUpdate) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, themeID)
	if err != nil {
		return Theme{}, err
	}
	var label string
	if in.Label != nil {
		if label, err = checkLabel(*in.Label); err != nil {
			return Theme{}, err
		}
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		t, err := lockedTheme(ctx, tx, themeID, d.ID)
		if err != nil {
			return err
		}
		newLabel, newOff := t.label, t.offTopic
		if in.Label != nil {
			newLabel = label
		}
		if in.OffTopic != nil {
			newOff = *in.OffTopic
		}
		// Checking confirms the comments in the theme now; checking a
		// checked theme again confirms those that joined it since.
		check, uncheck := in.Checked != nil && *in.Checked, in.Checked != nil && !*in.Checked && t.checked
		confirmed := 0
		if check {
			tag, err := tx.Exec(ctx, `UPDATE theme_members SET confirmed = true
				WHERE theme_id = $1 AND removed_at IS NULL AND is_primary AND NOT confirmed AND added_by <> 'staff'`, themeID)
			if err != nil {
				return errs.Internal(err)
			}
			confirmed = int(tag.RowsAffected())
			check = !t.checked || confirmed > 0
		}
		if uncheck {
			if _, err := tx.Exec(ctx, `UPDATE theme_members SET confirmed = false WHERE theme_id = $1`, themeID); err != nil {
				return errs.Internal(err)
			}
		}
		if newLabel == t.label && newOff == t.offTopic && !check && !uncheck {
			return nil // nothing changes, nothing to record
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE themes SET label = $2, off_topic = $3, updated_at = $4, updated_by = $5,
				checked_at = CASE WHEN $6 THEN $4 WHEN $7 THEN NULL ELSE checked_at END,
				checked_by = CASE WHEN $6 THEN $5 WHEN $7 THEN NULL ELSE checked_by END
			WHERE id = $1`,
			themeID, newLabel, newOff, now, actor.ID, check, uncheck); err != nil {
			return errs.Internal(err)
		}
		payload := map[string]any{"theme_id": themeID, "label": newLabel, "previous_label": t.label, "off_topic": newOff,
			"previous_off_topic": t.offTopic}
		if check || uncheck {
			payload["checked"], payload["previous_checked"], payload["confirmed_comments"] = check, t.checked, confirmed
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemeUpdated, payload)
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, themeID, d.ID)
}

func (s *Service) themeByID(ctx context.Context, themeID, decisionID int64) (Theme, error) {
	ts, err := s.loadThemes(ctx, s.DB, `t.id = $1`, themeID, decisionID)
	if err != nil {
		return Theme{}, err
	}
	if len(ts) == 0 {
		return Theme{}, errNoTheme
	}
	// A staff step answers with the theme as list-themes shows it,
	// offline opinions counted.
	if _, _, err := s.withOffline(ctx, ts, ts[0].AnalysisID, decisionID); err != nil {
		return Theme{}, err
	}
	return ts[0], nil
}

// MergeThemes merges themes into one of them (into): the others become
// "merged" (kept, with their machine memberships, as the machine suggested
// them) and their comments join into. A theme already answered cannot be
// merged (answer after merging). One record entry. Only staff of the lead
// unit. Codes: theme_not_found, not_lead_unit_staff, theme_merged,
// theme_analysis_outdated, themes_to_merge_required,
// themes_of_other_decisions, theme_answered, theme_label_too_long.
func (s *Service) MergeThemes(ctx context.Context, actor *identity.Account, into int64, others []int64, label string) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, into)
	if err != nil {
		return Theme{}, err
	}
	others = slices.DeleteFunc(slices.Compact(slices.Sorted(slices.Values(others))), func(id int64) bool { return id == into })
	if len(others) == 0 {
		return Theme{}, errs.InvalidField("themes_to_merge_required", "theme_ids", "请至少选择一个要合并的其他主题")
	}
	if label != "" {
		if label, err = checkLabel(label); err != nil {
			return Theme{}, err
		}
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		target, err := lockedTheme(ctx, tx, into, d.ID)
		if err != nil {
			return err
		}
		labels := []string{target.label}
		for _, id := range others {
			o, err := lockedTheme(ctx, tx, id, d.ID)
			if errs.HasCode(err, "theme_not_found") {
				return errs.Conflict("themes_of_other_decisions", "只能合并同一决策事项、同一分析版本的主题")
			}
			if err != nil {
				return err
			}
			if o.analysisID != target.analysisID {
				return errs.Conflict("themes_of_other_decisions", "只能合并同一决策事项、同一分析版本的主题")
			}
			if o.answered || target.answered {
				return errs.Conflict("theme_answered", "已答复的主题不能合并，请先合并再答复")
			}
			labels = append(labels, o.label)
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO theme_members (theme_id, comment_id, similarity, is_primary, added_by, added_at)
			SELECT $1, m.comment_id, max(m.similarity), bool_or(m.is_primary), 'staff', $3 FROM theme_members m
			WHERE m.theme_id = ANY($2) AND m.removed_at IS NULL GROUP BY m.comment_id
			ON CONFLICT (theme_id, comment_id) DO UPDATE SET removed_at = NULL, removed_by = NULL,
				is_primary = theme_members.is_primary OR EXCLUDED.is_primary`, into, others, now); err != nil {
			return errs.Internal(err)
		}
		if _, err := tx.Exec(ctx, `UPDATE themes SET status = 'merged', merged_into = $2, updated_at = $3, updated_by = $4
			WHERE id = ANY($1)`, others, into, now, actor.ID); err != nil {
			return errs.Internal(err)
		}
		// The offline opinions placed in the merged themes are in this one now.
		if _, err := tx.Exec(ctx, `UPDATE theme_offline_placements SET theme_id = $2 WHERE theme_id = ANY($1)`, others, into); err != nil {
			return errs.Internal(err)
		}
		newLabel := target.label
		if label != "" {
			newLabel = label
		}
		if _, err := tx.Exec(ctx, `UPDATE themes SET label = $2, updated_at = $3, updated_by = $4 WHERE id = $1`,
			into, newLabel, now, actor.ID); err != nil {
			return errs.Internal(err)
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemesMerged, map[string]any{
			"into": into, "merged": others, "labels": labels, "label": newLabel})
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, into, d.ID)
}

// moveMembers removes the comments from theme from (marking the
// memberships removed) and adds them to theme to as staff's, also when
// one goes back to a theme the machine had put it in (the machine's
// placement stays in the analysis and the process record); it returns
// their receipts. Every comment must be a current member of from.
func moveMembers(ctx context.Context, tx pgx.Tx, from, to int64, ids []int64, actorID int64, now any) ([]string, error) {
	rows, err := tx.Query(ctx, `UPDATE theme_members m SET removed_at = $3, removed_by = $4
		WHERE m.theme_id = $1 AND m.comment_id = ANY($2) AND m.removed_at IS NULL
		RETURNING m.comment_id, (SELECT receipt FROM comments WHERE id = m.comment_id)`, from, ids, now, actorID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	got := map[int64]string{}
	var id int64
	var receipt string
	if _, err := pgx.ForEachRow(rows, []any{&id, &receipt}, func() error { got[id] = receipt; return nil }); err != nil {
		return nil, errs.Internal(err)
	}
	if len(got) != len(ids) {
		return nil, errs.InvalidField("comment_not_in_theme", "comment_ids", "所选意见并非都属于该主题")
	}
	if _, err := tx.Exec(ctx, `INSERT INTO theme_members (theme_id, comment_id, similarity, is_primary, added_by, added_at)
		SELECT $1, unnest($2::bigint[]), 0, true, 'staff', $3
		ON CONFLICT (theme_id, comment_id) DO UPDATE SET removed_at = NULL, removed_by = NULL, is_primary = true,
			added_by = 'staff', added_at = EXCLUDED.added_at`,
		to, ids, now); err != nil {
		return nil, errs.Internal(err)
	}
	receipts := make([]string, len(ids))
	for i, id := range ids {
		receipts[i] = got[id]
	}
	return receipts, nil
}

func checkMoved(ids []int64) ([]int64, error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) == 0 {
		return nil, errs.InvalidField("comments_required", "comment_ids", "请选择意见")
	}
	if len(ids) > MaxMovedComments {
		return nil, errs.InvalidField("too_many_comments", "comment_ids", "一次最多移动10000条意见")
	}
	return ids, nil
}

// MoveComments moves comments from one theme to another of the same
// analysis (staff's decision; the machine's membership stays, marked
// removed). One record entry with the receipts. Only staff of the lead
// unit. Codes: theme_not_found, not_lead_unit_staff, theme_merged,
// theme_analysis_outdated, comments_required, too_many_comments,
// comment_not_in_theme, same_theme, themes_of_other_decisions.
func (s *Service) MoveComments(ctx context.Context, actor *identity.Account, from, to int64, commentIDs []int64) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, from)
	if err != nil {
		return Theme{}, err
	}
	ids, err := checkMoved(commentIDs)
	if err != nil {
		return Theme{}, err
	}
	if from == to {
		return Theme{}, errs.InvalidField("same_theme", "to_theme_id", "目标主题与原主题相同")
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := lockedTheme(ctx, tx, from, d.ID); err != nil {
			return err
		}
		if _, err := lockedTheme(ctx, tx, to, d.ID); err != nil {
			if errs.HasCode(err, "theme_not_found") {
				return errs.Conflict("themes_of_other_decisions", "只能在同一决策事项、同一分析版本的主题之间移动意见")
			}
			return err
		}
		receipts, err := moveMembers(ctx, tx, from, to, ids, actor.ID, s.now())
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemeCommentsMove, map[string]any{
			"from": from, "to": to, "comment_ids": ids, "receipts": receipts})
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, to, d.ID)
}

// SplitTheme makes a new theme of some comments of a theme, labelled by
// staff; its centroid is computed from those comments with the analysis'
// vocabulary so new comments can join it. One record entry. Only staff of
// the lead unit. Codes: theme_not_found, not_lead_unit_staff, theme_merged,
// theme_analysis_outdated, theme_label_required, theme_label_too_long,
// comments_required, too_many_comments, comment_not_in_theme,
// theme_answered.
func (s *Service) SplitTheme(ctx context.Context, actor *identity.Account, themeID int64, commentIDs []int64, label string) (Theme, error) {
	d, err := s.writableTheme(ctx, actor, themeID)
	if err != nil {
		return Theme{}, err
	}
	if label, err = checkLabel(label); err != nil {
		return Theme{}, err
	}
	ids, err := checkMoved(commentIDs)
	if err != nil {
		return Theme{}, err
	}
	var newID int64
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		t, err := lockedTheme(ctx, tx, themeID, d.ID)
		if err != nil {
			return err
		}
		if t.answered {
			return errs.Conflict("theme_answered", "已答复的主题不能拆分")
		}
		cent, err := s.centroidOf(ctx, tx, t.analysisID, d.ID, ids)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.QueryRow(ctx, `INSERT INTO themes (analysis_id, decision_id, origin, machine_label, label, words, centroid, summary,
				representative_ids, split_from, created_at, updated_at, updated_by)
			VALUES ($1, $2, 'staff', '', $3, '{}', $4, '[]', '{}', $5, $6, $6, $7) RETURNING id`,
			t.analysisID, d.ID, label, cent, themeID, now, actor.ID).Scan(&newID); err != nil {
			return errs.Internal(err)
		}
		receipts, err := moveMembers(ctx, tx, themeID, newID, ids, actor.ID, now)
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordThemeSplit, map[string]any{
			"theme_id": themeID, "new_theme_id": newID, "label": label, "comment_ids": ids, "receipts": receipts})
	})
	if err != nil {
		return Theme{}, err
	}
	return s.themeByID(ctx, newID, d.ID)
}

// centroidOf computes the stored centroid of some comments with the
// analysis' vocabulary and parameters.
func (s *Service) centroidOf(ctx context.Context, tx pgx.Tx, analysisID, decisionID int64, ids []int64) ([]byte, error) {
	an, err := s.vocabulary(ctx, analysisID, decisionID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT body, coalesce(article_anchor, '') FROM comments WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var vs []Vec
	var body, anchor string
	if _, err := pgx.ForEachRow(rows, []any{&body, &anchor}, func() error {
		vs = append(vs, an.voc.commentVector(body, anchor, an.arts, an.p))
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	sv := sparse(centroid(vs, len(an.voc.Terms)), 300)
	b, err := json.Marshal(storedVec{IDs: sv.IDs, W: sv.W})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return b, nil
}

func loadVocabulary(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, analysisID int64) (*Vocabulary, Params, error) {
	var vb, pb []byte
	if err := q.QueryRow(ctx, `SELECT vocabulary, params FROM theme_analyses WHERE id = $1`, analysisID).Scan(&vb, &pb); err != nil {
		return nil, Params{}, errs.Internal(err)
	}
	var voc Vocabulary
	var p Params
	if err := json.Unmarshal(vb, &voc); err != nil {
		return nil, p, errs.Internal(err)
	}
	if err := json.Unmarshal(pb, &p); err != nil {
		return nil, p, errs.Internal(err)
	}
	voc.index()
	return &voc, p, nil
}
