package consultation

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The adoption report (意见采纳情况说明, Decree 713 Art. 18, 29, 32): the
// figures are computed from the comments and their dispositions, a readable
// text is generated from the figures, staff edit the text, and publishing
// freezes both (published_hash, and the full text and figures in the
// process record). While it is a draft it is an internal working document:
// only the lead unit sees it, and it is not recorded (the record is public
// once the decision is, and a draft must not leak through it).

// Bounds of the report.
const (
	MaxAdoptionReportRunes = 100_000
	// mainOpinionCount is how many of the largest groups the report
	// quotes, and topArticleCount how many of the most-commented articles.
	mainOpinionCount = 10
	topArticleCount  = 5
	// repliesPerOpinion bounds the distinct (disposition, reason) pairs
	// listed for one group or article.
	repliesPerOpinion = 5
	// opinionTextRunes bounds the quoted representative text of a group.
	opinionTextRunes = 1000
)

// wholeDraftLabel labels comments on the whole draft rather than one article.
const wholeDraftLabel = "草案整体"

// stanceNames are the Chinese names of the stances; "none" is a comment
// without a stated stance.
var stanceNames = map[string]string{"support": "支持", "oppose": "反对", "suggestion": "建议", "none": "未表明态度"}

// stanceOrder lists the stances in display order.
var stanceOrder = []string{"support", "oppose", "suggestion", "none"}

// AdoptionFigures are the figures of an adoption report. Counts by article,
// stance and disposition are over published comments only; pending and
// rejected comments appear only in the totals (a rejected comment is never
// public, DOMAIN.md stage 3). No field carries personal data.
type AdoptionFigures struct {
	DecisionID     int64     `json:"decision_id"`
	DecisionTitle  string    `json:"decision_title"`
	LeadAgency     string    `json:"lead_agency"`
	ConsultationID int64     `json:"consultation_id"`
	VersionNumber  int       `json:"version_number"`
	OpensAt        time.Time `json:"opens_at"`
	EndsAt         time.Time `json:"ends_at"`
	// Participants is the number of distinct accounts with a published comment.
	Participants       int `json:"participants"`
	Received           int `json:"comments_received"`
	Published          int `json:"comments_published"`
	Rejected           int `json:"comments_rejected"`
	Pending            int `json:"comments_pending"`
	WithoutDisposition int `json:"comments_without_disposition"`
	// ByArticle lists every article of the consulted version in reading
	// order, then the whole draft.
	ByArticle     []ArticleFigure `json:"by_article"`
	ByStance      []CountFigure   `json:"by_stance"`
	ByDisposition []CountFigure   `json:"by_disposition"`
	// MainOpinions are the largest groups of identical or near-identical
	// published comments (a comment in no group counts as a group of one).
	MainOpinions []OpinionFigure `json:"main_opinions"`
	// TopArticles are the most-commented articles with their replies.
	TopArticles []ArticleFigure `json:"top_articles"`
	// ByChannel counts and answers the opinions of every channel: the
	// online consultation first, then letters, the 12345 hotline, forums,
	// site visits, written requests and hearings (report_channels.go).
	ByChannel []ChannelFigure `json:"by_channel"`
}

// ArticleFigure counts the published comments on one article (Anchor empty:
// the whole draft).
type ArticleFigure struct {
	Anchor   string        `json:"anchor"`
	Label    string        `json:"label"`
	Comments int           `json:"comments"`
	Replies  []ReplyFigure `json:"replies,omitempty"`
}

// CountFigure is one count by a key (a stance or a disposition).
type CountFigure struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// OpinionFigure is one main opinion: a group, its size and its text.
type OpinionFigure struct {
	GroupID       int64         `json:"group_id,omitempty"`
	Size          int           `json:"size"`
	Text          string        `json:"text"`
	ArticleAnchor string        `json:"article_anchor"`
	ArticleLabel  string        `json:"article_label"`
	Replies       []ReplyFigure `json:"replies"`
}

// ReplyFigure is one answer given to a number of comments.
type ReplyFigure struct {
	Disposition DispositionKind `json:"disposition"`
	Name        string          `json:"name"`
	Reason      string          `json:"reason"`
	Count       int             `json:"count"`
}

// AdoptionReport is the adoption report of a consultation.
type AdoptionReport struct {
	ID             int64           `db:"id"`
	DecisionID     int64           `db:"decision_id"`
	ConsultationID int64           `db:"consultation_id"`
	Figures        AdoptionFigures `db:"figures"`
	Body           string          `db:"body"`
	Status         string          `db:"status"` // draft or published
	GeneratedAt    time.Time       `db:"generated_at"`
	UpdatedAt      time.Time       `db:"updated_at"`
	UpdatedBy      *int64          `db:"updated_by"`
	PublishedAt    *time.Time      `db:"published_at"`
	PublishedBy    *int64          `db:"published_by"`
	PublishedHash  *string         `db:"published_hash"`
}

// Published reports whether the report is published (and so fixed).
func (r *AdoptionReport) Published() bool { return r.Status == "published" }

// AdoptionReportHash is the published_hash of a report: the hex SHA-256 of
// the canonical JSON of {"body": body, "figures": figures}.
func AdoptionReportHash(figures AdoptionFigures, body string) (string, error) {
	b, err := CanonicalJSON(map[string]any{"figures": figures, "body": body})
	if err != nil {
		return "", err
	}
	return SHA256Hex(b), nil
}

var errReportNotFound = errs.NotFound("adoption_report_not_found", "意见采纳情况说明尚未生成")

const reportColumns = `id, decision_id, consultation_id, figures, body, status, generated_at, updated_at, updated_by,
	published_at, published_by, published_hash`

func getReport(ctx context.Context, q querier, consultationID int64) (AdoptionReport, error) {
	return queryOne[AdoptionReport](ctx, q, errReportNotFound, `SELECT `+reportColumns+` FROM adoption_reports WHERE consultation_id = $1`, consultationID)
}

// computeFigures computes the figures of a consultation from the data.
func computeFigures(ctx context.Context, tx pgx.Tx, d *Decision, c *Consultation) (AdoptionFigures, error) {
	f := AdoptionFigures{DecisionID: d.ID, DecisionTitle: d.Title, LeadAgency: d.LeadAgencyName, ConsultationID: c.ID,
		VersionNumber: c.VersionNumber, OpensAt: c.OpensAt.UTC(), EndsAt: c.EndsAt.UTC(),
		ByArticle: []ArticleFigure{}, ByStance: []CountFigure{}, ByDisposition: []CountFigure{},
		MainOpinions: []OpinionFigure{}, TopArticles: []ArticleFigure{}}
	if c.ClosedAt != nil && c.ClosedAt.Before(f.EndsAt) {
		f.EndsAt = c.ClosedAt.UTC() // closed early, e.g. by a withdrawal
	}
	err := tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'published'), count(*) FILTER (WHERE status = 'rejected'),
		count(*) FILTER (WHERE status = 'pending'), count(DISTINCT account_id) FILTER (WHERE status = 'published'),
		count(*) FILTER (WHERE status = 'published' AND NOT EXISTS (SELECT 1 FROM comment_dispositions p WHERE p.comment_id = comments.id))
		FROM comments WHERE consultation_id = $1`, c.ID).
		Scan(&f.Received, &f.Published, &f.Rejected, &f.Pending, &f.Participants, &f.WithoutDisposition)
	if err != nil {
		return f, errs.Internal(err)
	}
	labels := map[string]string{"": wholeDraftLabel}
	if err := f.countArticles(ctx, tx, c, labels); err != nil {
		return f, err
	}
	if err := f.countStances(ctx, tx, c.ID); err != nil {
		return f, err
	}
	if err := f.countDispositions(ctx, tx, c.ID); err != nil {
		return f, err
	}
	if err := f.mainOpinions(ctx, tx, c.ID, labels); err != nil {
		return f, err
	}
	if err := f.topArticles(ctx, tx, c.ID); err != nil {
		return f, err
	}
	return f, f.countChannels(ctx, tx, d.ID)
}

func (f *AdoptionFigures) countArticles(ctx context.Context, tx pgx.Tx, c *Consultation, labels map[string]string) error {
	articles, err := versionArticles(ctx, tx, c.VersionID)
	if err != nil {
		return err
	}
	counts, err := countBy(ctx, tx, `SELECT coalesce(article_anchor, ''), count(*)::int FROM comments
		WHERE consultation_id = $1 AND status = 'published' GROUP BY 1`, c.ID)
	if err != nil {
		return err
	}
	for _, a := range articles {
		label := a.Label
		if label == "" {
			label = fmt.Sprintf("第%d段", a.Number)
		}
		labels[a.Anchor] = label
		f.ByArticle = append(f.ByArticle, ArticleFigure{Anchor: a.Anchor, Label: label, Comments: counts[a.Anchor]})
		delete(counts, a.Anchor)
	}
	whole := counts[""]
	delete(counts, "")
	// An anchor the consulted version does not know (not expected: comments
	// are attached to the version under consultation) is still counted.
	for _, a := range sortedAnchors(counts) {
		labels[a] = a
		f.ByArticle = append(f.ByArticle, ArticleFigure{Anchor: a, Label: a, Comments: counts[a]})
	}
	f.ByArticle = append(f.ByArticle, ArticleFigure{Anchor: "", Label: wholeDraftLabel, Comments: whole})
	return nil
}

// countBy reads the (key, count) rows of query as a map.
func countBy(ctx context.Context, q querier, query string, args ...any) (map[string]int, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	counts := map[string]int{}
	var k string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { counts[k] = n; return nil }); err != nil {
		return nil, errs.Internal(err)
	}
	return counts, nil
}

func sortedAnchors(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}

func (f *AdoptionFigures) countStances(ctx context.Context, tx pgx.Tx, consultationID int64) error {
	counts, err := countBy(ctx, tx, `SELECT coalesce(stance, 'none'), count(*)::int FROM comments
		WHERE consultation_id = $1 AND status = 'published' GROUP BY 1`, consultationID)
	if err != nil {
		return err
	}
	for _, k := range stanceOrder {
		f.ByStance = append(f.ByStance, CountFigure{Key: k, Name: stanceNames[k], Count: counts[k]})
	}
	return nil
}

func (f *AdoptionFigures) countDispositions(ctx context.Context, tx pgx.Tx, consultationID int64) error {
	counts, err := countBy(ctx, tx, `SELECT p.disposition, count(*)::int FROM comments c JOIN comment_dispositions p ON p.comment_id = c.id
		WHERE c.consultation_id = $1 AND c.status = 'published' GROUP BY 1`, consultationID)
	if err != nil {
		return err
	}
	for _, k := range Dispositions {
		f.ByDisposition = append(f.ByDisposition, CountFigure{Key: string(k), Name: DispositionNames[k], Count: counts[string(k)]})
	}
	return nil
}

// reportReplies lists the distinct answers given to the published comments that
// match where (a condition on comments c with $1 the consultation and $2 a
// parameter), most frequent first.
func reportReplies(ctx context.Context, tx pgx.Tx, where string, consultationID int64, arg any) ([]ReplyFigure, error) {
	rows, err := tx.Query(ctx, `SELECT p.disposition, p.reason, count(*)::int FROM comments c
		JOIN comment_dispositions p ON p.comment_id = c.id
		WHERE c.consultation_id = $1 AND c.status = 'published' AND `+where+`
		GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT $3`, consultationID, arg, repliesPerOpinion)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := []ReplyFigure{}
	var r ReplyFigure
	if _, err := pgx.ForEachRow(rows, []any{&r.Disposition, &r.Reason, &r.Count}, func() error {
		r.Name = DispositionNames[r.Disposition]
		out = append(out, r)
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

func (f *AdoptionFigures) mainOpinions(ctx context.Context, tx pgx.Tx, consultationID int64, labels map[string]string) error {
	// A group is represented by its representative comment when that one is
	// published, otherwise by its earliest published comment: the report
	// never quotes a pending or rejected text.
	rows, err := tx.Query(ctx, `WITH g AS (
			SELECT c.group_id, count(*)::int AS n, min(c.id) AS first_id FROM comments c
			WHERE c.consultation_id = $1 AND c.status = 'published'
			GROUP BY coalesce(c.group_id, -c.id), c.group_id
			ORDER BY n DESC, first_id LIMIT $2)
		SELECT coalesce(g.group_id, 0), g.n, g.first_id, r.body, coalesce(r.article_anchor, '') FROM g
		JOIN comments r ON r.id = coalesce((SELECT x.id FROM comment_groups cg JOIN comments x ON x.id = cg.representative_id
			AND x.status = 'published' WHERE cg.id = g.group_id), g.first_id)
		ORDER BY g.n DESC, g.first_id`, consultationID, mainOpinionCount)
	if err != nil {
		return errs.Internal(err)
	}
	type row struct {
		o       OpinionFigure
		firstID int64
	}
	var list []row
	var x row
	if _, err := pgx.ForEachRow(rows, []any{&x.o.GroupID, &x.o.Size, &x.firstID, &x.o.Text, &x.o.ArticleAnchor}, func() error {
		x.o.Text = clipOpinion(x.o.Text, opinionTextRunes)
		x.o.ArticleLabel = labels[x.o.ArticleAnchor]
		if x.o.ArticleLabel == "" {
			x.o.ArticleLabel = x.o.ArticleAnchor
		}
		list = append(list, x)
		return nil
	}); err != nil {
		return errs.Internal(err)
	}
	for _, r := range list {
		var err error
		if r.o.GroupID != 0 {
			r.o.Replies, err = reportReplies(ctx, tx, "c.group_id = $2", consultationID, r.o.GroupID)
		} else {
			r.o.Replies, err = reportReplies(ctx, tx, "c.id = $2", consultationID, r.firstID)
		}
		if err != nil {
			return err
		}
		f.MainOpinions = append(f.MainOpinions, r.o)
	}
	return nil
}

func (f *AdoptionFigures) topArticles(ctx context.Context, tx pgx.Tx, consultationID int64) error {
	var top []ArticleFigure
	for _, a := range f.ByArticle {
		if a.Anchor == "" || a.Comments == 0 {
			continue
		}
		i := len(top)
		for i > 0 && top[i-1].Comments < a.Comments {
			i--
		}
		top = append(top[:i], append([]ArticleFigure{a}, top[i:]...)...)
		if len(top) > topArticleCount {
			top = top[:topArticleCount]
		}
	}
	for _, a := range top {
		var err error
		if a.Replies, err = reportReplies(ctx, tx, "c.article_anchor = $2", consultationID, a.Anchor); err != nil {
			return err
		}
		f.TopArticles = append(f.TopArticles, a)
		// The article's row in ByArticle carries the same answers (a is a
		// copy of it).
		for i := range f.ByArticle {
			if f.ByArticle[i].Anchor == a.Anchor {
				f.ByArticle[i].Replies = a.Replies
			}
		}
	}
	return nil
}

// RepliesOn is the answers the figures hold for the comments on the
// article (anchor): those of the most-commented articles (TopArticles), nil
// for the others. Reports stored before ByArticle carried them have them
// only in TopArticles.
func (f AdoptionFigures) RepliesOn(anchor string) []ReplyFigure {
	for _, a := range f.TopArticles {
		if a.Anchor == anchor {
			return a.Replies
		}
	}
	return nil
}

// clipOpinion shortens s to at most n runes, marking the cut.
func clipOpinion(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "……"
}

// reportDate formats t as a date in Asia/Shanghai, e.g. 2026年3月1日.
func reportDate(t time.Time) string {
	l := t.In(workday.Location())
	return fmt.Sprintf("%d年%d月%d日", l.Year(), int(l.Month()), l.Day())
}

var reportSectionNumbers = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// AdoptionReportText generates the readable text of an adoption report from
// its figures; staff edit it before publishing.
func AdoptionReportText(f AdoptionFigures, today time.Time) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("关于《%s》公开征求意见采纳情况的说明\n\n", f.DecisionTitle)
	w("%s于%s至%s公开征求社会公众对《%s》（第%d稿）的意见。", f.LeadAgency, reportDate(f.OpensAt), reportDate(f.EndsAt),
		f.DecisionTitle, f.VersionNumber)
	w("征求意见期间共收到意见%d条，经审核公开%d条，来自%d位参与者", f.Received, f.Published, f.Participants)
	if f.Rejected > 0 {
		w("；另有%d条意见因不符合意见公开规则未予公开", f.Rejected)
	}
	w("。现将意见采纳情况说明如下。\n\n")

	section := 0
	heading := func(title string) {
		w("%s、%s\n", reportSectionNumbers[section], title)
		section++
	}
	heading("意见分布情况")
	var parts []string
	for _, a := range f.ByArticle {
		if a.Comments > 0 {
			parts = append(parts, fmt.Sprintf("%s%d条", a.Label, a.Comments))
		}
	}
	if len(parts) == 0 {
		w("本次征求意见期间未收到公开的意见。\n")
	} else {
		w("按条款统计：%s。\n", strings.Join(parts, "，"))
		parts = parts[:0]
		for _, s := range f.ByStance {
			if s.Count > 0 {
				parts = append(parts, fmt.Sprintf("%s%d条", s.Name, s.Count))
			}
		}
		w("按意见倾向统计：%s。\n", strings.Join(parts, "，"))
	}
	w("\n")

	heading("意见采纳情况")
	parts = parts[:0]
	for _, d := range f.ByDisposition {
		parts = append(parts, fmt.Sprintf("%s%d条", d.Name, d.Count))
	}
	w("对公开的%d条意见逐条研究处理：%s", f.Published, strings.Join(parts, "，"))
	if f.WithoutDisposition > 0 {
		w("；尚有%d条未作出处理", f.WithoutDisposition)
	}
	w("。\n\n")

	if len(f.MainOpinions) > 0 {
		heading("主要意见及处理情况")
		for i, o := range f.MainOpinions {
			w("（%d）关于%s：%s", i+1, o.ArticleLabel, o.Text)
			if o.Size > 1 {
				w("（相同或相近意见共%d条）", o.Size)
			}
			w("\n")
			writeReportReplies(&b, o.Replies)
		}
		w("\n")
	}
	if len(f.TopArticles) > 0 {
		heading("意见较为集中的条款")
		for _, a := range f.TopArticles {
			w("%s：共%d条意见。\n", a.Label, a.Comments)
			writeReportReplies(&b, a.Replies)
		}
		w("\n")
	}
	writeChannels(&b, f, heading)
	w("感谢社会各界对本决策事项的关心和支持。\n\n%s\n%s\n", f.LeadAgency, reportDate(today))
	return b.String()
}

func writeReportReplies(b *strings.Builder, rs []ReplyFigure) {
	if len(rs) == 0 {
		b.WriteString("处理情况：尚未作出处理。\n")
		return
	}
	for _, r := range rs {
		fmt.Fprintf(b, "处理情况：%s（%d条）。理由：%s\n", r.Name, r.Count, r.Reason)
	}
}

// reportStep runs fn, a write to the adoption report, in a transaction that
// locks the decision, after the access and stage checks every write to the
// report makes; fn gets the decision and its latest consultation. It
// returns the report as it then stands.
func (s *Service) reportStep(ctx context.Context, actor *identity.Account, decisionID int64,
	fn func(tx pgx.Tx, d Decision, c Consultation) error) (AdoptionReport, error) {
	var out AdoptionReport
	err := s.writeDecision(ctx, actor, decisionID, requireLeadWriter, func(tx pgx.Tx, d Decision) (err error) {
		if err := handlingOpen(ctx, tx, &d, "adoption_report_not_allowed_in_stage", "编辑意见采纳情况说明"); err != nil {
			return err
		}
		c, err := getLatestConsultation(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		if err := fn(tx, d, c); err != nil {
			return err
		}
		out, err = getReport(ctx, tx, c.ID)
		return err
	})
	return out, err
}

// GenerateAdoptionReport computes the figures of the decision's
// consultation and generates the text of its adoption report, replacing an
// earlier draft (staff edits of the text included: the new text reflects
// the current dispositions). Only staff of the lead unit may call it, while
// the decision is in handling and the report is not published. Codes:
// decision_not_found, not_lead_unit_staff, consultation_still_open,
// adoption_report_not_allowed_in_stage, adoption_report_published,
// consultation_not_found (a decision withheld from consultation has none).
func (s *Service) GenerateAdoptionReport(ctx context.Context, actor *identity.Account, decisionID int64) (AdoptionReport, error) {
	if err := s.settleGroups(ctx, decisionID); err != nil {
		return AdoptionReport{}, err
	}
	return s.reportStep(ctx, actor, decisionID, func(tx pgx.Tx, d Decision, c Consultation) error {
		f, err := computeFigures(ctx, tx, &d, &c)
		if err != nil {
			return err
		}
		now := s.now().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `INSERT INTO adoption_reports (decision_id, consultation_id, figures, body, generated_at, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $5, $6)
			ON CONFLICT (consultation_id) DO UPDATE SET figures = EXCLUDED.figures, body = EXCLUDED.body,
				generated_at = EXCLUDED.generated_at, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
			decisionID, c.ID, f, AdoptionReportText(f, now), now, actor.ID); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
}

// UpdateAdoptionReport replaces the text of the draft adoption report (the
// figures stay as generated). Only staff of the lead unit may call it, while
// the decision is in handling and the report is not published. Codes:
// decision_not_found, not_lead_unit_staff, adoption_report_body_required,
// adoption_report_too_long, consultation_still_open,
// adoption_report_not_allowed_in_stage, adoption_report_published,
// consultation_not_found, adoption_report_not_found.
func (s *Service) UpdateAdoptionReport(ctx context.Context, actor *identity.Account, decisionID int64, body string) (AdoptionReport, error) {
	body = strings.TrimSpace(strings.ReplaceAll(cleanText(body), "\r\n", "\n"))
	return s.reportStep(ctx, actor, decisionID, func(tx pgx.Tx, _ Decision, c Consultation) error {
		if body == "" {
			return errs.InvalidField("adoption_report_body_required", "body", "意见采纳情况说明的正文不能为空")
		}
		if utf8.RuneCountInString(body) > MaxAdoptionReportRunes {
			return errs.InvalidField("adoption_report_too_long", "body", "意见采纳情况说明不能超过100000字")
		}
		if _, err := getReport(ctx, tx, c.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE adoption_reports SET body = $2, updated_at = $3, updated_by = $4 WHERE consultation_id = $1`,
			c.ID, body, s.now().Truncate(time.Microsecond), actor.ID); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
}

// PublishAdoptionReport publishes the adoption report: it freezes the text
// and figures, stores published_hash (see AdoptionReportHash) and appends an
// adoption_report_published record entry with the full text and figures.
// Publishing is refused while a published comment has no disposition or a
// comment still waits for moderation (it would go unanswered), and when the
// figures no longer match the data (a disposition changed since the report
// was generated: generate it again, so the published text states what was
// decided). Only staff of the lead unit may call it. Codes:
// decision_not_found, not_lead_unit_staff, consultation_still_open,
// adoption_report_not_allowed_in_stage, adoption_report_published,
// consultation_not_found, adoption_report_not_found,
// comments_without_disposition, comments_pending_moderation,
// adoption_report_outdated.
func (s *Service) PublishAdoptionReport(ctx context.Context, actor *identity.Account, decisionID int64) (AdoptionReport, error) {
	if err := s.settleGroups(ctx, decisionID); err != nil {
		return AdoptionReport{}, err
	}
	return s.reportStep(ctx, actor, decisionID, func(tx pgx.Tx, d Decision, c Consultation) error {
		r, err := getReport(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		f, err := computeFigures(ctx, tx, &d, &c)
		if err != nil {
			return err
		}
		if f.WithoutDisposition > 0 {
			return errCommentsWithoutDisposition(f.WithoutDisposition)
		}
		if n := f.offlineWithoutDisposition(); n > 0 {
			return errOfflineWithoutDisposition(n)
		}
		if f.Pending > 0 {
			return &errs.Error{Kind: errs.KindConflict, Code: "comments_pending_moderation", Basis: dispositionBasis,
				Message: fmt.Sprintf("尚有%d条意见待审核，请先审核（公开或不予公开）后再公布意见采纳情况说明", f.Pending)}
		}
		stored, err := CanonicalJSON(r.Figures)
		if err != nil {
			return errs.Internal(err)
		}
		current, err := CanonicalJSON(f)
		if err != nil {
			return errs.Internal(err)
		}
		if string(stored) != string(current) {
			return errs.Conflict("adoption_report_outdated", "生成说明后意见处理情况已有变化，请重新生成并核对意见采纳情况说明后再公布")
		}
		hash, err := AdoptionReportHash(r.Figures, r.Body)
		if err != nil {
			return errs.Internal(err)
		}
		now := s.now().Truncate(time.Microsecond)
		if _, err := tx.Exec(ctx, `UPDATE adoption_reports SET status = 'published', published_at = $2, published_by = $3, published_hash = $4
			WHERE id = $1`, r.ID, now, actor.ID, hash); err != nil {
			return errs.Internal(err)
		}
		ev, err := bind(ctx, tx, "adoption_reports", r.ID)
		if err != nil {
			return err
		}
		if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordAdoptionReportPublished, map[string]any{
			"consultation_id": c.ID, "figures": r.Figures, "body": r.Body, "published_hash": hash}, ev...); err != nil {
			return err
		}
		return emit(ctx, tx, &d, events.AdoptionReportPublished, events.SubjectAdoptionReport, []int64{r.ID}, now, map[string]any{
			"consultation_id": c.ID})
	})
}

// GetAdoptionReport returns the adoption report of the decision's latest
// consultation. Once published it is public to everyone who may see the
// decision; the draft only to staff of the lead unit. Codes:
// decision_not_found, consultation_not_found, adoption_report_not_found.
func (s *Service) GetAdoptionReport(ctx context.Context, actor *identity.Account, decisionID int64) (AdoptionReport, error) {
	d, err := s.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return AdoptionReport{}, err
	}
	c, err := getLatestConsultation(ctx, s.DB, decisionID)
	if err != nil {
		return AdoptionReport{}, err
	}
	r, err := getReport(ctx, s.DB, c.ID)
	if err != nil {
		return AdoptionReport{}, err
	}
	if !r.Published() && !actor.IsStaffOf(d.LeadAgencyID) {
		return AdoptionReport{}, errReportNotFound
	}
	return r, nil
}
