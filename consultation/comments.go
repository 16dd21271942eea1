package consultation

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/text/width"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// CommentStatus is where a comment stands in moderation.
type CommentStatus string

// The moderation states. A comment waits as pending until staff of the lead
// unit publish or reject it; only published comments are ever public.
const (
	CommentPending   CommentStatus = "pending"
	CommentPublished CommentStatus = "published"
	CommentRejected  CommentStatus = "rejected"
)

// CommentStatusNames are the Chinese names of the moderation states.
var CommentStatusNames = map[CommentStatus]string{CommentPending: "待审核", CommentPublished: "已公开", CommentRejected: "未通过审核"}

// CommentStances are the optional stances of a comment, in display order.
var CommentStances = []string{"support", "oppose", "suggestion"}

// CommentStanceNames are the Chinese names of the stances.
var CommentStanceNames = map[string]string{"support": "支持", "oppose": "反对", "suggestion": "建议"}

// RejectionReasons are the reasons a comment may be rejected for, with
// their Chinese names.
var RejectionReasons = map[string]string{
	"spam": "垃圾信息", "abuse": "辱骂、攻击等不当言论", "personal_information": "含有个人信息",
	"off_topic": "与本次征求意见无关", "duplicate_submission": "重复提交",
}

// MaxCommentRunes bounds a comment's text (issue 4: up to 5,000 characters).
const MaxCommentRunes = 5000

// MaxIdempotencyKeyLength bounds the Idempotency-Key of a submission.
const MaxIdempotencyKeyLength = 255

// CommentLimits are the submission rate limits, counted from the comments
// table over sliding windows. A zero field takes its default; a negative one
// switches that limit off (the load test does).
//
// The defaults: writing a considered opinion on an article takes minutes, so
// 5 a minute lets a resident who prepared comments on several articles paste
// them one after another while a script is stopped after five. A
// regulation-style draft has 20–60 articles; 50 a day covers a comment on
// nearly every article of a long draft in one sitting (and a further day
// for the rest). Per client address, 30 a minute stops one machine from
// driving many accounts, yet leaves room for a school, an office or a mobile
// carrier's NAT (China's mobile networks put many subscribers behind one
// address) where several residents comment in the same minute.
type CommentLimits struct {
	PerAccountPerMinute int
	PerAccountPerDay    int
	PerAddressPerMinute int
}

// DefaultCommentLimits are the limits a zero CommentLimits stands for.
var DefaultCommentLimits = CommentLimits{PerAccountPerMinute: 5, PerAccountPerDay: 50, PerAddressPerMinute: 30}

func (s *Service) commentLimits() CommentLimits {
	l := s.CommentLimits
	d := DefaultCommentLimits
	if l.PerAccountPerMinute == 0 {
		l.PerAccountPerMinute = d.PerAccountPerMinute
	}
	if l.PerAccountPerDay == 0 {
		l.PerAccountPerDay = d.PerAccountPerDay
	}
	if l.PerAddressPerMinute == 0 {
		l.PerAddressPerMinute = d.PerAddressPerMinute
	}
	return l
}

// Comment is a public comment (公众意见) on the draft version under
// consultation, on one article or on the whole draft. What a reader sees of
// it depends on who they are (see the query methods): others than the
// author and the lead unit never see the account, the receipt or a
// comment that is not published.
type Comment struct {
	ID             int64 `db:"id"`
	DecisionID     int64 `db:"decision_id"`
	ConsultationID int64 `db:"consultation_id"`
	VersionID      int64 `db:"version_id"`
	VersionNumber  int   `db:"version_number"`
	// ArticleAnchor is the article's stable anchor; empty for the whole draft.
	ArticleAnchor string `db:"article_anchor"`
	// ArticleLabel and ArticleNumber locate the article in the version
	// commented on ("第三条", 3); empty and 0 for the whole draft.
	ArticleLabel  string `db:"article_label"`
	ArticleNumber int    `db:"article_number"`
	// AccountID is 0 for readers other than the author and the lead unit.
	AccountID int64 `db:"account_id"`
	// AuthorName is the pseudonym, or the display name if the resident chose
	// to show it (PIPL: 后台实名、前台自愿). Never a phone number. For a
	// comment an organisation submitted on its own behalf (integrations),
	// the organisation's name.
	AuthorName string `db:"author_name"`
	// SignatoryCount is how many people an organisation's comment speaks
	// for; 0 for a resident's own comment.
	SignatoryCount int `db:"signatory_count"`
	// Receipt is the receipt number, a bearer secret: empty for readers
	// other than the author and the lead unit.
	Receipt string `db:"receipt"`
	// Stance is support, oppose, suggestion or empty.
	Stance string `db:"stance"`
	// Body is the text exactly as submitted (trimmed): never escaped or
	// rewritten here; pages escape it when they render it.
	Body            string        `db:"body"`
	BodyHash        string        `db:"body_hash"`
	ShowName        bool          `db:"show_name"`
	Status          CommentStatus `db:"status"`
	RejectionReason string        `db:"rejection_reason"`
	ModeratedAt     *time.Time    `db:"moderated_at"`
	GroupID         *int64        `db:"group_id"`
	CreatedAt       time.Time     `db:"created_at"`
	AnonymisedAt    *time.Time    `db:"anonymised_at"`
	CheckpointID    *int64        `db:"checkpoint_id"`
	// Disposition, DispositionReason and DisposedAt are the lead unit's
	// answer (意见处理), empty until there is one.
	Disposition       string     `db:"disposition"`
	DispositionReason string     `db:"disposition_reason"`
	DisposedAt        *time.Time `db:"disposed_at"`
	// ChangedVersion and ChangedArticles are the articles (anchors) of a
	// later draft version the disposition says this opinion changed.
	ChangedVersion  *int     `db:"changed_version"`
	ChangedArticles []string `db:"changed_articles"`
	// Own reports whether the reader is the author.
	Own bool `db:"-"`
}

// anonymisedAuthor is shown for a comment whose author deleted their data.
const anonymisedAuthor = "已注销用户"

// authorName is the SQL of the name a comment is shown under, over c
// (comments), acc (its account) and org (the organisation it was
// submitted for, if any): the organisation's name, else the anonymised
// author, else the display name the resident chose to show, else the
// pseudonym. An organisation is no person, so its name stays when the
// account that manages it deletes its data.
const authorName = `CASE WHEN org.name IS NOT NULL THEN org.name WHEN c.anonymised_at IS NOT NULL THEN '` + anonymisedAuthor +
	`' WHEN c.show_name THEN acc.display_name ELSE acc.pseudonym END`

const commentColumns = `c.id, c.decision_id, c.consultation_id, c.version_id, v.number AS version_number,
	coalesce(c.article_anchor, '') AS article_anchor, coalesce(a.label, '') AS article_label, coalesce(a.number, 0) AS article_number,
	c.account_id, ` + authorName + ` AS author_name, coalesce(oc.signatory_count, 0) AS signatory_count,
	c.receipt, coalesce(c.stance, '') AS stance, c.body, c.body_hash, c.show_name, c.status,
	coalesce(c.rejection_reason, '') AS rejection_reason, c.moderated_at, c.group_id, c.created_at, c.anonymised_at, c.checkpoint_id,
	coalesce(p.disposition, '') AS disposition, coalesce(p.reason, '') AS disposition_reason, p.decided_at AS disposed_at,
	p.changed_version, coalesce(p.changed_articles, '{}') AS changed_articles`

const commentFrom = ` FROM comments c JOIN draft_versions v ON v.id = c.version_id JOIN accounts acc ON acc.id = c.account_id
	LEFT JOIN organisation_comments oc ON oc.comment_id = c.id LEFT JOIN organisations org ON org.id = oc.organisation_id
	LEFT JOIN draft_articles a ON a.version_id = c.version_id AND a.anchor = c.article_anchor
	LEFT JOIN comment_dispositions p ON p.comment_id = c.id `

var errCommentNotFound = errs.NotFound("comment_not_found", "意见不存在")

func queryComments(ctx context.Context, q querier, where string, args ...any) ([]Comment, error) {
	return pgrows.All[Comment](ctx, q, `SELECT `+commentColumns+commentFrom+where, args...)
}

func getComment(ctx context.Context, q querier, id int64) (Comment, error) {
	list, err := queryComments(ctx, q, `WHERE c.id = $1`, id)
	if err != nil {
		return Comment{}, err
	}
	if len(list) == 0 {
		return Comment{}, errCommentNotFound
	}
	return list[0], nil
}

// redactForPublic blanks what only the author and the lead unit may see.
func (c *Comment) redactForPublic() {
	c.AccountID, c.Receipt, c.RejectionReason = 0, "", ""
}

// CommentInput is a new comment.
type CommentInput struct {
	// ArticleAnchor is the anchor of an article of the version under
	// consultation; empty comments on the whole draft.
	ArticleAnchor string
	// Stance is support, oppose, suggestion or empty.
	Stance string
	Body   string
	// ShowName shows the display name instead of the pseudonym.
	ShowName bool
	// IdempotencyKey makes retries safe: the same account and key return the
	// first comment and create nothing.
	IdempotencyKey string
	// ClientAddr is the submitter's address, for the per-address rate limit.
	ClientAddr string
}

// receiptAlphabet is Crockford's base32: no I, L, O or U, so a receipt read
// out over the phone or copied by hand is not misread.
const receiptAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newReceipt makes a receipt number "YJ-20261125-7K3Q9M2X": 意见, the date
// in Asia/Shanghai and 8 random characters (40 bits). The receipt is a
// bearer secret: whoever holds it reads the comment's status, and its text
// and reply once published (GetCommentByReceipt). 40 bits per day make
// guessing any of 100,000 receipts of one day take about 10 million tries,
// and a pending or rejected comment's text is never shown for a receipt.
func newReceipt(now time.Time) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("consultation: crypto/rand failed: " + err.Error())
	}
	out := make([]byte, 0, 20)
	out = append(out, "YJ-"...)
	out = now.In(workday.Location()).AppendFormat(out, "20060102")
	out = append(out, '-')
	for _, x := range b {
		out = append(out, receiptAlphabet[x&31])
	}
	return string(out)
}

// NormalizeReceipt is a receipt number as the resident typed it, in the
// form it was issued: full-width characters folded, upper case, spaces and
// dashes of any width dropped and put back in their places, and the letters
// Crockford's base32 reads as digits (O as 0, I and L as 1) read so, as a
// receipt copied by hand or read out over the phone comes back. Text that
// cannot be a receipt is returned folded and trimmed, and matches nothing.
func NormalizeReceipt(s string) string {
	s = strings.ToUpper(strings.TrimSpace(width.Fold.String(s)))
	compact := strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || unicode.Is(unicode.Pd, r):
			return -1
		case r == 'O':
			return '0'
		case r == 'I' || r == 'L':
			return '1'
		}
		return r
	}, strings.TrimPrefix(s, "YJ"))
	if !strings.HasPrefix(s, "YJ") || len(compact) != 16 {
		return s
	}
	return "YJ-" + compact[:8] + "-" + compact[8:]
}

// validReceipt reports whether s has the form of a receipt number.
func validReceipt(s string) bool {
	if len(s) != 20 || !strings.HasPrefix(s, "YJ-") || s[11] != '-' {
		return false
	}
	for i := 3; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	for i := 12; i < 20; i++ {
		if !strings.ContainsRune(receiptAlphabet, rune(s[i])) {
			return false
		}
	}
	return true
}

// SubmitComment stores a comment of a verified resident on the draft version
// under consultation, while the consultation window is open (Decree 713 Art.
// 15), and returns it with its receipt number. created is false when the
// call replays an earlier one with the same Idempotency-Key: the first
// comment comes back and nothing is created. Only a resident with a verified
// phone may call it: staff do not comment as the public.
//
// A flash crowd lands here (issue 8), so an accepted comment costs one SQL
// statement (insertCommentFast): the open-window, article and rate-limit
// checks and the INSERT together, in the statement's own transaction, with no
// lock on the decision. The comment joins its group shortly after
// (grouping_batch.go) and is sealed into the process record by the periodic
// Merkle checkpoints (checkpoints.go), not by a record entry each. Only when
// the statement inserts nothing does the slow path run, to tell the resident
// exactly why.
//
// Codes: authentication_required, forbidden_role, phone_not_verified,
// decision_not_found, consultation_not_open (409, Decree 713 Art. 15),
// unknown_article, invalid_stance, comment_empty, comment_too_long,
// invalid_idempotency_key, idempotency_key_reused (409),
// comment_rate_limited (429 with RetryAfter).
func (s *Service) SubmitComment(ctx context.Context, actor *identity.Account, decisionID int64, in CommentInput) (c Comment, created bool, err error) {
	if err := identity.RequireRole(actor, identity.RoleResident); err != nil {
		return Comment{}, false, err
	}
	if !actor.Verified() {
		return Comment{}, false, errs.Forbidden("phone_not_verified", "请先验证手机号码后再提交意见")
	}
	in, err = cleanCommentInput(in)
	if err != nil {
		return Comment{}, false, err
	}
	now := s.now().Truncate(time.Microsecond)
	normalized := hashNormalized(NormalizeComment(in.Body))
	for attempt := 0; ; attempt++ {
		r, err := s.insertCommentFast(ctx, actor, decisionID, in, normalized, now)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "comments_receipt_key" && attempt < 3 {
			continue // a receipt drawn twice (1 in 2^40 per day): draw again
		}
		if err != nil {
			return Comment{}, false, errs.Internal(err)
		}
		switch {
		case r.comment.ID != 0:
			r.comment.Own = true
			return r.comment, true, nil
		case r.replayed:
			// An earlier request with this key stored the comment (or a
			// concurrent one won the insert: ON CONFLICT DO NOTHING).
			prev, ok, err := s.commentByKey(ctx, actor.ID, in.IdempotencyKey)
			if err == nil && !ok {
				err = errs.Internal(errors.New("idempotency key conflict without a row"))
			}
			if err == nil {
				err = sameSubmission(prev, decisionID, in)
			}
			return prev, false, err
		case !r.open:
			if err := s.whyNotOpen(ctx, actor, decisionID, in.ArticleAnchor, now); err != nil || attempt >= 2 {
				if err == nil {
					err = errs.Internal(errors.New("comment refused by the window check, but the consultation is open"))
				}
				return Comment{}, false, err
			}
			// The window opened between the two reads: try again.
		default:
			return Comment{}, false, r.limited
		}
	}
}

// whyNotOpen explains why the decision takes no comment on the article at
// now: the decision's visibility, the window, the article.
func (s *Service) whyNotOpen(ctx context.Context, actor *identity.Account, decisionID int64, anchor string, now time.Time) error {
	d, err := s.GetDecision(ctx, actor, decisionID)
	if err != nil {
		return err
	}
	cons, err := s.openConsultationAt(ctx, &d, now)
	if err != nil {
		return err
	}
	if anchor != "" {
		var ok bool
		if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM draft_articles WHERE version_id = $1 AND anchor = $2)`,
			cons.VersionID, anchor).Scan(&ok); err != nil {
			return errs.Internal(err)
		}
		if !ok {
			return errs.InvalidField("unknown_article", "article_anchor", "征求意见稿中没有这一条")
		}
	}
	return nil
}

// cleanCommentInput validates and normalises a submission.
func cleanCommentInput(in CommentInput) (CommentInput, error) {
	in.Body = strings.TrimSpace(cleanText(in.Body))
	in.ArticleAnchor = strings.TrimSpace(in.ArticleAnchor)
	in.Stance = strings.TrimSpace(in.Stance)
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	switch n := utf8.RuneCountInString(in.Body); {
	case n == 0 || !visibleText(in.Body):
		// A body of only spaces, zero-width, bidirectional-control or tag
		// characters shows nothing to a reader (issue 15, finding 7).
		return in, errs.InvalidField("comment_empty", "body", "请填写意见内容")
	case n > MaxCommentRunes:
		return in, errs.InvalidField("comment_too_long", "body", "意见内容不能超过5000字")
	}
	if in.Stance != "" && CommentStanceNames[in.Stance] == "" {
		return in, errs.InvalidField("invalid_stance", "stance", "态度只能是支持、反对或建议")
	}
	if len(in.IdempotencyKey) > MaxIdempotencyKeyLength || !utf8.ValidString(in.IdempotencyKey) || strings.ContainsRune(in.IdempotencyKey, 0) {
		return in, errs.InvalidField("invalid_idempotency_key", "Idempotency-Key", "Idempotency-Key 不能超过255个字符")
	}
	if len(in.ArticleAnchor) > 100 {
		return in, errs.InvalidField("unknown_article", "article_anchor", "征求意见稿中没有这一条")
	}
	return in, nil
}

// sameSubmission refuses a key reused for a different comment.
func sameSubmission(prev Comment, decisionID int64, in CommentInput) error {
	if prev.DecisionID != decisionID || prev.ArticleAnchor != in.ArticleAnchor || prev.Stance != in.Stance ||
		prev.Body != in.Body || prev.ShowName != in.ShowName {
		return errs.Conflict("idempotency_key_reused", "该 Idempotency-Key 已用于另一条意见，请为新的意见使用新的 Idempotency-Key")
	}
	return nil
}

// commentByKey returns the author's comment submitted with the key.
func (s *Service) commentByKey(ctx context.Context, accountID int64, key string) (Comment, bool, error) {
	list, err := queryComments(ctx, s.DB, `WHERE c.account_id = $1 AND c.idempotency_key = $2`, accountID, key)
	if err != nil || len(list) == 0 {
		return Comment{}, false, err
	}
	list[0].Own = true
	return list[0], true, nil
}

// openConsultationAt returns the consultation that accepts comments at
// now, or consultation_not_open: comments are accepted only from opens_at
// (inclusive) to ends_at (exclusive) of the latest consultation, while the
// decision is consulting (Decree 713 Art. 15).
func (s *Service) openConsultationAt(ctx context.Context, d *Decision, now time.Time) (Consultation, error) {
	c, err := getLatestConsultation(ctx, s.DB, d.ID)
	notOpen := func(msg string) error {
		return &errs.Error{Kind: errs.KindConflict, Code: "consultation_not_open", Basis: "Decree 713 Art. 15", Message: msg}
	}
	if errs.HasCode(err, "consultation_not_found") {
		return Consultation{}, notOpen("该决策事项没有公开征求意见")
	}
	if err != nil {
		return Consultation{}, err
	}
	loc := workday.Location()
	switch {
	case d.Status == StatusConsulting && c.IsOpen(now):
		return c, nil
	case c.ClosedAt == nil && now.Before(c.OpensAt):
		return Consultation{}, notOpen("征求意见尚未开始，开始时间为" + c.OpensAt.In(loc).Format("2006年1月2日 15:04"))
	default:
		return Consultation{}, notOpen("征求意见期已结束，截止时间为" + c.EndsAt.In(loc).Format("2006年1月2日 15:04"))
	}
}

// insertResult is what insertCommentFast found.
type insertResult struct {
	comment  Comment // ID 0 when nothing was inserted
	replayed bool    // the account already used the Idempotency-Key
	open     bool    // the window is open and the article exists
	limited  error   // comment_rate_limited, when a limit refused it
}

// insertCommentFast checks and inserts the comment in one statement: the
// Idempotency-Key, the window of the latest consultation (open from opens_at
// inclusive to ends_at exclusive, while the decision is consulting), the
// article, the CommentLimits, then the INSERT. The rate limits are read
// without a lock, so two requests racing at a limit may both pass: they stop
// floods and scripts, they are not quotas. For each limit the statement reads
// the limit-th most recent comment in its window: while it is inside the
// window, no more may be submitted; when it leaves, one more may.
func (s *Service) insertCommentFast(ctx context.Context, actor *identity.Account, decisionID int64, in CommentInput,
	normalizedHash string, now time.Time) (insertResult, error) {
	l := s.commentLimits()
	offset := func(limit int) int { return max(limit-1, 0) }
	var r insertResult
	var prevID, newID *int64
	var limitedAt [3]*time.Time
	var versionNumber, articleNumber *int
	var consultationID, versionID *int64
	var articleLabel, receipt *string
	bodyHash := SHA256Hex([]byte(in.Body))
	err := s.DB.QueryRow(ctx, `WITH prev AS (
			SELECT id FROM comments WHERE account_id = $2 AND idempotency_key = $4
		), target AS (
			SELECT c.id AS consultation_id, c.version_id, v.number AS version_number, a.label, a.number
			FROM decisions d
			JOIN LATERAL (SELECT id, version_id, opens_at, ends_at, closed_at FROM consultations
				WHERE decision_id = d.id ORDER BY id DESC LIMIT 1) c ON true
			JOIN draft_versions v ON v.id = c.version_id
			LEFT JOIN draft_articles a ON a.version_id = c.version_id AND a.anchor = $3
			WHERE d.id = $1 AND d.status = 'consulting' AND c.closed_at IS NULL AND c.opens_at <= $5 AND c.ends_at > $5
				AND ($3::text IS NULL OR a.anchor IS NOT NULL)
		), rate AS (
			SELECT CASE WHEN $12 THEN (SELECT created_at FROM comments WHERE account_id = $2 AND created_at > $5 - interval '1 minute'
					ORDER BY created_at DESC OFFSET $13 LIMIT 1) END AS minute,
				CASE WHEN $14 THEN (SELECT created_at FROM comments WHERE account_id = $2 AND created_at > $5 - interval '1 day'
					ORDER BY created_at DESC OFFSET $15 LIMIT 1) END AS day,
				CASE WHEN $16 THEN (SELECT created_at FROM comments WHERE client_addr = $11 AND created_at > $5 - interval '1 minute'
					ORDER BY created_at DESC OFFSET $17 LIMIT 1) END AS addr
		), ins AS (
			INSERT INTO comments (decision_id, consultation_id, version_id, article_anchor, account_id, receipt,
				stance, body, body_hash, normalized_hash, show_name, idempotency_key, client_addr, created_at)
			SELECT $1, t.consultation_id, t.version_id, $3, $2, $6, $7, $8, $9, $10, $18, $4, $11, $5
			FROM target t, rate r
			WHERE NOT EXISTS (SELECT 1 FROM prev) AND r.minute IS NULL AND r.day IS NULL AND r.addr IS NULL
			ON CONFLICT (account_id, idempotency_key) DO NOTHING
			RETURNING id, receipt
		)
		SELECT (SELECT id FROM prev), ins.id, ins.receipt, t.consultation_id, t.version_id, t.version_number, t.label, t.number,
			r.minute, r.day, r.addr
		FROM rate r LEFT JOIN target t ON true LEFT JOIN ins ON true`,
		decisionID, actor.ID, nullString(in.ArticleAnchor), nullString(in.IdempotencyKey), now,
		newReceipt(now), nullString(in.Stance), in.Body, bodyHash, normalizedHash, in.ClientAddr,
		l.PerAccountPerMinute >= 0, offset(l.PerAccountPerMinute), l.PerAccountPerDay >= 0, offset(l.PerAccountPerDay),
		l.PerAddressPerMinute >= 0 && in.ClientAddr != "", offset(l.PerAddressPerMinute), in.ShowName).
		Scan(&prevID, &newID, &receipt, &consultationID, &versionID, &versionNumber, &articleLabel, &articleNumber,
			&limitedAt[0], &limitedAt[1], &limitedAt[2])
	if err != nil {
		return r, err
	}
	r.open = consultationID != nil
	switch {
	case prevID != nil:
		r.replayed = true
	case newID != nil:
		author := actor.Pseudonym
		if in.ShowName {
			author = actor.DisplayName
		}
		r.comment = Comment{ID: *newID, DecisionID: decisionID, ConsultationID: *consultationID, VersionID: *versionID,
			VersionNumber: *versionNumber, ArticleAnchor: in.ArticleAnchor, ArticleLabel: deref(articleLabel), ArticleNumber: deref(articleNumber),
			AccountID: actor.ID, AuthorName: author, Receipt: *receipt, Stance: in.Stance, Body: in.Body, BodyHash: bodyHash,
			ShowName: in.ShowName, Status: CommentPending, CreatedAt: now}
	case r.open:
		windows := [3]time.Duration{time.Minute, 24 * time.Hour, time.Minute}
		for i, at := range limitedAt {
			if at == nil {
				continue
			}
			wait := max(at.Add(windows[i]).Sub(now), time.Second)
			msg := "提交意见过于频繁，请稍后再试"
			if windows[i] > time.Minute {
				msg = "今天提交的意见已达上限，请明天再试"
			}
			r.limited = errs.RateLimited("comment_rate_limited", msg, wait)
			return r, nil
		}
		// Nothing refused it, yet nothing was inserted: a concurrent request
		// with the same key won (ON CONFLICT DO NOTHING).
		r.replayed = in.IdempotencyKey != ""
		if !r.replayed {
			return r, errors.New("comment insert returned no row")
		}
	}
	return r, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ModerationAction is what staff do with a comment in the moderation queue.
type ModerationAction string

// The moderation actions.
const (
	ModerationPublish ModerationAction = "publish"
	ModerationReject  ModerationAction = "reject"
)

// RecordCommentModerated is the record entry of a moderation decision.
const RecordCommentModerated RecordKind = "comment_moderated"

// ModerateComment publishes or rejects a comment. A rejection needs one of
// RejectionReasons. A decision can be revised (a published comment later
// found to hold personal information is rejected) until the adoption report
// is published; repeating the current decision changes nothing. Each change
// appends a comment_moderated record entry with the receipt, the action, the
// reason and the SHA-256 of the text, and the text itself only when it is
// published: a rejected comment stays in the record by its hash, never by
// its words (personal information, abuse). Only staff of the decision's lead
// unit may call it, while the decision is consulting or handling. Codes:
// comment_not_found, authentication_required, not_lead_unit_staff,
// invalid_moderation_action, rejection_reason_required,
// invalid_rejection_reason, moderation_not_allowed_in_stage,
// adoption_report_published.
func (s *Service) ModerateComment(ctx context.Context, actor *identity.Account, commentID int64, action ModerationAction, reason string) (Comment, error) {
	reason = strings.TrimSpace(reason)
	var status CommentStatus
	switch action {
	case ModerationPublish:
		status, reason = CommentPublished, ""
	case ModerationReject:
		status = CommentRejected
		if reason == "" {
			return Comment{}, errs.InvalidField("rejection_reason_required", "reason", "不予公开须选择理由")
		}
		if RejectionReasons[reason] == "" {
			return Comment{}, errs.InvalidField("invalid_rejection_reason", "reason",
				"理由只能是 spam、abuse、personal_information、off_topic 或 duplicate_submission")
		}
	default:
		return Comment{}, errs.InvalidField("invalid_moderation_action", "action", "操作只能是 publish（公开）或 reject（不予公开）")
	}
	var decisionID int64
	if err := s.DB.QueryRow(ctx, `SELECT decision_id FROM comments WHERE id = $1`, commentID).Scan(&decisionID); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Comment{}, errCommentNotFound
		}
		return Comment{}, errs.Internal(err)
	}
	var out Comment
	err := s.writeDecision(ctx, actor, decisionID, requireLeadStaff, func(tx pgx.Tx, d Decision) (err error) {
		if d.Status != StatusConsulting && d.Status != StatusHandling {
			return errs.Conflict("moderation_not_allowed_in_stage", "决策事项处于"+StatusNames[d.Status]+"阶段，不能再审核意见")
		}
		var cur struct {
			status                CommentStatus
			reason, receipt, hash string
			body                  string
			anchor                *string
			reportPublished       bool
		}
		if err := tx.QueryRow(ctx, `SELECT c.status, coalesce(c.rejection_reason, ''), c.receipt, c.body_hash, c.body, c.article_anchor,
			EXISTS (SELECT 1 FROM adoption_reports r WHERE r.consultation_id = c.consultation_id AND r.status = 'published')
			FROM comments c WHERE c.id = $1 FOR UPDATE OF c`, commentID).
			Scan(&cur.status, &cur.reason, &cur.receipt, &cur.hash, &cur.body, &cur.anchor, &cur.reportPublished); err != nil {
			return errs.Internal(err)
		}
		if cur.reportPublished {
			return &errs.Error{Kind: errs.KindConflict, Code: "adoption_report_published", Basis: "Decree 713 Art. 29, 32",
				Message: "意见采纳情况说明已公布，不能再改变意见的审核结果"}
		}
		if cur.status != status || cur.reason != reason {
			now := s.now()
			if _, err := tx.Exec(ctx, `UPDATE comments SET status = $2, rejection_reason = $3, moderated_by = $4, moderated_at = $5 WHERE id = $1`,
				commentID, status, nullString(reason), actor.ID, now); err != nil {
				return errs.Internal(err)
			}
			payload := map[string]any{"comment_id": commentID, "receipt": cur.receipt, "action": action, "previous_status": cur.status,
				"reason": reason, "body_hash": cur.hash, "article_anchor": cur.anchor}
			if status == CommentPublished {
				payload["body"] = cur.body
			}
			if _, err := s.appendRecord(ctx, tx, decisionID, actor, RecordCommentModerated, payload); err != nil {
				return err
			}
		}
		out, err = getComment(ctx, tx, commentID)
		return err
	})
	return out, err
}

// visibleText reports whether s has at least one character a reader sees:
// a letter, digit, mark, punctuation or symbol, not a space, format
// character (zero-width, bidirectional controls, tags) or control.
func visibleText(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r) || unicode.Is(unicode.Zl, r) ||
			unicode.Is(unicode.Zp, r) || r == '\u3164' || r == '\uFFA0' || r == '\u115F' || r == '\u1160' {
			continue
		}
		return true
	}
	return false
}
