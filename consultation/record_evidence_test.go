package consultation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// evidenceScene is a decision taken from drafting to deliberation with one
// row of every kind the record binds: a procedure document, published
// comments with dispositions, one of them anonymised (its author deleted
// their data), a published adoption report, an unlawful legal opinion, a
// lawful conclusion that resolves it, and the deliberation.
type evidenceScene struct {
	*fixture
	d          consultation.Decision
	doc        consultation.ProcedureDocument
	kept       consultation.Comment // disposed, author kept
	anonymised consultation.Comment // disposed, author deleted their data
	opinion    consultation.LegalOpinion
	meeting    consultation.Deliberation
}

func newEvidenceScene(t *testing.T) *evidenceScene {
	t.Helper()
	ctx := context.Background()
	s := &evidenceScene{fixture: newReviewFixture(t)}
	s.svc.CommentLimits = consultation.CommentLimits{PerAccountPerMinute: -1, PerAccountPerDay: -1, PerAddressPerMinute: -1}
	s.d = s.create(t, func(in *consultation.DecisionInput) { in.Domain = consultation.DomainOther })
	v, err := s.svc.CreateDraftVersion(ctx, s.staff, s.d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	if err != nil {
		t.Fatal(err)
	}
	content, _ := json.Marshal(map[string]any{"date": "2026-03-05", "assessor": "平顶山市社会稳定风险评估中心", "method": "问卷调查、座谈",
		"risk_points": []any{map[string]any{"description": "部分家庭接送距离增加", "likelihood": "medium", "impact": "medium"}},
		"measures":    "增设校车线路。", "contingency_plan": "出现集中投诉时暂缓执行第三条。", "conclusion": "controllable"})
	if s.doc, err = s.svc.AddProcedureDocument(ctx, s.staff, s.d.ID, consultation.ProcedureDocumentInput{
		Kind: consultation.DocRiskAssessment, Content: content}); err != nil {
		t.Fatal(err)
	}
	s.e.OpenConsultation(s.staff, s.d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见", ShowComments: true})
	comment := func(body string) consultation.Comment {
		author, _ := s.e.Account(identity.RoleResident, "")
		c, _, err := s.svc.SubmitComment(ctx, &author, s.d.ID, consultation.CommentInput{Body: body, ClientAddr: "203.0.113.7"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = s.svc.ModerateComment(ctx, s.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
		c.AccountID = author.ID
		return c
	}
	s.kept = comment("建议第二条写明适用范围包括民办学校。")
	s.anonymised = comment("希望划片范围提前三个月公布，方便家长安排。")
	if _, err := s.svc.CheckpointComments(ctx); err != nil {
		t.Fatal(err)
	}
	s.e.CloseConsultations()
	for _, c := range []consultation.Comment{s.kept, s.anonymised} {
		if _, err := s.svc.SetCommentDisposition(ctx, s.staff, c.ID, consultation.DispositionNotAdopted, "与上位法规定不一致。"); err != nil {
			t.Fatal(err)
		}
	}
	author := identity.Account{ID: s.anonymised.AccountID, Role: identity.RoleResident}
	if _, err := s.svc.DeleteMyData(ctx, &author, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.GenerateAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.PublishAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	r, reviewer, adviser := s.submitWithAdviser(t, s.d.ID, v.ContentHash, "《中华人民共和国义务教育法》")
	found := findings(consultation.FindingCompliant)
	if s.opinion, err = s.svc.CreateLegalOpinion(ctx, adviser, r.ID, consultation.OpinionInput{Findings: found,
		Overall: consultation.OutcomeUnlawful, Changes: "第三条与上位法抵触。", Password: testenv.Password}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.SignReviewConclusion(ctx, reviewer, r.ID, consultation.ConclusionInput{Findings: found,
		Outcome: consultation.OutcomeLawful, ExpediteReason: "测试", Resolution: "经核实，第三条已依据上位法调整，法律顾问意见已处理。",
		Password: testenv.Password}); err != nil {
		t.Fatal(err)
	}
	today := s.e.Clock.Now().In(workday.Location())
	if s.meeting, err = s.svc.RecordDeliberation(ctx, s.body, s.d.ID,
		meetingInput(v.ContentHash, time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	return s
}

// seqOfKind is the seq of the last entry of the kind.
func (s *evidenceScene) seqOfKind(t *testing.T, kind string) int64 {
	t.Helper()
	var seq int64
	if err := s.e.DB.QueryRow(context.Background(), `SELECT max(seq) FROM record_entries WHERE decision_id = $1 AND kind = $2`,
		s.d.ID, kind).Scan(&seq); err != nil {
		t.Fatalf("no %s entry: %v", kind, err)
	}
	return seq
}

func (s *evidenceScene) archive(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := s.svc.ExportDecisionArchive(context.Background(), s.staff, s.d.ID, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVerifyCatchesTamperedBoundRows changes, as a superuser with the
// append-only trigger disabled, each row the API and the gates read after
// the step that wrote it was recorded (issue 12: each verified "ok"
// before). Verification online and of an archive exported afterwards
// must name the entry that binds the row, its table and its id; the
// restored row verifies again.
func TestVerifyCatchesTamperedBoundRows(t *testing.T) {
	ctx := context.Background()
	s := newEvidenceScene(t)
	if r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK || r.Evidence < 7 || r.Signatures < 3 {
		t.Fatalf("intact record: %+v, %v", r, err)
	}
	a := s.archive(t)
	if r, err := record.VerifyArchive(bytes.NewReader(a), int64(len(a))); err != nil || !r.OK || r.Evidence < 7 {
		t.Fatalf("intact archive: %+v, %v", r, err)
	}
	var reportID int64
	if err := s.e.DB.QueryRow(ctx, `SELECT id FROM adoption_reports WHERE decision_id = $1`, s.d.ID).Scan(&reportID); err != nil {
		t.Fatal(err)
	}
	// Who attended, who was absent and the composition the quorum counts
	// against, as recorded, to restore them.
	var attendees, absences string
	if err := s.e.DB.QueryRow(ctx, `SELECT attendees::text, coalesce(absences::text, 'null') FROM deliberations WHERE id = $1`,
		s.meeting.ID).Scan(&attendees, &absences); err != nil {
		t.Fatal(err)
	}
	if absences == "null" || absences == "[]" {
		t.Fatalf("the meeting has no absences to clear: %s", absences)
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	cases := []struct {
		name, table, trigger string
		tamper, restore      string
		id                   int64
		seq                  int64
		offline              bool // the row is in the archive
	}{
		{"OpinionConclusion", "legal_opinions", "legal_opinions_immutable",
			`UPDATE legal_opinions SET overall = 'lawful' WHERE id = $1`, `UPDATE legal_opinions SET overall = 'unlawful' WHERE id = $1`,
			s.opinion.ID, s.opinion.RecordSeq, true},
		{"ProcedureDocumentContent", "procedure_documents", "procedure_documents_immutable",
			`UPDATE procedure_documents SET content = jsonb_set(content, '{conclusion}', '"low"') WHERE id = $1`,
			`UPDATE procedure_documents SET content = jsonb_set(content, '{conclusion}', '"controllable"') WHERE id = $1`,
			s.doc.ID, s.seqOfKind(t, "procedure_document_added"), true},
		{"DeliberationOutcome", "deliberations", "deliberations_immutable",
			`UPDATE deliberations SET outcome = 'deferred' WHERE id = $1`, `UPDATE deliberations SET outcome = 'adopted' WHERE id = $1`,
			s.meeting.ID, s.meeting.RecordSeq, true},
		// Columns added after the meeting's row was first bound (migrations
		// 00030 and 00110): a member who was absent rewritten as a
		// non-voting attendee, the absences cleared, the composition made
		// smaller so that the quorum holds. Verification did not see them.
		{"DeliberationAttendees", "deliberations", "deliberations_immutable",
			`UPDATE deliberations SET attendees = attendees || '[{"name": "委员8", "capacity": "市政府副秘书长"}]' WHERE id = $1`,
			`UPDATE deliberations SET attendees = ` + quote(attendees) + ` WHERE id = $1`, s.meeting.ID, s.meeting.RecordSeq, true},
		{"DeliberationAbsences", "deliberations", "deliberations_immutable",
			`UPDATE deliberations SET absences = '[]' WHERE id = $1`,
			`UPDATE deliberations SET absences = ` + quote(absences) + ` WHERE id = $1`, s.meeting.ID, s.meeting.RecordSeq, true},
		{"DeliberationCompositionSize", "deliberations", "deliberations_immutable",
			`UPDATE deliberations SET composition_size = composition_size - 3 WHERE id = $1`,
			`UPDATE deliberations SET composition_size = composition_size + 3 WHERE id = $1`, s.meeting.ID, s.meeting.RecordSeq, true},
		{"DispositionKindAndReason", "comment_dispositions", "",
			`UPDATE comment_dispositions SET disposition = 'adopted', reason = '已采纳。' WHERE comment_id = $1`,
			`UPDATE comment_dispositions SET disposition = 'not_adopted', reason = '与上位法规定不一致。' WHERE comment_id = $1`,
			s.kept.ID, 0, true},
		// The articles an opinion changed (migration 00040), which the
		// resident is shown: a rejected opinion shown as having changed one.
		{"DispositionChangedArticles", "comment_dispositions", "",
			`UPDATE comment_dispositions SET changed_version = 1, changed_articles = '{art-2}' WHERE comment_id = $1`,
			`UPDATE comment_dispositions SET changed_version = NULL, changed_articles = '{}' WHERE comment_id = $1`,
			s.kept.ID, 0, true},
		{"PublishedAdoptionReportText", "adoption_reports", "",
			`UPDATE adoption_reports SET body = body || '（已全部采纳）' WHERE id = $1`,
			`UPDATE adoption_reports SET body = left(body, length(body) - length('（已全部采纳）')) WHERE id = $1`,
			reportID, s.seqOfKind(t, "adoption_report_published"), true},
		// Comments are sealed by checkpoints, not bound rows; the archive
		// holds each checkpoint's comments with their text.
		{"AnonymisedCommentText", "comments", "",
			`UPDATE comments SET body = '（该居民已删除个人数据）' WHERE id = $1`,
			`UPDATE comments SET body = '希望划片范围提前三个月公布，方便家长安排。' WHERE id = $1`,
			s.anonymised.ID, s.seqOfKind(t, "comment_checkpoint"), true},
	}
	// The kept comment's disposition entry: the first comment_disposition.
	for i := range cases {
		if cases[i].table == "comment_dispositions" {
			if err := s.e.DB.QueryRow(ctx, `SELECT min(seq) FROM record_entries WHERE decision_id = $1
				AND kind = 'comment_disposition_set'`, s.d.ID).Scan(&cases[i].seq); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(sql string) {
				t.Helper()
				if c.trigger == "" {
					if tag, err := s.e.DB.Exec(ctx, sql, c.id); err != nil || tag.RowsAffected() != 1 {
						t.Fatalf("tamper: %v %v", tag, err)
					}
					return
				}
				tamper(t, s.e, c.table, c.trigger, sql, c.id)
			}
			run(c.tamper)
			defer run(c.restore)
			r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID)
			if err != nil {
				t.Fatal(err)
			}
			names := fmt.Sprintf("%s row %d", c.table, c.id)
			if c.table == "comments" {
				names = fmt.Sprintf("comment %d", c.id)
			}
			if r.OK || r.FirstBadSeq != c.seq || !strings.Contains(r.Problem, names) || !strings.Contains(r.Problem, fmt.Sprintf("entry %d", c.seq)) {
				t.Fatalf("online: %+v, want entry %d naming %q", r, c.seq, names)
			}
			t.Logf("online: entry %d: %s", r.FirstBadSeq, r.Problem)
			if !c.offline {
				return
			}
			a := s.archive(t)
			r, err = record.VerifyArchive(bytes.NewReader(a), int64(len(a)))
			if err != nil || r.OK || r.FirstBadSeq != c.seq || !strings.Contains(r.Problem, names) {
				t.Fatalf("offline: %+v, %v; want entry %d naming %q", r, err, c.seq, names)
			}
		})
		if r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID); err != nil || !r.OK {
			t.Fatalf("after restoring %s: %+v, %v", c.name, r, err)
		}
	}
}

// TestEvidenceBoundInTheFirstFormStillVerifies: a meeting recorded before
// its evidence gained a second form (the attendees, the composition's size
// and the absences) binds its row in the first form, with no form named.
// Such a record still verifies, online and in an archive exported now
// (which holds the row in the form its entry bound), and a change of what
// the first form covers is still named at that entry.
func TestEvidenceBoundInTheFirstFormStillVerifies(t *testing.T) {
	ctx := context.Background()
	s := newEvidenceScene(t)
	s.e.BindInFirstForm(t, s.d.ID, s.meeting.RecordSeq, "deliberations", s.meeting.ID)
	entries := mustEntries(t, s.e.DB, s.d.ID)
	if p := entries[s.meeting.RecordSeq-1].Payload; strings.Contains(p, "content_form") {
		t.Fatalf("the meeting's entry still names a form: %s", p)
	}
	r, err := s.svc.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil || !r.OK || r.Evidence < 7 {
		t.Fatalf("a record with first-form evidence: %+v, %v", r, err)
	}
	a := s.archive(t)
	if r, err := record.VerifyArchive(bytes.NewReader(a), int64(len(a))); err != nil || !r.OK || r.Evidence < 7 {
		t.Fatalf("its archive: %+v, %v", r, err)
	}
	row := fmt.Sprintf("deliberations row %d", s.meeting.ID)
	tamper(t, s.e, "deliberations", "deliberations_immutable", `UPDATE deliberations SET outcome = 'deferred' WHERE id = $1`,
		s.meeting.ID)
	r, err = s.svc.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil || r.OK || r.FirstBadSeq != s.meeting.RecordSeq || !strings.Contains(r.Problem, row) {
		t.Fatalf("the outcome changed under first-form evidence: %+v, %v", r, err)
	}
	a = s.archive(t)
	if r, err := record.VerifyArchive(bytes.NewReader(a), int64(len(a))); err != nil || r.OK || r.FirstBadSeq != s.meeting.RecordSeq ||
		!strings.Contains(r.Problem, row) {
		t.Fatalf("the outcome changed, offline: %+v, %v", r, err)
	}
}
