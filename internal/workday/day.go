package workday

import "time"

// day is a civil date in Asia/Shanghai, comparable so it can key a map.
type day struct {
	year  int
	month time.Month
	dom   int
}

// dayOf returns the Asia/Shanghai date of t.
func dayOf(t time.Time) day {
	y, m, d := t.In(shanghai).Date()
	return day{y, m, d}
}

// parseDay reads a YYYY-MM-DD date, refusing impossible dates such as 2026-02-30.
func parseDay(s string) (day, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return day{}, err
	}
	y, m, d := t.Date()
	return day{y, m, d}, nil
}

// start returns 00:00 of the day in Asia/Shanghai.
func (d day) start() time.Time { return time.Date(d.year, d.month, d.dom, 0, 0, 0, 0, shanghai) }

// next returns the following day; civil arithmetic in UTC, so no zone rule can skip a day.
func (d day) next() day {
	y, m, dd := time.Date(d.year, d.month, d.dom+1, 0, 0, 0, 0, time.UTC).Date()
	return day{y, m, dd}
}

func (d day) weekday() time.Weekday {
	return time.Date(d.year, d.month, d.dom, 0, 0, 0, 0, time.UTC).Weekday()
}

func (d day) weekend() bool {
	wd := d.weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func (d day) String() string {
	return time.Date(d.year, d.month, d.dom, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}
