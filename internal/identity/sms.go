package identity

import (
	"context"
	"log/slog"
)

// SMSSender delivers a verification code to a mobile number. A real gateway
// implements it at the boundary; the default LogSMSSender only logs.
type SMSSender interface {
	SendVerificationCode(ctx context.Context, phone, code string) error
}

// LogSMSSender writes verification codes to the server log with the number
// masked. It is the development default: `serve` warns at start-up while it
// is in use, because no resident receives anything.
type LogSMSSender struct {
	Logger *slog.Logger
}

func (s LogSMSSender) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// SendText logs a notification text (package notify) at info level.
func (s LogSMSSender) SendText(ctx context.Context, phone, text string) error {
	s.logger().InfoContext(ctx, "sms notification (development sender, not delivered)", "phone", MaskPhone(phone), "text", text)
	return nil
}

// SendVerificationCode logs the code at info level.
func (s LogSMSSender) SendVerificationCode(ctx context.Context, phone, code string) error {
	s.logger().InfoContext(ctx, "sms verification code (development sender, not delivered)", "phone", MaskPhone(phone), "code", code)
	return nil
}
