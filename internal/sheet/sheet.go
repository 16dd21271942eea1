// Package sheet holds what the platform's spreadsheet exports (a
// decision's comments, a survey's responses) share: the guard against
// formula injection, CSV that Excel opens as UTF-8, and one streamed XLSX
// sheet.
package sheet

import (
	"encoding/csv"
	"io"

	"github.com/xuri/excelize/v2"
)

// Text neutralises spreadsheet formula injection (OWASP "CSV injection"):
// a cell that starts with = + - @ (or a tab or carriage return, which some
// programs skip before looking for one) is prefixed with an apostrophe so
// that it is shown as text and never evaluated.
func Text(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// NewCSV starts a CSV file on w. The byte-order mark it writes first makes
// Excel read the file as UTF-8 instead of the local code page, which would
// garble Chinese text.
func NewCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	return csv.NewWriter(w), nil
}

// XLSX is a workbook of one sheet whose rows are streamed (an export of
// many rows never holds them all), written to its io.Writer on Close.
// Close or Discard it: the stream may keep temporary files.
type XLSX struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	out  io.Writer
	row  int
	done bool
}

// Layout is the look of an XLSX sheet: its column widths (in characters,
// from the first column) and whether its first row (the header) stays in
// view while scrolling.
type Layout struct {
	Widths       []float64
	FreezeHeader bool
}

// NewXLSX starts a workbook whose one sheet is called name.
func NewXLSX(w io.Writer, name string, layout Layout) (*XLSX, error) {
	f := excelize.NewFile()
	x, err := newXLSX(f, w, name, layout)
	if err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

func newXLSX(f *excelize.File, w io.Writer, name string, layout Layout) (*XLSX, error) {
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, wd := range layout.Widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return nil, err
		}
	}
	if layout.FreezeHeader {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
	}
	return &XLSX{f: f, sw: sw, out: w}, nil
}

// WriteRow writes the next row: a string as an inline string (never a
// formula), a number as a number, nil as an empty cell.
func (x *XLSX) WriteRow(cells []any) error {
	x.row++
	ref, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(ref, cells)
}

// Discard frees the workbook without writing it. After Close it does
// nothing, so `defer x.Discard()` covers a writer's error paths.
func (x *XLSX) Discard() {
	if !x.done {
		x.done = true
		x.f.Close()
	}
}

// Close writes the workbook out and frees it.
func (x *XLSX) Close() error {
	defer x.Discard()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(x.out)
}
