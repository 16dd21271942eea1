package search

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what the document builders read through: the pool or a
// transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// changes is what re-deriving some documents yields: documents to upsert
// and ids to delete, for the public index and for the staff comment index.
type changes struct {
	Upsert      []Document
	Delete      []string
	StaffUpsert []Document
	StaffDelete []string
}

func (c *changes) add(o changes) {
	c.Upsert = append(c.Upsert, o.Upsert...)
	c.Delete = append(c.Delete, o.Delete...)
	c.StaffUpsert = append(c.StaffUpsert, o.StaffUpsert...)
	c.StaffDelete = append(c.StaffDelete, o.StaffDelete...)
}

// Document ids.
func decisionDocID(id int64) string { return "decision-" + strconv.FormatInt(id, 10) }
func articleDocID(decisionID int64, anchor string) string {
	return "article-" + strconv.FormatInt(decisionID, 10) + "-" + anchor
}
func commentDocID(id int64) string { return "comment-" + strconv.FormatInt(id, 10) }
func surveyDocID(id int64) string  { return "survey-" + strconv.FormatInt(id, 10) }

// decisionRow is the part of a decision that search shows.
type decisionRow struct {
	ID          int64      `db:"id"`
	Title       string     `db:"title"`
	Summary     string     `db:"summary"`
	Domain      string     `db:"domain"`
	Status      string     `db:"status"`
	LeadAgency  string     `db:"lead_agency"`
	PublicSince *time.Time `db:"public_since"`
	CreatedAt   time.Time  `db:"created_at"`
}

const decisionSelect = `SELECT d.id, d.title, d.summary, d.domain, d.status, a.code AS lead_agency, d.public_since, d.created_at
	FROM decisions d JOIN agencies a ON a.id = d.lead_agency_id`

func getDecisionRow(ctx context.Context, q querier, id int64) (decisionRow, bool, error) {
	rows, err := q.Query(ctx, decisionSelect+` WHERE d.id = $1`, id)
	if err != nil {
		return decisionRow{}, false, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[decisionRow])
	if errors.Is(err, pgx.ErrNoRows) {
		return decisionRow{}, false, nil
	}
	return d, err == nil, err
}

// decisionDocuments re-derives a decision's document and the articles of
// its public version. A decision is public once its consultation opened or
// it was published (decisions.public_since, the same rule as
// consultation.Decision.Public); the public version is the latest version
// that was consulted on or published (consultation's versionPublic). Every
// article anchor the decision ever had that is not in the current public
// version is deleted, so a superseded article leaves the index.
func decisionDocuments(ctx context.Context, q querier, id int64) (changes, error) {
	var out changes
	d, found, err := getDecisionRow(ctx, q, id)
	if err != nil {
		return out, err
	}
	// Every anchor of every version: the candidates for deletion.
	rows, err := q.Query(ctx, `SELECT DISTINCT a.anchor FROM draft_articles a JOIN draft_versions v ON v.id = a.version_id
		WHERE v.decision_id = $1`, id)
	if err != nil {
		return out, err
	}
	anchors, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return out, err
	}
	if !found || d.PublicSince == nil {
		out.Delete = append(out.Delete, decisionDocID(id))
		for _, a := range anchors {
			out.Delete = append(out.Delete, articleDocID(id, a))
		}
		return out, nil
	}
	base := Document{DecisionID: d.ID, Domain: d.Domain, Status: d.Status, LeadAgency: d.LeadAgency, Date: d.PublicSince.UTC()}
	dec := base
	dec.ID, dec.Type, dec.Title, dec.Body, dec.URL = decisionDocID(d.ID), TypeDecision, d.Title, d.Summary, fmt.Sprintf("/decisions/%d", d.ID)
	out.Upsert = append(out.Upsert, dec)

	// The public version: the latest that was consulted on or published.
	// Its explanation (起草说明), legal basis and attachments are searched
	// with the decision (field "extra").
	var versionID *int64
	var explanation, legalBasis string
	err = q.QueryRow(ctx, `SELECT v.id, v.explanation,
		    coalesce((SELECT string_agg(e, '；') FROM jsonb_array_elements_text(
		      CASE WHEN jsonb_typeof(v.legal_basis) = 'array' THEN v.legal_basis ELSE '[]'::jsonb END) e), '')
		FROM draft_versions v WHERE v.decision_id = $1
		    AND (EXISTS (SELECT 1 FROM consultations k WHERE k.decision_id = v.decision_id AND k.version_id = v.id)
		      OR EXISTS (SELECT 1 FROM decision_publications p WHERE p.decision_id = v.decision_id AND p.version_id = v.id))
		ORDER BY v.number DESC LIMIT 1`, id).Scan(&versionID, &explanation, &legalBasis)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return out, err
	}
	if versionID != nil {
		last := len(out.Upsert) - 1
		out.Upsert[last].Explanation, out.Upsert[last].LegalBasis = explanation, legalBasis
		text, err := attachmentText(ctx, q, *versionID)
		if err != nil {
			return out, err
		}
		out.Upsert[last].Attachments = text
	}
	var vid int64
	if versionID != nil {
		vid = *versionID
	}
	rows, err = q.Query(ctx, `SELECT a.anchor, a.label, a.heading, a.text FROM draft_articles a
		WHERE a.version_id = $1 ORDER BY a.number`, vid)
	if err != nil {
		return out, err
	}
	current := map[string]bool{}
	var anchor, label, heading, text string
	_, err = pgx.ForEachRow(rows, []any{&anchor, &label, &heading, &text}, func() error {
		doc := base
		doc.ID, doc.Type, doc.ArticleAnchor, doc.ArticleLabel = articleDocID(d.ID, anchor), TypeArticle, anchor, label
		doc.Title = joinNonEmpty(d.Title, label, heading)
		doc.Body = text
		doc.URL = fmt.Sprintf("/decisions/%d#%s", d.ID, anchor)
		out.Upsert = append(out.Upsert, doc)
		current[anchor] = true
		return nil
	})
	if err != nil {
		return out, err
	}
	for _, a := range anchors {
		if !current[a] {
			out.Delete = append(out.Delete, articleDocID(id, a))
		}
	}
	return out, nil
}

// joinLines joins the non-empty parts with newlines.
func joinLines(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n")
}

func joinNonEmpty(parts ...string) string {
	out := ""
	for _, p := range parts {
		if p == "" {
			continue
		}
		if out != "" {
			out += " "
		}
		out += p
	}
	return out
}

// commentRow is a comment with what its document shows.
type commentRow struct {
	ID           int64      `db:"id"`
	DecisionID   int64      `db:"decision_id"`
	Body         string     `db:"body"`
	Status       string     `db:"status"`
	Anchor       *string    `db:"article_anchor"`
	Label        string     `db:"label"`
	CreatedAt    time.Time  `db:"created_at"`
	AnonymisedAt *time.Time `db:"anonymised_at"`
	ShowComments bool       `db:"show_comments"`
	Title        string     `db:"title"`
	Domain       string     `db:"domain"`
	DecStatus    string     `db:"decision_status"`
	LeadAgency   string     `db:"lead_agency"`
	PublicSince  *time.Time `db:"public_since"`
}

const commentSelect = `SELECT c.id, c.decision_id, c.body, c.status, c.article_anchor,
	coalesce((SELECT a.label FROM draft_articles a WHERE a.version_id = c.version_id AND a.anchor = c.article_anchor), '') AS label,
	c.created_at, c.anonymised_at, k.show_comments, d.title, d.domain, d.status AS decision_status, ag.code AS lead_agency, d.public_since
	FROM comments c JOIN consultations k ON k.id = c.consultation_id JOIN decisions d ON d.id = c.decision_id
	JOIN agencies ag ON ag.id = d.lead_agency_id`

// publicComment is the one rule of which comments public search shows:
// published, in a consultation that shows comments publicly, of a public
// decision, and not anonymised (issue 7: a comment that is rejected,
// anonymised or deleted leaves the index). It matches ListComments'
// public visibility rule in consultation/comments.go.
func (c commentRow) public() bool {
	return c.Status == "published" && c.ShowComments && c.AnonymisedAt == nil && c.PublicSince != nil
}

func (c commentRow) document() Document {
	doc := Document{ID: commentDocID(c.ID), Type: TypeComment, DecisionID: c.DecisionID, Title: joinNonEmpty(c.Title, c.Label),
		Body: c.Body, Domain: c.Domain, Status: c.DecStatus, LeadAgency: c.LeadAgency, ArticleLabel: c.Label, Date: c.CreatedAt.UTC()}
	u := fmt.Sprintf("/decisions/%d/comments", c.DecisionID)
	if c.Anchor != nil {
		doc.ArticleAnchor = *c.Anchor
		u += "?article=" + url.QueryEscape(*c.Anchor)
	}
	doc.URL = u + "#comment-" + strconv.FormatInt(c.ID, 10)
	return doc
}

// commentDocuments re-derives comments: the public document when the
// comment is public, and the staff document (any moderation state) for
// search-agency-comments. A deleted comment leaves both indexes.
func commentDocuments(ctx context.Context, q querier, ids []int64) (changes, error) {
	var out changes
	rows, err := q.Query(ctx, commentSelect+` WHERE c.id = ANY($1)`, ids)
	if err != nil {
		return out, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[commentRow])
	if err != nil {
		return out, err
	}
	seen := map[int64]bool{}
	for _, c := range list {
		seen[c.ID] = true
		doc := c.document()
		switch {
		case c.public():
			out.Upsert = append(out.Upsert, doc)
		case c.Status != "pending":
			out.Delete = append(out.Delete, doc.ID)
		}
		// A pending comment was never public (moderation only publishes or
		// rejects; nothing returns a comment to pending), so there is no
		// public document to delete: under a flash crowd almost every
		// change is a new pending comment, and each was a wasted delete.
		staff := doc
		staff.ModerationStatus = c.Status
		out.StaffUpsert = append(out.StaffUpsert, staff)
	}
	for _, id := range ids {
		if !seen[id] {
			out.Delete = append(out.Delete, commentDocID(id))
			out.StaffDelete = append(out.StaffDelete, commentDocID(id))
		}
	}
	return out, nil
}

// decisionCommentIDs lists the ids of a decision's comments.
func decisionCommentIDs(ctx context.Context, q querier, decisionID int64) ([]int64, error) {
	rows, err := q.Query(ctx, `SELECT id FROM comments WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// surveyRow is a survey with what its document shows.
type surveyRow struct {
	ID          int64      `db:"id"`
	DecisionID  *int64     `db:"decision_id"`
	Title       string     `db:"title"`
	Description string     `db:"description"`
	Status      string     `db:"status"`
	Agency      string     `db:"agency"`
	Domain      *string    `db:"domain"`
	OpenedAt    *time.Time `db:"opened_at"`
	OpensAt     time.Time  `db:"opens_at"`
	Questions   string     `db:"questions"`
}

// surveyDocuments re-derives a survey: indexed once it is no longer a
// draft (open or closed surveys are public pages).
func surveyDocuments(ctx context.Context, q querier, ids []int64) (changes, error) {
	var out changes
	// The questions (title and help) are searched with the survey.
	rows, err := q.Query(ctx, `SELECT s.id, s.decision_id, s.title, s.description, s.status, a.code AS agency, d.domain, s.opened_at, s.opens_at,
		    coalesce((SELECT string_agg(trim(qq.title || ' ' || qq.help), E'\n' ORDER BY qq.position)
		      FROM survey_questions qq WHERE qq.survey_id = s.id), '') AS questions
		FROM surveys s JOIN agencies a ON a.id = s.agency_id LEFT JOIN decisions d ON d.id = s.decision_id WHERE s.id = ANY($1)`, ids)
	if err != nil {
		return out, err
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[surveyRow])
	if err != nil {
		return out, err
	}
	seen := map[int64]bool{}
	for _, s := range list {
		seen[s.ID] = true
		if s.Status == "draft" {
			out.Delete = append(out.Delete, surveyDocID(s.ID))
			continue
		}
		doc := Document{ID: surveyDocID(s.ID), Type: TypeSurvey, Title: s.Title, Body: joinLines(s.Description, s.Questions), Status: s.Status,
			LeadAgency: s.Agency, URL: fmt.Sprintf("/surveys/%d", s.ID), Date: s.OpensAt.UTC()}
		if s.OpenedAt != nil {
			doc.Date = s.OpenedAt.UTC()
		}
		if s.DecisionID != nil {
			doc.DecisionID = *s.DecisionID
		}
		if s.Domain != nil {
			doc.Domain = *s.Domain
		}
		out.Upsert = append(out.Upsert, doc)
	}
	for _, id := range ids {
		if !seen[id] {
			out.Delete = append(out.Delete, surveyDocID(id))
		}
	}
	return out, nil
}

// visibleNow filters hits down to what the store shows publicly right now,
// so that a stale index (a comment rejected a second ago, before the
// indexer caught up) never exposes content the store would not show
// (DESIGN.md, "Search is updated after commit").
func visibleNow(ctx context.Context, q querier, hits []Hit) ([]Hit, error) {
	var decisions, comments, surveys []int64
	for _, h := range hits {
		switch h.Document.Type {
		case TypeDecision, TypeArticle:
			decisions = append(decisions, h.Document.DecisionID)
		case TypeComment:
			if id, err := strconv.ParseInt(strings.TrimPrefix(h.Document.ID, "comment-"), 10, 64); err == nil {
				comments = append(comments, id)
			}
		case TypeSurvey:
			if id, err := strconv.ParseInt(strings.TrimPrefix(h.Document.ID, "survey-"), 10, 64); err == nil {
				surveys = append(surveys, id)
			}
		}
	}
	ok := map[string]bool{}
	collect := func(prefix, sql string, ids []int64) error {
		if len(ids) == 0 {
			return nil
		}
		rows, err := q.Query(ctx, sql, ids)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range list {
			ok[prefix+strconv.FormatInt(id, 10)] = true
		}
		return nil
	}
	if err := collect("d", `SELECT id FROM decisions WHERE id = ANY($1) AND public_since IS NOT NULL`, decisions); err != nil {
		return nil, err
	}
	if err := collect("c", `SELECT c.id FROM comments c JOIN consultations k ON k.id = c.consultation_id JOIN decisions d ON d.id = c.decision_id
		WHERE c.id = ANY($1) AND c.status = 'published' AND k.show_comments AND c.anonymised_at IS NULL AND d.public_since IS NOT NULL`, comments); err != nil {
		return nil, err
	}
	if err := collect("s", `SELECT id FROM surveys WHERE id = ANY($1) AND status <> 'draft'`, surveys); err != nil {
		return nil, err
	}
	out := hits[:0:0]
	for _, h := range hits {
		var key string
		switch h.Document.Type {
		case TypeDecision, TypeArticle:
			key = "d" + strconv.FormatInt(h.Document.DecisionID, 10)
		case TypeComment:
			key = "c" + strings.TrimPrefix(h.Document.ID, "comment-")
		case TypeSurvey:
			key = "s" + strings.TrimPrefix(h.Document.ID, "survey-")
		}
		if ok[key] {
			out = append(out, h)
		}
	}
	return out, nil
}
