package workday

import (
	"testing"
	"time"
)

// at parses "2006-01-02 15:04" as Beijing time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestIsWorkingDay(t *testing.T) {
	c := Default()
	for _, tt := range []struct {
		date string
		want bool
	}{
		{"2025-01-01", false}, // New Year, Wednesday
		{"2025-01-26", true},  // Sunday, make-up for Spring Festival
		{"2025-01-27", true},  // Monday before 除夕
		{"2025-01-28", false}, // 除夕, statutory since 2025
		{"2025-02-04", false}, // 初七, last day off
		{"2025-02-08", true},  // Saturday, make-up for Spring Festival
		{"2025-06-02", false}, // Dragon Boat, Monday
		{"2025-09-28", true},  // Sunday, make-up for National Day
		{"2025-10-08", false}, // National Day and Mid-Autumn, 8th day
		{"2025-10-09", true},
		{"2025-10-11", true},  // Saturday, make-up
		{"2025-10-12", false}, // ordinary Sunday
		{"2026-01-02", false}, // New Year, Friday
		{"2026-01-04", true},  // Sunday, make-up for New Year
		{"2026-02-14", true},  // Saturday, make-up for Spring Festival
		{"2026-02-15", false}, // Sunday, first day off
		{"2026-02-16", false}, // 除夕, Monday
		{"2026-02-21", false}, // Saturday inside the holiday
		{"2026-02-23", false}, // Monday, last day off
		{"2026-02-24", true},
		{"2026-02-28", true}, // Saturday, make-up for Spring Festival
		{"2026-03-07", false},
		{"2026-05-09", true}, // Saturday, make-up for Labour Day
		{"2026-09-20", true}, // Sunday, make-up for National Day
		{"2026-09-25", false},
		{"2026-10-07", false},
		{"2026-10-08", true},
		{"2026-10-10", true}, // Saturday, make-up for National Day
		{"2027-01-01", true}, // Friday of an uncovered year: weekday rule only
		{"2027-01-02", false},
	} {
		t.Run(tt.date, func(t *testing.T) {
			if got := c.IsWorkingDay(at(t, tt.date+" 12:00")); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestIsWorkingDayUsesBeijingDate(t *testing.T) {
	c := Default()
	// 2026-02-13 17:00 UTC is 2026-02-14 01:00 in Beijing: the make-up Saturday, not Friday.
	// 2026-02-14 17:00 UTC is 2026-02-15 01:00: the first day of the Spring Festival holiday.
	if !c.IsWorkingDay(time.Date(2026, 2, 13, 17, 0, 0, 0, time.UTC)) {
		t.Error("2026-02-14 01:00 Beijing should be a working day")
	}
	if c.IsWorkingDay(time.Date(2026, 2, 14, 17, 0, 0, 0, time.UTC)) {
		t.Error("2026-02-15 01:00 Beijing should be a holiday")
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := Default()
	for _, tt := range []struct {
		name  string
		start string
		n     int
		want  string // 00:00 Beijing of the day after the nth working day
	}{
		// Received Wed 2026-02-11: Feb 12, 13, 14 (make-up Saturday), holiday Feb 15–23,
		// then Feb 24, 25, 26, 27.
		{"2026 Spring Festival, received before", "2026-02-11 10:00", 7, "2026-02-28 00:00"},
		// Received Fri 2026-02-13: Feb 14, 24, 25, 26, 27, 28 (make-up Saturday), Mar 2.
		{"2026 Spring Festival, both make-up Saturdays", "2026-02-13 16:30", 7, "2026-03-03 00:00"},
		// Received on a holiday day: the holiday days do not count.
		{"2026 received during the holiday", "2026-02-17 09:00", 1, "2026-02-25 00:00"},
		// Received Fri 2025-01-24: Jan 26 (make-up Sunday), 27, holiday Jan 28–Feb 4,
		// Feb 5, 6, 7, 8 (make-up Saturday), 10.
		{"2025 Spring Festival", "2025-01-24 11:00", 7, "2025-02-11 00:00"},
		// Received Fri 2025-09-26: Sep 28 (make-up Sunday), 29, 30, holiday Oct 1–8,
		// Oct 9, 10, 11 (make-up Saturday), 13.
		{"2025 National Day and Mid-Autumn", "2025-09-26 15:00", 7, "2025-10-14 00:00"},
		// Received Fri 2026-09-18: Sep 20 (make-up Sunday), 21–24, Mid-Autumn Sep 25–27, 28, 29.
		{"2026 Mid-Autumn", "2026-09-18 15:00", 7, "2026-09-30 00:00"},
		// Received Tue 2026-09-29: Sep 30, holiday Oct 1–7, Oct 8, 9, 10 (make-up Saturday),
		// 12, 13, 14.
		{"2026 National Day", "2026-09-29 15:00", 7, "2026-10-15 00:00"},
		// Across the year end: Dec 31, New Year Jan 1–3, Jan 4 (make-up Sunday), 5–9.
		{"2025 into 2026 New Year", "2025-12-30 09:00", 7, "2026-01-10 00:00"},
		{"ordinary week", "2026-03-02 09:00", 5, "2026-03-10 00:00"},
		{"one day from Friday", "2026-03-06 09:00", 1, "2026-03-10 00:00"},
		{"receipt time of day does not matter", "2026-03-02 23:59", 1, "2026-03-04 00:00"},
		{"receipt at midnight is that day", "2026-03-03 00:00", 1, "2026-03-05 00:00"},
		{"zero returns start", "2026-03-03 14:25", 0, "2026-03-03 14:25"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(at(t, tt.start), tt.n)
			want := at(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.start, tt.n, got, want)
			}
			if got.Location() != shanghai {
				t.Errorf("result in %s, want Asia/Shanghai", got.Location())
			}
			if between := c.WorkingDaysBetween(at(t, tt.start), got); between != tt.n {
				t.Errorf("WorkingDaysBetween(start, result) = %d, want %d", between, tt.n)
			}
		})
	}
}

func TestAddWorkingDaysUsesBeijingDate(t *testing.T) {
	c := Default()
	// 2026-02-10 16:30 UTC is Wednesday 2026-02-11 00:30 in Beijing, so the receipt day is
	// Feb 11, as in TestAddWorkingDays, not Feb 10.
	got := c.AddWorkingDays(time.Date(2026, 2, 10, 16, 30, 0, 0, time.UTC), 7)
	if want := at(t, "2026-02-28 00:00"); !got.Equal(want) {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAddWorkingDaysNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("AddWorkingDays(-1) did not panic")
		}
	}()
	Default().AddWorkingDays(at(t, "2026-03-02 09:00"), -1)
}

func TestWorkingDaysBetween(t *testing.T) {
	c := Default()
	receipt := at(t, "2026-02-11 10:00")
	for _, tt := range []struct {
		name string
		b    time.Time
		want int
	}{
		{"b before a", at(t, "2026-02-10 10:00"), 0},
		{"same instant", receipt, 0},
		{"end of receipt day", at(t, "2026-02-12 00:00"), 0},
		{"during first working day", at(t, "2026-02-12 17:00"), 0},
		{"first working day passed", at(t, "2026-02-13 00:00"), 1},
		{"make-up Saturday passed", at(t, "2026-02-15 00:00"), 3},
		{"holiday adds nothing", at(t, "2026-02-24 00:00"), 3},
		{"one nanosecond before the 7th day ends", at(t, "2026-02-28 00:00").Add(-time.Nanosecond), 6},
		{"7th day ended", at(t, "2026-02-28 00:00"), 7},
		{"b given in UTC", time.Date(2026, 2, 27, 16, 0, 0, 0, time.UTC), 7},
		{"through the second make-up Saturday", at(t, "2026-03-01 00:00"), 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.WorkingDaysBetween(receipt, tt.b); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", receipt, tt.b, got, tt.want)
			}
		})
	}
}

// TestWorkingDaysPerYear checks the data as a whole. Since 2025 there are 13 statutory holiday
// days (《全国年节及纪念日放假办法》 as revised by Decree No. 795) and each notice gives a
// weekday off for any of them falling on a weekend, while every other weekday off is paid back
// by a make-up weekend day. So each year has exactly 13 fewer working days than weekdays; a
// missing or mistyped date breaks the count.
func TestWorkingDaysPerYear(t *testing.T) {
	c := Default()
	for _, year := range []int{2025, 2026} {
		t.Run(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006"), func(t *testing.T) {
			working, weekdays := 0, 0
			for d := (day{year, time.January, 1}); d.year == year; d = d.next() {
				if !d.weekend() {
					weekdays++
				}
				if c.working(d) {
					working++
				}
			}
			if weekdays-working != 13 {
				t.Errorf("%d working days out of %d weekdays, want %d", working, weekdays, weekdays-13)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	c := Default()
	for _, tt := range []struct {
		name string
		t    time.Time
		want bool
	}{
		{"last day before data", at(t, "2024-12-31 23:59"), false},
		{"first day of 2025", at(t, "2025-01-01 00:00"), true},
		{"mid 2026", at(t, "2026-06-15 12:00"), true},
		{"last minute of 2026", at(t, "2026-12-31 23:59"), true},
		{"first minute of 2027", at(t, "2027-01-01 00:00"), false},
		// 2026-12-31 16:00 UTC is already 2027-01-01 in Beijing.
		{"UTC instant in Beijing's 2027", time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC), false},
		{"UTC instant in Beijing's 2025", time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Covers(tt.t); got != tt.want {
				t.Errorf("Covers(%s) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestZeroCalendar(t *testing.T) {
	var c Calendar
	if c.Version() != "" || c.Covers(at(t, "2026-02-16 12:00")) {
		t.Error("zero Calendar should have no version and cover no year")
	}
	// Without data, 除夕 2026 (a Monday) counts as a working day.
	if !c.IsWorkingDay(at(t, "2026-02-16 12:00")) {
		t.Error("zero Calendar should follow the Monday-to-Friday rule")
	}
}
