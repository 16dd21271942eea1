package consultation

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/jackc/pgx/v5"
)

// procedureStatement generates the statement of the procedure followed
// (履行决策法定程序的说明, Decree 713 Art. 26) from what the platform holds:
// the draft version, the consultations with their windows, comment counts
// and handling, the adoption report, surveys (or their waiver) and the
// procedure documents, each with its date.
func procedureStatement(ctx context.Context, tx pgx.Tx, d *Decision, v latestVersion, now time.Time) (string, error) {
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line("关于《" + d.Title + "》履行决策法定程序的说明")
	line("")
	line("决策机关：" + d.DecisionBodyName + "；承办单位：" + d.LeadAgencyName + "。")
	line("送审草案：第" + strconv.Itoa(v.Number) + "版，内容哈希 " + v.Hash + "。")
	n := 0
	item := func(s string) {
		n++
		line(strconv.Itoa(n) + ". " + s)
	}
	line("")
	line("一、公开征求意见（《重大行政决策程序暂行条例》第十四条至第十八条）")
	rows, err := tx.Query(ctx, `SELECT c.id, v.number, c.opens_at, c.ends_at, c.closed_at, c.shortening_reason, c.ways_to_comment,
		(SELECT count(*) FROM comments m WHERE m.consultation_id = c.id),
		(SELECT count(*) FROM comments m WHERE m.consultation_id = c.id AND m.status = 'published'),
		(SELECT count(*) FROM comments m JOIN comment_dispositions x ON x.comment_id = m.id WHERE m.consultation_id = c.id),
		(SELECT count(DISTINCT m.account_id) FROM comments m WHERE m.consultation_id = c.id AND m.status = 'published'),
		(SELECT published_at FROM adoption_reports r WHERE r.consultation_id = c.id AND r.status = 'published')
		FROM consultations c JOIN draft_versions v ON v.id = c.version_id WHERE c.decision_id = $1 ORDER BY c.id`, d.ID)
	if err != nil {
		return "", errs.Internal(err)
	}
	var (
		cid                                      int64
		number                                   int
		opens, ends                              time.Time
		closed, reportAt                         *time.Time
		shortening, ways                         string
		received, published, handled, commenters int
		consultations                            int
	)
	if _, err := pgx.ForEachRow(rows, []any{&cid, &number, &opens, &ends, &closed, &shortening, &ways, &received, &published, &handled, &commenters, &reportAt}, func() error {
		consultations++
		days := int(ends.Sub(opens).Hours()/24 + 0.5)
		s := "第" + strconv.Itoa(number) + "版草案于" + shanghaiDate(opens) + "至" + shanghaiDate(ends) + "公开征求意见，期限" + strconv.Itoa(days) + "日"
		if shortening != "" {
			s += "（缩短期限的理由：" + shortening + "）"
		}
		if closed != nil {
			s += "，" + shanghaiDate(*closed) + "结束"
		}
		s += "。征求意见途径：" + ways + "。共收到公众意见" + strconv.Itoa(received) + "条，其中公开" + strconv.Itoa(published) +
			"条（" + strconv.Itoa(commenters) + "人），已逐条作出处理" + strconv.Itoa(handled) + "条。"
		if reportAt != nil {
			s += "意见采纳情况说明已于" + shanghaiDate(*reportAt) + "公布。"
		} else {
			s += "意见采纳情况说明尚未公布。"
		}
		item(s)
		return nil
	}); err != nil {
		return "", errs.Internal(err)
	}
	if consultations == 0 {
		if d.NotDisclosable {
			item("本决策事项依法不公开征求意见，理由：" + d.NotDisclosableReason + "。")
		} else {
			item("未公开征求意见。")
		}
	}

	line("")
	line("二、民意调查")
	n = 0
	rows, err = tx.Query(ctx, `SELECT s.title, s.opens_at, s.closes_at, s.status,
		coalesce((SELECT t.count FROM survey_tallies t WHERE t.survey_id = s.id AND t.question_id = 0 ORDER BY t.answer_key LIMIT 1), 0)
		FROM surveys s WHERE s.decision_id = $1 AND s.status <> 'draft' ORDER BY s.id`, d.ID)
	if err != nil {
		return "", errs.Internal(err)
	}
	var title, status string
	var respondents int64
	if _, err := pgx.ForEachRow(rows, []any{&title, &opens, &ends, &status, &respondents}, func() error {
		s := "问卷调查“" + title + "”于" + shanghaiDate(opens) + "至" + shanghaiDate(ends) + "开展"
		if status == "closed" {
			s += "（已结束）"
		}
		item(s + "，收到答卷" + strconv.FormatInt(respondents, 10) + "份。")
		return nil
	}); err != nil {
		return "", errs.Internal(err)
	}
	var waiver string
	var waivedAt time.Time
	err = tx.QueryRow(ctx, `SELECT reason, waived_at FROM survey_waivers WHERE decision_id = $1`, d.ID).Scan(&waiver, &waivedAt)
	switch {
	case err == nil:
		item("经书面说明不开展民意调查（" + shanghaiDate(waivedAt) + "）：" + waiver + "。")
	case !errors.Is(err, pgx.ErrNoRows):
		return "", errs.Internal(err)
	}
	if n == 0 {
		item("未开展民意调查。")
	}

	line("")
	line("三、专家论证、风险评估及其他程序材料（第十九条至第二十四条）")
	n = 0
	rows, err = tx.Query(ctx, `SELECT p.kind, p.created_at, coalesce(v.number, 0), p.content FROM procedure_documents p
		LEFT JOIN draft_versions v ON v.id = p.version_id WHERE p.decision_id = $1 ORDER BY p.id`, d.ID)
	if err != nil {
		return "", errs.Internal(err)
	}
	var kind string
	var at time.Time
	var content []byte
	if _, err := pgx.ForEachRow(rows, []any{&kind, &at, &number, &content}, func() error {
		s := procedureDocumentNames[kind]
		if s == "" {
			s = kind
		}
		s += "：" + shanghaiDate(at) + "提交"
		if number > 0 {
			s += "（针对第" + strconv.Itoa(number) + "版草案）"
		}
		item(s + "。" + documentFinding(DocumentKind(kind), content))
		return nil
	}); err != nil {
		return "", errs.Internal(err)
	}
	if n == 0 {
		item("无。")
	}
	line("")
	line("本说明由平台根据决策过程记录于" + shanghaiDate(now) + "生成。")
	return b.String(), nil
}

// procedureDocumentNames are the Chinese names of procedure document kinds.
var procedureDocumentNames = map[string]string{
	"expert_argumentation":     "专家论证",
	"risk_assessment":          "社会稳定风险评估",
	"stakeholder_consultation": "听取特定利益群体意见",
	"hearing_record":           "听证会记录",
	"fair_competition_review":  "公平竞争审查",
}

// documentFinding states what a procedure document found, for the
// procedure statement (issue 13: the statement said an assessment was
// submitted, not its conclusion): the risk assessment's conclusion, the
// fair-competition review's conclusion, the experts' opinion and dissent,
// the views heard and how they were answered.
func documentFinding(kind DocumentKind, content []byte) string {
	c := newDocumentContent(kind)
	if c == nil || json.Unmarshal(content, c) != nil {
		return ""
	}
	switch c := c.(type) {
	case *RiskAssessment:
		s := "评估主体：" + c.Assessor + "；评估结论：" + riskConclusions[string(c.Conclusion)] + "。"
		if c.Conclusion == RiskNotControllable {
			s += "（风险不可控的，须调整草案并重新评估，第二十四条）"
		}
		return s
	case *FairCompetitionReview:
		return "审查单位：" + c.ReviewerUnit + "；审查结论：" + fairCompetitionConclusions[string(c.Conclusion)] + "。"
	case *ExpertArgumentation:
		s := "论证专家" + strconv.Itoa(len(c.Experts)) + "名；论证意见：" + clip(c.OpinionSummary, 200) + "。"
		if len(c.DissentingViews) > 0 {
			s += "不同意见" + strconv.Itoa(len(c.DissentingViews)) + "条。"
		} else {
			s += "无不同意见。"
		}
		return s
	case *StakeholderConsultation:
		return "听取" + strings.Join(c.Groups, "、") + "意见，参加" + strconv.Itoa(c.ParticipantCount) + "人；意见处理和回应：" + clip(c.Response, 200) + "。"
	case *HearingRecord:
		return "听证参加人" + strconv.Itoa(len(c.Participants)) + "名；主要意见：" + clip(c.MainViews, 200) + "。"
	}
	return ""
}

// clip shortens s to at most n runes, marking the cut, and drops a final
// full stop so the caller can add its own.
func clip(s string, n int) string {
	s = strings.TrimRight(strings.TrimSpace(s), "。")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
