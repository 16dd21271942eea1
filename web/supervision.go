package web

import (
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/supervision"
)

// The supervision desk (决策监督): the rule-of-law office's dashboard,
// monthly reports, problem lists and assessment (/supervision), and the
// same pages scoped to their own department for a department's staff.
// Every rule is supervision.Service's.

func init() {
	pageNames = append(pageNames, "supervision_dashboard", "supervision_decisions", "supervision_decision",
		"supervision_reports", "supervision_report", "supervision_problems", "supervision_problem",
		"supervision_inspections", "supervision_circulation", "supervision_assessment")
	for k, v := range supervisionFuncs {
		funcs[k] = v
	}
	maps.Copy(flashText, supervisionFlash)
}

var supervisionFuncs = map[string]any{
	"stepStateName": func(s supervision.StepState) string { return supervision.StepStateNames[s] },
	"severityName":  func(s supervision.Severity) string { return supervision.SeverityNames[s] },
	"problemStatusName": func(s string) string {
		return supervision.ProblemStatusNames[s]
	},
	"outcomeText": func(s string) string {
		return map[string]string{"pending": "待核查", "accepted": "核查通过", "returned": "退回"}[s]
	},
	"stateCount": func(c supervision.StateCounts, s string) int { return c[supervision.StepState(s)] },
	"idsParam": func(ids []int64) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatInt(id, 10)
		}
		return strings.Join(parts, ",")
	},
	"intsParam": func(ids []int) string {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.Itoa(id)
		}
		return strings.Join(parts, ",")
	},
	"pct":        func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"trendChart": trendChart,
	"monthLabel": func(t time.Time) string { return t.Format("2006年1月") },
	"monthCN": func(m string) string {
		t, err := time.Parse("2006-01", m)
		if err != nil {
			return m
		}
		return t.Format("2006年1月")
	},
	"dateOnly":    func(t time.Time) string { return t.Format("2006年1月2日") },
	"isOffice":    func(a *identity.Account) bool { return a.HasRole(identity.RoleSupervisor, identity.RoleAdmin) },
	"overdueNow":  func(p supervision.Problem) bool { return p.Overdue(time.Now()) },
	"stageLabel":  func(s string) string { return supervision.StageNames[s] },
	"monthString": func(m supervision.MonthlyReport) string { return m.Month.Format("2006-01") },
	// districtReport: the report is a district's as a whole (新华区（全区）).
	"districtReport": func(r supervision.MonthlyReport) bool { return r.Scope == supervision.ScopeDistrict },
	// dict builds a map from key, value pairs for a sub-template.
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

var supervisionFlash = map[string]string{
	"reports_generated":       "月报告已生成。",
	"analysis_saved":          "分析内容已保存。",
	"report_issued":           "月报告已通报，内容已固定并存证。",
	"problem_recorded":        "问题已记录并通知责任单位。",
	"rectification_sent":      "整改情况已报送，等待核查。",
	"problem_closed":          "问题已核查销号。",
	"rectification_back":      "整改情况已退回责任单位。",
	"accountability_saved":    "问责建议已记录。",
	"inspection_created":      "督察计划已创建。",
	"score_adjusted":          "分数调整已记录，计算分数保留在旁。",
	"problem_list_circulated": "问题清单已通报。",
}

// mountSupervision adds the supervision pages: the office sees the whole
// city, a department's staff their own department.
func (s *site) mountSupervision(r chi.Router) {
	r.Route("/supervision", func(r chi.Router) {
		r.Use(s.requireRolePage("这些页面供法治政府建设办公室和各单位工作人员使用。",
			identity.RoleSupervisor, identity.RoleAdmin, identity.RoleAgencyStaff))
		r.Get("/", s.supervisionDashboard)
		r.Get("/decisions", s.supervisionDecisions)
		r.Get("/decisions/{id}", s.supervisionDecision)
		r.Get("/reports", s.supervisionReports)
		r.Post("/reports/generate", s.generateReports)
		r.Get("/reports/{id}", s.supervisionReport)
		r.Post("/reports/{id}/analysis", s.saveAnalysis)
		r.Post("/reports/{id}/issue", s.issueReport)
		r.Get("/reports/{id}/download", s.downloadReport)
		r.Get("/problems", s.supervisionProblems)
		r.Post("/problems", s.recordProblem)
		r.Get("/problems/{id}", s.supervisionProblem)
		r.Post("/problems/{id}/rectification", s.submitRectification)
		r.Post("/problems/{id}/close", s.closeProblem)
		r.Post("/problems/{id}/return", s.returnRectification)
		r.Post("/problems/{id}/accountability", s.recordAccountability)
		r.Post("/circulations", s.circulate)
		r.Get("/circulations/{id}", s.supervisionCirculation)
		r.Get("/inspections", s.supervisionInspections)
		r.Post("/inspections", s.createInspection)
		r.Get("/assessment", s.supervisionAssessment)
		r.Post("/assessment/adjust", s.adjustScore)
		r.Get("/assessment/download", s.downloadAssessment)
	})
}

func office(r *http.Request) bool {
	return currentAccount(r).HasRole(identity.RoleSupervisor, identity.RoleAdmin)
}

// supID is the {id} of a supervision page (0 when it is not a number,
// which the service answers as not found).
func supID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id
}

type supervisionDashboardData struct {
	Overview supervision.Overview
	Notices  []supervision.Notice
	Office   bool
	States   []supervision.StepState
}

// dashboardStates are the columns of the dashboard, in the order a reader
// looks for trouble.
var dashboardStates = []supervision.StepState{supervision.StepOverdue, supervision.StepProblem, supervision.StepDue,
	supervision.StepDone, supervision.StepSkipped}

func (s *site) supervisionDashboard(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "决策监督")
	o, err := s.svc.Supervision.GetComplianceOverview(r.Context(), currentAccount(r), 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := supervisionDashboardData{Overview: o, Office: office(r), States: dashboardStates}
	if !d.Office {
		p.Title = "本单位决策监督"
		if d.Notices, err = s.svc.Supervision.ListNotices(r.Context(), currentAccount(r)); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "supervision_dashboard", p)
}

type supervisionDecisionsData struct {
	Title     string
	Decisions []supervision.DecisionCompliance
	// Hidden counts the decisions asked for that the reader does not
	// supervise: a district's report, read by the city's office, counts
	// the district's decisions, which are the district office's to follow.
	Hidden int
}

// supervisionDecisions lists the decisions behind a figure: ?ids= names
// them, ?state= keeps those with a step in that state.
func (s *site) supervisionDecisions(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "决策事项程序情况")
	want := map[int64]bool{}
	for _, part := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			want[id] = true
		}
	}
	state := supervision.StepState(r.URL.Query().Get("state"))
	var out []supervision.DecisionCompliance
	hidden := 0
	ids := make([]int64, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	if len(ids) > 500 {
		ids = ids[:500]
	}
	for _, id := range ids {
		dc, err := s.svc.Supervision.GetDecisionCompliance(r.Context(), currentAccount(r), id)
		if err != nil {
			hidden++ // not visible to this reader
			continue
		}
		if state != "" && !hasState(dc.Steps, state) {
			continue
		}
		out = append(out, dc)
	}
	title := "决策事项程序情况"
	if n := supervision.StepStateNames[state]; n != "" {
		title += "：有环节" + n
	}
	p.Title = title
	p.Data = supervisionDecisionsData{Title: title, Decisions: out, Hidden: hidden}
	s.render(w, r, http.StatusOK, "supervision_decisions", p)
}

func hasState(steps []supervision.Step, st supervision.StepState) bool {
	for _, x := range steps {
		if x.State == st {
			return true
		}
	}
	return false
}

func (s *site) supervisionDecision(w http.ResponseWriter, r *http.Request) {
	dc, err := s.svc.Supervision.GetDecisionCompliance(r.Context(), currentAccount(r), supID(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.show(w, r, "supervision_decision", "程序情况："+dc.Facts.Title, dc)
}

// trendChart draws the twelve-month trend as an SVG bar chart of comments
// received with the adoption rate as a line; the page shows the same
// numbers in a table beside it, so nothing is only in the picture.
func trendChart(trend []supervision.MonthlyTrendPoint) template.HTML {
	if len(trend) == 0 {
		return ""
	}
	const w, h, left, bottom = 640.0, 220.0, 44.0, 28.0
	maxV := 1
	for _, t := range trend {
		if t.CommentsReceived > maxV {
			maxV = t.CommentsReceived
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="trend-chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="trend-title">`, w, h)
	b.WriteString(`<title id="trend-title">近十二个月收到公众意见（柱）与意见采纳率（折线）</title>`)
	plotH := h - bottom - 10
	slot := (w - left - 10) / float64(len(trend))
	fmt.Fprintf(&b, `<line x1="%.0f" y1="10" x2="%.0f" y2="%.0f" stroke="#666"/>`, left, left, 10+plotH)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#666"/>`, left, 10+plotH, w-10, 10+plotH)
	fmt.Fprintf(&b, `<text x="%.0f" y="16" text-anchor="end" font-size="12" fill="#333">%d</text>`, left-4, maxV)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" font-size="12" fill="#333">0</text>`, left-4, 10+plotH)
	var pts []string
	var lines [][]string
	for i, t := range trend {
		bh := plotH * float64(t.CommentsReceived) / float64(maxV)
		x := left + float64(i)*slot
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1e5aa0"/>`, x+slot*0.2, 10+plotH-bh, slot*0.6, bh)
		m, _ := time.Parse("2006-01", t.Month)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle" font-size="12" fill="#333">%s</text>`, x+slot/2, h-10, m.Format("1月"))
		// A month with no comment answered has no rate: the line breaks
		// there instead of dropping to 0%.
		if t.CommentsAnswered == 0 {
			lines = append(lines, pts)
			pts = nil
			continue
		}
		px, py := x+slot/2, 10+plotH-plotH*t.AdoptionRate
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", px, py))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="#b5470f"/>`, px, py)
	}
	for _, l := range append(lines, pts) {
		if len(l) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#b5470f" stroke-width="2"/>`, strings.Join(l, " "))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func (s *site) supervisionReports(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "法治政府建设月报告")
	rs, err := s.svc.Supervision.ListMonthlyReports(r.Context(), currentAccount(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Form["month"] = supervision.MonthOf(time.Now()).Prev().String()
	p.Data = rs
	s.render(w, r, http.StatusOK, "supervision_reports", p)
}

func (s *site) generateReports(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	t, err := time.Parse("2006-01", r.PostFormValue("month"))
	if err != nil || !office(r) {
		s.renderError(w, r, http.StatusUnprocessableEntity, "无法生成", "请选择要生成的月份（年-月）。")
		return
	}
	if _, err := s.svc.Supervision.GenerateMonthlyReportsAs(r.Context(), currentAccount(r), supervision.Month{Year: t.Year(), Month: t.Month()}); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/supervision/reports?flash=reports_generated", http.StatusSeeOther)
}

type supervisionReportData struct {
	Report supervision.MonthlyReport
	Office bool
}

func (s *site) renderReport(w http.ResponseWriter, r *http.Request, status int, p page) {
	rep, err := s.svc.Supervision.GetMonthlyReport(r.Context(), currentAccount(r), supID(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Title = rep.Figures.ScopeName + rep.Month.Format("2006年1月") + "法治政府建设月报告"
	if _, ok := p.Form["analysis"]; !ok {
		p.Form["analysis"], p.Form["weak_links"], p.Form["measures"] = rep.Analysis, rep.WeakLinks, rep.Measures
	}
	p.Data = supervisionReportData{Report: rep, Office: office(r)}
	s.render(w, r, status, "supervision_report", p)
}

func (s *site) supervisionReport(w http.ResponseWriter, r *http.Request) {
	s.renderReport(w, r, http.StatusOK, s.newPage(r, "月报告"))
}

func (s *site) saveAnalysis(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	in := supervision.AnalysisInput{Analysis: r.PostFormValue("analysis"), WeakLinks: r.PostFormValue("weak_links"),
		Measures: r.PostFormValue("measures")}
	if _, err := s.svc.Supervision.UpdateMonthlyReportAnalysis(r.Context(), currentAccount(r), supID(r), in); err != nil {
		p := s.newPage(r, "月报告")
		p.Form["analysis"], p.Form["weak_links"], p.Form["measures"] = in.Analysis, in.WeakLinks, in.Measures
		s.renderReport(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/reports/%d?flash=analysis_saved", supID(r)), http.StatusSeeOther)
}

func (s *site) issueReport(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if _, err := s.svc.Supervision.IssueMonthlyReport(r.Context(), currentAccount(r), supID(r), r.PostFormValue("publish") == "on"); err != nil {
		p := s.newPage(r, "月报告")
		s.renderReport(w, r, s.formError(r, &p, err), p)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervision/reports/%d?flash=report_issued", supID(r)), http.StatusSeeOther)
}

func (s *site) downloadReport(w http.ResponseWriter, r *http.Request) {
	b, ct, name, err := s.svc.Supervision.ExportMonthlyReport(r.Context(), currentAccount(r), supID(r), r.URL.Query().Get("format"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
