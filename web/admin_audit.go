package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/canyu-gov/canyu/internal/identity"
)

// What each admin action changed, in words, for the audit log page: the
// entries keep it as JSON (identity.AdminAction.Detail); the page names
// roles, agencies and settings in Chinese, never by their codes.

// auditNames resolves what entries refer to by code or id.
type auditNames struct {
	agencyByCode map[string]string
	agencyByID   map[string]string
}

func newAuditNames(list []identity.Agency) auditNames {
	n := auditNames{agencyByCode: map[string]string{}, agencyByID: map[string]string{}}
	for _, a := range list {
		n.agencyByCode[a.Code] = a.Name
		n.agencyByID[strconv.FormatInt(a.ID, 10)] = a.Name
	}
	return n
}

// auditTargetKinds are the target kinds an object's own log covers: an
// account's includes its legal adviser roster profile.
var auditTargetKinds = map[string][]string{
	"account": {"account", "legal_adviser"},
	"agency":  {"agency"},
}

// text is a detail value as words; "" for none.
func (n auditNames) text(field string, v any) string {
	switch x := v.(type) {
	case nil:
		switch field {
		case "agency", "parent_id":
			return "无"
		}
		return ""
	case bool:
		if x {
			return "是"
		}
		return "否"
	case float64:
		if field == "parent_id" {
			return n.agency(strconv.FormatFloat(x, 'f', -1, 64), true)
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		switch field {
		case "role":
			if r := roleNames[identity.Role(x)]; r != "" {
				return r
			}
		case "agency":
			return n.agency(x, false)
		case "kind":
			if k := agencyKindNames[identity.AgencyKind(x)]; k != "" {
				return k
			}
		}
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s := n.text(field, e); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "、")
	}
	return fmt.Sprint(v)
}

func (n auditNames) agency(key string, byID bool) string {
	m := n.agencyByCode
	if byID {
		m = n.agencyByID
	}
	if name := m[key]; name != "" {
		return name
	}
	return "（已不存在的机构）"
}

// auditFieldNames are the Chinese names of the fields entries keep, in the
// order they are shown.
var auditFieldNames = []struct{ key, name string }{
	{"role", "角色"},
	{"agency", "所属机构"},
	{"display_name", "姓名"},
	{"name", "名称"},
	{"kind", "类型"},
	{"parent_id", "上级机关"},
	{"firm", "律师事务所"},
	{"licence_number", "执业证号"},
	{"fields", "专业领域"},
	{"survey_min_responses", "民意调查最低答卷数"},
	{"catalogue_required", "须先列入决策事项目录"},
	{"feedback_threshold", "启动后评估的实施意见数"},
	{"years", "覆盖年份"},
	{"year", "年份"},
	{"reason", "停用原因"},
	{"note", "说明"},
}

// auditDetails says what an entry changed, one line each.
func (n auditNames) auditDetails(e identity.AuditEntry) []string {
	d := e.Detail
	var out []string
	if e.Action == "set-meeting-composition" {
		if after, ok := d["after"].([]any); ok {
			out = append(out, "组成人员："+compositionText(after))
			if before, ok := d["before"].([]any); ok && len(before) > 0 {
				out = append(out, "原组成人员："+compositionText(before))
			}
		} else if count, ok := d["members"].(float64); ok {
			out = append(out, "组成人员"+strconv.FormatFloat(count, 'f', -1, 64)+"名")
		}
		return out
	}
	before, hasBefore := d["before"].(map[string]any)
	after, hasAfter := d["after"].(map[string]any)
	if hasBefore && hasAfter {
		for _, f := range auditFieldNames {
			b, a := n.text(f.key, before[f.key]), n.text(f.key, after[f.key])
			if _, ok := after[f.key]; ok && b != a {
				out = append(out, f.name+"："+b+" → "+a)
			}
		}
		return out
	}
	for _, f := range auditFieldNames {
		v, ok := d[f.key]
		if !ok || (v == nil && f.key != "reason") {
			continue
		}
		s := n.text(f.key, v)
		if f.key == "reason" && s == "" {
			s = "未填写"
		}
		if s != "" {
			out = append(out, f.name+"："+s)
		}
	}
	return out
}

// compositionText lists the members of a composition, the head marked.
func compositionText(members []any) string {
	names := make([]string, 0, len(members))
	for _, m := range members {
		mm, _ := m.(map[string]any)
		name, _ := mm["name"].(string)
		if head, _ := mm["is_head"].(bool); head {
			name += "（行政首长）"
		}
		names = append(names, name)
	}
	return strings.Join(names, "、")
}
