package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

type workdayCalendarJSON struct {
	Version string `json:"version"`
	Notices []struct {
		Year     int    `json:"year"`
		Title    string `json:"title"`
		Number   string `json:"number"`
		Note     string `json:"note,omitempty"`
		Holidays []struct {
			Date string `json:"date"`
			Name string `json:"name"`
		} `json:"holidays"`
		MakeUpWorkingDays []struct {
			Date string `json:"date"`
			Name string `json:"name"`
		} `json:"makeup_working_days"`
	} `json:"notices"`
}

func TestGetWorkdayCalendar(t *testing.T) {
	e := testenv.New(t)
	var c workdayCalendarJSON
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &c)
	// testenv adds an assumed notice for a year not yet shipped, named
	// "+test" (internal/testenv), when its clock runs into one.
	if !strings.HasPrefix(c.Version, "2026-01") || len(c.Notices) < 2 {
		t.Fatalf("calendar: %s %d notices", c.Version, len(c.Notices))
	}
	want := map[int]string{2025: "国务院办公厅关于2025年部分节假日安排的通知", 2026: "国务院办公厅关于2026年部分节假日安排的通知"}
	for _, n := range c.Notices {
		if want[n.Year] == "" && strings.HasSuffix(c.Version, "+test") {
			continue // testenv's assumed year
		}
		if n.Title != want[n.Year] || n.Number == "" || len(n.Holidays) == 0 || len(n.MakeUpWorkingDays) == 0 {
			t.Fatalf("notice %d: %+v", n.Year, n)
		}
	}
	has := func(year int, date, name string, makeUp bool) bool {
		for _, n := range c.Notices {
			if n.Year != year {
				continue
			}
			if makeUp {
				for _, m := range n.MakeUpWorkingDays {
					if m.Date == date && m.Name == name {
						return true
					}
				}
			}
			for _, h := range n.Holidays {
				if !makeUp && h.Date == date && h.Name == name {
					return true
				}
			}
		}
		return false
	}
	if !has(2026, "2026-02-17", "春节", false) || !has(2025, "2025-10-01", "国庆节、中秋节", false) {
		t.Fatalf("holidays missing: %+v", c)
	}
	if !has(2025, "2025-01-26", "春节", true) {
		t.Fatalf("make-up working day 2025-01-26 missing: %+v", c.Notices[0].MakeUpWorkingDays)
	}
}

func TestUpdateWorkdayCalendar(t *testing.T) {
	e := testenv.New(t)
	_, admin := e.Account(identity.RoleAdmin, "")
	_, resident := e.Account(identity.RoleResident, "")
	var current workdayCalendarJSON
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &current)

	next := current
	next.Version = "2026-02"
	next.Notices[1].Note = "按国务院办公厅通知核对后更新。"
	e.Do("PUT", "/workday-calendar", resident, next).Expect(t, 403, "")
	e.Do("PUT", "/workday-calendar", "", next).Expect(t, 401, "")

	var saved workdayCalendarJSON
	e.Do("PUT", "/workday-calendar", admin, next).Expect(t, 200, "").JSON(t, &saved)
	if saved.Version != "2026-02" || saved.Notices[1].Note != "按国务院办公厅通知核对后更新。" {
		t.Fatalf("saved: %+v", saved)
	}
	var got workdayCalendarJSON
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &got)
	if got.Version != "2026-02" {
		t.Fatalf("current after update: %s", got.Version)
	}
	if n := workdayCount(t, e, `SELECT count(*) FROM workday_calendar_versions`); n != 1 {
		t.Fatalf("%d versions stored", n)
	}

	// A version names one set of data forever, the built-in one included.
	e.Do("PUT", "/workday-calendar", admin, next).Expect(t, 409, "calendar_version_exists")
	builtIn := next
	builtIn.Version = "2026-01"
	e.Do("PUT", "/workday-calendar", admin, builtIn).Expect(t, 409, "calendar_version_exists")

	clone := func() workdayCalendarJSON {
		var c workdayCalendarJSON
		raw, _ := json.Marshal(next)
		json.Unmarshal(raw, &c)
		c.Version = "2026-03"
		return c
	}
	cases := []struct {
		name    string
		edit    func(*workdayCalendarJSON)
		message string
	}{
		{"MakeUpDayOnWednesday", func(c *workdayCalendarJSON) { c.Notices[1].MakeUpWorkingDays[0].Date = "2026-03-04" }, "2026-03-04 is a Wednesday"},
		{"NoNotices", func(c *workdayCalendarJSON) { c.Notices = c.Notices[:0] }, "no holiday notices"},
		{"BadDate", func(c *workdayCalendarJSON) { c.Notices[0].Holidays[0].Date = "2025-13-01" }, "2025-13-01"},
		{"RepeatedYear", func(c *workdayCalendarJSON) { c.Notices[1].Year = 2025 }, "more than one notice"},
		{"BlankVersion", func(c *workdayCalendarJSON) { c.Version = " " }, "version is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := clone()
			c.edit(&body)
			res := e.Do("PUT", "/workday-calendar", admin, body).Expect(t, 422, "invalid_calendar")
			var p struct {
				Detail string `json:"detail"`
				Errors []struct {
					Location string `json:"location"`
					Message  string `json:"message"`
				} `json:"errors"`
			}
			res.JSON(t, &p)
			found := false
			for _, fe := range p.Errors {
				found = found || strings.Contains(fe.Message, c.message) && strings.HasPrefix(fe.Location, "body.")
			}
			if !found || p.Detail == "" {
				t.Fatalf("problem does not name %q: %s", c.message, res.Body)
			}
		})
	}
	e.Do("GET", "/workday-calendar", "", nil).Expect(t, 200, "").JSON(t, &got)
	if got.Version != "2026-02" {
		t.Fatalf("a refused update changed the calendar: %s", got.Version)
	}
}

func workdayCount(t *testing.T, e *testenv.Env, sql string) int {
	t.Helper()
	var n int
	if err := e.DB.QueryRow(t.Context(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
