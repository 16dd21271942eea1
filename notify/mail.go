package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

var errMailOff = errors.New("notify: e-mail is not configured (CANYU_SMTP_URL)")

// Mailer sends e-mail over SMTP (net/smtp): smtp://[user:pass@]host:port
// uses STARTTLS when the server offers it, smtps:// connects over TLS.
type Mailer struct {
	URL  *url.URL
	From string
	// Timeout bounds one message (dial to QUIT); a slow server never holds
	// a job for long.
	Timeout time.Duration
}

// NewMailer parses CANYU_SMTP_URL and CANYU_MAIL_FROM.
func NewMailer(rawURL, from string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, fmt.Errorf("CANYU_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
	}
	if from == "" {
		from = "canyu@localhost"
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("CANYU_MAIL_FROM: %w", err)
	}
	return &Mailer{URL: u, From: from, Timeout: 20 * time.Second}, nil
}

// Message is one e-mail in plain text.
type Message struct {
	To      string
	Subject string
	Text    string
	// Unsubscribe, when set, is the one-click link: List-Unsubscribe and
	// List-Unsubscribe-Post (RFC 8058) carry it.
	Unsubscribe string
}

// Build returns the message in RFC 5322 form (UTF-8 text, base64 body).
func (m *Mailer) Build(msg Message, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := "localhost"
	if _, d, ok := strings.Cut(m.From, "@"); ok {
		domain = strings.Trim(d, "> ")
	}
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", mime.BEncoding.Encode("UTF-8", "参与平台")+" <"+bareAddress(m.From)+">")
	h("To", "<"+msg.To+">")
	h("Subject", mime.BEncoding.Encode("UTF-8", msg.Subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=UTF-8")
	h("Content-Transfer-Encoding", "base64")
	if msg.Unsubscribe != "" {
		h("List-Unsubscribe", "<"+msg.Unsubscribe+">")
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.WriteString("\r\n")
	body := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(msg.Text, "\n", "\r\n")))
	for len(body) > 76 {
		b.WriteString(body[:76] + "\r\n")
		body = body[76:]
	}
	b.WriteString(body + "\r\n")
	return b.Bytes()
}

func bareAddress(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return a.Address
	}
	return s
}

// Send delivers one message.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if m == nil {
		return errMailOff
	}
	if strings.ContainsAny(msg.To, "\r\n<>") {
		return fmt.Errorf("notify: bad recipient")
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host := m.URL.Hostname()
	d := net.Dialer{}
	var conn net.Conn
	var err error
	if m.URL.Scheme == "smtps" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: host}}).DialContext(ctx, "tcp", m.URL.Host)
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.URL.Host)
	}
	if err != nil {
		return fmt.Errorf("notify: smtp dial: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("notify: smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && m.URL.Scheme == "smtp" {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return fmt.Errorf("notify: starttls: %w", err)
		}
	}
	if u := m.URL.User; u != nil {
		pass, _ := u.Password()
		// net/smtp refuses PLAIN over an unencrypted link except to localhost.
		if err := c.Auth(smtp.PlainAuth("", u.Username(), pass, host)); err != nil {
			return fmt.Errorf("notify: smtp auth: %w", err)
		}
	}
	if err := c.Mail(bareAddress(m.From)); err != nil {
		return fmt.Errorf("notify: smtp mail: %w", err)
	}
	if err := c.Rcpt(msg.To); err != nil {
		return fmt.Errorf("notify: smtp rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: smtp data: %w", err)
	}
	if _, err := w.Write(m.Build(msg, time.Now())); err != nil {
		return fmt.Errorf("notify: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: smtp data: %w", err)
	}
	return c.Quit()
}
