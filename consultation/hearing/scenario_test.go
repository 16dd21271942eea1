package hearing_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// pdf is the smallest file the scan check accepts as a PDF.
var pdf = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func shanghai(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, workday.Location())
}

func wantCode(t *testing.T, err error, code string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	return e
}

func wantGate(t *testing.T, err error, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("want gate %s, got %v", code, err)
	}
	for _, g := range e.Gates {
		if g.Code == code {
			return
		}
	}
	t.Fatalf("want gate %s among %+v (%v)", code, e.Gates, err)
}

type scene struct {
	e     *testenv.Env
	ctx   context.Context
	staff *identity.Account
	d     consultation.Decision
	t0    time.Time
}

// newScene is a decision of 市教育局 (domain other: no survey gate) under
// consultation from t0 for 30 days, with its draft version.
func newScene(t *testing.T) *scene {
	e := testenv.New(t)
	e.City("pdsszf", "jyj", "sfj")
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	s := &scene{e: e, ctx: context.Background(), staff: &staff, t0: shanghai(2026, 3, 2, 9)}
	e.Clock.Set(s.t0)
	d, err := e.Consultation.CreateDecision(s.ctx, s.staff, consultation.DecisionInput{Title: "平顶山市城区义务教育学校划片调整方案",
		Summary: "调整城区学校招生片区。", Category: consultation.CategoryOther, Domain: consultation.DomainOther,
		DecisionBody: "pdsszf", LeadAgency: "jyj"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.CreateDraftVersion(s.ctx, s.staff, d.ID, consultation.DraftVersionInput{
		Text:        "第一条 为合理配置教育资源，制定本方案。\n第二条 城区学校招生片区按本方案附图调整。",
		Explanation: "起草说明：依据义务教育法第十二条，结合学位供给情况调整片区。", LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Consultation.OpenConsultation(s.ctx, s.staff, d.ID, consultation.ConsultationInput{
		EndsAt: s.t0.Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台逐条提出意见", ShowComments: true}); err != nil {
		t.Fatal(err)
	}
	s.d = d
	return s
}

// residents inserts n verified residents with phones.
func residents(t *testing.T, e *testenv.Env, n int) []identity.Account {
	t.Helper()
	rows, err := e.DB.Query(context.Background(), `INSERT INTO accounts (role, phone, display_name, pseudonym, password_hash, verified_at)
		SELECT 'resident', '158' || lpad(g::text, 8, '0'), '居民' || g, 'hp' || g, 'x', now()
		FROM generate_series(1, $1) g RETURNING id, phone, verified_at`, n)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Account, error) {
		a := identity.Account{Role: identity.RoleResident}
		return a, r.Scan(&a.ID, &a.Phone, &a.VerifiedAt)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// independentDraw recomputes a draw from the published description alone
// (no code of package hearing): score = hex SHA-256(seed ":" code), each
// side ranked by score then code, the first seats selected.
func independentDraw(seed string, sides []string, seats int, apps map[string]string) map[string]bool {
	selected := map[string]bool{}
	for _, side := range sides {
		type e struct{ code, score string }
		var list []e
		for code, sd := range apps {
			if sd == side {
				h := sha256.Sum256([]byte(seed + ":" + code))
				list = append(list, e{code, hex.EncodeToString(h[:])})
			}
		}
		sort.Slice(list, func(i, j int) bool {
			return list[i].score < list[j].score || list[i].score == list[j].score && list[i].code < list[j].code
		})
		for i := 0; i < seats && i < len(list); i++ {
			selected[list[i].code] = true
		}
	}
	return selected
}

func TestHearingFromNoticeToReport(t *testing.T) {
	s := newScene(t)
	e, ctx, hs := s.e, s.ctx, s.e.Hearing
	if _, err := hs.SetHearingRequirement(ctx, s.staff, s.d.ID, hearing.GroundsBoth, "涉及学生家长切身利益，片区划分意见分歧较大。"); err != nil {
		t.Fatal(err)
	}
	start := shanghai(2026, 3, 25, 9)
	sides := []string{"支持方", "反对方", "学校及其他利害关系方"}
	in := hearing.HearingInput{Title: "城区学校划片调整方案听证会", Place: "市政务服务中心三楼听证室", StartsAt: start,
		ApplicationsCloseAt: shanghai(2026, 3, 18, 17).Add(time.Minute), Sides: sides, SeatsPerSide: 3}
	// Applications must close by 7 days before the hearing (18 March for
	// the 25th): one minute into the 19th is refused, the 18th is fine.
	in.ApplicationsCloseAt = shanghai(2026, 3, 19, 0).Add(time.Minute)
	if _, err := hs.CreateHearing(ctx, s.staff, s.d.ID, in); err == nil {
		t.Fatal("applications closing 6 days before the hearing accepted")
	} else if e := wantCode(t, err, "hearing_applications_close_too_late"); e.Basis != hearing.BasisProcess {
		t.Fatalf("basis %q", e.Basis)
	}
	in.ApplicationsCloseAt = shanghai(2026, 3, 18, 17)
	h, err := hs.CreateHearing(ctx, s.staff, s.d.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	people := residents(t, e, 41)
	// No application before the notice and the method.
	_, err = hs.ApplyToHearing(ctx, &people[0], h.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "张女士"})
	wantCode(t, err, "hearing_not_found")
	if _, err := hs.PublishHearingNotice(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	_, err = hs.ApplyToHearing(ctx, &people[0], h.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "张女士"})
	wantCode(t, err, "hearing_selection_method_not_published")
	if h, err = hs.PublishHearingSelectionMethod(ctx, s.staff, h.ID, "按报名人所选参加方分组，每方以公开可验证的抽签方式遴选3人。"); err != nil {
		t.Fatal(err)
	}
	commitment := *h.SeedCommitment
	draw, err := hs.GetHearingDraw(ctx, nil, h.ID)
	if err != nil || draw.Seed != nil || draw.SeedCommitment != commitment {
		t.Fatalf("before the draw the seed is secret: %+v %v", draw, err)
	}
	// 40 applicants on three sides: 18, 14 and 8.
	bySide := map[string]string{}
	for i := 0; i < 40; i++ {
		side := sides[0]
		if i >= 18 {
			side = sides[1]
		}
		if i >= 32 {
			side = sides[2]
		}
		a, err := hs.ApplyToHearing(ctx, &people[i], h.ID, hearing.ApplicationInput{Side: side, PublicName: fmt.Sprintf("报名人%d", i+1),
			Statement: "希望充分听取" + side + "意见。"})
		if err != nil {
			t.Fatalf("apply %d: %v", i, err)
		}
		bySide[a.Code] = side
	}
	_, err = hs.ApplyToHearing(ctx, &people[0], h.ID, hearing.ApplicationInput{Side: "反对方", PublicName: "再次"})
	wantCode(t, err, "hearing_already_applied")
	_, err = hs.ApplyToHearing(ctx, &people[40], h.ID, hearing.ApplicationInput{Side: "中立方", PublicName: "某"})
	wantCode(t, err, "invalid_side")
	// The draw waits for the close, at the boundary.
	e.Clock.Set(in.ApplicationsCloseAt.Add(-time.Second))
	_, err = hs.DrawParticipants(ctx, s.staff, h.ID)
	wantCode(t, err, "hearing_applications_still_open")
	e.Clock.Set(in.ApplicationsCloseAt)
	_, err = hs.ApplyToHearing(ctx, &people[40], h.ID, hearing.ApplicationInput{Side: "支持方", PublicName: "迟到者"})
	wantCode(t, err, "hearing_applications_closed")
	_, err = hs.PublishHearingParticipants(ctx, s.staff, h.ID)
	wantCode(t, err, "hearing_not_drawn")
	if _, err := hs.DrawParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	_, err = hs.DrawParticipants(ctx, s.staff, h.ID)
	wantCode(t, err, "hearing_already_drawn")

	// Anyone can check the draw: the seed matches the commitment published
	// before applications closed, and an independent recomputation from
	// the seed and the public list of applications gives the same people.
	draw, err = hs.GetHearingDraw(ctx, nil, h.ID)
	if err != nil || draw.Seed == nil {
		t.Fatalf("draw check: %+v %v", draw, err)
	}
	if sum := sha256.Sum256([]byte(*draw.Seed)); hex.EncodeToString(sum[:]) != commitment {
		t.Fatal("revealed seed does not match the commitment")
	}
	apps := map[string]string{}
	for _, a := range draw.Applications {
		apps[a.Code] = a.Side
	}
	if len(apps) != 40 || fmt.Sprint(apps) != fmt.Sprint(bySide) {
		t.Fatalf("public applications %v", apps)
	}
	want := independentDraw(*draw.Seed, sides, 3, apps)
	if len(want) != 9 {
		t.Fatalf("independent draw selected %d", len(want))
	}
	if _, err := hs.PublishHearingParticipants(ctx, s.staff, h.ID); err != nil {
		t.Fatal(err)
	}
	ps, err := hs.Participants(ctx, nil, h.ID)
	if err != nil || len(ps) != 9 {
		t.Fatalf("participants %d %v", len(ps), err)
	}
	for _, p := range ps {
		if !want[p.Code] {
			t.Fatalf("%s selected by the platform, not by the independent recomputation", p.Code)
		}
	}

	// Materials: 18 March (7 days before the 25th) is in time; 19 March
	// (6 days) is refused with the article.
	e.Clock.Set(shanghai(2026, 3, 19, 10))
	_, err = hs.RecordHearingMaterialsDelivery(ctx, s.staff, h.ID, hearing.DeliveryInput{ApplicationID: ps[0].ApplicationID,
		DeliveredOn: "2026-03-19", Method: "当面送达"})
	if e := wantCode(t, err, "hearing_materials_too_late"); e.Basis != hearing.BasisProcess || !strings.Contains(e.Message, "7日前") {
		t.Fatalf("refusal %+v", e)
	}
	for _, p := range ps {
		if _, err := hs.RecordHearingMaterialsDelivery(ctx, s.staff, h.ID, hearing.DeliveryInput{ApplicationID: p.ApplicationID,
			DeliveredOn: "2026-03-18", Method: "当面送达"}); err != nil {
			t.Fatal(err)
		}
	}
	minutes := hearing.MinutesInput{Summary: "听证会于2026年3月25日上午在市政务服务中心举行，9名听证参加人出席。"}
	minutes.Statements = append(minutes.Statements, hearing.StatementInput{Speaker: "市教育局", Points: "介绍方案。", Reasons: "学位供需变化。"})
	for _, p := range ps {
		id := p.ApplicationID
		minutes.Statements = append(minutes.Statements, hearing.StatementInput{ApplicationID: &id,
			Points: p.Side + "认为片区应照顾就近入学。", Reasons: "通勤距离和安全。"})
	}
	e.Clock.Set(start.Add(-time.Second))
	_, err = hs.RecordHearingMinutes(ctx, s.staff, h.ID, minutes)
	wantCode(t, err, "hearing_not_held_yet")
	e.Clock.Set(start.Add(3 * time.Hour))
	if h, err = hs.RecordHearingMinutes(ctx, s.staff, h.ID, minutes); err != nil {
		t.Fatal(err)
	}

	// Every participant but the last signs with an SMS code.
	account := map[string]*identity.Account{}
	for i := range people[:40] {
		a := &people[i]
		apps, _ := e.DB.Query(ctx, `SELECT code FROM hearing_applications WHERE account_id = $1`, a.ID)
		codes, _ := pgx.CollectRows(apps, pgx.RowTo[string])
		account[codes[0]] = a
	}
	outsider := account[firstNotSelected(apps, want)]
	wantCode(t, hs.SendSigningCode(ctx, outsider, h.ID), "not_hearing_participant")
	for i, p := range ps[:8] {
		a := account[p.Code]
		if err := hs.SendSigningCode(ctx, a, h.ID); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			_, err := hs.SignHearingMinutes(ctx, a, h.ID, "000000x", "")
			wantCode(t, err, "signing_code_invalid")
		}
		if h, err = hs.SignHearingMinutes(ctx, a, h.ID, e.SMS.Code(*a.Phone), ""); err != nil {
			t.Fatal(err)
		}
	}
	if h.MinutesLockedAt != nil {
		t.Fatal("the record locked with a participant unsigned")
	}
	_, err = hs.PublishHearingReport(ctx, s.staff, h.ID, hearing.ReportInput{Body: "听证报告"})
	if e := wantCode(t, err, "hearing_minutes_not_signed"); !strings.Contains(e.Message, ps[8].Code) {
		t.Fatalf("the refusal does not name the unsigned participant: %s", e.Message)
	}
	_, err = hs.RecordHearingMinutes(ctx, s.staff, h.ID, minutes)
	wantCode(t, err, "hearing_minutes_signing_started")

	// The consultation closes; its adoption report is published; the
	// review gate still refuses, for the hearing alone.
	e.Clock.Set(s.t0.Add(consultation.MinConsultationWindow + time.Hour))
	if _, err := e.Consultation.CloseDueConsultations(ctx); err != nil {
		t.Fatal(err)
	}
	publishAdoptionReport(t, s)
	wantGate(t, s.submit(t), "hearing_required")

	// The last participant signs on paper: staff upload the scan. The
	// record locks.
	if h, err = hs.RecordScannedSignature(ctx, s.staff, h.ID, ps[8].ApplicationID, hearing.Scan{Filename: "签字页.pdf", Data: pdf}, ""); err != nil {
		t.Fatal(err)
	}
	if h.MinutesLockedAt == nil {
		t.Fatal("every participant signed and the record is not locked")
	}
	_, err = hs.RecordScannedSignature(ctx, s.staff, h.ID, ps[8].ApplicationID, hearing.Scan{Data: pdf}, "")
	wantCode(t, err, "hearing_minutes_locked")
	wantGate(t, s.submit(t), "hearing_required")

	sts, err := hs.Statements(ctx, nil, h.ID)
	if err != nil || len(sts) != 10 {
		t.Fatalf("statements %d %v", len(sts), err)
	}
	var answers []hearing.ViewAnswer
	for _, st := range sts[1:] {
		answers = append(answers, hearing.ViewAnswer{StatementID: st.ID, Disposition: consultation.DispositionPartiallyAdopted,
			Answer: "已在附图中对跨主干道片区作出调整。"})
	}
	_, err = hs.PublishHearingReport(ctx, s.staff, h.ID, hearing.ReportInput{Body: "听证报告正文", Answers: answers})
	wantCode(t, err, "hearing_view_unanswered")
	answers = append(answers, hearing.ViewAnswer{StatementID: sts[0].ID, Disposition: consultation.DispositionOutOfScope, Answer: "承办单位介绍，无需答复。"})
	if h, err = hs.PublishHearingReport(ctx, s.staff, h.ID, hearing.ReportInput{Body: "听证报告正文", Answers: answers}); err != nil {
		t.Fatal(err)
	}
	if err := s.submit(t); err != nil {
		t.Fatalf("submission after the hearing: %v", err)
	}

	// Every step is in the record, and the chain verifies.
	kinds := recordKinds(t, s)
	for _, k := range []string{"hearing_requirement_set", "hearing_created", "hearing_notice_published", "hearing_selection_method_published",
		"hearing_application_received", "hearing_participants_drawn", "hearing_participants_published", "hearing_materials_delivered",
		"hearing_minutes_recorded", "hearing_minutes_signed", "hearing_minutes_locked", "hearing_report_published"} {
		if !strings.Contains(kinds, k) {
			t.Errorf("record lacks %s", k)
		}
	}
	if v, err := e.Consultation.VerifyStoredRecord(ctx, s.d.ID); err != nil || !v.OK {
		t.Fatalf("record verification: %+v %v", v, err)
	}

	// The hearing record, the report and an application's side are re-read
	// by verification: a superuser's edit of any is caught online and in
	// the archive, naming the entry that bound the row last (issue 12).
	var appID int64
	if err := e.DB.QueryRow(ctx, `SELECT id FROM hearing_applications WHERE hearing_id = $1 ORDER BY code LIMIT 1`, h.ID).Scan(&appID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what, table, column, text string
		id                        int64
	}{
		{"the hearing record", "hearings", "minutes", "各方均同意方案，无异议。", h.ID},
		{"the report", "hearings", "report", "听证报告正文（已改）", h.ID},
		{"an application's side", "hearing_applications", "side", "另一方", appID},
	} {
		tamperRow(t, s, c.what, c.table, c.column, c.text, c.id)
	}
}

// tamperRow changes one column of a bound row as a superuser would, checks
// that verification online and of an archive exported afterwards names the
// table and the row at the same entry, and restores the row.
func tamperRow(t *testing.T, s *scene, what, table, column, text string, id int64) {
	t.Helper()
	e, ctx := s.e, s.ctx
	var old string
	if err := e.DB.QueryRow(ctx, `SELECT `+column+` FROM `+table+` WHERE id = $1`, id).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB.Exec(ctx, `UPDATE `+table+` SET `+column+` = $2 WHERE id = $1`, id, text); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf("%s row %d", table, id)
	v, err := e.Consultation.VerifyStoredRecord(ctx, s.d.ID)
	if err != nil || v.OK || v.FirstBadSeq == 0 || !strings.Contains(v.Problem, row) {
		t.Fatalf("%s changed in the database verified: %+v %v", what, v, err)
	}
	var zip bytes.Buffer
	if err := e.Consultation.ExportDecisionArchive(ctx, s.staff, s.d.ID, &zip); err != nil {
		t.Fatal(err)
	}
	off, err := record.VerifyArchive(bytes.NewReader(zip.Bytes()), int64(zip.Len()))
	if err != nil || off.OK || off.FirstBadSeq != v.FirstBadSeq || !strings.Contains(off.Problem, row) {
		t.Fatalf("%s changed in the database verified offline: %+v %v", what, off, err)
	}
	if _, err := e.DB.Exec(ctx, `UPDATE `+table+` SET `+column+` = $2 WHERE id = $1`, id, old); err != nil {
		t.Fatal(err)
	}
	if v, err := e.Consultation.VerifyStoredRecord(ctx, s.d.ID); err != nil || !v.OK {
		t.Fatalf("restored %s: %+v %v", what, v, err)
	}
}

func firstNotSelected(apps map[string]string, selected map[string]bool) string {
	for c := range apps {
		if !selected[c] {
			return c
		}
	}
	return ""
}

func (s *scene) submit(t *testing.T) error {
	t.Helper()
	var hash string
	if err := s.e.DB.QueryRow(s.ctx, `SELECT content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`,
		s.d.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	_, err := s.e.Consultation.SubmitLegalityReview(s.ctx, s.staff, s.d.ID, consultation.SubmissionInput{
		VersionHash: hash, LegalBasis: []string{"《中华人民共和国义务教育法》第十二条"}, Materials: "附：起草过程说明。"})
	return err
}

func publishAdoptionReport(t *testing.T, s *scene) consultation.AdoptionReport {
	t.Helper()
	if _, err := s.e.Consultation.GenerateAdoptionReport(s.ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	r, err := s.e.Consultation.PublishAdoptionReport(s.ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func recordKinds(t *testing.T, s *scene) string {
	t.Helper()
	rows, err := s.e.DB.Query(s.ctx, `SELECT kind FROM record_entries WHERE decision_id = $1 ORDER BY seq`, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(kinds, " ")
}
