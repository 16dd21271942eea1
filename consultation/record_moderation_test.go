package consultation_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestVerifyCatchesRewrittenModeration changes in the database whether a
// resident's opinion is public: a published opinion hidden (it then leaves
// the public page, the counts and the adoption report), a rejected one
// published, a pending one published with no moderation at all, a
// rejection's reason. The comment_moderated entries say what staff decided,
// and verification must name the entry the row contradicts.
func TestVerifyCatchesRewrittenModeration(t *testing.T) {
	cases := []struct {
		name    string
		comment int    // 0 published, 1 rejected, 2 pending
		sql     string // $1: comment id
		entry   bool   // the problem is at the comment's moderation entry (else at none)
		problem string
	}{
		{"PublishedHidden", 0, `UPDATE comments SET status = 'rejected', rejection_reason = 'spam' WHERE id = $1`, true, "rejected"},
		{"RejectedPublished", 1, `UPDATE comments SET status = 'published', rejection_reason = NULL WHERE id = $1`, true, "published"},
		{"ReasonChanged", 1, `UPDATE comments SET rejection_reason = 'off_topic' WHERE id = $1`, true, "reason"},
		{"PendingPublished", 2, `UPDATE comments SET status = 'published' WHERE id = $1`, false, "no comment_moderated entry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newRecFixture(t)
			f.open(t)
			ctx := context.Background()
			var ids []int64
			for i, body := range []string{"建议低收入家庭减免标准提高到十立方米。", "广告：专业疏通下水道。", "希望公布成本监审报告全文。"} {
				resident, _ := f.e.Account(identity.RoleResident, "")
				cm, _, err := f.svc.SubmitComment(ctx, &resident, f.decision.ID, consultation.CommentInput{Body: body})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, cm.ID)
				switch i {
				case 0:
					_, err = f.svc.ModerateComment(ctx, f.staff, cm.ID, consultation.ModerationPublish, "")
				case 1:
					_, err = f.svc.ModerateComment(ctx, f.staff, cm.ID, consultation.ModerationReject, "spam")
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if r, err := f.svc.VerifyDecisionRecord(ctx, f.staff, f.decision.ID); err != nil || !r.OK {
				t.Fatalf("intact record: %+v, %v", r, err)
			}
			if _, err := f.e.DB.Exec(ctx, c.sql, ids[c.comment]); err != nil {
				t.Fatal(err)
			}
			r, err := f.svc.VerifyStoredRecord(ctx, f.decision.ID)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			if c.entry {
				want = f.seqOf(t, consultation.RecordCommentModerated, c.comment+1)
			}
			if r.OK || r.FirstBadSeq != want || !strings.Contains(r.Problem, c.problem) {
				t.Fatalf("want broken at entry %d (%s), got %+v", want, c.problem, r)
			}
		})
	}
}
