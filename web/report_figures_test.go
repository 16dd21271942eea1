package web

import (
	"reflect"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
)

// TestReplyTotals: the report's table of articles gives one count per
// answer, not one per reason (it read 采纳1条；采纳1条).
func TestReplyTotals(t *testing.T) {
	in := []consultation.ReplyFigure{
		{Disposition: "adopted", Name: "采纳", Reason: "延长课间", Count: 1},
		{Disposition: "partially_adopted", Name: "部分采纳", Reason: "由学校确定", Count: 2},
		{Disposition: "adopted", Name: "采纳", Reason: "增加大课间", Count: 3},
	}
	want := []consultation.ReplyFigure{
		{Disposition: "adopted", Name: "采纳", Count: 4},
		{Disposition: "partially_adopted", Name: "部分采纳", Count: 2},
	}
	if got := replyTotals(in); !reflect.DeepEqual(got, want) {
		t.Errorf("replyTotals = %+v, want %+v", got, want)
	}
}
