package web

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// barChart is a horizontal bar chart drawn on the server as inline SVG.
// Each bar has its label on a line above it, so long Chinese labels fit a
// phone; the table beside the chart carries the same numbers, so nothing
// is only in the picture (GB/T 37668, "no information only in a chart").
type barChart struct {
	ID      string
	Summary string // the chart in one sentence: aria-label and <title>
	Width   int
	Height  int
	Bars    []chartBar
}

// chartBar is one bar with its geometry in SVG units.
type chartBar struct {
	Label      string
	Value      string // the number written at the end of the bar
	LabelY     int
	BarY       int
	BarW       int
	ValueX     int
	ValueY     int
	BarHeight  int
	EmptyTrack int // width of the grey track behind the bar
}

// Chart geometry: a 360-unit-wide drawing is drawn at about its own size on
// a phone (390 px less the margins, 358 px) and scales up beside the table.
// Its words are 17 units (site.css), so they are at least 16 px on a
// phone; the longest value (100人（100.0%）, about 135 units) still fits
// after the longest bar.
const (
	chartWidth   = 360
	chartBarMax  = 210
	chartLeft    = 4
	chartRowStep = 52
	chartLabelH  = 22 // from a row's top to its label's baseline: room for the CJK font's ascent
	chartBarH    = 18
	chartLabelMx = 20 // characters of a label drawn (17 units each); the table has the rest
)

// chartItem is one bar before layout: its label, its length relative to
// the longest bar (0..1) and the number to write.
type chartItem struct {
	Label string
	Share float64
	Value string
}

func newBarChart(id, summary string, items []chartItem) barChart {
	c := barChart{ID: id, Summary: summary, Width: chartWidth, Height: len(items)*chartRowStep + 8}
	for i, it := range items {
		y := i*chartRowStep + chartLabelH
		w := int(it.Share*chartBarMax + 0.5)
		if it.Share > 0 && w < 2 {
			w = 2 // a non-zero count stays visible
		}
		c.Bars = append(c.Bars, chartBar{Label: clip(it.Label, chartLabelMx), Value: it.Value, LabelY: y, BarY: y + 7,
			BarW: w, BarHeight: chartBarH, ValueX: chartLeft + w + 6, ValueY: y + 7 + chartBarH - 3, EmptyTrack: chartBarMax})
	}
	return c
}

// clip shortens a label to n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// countChart draws counts: bar length is the count relative to the largest.
func countChart(id, what string, labels []string, counts []int64, percents []float64) barChart {
	var max int64
	for _, c := range counts {
		max = max64(max, c)
	}
	items := make([]chartItem, len(labels))
	parts := make([]string, len(labels))
	for i := range labels {
		share := 0.0
		if max > 0 {
			share = float64(counts[i]) / float64(max)
		}
		items[i] = chartItem{Label: labels[i], Share: share, Value: fmt.Sprintf("%d人（%s）", counts[i], pct(percents[i]))}
		parts[i] = fmt.Sprintf("%s %d人，%s", labels[i], counts[i], pct(percents[i]))
	}
	return newBarChart(id, what+"："+strings.Join(parts, "；")+"。", items)
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// pct writes a percentage with one decimal.
func pct(f float64) string { return fmt.Sprintf("%.1f%%", f) }
