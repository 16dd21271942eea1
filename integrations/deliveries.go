package integrations

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// DeliveryQueue sends one delivery as a job written in tx (internal/jobs).
type DeliveryQueue interface {
	EnqueueWebhookDelivery(ctx context.Context, tx pgx.Tx, deliveryID int64, maxAttempts int) error
}

// DefaultBackoff is the wait before each retry of a failed delivery: ten
// retries over about 16 hours, so a receiver down for an afternoon still
// gets everything; after the last one fails the webhook is paused.
var DefaultBackoff = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute,
	30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour, 8 * time.Hour}

// WebhookConsumer is the webhooks' cursor in domain_event_cursors.
const WebhookConsumer = "webhooks"

// The headers of a delivery. The signature is HMAC-SHA256 with the
// webhook's secret over the timestamp, a full stop and the body exactly as
// sent: hex in Canyu-Webhook-Signature as "v1=<hex>" (Sign).
const (
	HeaderDeliveryID = "Canyu-Webhook-Id"
	HeaderTimestamp  = "Canyu-Webhook-Timestamp"
	HeaderSignature  = "Canyu-Webhook-Signature"
	HeaderEventKind  = "Canyu-Webhook-Event"
)

// Sign returns the signature header value of a delivery body sent at ts
// (Unix seconds): "v1=" and hex HMAC-SHA256(secret, "<ts>.<body>").
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Verify is what a receiver does: recompute the signature in constant
// time and refuse a timestamp further than tolerance from now (a replayed
// old delivery).
func Verify(secret string, header http.Header, body []byte, now time.Time, tolerance time.Duration) bool {
	ts, err := strconv.ParseInt(header.Get(HeaderTimestamp), 10, 64)
	if err != nil {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	return hmac.Equal([]byte(header.Get(HeaderSignature)), []byte(Sign(secret, ts, body)))
}

// deliveryBody is what a receiver gets.
type deliveryBody struct {
	DeliveryID int64     `json:"delivery_id"`
	WebhookID  int64     `json:"webhook_id"`
	Event      eventBody `json:"event"`
}

type eventBody struct {
	ID          int64           `json:"id"`
	Kind        events.Kind     `json:"kind"`
	OccurredAt  time.Time       `json:"occurred_at"`
	DecisionID  *int64          `json:"decision_id,omitempty"`
	AgencyID    *int64          `json:"agency_id,omitempty"`
	Domain      string          `json:"domain,omitempty"`
	SubjectType string          `json:"subject_type"`
	SubjectIDs  []int64         `json:"subject_ids"`
	Payload     json.RawMessage `json:"payload"`
}

func (s *Service) backoff() []time.Duration {
	if s.Backoff == nil {
		return DefaultBackoff
	}
	return s.Backoff
}

// MaxAttempts is how many times a delivery is tried.
func (s *Service) MaxAttempts() int { return len(s.backoff()) + 1 }

// RetryAfter is the wait after the attempt-th failed attempt (1-based).
func (s *Service) RetryAfter(attempt int) time.Duration {
	b := s.backoff()
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(b) {
		return b[len(b)-1]
	}
	return b[attempt-1]
}

// FanOut turns the public domain events after the webhooks' cursor into
// deliveries, one per live webhook subscribed to the event's kind, and
// queues them; the deliveries and the moved cursor commit together, so an
// event is fanned out exactly once. A paused webhook's deliveries are
// held until redeliver-webhook. Events that are not public are skipped.
// It returns how many deliveries it wrote.
func (s *Service) FanOut(ctx context.Context) (int, error) {
	total := 0
	for {
		written := 0
		n, err := events.Consume(ctx, s.DB, WebhookConsumer, 200, func(ctx context.Context, tx pgx.Tx, evs []events.Stored) error {
			for _, ev := range evs {
				if !ev.Public {
					continue
				}
				k, err := s.fanOutEvent(ctx, tx, ev)
				if err != nil {
					return err
				}
				written += k
			}
			return nil
		})
		if err != nil {
			return total, errs.Internal(err)
		}
		total += written
		if n == 0 {
			return total, nil
		}
	}
}

func (s *Service) fanOutEvent(ctx context.Context, tx pgx.Tx, ev events.Stored) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, status FROM webhooks WHERE deleted_at IS NULL AND $1 = ANY (kinds) ORDER BY id`, string(ev.Kind))
	if err != nil {
		return 0, err
	}
	type target struct {
		id     int64
		status string
	}
	var targets []target
	var t target
	if _, err := pgx.ForEachRow(rows, []any{&t.id, &t.status}, func() error { targets = append(targets, t); return nil }); err != nil {
		return 0, err
	}
	payload := ev.Payload
	if len(payload) == 0 {
		payload = json.RawMessage(`{}`)
	}
	for _, t := range targets {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('webhook_deliveries', 'id'))`).Scan(&id); err != nil {
			return 0, err
		}
		body, err := json.Marshal(deliveryBody{DeliveryID: id, WebhookID: t.id, Event: eventBody{ID: ev.ID, Kind: ev.Kind,
			OccurredAt: ev.OccurredAt.UTC(), DecisionID: ev.DecisionID, AgencyID: ev.AgencyID, Domain: ev.Domain,
			SubjectType: ev.SubjectType, SubjectIDs: ev.SubjectIDs, Payload: payload}})
		if err != nil {
			return 0, err
		}
		status := "pending"
		if t.status != "active" {
			status = "held"
		}
		tag, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event_id, kind, body, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (webhook_id, event_id) DO NOTHING`,
			id, t.id, ev.ID, string(ev.Kind), string(body), status, s.now())
		if err != nil {
			return 0, err
		}
		if tag.RowsAffected() == 1 && status == "pending" && s.Queue != nil {
			if err := s.Queue.EnqueueWebhookDelivery(ctx, tx, id, s.MaxAttempts()); err != nil {
				return 0, err
			}
		}
	}
	return len(targets), nil
}

// errDeliveryFailed is returned to the job runner so that it retries.
var errDeliveryFailed = errors.New("webhook delivery failed")

// Deliver makes one attempt of a delivery (attempt is 1-based; final says
// no retry follows). A 2xx answer delivers it; otherwise the attempt is
// recorded and an error returned for the runner to retry after
// RetryAfter(attempt), and after the final attempt the delivery is failed
// and its webhook paused, which its organisation's page shows. A delivery
// already delivered, or of a paused or deleted webhook, is not sent.
func (s *Service) Deliver(ctx context.Context, deliveryID int64, attempt int, final bool) error {
	var url, secret, whStatus, status, body, kind string
	var deleted *time.Time
	var webhookID int64
	err := s.DB.QueryRow(ctx, `SELECT d.webhook_id, w.url, w.secret, w.status, w.deleted_at, d.status, d.body, d.kind
		FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1`, deliveryID).
		Scan(&webhookID, &url, &secret, &whStatus, &deleted, &status, &body, &kind)
	if errors.Is(err, pgx.ErrNoRows) || status == "delivered" {
		return nil
	}
	if err != nil {
		return errs.Internal(err)
	}
	if deleted != nil || whStatus != "active" {
		_, err := s.DB.Exec(ctx, `UPDATE webhook_deliveries SET status = 'held', next_attempt_at = NULL WHERE id = $1 AND status = 'pending'`, deliveryID)
		return errInternal(err)
	}
	code, sendErr, took := s.send(ctx, url, secret, deliveryID, kind, []byte(body))
	now := s.now()
	ok := sendErr == "" && code >= 200 && code < 300
	errText := sendErr
	if !ok && errText == "" {
		errText = fmt.Sprintf("接收方返回 HTTP %d", code)
	}
	var codeArg *int
	if code != 0 {
		codeArg = &code
	}
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms)
			VALUES ($1, (SELECT attempts + 1 FROM webhook_deliveries WHERE id = $1), $2, $3, $4, $5)`,
			deliveryID, now, codeArg, errText, int(took/time.Millisecond)); err != nil {
			return err
		}
		switch {
		case ok:
			_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2,
				last_error = '', delivered_at = $3, next_attempt_at = NULL WHERE id = $1`, deliveryID, codeArg, now)
			return err
		case final:
			if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1, last_status = $2,
				last_error = $3, next_attempt_at = NULL WHERE id = $1`, deliveryID, codeArg, errText); err != nil {
				return err
			}
			var orgID, owner int64
			err := tx.QueryRow(ctx, `UPDATE webhooks w SET status = 'paused', paused_at = $2, paused_reason = $3
				FROM organisations o WHERE w.id = $1 AND w.status = 'active' AND o.id = w.organisation_id
				RETURNING o.id, o.owner_account_id`, webhookID, now,
				fmt.Sprintf("第%d号推送尝试%d次均未成功（最后一次：%s），推送已暂停。排除故障后请点“恢复推送并重发”。", deliveryID, attempt, errText)).
				Scan(&orgID, &owner)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // already paused or deleted: told once
			}
			if err != nil {
				return err
			}
			// The owner is told in their inbox and, by their settings, by
			// e-mail and SMS at once (notify reads this private event).
			return events.Emit(ctx, tx, events.Event{Kind: events.WebhookPaused, OccurredAt: now,
				SubjectType: events.SubjectWebhook, SubjectIDs: []int64{webhookID},
				Payload: map[string]any{"webhook_id": webhookID, "organisation_id": orgID, "owner_account_id": owner,
					"delivery_id": deliveryID, "attempts": attempt}})
		default:
			_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $2, last_error = $3,
				next_attempt_at = $4 WHERE id = $1`, deliveryID, codeArg, errText, now.Add(s.RetryAfter(attempt)))
			return err
		}
	})
	if err != nil {
		return errs.Internal(err)
	}
	if !ok && !final {
		return fmt.Errorf("%w: delivery %d attempt %d: %s", errDeliveryFailed, deliveryID, attempt, errText)
	}
	return nil
}

func errInternal(err error) error {
	if err != nil {
		return errs.Internal(err)
	}
	return nil
}

// send posts a signed body and returns the status code, a Chinese error
// text when nothing was answered, and how long it took.
func (s *Service) send(ctx context.Context, url, secret string, deliveryID int64, kind string, body []byte) (int, string, time.Duration) {
	ts := s.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "推送地址无效", 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "canyu-webhooks/1")
	req.Header.Set(HeaderDeliveryID, strconv.FormatInt(deliveryID, 10))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, body))
	req.Header.Set(HeaderEventKind, kind)
	start := time.Now()
	res, err := s.client().Do(req)
	took := time.Since(start)
	if err != nil {
		var ne net.Error
		switch {
		case errors.Is(err, errPrivateTarget):
			return 0, "推送地址指向内网或保留地址，已拒绝", took
		case errors.As(err, &ne) && ne.Timeout():
			return 0, "接收方超时未响应", took
		default:
			return 0, "无法连接接收方", took
		}
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	return res.StatusCode, "", took
}

var errPrivateTarget = errors.New("webhook target is not a public address")

func (s *Service) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	s.clientOnce.Do(func() { s.defaultClient = s.newClient() })
	return s.defaultClient
}

// newClient is the default delivery client: a 10 s timeout, no redirects,
// and a dialer that refuses private addresses unless AllowPrivateTargets.
func (s *Service) newClient() *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if !s.AllowPrivateTargets {
		// Checked at connect time, after DNS: a name that resolved to a
		// public address when the webhook was made cannot be turned to an
		// internal one later.
		d.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !publicIP(ip) {
				return errPrivateTarget
			}
			return nil
		}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil,
		MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// Redeliver sends again a webhook's failed and held deliveries (or only
// deliveryID when not 0, whatever its state unless pending) and resumes the
// webhook when it was paused. The organisation's manager. Codes:
// organisation_not_found, webhook_not_found, delivery_not_found.
func (s *Service) Redeliver(ctx context.Context, actor *identity.Account, orgID, webhookID, deliveryID int64) (int, error) {
	if _, err := s.manageable(ctx, actor, orgID); err != nil {
		return 0, err
	}
	if _, err := s.webhook(ctx, orgID, webhookID); err != nil {
		return 0, err
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET status = 'active', paused_at = NULL, paused_reason = '' WHERE id = $1`, webhookID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = NULL
			WHERE webhook_id = $1 AND (($2 = 0 AND status IN ('failed', 'held')) OR ($2 <> 0 AND id = $2 AND status <> 'pending'))
			RETURNING id`, webhookID, deliveryID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if deliveryID != 0 && len(ids) == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2)`, deliveryID, webhookID).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return errs.NotFound("delivery_not_found", "没有这次推送")
			}
		}
		for _, id := range ids {
			if s.Queue != nil {
				if err := s.Queue.EnqueueWebhookDelivery(ctx, tx, id, s.MaxAttempts()); err != nil {
					return err
				}
			}
		}
		n = len(ids)
		return nil
	})
	if e, ok := errs.As(err); ok {
		return 0, e
	}
	if err != nil {
		return 0, errs.Internal(err)
	}
	return n, nil
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	N          int       `json:"n"`
	At         time.Time `json:"at"`
	StatusCode *int      `json:"status_code"`
	Error      string    `json:"error"`
	DurationMS int       `json:"duration_ms"`
}

// WebhookDelivery is one event sent (or to be sent) to a webhook.
type WebhookDelivery struct {
	ID            int64            `db:"id"`
	WebhookID     int64            `db:"webhook_id"`
	EventID       int64            `db:"event_id"`
	Kind          string           `db:"kind"`
	Status        string           `db:"status"`
	AttemptCount  int              `db:"attempts"`
	LastStatus    *int             `db:"last_status"`
	LastError     string           `db:"last_error"`
	NextAttemptAt *time.Time       `db:"next_attempt_at"`
	DeliveredAt   *time.Time       `db:"delivered_at"`
	CreatedAt     time.Time        `db:"created_at"`
	Attempts      []WebhookAttempt `db:"attempt_list"`
}

// ListDeliveries returns a webhook's deliveries, newest first, each with
// its attempts; before (a delivery id, 0 for the newest) pages back. To
// the organisation's manager or an admin. Codes: organisation_not_found,
// webhook_not_found.
func (s *Service) ListDeliveries(ctx context.Context, actor *identity.Account, orgID, webhookID, before int64, limit int) ([]WebhookDelivery, error) {
	if _, err := s.GetOrganisation(ctx, actor, orgID); err != nil {
		return nil, err
	}
	if _, err := s.webhook(ctx, orgID, webhookID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	return pgrows.All[WebhookDelivery](ctx, s.DB, `SELECT d.id, d.webhook_id, d.event_id, d.kind, d.status, d.attempts, d.last_status, d.last_error,
			d.next_attempt_at, d.delivered_at, d.created_at,
			coalesce((SELECT json_agg(json_build_object('n', a.n, 'at', a.at, 'status_code', a.status_code, 'error', a.error,
				'duration_ms', a.duration_ms) ORDER BY a.n) FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS attempt_list
		FROM webhook_deliveries d WHERE d.webhook_id = $1 AND ($2 = 0 OR d.id < $2) ORDER BY d.id DESC LIMIT $3`, webhookID, before, limit)
}
