package workday

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	c := Default()
	if c.Version() != "2026-01" {
		t.Errorf("Version() = %q, want 2026-01", c.Version())
	}
	d := c.Data()
	want := map[int]string{
		2025: "国务院办公厅关于2025年部分节假日安排的通知 国办发明电〔2024〕12号",
		2026: "国务院办公厅关于2026年部分节假日安排的通知 国办发明电〔2025〕7号",
	}
	if len(d.Notices) != len(want) {
		t.Fatalf("%d notices, want %d", len(d.Notices), len(want))
	}
	for _, n := range d.Notices {
		if got := n.Title + " " + n.Number; got != want[n.Year] {
			t.Errorf("notice %d is %q, want %q", n.Year, got, want[n.Year])
		}
	}
}

func TestDataRoundTrip(t *testing.T) {
	c := Default()
	raw, err := json.Marshal(c.Data())
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse(Data() as JSON): %v", err)
	}
	if !reflect.DeepEqual(again.Data(), c.Data()) {
		t.Error("data changed on a round trip through JSON")
	}
}

func TestDataIsCopied(t *testing.T) {
	d := validData()
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	d.Notices[0].MakeUpWorkingDays[0].Date = "2026-02-15"
	c.Data().Notices[0].MakeUpWorkingDays[0].Date = "2026-02-15"
	if got := c.Data().Notices[0].MakeUpWorkingDays[0].Date; got != "2026-02-14" {
		t.Errorf("calendar data changed through a caller's slice: %s", got)
	}
	if !c.IsWorkingDay(at(t, "2026-02-14 12:00")) {
		t.Error("make-up day lost")
	}
}

// validData is a small valid calendar: the 2026 Spring Festival only.
func validData() Data {
	return Data{
		Version: "test-1",
		Notices: []HolidayNotice{{
			Year:   2026,
			Title:  "国务院办公厅关于2026年部分节假日安排的通知",
			Number: "国办发明电〔2025〕7号",
			Holidays: []Holiday{
				{Date: "2026-02-16", Name: "春节"},
				{Date: "2026-02-17", Name: "春节"},
			},
			MakeUpWorkingDays: []MakeUpWorkingDay{{Date: "2026-02-14", Name: "春节"}},
		}},
	}
}

func TestNewRefuses(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*Data)
		want   string // part of the error message
	}{
		{"empty version", func(d *Data) { d.Version = " " }, "version is empty"},
		{"padded version", func(d *Data) { d.Version = "2026-01 " }, "leading or trailing spaces"},
		{"no notices", func(d *Data) { d.Notices = nil }, "no holiday notices"},
		{"repeated year", func(d *Data) {
			n := d.Notices[0]
			n.Holidays, n.MakeUpWorkingDays = nil, nil
			d.Notices = append(d.Notices, n)
		}, "more than one notice"},
		{"year out of range", func(d *Data) { d.Notices[0].Year = 26 }, "out of range"},
		{"no title", func(d *Data) { d.Notices[0].Title = "" }, "title is empty"},
		{"no number", func(d *Data) { d.Notices[0].Number = "" }, "document number is empty"},
		{"single-digit month", func(d *Data) { d.Notices[0].Holidays[0].Date = "2026-2-16" }, `"2026-2-16" is not a valid`},
		{"impossible date", func(d *Data) { d.Notices[0].Holidays[0].Date = "2026-02-30" }, `"2026-02-30" is not a valid`},
		{"date with time", func(d *Data) {
			d.Notices[0].MakeUpWorkingDays[0].Date = "2026-02-14T00:00:00+08:00"
		}, "is not a valid"},
		{"date in another year", func(d *Data) { d.Notices[0].Holidays[0].Date = "2027-02-16" }, "outside the notice's year"},
		{"holiday listed twice", func(d *Data) { d.Notices[0].Holidays[1].Date = "2026-02-16" }, "holiday 2026-02-16 is listed twice"},
		{"both holiday and make-up", func(d *Data) {
			d.Notices[0].Holidays = append(d.Notices[0].Holidays, Holiday{Date: "2026-02-14", Name: "春节"})
		}, "2026-02-14 is both a holiday and a make-up working day"},
		{"make-up on a weekday", func(d *Data) { d.Notices[0].MakeUpWorkingDays[0].Date = "2026-02-13" }, "2026-02-13 is a Friday, not a Saturday or Sunday"},
		{"unnamed holiday", func(d *Data) { d.Notices[0].Holidays[0].Name = "" }, "has no name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := validData()
			tt.change(&d)
			_, err := New(d)
			if !errors.Is(err, ErrInvalidCalendar) {
				t.Fatalf("New: error %v, want ErrInvalidCalendar", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestNewAcceptsDecemberOfPreviousYear(t *testing.T) {
	// The 2019 notice began the New Year holiday on 2018-12-30 with 2018-12-29 worked.
	d := validData()
	d.Notices[0].Year = 2019
	d.Notices[0].Holidays = []Holiday{{Date: "2018-12-31", Name: "元旦"}, {Date: "2019-01-01", Name: "元旦"}}
	d.Notices[0].MakeUpWorkingDays = []MakeUpWorkingDay{{Date: "2018-12-29", Name: "元旦"}}
	c, err := New(d)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWorkingDay(at(t, "2018-12-31 12:00")) || !c.IsWorkingDay(at(t, "2018-12-29 12:00")) {
		t.Error("December days of the 2019 notice not applied")
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	d := validData()
	d.Version = ""
	d.Notices[0].MakeUpWorkingDays[0].Date = "2026-02-13"
	_, err := New(d)
	if err == nil || !strings.Contains(err.Error(), "version is empty") || !strings.Contains(err.Error(), "2026-02-13") {
		t.Errorf("error %v should name both problems", err)
	}
}

func TestParseRefuses(t *testing.T) {
	valid, err := json.Marshal(validData())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		raw  string
	}{
		{"not JSON", "version: 2026-01"},
		{"empty", ""},
		{"unknown field", strings.Replace(string(valid), `"version"`, `"versoin":"x","version"`, 1)},
		{"trailing data", string(valid) + " {}"},
		{"wrong type", `{"version": "x", "notices": [{"year": "2026"}]}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.raw)); !errors.Is(err, ErrInvalidCalendar) {
				t.Errorf("Parse: error %v, want ErrInvalidCalendar", err)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		c, err := Parse(valid)
		if err != nil {
			t.Fatal(err)
		}
		if c.Version() != "test-1" || !c.IsWorkingDay(at(t, "2026-02-14 12:00")) {
			t.Error("parsed calendar lost its data")
		}
	})
}
