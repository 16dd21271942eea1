// Package errs holds the one error type that domain services return. Each
// error carries a stable snake_case code that clients rely on, a readable
// message (Chinese where a resident or staff member reads it), and a kind
// that the transport layer maps to an HTTP status in a single table.
package errs

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// Kind classifies an Error for the transport layer.
type Kind int

// The kinds of error a service can return.
const (
	KindInternal Kind = iota
	KindInvalid
	KindNotFound
	KindConflict
	KindUnauthenticated
	KindForbidden
	KindRateLimited
	KindTooLarge
	KindUnavailable
)

// Gate is one failed procedure gate: the rule that refused, its legal basis
// and a readable message.
type Gate struct {
	Code    string `json:"code" doc:"Stable machine-readable code of the rule that refused."`
	Basis   string `json:"basis,omitempty" doc:"Legal basis of the rule, e.g. Decree 713 Art. 15."`
	Message string `json:"message" doc:"Readable explanation in Chinese."`
}

// FieldError names one invalid input field.
type FieldError struct {
	Field   string `json:"field" doc:"Name of the offending field."`
	Message string `json:"message" doc:"What is wrong with it, in Chinese."`
}

// Error is a domain error with a stable code.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	Basis      string
	Gates      []Gate
	Fields     []FieldError
	RetryAfter time.Duration
	Err        error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the wrapped cause.
func (e *Error) Unwrap() error { return e.Err }

// Invalid returns a KindInvalid error.
func Invalid(code, msg string) *Error { return &Error{Kind: KindInvalid, Code: code, Message: msg} }

// InvalidField returns a KindInvalid error naming one field.
func InvalidField(code, field, msg string) *Error {
	return &Error{Kind: KindInvalid, Code: code, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// AllInvalid joins the field errors among problems (nil ones skipped) into
// one KindInvalid error that names every field, so a form shows each
// problem next to its field at once; its code and message are the first
// problem's. It returns nil when no problem is an error.
func AllInvalid(problems ...error) error {
	var out *Error
	for _, p := range problems {
		e, ok := As(p)
		if !ok {
			continue
		}
		if out == nil {
			out = &Error{Kind: KindInvalid, Code: e.Code, Message: e.Message}
		}
		out.Fields = append(out.Fields, e.Fields...)
	}
	if out == nil {
		return nil
	}
	return out
}

// NotFound returns a KindNotFound error.
func NotFound(code, msg string) *Error { return &Error{Kind: KindNotFound, Code: code, Message: msg} }

// Conflict returns a KindConflict error.
func Conflict(code, msg string) *Error { return &Error{Kind: KindConflict, Code: code, Message: msg} }

// Unauthenticated returns a KindUnauthenticated error.
func Unauthenticated(code, msg string) *Error {
	return &Error{Kind: KindUnauthenticated, Code: code, Message: msg}
}

// Forbidden returns a KindForbidden error.
func Forbidden(code, msg string) *Error { return &Error{Kind: KindForbidden, Code: code, Message: msg} }

// RateLimited returns a KindRateLimited error that asks the client to wait.
func RateLimited(code, msg string, retryAfter time.Duration) *Error {
	return &Error{Kind: KindRateLimited, Code: code, Message: msg, RetryAfter: retryAfter}
}

// GatesFailed returns the conflict error of a refused procedure step that
// lists every failed gate. Its code is the first gate's code so a client that
// only reads code still learns the main reason.
func GatesFailed(gates []Gate) *Error {
	e := &Error{Kind: KindConflict, Code: "procedure_gate_failed", Message: "该程序步骤的前置条件未满足", Gates: gates}
	if len(gates) == 1 {
		e.Code, e.Message, e.Basis = gates[0].Code, gates[0].Message, gates[0].Basis
	}
	return e
}

// Internal wraps an unexpected error. Its text is logged, never shown. A
// failure to reach the database (connection refused or reset, a network
// timeout: PostgreSQL restarting) is not a bug but an outage: it becomes a
// retryable KindUnavailable (503 with Retry-After) instead of a 500.
func Internal(err error) *Error {
	if Unreachable(err) {
		return &Error{Kind: KindUnavailable, Code: "service_unavailable", Message: "服务暂时不可用，请稍后重试",
			RetryAfter: 5 * time.Second, Err: err}
	}
	if unstorableText(err) {
		return &Error{Kind: KindInvalid, Code: "invalid_characters", Message: "提交的内容含有无法保存的字符（如空字符或乱码），请删除后重试", Err: err}
	}
	return &Error{Kind: KindInternal, Code: "internal_error", Message: "服务器内部错误", Err: err}
}

// Reclassify is Internal for an error that is not a domain error, or that
// is one of KindInternal: what a transport answers for an error a service
// returned unwrapped or wrapped as internal. Any other domain error is
// returned as it is.
func Reclassify(err error) *Error {
	if e, ok := As(err); ok && e.Kind != KindInternal {
		return e
	}
	return Internal(err)
}

// unstorableText reports whether PostgreSQL refused a text the request
// carried: a NUL character (which no text or jsonb value can hold) or bytes
// that are not UTF-8, SQLSTATE 22021 (character_not_in_repertoire) and
// 22P05 (untranslatable_character, "\u0000" in jsonb). Such input is the
// client's, not a bug: outside check sec3 found it answered 500 on a dozen
// operations and pages (a query's %00 or %ff, "\u0000" in a JSON field).
func unstorableText(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "22021" || pe.Code == "22P05")
}

// Unreachable reports whether err is a failure to reach the database: a
// connection refused, reset or timed out, PostgreSQL refusing connections
// (restarting, being restored, its database closed to connections: any
// failure to connect), or the pool already closed at shutdown. Such an error
// is an outage, answered 503 with Retry-After, not a bug.
func Unreachable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// Issue 15, finding 7: a database closed to connections (SQLSTATE
	// 55000 inside the connect error) answered 500 on most pages.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) || errors.Is(err, puddle.ErrClosedPool) {
		return true
	}
	// PostgreSQL refusing work while it shuts down, restarts or is full:
	// class 08 (connection exception), 57P01–57P03 (admin or crash
	// shutdown, cannot connect now), 53300 (too many connections). The
	// PostgreSQL-restart fault run (scripts/fault-pg-restart.sh) answered
	// 500 for these; they are an outage, answered 503 with Retry-After.
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300") {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// HasCode reports whether err is an *Error with the given code.
func HasCode(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
