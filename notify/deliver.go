package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// ErrHeld says a text was not sent because the recipient's quiet hours
// are on; the job is moved to their end.
type ErrHeld struct{ Until time.Time }

func (e *ErrHeld) Error() string {
	return "notify: held for quiet hours until " + e.Until.Format(time.RFC3339)
}

type recipient struct {
	Title, Body, Link string
	AccountID         int64
	Phone             *string
	Settings
}

func (s *Service) recipientOf(ctx context.Context, q pgx.Tx, notificationID int64) (recipient, error) {
	var r recipient
	err := q.QueryRow(ctx, `SELECT n.title, n.body, n.link, n.account_id, a.phone, coalesce(st.email, ''), st.email_confirmed_at,
			coalesce(st.email_on, true), coalesce(st.sms_on, false), coalesce(st.quiet_start, 22), coalesce(st.quiet_end, 7)
		FROM notifications n JOIN accounts a ON a.id = n.account_id LEFT JOIN notification_settings st ON st.account_id = n.account_id
		WHERE n.id = $1 AND a.deleted_at IS NULL`, notificationID).Scan(&r.Title, &r.Body, &r.Link, &r.AccountID, &r.Phone, &r.Email,
		&r.EmailConfirmedAt, &r.EmailOn, &r.SMSOn, &r.QuietStart, &r.QuietEnd)
	return r, err
}

func (s *Service) link(path string) string { return strings.TrimRight(s.BaseURL, "/") + path }

// Deliver sends one immediate notification over channel ("email" or
// "sms"), unless it was sent already or the recipient has since turned the
// channel off. A text in the recipient's quiet hours is not sent: the
// error is *ErrHeld with the time to try again. The delivery job calls it;
// a send error makes River retry with backoff.
func (s *Service) Deliver(ctx context.Context, notificationID int64, channel string) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// The delivery row, taken first, keeps two runs of one job from both sending.
		tag, err := tx.Exec(ctx, `INSERT INTO notification_deliveries (notification_id, channel, sent_at) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, notificationID, channel, s.now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return nil // sent before
		}
		r, err := s.recipientOf(ctx, tx, notificationID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // the account was deleted
		}
		if err != nil {
			return err
		}
		switch channel {
		case "email":
			if !r.EmailConfirmed() || !r.EmailOn || s.Mailer == nil {
				return nil
			}
			unsub, err := s.UnsubscribeURL(ctx, r.AccountID, ScopeEmail)
			if err != nil {
				return err
			}
			return s.Mailer.Send(ctx, Message{To: r.Email, Subject: r.Title, Unsubscribe: unsub,
				Text: r.Body + "\n\n查看详情：" + s.link(r.Link) + "\n\n——\n不想再收到邮件通知？打开这个链接即可退订：" + unsub + "\n"})
		case "sms":
			if !r.SMSOn || r.Phone == nil || s.SMS == nil {
				return nil
			}
			if until := quietUntil(s.now(), r.QuietStart, r.QuietEnd); until.After(s.now()) {
				return &ErrHeld{Until: until}
			}
			return s.SMS.SendText(ctx, *r.Phone, "【参与平台】"+r.Title+"。详情："+s.link(r.Link)+" 回复请登录平台，退订请在通知设置中关闭短信")
		}
		return fmt.Errorf("notify: unknown channel %q", channel)
	})
}

// QueueDigests queues one digest job per account with notifications not
// yet digested, and marks as digested those of accounts that get no mail
// (no confirmed address, or e-mail off): their inbox has them. The daily
// periodic job calls it. It returns how many digests it queued.
func (s *Service) QueueDigests(ctx context.Context) (int, error) {
	if s.Queue == nil {
		return 0, nil
	}
	n := 0
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE notifications n SET digested_at = $1 WHERE digested_at IS NULL AND NOT immediate
			AND NOT EXISTS (SELECT 1 FROM notification_settings st WHERE st.account_id = n.account_id AND st.email_on
				AND st.email <> '' AND st.email_confirmed_at IS NOT NULL)`, s.now()); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT account_id FROM notifications WHERE digested_at IS NULL AND NOT immediate`)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		params := make([]river.InsertManyParams, 0, len(ids))
		for _, id := range ids {
			params = append(params, river.InsertManyParams{Args: DigestArgs{AccountID: id}})
		}
		if len(params) > 0 {
			if _, err := s.Queue.InsertManyFastTx(ctx, tx, params); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// SendDigest mails the account one message listing its notifications not
// yet digested, and marks them digested in the same transaction (a failed
// send leaves them for the retry).
func (s *Service) SendDigest(ctx context.Context, accountID int64) error {
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, title, body, link FROM notifications WHERE account_id = $1 AND digested_at IS NULL
			AND NOT immediate ORDER BY id FOR UPDATE SKIP LOCKED`, accountID)
		if err != nil {
			return err
		}
		type item struct {
			ID                int64
			Title, Body, Link string
		}
		var items []item
		var it item
		if _, err := pgx.ForEachRow(rows, []any{&it.ID, &it.Title, &it.Body, &it.Link}, func() error {
			items = append(items, it)
			return nil
		}); err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		st, err := getSettings(ctx, tx, accountID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE notifications SET digested_at = $2 WHERE id = ANY($1)`, ids, s.now()); err != nil {
			return err
		}
		if !st.EmailConfirmed() || !st.EmailOn || s.Mailer == nil {
			return nil
		}
		unsub, err := s.UnsubscribeURL(ctx, accountID, ScopeEmail)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "您关注的决策事项有%d条新动态：\n\n", len(items))
		for i, it := range items {
			fmt.Fprintf(&b, "%d. %s\n   %s\n   %s\n\n", i+1, it.Title, it.Body, s.link(it.Link))
		}
		b.WriteString("管理关注和通知方式：" + s.link("/me/notifications/settings") + "\n")
		b.WriteString("不想再收到邮件通知？打开这个链接即可退订：" + unsub + "\n")
		return s.Mailer.Send(ctx, Message{To: st.Email, Subject: fmt.Sprintf("每日通知汇总：%d条新动态", len(items)),
			Text: b.String(), Unsubscribe: unsub})
	})
}
