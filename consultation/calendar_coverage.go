package consultation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/workday"
)

// calendarBasis: the working days of Decree 713 Art. 26 follow the State
// Council's yearly holiday notice; a deadline that runs into a year whose
// notice is not loaded is never computed silently (DOMAIN.md, "Time").
const calendarBasis = "Decree 713 Art. 26; State Council holiday notice"

// reviewDeadline computes the earliest conclusion of a package received at
// `received` and refuses with calendar_not_covered when the 7 working days
// run outside the years the calendar covers.
func reviewDeadline(cal workday.Calendar, received time.Time) (time.Time, error) {
	end := cal.AddWorkingDays(received, ReviewPeriodWorkingDays)
	if !cal.CoversPeriod(received, end) {
		return end, errCalendarNotCovered(cal, received, end)
	}
	return end.UTC(), nil
}

func errCalendarNotCovered(cal workday.Calendar, from, to time.Time) error {
	e := errs.Conflict("calendar_not_covered", "工作日历尚未载入"+strconv.Itoa(to.In(workday.Location()).Year())+
		"年国务院节假日安排通知（现有："+CoveredYearsText(cal)+"），无法准确计算自"+shanghaiDate(from)+
		"起的"+strconv.Itoa(ReviewPeriodWorkingDays)+"个工作日审查期限：请平台管理员先载入该年度的节假日安排")
	e.Basis = calendarBasis
	return e
}

// CoveredYearsText lists the covered years in Chinese, e.g. "2025年、2026年".
func CoveredYearsText(cal workday.Calendar) string {
	ys := cal.CoveredYears()
	parts := make([]string, len(ys))
	for i, y := range ys {
		parts[i] = strconv.Itoa(y) + "年"
	}
	if len(parts) == 0 {
		return "无"
	}
	return strings.Join(parts, "、")
}

// CalendarCoverage is what staff see of the calendar: the covered years and
// whether the next year's notice is still missing.
type CalendarCoverage struct {
	Version      string
	Years        []int
	NextYear     int
	NextMissing  bool
	ReminderSent *time.Time
}

// CalendarCoverage returns the current calendar's coverage. Anyone may call
// it (the calendar is public).
func (s *Service) CalendarCoverage(ctx context.Context) (CalendarCoverage, error) {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return CalendarCoverage{}, errs.Internal(err)
	}
	return s.coverage(ctx, cal), nil
}

func (s *Service) coverage(ctx context.Context, cal workday.Calendar) CalendarCoverage {
	next := s.now().In(workday.Location()).Year() + 1
	out := CalendarCoverage{Version: cal.Version(), Years: cal.CoveredYears(), NextYear: next}
	out.NextMissing = !cal.Covers(time.Date(next, 6, 1, 0, 0, 0, 0, workday.Location()))
	var at time.Time
	if err := s.DB.QueryRow(ctx, `SELECT created_at FROM calendar_reminders WHERE year = $1`, next).Scan(&at); err == nil {
		out.ReminderSent = &at
	}
	return out
}

// CalendarReminder is a reminder to the admins to load a year's notice.
type CalendarReminder struct {
	Year      int
	Message   string
	CreatedAt time.Time
}

// RemindCalendarNotice writes, in November (Asia/Shanghai) when the next
// year's holiday notice is not loaded, one reminder for that year that
// admins see on their page (the State Council usually publishes the notice
// in late October or November). It returns whether it wrote one; running
// it again writes nothing. The periodic job calls it daily.
func (s *Service) RemindCalendarNotice(ctx context.Context) (bool, error) {
	now := s.now().In(workday.Location())
	if now.Month() != time.November {
		return false, nil
	}
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return false, errs.Internal(err)
	}
	cov := s.coverage(ctx, cal)
	if !cov.NextMissing {
		return false, nil
	}
	msg := "请载入国务院办公厅关于" + strconv.Itoa(cov.NextYear) + "年部分节假日安排的通知：工作日历目前覆盖" +
		CoveredYearsText(cal) + "，跨入" + strconv.Itoa(cov.NextYear) + "年的审查期限将无法计算。"
	tag, err := s.DB.Exec(ctx, `INSERT INTO calendar_reminders (year, message, created_at) VALUES ($1, $2, $3) ON CONFLICT (year) DO NOTHING`,
		cov.NextYear, msg, s.now())
	if err != nil {
		return false, errs.Internal(err)
	}
	return tag.RowsAffected() == 1, nil
}

// ListCalendarReminders returns the reminders written, newest first, for
// the admin page.
func (s *Service) ListCalendarReminders(ctx context.Context) ([]CalendarReminder, error) {
	rows, err := s.DB.Query(ctx, `SELECT year, message, created_at FROM calendar_reminders ORDER BY year DESC LIMIT 20`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []CalendarReminder
	var r CalendarReminder
	for rows.Next() {
		if err := rows.Scan(&r.Year, &r.Message, &r.CreatedAt); err != nil {
			return nil, errs.Internal(err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
