// Package notify tells residents about the decisions they follow (issue
// 17). A resident follows a domain, an agency or a decision; the consumer
// reads the domain events (package events) after the step committed and
// fans each out to the followers as queued River jobs, so sending never
// blocks or fails the step. Channels: the inbox on the site (always), e-mail
// over SMTP to a confirmed address, SMS through the gateway. A reply to the
// resident's own opinion goes out at once; everything else is gathered into
// one daily digest e-mail. Every e-mail carries a one-click unsubscribe
// link (RFC 8058); SMS waits out the resident's quiet hours.
package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// TextSender sends a text message to a mobile number: the SMS gateway, an
// external boundary (identity.LogSMSSender logs in development).
type TextSender interface {
	SendText(ctx context.Context, phone, text string) error
}

// Queue inserts jobs inside a transaction (a *river.Client[pgx.Tx]).
type Queue interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertManyFastTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) (int, error)
}

// Service is the subscriptions, the inbox and the senders.
type Service struct {
	DB *pgxpool.Pool
	// Mailer sends e-mail; nil: the inbox only (CANYU_SMTP_URL unset).
	Mailer *Mailer
	// SMS sends texts; nil: no SMS.
	SMS TextSender
	// Queue is where fan-out and deliveries are queued; nil runs nothing.
	Queue Queue
	// BaseURL is the site's public address, for links in e-mail and SMS.
	BaseURL string
	Logger  *slog.Logger
	Now     func() time.Time
	// FanOutBatch is how many followers one transaction of a fan-out
	// writes, and FanOutDuty the share of time a fan-out spends writing:
	// after each batch it rests for the batch's time × (1/duty − 1). At
	// full speed 50,000 followers took 8.5 s but slowed comment submission
	// by 56% on the 2-core test machine; at 0.1 they take about ten times
	// as long, well inside the five minutes, and comments keep their pace
	// (BenchmarkNotificationStorm). 1 or more: no rest.
	FanOutBatch int
	FanOutDuty  float64

	keyMu sync.Mutex
	key   []byte
}

// MaxFanOutRest caps the rest between two batches of a fan-out.
const MaxFanOutRest = time.Second

// NewService returns a Service on db with the inbox only.
func NewService(db *pgxpool.Pool) *Service {
	return &Service{DB: db, Now: time.Now, Logger: slog.Default(), FanOutBatch: 1000, FanOutDuty: 0.1}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Target is what a subscription follows: exactly one of the three.
type Target struct {
	Domain     string
	AgencyID   int64
	DecisionID int64
}

// Subscription is one thing a resident follows.
type Subscription struct {
	ID           int64     `db:"id"`
	AccountID    int64     `db:"account_id"`
	Domain       *string   `db:"domain"`
	AgencyID     *int64    `db:"agency_id"`
	DecisionID   *int64    `db:"decision_id"`
	CreatedAt    time.Time `db:"created_at"`
	AgencyName   *string   `db:"agency_name"`
	DecisionName *string   `db:"decision_title"`
}

// Label is how pages name the followed thing in Chinese.
func (s Subscription) Label() string {
	switch {
	case s.Domain != nil:
		return consultation.DomainNames[consultation.Domain(*s.Domain)] + "领域"
	case s.AgencyName != nil:
		return *s.AgencyName
	case s.DecisionName != nil:
		return "《" + *s.DecisionName + "》"
	}
	return ""
}

var errSignIn = errs.Unauthenticated("sign_in_required", "请先登录")

func requireSignedIn(actor *identity.Account) error {
	if actor == nil {
		return errSignIn
	}
	return nil
}

// Follow subscribes the actor to a domain, an agency or a decision the
// actor may see; following twice changes nothing. Any signed-in account may
// call it. Codes: sign_in_required, invalid_subscription_target,
// invalid_domain, agency_not_found, decision_not_found.
func (s *Service) Follow(ctx context.Context, actor *identity.Account, t Target) (Subscription, error) {
	if err := requireSignedIn(actor); err != nil {
		return Subscription{}, err
	}
	n := 0
	for _, set := range []bool{t.Domain != "", t.AgencyID != 0, t.DecisionID != 0} {
		if set {
			n++
		}
	}
	if n != 1 {
		return Subscription{}, errs.Invalid("invalid_subscription_target", "请选择要关注的领域、单位或决策事项中的一项")
	}
	var domain *string
	var agency, decision *int64
	switch {
	case t.Domain != "":
		if consultation.DomainNames[consultation.Domain(t.Domain)] == "" {
			return Subscription{}, errs.InvalidField("invalid_domain", "domain", "没有这个领域")
		}
		domain = &t.Domain
	case t.AgencyID != 0:
		var ok bool
		if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM agencies WHERE id = $1)`, t.AgencyID).Scan(&ok); err != nil {
			return Subscription{}, errs.Internal(err)
		}
		if !ok {
			return Subscription{}, errs.NotFound("agency_not_found", "单位不存在")
		}
		agency = &t.AgencyID
	default:
		// Only a decision the actor may see can be followed.
		var visible bool
		if err := s.DB.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM decisions WHERE id = $1 AND public_since IS NOT NULL
			AND NOT not_disclosable)`, t.DecisionID).Scan(&visible); err != nil {
			return Subscription{}, errs.Internal(err)
		}
		if !visible {
			return Subscription{}, errs.NotFound("decision_not_found", "决策事项不存在")
		}
		decision = &t.DecisionID
	}
	var id int64
	err := s.DB.QueryRow(ctx, `INSERT INTO subscriptions (account_id, domain, agency_id, decision_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, domain, agency_id, decision_id) DO UPDATE SET account_id = EXCLUDED.account_id RETURNING id`,
		actor.ID, domain, agency, decision).Scan(&id)
	if err != nil {
		return Subscription{}, errs.Internal(err)
	}
	return s.getSubscription(ctx, actor.ID, id)
}

const subscriptionColumns = `s.id, s.account_id, s.domain, s.agency_id, s.decision_id, s.created_at, a.name AS agency_name,
	d.title AS decision_title`

const subscriptionFrom = ` FROM subscriptions s LEFT JOIN agencies a ON a.id = s.agency_id LEFT JOIN decisions d ON d.id = s.decision_id`

func (s *Service) getSubscription(ctx context.Context, accountID, id int64) (Subscription, error) {
	return pgrows.One[Subscription](ctx, s.DB, errs.NotFound("subscription_not_found", "没有这项关注"), `SELECT `+subscriptionColumns+subscriptionFrom+` WHERE s.id = $1 AND s.account_id = $2`, id, accountID)
}

// ListSubscriptions returns what the actor follows, newest first. Codes:
// sign_in_required.
func (s *Service) ListSubscriptions(ctx context.Context, actor *identity.Account) ([]Subscription, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	return pgrows.All[Subscription](ctx, s.DB, `SELECT `+subscriptionColumns+subscriptionFrom+` WHERE s.account_id = $1 ORDER BY s.id DESC`, actor.ID)
}

// Following reports which of the targets the actor follows (for the follow
// buttons); an anonymous actor follows nothing.
func (s *Service) Following(ctx context.Context, actor *identity.Account, t Target) (int64, error) {
	if actor == nil {
		return 0, nil
	}
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT id FROM subscriptions WHERE account_id = $1 AND domain IS NOT DISTINCT FROM nullif($2, '')
		AND agency_id IS NOT DISTINCT FROM nullif($3, 0) AND decision_id IS NOT DISTINCT FROM nullif($4, 0)`,
		actor.ID, t.Domain, t.AgencyID, t.DecisionID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

// Unfollow ends one of the actor's subscriptions. Codes: sign_in_required,
// subscription_not_found.
func (s *Service) Unfollow(ctx context.Context, actor *identity.Account, id int64) error {
	if err := requireSignedIn(actor); err != nil {
		return err
	}
	tag, err := s.DB.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1 AND account_id = $2`, id, actor.ID)
	if err != nil {
		return errs.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return errs.NotFound("subscription_not_found", "没有这项关注")
	}
	return nil
}

// Settings are how a resident wants to be told.
type Settings struct {
	Email            string     `db:"email"`
	EmailConfirmedAt *time.Time `db:"email_confirmed_at"`
	EmailOn          bool       `db:"email_on"`
	SMSOn            bool       `db:"sms_on"`
	QuietStart       int        `db:"quiet_start"`
	QuietEnd         int        `db:"quiet_end"`
}

// EmailConfirmed reports whether mail may go to Email.
func (st Settings) EmailConfirmed() bool { return st.Email != "" && st.EmailConfirmedAt != nil }

// DefaultSettings are a resident's settings before they change any: the
// inbox, e-mail on once an address is confirmed, no SMS, quiet 22:00–07:00.
var DefaultSettings = Settings{EmailOn: true, QuietStart: 22, QuietEnd: 7}

func getSettings(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, accountID int64) (Settings, error) {
	rows, err := q.Query(ctx, `SELECT email, email_confirmed_at, email_on, sms_on, quiet_start, quiet_end
		FROM notification_settings WHERE account_id = $1`, accountID)
	if err != nil {
		return Settings{}, errs.Internal(err)
	}
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Settings])
	if errors.Is(err, pgx.ErrNoRows) {
		return DefaultSettings, nil
	}
	if err != nil {
		return Settings{}, errs.Internal(err)
	}
	return st, nil
}

// GetSettings returns the actor's notification settings. Codes:
// sign_in_required.
func (s *Service) GetSettings(ctx context.Context, actor *identity.Account) (Settings, error) {
	if err := requireSignedIn(actor); err != nil {
		return Settings{}, err
	}
	return getSettings(ctx, s.DB, actor.ID)
}

// SettingsInput changes the settings; Email "" removes the address.
type SettingsInput struct {
	Email      string
	EmailOn    bool
	SMSOn      bool
	QuietStart int
	QuietEnd   int
}

// UpdateSettings saves the actor's settings. A new e-mail address is sent a
// confirmation link and gets no notification until it is confirmed; a new
// address past the confirmation limit (takeConfirmation) saves nothing.
// Codes: sign_in_required, invalid_email, invalid_quiet_hours,
// phone_required (SMS without a phone number), confirmation_too_soon,
// confirmation_limit_reached.
func (s *Service) UpdateSettings(ctx context.Context, actor *identity.Account, in SettingsInput) (Settings, error) {
	if err := requireSignedIn(actor); err != nil {
		return Settings{}, err
	}
	var problems []errs.FieldError
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			problems = append(problems, errs.FieldError{Field: "email", Message: "请填写正确的电子邮箱地址，例如 name@example.com"})
		}
	}
	if in.QuietStart < 0 || in.QuietStart > 23 || in.QuietEnd < 0 || in.QuietEnd > 23 {
		problems = append(problems, errs.FieldError{Field: "quiet_start", Message: "免打扰时段须为0至23点"})
	}
	if in.SMSOn && (actor.Phone == nil || *actor.Phone == "") {
		problems = append(problems, errs.FieldError{Field: "sms_on", Message: "账号没有手机号码，不能接收短信"})
	}
	if len(problems) > 0 {
		return Settings{}, &errs.Error{Kind: errs.KindInvalid, Code: "invalid_notification_settings", Message: "通知设置有误", Fields: problems}
	}
	prev, err := getSettings(ctx, s.DB, actor.ID)
	if err != nil {
		return Settings{}, err
	}
	changed := email != "" && email != prev.Email
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO notification_settings (account_id, email, email_confirmed_at, email_on, sms_on, quiet_start,
			quiet_end, updated_at) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7)
			ON CONFLICT (account_id) DO UPDATE SET email = EXCLUDED.email,
				email_confirmed_at = CASE WHEN notification_settings.email = EXCLUDED.email THEN notification_settings.email_confirmed_at END,
				email_on = EXCLUDED.email_on, sms_on = EXCLUDED.sms_on, quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
				updated_at = EXCLUDED.updated_at`, actor.ID, email, in.EmailOn, in.SMSOn, in.QuietStart, in.QuietEnd, s.now()); err != nil {
			return errs.Internal(err)
		}
		if changed {
			return s.takeConfirmation(ctx, tx, actor.ID)
		}
		return nil
	})
	if err != nil {
		return Settings{}, err
	}
	if changed {
		// A failed confirmation mail never fails the save: the page offers
		// to send it again.
		if err := s.sendConfirmation(ctx, actor.ID, email); err != nil {
			s.Logger.WarnContext(ctx, "notify: confirmation mail not sent", "error", err)
		}
	}
	return getSettings(ctx, s.DB, actor.ID)
}

// ResendConfirmation sends the confirmation link again. Codes:
// sign_in_required, email_not_set, email_already_confirmed, mail_unavailable,
// confirmation_too_soon, confirmation_limit_reached.
func (s *Service) ResendConfirmation(ctx context.Context, actor *identity.Account) error {
	st, err := s.GetSettings(ctx, actor)
	if err != nil {
		return err
	}
	if st.Email == "" {
		return errs.Conflict("email_not_set", "还没有填写电子邮箱")
	}
	if st.EmailConfirmed() {
		return errs.Conflict("email_already_confirmed", "电子邮箱已经确认")
	}
	if err := s.takeConfirmation(ctx, s.DB, actor.ID); err != nil {
		return err
	}
	if err := s.sendConfirmation(ctx, actor.ID, st.Email); err != nil {
		s.Logger.WarnContext(ctx, "notify: confirmation mail not sent", "error", err)
		return errs.Conflict("mail_unavailable", "邮件暂时无法发送，请稍后再试")
	}
	return nil
}

// The confirmation mails an account may have sent to addresses it typed:
// one a minute, ConfirmationsPerDay in 24 hours. Without a limit any
// signed-in account made the platform mail any address as often as it
// liked (outside check, security).
const (
	ConfirmationInterval = time.Minute
	ConfirmationsPerDay  = 5
)

// takeConfirmation counts one confirmation mail of the account, whose
// settings row exists, or refuses it. Codes: confirmation_too_soon,
// confirmation_limit_reached.
func (s *Service) takeConfirmation(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, accountID int64) error {
	now := s.now()
	var last, dayStart *time.Time
	var inDay int
	var ok bool
	err := q.QueryRow(ctx, `WITH old AS (SELECT confirmation_sent_at, confirmations_day_start, confirmations_in_day
			FROM notification_settings WHERE account_id = $1 FOR UPDATE),
		upd AS (UPDATE notification_settings n SET confirmation_sent_at = $2::timestamptz,
				confirmations_day_start = CASE WHEN o.confirmations_day_start IS NULL OR o.confirmations_day_start <= $2::timestamptz - interval '1 day'
					THEN $2::timestamptz ELSE o.confirmations_day_start END,
				confirmations_in_day = CASE WHEN o.confirmations_day_start IS NULL OR o.confirmations_day_start <= $2::timestamptz - interval '1 day'
					THEN 1 ELSE o.confirmations_in_day + 1 END
			FROM old o WHERE n.account_id = $1
				AND (o.confirmation_sent_at IS NULL OR o.confirmation_sent_at <= $2::timestamptz - make_interval(secs => $3))
				AND (o.confirmations_day_start IS NULL OR o.confirmations_day_start <= $2::timestamptz - interval '1 day' OR o.confirmations_in_day < $4)
			RETURNING 1)
		SELECT o.confirmation_sent_at, o.confirmations_day_start, o.confirmations_in_day, EXISTS (SELECT 1 FROM upd) FROM old o`,
		accountID, now, ConfirmationInterval.Seconds(), ConfirmationsPerDay).Scan(&last, &dayStart, &inDay, &ok)
	if err != nil {
		return errs.Internal(err)
	}
	if ok {
		return nil
	}
	if last != nil && now.Sub(*last) < ConfirmationInterval {
		return errs.RateLimited("confirmation_too_soon", "确认邮件发送过于频繁，请一分钟后再试", ConfirmationInterval-now.Sub(*last))
	}
	wait := time.Hour
	if dayStart != nil {
		wait = dayStart.Add(24 * time.Hour).Sub(now)
	}
	return errs.RateLimited("confirmation_limit_reached", "今日发送确认邮件的次数已达上限，请明天再试", max(wait, time.Second))
}
