package consultation

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/sheet"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Export formats of ExportComments.
const (
	ExportCSV  = sheet.FormatCSV
	ExportXLSX = sheet.FormatXLSX
)

// ExportContentType is the media type of an export format.
func ExportContentType(format string) string {
	if format == ExportXLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// ExportFilename is the file name of a comment export, e.g.
// 公众意见-12-20260301.xlsx (the date in Asia/Shanghai).
func ExportFilename(decisionID int64, format string, now time.Time) string {
	return fmt.Sprintf("公众意见-%d-%s.%s", decisionID, now.In(workday.Location()).Format("20060102"), format)
}

// Texts that stand in for a comment's body in an export.
const (
	// Personal information found by moderation never leaves the system
	// again (PIPL Art. 6: minimum necessary).
	exportHiddenPersonalInformation = "[已隐去：含个人信息]"
	// An export is a file that travels (e-mail, shared drives); a text no
	// one has moderated yet may hold personal information, so it is read
	// in the moderation queue, not exported.
	exportHiddenPending = "[待审核，未导出]"
)

var exportHeader = []string{"回执编号", "提交时间（北京时间）", "条款", "条款锚点", "意见倾向", "审核状态", "不予公开原因",
	"意见组", "意见组规模", "处理结果", "处理理由", "提交人（化名）", "手机号（脱敏）", "提交组织", "联署人数", "意见内容"}

var exportStatusNames = map[string]string{"pending": "待审核", "published": "已公开", "rejected": "不予公开"}

var exportRejectionNames = map[string]string{"spam": "广告或垃圾信息", "abuse": "辱骂、攻击等不当言论", "personal_information": "含个人信息",
	"off_topic": "与本次征求意见内容无关", "duplicate_submission": "重复提交"}

type exportRow struct {
	Receipt         string    `db:"receipt"`
	CreatedAt       time.Time `db:"created_at"`
	ArticleAnchor   string    `db:"article_anchor"`
	ArticleLabel    string    `db:"article_label"`
	Stance          string    `db:"stance"`
	Status          string    `db:"status"`
	RejectionReason string    `db:"rejection_reason"`
	GroupID         *int64    `db:"group_id"`
	GroupSize       int       `db:"group_size"`
	Disposition     string    `db:"disposition"`
	Reason          string    `db:"reason"`
	Pseudonym       string    `db:"pseudonym"`
	Phone           string    `db:"phone"`
	Organisation    string    `db:"organisation"`
	SignatoryCount  int       `db:"signatory_count"`
	Body            string    `db:"body"`
}

func (r *exportRow) cells() []string {
	label := r.ArticleLabel
	if r.ArticleAnchor == "" {
		label = wholeDraftLabel
	} else if label == "" {
		label = r.ArticleAnchor
	}
	stance := ""
	if r.Stance != "" {
		stance = stanceNames[r.Stance]
	}
	group, size := "", ""
	if r.GroupID != nil {
		group, size = strconv.FormatInt(*r.GroupID, 10), strconv.Itoa(r.GroupSize)
	}
	phone := ""
	if r.Phone != "" {
		// Staff never see a resident's full number (DOMAIN.md, PIPL).
		phone = identity.MaskPhone(r.Phone)
	}
	signatories := ""
	if r.SignatoryCount > 0 {
		signatories = strconv.Itoa(r.SignatoryCount)
	}
	body := r.Body
	switch {
	case r.Status == "rejected" && r.RejectionReason == "personal_information":
		body = exportHiddenPersonalInformation
	case r.Status == "pending":
		body = exportHiddenPending
	}
	return []string{r.Receipt, r.CreatedAt.In(workday.Location()).Format("2006-01-02 15:04:05"), label, r.ArticleAnchor, stance,
		exportStatusNames[r.Status], exportRejectionNames[r.RejectionReason], group, size,
		DispositionNames[DispositionKind(r.Disposition)], r.Reason, r.Pseudonym, phone, r.Organisation, signatories, body}
}

// ExportComments writes every comment of the decision, whatever its status,
// as CSV (UTF-8 with a byte-order mark) or XLSX: receipt, time (Asia/
// Shanghai), article, stance, moderation status and reason, group and its
// size, disposition and reason, the author's pseudonym and masked phone
// number, the organisation that submitted it on its own behalf and how
// many it speaks for (for an organisation's comment: the account is its
// manager's), and the text. A comment rejected for personal information and a
// comment not yet moderated are exported without their text. Only staff of
// the lead unit may call it. Codes: invalid_export_format,
// decision_not_found, not_lead_unit_staff.
func (s *Service) ExportComments(ctx context.Context, actor *identity.Account, decisionID int64, format string, w io.Writer) error {
	if format != ExportCSV && format != ExportXLSX {
		return errs.InvalidField("invalid_export_format", "format", "导出格式应为 csv 或 xlsx")
	}
	d, err := getDecision(ctx, s.DB, decisionID, false)
	if err != nil {
		return err
	}
	if err := requireLeadWriter(actor, &d); err != nil {
		return err
	}
	if err := s.settleGroups(ctx, d.ID); err != nil {
		return err
	}
	rows, err := s.DB.Query(ctx, `SELECT c.receipt, c.created_at, coalesce(c.article_anchor, '') AS article_anchor,
		coalesce(da.label, '') AS article_label, coalesce(c.stance, '') AS stance, c.status,
		coalesce(c.rejection_reason, '') AS rejection_reason, c.group_id, coalesce(g.size, 0) AS group_size,
		coalesce(p.disposition, '') AS disposition, coalesce(p.reason, '') AS reason, a.pseudonym, coalesce(a.phone, '') AS phone,
		coalesce(org.name, '') AS organisation, coalesce(oc.signatory_count, 0) AS signatory_count, c.body
		FROM comments c
		JOIN accounts a ON a.id = c.account_id
		LEFT JOIN draft_articles da ON da.version_id = c.version_id AND da.anchor = c.article_anchor
		LEFT JOIN comment_groups g ON g.id = c.group_id
		LEFT JOIN comment_dispositions p ON p.comment_id = c.id
		LEFT JOIN organisation_comments oc ON oc.comment_id = c.id
		LEFT JOIN organisations org ON org.id = oc.organisation_id
		WHERE c.decision_id = $1 ORDER BY c.id`, decisionID)
	if err != nil {
		return errs.Internal(err)
	}
	defer rows.Close()
	out, err := sheet.NewTable(w, format, "公众意见", sheet.Layout{
		Widths:       []float64{22, 20, 12, 16, 10, 10, 16, 8, 10, 16, 40, 16, 14, 24, 10, 80},
		FreezeHeader: true,
	})
	if err != nil {
		return errs.Internal(err)
	}
	defer out.Discard()
	if err := out.WriteRow(exportHeader); err != nil {
		return errs.Internal(err)
	}
	scan := pgx.RowToAddrOfStructByName[exportRow]
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return errs.Internal(err)
		}
		if err := out.WriteRow(r.cells()); err != nil {
			return errs.Internal(err)
		}
	}
	if err := rows.Err(); err != nil {
		return errs.Internal(err)
	}
	if err := out.Close(); err != nil {
		return errs.Internal(err)
	}
	return nil
}
