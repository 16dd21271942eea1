package web

import (
	"html/template"
	"time"

	"github.com/canyu-gov/canyu/internal/identity"
)

type pageTemplate = template.Template

// shanghai is where times are shown (DOMAIN.md, "Time"): stored in UTC.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

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

var funcs = template.FuncMap{
	"shanghai": func(t time.Time) string { return t.In(shanghai).Format("2006年1月2日 15:04") },
	"roleName": func(r identity.Role) string { return roleNames[r] },
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"fieldOf": func(p page, name string) fieldRef { return fieldRef{Name: name, Errors: p.Errors} },
}

var pageNames = []string{"home", "register", "verify", "login", "me", "error"}

func parsePages() map[string]*pageTemplate {
	out := map[string]*pageTemplate{}
	for _, n := range pageNames {
		t := template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html"))
		out[n] = t.Lookup("layout")
	}
	return out
}
