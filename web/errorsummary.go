package web

import (
	"regexp"
	"sort"
	"strings"

	"github.com/canyu-gov/canyu/internal/errs"
)

// problem is one entry of a form's error summary: the message and the id
// of the field it is about.
type problem struct {
	Target  string
	Message string
}

// Problems lists every field error of the page for the summary at the top
// of the form (GOV.UK's error summary pattern, WCAG 3.3.1): the order the
// service named them in, then any the page added itself, each linked to its
// field so a keyboard or screen-reader user can jump to it.
func (p page) Problems() []problem {
	if len(p.Errors) == 0 || p.ownSummary {
		return nil
	}
	seen := map[string]bool{}
	var names []string
	for _, n := range p.errorOrder {
		if _, ok := p.Errors[n]; ok && !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	var rest []string
	for n := range p.Errors {
		if !seen[n] {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	names = append(names, rest...)
	out := make([]problem, 0, len(names))
	for _, n := range names {
		target := fieldID(n)
		if p.plainIDs {
			target = n
		}
		out = append(out, problem{Target: target, Message: p.Errors[n]})
	}
	return out
}

// addFieldErrors puts a service error's field errors on the page in the
// service's order.
func (p *page) addFieldErrors(fs []errs.FieldError) {
	for _, f := range fs {
		if _, ok := p.Errors[f.Field]; !ok {
			p.errorOrder = append(p.errorOrder, f.Field)
		}
		p.Errors[f.Field] = readableMessage(f.Message)
	}
}

// codeMessages are the page wording of service messages that name their
// allowed values by code (the API's message is for developers, who send
// those codes; a person on a page chose from labelled options).
var codeMessages = map[string]string{
	"invalid_finding":          "请为每个审查事项选择“符合”或“存在问题”。",
	"invalid_opinion_overall":  "请选择总体意见：合法、修改后合法或不合法。",
	"invalid_outcome":          "请选择审查意见：合法、修改后合法、不合法或探索性改革（明示法律风险）。",
	"invalid_filter":           "筛选条件无效，请重新选择。",
	"invalid_review_status":    "审查状态无效，请重新选择。",
	"invalid_rejection_reason": "请选择不予公开的理由。",
	"invalid_agency_kind":      "请选择机构类型：人民政府、政府部门或合法性审查机构。",
	"invalid_document_kind":    "程序性文件类型无效，请重新选择。",
	"invalid_idempotency_key":  "表单已失效，请刷新页面后重新提交。",
	"idempotency_key_reused":   "这张表单已经提交过，请刷新页面后再提交新的内容。",
}

var (
	// codeWithLabel is "lawful（合法）": a code followed by its Chinese label.
	codeWithLabel = regexp.MustCompile(`\s?[a-z][a-z0-9]*(?:_[a-z0-9]+)*（([^）]+)）`)
	// bareCode is a snake_case code or a Latin word list left in a message.
	bareCode = regexp.MustCompile(`\s*\b[a-z][a-z0-9]*_[a-z0-9_]+\b\s*`)
)

// readableMessage removes internal codes from a service message for a
// page: "须为 lawful（合法）或 unlawful（不合法）" becomes "须为合法或不合法",
// and a bare code left over is dropped.
func readableMessage(m string) string {
	if !strings.ContainsAny(m, "abcdefghijklmnopqrstuvwxyz") {
		return m
	}
	m = codeWithLabel.ReplaceAllString(m, "$1")
	if bareCode.MatchString(m) {
		m = strings.TrimSpace(bareCode.ReplaceAllString(m, ""))
	}
	return m
}

// pageMessage is an error's message as a page shows it.
func pageMessage(e *errs.Error) string {
	if m, ok := codeMessages[e.Code]; ok {
		return m
	}
	return readableMessage(e.Message)
}
