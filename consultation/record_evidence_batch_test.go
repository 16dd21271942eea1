package consultation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
)

// TestVerifyCatchesTamperedBatchDisposition: a disposition given in a batch
// (a theme's answer, SetBatchDisposition) is bound by the batch's entry
// like an individual answer. Before, the entry bound nothing, and a
// rejected opinion rewritten as adopted, with its reason, verified ok. A
// later individual answer binds the row again, and a rewrite of it is
// named at that entry.
func TestVerifyCatchesTamperedBatchDisposition(t *testing.T) {
	ctx := context.Background()
	f := newReviewFixture(t)
	d, ids := closedWithPublishedComments(t, f, "建议划片范围提前公布。", "希望划片范围提前三个月公布。")
	res, err := f.svc.SetBatchDisposition(ctx, f.staff, d.ID, consultation.BatchDispositionInput{Ref: "theme:1", CommentIDs: ids,
		Kind: consultation.DispositionNotAdopted, Reason: "划片范围依法由教育行政部门公布，不予采纳。"})
	if err != nil || res.Set != 2 {
		t.Fatalf("batch answer: %+v, %v", res, err)
	}
	seqOf := func(kind string) int64 {
		t.Helper()
		var seq int64
		if err := f.e.DB.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE decision_id = $1 AND kind = $2`,
			d.ID, kind).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	batchSeq := seqOf(string(consultation.RecordBatchDisposition))
	r, err := f.svc.VerifyStoredRecord(ctx, d.ID)
	if err != nil || !r.OK || r.Evidence < 2 {
		t.Fatalf("intact record: %+v, %v", r, err)
	}
	evidence := r.Evidence
	check := func(id, seq int64, tamper, restore string) {
		t.Helper()
		if tag, err := f.e.DB.Exec(ctx, tamper, id); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("tamper: %v %v", tag, err)
		}
		r, err := f.svc.VerifyStoredRecord(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		names := fmt.Sprintf("comment_dispositions row %d", id)
		if r.OK || r.FirstBadSeq != seq || !strings.Contains(r.Problem, names) || !strings.Contains(r.Problem, fmt.Sprintf("entry %d", seq)) {
			t.Fatalf("%+v, want entry %d naming %q", r, seq, names)
		}
		t.Logf("entry %d: %s", r.FirstBadSeq, r.Problem)
		if tag, err := f.e.DB.Exec(ctx, restore, id); err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("restore: %v %v", tag, err)
		}
		if r, err := f.svc.VerifyStoredRecord(ctx, d.ID); err != nil || !r.OK {
			t.Fatalf("restored: %+v, %v", r, err)
		}
	}
	adopt := `UPDATE comment_dispositions SET disposition = 'adopted', reason = '已采纳。' WHERE comment_id = $1`
	back := `UPDATE comment_dispositions SET disposition = 'not_adopted', reason = '划片范围依法由教育行政部门公布，不予采纳。'
		WHERE comment_id = $1`
	for _, id := range ids {
		check(id, batchSeq, adopt, back)
	}
	// The batch's source rewritten: the answer shown as another theme's.
	check(ids[0], batchSeq, `UPDATE comment_dispositions SET batch_ref = 'theme:2' WHERE comment_id = $1`,
		`UPDATE comment_dispositions SET batch_ref = 'theme:1' WHERE comment_id = $1`)

	// An individual answer replaces the batch's for the first comment: its
	// entry binds the row now; the batch's entry still binds the second.
	if _, err := f.svc.SetCommentDisposition(ctx, f.staff, ids[0], consultation.DispositionPartiallyAdopted, "部分采纳。"); err != nil {
		t.Fatal(err)
	}
	own := seqOf("comment_disposition_set")
	if r, err := f.svc.VerifyStoredRecord(ctx, d.ID); err != nil || !r.OK || r.Evidence != evidence {
		t.Fatalf("after the individual answer: %+v (evidence before %d), %v", r, evidence, err)
	}
	check(ids[0], own, adopt, `UPDATE comment_dispositions SET disposition = 'partially_adopted', reason = '部分采纳。' WHERE comment_id = $1`)
	check(ids[1], batchSeq, adopt, back)
}

// closedWithPublishedComments makes a decision whose consultation held one
// published comment of each body, each by its own resident, and is closed.
func closedWithPublishedComments(t *testing.T, f *fixture, bodies ...string) (consultation.Decision, []int64) {
	t.Helper()
	ctx := context.Background()
	f.svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	d := f.create(t, func(in *consultation.DecisionInput) { in.Domain = consultation.DomainOther })
	if _, err := f.svc.CreateDraftVersion(ctx, f.staff, d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
		t.Fatal(err)
	}
	f.e.OpenConsultation(f.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
	var ids []int64
	for _, body := range bodies {
		author, _ := f.e.Account(identity.RoleResident, "")
		c, _, err := f.svc.SubmitComment(ctx, &author, d.ID, consultation.CommentInput{Body: body, ClientAddr: "203.0.113.7"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ModerateComment(ctx, f.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	f.e.CloseConsultations()
	return d, ids
}
