package consultation

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Limits of a draft version's fields. The text bound is issue 3's; a
// regulation-style draft of 100 articles runs to about 15,000 characters, so
// 200,000 leaves room for plans with long annexes.
const (
	MaxDraftTextRunes    = 200_000
	MaxExplanationRunes  = 50_000
	MaxLegalBasisEntries = 100
	MaxLegalBasisRunes   = 1_000
)

// DraftVersion is one immutable version of a decision's draft (决策草案):
// the text, the explanation (起草说明, Decree 713 Art. 15), the legal basis
// (Art. 12), its articles with their anchors and its attachments, sealed by
// ContentHash (see VersionContentHash).
type DraftVersion struct {
	ID          int64     `db:"id"`
	DecisionID  int64     `db:"decision_id"`
	Number      int       `db:"number"`
	Text        string    `db:"text"`
	Explanation string    `db:"explanation"`
	LegalBasis  []string  `db:"legal_basis"`
	ContentHash string    `db:"content_hash"`
	CreatedBy   int64     `db:"created_by"`
	CreatedAt   time.Time `db:"created_at"`
	// ArticleCount and AttachmentCount are always filled in.
	ArticleCount    int `db:"article_count"`
	AttachmentCount int `db:"attachment_count"`
	// Public reports whether residents and anonymous visitors may see the
	// version (see versionPublic).
	Public bool `db:"-"`
	// Preamble is the text before the first article (title, issuing body).
	Preamble string `db:"-"`
	// Articles and Attachments are filled in by GetDraftVersion and
	// CreateDraftVersion, not by ListDraftVersions.
	Articles    []AnchoredArticle `db:"-"`
	Attachments []Attachment      `db:"-"`
}

// DraftVersionInput is a new draft version.
type DraftVersionInput struct {
	Text        string
	Explanation string
	LegalBasis  []string
	Attachments []AttachmentInput
}

// VersionContentHash is the content hash of a draft version: the hex SHA-256
// of the canonical JSON (see CanonicalJSON) of
//
//	{"attachments":[{"content_type","filename","sha256","size"}…],
//	 "explanation", "legal_basis":[…], "text"}
//
// with the text, explanation and legal basis as stored and the attachments in
// upload order. Legal sign-offs are made over this hash, so anyone holding an
// exported version and its files can recompute it.
func VersionContentHash(text, explanation string, legalBasis []string, attachments []AttachmentDigest) string {
	if legalBasis == nil {
		legalBasis = []string{}
	}
	if attachments == nil {
		attachments = []AttachmentDigest{}
	}
	body, err := CanonicalJSON(map[string]any{"text": text, "explanation": explanation, "legal_basis": legalBasis, "attachments": attachments})
	if err != nil {
		// Strings and integers always encode; this cannot happen.
		panic("consultation: canonical JSON of a draft version: " + err.Error())
	}
	return SHA256Hex(body)
}

// cleanText makes free text storable: valid UTF-8 and no NUL, which
// PostgreSQL text cannot hold.
func cleanText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// preparedVersion is a validated DraftVersionInput.
type preparedVersion struct {
	text, explanation string
	legalBasis        []string
	draft             Draft
	attachments       []preparedAttachment
}

// prepareVersion validates a new version. The text is stored normalised
// (see SplitDraft), so that every article is a substring of the stored text.
func prepareVersion(in DraftVersionInput) (preparedVersion, error) {
	p := preparedVersion{text: normalizeText(cleanText(in.Text)), explanation: strings.TrimSpace(cleanText(in.Explanation))}
	if p.text == "" {
		return p, errs.InvalidField("draft_text_required", "text", "请填写决策草案正文")
	}
	if utf8.RuneCountInString(p.text) > MaxDraftTextRunes {
		return p, errs.InvalidField("draft_text_too_long", "text", "草案正文不能超过200000字")
	}
	if utf8.RuneCountInString(p.explanation) > MaxExplanationRunes {
		return p, errs.InvalidField("explanation_too_long", "explanation", "起草说明不能超过50000字")
	}
	p.legalBasis = []string{}
	for _, b := range in.LegalBasis {
		b = strings.TrimSpace(cleanText(b))
		if b == "" {
			continue
		}
		if utf8.RuneCountInString(b) > MaxLegalBasisRunes {
			return p, errs.InvalidField("invalid_legal_basis", "legal_basis", "每项法律依据不能超过1000字")
		}
		p.legalBasis = append(p.legalBasis, b)
	}
	if len(p.legalBasis) > MaxLegalBasisEntries {
		return p, errs.InvalidField("invalid_legal_basis", "legal_basis", "法律依据最多100项")
	}
	p.draft = SplitDraft(p.text)
	if len(p.draft.Articles) == 0 {
		return p, errs.InvalidField("draft_has_no_articles", "text", "草案正文中没有可以识别的条文")
	}
	var err error
	if p.attachments, err = prepareAttachments(in.Attachments); err != nil {
		return p, err
	}
	return p, nil
}

// versionStageAllowed says in which stages a new version may be uploaded:
// while drafting; after the consultation, to answer the comments (Decree 713
// Art. 18); and under review, for the changes a lawful_with_changes
// conclusion asks for. During the consultation the version under comment is
// fixed, and after the review the decided text is the reviewed one.
func versionStageAllowed(s Status) bool {
	return s == StatusDrafting || s == StatusHandling || s == StatusUnderReview
}

// CreateDraftVersion adds the next version of a decision's draft with its
// articles (anchors carried over from the previous version, see
// AssignAnchors) and attachments, and records it. Only staff of the lead unit
// may call it, while the decision is in drafting, handling or under review.
// Codes: decision_not_found, not_lead_unit_staff, version_not_allowed_in_stage,
// draft_text_required, draft_text_too_long, explanation_too_long,
// invalid_legal_basis, draft_has_no_articles, too_many_attachments,
// invalid_attachment_filename, attachment_empty, attachment_too_large,
// attachment_type_not_allowed.
func (s *Service) CreateDraftVersion(ctx context.Context, actor *identity.Account, decisionID int64, in DraftVersionInput) (DraftVersion, error) {
	var out DraftVersion
	// Every write by anyone but the lead unit is refused with 403, also for
	// a decision the caller cannot see (staff of other agencies learn no
	// more than that the number exists).
	err := s.writeDecision(ctx, actor, decisionID, requireLeadStaff, func(tx pgx.Tx, d Decision) (err error) {
		if !versionStageAllowed(d.Status) {
			return errs.Conflict("version_not_allowed_in_stage", "决策事项处于"+StatusNames[d.Status]+"阶段，不能上传新的草案版本")
		}
		p, err := prepareVersion(in)
		if err != nil {
			return err
		}
		var prevID int64
		var prevNumber int
		err = tx.QueryRow(ctx, `SELECT id, number FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`, decisionID).Scan(&prevID, &prevNumber)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		var prev []AnchoredArticle
		if prevID != 0 {
			if prev, err = versionArticles(ctx, tx, prevID); err != nil {
				return err
			}
		}
		articles := AssignAnchors(prev, p.draft.Articles)
		digests := make([]AttachmentDigest, len(p.attachments))
		for i, a := range p.attachments {
			digests[i] = a.digest()
		}
		v := DraftVersion{DecisionID: decisionID, Number: prevNumber + 1, Text: p.text, Explanation: p.explanation,
			LegalBasis: p.legalBasis, ContentHash: VersionContentHash(p.text, p.explanation, p.legalBasis, digests),
			CreatedBy: actor.ID, CreatedAt: s.now().Truncate(time.Microsecond), ArticleCount: len(articles),
			AttachmentCount: len(p.attachments), Preamble: p.draft.Preamble, Articles: articles, Attachments: []Attachment{}}
		if err := tx.QueryRow(ctx, `INSERT INTO draft_versions (decision_id, number, text, explanation, legal_basis, content_hash, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			v.DecisionID, v.Number, v.Text, v.Explanation, v.LegalBasis, v.ContentHash, v.CreatedBy, v.CreatedAt).Scan(&v.ID); err != nil {
			return errs.Internal(err)
		}
		rows := make([][]any, len(articles))
		anchors := make([]string, len(articles))
		for i, a := range articles {
			rows[i] = []any{v.ID, a.Number, a.Anchor, a.Label, a.Heading, a.Text}
			anchors[i] = a.Anchor
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"draft_articles"}, []string{"version_id", "number", "anchor", "label", "heading", "text"},
			pgx.CopyFromRows(rows)); err != nil {
			return errs.Internal(err)
		}
		if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordDraftVersionCreated, map[string]any{
			"version_id": v.ID, "number": v.Number, "content_hash": v.ContentHash, "article_count": len(articles),
			"anchors": anchors, "legal_basis": v.LegalBasis, "attachment_count": len(p.attachments)}); err != nil {
			return err
		}
		for _, pa := range p.attachments {
			a, err := s.storeAttachment(ctx, tx, actor, decisionID, &v.ID, nil, pa)
			if err != nil {
				return err
			}
			v.Attachments = append(v.Attachments, a)
		}
		v.Public = false // a new version is never yet under consultation
		out = v
		return nil
	})
	return out, err
}

// versionPublic reports whether residents and anonymous visitors may see a
// draft version: once it is, or was, the version under a public
// consultation, or it is the decided version that was published (Decree 713
// Art. 32). This is the one place that decides it.
func versionPublic(ctx context.Context, q querier, decisionID, versionID int64) (bool, error) {
	return queryValue[bool](ctx, q, `SELECT EXISTS (SELECT 1 FROM consultations WHERE decision_id = $1 AND version_id = $2)
		OR EXISTS (SELECT 1 FROM decision_publications WHERE decision_id = $1 AND version_id = $2)`, decisionID, versionID)
}

// versionArticles reads a version's anchored articles in reading order.
func versionArticles(ctx context.Context, q querier, versionID int64) ([]AnchoredArticle, error) {
	rows, err := q.Query(ctx, `SELECT number, anchor, label, heading, text FROM draft_articles WHERE version_id = $1 ORDER BY number`, versionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := []AnchoredArticle{}
	var a AnchoredArticle
	_, err = pgx.ForEachRow(rows, []any{&a.Number, &a.Anchor, &a.Label, &a.Heading, &a.Text}, func() error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

const versionColumns = `v.id, v.decision_id, v.number, v.explanation, v.legal_basis, v.content_hash, v.created_by, v.created_at,
	(SELECT count(*) FROM draft_articles a WHERE a.version_id = v.id)::int AS article_count,
	(SELECT count(*) FROM attachments f WHERE f.version_id = v.id)::int AS attachment_count`

var errVersionNotFound = errs.NotFound("draft_version_not_found", "草案版本不存在")

// visibleDecision returns the decision if the actor may see it at all, and
// whether they see its internal drafts too.
func (s *Service) visibleDecision(ctx context.Context, actor *identity.Account, decisionID int64) (Decision, bool, error) {
	d, err := s.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return Decision{}, false, err
	}
	return d, canSeeInternal(actor, &d), nil
}

// ListDraftVersions lists a decision's versions in order, number 1 first,
// without their text and articles. Anyone who may see the decision may call
// it; residents and anonymous visitors see only the public versions (the
// others are absent, not marked). Codes: decision_not_found, invalid_cursor.
func (s *Service) ListDraftVersions(ctx context.Context, actor *identity.Account, decisionID int64, limit int, after string) ([]DraftVersion, string, error) {
	afterNumber, err := cursor.Decode(after)
	if err != nil {
		return nil, "", err
	}
	d, internal, err := s.visibleDecision(ctx, actor, decisionID)
	if err != nil {
		return nil, "", err
	}
	// A decision has a handful of versions: they are read whole and
	// filtered here so that versionPublic stays the one rule.
	all, err := pgrows.All[DraftVersion](ctx, s.DB, `SELECT `+versionColumns+`, '' AS text FROM draft_versions v
		WHERE v.decision_id = $1 AND v.number > $2 ORDER BY v.number`, d.ID, afterNumber)
	if err != nil {
		return nil, "", err
	}
	limit = cursor.Limit(limit)
	out := []DraftVersion{}
	for _, v := range all {
		if v.Public, err = versionPublic(ctx, s.DB, d.ID, v.ID); err != nil {
			return nil, "", err
		}
		if !v.Public && !internal {
			continue
		}
		if len(out) == limit {
			return out, cursor.Encode(int64(out[len(out)-1].Number)), nil
		}
		out = append(out, v)
	}
	return out, "", nil
}

// getVisibleVersion reads a version by number with its articles and
// attachments, or draft_version_not_found when it does not exist or the
// actor may not see it.
func (s *Service) getVisibleVersion(ctx context.Context, d *Decision, internal bool, number int) (DraftVersion, error) {
	if number < 1 || number > math.MaxInt32 {
		// Version numbers are int4: a larger one is no version (it
		// answered 500, outside check sec3).
		return DraftVersion{}, errVersionNotFound
	}
	rows, err := s.DB.Query(ctx, `SELECT `+versionColumns+`, v.text FROM draft_versions v WHERE v.decision_id = $1 AND v.number = $2`, d.ID, number)
	if err != nil {
		return DraftVersion{}, errs.Internal(err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[DraftVersion])
	if errors.Is(err, pgx.ErrNoRows) {
		return DraftVersion{}, errVersionNotFound
	}
	if err != nil {
		return DraftVersion{}, errs.Internal(err)
	}
	if v.Public, err = versionPublic(ctx, s.DB, d.ID, v.ID); err != nil {
		return DraftVersion{}, err
	}
	if !v.Public && !internal {
		return DraftVersion{}, errVersionNotFound
	}
	if v.Articles, err = versionArticles(ctx, s.DB, v.ID); err != nil {
		return DraftVersion{}, err
	}
	if v.Attachments, err = versionAttachments(ctx, s.DB, v.ID); err != nil {
		return DraftVersion{}, err
	}
	v.Preamble = SplitDraft(v.Text).Preamble
	return v, nil
}

// GetDraftVersion returns version `number` of a decision with its articles
// and attachment metadata. Anyone who may see the decision may call it;
// residents and anonymous visitors get draft_version_not_found for a version
// that is not public. Codes: decision_not_found, draft_version_not_found.
func (s *Service) GetDraftVersion(ctx context.Context, actor *identity.Account, decisionID int64, number int) (DraftVersion, error) {
	d, internal, err := s.visibleDecision(ctx, actor, decisionID)
	if err != nil {
		return DraftVersion{}, err
	}
	return s.getVisibleVersion(ctx, &d, internal, number)
}

// CompareDraftVersions compares version `from` with version `to` of a
// decision article by article (see CompareVersions). Anyone who may see both
// versions may call it. Codes: decision_not_found, draft_version_not_found.
func (s *Service) CompareDraftVersions(ctx context.Context, actor *identity.Account, decisionID int64, from, to int) (Comparison, error) {
	d, internal, err := s.visibleDecision(ctx, actor, decisionID)
	if err != nil {
		return Comparison{}, err
	}
	old, err := s.getVisibleVersion(ctx, &d, internal, from)
	if err != nil {
		return Comparison{}, namedVersion(err, from)
	}
	cur, err := s.getVisibleVersion(ctx, &d, internal, to)
	if err != nil {
		return Comparison{}, namedVersion(err, to)
	}
	return CompareVersions(old.Articles, cur.Articles), nil
}

// namedVersion names the version number a not-found error is about.
func namedVersion(err error, number int) error {
	if errs.HasCode(err, errVersionNotFound.Code) {
		return errs.NotFound(errVersionNotFound.Code, "草案第"+strconv.Itoa(number)+"版不存在")
	}
	return err
}
