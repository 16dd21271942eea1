package workday

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Data is the JSON form of a working-day calendar: what calendar.json holds, what the Store
// keeps per version and what an admin sees and uploads. Build a Calendar from it with New.
type Data struct {
	// Version names this set of data, e.g. "2026-01"; deadlines record it. Unique per Store.
	Version string `json:"version"`
	// Notices holds one State Council holiday notice per year.
	Notices []HolidayNotice `json:"notices"`
}

// HolidayNotice is one year's State Council notice on holiday arrangements
// (国务院办公厅关于某年部分节假日安排的通知).
type HolidayNotice struct {
	// Year is the year the notice arranges.
	Year int `json:"year"`
	// Title is the notice's title, e.g. 国务院办公厅关于2026年部分节假日安排的通知.
	Title string `json:"title"`
	// Number is the document number (文号), e.g. 国办发明电〔2024〕12号.
	Number string `json:"number"`
	// Note records where the data was checked and anything uncertain about it.
	Note string `json:"note,omitempty"`
	// Holidays lists every day off (放假) of the notice, weekends inside a holiday included.
	Holidays []Holiday `json:"holidays"`
	// MakeUpWorkingDays lists the weekend days that are working days (调休上班).
	MakeUpWorkingDays []MakeUpWorkingDay `json:"makeup_working_days"`
}

// Holiday is one day off under a notice.
type Holiday struct {
	// Date is the day, YYYY-MM-DD in Asia/Shanghai.
	Date string `json:"date"`
	// Name is the holiday, e.g. 春节.
	Name string `json:"name"`
}

// MakeUpWorkingDay is one weekend day worked in exchange for a weekday off (调休上班).
type MakeUpWorkingDay struct {
	// Date is the day, YYYY-MM-DD in Asia/Shanghai; it must be a Saturday or a Sunday.
	Date string `json:"date"`
	// Name is the holiday the day makes up for, e.g. 春节.
	Name string `json:"name"`
}

// ErrInvalidCalendar is wrapped by every error that refuses calendar data; the message lists
// the problems found.
var ErrInvalidCalendar = errors.New("workday: invalid calendar")

// maxProblems bounds the message of a refusal so a badly broken upload stays readable.
const maxProblems = 20

//go:embed calendar.json
var embedded []byte

var defaultCalendar = sync.OnceValue(func() Calendar {
	c, err := Parse(embedded)
	if err != nil {
		panic("workday: embedded calendar.json: " + err.Error())
	}
	return c
})

// Default returns the calendar shipped in calendar.json: the notices for 2025 and 2026.
func Default() Calendar { return defaultCalendar() }

// Parse reads calendar data in the JSON form of Data and validates it as New does. Unknown
// fields and trailing data are refused, so a typo in an upload is not silently ignored. Errors
// wrap ErrInvalidCalendar.
func Parse(raw []byte) (Calendar, error) {
	d, err := decode(raw, true)
	if err != nil {
		return Calendar{}, err
	}
	return New(d)
}

// decode reads Data; strict refuses unknown fields (uploads), lenient reading serves rows
// stored by an older or newer build.
func decode(raw []byte, strict bool) (Data, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	var d Data
	if err := dec.Decode(&d); err != nil {
		return Data{}, fmt.Errorf("%w: %v", ErrInvalidCalendar, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Data{}, fmt.Errorf("%w: data after the calendar object", ErrInvalidCalendar)
	}
	return d, nil
}

// New validates d and builds a Calendar from a copy of it. It refuses, with an error wrapping
// ErrInvalidCalendar: an empty version or one with surrounding spaces, no notices, a repeated
// year, a notice without title or number, a date that is not a valid YYYY-MM-DD or lies outside
// the notice's year (or the year before, for a New Year arrangement starting in December), a
// date listed twice, a date both holiday and make-up working day, a make-up working day that is
// not a Saturday or Sunday, and an entry without a name.
func New(d Data) (Calendar, error) {
	d = d.clone()
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	switch {
	case strings.TrimSpace(d.Version) == "":
		add("version is empty")
	case strings.TrimSpace(d.Version) != d.Version:
		add("version %q has leading or trailing spaces", d.Version)
	}
	if len(d.Notices) == 0 {
		add("no holiday notices")
	}

	c := Calendar{
		data:     d,
		holidays: make(map[day]string),
		makeUp:   make(map[day]string),
		years:    make(map[int]bool),
	}
	for _, n := range d.Notices {
		if n.Year < 2000 || n.Year > 9999 {
			add("notice year %d is out of range", n.Year)
		}
		if c.years[n.Year] {
			add("notice %d: more than one notice for the year", n.Year)
		}
		c.years[n.Year] = true
		if strings.TrimSpace(n.Title) == "" {
			add("notice %d: title is empty", n.Year)
		}
		if strings.TrimSpace(n.Number) == "" {
			add("notice %d: document number is empty", n.Year)
		}
		for _, h := range n.Holidays {
			if dd, ok := checkEntry(n.Year, "holiday", h.Date, h.Name, c, add); ok {
				c.holidays[dd] = h.Name
			}
		}
		for _, m := range n.MakeUpWorkingDays {
			dd, ok := checkEntry(n.Year, "make-up working day", m.Date, m.Name, c, add)
			if !ok {
				continue
			}
			if !dd.weekend() {
				add("notice %d: make-up working day %s is a %s, not a Saturday or Sunday", n.Year, m.Date, dd.weekday())
			}
			c.makeUp[dd] = m.Name
		}
	}
	if len(problems) > 0 {
		if len(problems) > maxProblems {
			problems = append(problems[:maxProblems], fmt.Sprintf("and %d more", len(problems)-maxProblems))
		}
		return Calendar{}, fmt.Errorf("%w: %s", ErrInvalidCalendar, strings.Join(problems, "; "))
	}
	return c, nil
}

// checkEntry validates one dated entry of a notice against the entries already loaded in c;
// ok is false when the date cannot be used.
func checkEntry(year int, kind, date, name string, c Calendar, add func(string, ...any)) (d day, ok bool) {
	if strings.TrimSpace(name) == "" {
		add("notice %d: %s %s has no name", year, kind, date)
	}
	d, err := parseDay(date)
	if err != nil {
		add("notice %d: %s date %q is not a valid YYYY-MM-DD date", year, kind, date)
		return day{}, false
	}
	// A notice may start the New Year holiday in the last days of the year before
	// (the 2019 notice moved 2018-12-29 to a working Saturday), never later than its own year.
	if d.year != year && d.year != year-1 {
		add("notice %d: %s %s is outside the notice's year", year, kind, date)
	}
	_, isHoliday := c.holidays[d]
	_, isMakeUp := c.makeUp[d]
	switch {
	case isHoliday && kind == "holiday", isMakeUp && kind != "holiday":
		add("notice %d: %s %s is listed twice", year, kind, date)
	case isHoliday || isMakeUp:
		add("notice %d: %s is both a holiday and a make-up working day", year, date)
	}
	return d, true
}

// clone returns a deep copy, so a Calendar never shares slices with its caller. Missing lists
// become empty ones, so the JSON form always shows [] rather than null.
func (d Data) clone() Data {
	out := Data{Version: d.Version, Notices: make([]HolidayNotice, len(d.Notices))}
	for i, n := range d.Notices {
		n.Holidays = append(make([]Holiday, 0, len(n.Holidays)), n.Holidays...)
		n.MakeUpWorkingDays = append(make([]MakeUpWorkingDay, 0, len(n.MakeUpWorkingDays)), n.MakeUpWorkingDays...)
		out.Notices[i] = n
	}
	return out
}
