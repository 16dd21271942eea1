package consultation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
)

// TestVerifyRecordCoversComments: record verification (the API's and
// `canyu record verify`'s) also recomputes the comment checkpoints, so a
// comment changed after it was sealed breaks the decision's verification.
func TestVerifyRecordCoversComments(t *testing.T) {
	ctx := context.Background()
	s := newSubmitScene(t, time.Time{}, true)
	r := s.newResident(t)
	c := s.submit(t, r, consultation.CommentInput{ArticleAnchor: s.anchors[2], Body: "收费标准应当公开成本核算。"})
	if _, err := s.svc.CheckpointComments(ctx); err != nil {
		t.Fatal(err)
	}
	if res, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !res.OK {
		t.Fatalf("fresh record: %+v %v", res, err)
	}
	if _, err := s.e.DB.Exec(ctx, `UPDATE comments SET body = '收费标准可以提高。' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	res, err := s.svc.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || !strings.HasPrefix(res.Problem, "comments:") {
		t.Fatalf("a changed comment went unnoticed: %+v", res)
	}
}
