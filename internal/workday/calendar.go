// Package workday is the working-day calendar (工作日): which days are working days under the
// State Council's yearly holiday notices (部分节假日安排的通知), including the make-up working
// weekends (调休), and the arithmetic that statutory periods counted in working days need,
// such as the 7 working days of legality review (Decree 713 Art. 26).
//
// The calendar is data: a Calendar is built from a Data value, shipped in calendar.json for the
// current and next year (Default) and replaceable by an admin through the Store. Every date is a
// calendar day in Asia/Shanghai, whatever the location of the time.Time passed in.
package workday

import (
	"sort"
	"time"
	_ "time/tzdata" // Asia/Shanghai must resolve in minimal containers without /usr/share/zoneinfo.
)

// shanghai is the zone in which days are counted: the notices and the law speak of Beijing time.
var shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("workday: " + err.Error())
	}
	return loc
}

// Location returns Asia/Shanghai, the zone in which the calendar counts days and in which
// deadlines are shown.
func Location() *time.Location { return shanghai }

// Calendar is an immutable working-day calendar built from one version of the holiday data.
// Build one with Default, Parse or New; the zero Calendar has no version and knows no holidays,
// so it treats every Monday to Friday as a working day. A Calendar is safe for concurrent use.
type Calendar struct {
	data     Data
	holidays map[day]string // date → holiday name (放假)
	makeUp   map[day]string // date → name of the holiday it makes up for (调休上班)
	years    map[int]bool   // years for which a notice is loaded
}

// Version returns the version string of the data the calendar was built from. Store it with
// every deadline computed from this calendar.
func (c Calendar) Version() string { return c.data.Version }

// Data returns a copy of the data the calendar was built from, to show or export it.
func (c Calendar) Data() Data { return c.data.clone() }

// IsWorkingDay reports whether the Asia/Shanghai calendar day containing t is a working day:
// a make-up working day (调休上班) of a loaded notice, or a Monday to Friday that is not a
// holiday of a loaded notice. Days in years without a notice follow the Monday-to-Friday rule
// alone; check Covers to know whether that happened.
func (c Calendar) IsWorkingDay(t time.Time) bool { return c.working(dayOf(t)) }

// Covers reports whether the calendar holds the State Council notice for the year of the
// Asia/Shanghai day containing t. Outside covered years holidays are unknown, so a deadline
// there may be too early: callers should refuse or warn. To check a deadline returned by
// AddWorkingDays, test the last day it counted: Covers(deadline.Add(-time.Nanosecond)).
func (c Calendar) Covers(t time.Time) bool { return c.years[dayOf(t).year] }

// AddWorkingDays returns the instant at which n working days after start have fully passed.
//
// Counting follows the Civil Code's rules for periods, which Decree 713 does not vary: the day
// of start (the receipt day) does not count, counting begins the next day (Art. 201), and a
// period ends at 24:00 of its last day (Art. 203). So the result is 00:00 Asia/Shanghai of the
// day after the nth working day that follows start's day, returned in Asia/Shanghai. For the
// legality review, Decree 713 Art. 26 requires "一般不少于7个工作日": a conclusion on a
// package received at start may be signed at or after AddWorkingDays(start, 7).
//
// The time of day of start does not matter, only its Asia/Shanghai date. AddWorkingDays(start, 0)
// returns start. n must not be negative: a negative n panics, like strings.Repeat.
func (c Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	if n < 0 {
		panic("workday: AddWorkingDays with a negative number of working days")
	}
	if n == 0 {
		return start.In(shanghai)
	}
	d := dayOf(start)
	for n > 0 {
		d = d.next()
		if c.working(d) {
			n--
		}
	}
	return d.next().start()
}

// WorkingDaysBetween counts the working days that have fully passed between a and b: the days
// after a's Asia/Shanghai day whose 24:00 is at or before b, as AddWorkingDays counts them. So
// WorkingDaysBetween(a, c.AddWorkingDays(a, n)) == n, and it is 0 when b is not after a.
func (c Calendar) WorkingDaysBetween(a, b time.Time) int {
	count := 0
	for d := dayOf(a).next(); !d.next().start().After(b); d = d.next() {
		if c.working(d) {
			count++
		}
	}
	return count
}

func (c Calendar) working(d day) bool {
	if _, ok := c.makeUp[d]; ok {
		return true
	}
	if _, ok := c.holidays[d]; ok {
		return false
	}
	return !d.weekend()
}

// CoveredYears returns the years whose State Council notice the calendar
// holds, in order.
func (c Calendar) CoveredYears() []int {
	out := make([]int, 0, len(c.years))
	for y := range c.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// CoversPeriod reports whether every day counted from start's day to the
// day before end (the period AddWorkingDays(start, n) returns as end) lies
// in a covered year. A deadline computed across an uncovered year may count
// an unknown holiday as a working day.
func (c Calendar) CoversPeriod(start, end time.Time) bool {
	first, last := dayOf(start).year, dayOf(end.Add(-time.Nanosecond)).year
	if last < first {
		last = first
	}
	for y := first; y <= last; y++ {
		if !c.years[y] {
			return false
		}
	}
	return true
}
