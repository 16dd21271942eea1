package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// WorkdayCalendarView is the working-day calendar (工作日): the State
// Council's yearly holiday notices with their days off and make-up working
// days (调休). Deadlines in working days record the version they used.
type WorkdayCalendarView struct {
	Version string              `json:"version" maxLength:"64" doc:"Names this set of data, e.g. 2026-01; a new upload needs a new version." example:"2026-01"`
	Notices []WorkdayNoticeView `json:"notices" maxItems:"50" doc:"One State Council notice per year."`
}

// WorkdayNoticeView is one year's State Council notice on holiday arrangements.
type WorkdayNoticeView struct {
	Year              int                    `json:"year" doc:"The year the notice arranges." example:"2026"`
	Title             string                 `json:"title" maxLength:"200" example:"国务院办公厅关于2026年部分节假日安排的通知"`
	Number            string                 `json:"number" maxLength:"100" doc:"Document number (文号)." example:"国办发明电〔2025〕7号"`
	Note              string                 `json:"note,omitempty" maxLength:"2000" doc:"Where the data was checked and anything uncertain about it."`
	Holidays          []WorkdayHolidayView   `json:"holidays" maxItems:"400" doc:"Every day off of the notice, weekends inside a holiday included."`
	MakeUpWorkingDays []WorkdayMakeUpDayView `json:"makeup_working_days" maxItems:"100" doc:"Weekend days that are working days (调休上班)."`
}

// WorkdayHolidayView is one day off.
type WorkdayHolidayView struct {
	Date string `json:"date" maxLength:"10" doc:"YYYY-MM-DD in Asia/Shanghai." example:"2026-02-17"`
	Name string `json:"name" maxLength:"50" example:"春节"`
}

// WorkdayMakeUpDayView is a weekend day worked in exchange for a weekday off.
type WorkdayMakeUpDayView struct {
	Date string `json:"date" maxLength:"10" doc:"YYYY-MM-DD in Asia/Shanghai; a Saturday or Sunday." example:"2026-02-14"`
	Name string `json:"name" maxLength:"50" doc:"The holiday it makes up for." example:"春节"`
}

func workdayCalendarView(d workday.Data) WorkdayCalendarView {
	return WorkdayCalendarView{Version: d.Version, Notices: views(d.Notices, workdayNoticeView)}
}

func workdayNoticeView(n workday.HolidayNotice) WorkdayNoticeView {
	return WorkdayNoticeView{Year: n.Year, Title: n.Title, Number: n.Number, Note: n.Note,
		Holidays:          views(n.Holidays, func(h workday.Holiday) WorkdayHolidayView { return WorkdayHolidayView(h) }),
		MakeUpWorkingDays: views(n.MakeUpWorkingDays, func(m workday.MakeUpWorkingDay) WorkdayMakeUpDayView { return WorkdayMakeUpDayView(m) })}
}

func workdayData(v WorkdayCalendarView) workday.Data {
	d := workday.Data{Version: v.Version, Notices: make([]workday.HolidayNotice, len(v.Notices))}
	for i, n := range v.Notices {
		dn := workday.HolidayNotice{Year: n.Year, Title: n.Title, Number: n.Number, Note: n.Note}
		for _, h := range n.Holidays {
			dn.Holidays = append(dn.Holidays, workday.Holiday{Date: h.Date, Name: h.Name})
		}
		for _, m := range n.MakeUpWorkingDays {
			dn.MakeUpWorkingDays = append(dn.MakeUpWorkingDays, workday.MakeUpWorkingDay{Date: m.Date, Name: m.Name})
		}
		d.Notices[i] = dn
	}
	return d
}

type updateWorkdayCalendarInput struct {
	Body WorkdayCalendarView
}

func (s *server) registerWorkday() {
	tags := []string{"Working-day calendar"}
	answer(s, huma.Operation{OperationID: "get-workday-calendar", Method: http.MethodGet, Path: "/workday-calendar",
		Summary: "The current working-day calendar", Tags: tags,
		Description: "The holidays and make-up working days (调休) of the State Council's notices that deadlines counted in working days use (e.g. the 7 working days of legality review, Decree 713 Art. 26)."},
		public(), func(ctx context.Context, _ *struct{}) (workday.Data, error) {
			c, err := s.svc.Calendar.Current(ctx)
			if err != nil {
				// A stored row that no longer validates is our fault, not the caller's.
				return workday.Data{}, errs.Internal(err)
			}
			return c.Data(), nil
		}, workdayCalendarView)
	answer(s, huma.Operation{OperationID: "update-workday-calendar", Method: http.MethodPut, Path: "/workday-calendar",
		Summary: "Upload a new version of the working-day calendar", Tags: tags,
		Description: "Stores the data as the newest version, used for every deadline computed from now on; deadlines already computed keep the version they recorded. " +
			"Invalid data answers 422 `invalid_calendar` listing every problem; a version already used answers 409 `calendar_version_exists`.",
		Errors: []int{http.StatusConflict, http.StatusUnprocessableEntity}},
		roles(identity.RoleAdmin), func(ctx context.Context, in *updateWorkdayCalendarInput) (workday.Data, error) {
			c, err := s.svc.Consultation.UpdateWorkdayCalendar(ctx, actor(ctx), workdayData(in.Body), nil)
			if err != nil {
				return workday.Data{}, err
			}
			return c.Data(), nil
		}, workdayCalendarView)
}
