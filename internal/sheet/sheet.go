// Package sheet holds what the platform's spreadsheet exports (a
// decision's comments, a survey's responses) share: the guard against
// formula injection, CSV that Excel opens as UTF-8, and one streamed XLSX
// sheet.
package sheet

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
)

// Text neutralises spreadsheet formula injection (OWASP "CSV injection"):
// a cell that starts with = + - @ (or a tab or carriage return, which some
// programs skip before looking for one) is prefixed with an apostrophe so
// that it is shown as text and never evaluated. The sign is also looked
// for behind leading white space (a space, a line break, the ideographic
// space U+3000), which programs that trim a cell before reading it skip,
// and in its full-width form (＝ ＋ － ＠), which a Chinese input method
// types and East Asian spreadsheet programs read as the ASCII sign
// (outside check sec3).
func Text(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '\t', '\r':
		return "'" + s
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		switch r {
		case '=', '+', '-', '@', '＝', '＋', '－', '＠':
			return "'" + s
		}
		break
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

// The export formats of NewTable.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Table is an export of text rows in one format. Close writes it out;
// Discard frees it without writing (after Close it does nothing, so
// `defer t.Discard()` covers a writer's error paths).
type Table interface {
	WriteRow(cells []string) error
	Close() error
	Discard()
}

// NewTable starts a table on w in format (FormatCSV or FormatXLSX, one sheet
// called name, laid out as layout). Every cell goes through Text, and is
// made valid UTF-8.
func NewTable(w io.Writer, format, name string, layout Layout) (Table, error) {
	if format == FormatXLSX {
		x, err := NewXLSX(w, name, layout)
		if err != nil {
			return nil, err
		}
		return xlsxTable{x}, nil
	}
	cw, err := NewCSV(w)
	if err != nil {
		return nil, err
	}
	cw.UseCRLF = true
	return csvTable{cw}, nil
}

func cleanCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Text(strings.ToValidUTF8(c, "\uFFFD"))
	}
	return out
}

type csvTable struct{ w *csv.Writer }

func (t csvTable) WriteRow(cells []string) error { return t.w.Write(cleanCells(cells)) }

func (t csvTable) Close() error {
	t.w.Flush()
	return t.w.Error()
}

func (csvTable) Discard() {}

// xlsxTable writes cells as inline strings, never as formulas.
type xlsxTable struct{ x *XLSX }

func (t xlsxTable) WriteRow(cells []string) error {
	vals := make([]any, len(cells))
	for i, c := range cleanCells(cells) {
		vals[i] = c
	}
	return t.x.WriteRow(vals)
}

func (t xlsxTable) Close() error { return t.x.Close() }

func (t xlsxTable) Discard() { t.x.Discard() }
