package supervision_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
