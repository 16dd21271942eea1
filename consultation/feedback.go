package consultation

import (
	"context"
	"errors"
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

// Implementation feedback (Decree 713 Art. 35: 公民、法人或者其他组织认为重大
// 行政决策及其实施存在问题的，可以……向决策机关或者决策执行单位提出意见建议).
// Verified residents write to a published decision; the lead unit and the
// decision body read the opinions, the public sees how many there are. Each
// opinion is a process-record entry by its text's SHA-256 only, so the
// record stays free of residents' words but proves none was dropped.

// MaxFeedbackRunes bounds an implementation opinion. A comment on a draft
// may run to 5,000 characters because it argues about articles; an opinion
// on how a decision works in practice is a report of a problem, and 2,000
// characters (about a page) is enough for it.
const MaxFeedbackRunes = 2_000

// Feedback rate limits per account: a resident reporting a problem writes
// once or twice; 3 in ten minutes and 10 a day leave room for corrections
// and stop a script.
const (
	feedbackPerTenMinutes = 3
	feedbackPerDay        = 10
)

// Feedback is a resident's opinion on a decision's implementation.
type Feedback struct {
	ID         int64
	DecisionID int64
	// AuthorName is the author's pseudonym; staff never see the phone.
	AuthorName string
	Body       string
	BodyHash   string
	CreatedAt  time.Time
}

// FeedbackInput is a new implementation opinion.
type FeedbackInput struct {
	Body       string
	ClientAddr string
}

// CreateImplementationFeedback stores a verified resident's opinion on the
// implementation of a published decision (in_effect or published) and
// records its hash; the same text from the same resident again within
// feedbackResendWindow returns the first. Only residents may call it. Codes:
// authentication_required (401), forbidden_role, phone_not_verified (403),
// decision_not_found (404), feedback_body_required, feedback_body_too_long
// (422), feedback_not_open (409), feedback_rate_limited (429).
func (s *Service) CreateImplementationFeedback(ctx context.Context, actor *identity.Account, decisionID int64, in FeedbackInput) (Feedback, error) {
	switch {
	case actor == nil:
		return Feedback{}, errs.Unauthenticated("authentication_required", "请先登录")
	case !actor.HasRole(identity.RoleResident):
		return Feedback{}, errs.Forbidden("forbidden_role", "只有公众账号可以对决策实施提出意见")
	case !actor.Verified():
		return Feedback{}, errs.Forbidden("phone_not_verified", "请先验证手机号码后再提出意见")
	}
	body := strings.TrimSpace(cleanText(in.Body))
	if body == "" {
		return Feedback{}, errs.InvalidField("feedback_body_required", "body", "请填写意见内容")
	}
	if utf8.RuneCountInString(body) > MaxFeedbackRunes {
		return Feedback{}, errs.InvalidField("feedback_body_too_long", "body", "意见不能超过"+strconv.Itoa(MaxFeedbackRunes)+"字")
	}
	f := Feedback{Body: body, BodyHash: SHA256Hex([]byte(body)), AuthorName: actor.Pseudonym}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		d, err := lockDecision(ctx, tx, decisionID)
		if err != nil {
			return err
		}
		if !canSee(actor, &d) {
			return errDecisionNotFound
		}
		if d.Status != StatusPublished && d.Status != StatusInEffect {
			return errs.Conflict("feedback_not_open", "只能对已公布施行的决策提出实施意见（决策事项处于"+StatusNames[d.Status]+"阶段）")
		}
		now := s.now().Truncate(time.Microsecond)
		// The same text from the same resident within ten minutes is the
		// form sent twice (a double tap, a resend after a lost answer): the
		// first is answered again, so that it is counted once towards
		// FeedbackCount and the post-evaluation threshold (Art. 36). The
		// decision's lock orders the two.
		err = tx.QueryRow(ctx, `SELECT id, created_at FROM implementation_feedback
			WHERE decision_id = $1 AND account_id = $2 AND body_hash = $3 AND created_at > $4
			ORDER BY id DESC LIMIT 1`, d.ID, actor.ID, f.BodyHash, now.Add(-feedbackResendWindow)).Scan(&f.ID, &f.CreatedAt)
		if err == nil {
			f.DecisionID = d.ID
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return errs.Internal(err)
		}
		if err := checkFeedbackRate(ctx, tx, actor.ID, now); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO implementation_feedback (decision_id, account_id, body, body_hash, client_addr, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, d.ID, actor.ID, f.Body, f.BodyHash, in.ClientAddr, now).Scan(&f.ID); err != nil {
			return errs.Internal(err)
		}
		f.DecisionID, f.CreatedAt = d.ID, now
		_, err = s.appendRecord(ctx, tx, d.ID, actor, RecordImplementationFeedback, map[string]any{"feedback_id": f.ID, "body_sha256": f.BodyHash})
		return err
	})
	if err != nil {
		return Feedback{}, err
	}
	return f, nil
}

// feedbackResendWindow is how long the same text from the same resident
// is taken for the same opinion sent again.
const feedbackResendWindow = 10 * time.Minute

// checkFeedbackRate refuses a resident who wrote too many opinions lately.
func checkFeedbackRate(ctx context.Context, tx pgx.Tx, accountID int64, now time.Time) error {
	// The limit-th most recent opinion in the window: when it leaves the
	// window, one more may be written.
	return pgrows.CheckWindows(ctx, tx, "feedback_rate_limited", `SELECT created_at FROM implementation_feedback
		WHERE account_id = $1 AND created_at > $2 ORDER BY created_at DESC OFFSET $3 LIMIT 1`, accountID, now,
		pgrows.Window{Limit: feedbackPerTenMinutes, Span: 10 * time.Minute, Msg: "提出意见过于频繁，请稍后再试"},
		pgrows.Window{Limit: feedbackPerDay, Span: 24 * time.Hour, Msg: "今天提出的意见已达上限，请明天再试"})
}

// ListImplementationFeedback returns one page of a decision's
// implementation opinions, oldest first (cursor: the last id). Staff of the
// lead unit or the decision body and admins may call it. Codes:
// decision_not_found, not_lead_unit_staff, invalid_cursor.
func (s *Service) ListImplementationFeedback(ctx context.Context, actor *identity.Account, decisionID int64, limit int, cur string) ([]Feedback, string, error) {
	after, err := cursor.Decode(cur)
	if err != nil {
		return nil, "", err
	}
	d, err := getDecision(ctx, s.DB, decisionID, false)
	if err != nil {
		return nil, "", err
	}
	if !actor.HasRole(identity.RoleAdmin) && !actor.IsStaffOf(d.LeadAgencyID) && !actor.IsStaffOf(d.DecisionBodyID) {
		if !canSee(actor, &d) {
			return nil, "", errDecisionNotFound
		}
		return nil, "", errs.Forbidden("not_lead_unit_staff", "只有承办单位或决策机关的工作人员可以查看实施意见")
	}
	limit = cursor.Limit(limit)
	rows, err := s.DB.Query(ctx, `SELECT f.id, f.decision_id, a.pseudonym, f.body, f.body_hash, f.created_at
		FROM implementation_feedback f JOIN accounts a ON a.id = f.account_id
		WHERE f.decision_id = $1 AND f.id > $2 ORDER BY f.id LIMIT $3`, decisionID, after, limit+1)
	list, next, err := cursor.Collect(rows, err, limit, pgx.RowToStructByPos[Feedback], func(v Feedback) int64 { return v.ID })
	if err != nil {
		return nil, "", err
	}
	if list == nil {
		list = []Feedback{}
	}
	return list, next, nil
}
