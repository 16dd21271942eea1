package survey

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestWithholdSmallCells: a cell of 1 to MinPublicCell-1 respondents is not
// shown to the public, and no row or column is left with a single withheld
// cell, which its total would give back by subtraction.
func TestWithholdSmallCells(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int64
		want   string
	}{
		{"none small", [][]int64{{5, 12}, {30, 7}}, "[[false false] [false false]]"},
		{"zeros shown", [][]int64{{0, 12}, {30, 0}}, "[[false false] [false false]]"},
		{"one small: its row, then the columns", [][]int64{{1, 10, 12}, {8, 9, 20}},
			"[[true true false] [true true false]]"},
		{"second cell the smallest non-zero", [][]int64{{2, 0, 40, 6}, {9, 9, 9, 9}, {30, 31, 32, 33}},
			"[[true false false true] [true false false true] [false false false false]]"},
		{"only zeros beside it", [][]int64{{0, 3}, {7, 9}}, "[[true true] [true true]]"},
		{"boundary", [][]int64{{MinPublicCell - 1, MinPublicCell}, {MinPublicCell, MinPublicCell}}, "[[true true] [true true]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fmt.Sprint(withholdSmallCells(tt.counts)); got != tt.want {
				t.Errorf("withheld %s, want %s", got, tt.want)
			}
		})
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		counts := make([][]int64, 2+r.IntN(5))
		cols := 2 + r.IntN(5)
		for i := range counts {
			counts[i] = make([]int64, cols)
			for j := range counts[i] {
				counts[i][j] = int64(r.IntN(12))
			}
		}
		w := withholdSmallCells(counts)
		colWithheld := make([]int, cols)
		for i, row := range w {
			rowWithheld := 0
			for j, wh := range row {
				if counts[i][j] > 0 && counts[i][j] < MinPublicCell && !wh {
					t.Fatalf("%v: cell %d,%d shown", counts, i, j)
				}
				if wh {
					rowWithheld++
					colWithheld[j]++
				}
			}
			if rowWithheld == 1 {
				t.Fatalf("%v → %v: row %d has one withheld cell", counts, w, i)
			}
		}
		for j, c := range colWithheld {
			if c == 1 {
				t.Fatalf("%v → %v: column %d has one withheld cell", counts, w, j)
			}
		}
	}
}
