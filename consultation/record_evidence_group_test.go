package consultation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestVerifyCatchesTamperedGroupAnswerAuthor: a group answer's evidence
// (its second form) covers who decided each disposition and when, which
// the API serves with it. Before, it covered the disposition and the
// reason only, and the answer rewritten as another staff member's, or as
// given on another day, verified ok. An entry bound in the first form
// still verifies, and a change of what that form covers is still named.
func TestVerifyCatchesTamperedGroupAnswerAuthor(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t)
	const body = "坚决反对按学区划片入学，应当允许自由择校！"
	d, ids := closedWithPublishedComments(t, f, body, body, body)
	if _, err := f.svc.GroupComments(ctx); err != nil {
		t.Fatal(err)
	}
	var group int64
	if err := f.e.DB.QueryRow(ctx, `SELECT group_id FROM comments WHERE id = $1`, ids[0]).Scan(&group); err != nil || group == 0 {
		t.Fatalf("not grouped: %v", err)
	}
	if res, err := f.svc.SetGroupDisposition(ctx, f.staff, group, consultation.DispositionNotAdopted,
		"义务教育法第十二条规定就近入学，不予采纳。"); err != nil || res.Set != 3 {
		t.Fatalf("group answer: %+v, %v", res, err)
	}
	var seq int64
	if err := f.e.DB.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE decision_id = $1 AND kind = 'group_disposition_set'`,
		d.ID).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	other, _ := f.e.Account(identity.RoleResident, "") // any other account
	names := fmt.Sprintf("entry %d (group_disposition_set): comment_group_dispositions row %d", seq, group)
	verify := func(want string) {
		t.Helper()
		r, err := f.svc.VerifyStoredRecord(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want == "" && !r.OK || want != "" && (r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, want)) {
			t.Fatalf("%+v, want %q", r, want)
		}
	}
	verify("")
	exec := func(sql string, args ...any) {
		t.Helper()
		if tag, err := f.e.DB.Exec(ctx, sql, args...); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("%s: %v %v", sql, tag, err)
		}
	}
	exec(`UPDATE comment_dispositions SET decided_by = $2 WHERE comment_id = $1`, ids[1], other.ID)
	verify(names)
	exec(`UPDATE comment_dispositions SET decided_by = $2 WHERE comment_id = $1`, ids[1], f.staff.ID)
	verify("")
	exec(`UPDATE comment_dispositions SET decided_at = decided_at - interval '20 days' WHERE comment_id = $1`, ids[2])
	verify(names)
	exec(`UPDATE comment_dispositions SET decided_at = decided_at + interval '20 days' WHERE comment_id = $1`, ids[2])
	verify("")

	// Bound as before the second form: verifies; the reason rewritten is
	// still named, who decided is not covered.
	f.e.BindInFirstForm(t, d.ID, seq, "comment_group_dispositions", group)
	verify("")
	exec(`UPDATE comment_dispositions SET decided_by = $2 WHERE comment_id = $1`, ids[1], other.ID)
	verify("")
	exec(`UPDATE comment_dispositions SET reason = '已采纳。' WHERE comment_id = $1`, ids[1])
	verify(names)
}
