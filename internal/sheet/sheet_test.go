package sheet

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestText: only a leading = + - @ (ASCII or full-width, after any white
// space) or a leading tab or carriage return is neutralised.
func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+1":                "'+1",
		"-1":                "'-1",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"a=1":               "a=1",
		"建议=1":              "建议=1",
		// Outside check sec3: spreadsheet programs that trim a cell
		// before reading it (LibreOffice with 去除空格, Google Sheets, the
		// converters WPS and others use) see a formula behind leading
		// white space, a line break or an ideographic space, and a
		// resident's input method types the full-width signs.
		" =1+1":             "' =1+1",
		"\n=1+1":            "'\n=1+1",
		"\u3000@SUM(A1)":    "'\u3000@SUM(A1)",
		"＝HYPERLINK(\"x\")": "'＝HYPERLINK(\"x\")",
		"＋86 电话":            "'＋86 电话",
		"－1":                "'－1",
		"＠SUM(A1)":          "'＠SUM(A1)",
		" 建议":               " 建议",
		"　建议":               "　建议",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCSVStartsWithBOM: Excel reads the file as UTF-8.
func TestCSVStartsWithBOM(t *testing.T) {
	var buf bytes.Buffer
	cw, err := NewCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	cw.Write([]string{"意见内容"})
	cw.Flush()
	if got := buf.String(); got != "\uFEFF意见内容\n" {
		t.Fatalf("csv %q", got)
	}
}

// TestXLSXRows: rows come back in order, a string that looks like a
// formula stays a string, and the header is frozen when asked.
func TestXLSXRows(t *testing.T) {
	var buf bytes.Buffer
	x, err := NewXLSX(&buf, "答卷", Layout{Widths: []float64{10, 30}, FreezeHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]any{{"序号", "意见"}, {1, "=1+1"}, {2, nil}} {
		if err := x.WriteRow(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("答卷")
	if err != nil || len(rows) != 3 || rows[0][1] != "意见" || rows[1][0] != "1" || rows[1][1] != "=1+1" || len(rows[2]) != 1 {
		t.Fatalf("rows %q, %v", rows, err)
	}
	if formula, _ := f.GetCellFormula("答卷", "B2"); formula != "" {
		t.Fatalf("B2 became the formula %q", formula)
	}
	panes, err := f.GetPanes("答卷")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("panes %+v, %v", panes, err)
	}
}
