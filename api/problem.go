package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/obs"
)

// Problem is an RFC 9457 problem detail with the stable `code` member that
// clients switch on, and for procedure gates the legal basis and the list of
// failed gates.
type Problem struct {
	Type     string         `json:"type,omitempty" doc:"A URI reference naming the problem type."`
	Title    string         `json:"title" doc:"Short summary of the status."`
	Status   int            `json:"status" doc:"HTTP status code."`
	Detail   string         `json:"detail,omitempty" doc:"Readable explanation, in Chinese where a person reads it."`
	Instance string         `json:"instance,omitempty" doc:"Request id of the failed request."`
	Code     string         `json:"code" doc:"Stable snake_case error code."`
	Basis    string         `json:"basis,omitempty" doc:"Legal basis of the refusing rule, e.g. Decree 713 Art. 15."`
	Gates    []errs.Gate    `json:"gates,omitempty" doc:"Every failed procedure gate."`
	Errors   []ProblemField `json:"errors,omitempty" doc:"Invalid input fields."`
}

// ProblemField names one invalid part of a request.
type ProblemField struct {
	Location string `json:"location,omitempty" doc:"Where the error is, e.g. body.phone."`
	Message  string `json:"message" doc:"What is wrong."`
}

// Error implements error.
func (p *Problem) Error() string { return p.Code + ": " + p.Detail }

// GetStatus implements huma.StatusError.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

// codeOfStatus names the errors huma raises itself (parsing, validation).
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            "malformed_request",
	http.StatusUnauthorized:          "authentication_required",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestTimeout:        "request_timeout",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "request_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "validation_failed",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
}

const internalDetail = "服务器内部错误，请稍后重试"

// newProblem replaces huma.NewError: every error huma produces gets a code,
// and a 5xx never carries the internal error text (it is logged instead).
func newProblem(ctx context.Context, status int, msg string, errList ...error) huma.StatusError {
	if status >= 500 {
		attrs := []any{"status", status, "message", msg}
		for _, e := range errList {
			if e != nil {
				attrs = append(attrs, "error", e.Error())
			}
		}
		obs.Logger(ctx).ErrorContext(ctx, "internal error", attrs...)
		return &Problem{Title: http.StatusText(status), Status: status, Code: "internal_error", Detail: internalDetail}
	}
	p := &Problem{Title: http.StatusText(status), Status: status, Detail: msg, Code: codeOfStatus[status]}
	if p.Code == "" {
		p.Code = "http_" + strconv.Itoa(status)
	}
	for _, e := range errList {
		if e == nil {
			continue
		}
		var d huma.ErrorDetailer
		f := ProblemField{Message: e.Error()}
		if errors.As(e, &d) {
			ed := d.ErrorDetail()
			f = ProblemField{Location: ed.Location, Message: ed.Message}
		}
		if strings.Contains(f.Message, "unexpected property") {
			p.Code = "unknown_field"
		}
		p.Errors = append(p.Errors, f)
	}
	if status == http.StatusBadRequest && len(p.Errors) > 0 {
		p.Detail = "请求体不是有效的 JSON"
	}
	return p
}

func init() {
	huma.NewError = func(status int, msg string, errList ...error) huma.StatusError {
		return newProblem(context.Background(), status, msg, errList...)
	}
	huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errList ...error) huma.StatusError {
		ctx := context.Background()
		if hctx != nil {
			ctx = hctx.Context()
		}
		return newProblem(ctx, status, msg, errList...)
	}
}

// toProblem turns a service error into the error a handler returns.
func toProblem(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	// The database down (503 with Retry-After) or text it cannot hold (422)
	// is classified here too when the service did not wrap the error.
	e := errs.Reclassify(err)
	if e.Kind == errs.KindInternal {
		return newProblem(ctx, http.StatusInternalServerError, "internal", err)
	}
	status := e.Kind.HTTPStatus()
	if status >= 500 {
		obs.Logger(ctx).ErrorContext(ctx, "service unavailable", "code", e.Code, "error", err.Error())
	}
	p := &Problem{Title: http.StatusText(status), Status: status, Code: e.Code, Detail: e.Message, Basis: e.Basis, Gates: e.Gates}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Location: "body." + f.Field, Message: f.Message})
	}
	if e.RetryAfter > 0 {
		secs := int((e.RetryAfter + 999_999_999) / 1_000_000_000)
		return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {strconv.Itoa(secs)}})
	}
	return p
}
