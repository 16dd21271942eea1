package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/internal/errs"
)

// Signed links: an unsubscribe link works without signing in (RFC 8058
// one-click), so it carries the account and what to stop, signed with the
// key in notify_keys. Unsubscribe links do not expire (a digest read a
// month later must still work); a confirmation link names the address it
// confirms, so it cannot confirm another.

func (s *Service) secret(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := s.DB.Exec(ctx, `INSERT INTO notify_keys (key) VALUES ($1) ON CONFLICT DO NOTHING`, fresh); err != nil {
		return nil, err
	}
	var key []byte
	if err := s.DB.QueryRow(ctx, `SELECT key FROM notify_keys`).Scan(&key); err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

// sign returns "payload.mac" for the fields.
func (s *Service) sign(ctx context.Context, fields ...string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(fields, "\x00")))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return payload + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18]), nil
}

var errBadLink = errs.NotFound("invalid_link", "链接无效或已失效")

// verify checks a token and returns its fields.
func (s *Service) verify(ctx context.Context, token string) ([]string, error) {
	payload, mac, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errBadLink
	}
	key, err := s.secret(ctx)
	if err != nil {
		return nil, errs.Internal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil || !hmac.Equal(got, m.Sum(nil)[:18]) {
		return nil, errBadLink
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, errBadLink
	}
	return strings.Split(string(raw), "\x00"), nil
}

// Unsubscribe scopes.
const (
	ScopeEmail = "email" // no more e-mail of any kind
	ScopeSMS   = "sms"   // no more SMS
)

// UnsubscribeToken is the signed one-click link token that stops scope
// (ScopeEmail, ScopeSMS or "sub:<id>", one subscription) for the account.
func (s *Service) UnsubscribeToken(ctx context.Context, accountID int64, scope string) (string, error) {
	return s.sign(ctx, "u", strconv.FormatInt(accountID, 10), scope)
}

// UnsubscribeURL is the absolute one-click link.
func (s *Service) UnsubscribeURL(ctx context.Context, accountID int64, scope string) (string, error) {
	t, err := s.UnsubscribeToken(ctx, accountID, scope)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(s.BaseURL, "/") + "/unsubscribe/" + t, nil
}

// Unsubscription says what a link stops, for the page that confirms it.
type Unsubscription struct {
	AccountID int64
	Scope     string
	// What names it in Chinese ("全部邮件通知", "短信通知", "关注：…").
	What string
}

// DescribeUnsubscribe checks a link and says what it stops, changing
// nothing. Codes: invalid_link.
func (s *Service) DescribeUnsubscribe(ctx context.Context, token string) (Unsubscription, error) {
	f, err := s.verify(ctx, token)
	if err != nil {
		return Unsubscription{}, err
	}
	if len(f) != 3 || f[0] != "u" {
		return Unsubscription{}, errBadLink
	}
	id, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return Unsubscription{}, errBadLink
	}
	u := Unsubscription{AccountID: id, Scope: f[2]}
	switch {
	case u.Scope == ScopeEmail:
		u.What = "全部邮件通知"
	case u.Scope == ScopeSMS:
		u.What = "短信通知"
	case strings.HasPrefix(u.Scope, "sub:"):
		sid, err := strconv.ParseInt(strings.TrimPrefix(u.Scope, "sub:"), 10, 64)
		if err != nil {
			return Unsubscription{}, errBadLink
		}
		sub, err := s.getSubscription(ctx, id, sid)
		if err != nil {
			u.What = "这项关注（已取消）"
		} else {
			u.What = "关注：" + sub.Label()
		}
	default:
		return Unsubscription{}, errBadLink
	}
	return u, nil
}

// Unsubscribe carries out a one-click link: no sign-in, since the link
// itself is the proof (RFC 8058). Doing it twice is harmless. Codes:
// invalid_link.
func (s *Service) Unsubscribe(ctx context.Context, token string) (Unsubscription, error) {
	u, err := s.DescribeUnsubscribe(ctx, token)
	if err != nil {
		return u, err
	}
	switch {
	case u.Scope == ScopeEmail:
		_, err = s.DB.Exec(ctx, `INSERT INTO notification_settings (account_id, email_on) VALUES ($1, false)
			ON CONFLICT (account_id) DO UPDATE SET email_on = false, updated_at = now()`, u.AccountID)
	case u.Scope == ScopeSMS:
		_, err = s.DB.Exec(ctx, `INSERT INTO notification_settings (account_id, sms_on) VALUES ($1, false)
			ON CONFLICT (account_id) DO UPDATE SET sms_on = false, updated_at = now()`, u.AccountID)
	default:
		_, err = s.DB.Exec(ctx, `DELETE FROM subscriptions WHERE id = $1 AND account_id = $2`,
			strings.TrimPrefix(u.Scope, "sub:"), u.AccountID)
	}
	if err != nil {
		return u, errs.Internal(err)
	}
	return u, nil
}

func (s *Service) sendConfirmation(ctx context.Context, accountID int64, email string) error {
	if s.Mailer == nil {
		return errMailOff
	}
	t, err := s.sign(ctx, "c", strconv.FormatInt(accountID, 10), email)
	if err != nil {
		return err
	}
	link := strings.TrimRight(s.BaseURL, "/") + "/notifications/confirm-email/" + t
	return s.Mailer.Send(ctx, Message{To: email, Subject: "请确认接收通知的电子邮箱",
		Text: "您在“参与”重大行政决策公众参与平台填写了这个电子邮箱，用来接收您关注事项的通知。\n\n" +
			"请打开下面的链接确认：\n" + link + "\n\n如果不是您本人操作，请忽略这封邮件，我们不会再给这个地址发送通知。\n"})
}

// ConfirmEmail confirms the address a confirmation link names, if it is
// still the account's address. Codes: invalid_link.
func (s *Service) ConfirmEmail(ctx context.Context, token string) (string, error) {
	f, err := s.verify(ctx, token)
	if err != nil {
		return "", err
	}
	if len(f) != 3 || f[0] != "c" {
		return "", errBadLink
	}
	tag, err := s.DB.Exec(ctx, `UPDATE notification_settings SET email_confirmed_at = coalesce(email_confirmed_at, $3), updated_at = $3
		WHERE account_id = $1 AND email = $2`, f[1], f[2], s.now())
	if err != nil {
		return "", errs.Internal(err)
	}
	if tag.RowsAffected() == 0 {
		return "", errBadLink
	}
	return f[2], nil
}
