package supervision_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/canyu-gov/canyu/supervision"
)

// checkExports renders the report as PDF and XLSX and reads both back: the
// PDF through pdftotext (Debian's poppler-utils), so its Chinese text must
// be real text with the font embedded, not pictures of glyphs.
func checkExports(t *testing.T, r supervision.MonthlyReport) {
	t.Helper()
	pdf, err := supervision.MonthlyReportPDF(r)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("CANYU_SCREENSHOT_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "monthly-report.pdf"), pdf, 0o644)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CANYU_REQUIRE_BROWSER") != "" {
			t.Fatal("pdftotext is missing (scripts/ensure-test-tools.sh installs poppler-utils)")
		}
		t.Skip("pdftotext not installed")
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext keeps the layout: compare without white space.
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"全市2026年11月法治政府建设月报告", "法治政府建设领导小组办公室2026年12月1日通报", "收到公众意见（条）", "意见采纳率", "50.0%",
		"近十二个月趋势", "2026年11月", "卫健委一项民生事项未开展民意调查", "督促卫健委限期补正", "第1页共3页", "存证校验值"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q:\n%s", want, text)
		}
	}
	x, err := supervision.MonthlyReportXLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "主要数据,决策阶段,十二个月趋势,分析与措施" {
		t.Fatalf("sheets %v", got)
	}
	rows, _ := f.GetRows("主要数据")
	found := false
	for i, row := range rows {
		if len(row) == 2 && row[0] == "收到公众意见（条）" && row[1] == "3" {
			found = true
			// A count is a number the office can add up, not text.
			cell, _ := excelize.CoordinatesToCellName(2, i+1)
			if typ, err := f.GetCellType("主要数据", cell); err != nil || typ == excelize.CellTypeSharedString ||
				typ == excelize.CellTypeInlineString {
				t.Errorf("the comments received are stored as text (type %v, %v)", typ, err)
			}
		}
	}
	if !found {
		t.Fatalf("the XLSX lacks the comments received: %v", rows)
	}
}

// The PDF's paragraphs break lines the Chinese way: no line begins with a
// comma, a full stop or another closing mark (标点符号用法, GB/T 15834), and
// a number or a Latin word is not cut in two. fpdf's own wrapping broke
// anywhere, so the office's analysis printed lines beginning with "，".
func TestMonthlyReportPDFLineBreaks(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	analysis := strings.Repeat("各单位对征求意见期限的执行总体较好，但部分民生事项的民意调查样本偏少，答复意见说理不充分。", 30) +
		strings.Repeat("共收到意见12345条，采纳率91.7%，其中Excel导出使用较多。", 8)
	r := supervision.MonthlyReport{Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Analysis: analysis,
		WeakLinks: "民意调查。", Measures: "加强培训。"}
	pdf, err := supervision.MonthlyReportPDF(r)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	start, end := strings.Index(text, "四、分析原因"), strings.Index(text, "五、薄弱环节")
	if start < 0 || end < start {
		t.Fatalf("no analysis section:\n%s", text)
	}
	var joined strings.Builder
	for _, line := range strings.Split(text[start:end], "\n")[1:] {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "第") && strings.Contains(line, "页") {
			continue
		}
		if first, _ := utf8.DecodeRuneInString(line); strings.ContainsRune("，。、；：？！）》”%", first) {
			t.Errorf("a line begins with %q: %q", first, line)
		}
		joined.WriteString(line)
	}
	if got := strings.Count(joined.String(), "12345"); got != 8 {
		t.Errorf("the number 12345 is printed whole %d times, want 8:\n%s", got, joined.String())
	}
	if got := strings.Count(joined.String(), "Excel"); got != 8 {
		t.Errorf("the word Excel is printed whole %d times, want 8", got)
	}
}
