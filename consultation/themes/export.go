package themes

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/sheet"
	"github.com/canyu-gov/canyu/internal/workday"
)

// ExportFilename is the file name of a themes export, e.g.
// 意见主题-12-20261204.xlsx (the date in Asia/Shanghai).
func ExportFilename(decisionID int64, format string, now time.Time) string {
	return fmt.Sprintf("意见主题-%d-%s.%s", decisionID, now.In(workday.Location()).Format("20060102"), format)
}

var themeExportHeader = []string{"主题", "系统建议名称", "主题标记", "主题统一答复", "答复理由", "归属", "归入方式", "来源渠道",
	"回执编号", "提交时间（北京时间）", "条款", "意见倾向", "审核状态", "该意见的处理结果", "处理理由", "意见内容"}

var addedByNames = map[string]string{"machine": "系统归类", "incremental": "分析后新收到", "staff": "工作人员调整"}

// unthemedLabel heads the rows of the comments in no theme.
const unthemedLabel = "未归入主题"

// ExportThemes writes the themes of the decision's latest analysis as
// staff see them on the board, largest first, each with its comments as
// rows (closest first; a comment in two themes is in both, marked as
// such), then the comments in no theme: the theme's label, the machine's,
// its marks (off-topic, checked, carried on), its answer, and per comment
// how it came into the theme, its receipt, time (Asia/Shanghai), article,
// stance, moderation status, its own answer and text. A text not yet
// moderated is left out, as in consultation's comment export; nothing
// about the author is written. CSV (UTF-8 with a byte-order mark) or XLSX.
// Readers as ListThemes. Codes: invalid_export_format,
// decision_not_found, authentication_required, themes_not_visible,
// theme_analysis_not_found.
func (s *Service) ExportThemes(ctx context.Context, actor *identity.Account, decisionID int64, format string, w io.Writer) error {
	if format != sheet.FormatCSV && format != sheet.FormatXLSX {
		return errs.InvalidField("invalid_export_format", "format", "导出格式应为 csv 或 xlsx")
	}
	list, a, err := s.ListThemes(ctx, actor, decisionID, "")
	if err != nil {
		return err
	}
	labels, err := s.articleLabels(ctx, decisionID)
	if err != nil {
		return err
	}
	out, err := sheet.NewTable(w, format, "意见主题", sheet.Layout{
		Widths:       []float64{24, 24, 16, 12, 40, 10, 12, 18, 22, 20, 12, 10, 10, 14, 40, 80},
		FreezeHeader: true,
	})
	if err != nil {
		return errs.Internal(err)
	}
	defer out.Discard()
	if err := out.WriteRow(themeExportHeader); err != nil {
		return errs.Internal(err)
	}
	ids := make([]int64, len(list))
	byID := make(map[int64]Theme, len(list))
	for i, t := range list {
		ids[i], byID[t.ID] = t.ID, t
	}
	// The members of the listed themes in the board's order, then every
	// comment (not rejected) in none of them.
	rows, err := s.DB.Query(ctx, `SELECT theme_id, is_primary, added_by, confirmed, receipt, created_at, anchor, stance, status, body,
			disposition, reason FROM (
			SELECT m.theme_id, m.is_primary, m.added_by, m.confirmed, m.similarity, c.id, c.receipt, c.created_at,
				coalesce(c.article_anchor, '') AS anchor, coalesce(c.stance, '') AS stance, c.status, c.body,
				coalesce(p.disposition, '') AS disposition, coalesce(p.reason, '') AS reason
			FROM theme_members m JOIN comments c ON c.id = m.comment_id LEFT JOIN comment_dispositions p ON p.comment_id = c.id
			WHERE m.theme_id = ANY($1) AND m.removed_at IS NULL AND c.status <> 'rejected'
			UNION ALL
			SELECT 0, false, '', false, 0, c.id, c.receipt, c.created_at, coalesce(c.article_anchor, ''), coalesce(c.stance, ''),
				c.status, c.body, coalesce(p.disposition, ''), coalesce(p.reason, '')
			FROM comments c LEFT JOIN comment_dispositions p ON p.comment_id = c.id
			WHERE c.decision_id = $2 AND c.status <> 'rejected' AND NOT EXISTS (SELECT 1 FROM theme_members m
				WHERE m.comment_id = c.id AND m.theme_id = ANY($1) AND m.removed_at IS NULL)) x
		ORDER BY theme_id = 0, array_position($1, theme_id), is_primary DESC, similarity DESC, id`, ids, a.DecisionID)
	if err != nil {
		return errs.Internal(err)
	}
	var r struct {
		themeID                                        int64
		primary, confirmed                             bool
		addedBy, receipt, anchor, stance, status, body string
		disposition, reason                            string
		createdAt                                      time.Time
	}
	if _, err := pgx.ForEachRow(rows, []any{&r.themeID, &r.primary, &r.addedBy, &r.confirmed, &r.receipt, &r.createdAt, &r.anchor,
		&r.stance, &r.status, &r.body, &r.disposition, &r.reason}, func() error {
		cells := themeCells(byID[r.themeID], r.themeID != 0)
		belongs, how := "", ""
		if r.themeID != 0 {
			belongs, how = "第一主题", addedByNames[r.addedBy]
			if !r.primary {
				belongs = "同时属于"
			}
			if r.confirmed && r.addedBy != "staff" {
				how += "（核对确认）"
			}
		}
		body := r.body
		if r.status == "pending" {
			body = "[待审核，未导出]"
		}
		status := "已公开"
		if r.status == "pending" {
			status = "待审核"
		}
		cells = append(cells, belongs, how, ChannelNames[ChannelOnline], r.receipt, r.createdAt.In(workday.Location()).Format("2006-01-02 15:04:05"),
			labels.label(r.anchor), StanceNames[Stance(r.stance, r.body)], status,
			consultation.DispositionNames[consultation.DispositionKind(r.disposition)], r.reason, body)
		return out.WriteRow(cells)
	}); err != nil {
		return errs.Internal(err)
	}
	if err := s.exportOffline(ctx, out, list, a.ID, decisionID, labels); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return errs.Internal(err)
	}
	return nil
}

// themeCells are the theme's columns of an export row.
func themeCells(t Theme, themed bool) []string {
	if !themed {
		return []string{unthemedLabel, "", "", "", ""}
	}
	var marks []string
	if t.OffTopic {
		marks = append(marks, "与草案无关")
	}
	if t.CheckedAt != nil {
		marks = append(marks, "已核对")
	}
	if t.CarriedFrom != nil {
		marks = append(marks, "沿用上一版")
	}
	answer, reason := "", ""
	if t.Answer != nil {
		answer, reason = consultation.DispositionNames[t.Answer.Disposition], t.Answer.Reason
	}
	return []string{t.Label, t.MachineLabel, strings.Join(marks, "、"), answer, reason}
}

// exportOffline writes the rows of the opinions received outside the
// online consultation after the comments: those of each theme in the
// board's order, then those in no theme. The channel and the source stand
// where a comment has its channel and receipt, the date received where it
// has its time.
func (s *Service) exportOffline(ctx context.Context, out sheet.Table, list []Theme, analysisID, decisionID int64, labels articleLabeller) error {
	byTheme, all, err := s.withOffline(ctx, list, analysisID, decisionID)
	if err != nil || len(all) == 0 {
		return err
	}
	row := func(t Theme, themed bool, o OfflineOpinion) error {
		cells := themeCells(t, themed)
		belongs, how := "", ""
		if themed {
			belongs, how = "第一主题", addedByNames["machine"]
		}
		cells = append(cells, belongs, how, o.ChannelName, o.Source, o.ReceivedOn.Format("2006-01-02"), labels.label(o.ArticleAnchor),
			StanceNames[Stance("", o.Body)], "", consultation.DispositionNames[o.Disposition], "", o.Body)
		if err := out.WriteRow(cells); err != nil {
			return errs.Internal(err)
		}
		return nil
	}
	placed := map[int64]bool{}
	for _, t := range list {
		for _, o := range byTheme[t.ID] {
			placed[o.ID] = true
			if err := row(t, true, o); err != nil {
				return err
			}
		}
	}
	for _, h := range all {
		if placed[h.ID] {
			continue
		}
		if err := row(Theme{}, false, offlineView(h, labels, 0)); err != nil {
			return err
		}
	}
	return nil
}
