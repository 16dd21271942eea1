package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The working-day calendar page (/admin/calendar): the years the State
// Council's holiday notices cover, a warning when the coming year is not
// loaded (deadlines in working days are then refused, Decree 713 Art. 26),
// a preview of a year month by month, and the form to load a new year's
// notice: the admin types the days off and the make-up working days as the
// notice lists them, previews, then saves a new calendar version.

func init() {
	pageNames = append(pageNames, "admin_calendar")
	flashText["calendar_saved"] = "新的工作日历已保存，今后计算的期限使用新版本。"
}

func (s *site) mountAdminCalendar(r chi.Router) {
	r.Get("/admin/calendar", s.adminCalendar)
	r.Post("/admin/calendar", s.uploadNotice)
}

// calendarDay is one day of the preview.
type calendarDay struct {
	Day     int
	Blank   bool
	Working bool
	Weekend bool
	Name    string // the holiday or the holiday a make-up day is for
	Makeup  bool
}

type calendarMonth struct {
	Month int
	Days  []calendarDay // padded at the start to the first weekday (Monday first)
}

type adminCalendarData struct {
	Version    string
	Years      []int
	Notices    []workday.HolidayNotice
	Warning    string
	Year       int
	Covered    bool
	Months     []calendarMonth
	Previewing bool
}

func yearMonths(c workday.Calendar, n *workday.HolidayNotice, year int) []calendarMonth {
	names := map[string]string{}
	makeup := map[string]bool{}
	if n != nil {
		for _, h := range n.Holidays {
			names[h.Date] = h.Name
		}
		for _, m := range n.MakeUpWorkingDays {
			names[m.Date], makeup[m.Date] = m.Name, true
		}
	}
	var out []calendarMonth
	for m := time.January; m <= time.December; m++ {
		first := time.Date(year, m, 1, 12, 0, 0, 0, workday.Location())
		cm := calendarMonth{Month: int(m)}
		for i := 0; i < (int(first.Weekday())+6)%7; i++ {
			cm.Days = append(cm.Days, calendarDay{Blank: true})
		}
		for d := first; d.Month() == m; d = d.AddDate(0, 0, 1) {
			key := d.Format("2006-01-02")
			cm.Days = append(cm.Days, calendarDay{Day: d.Day(), Working: c.IsWorkingDay(d),
				Weekend: d.Weekday() == time.Saturday || d.Weekday() == time.Sunday, Name: names[key], Makeup: makeup[key]})
		}
		out = append(out, cm)
	}
	return out
}

func (s *site) calendarData(r *http.Request, p *page, c workday.Calendar, year int) *adminCalendarData {
	data := c.Data()
	d := &adminCalendarData{Version: c.Version(), Years: c.CoveredYears(), Notices: data.Notices, Year: year}
	now := time.Now().In(workday.Location())
	switch {
	case !c.Covers(now):
		d.Warning = fmt.Sprintf("工作日历尚未载入%d年的节假日安排：以工作日计算的期限（如合法性审查的7个工作日）将被拒绝计算。请尽快载入国务院办公厅的通知。", now.Year())
	case !c.Covers(now.AddDate(1, 0, 0)) && now.Month() >= time.October:
		d.Warning = fmt.Sprintf("工作日历尚未载入%d年的节假日安排。国务院办公厅的通知通常在年底发布，发布后请及时载入，否则跨年的期限将无法计算。", now.Year()+1)
	}
	d.Covered = c.Covers(time.Date(year, 6, 1, 12, 0, 0, 0, workday.Location()))
	var notice *workday.HolidayNotice
	for i := range data.Notices {
		if data.Notices[i].Year == year {
			notice = &data.Notices[i]
		}
	}
	d.Months = yearMonths(c, notice, year)
	return d
}

func (s *site) adminCalendar(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "工作日历")
	c, err := s.svc.Calendar.Current(r.Context())
	if err != nil {
		s.pageError(w, r, errs.Internal(err))
		return
	}
	year, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if year < 2000 || year > 2100 {
		year = time.Now().In(workday.Location()).Year()
	}
	p.Form["year"] = strconv.Itoa(year + 1)
	p.Data = s.calendarData(r, &p, c, year)
	s.render(w, r, http.StatusOK, "admin_calendar", p)
}

// parseDays reads lines of "2027-01-01 元旦" or "2027-02-10至2027-02-16 春节"
// (a range of days off), reporting problems in Chinese.
func parseDays(text string, year int, weekendOnly bool) ([][2]string, []string) {
	var out [][2]string
	var problems []string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			problems = append(problems, fmt.Sprintf("第%d行“%s”：请写成“日期 名称”，例如 %d-01-01 元旦", i+1, line, year))
			continue
		}
		name := strings.Join(fields[1:], " ")
		from, to, isRange := strings.Cut(fields[0], "至")
		if !isRange {
			to = from
		}
		a, err1 := time.ParseInLocation("2006-01-02", from, workday.Location())
		b, err2 := time.ParseInLocation("2006-01-02", to, workday.Location())
		if err1 != nil || err2 != nil || b.Before(a) || b.Sub(a) > 40*24*time.Hour {
			problems = append(problems, fmt.Sprintf("第%d行“%s”：日期应写成年-月-日，例如 %d-01-01，连续几天写成 %d-10-01至%d-10-07", i+1, line, year, year, year))
			continue
		}
		for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
			if d.Year() != year {
				problems = append(problems, fmt.Sprintf("第%d行：%s不在%d年内", i+1, d.Format("2006-01-02"), year))
				break
			}
			if weekendOnly && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				problems = append(problems, fmt.Sprintf("第%d行：调休上班日%s不是星期六或星期日", i+1, d.Format("2006-01-02")))
				break
			}
			out = append(out, [2]string{d.Format("2006-01-02"), name})
		}
	}
	return out, problems
}

func (s *site) uploadNotice(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	p := s.newPage(r, "工作日历")
	p.keepTrimmed(r, "year", "title", "number", "holidays", "makeups")
	cur, err := s.svc.Calendar.Current(r.Context())
	if err != nil {
		s.pageError(w, r, errs.Internal(err))
		return
	}
	year, err := strconv.Atoi(p.Form["year"])
	show := func(c workday.Calendar, status int, previewing bool) {
		y := year
		if y < 2000 || y > 2100 {
			y = time.Now().In(workday.Location()).Year()
		}
		d := s.calendarData(r, &p, c, y)
		d.Previewing = previewing
		p.Data = d
		s.render(w, r, status, "admin_calendar", p)
	}
	if err != nil || year < 2000 || year > 2100 {
		p.Errors["year"] = "请填写通知安排的年份，例如2027"
	}
	if p.Form["title"] == "" {
		p.Errors["title"] = "请填写通知标题，例如：国务院办公厅关于" + p.Form["year"] + "年部分节假日安排的通知"
	}
	if p.Form["number"] == "" {
		p.Errors["number"] = "请填写文号，例如：国办发明电〔2026〕7号"
	}
	holidays, hp := parseDays(p.Form["holidays"], year, false)
	makeups, mp := parseDays(p.Form["makeups"], year, true)
	if len(hp) > 0 {
		p.Errors["holidays"] = strings.Join(hp, "；")
	} else if len(holidays) == 0 {
		p.Errors["holidays"] = "请填写放假日期"
	}
	if len(mp) > 0 {
		p.Errors["makeups"] = strings.Join(mp, "；")
	}
	if len(p.Errors) > 0 {
		p.Message = "提交的内容有误，请按提示修改。"
		show(cur, http.StatusUnprocessableEntity, false)
		return
	}
	data := cur.Data()
	notice := workday.HolidayNotice{Year: year, Title: p.Form["title"], Number: p.Form["number"],
		Note: "由管理员在工作日历页面载入"}
	for _, h := range holidays {
		notice.Holidays = append(notice.Holidays, workday.Holiday{Date: h[0], Name: h[1]})
	}
	for _, m := range makeups {
		notice.MakeUpWorkingDays = append(notice.MakeUpWorkingDays, workday.MakeUpWorkingDay{Date: m[0], Name: m[1]})
	}
	replaced := false
	for i := range data.Notices {
		if data.Notices[i].Year == year {
			data.Notices[i], replaced = notice, true
		}
	}
	if !replaced {
		data.Notices = append(data.Notices, notice)
	}
	actor := currentAccount(r)
	data.Version = time.Now().In(workday.Location()).Format("2006-01-02-150405") + "-" + strconv.Itoa(year)
	next, err := workday.New(data)
	if err != nil {
		p.Message = "工作日历数据无效：同一天不能既是放假日又是调休上班日，也不能重复列出。请检查后重新提交。"
		show(cur, http.StatusUnprocessableEntity, false)
		return
	}
	if r.PostFormValue("action") != "save" {
		p.Message = ""
		show(next, http.StatusOK, true)
		return
	}
	if _, err := s.svc.Consultation.UpdateWorkdayCalendar(r.Context(), actor, data, map[string]any{"year": year}); err != nil {
		show(cur, s.formError(r, &p, err), false)
		return
	}
	http.Redirect(w, r, "/admin/calendar?flash=calendar_saved&year="+strconv.Itoa(year), http.StatusSeeOther)
}
