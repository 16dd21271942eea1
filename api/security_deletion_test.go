package api_test

import (
	"context"
	"testing"
)

// Issue 15, finding 7: deleting a resident's data left the text and the
// client address of their implementation feedback (Art. 35) behind. The
// feedback stays counted (its record entry holds only a hash) but nothing
// the resident wrote or where from remains.
func TestDataDeletionRemovesFeedbackTextAndAddress(t *testing.T) {
	p, hash := reviewedProcedure(t)
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, nil)).Expect(t, 201, "")
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 201, "")
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(hash)).Expect(t, 201, "")
	const secret = "我住在幸福小区3号楼，学校仍要求全体学生参加课后服务。"
	p.Do("POST", p.path("/implementation-feedback"), p.tok("alice"), map[string]any{"body": secret}).Expect(t, 201, "")
	p.Do("POST", "/me/delete-data", p.tok("alice"), map[string]any{"confirm": true}).Expect(t, 200, "")
	var n, total int
	p.DB.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE body LIKE '%幸福小区%' OR client_addr <> ''), count(*)
		FROM implementation_feedback`).Scan(&n, &total)
	if total != 1 || n != 0 {
		t.Fatalf("after deletion: %d of %d feedback rows keep text or address", n, total)
	}
}
