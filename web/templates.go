package web

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

type pageTemplate = template.Template

// shanghai is where times are shown (DOMAIN.md, "Time"): stored in UTC.
var shanghai = workday.Location()

var roleNames = map[identity.Role]string{
	identity.RoleResident:     "居民",
	identity.RoleAgencyStaff:  "承办单位工作人员",
	identity.RoleReviewer:     "合法性审查人员",
	identity.RoleLegalAdviser: "法律顾问",
	identity.RoleAdmin:        "平台管理员",
}

// fieldRef is passed to the field-error template.
type fieldRef struct {
	Name   string
	Errors map[string]string
}

// datetimeLocalLayout is the value format of <input type="datetime-local">.
const datetimeLocalLayout = "2006-01-02T15:04"

var funcs = template.FuncMap{
	"shanghai":     func(t time.Time) string { return t.In(shanghai).Format("2006年1月2日 15:04") },
	"shanghaiDate": func(t time.Time) string { return t.In(shanghai).Format("2006年1月2日") },
	// calendarDate shows a date-only value (stored without a time zone).
	"calendarDate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006年1月2日")
	},
	"derefTime": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"isoDateTime":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"roleName":     func(r identity.Role) string { return roleNames[r] },
	"statusName":   func(s consultation.Status) string { return consultation.StatusNames[s] },
	"domainName":   func(d consultation.Domain) string { return consultation.DomainNames[d] },
	"categoryName": func(c consultation.Category) string { return consultation.CategoryNames[c] },
	"docKindName":  func(k consultation.DocumentKind) string { return consultation.DocumentKindNames[k] },
	"basis":        basisName,
	"fileSize":     fileSize,
	"shortHash": func(h string) string {
		if len(h) > 12 {
			return h[:12]
		}
		return h
	},
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"fieldOf":  func(p page, name string) fieldRef { return fieldRef{Name: name, Errors: p.Errors} },
	"input":    input,
	"selectOf": selectOf,
	"filterOf": filterOf,
	"radios": func(p page, name, label string, choices []choice) radioGroup {
		return radioGroup{inputRef: input(p, name, label), Choices: choices}
	},
	"add1": func(i int) int { return i + 1 },
	// hasString reports whether list contains v.
	"hasString": func(list []string, v string) bool { return slices.Contains(list, v) },
	// pairs makes choices of value, label, value, label…
	"pairs": func(kv ...string) []choice {
		var out []choice
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, choice{Value: kv[i], Label: kv[i+1]})
		}
		return out
	},
	// fid turns a field name such as experts[0].name into an element id.
	"fid":    fieldID,
	"navFor": navFor,
	// field builds the name of a repeated field: field "experts" 2 "name" is experts[2].name.
	"field": func(list string, i int, name string) string { return fmt.Sprintf("%s[%d].%s", list, i, name) },

	// Comments (issue 4): the Chinese names of states, stances and answers.
	"commentStatusName": func(s any) string { return consultation.CommentStatusNames[consultation.CommentStatus(fmt.Sprint(s))] },
	"stanceName":        func(s string) string { return consultation.CommentStanceNames[s] },
	"dispositionName": func(k any) string {
		return consultation.DispositionNames[consultation.DispositionKind(fmt.Sprint(k))]
	},
	"rejectionName": func(r string) string { return consultation.RejectionReasons[r] },
	"replyTotals":   replyTotals,
	// sub is a count left to do, never below zero.
	"sub":              func(a, b int) int { return max(a-b, 0) },
	"list":             func(v ...any) []any { return v },
	"dispositionKinds": func() []consultation.DispositionKind { return consultation.Dispositions },
	"rejectionReasons": func() []choice {
		var out []choice
		for _, k := range rejectionOrder {
			out = append(out, choice{Value: k, Label: consultation.RejectionReasons[k]})
		}
		return out
	},
	// dispForm names one disposition form's fields: id prefix, chosen kind, reason.
	"dispForm": func(id, kind, reason string) dispositionForm {
		return dispositionForm{ID: id, Kind: kind, Reason: reason}
	},
}

// rejectionOrder lists the rejection reasons in the order staff choose them.
var rejectionOrder = []string{"spam", "abuse", "personal_information", "off_topic", "duplicate_submission"}

// dispositionForm is the state of one disposition form (cm-disposition-fields).
type dispositionForm struct{ ID, Kind, Reason string }

var fieldIDReplacer = strings.NewReplacer("[", "-", "]", "", ".", "-")

func fieldID(name string) string { return "f-" + fieldIDReplacer.Replace(name) }

// chineseNumber writes 1–99 in Chinese numerals as article numbers are written.
func chineseNumber(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n >= 100:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	case n < 20:
		if n == 10 {
			return "十"
		}
		return "十" + digits[n%10]
	case n%10 == 0:
		return digits[n/10] + "十"
	}
	return digits[n/10] + "十" + digits[n%10]
}

func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d 字节", n)
}

var pageNames = []string{"home", "register", "verify", "login", "me", "error",
	"decisions", "decision", "staff_decisions", "staff_decision_form", "staff_decision", "staff_version_new",
	"staff_compare", "staff_documents", "staff_document_new", "staff_consultation",
	"comment_form", "comment_receipt", "decision_comments", "adoption_report", "my_comments",
	"staff_comments", "staff_comment_groups", "staff_adoption_report", "staff_themes", "staff_theme", "staff_themes_unthemed",
	"surveys", "survey", "survey_thanks", "survey_results", "staff_surveys", "staff_survey_form", "staff_survey",
	"staff_survey_question", "staff_survey_decision", "search",
	"open_data",
	"compare", "record", "record_heads",
	"notifications", "notify_settings", "unsubscribe", "email_confirmed"}

func parsePages() map[string]*pageTemplate {
	out := map[string]*pageTemplate{}
	for _, n := range pageNames {
		t := template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html",
			"templates/comment_partials.html", "templates/review_partials.html", "templates/supervision_partials.html", "templates/notify_partials.html",
			"templates/hearing_partials.html", "templates/"+n+".html"))
		out[n] = t.Lookup("layout")
	}
	return out
}

// inputRef describes one form field for the "input" and "check" templates.
type inputRef struct {
	P                                         page
	Name, Label, Type, Hint, Autocomplete, ID string
	// Inputmode picks the phone keyboard ("numeric" for codes).
	Inputmode string
	Rows      int
	Required  bool
	Accept    string
	Multiple  bool
}

// Err is the field's error message, if any.
func (f inputRef) Err() string { return f.P.Errors[f.Name] }

// Value is the field's current value.
func (f inputRef) Value() string { return f.P.Form[f.Name] }

// Describedby lists the ids of the hint and the error, for aria-describedby.
func (f inputRef) Describedby() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Err() != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// input builds an inputRef: input page name label [options…], where each
// option is "textarea", "required", "multiple", "type=…", "hint=…",
// "rows=…", "accept=…", "autocomplete=…" or "inputmode=…".
func input(p page, name, label string, opts ...string) inputRef {
	f := inputRef{P: p, Name: name, Label: label, Type: "text", ID: fieldID(name)}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "textarea":
			f.Type, f.Rows = "textarea", 5
		case "required":
			f.Required = true
		case "multiple":
			f.Multiple = true
		case "type":
			f.Type = v
		case "hint":
			f.Hint = v
		case "rows":
			f.Rows, _ = strconv.Atoi(v)
		case "accept":
			f.Accept = v
		case "autocomplete":
			f.Autocomplete = v
		case "inputmode":
			f.Inputmode = v
		}
	}
	return f
}

// selectField is a drop-down list in a labelled field, for the "select"
// template.
type selectField struct {
	inputRef
	// Empty labels a first option without a value ("请选择"); none when "".
	Empty   string
	Choices []choice
}

// selectOf builds a selectField: selectOf page name label list [options…],
// with input's options and "empty=…"; list is what choicesOf turns into
// the options.
func selectOf(p page, name, label string, list any, opts ...string) selectField {
	f := selectField{inputRef: input(p, name, label, opts...), Choices: choicesOf(list)}
	for _, o := range opts {
		if v, ok := strings.CutPrefix(o, "empty="); ok {
			f.Empty = v
		}
	}
	return f
}

// choicesOf makes the options of a select from a list a form offers: each
// element's value and the name a person reads.
func choicesOf(list any) []choice {
	switch l := list.(type) {
	case []choice:
		return l
	case []consultation.Category:
		return mapChoices(l, func(c consultation.Category) choice {
			return choice{string(c), consultation.CategoryNames[c]}
		})
	case []consultation.Domain:
		return mapChoices(l, func(d consultation.Domain) choice { return choice{string(d), consultation.DomainNames[d]} })
	case []consultation.Status:
		return mapChoices(l, func(s consultation.Status) choice { return choice{string(s), consultation.StatusNames[s]} })
	case []consultation.ReviewStatus:
		return mapChoices(l, func(s consultation.ReviewStatus) choice { return choice{string(s), reviewStatusNames[s]} })
	case []consultation.Decision:
		return mapChoices(l, func(d consultation.Decision) choice {
			return choice{strconv.FormatInt(d.ID, 10), d.Title + "（" + consultation.StatusNames[d.Status] + "）"}
		})
	case []identity.AgencyKind:
		return mapChoices(l, func(k identity.AgencyKind) choice { return choice{string(k), agencyKindNames[k]} })
	case []identity.Role:
		return mapChoices(l, func(r identity.Role) choice { return choice{string(r), roleNames[r]} })
	case []identity.Agency:
		return mapChoices(l, func(a identity.Agency) choice { return choice{a.Code, a.Name} })
	case []agencyNode:
		return mapChoices(l, func(a agencyNode) choice { return choice{a.Code, strings.Repeat("　", a.Depth) + a.Name} })
	}
	panic(fmt.Sprintf("web: no choices for %T", list))
}

// filterField is a drop-down list that narrows a list page (the
// "filter-select" template): its first option, All, does not narrow.
type filterField struct {
	ID, Name, Label, All string
	Choices              []choice
	// Current is the value the list is narrowed by now.
	Current string
}

// filterOf builds a filterField: filterOf id name label all list current,
// with list as in choicesOf.
func filterOf(id, name, label, all string, list, current any) filterField {
	return filterField{ID: id, Name: name, Label: label, All: all, Choices: choicesOf(list), Current: fmt.Sprint(current)}
}

func mapChoices[T any](list []T, option func(T) choice) []choice {
	out := make([]choice, len(list))
	for i, v := range list {
		out[i] = option(v)
	}
	return out
}

// radioGroup is a required choice shown as radio buttons in a fieldset.
type radioGroup struct {
	inputRef
	Choices []choice
}

// replyTotals sums the answers of one article by disposition, in the order
// they first come (most frequent first, as the figures list them): the
// report's table gives one count per answer, the reasons are in its text.
func replyTotals(rs []consultation.ReplyFigure) []consultation.ReplyFigure {
	var out []consultation.ReplyFigure
	at := map[consultation.DispositionKind]int{}
	for _, r := range rs {
		if i, ok := at[r.Disposition]; ok {
			out[i].Count += r.Count
			continue
		}
		at[r.Disposition] = len(out)
		out = append(out, consultation.ReplyFigure{Disposition: r.Disposition, Name: r.Name, Count: r.Count})
	}
	return out
}

// decisionNav is what the decision-nav template needs: the decision and
// whether the signed-in account is staff of its lead unit (the pages that
// write the draft, the consultation, the comments and the hearings are
// theirs; decision-body and co-unit staff are answered 403 there, so the
// links are not offered to them).
type decisionNav struct {
	ID   int64
	Lead bool
}

// navFor builds decisionNav from the page and its decision (a value or a
// pointer).
func navFor(p page, d any) decisionNav {
	var dec *consultation.Decision
	switch v := d.(type) {
	case consultation.Decision:
		dec = &v
	case *consultation.Decision:
		dec = v
	}
	if dec == nil {
		return decisionNav{}
	}
	return decisionNav{ID: dec.ID, Lead: p.Account != nil && p.Account.IsStaffOf(dec.LeadAgencyID)}
}
