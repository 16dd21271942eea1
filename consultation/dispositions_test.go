package consultation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// commentDraft is the draft under consultation in the comment tests.
const commentDraft = `平顶山市城区义务教育学校招生入学办法（征求意见稿）

第一条 为规范城区义务教育学校招生入学工作，制定本办法。
第二条 本办法适用于本市城区公办义务教育学校。
第三条 学校按照划定的学区招收适龄儿童少年入学，不得以考试方式选拔学生。`

// commentFixture is a decision whose consultation is open, with its
// articles' anchors.
type commentFixture struct {
	*fixture
	d       consultation.Decision
	c       consultation.Consultation
	anchors []string // anchors of 第一条, 第二条, 第三条
}

func newCommentFixture(t *testing.T) *commentFixture {
	t.Helper()
	f := &commentFixture{fixture: newFixture(t)}
	// The tests submit many comments a minute from one address.
	f.svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	f.d, f.c, f.anchors = f.consultingDecision(t, nil)
	return f
}

// consultingDecision creates a decision with the three-article draft and
// opens its consultation.
func (f *commentFixture) consultingDecision(t *testing.T, edit func(*consultation.DecisionInput)) (consultation.Decision, consultation.Consultation, []string) {
	t.Helper()
	ctx := context.Background()
	d := f.create(t, edit)
	v, err := f.svc.CreateDraftVersion(ctx, f.staff, d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "依据《中华人民共和国义务教育法》，结合本市实际起草。", LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	if err != nil {
		t.Fatalf("create version: %v", err)
	}
	var anchors []string
	for _, a := range v.Articles {
		anchors = append(anchors, a.Anchor)
	}
	if len(anchors) != 3 {
		t.Fatalf("articles: %+v", v.Articles)
	}
	c, err := f.svc.OpenConsultation(ctx, f.staff, d.ID, consultation.ConsultationInput{
		EndsAt: f.e.Clock.Now().Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台逐条提出意见", ShowComments: true})
	if err != nil {
		t.Fatalf("open consultation: %v", err)
	}
	d, err = f.svc.GetDecision(ctx, f.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d, c, anchors
}

// closeWindow moves the clock past the window and lets the consultation
// close, which moves the decision to handling.
func (f *commentFixture) closeWindow(t *testing.T) {
	t.Helper()
	f.e.CloseConsultations()
	d, err := f.svc.GetDecision(context.Background(), f.staff, f.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != consultation.StatusHandling {
		t.Fatalf("status %s after the window closed", d.Status)
	}
	f.d = d
}

// newComment is a comment to submit on the fixture's decision.
type newComment struct {
	author *identity.Account
	anchor string // "" for the whole draft
	stance string // "" for none
	body   string
	status string // pending (default), published, rejected
	reason string // rejection reason
}

// comment submits a comment while the window is open and moderates it as
// n.status says. Identical and near-identical texts group by themselves.
func (f *commentFixture) comment(t *testing.T, decision consultation.Decision, n newComment) int64 {
	t.Helper()
	ctx := context.Background()
	c, _, err := f.svc.SubmitComment(ctx, n.author, decision.ID, consultation.CommentInput{ArticleAnchor: n.anchor, Stance: n.stance,
		Body: n.body, ClientAddr: "203.0.113.7"})
	if err != nil {
		t.Fatalf("submit comment: %v", err)
	}
	switch n.status {
	case "published":
		f.moderate(t, c.ID, "published", "")
	case "rejected":
		f.moderate(t, c.ID, "rejected", n.reason)
	}
	return c.ID
}

// moderate publishes or rejects a comment.
func (f *commentFixture) moderate(t *testing.T, id int64, status, reason string) {
	t.Helper()
	action := consultation.ModerationPublish
	if status == "rejected" {
		action = consultation.ModerationReject
	}
	if _, err := f.svc.ModerateComment(context.Background(), f.staff, id, action, reason); err != nil {
		t.Fatalf("moderate: %v", err)
	}
}

// groupOf returns the group a comment was put in.
func (f *commentFixture) groupOf(t *testing.T, commentID int64) int64 {
	t.Helper()
	if _, err := f.svc.GroupComments(context.Background()); err != nil {
		t.Fatal(err)
	}
	var g *int64
	if err := f.e.DB.QueryRow(context.Background(), `SELECT group_id FROM comments WHERE id = $1`, commentID).Scan(&g); err != nil || g == nil {
		t.Fatalf("comment %d has no group (%v)", commentID, err)
	}
	return *g
}

func (f *commentFixture) resident(t *testing.T) *identity.Account {
	t.Helper()
	a, _ := f.e.Account(identity.RoleResident, "")
	return &a
}

// lastPayload returns the payload of the decision's latest record entry of kind.
func (f *commentFixture) lastPayload(t *testing.T, decisionID int64, kind string) map[string]any {
	t.Helper()
	var payload string
	if err := f.e.DB.QueryRow(context.Background(), `SELECT payload FROM record_entries WHERE decision_id = $1 AND kind = $2
		ORDER BY seq DESC LIMIT 1`, decisionID, kind).Scan(&payload); err != nil {
		t.Fatalf("no %s entry: %v", kind, err)
	}
	p, err := consultation.ParseRecordPayload(payload)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSetCommentDisposition(t *testing.T) {
	f := newCommentFixture(t)
	ctx := context.Background()
	r := f.resident(t)
	published := f.comment(t, f.d, newComment{author: r, anchor: f.anchors[2], stance: "oppose", body: "建议学区划分向社会公示。", status: "published"})
	pending := f.comment(t, f.d, newComment{author: r, body: "还没审核的意见"})
	rejected := f.comment(t, f.d, newComment{author: r, body: "广告", status: "rejected", reason: "spam"})

	// While the window is open nothing can be answered.
	_, err := f.svc.SetCommentDisposition(ctx, f.staff, published, consultation.DispositionAdopted, "采纳")
	if e := wantCode(t, err, "consultation_still_open"); e.Kind != errs.KindConflict || e.Basis == "" {
		t.Fatalf("refusal %+v", e)
	}
	f.closeWindow(t)

	cases := []struct {
		name    string
		actor   *identity.Account
		comment int64
		kind    consultation.DispositionKind
		reason  string
		code    string
	}{
		{"ErrOtherAgency", f.other, published, consultation.DispositionAdopted, "采纳", "not_lead_unit_staff"},
		{"ErrDecisionBody", f.body, published, consultation.DispositionAdopted, "采纳", "not_lead_unit_staff"},
		{"ErrResident", r, published, consultation.DispositionAdopted, "采纳", "not_lead_unit_staff"},
		{"ErrAnonymous", nil, published, consultation.DispositionAdopted, "采纳", "authentication_required"},
		{"ErrUnknownComment", f.staff, 999999, consultation.DispositionAdopted, "采纳", "comment_not_found"},
		{"ErrInvalidDisposition", f.staff, published, "accepted", "采纳", "invalid_disposition"},
		{"ErrNoReason", f.staff, published, consultation.DispositionAdopted, "  \n ", "disposition_reason_required"},
		{"ErrReasonTooLong", f.staff, published, consultation.DispositionAdopted, strings.Repeat("理", 2001), "disposition_reason_too_long"},
		{"ErrPending", f.staff, pending, consultation.DispositionNotAdopted, "不采纳", "comment_not_published"},
		{"ErrRejected", f.staff, rejected, consultation.DispositionNotAdopted, "不采纳", "comment_not_published"},
	}
	entries := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, f.d.ID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.SetCommentDisposition(ctx, c.actor, c.comment, c.kind, c.reason)
			wantCode(t, err, c.code)
		})
	}
	if n := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, f.d.ID); n != entries {
		t.Fatalf("refusals wrote %d record entries", n-entries)
	}

	t.Run("OK", func(t *testing.T) {
		got, err := f.svc.SetCommentDisposition(ctx, f.staff, published, consultation.DispositionAdopted, strings.Repeat("理", 2000))
		if err != nil {
			t.Fatal(err)
		}
		if got.Disposition != consultation.DispositionAdopted || got.GroupID != nil || got.DecidedBy != f.staff.ID {
			t.Fatalf("disposition %+v", got)
		}
		p := f.lastPayload(t, f.d.ID, "comment_disposition_set")
		if p["disposition"] != "adopted" || p["revised"] != false || p["receipt"] != got.Receipt {
			t.Fatalf("record %v", p)
		}
	})
	t.Run("Revise", func(t *testing.T) {
		got, err := f.svc.SetCommentDisposition(ctx, f.staff, published, consultation.DispositionPartiallyAdopted, " 部分采纳：公示学区划分方案。 ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Disposition != consultation.DispositionPartiallyAdopted || got.Reason != "部分采纳：公示学区划分方案。" {
			t.Fatalf("disposition %+v", got)
		}
		p := f.lastPayload(t, f.d.ID, "comment_disposition_set")
		if p["revised"] != true || p["previous_disposition"] != "adopted" {
			t.Fatalf("record %v", p)
		}
	})
	t.Run("ErrAfterReportPublished", func(t *testing.T) {
		f.moderate(t, pending, "rejected", "off_topic")
		if _, err := f.svc.GenerateAdoptionReport(ctx, f.staff, f.d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.PublishAdoptionReport(ctx, f.staff, f.d.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.SetCommentDisposition(ctx, f.staff, published, consultation.DispositionNotAdopted, "改为不予采纳")
		wantCode(t, err, "adoption_report_published")
	})
	t.Run("ErrAfterReviewSubmission", func(t *testing.T) {
		// The submission to the legality review is another issue's
		// operation; the stage is set directly here.
		d2, _, _ := f.consultingDecision(t, nil)
		id := f.comment(t, d2, newComment{author: r, body: "意见", status: "published"})
		if _, err := f.e.DB.Exec(ctx, `UPDATE decisions SET status = 'under_review' WHERE id = $1`, d2.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.SetCommentDisposition(ctx, f.staff, id, consultation.DispositionAdopted, "采纳")
		wantCode(t, err, "disposition_not_allowed_in_stage")
	})
}

// TestGroupDisposition answers a mass campaign once: every published copy
// gets the disposition, an individual answer given before is kept, pending
// and rejected copies get none, and the one record entry lists the receipts.
func TestGroupDisposition(t *testing.T) {
	f := newCommentFixture(t)
	ctx := context.Background()
	var campaign []int64
	for i := range 30 {
		campaign = append(campaign, f.comment(t, f.d, newComment{author: f.resident(t), anchor: f.anchors[2], stance: "oppose",
			body: fmt.Sprintf("坚决反对按学区划片入学，应当允许自由择校！%d", i%3), status: "published"}))
	}
	g := f.groupOf(t, campaign[0])
	for _, id := range campaign {
		if f.groupOf(t, id) != g {
			t.Fatal("the campaign was not grouped")
		}
	}
	pending := f.comment(t, f.d, newComment{author: f.resident(t), body: "坚决反对按学区划片入学，应当允许自由择校"})
	rejected := f.comment(t, f.d, newComment{author: f.resident(t), body: "坚决反对按学区划片入学，应当允许自由择校", status: "rejected", reason: "duplicate_submission"})
	if f.groupOf(t, pending) != g || f.groupOf(t, rejected) != g {
		t.Fatal("the unmoderated copies were not grouped")
	}
	f.comment(t, f.d, newComment{author: f.resident(t), body: "支持", status: "published"})

	_, err := f.svc.SetGroupDisposition(ctx, f.staff, g, consultation.DispositionNotAdopted, "不予采纳")
	wantCode(t, err, "consultation_still_open")
	f.closeWindow(t)

	if _, err := f.svc.SetCommentDisposition(ctx, f.staff, campaign[0], consultation.DispositionPartiallyAdopted, "单独答复：将研究随迁子女入学问题。"); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.SetGroupDisposition(ctx, f.staff, g, consultation.DispositionNotAdopted, "义务教育法第十二条规定就近入学，不予采纳。")
	if err != nil {
		t.Fatal(err)
	}
	if res.Set != 29 || res.SkippedIndividual != 1 || res.Unpublished != 2 || len(res.Receipts) != 29 {
		t.Fatalf("result %+v", res)
	}
	if n := f.count(t, `SELECT count(*) FROM comment_dispositions WHERE group_id = $1 AND disposition = 'not_adopted'`, g); n != 29 {
		t.Fatalf("%d group dispositions", n)
	}
	if n := f.count(t, `SELECT count(*) FROM comment_dispositions WHERE comment_id = $1 AND group_id IS NULL AND disposition = 'partially_adopted'`, campaign[0]); n != 1 {
		t.Fatal("the individual disposition was overwritten")
	}
	if n := f.count(t, `SELECT count(*) FROM comment_dispositions WHERE comment_id = $1`, pending); n != 0 {
		t.Fatal("a pending comment got a disposition")
	}
	p := f.lastPayload(t, f.d.ID, "group_disposition_set")
	if fmt.Sprint(p["count"]) != "29" || len(p["receipts"].([]any)) != 29 || len(p["comment_ids"].([]any)) != 29 {
		t.Fatalf("record %v", p)
	}
	if n := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = 'group_disposition_set'`, f.d.ID); n != 1 {
		t.Fatalf("%d group entries, want one for the whole campaign", n)
	}

	t.Run("ReviseGroup", func(t *testing.T) {
		res, err := f.svc.SetGroupDisposition(ctx, f.staff, g, consultation.DispositionOutOfScope, "择校问题不属于本办法调整范围。")
		if err != nil {
			t.Fatal(err)
		}
		if res.Set != 29 || res.SkippedIndividual != 1 {
			t.Fatalf("result %+v", res)
		}
		if n := f.count(t, `SELECT count(*) FROM comment_dispositions WHERE group_id = $1 AND disposition = 'out_of_scope'`, g); n != 29 {
			t.Fatalf("%d revised", n)
		}
	})
	t.Run("ErrUnknownGroup", func(t *testing.T) {
		_, err := f.svc.SetGroupDisposition(ctx, f.staff, 999999, consultation.DispositionAdopted, "采纳")
		wantCode(t, err, "comment_group_not_found")
	})
	t.Run("ErrOtherAgency", func(t *testing.T) {
		_, err := f.svc.SetGroupDisposition(ctx, f.other, g, consultation.DispositionAdopted, "采纳")
		wantCode(t, err, "not_lead_unit_staff")
	})
	t.Run("ErrNoPublishedComment", func(t *testing.T) {
		// A group whose comments are all pending: build one on a second decision.
		d2, _, _ := f.consultingDecision(t, nil)
		id := f.comment(t, d2, newComment{author: f.resident(t), body: "这是一条尚未审核的意见内容，请勿公开"})
		empty := f.groupOf(t, id)
		f.e.CloseConsultations()
		_, err := f.svc.SetGroupDisposition(ctx, f.staff, empty, consultation.DispositionAdopted, "采纳")
		wantCode(t, err, "comment_not_published")
	})
}

// gateByCode returns the result of one gate of the report.
func gateByCode(t *testing.T, rep consultation.GateReport, code string) consultation.GateResult {
	t.Helper()
	for _, g := range rep.Gates {
		if g.Code == code {
			return g
		}
	}
	t.Fatalf("gate %s not evaluated: %+v", code, rep.Gates)
	return consultation.GateResult{}
}

// TestReviewGates walks a decision in handling through the two gates of
// the legality review this feature adds.
func TestReviewGates(t *testing.T) {
	f := newCommentFixture(t)
	ctx := context.Background()
	r := f.resident(t)
	a := f.comment(t, f.d, newComment{author: r, anchor: f.anchors[0], body: "建议明确招生时间表。", status: "published"})
	b := f.comment(t, f.d, newComment{author: r, body: "总体支持。", stance: "support", status: "published"})
	f.comment(t, f.d, newComment{author: r, body: "广告", status: "rejected", reason: "spam"})
	f.closeWindow(t)

	check := func(t *testing.T, withoutDisposition, notPublished bool) {
		t.Helper()
		rep, err := f.svc.DecisionGates(ctx, f.staff, f.d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if rep.NextStage != consultation.StatusUnderReview {
			t.Fatalf("next stage %s", rep.NextStage)
		}
		g1 := gateByCode(t, rep, "comments_without_disposition")
		g2 := gateByCode(t, rep, "adoption_report_not_published")
		if g1.Passed == withoutDisposition || g2.Passed == notPublished {
			t.Fatalf("gates %+v %+v", g1, g2)
		}
		if g1.Basis != "Decree 713 Art. 18" || !strings.Contains(g2.Basis, "Decree 713") {
			t.Fatalf("bases %q %q", g1.Basis, g2.Basis)
		}
		if !g1.Passed && g1.Message == "" {
			t.Fatal("failed gate without message")
		}
	}
	check(t, true, true)
	if _, err := f.svc.SetCommentDisposition(ctx, f.staff, a, consultation.DispositionAdopted, "已增加招生时间表。"); err != nil {
		t.Fatal(err)
	}
	check(t, true, true)
	if _, err := f.svc.SetCommentDisposition(ctx, f.staff, b, consultation.DispositionAdopted, "感谢支持。"); err != nil {
		t.Fatal(err)
	}
	check(t, false, true)
	if _, err := f.svc.GenerateAdoptionReport(ctx, f.staff, f.d.ID); err != nil {
		t.Fatal(err)
	}
	check(t, false, true)
	if _, err := f.svc.PublishAdoptionReport(ctx, f.staff, f.d.ID); err != nil {
		t.Fatal(err)
	}
	check(t, false, false)

	t.Run("NotDisclosableWithoutConsultation", func(t *testing.T) {
		d := f.create(t, func(in *consultation.DecisionInput) {
			in.NotDisclosable, in.NotDisclosableReason = true, "涉及国家秘密（《保守国家秘密法》第九条）"
		})
		if _, err := f.e.DB.Exec(ctx, `UPDATE decisions SET status = 'handling' WHERE id = $1`, d.ID); err != nil {
			t.Fatal(err)
		}
		rep, err := f.svc.DecisionGates(ctx, f.staff, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"comments_without_disposition", "adoption_report_not_published"} {
			if g := gateByCode(t, rep, code); !g.Passed {
				t.Fatalf("%s fails for a decision withheld from consultation", code)
			}
		}
	})
}
