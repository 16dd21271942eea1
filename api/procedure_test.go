package api_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// procDraft is the draft of the whole-procedure test: 平顶山市 regulates
// after-school services at primary and middle schools (education_culture, a
// livelihood domain, so an opinion survey is expected).
const procDraft = `平顶山市中小学课后服务管理办法

第一条 为规范中小学课后服务，减轻学生和家长负担，制定本办法。
第二条 本办法适用于本市城区公办中小学校。
第三条 课后服务实行家长自愿申请，学校不得强制或者变相强制学生参加。
第四条 课后服务收费标准由市发展改革部门会同教育部门核定。`

// procedure is a city with its government (the decision body), 市教育局
// (the lead unit), 市司法局 (the legality-review department) and the people
// of the procedure, each with a session token.
type procedure struct {
	*testenv.Env
	accounts map[string]identity.Account
	tokens   map[string]string
	decision int64
}

func newProcedure(t *testing.T) *procedure {
	t.Helper()
	e := newCity(t, "gov", "jyj", "sfj")
	p := &procedure{Env: e, accounts: map[string]identity.Account{}, tokens: map[string]string{}}
	for _, a := range []struct {
		name   string
		role   identity.Role
		agency string
	}{{"staff", identity.RoleAgencyStaff, "jyj"}, {"body", identity.RoleAgencyStaff, "gov"}, {"reviewer", identity.RoleReviewer, "sfj"},
		{"adviser", identity.RoleLegalAdviser, ""}, {"alice", identity.RoleResident, ""}, {"bob", identity.RoleResident, ""}} {
		p.accounts[a.name], p.tokens[a.name] = e.Account(a.role, a.agency)
	}
	// The city government's executive meeting (Decree 713 Art. 30): the
	// four of meeting() with the head, and 委员1 … 委员3 that the meeting
	// rules test uses: eight members, a quorum of five.
	_, admin := e.Account(identity.RoleAdmin, "")
	e.Do("PUT", "/decision-bodies/gov/meeting-composition", admin, map[string]any{"members": []map[string]any{
		{"name": "张市长", "position": "市长", "is_head": true}, {"name": "李副市长", "position": "常务副市长"},
		{"name": "王副市长", "position": "副市长"}, {"name": "赵副市长", "position": "副市长"}, {"name": "刘秘书长", "position": "秘书长"},
		{"name": "委员1", "position": "副市长"}, {"name": "委员2", "position": "副市长"}, {"name": "委员3", "position": "副市长"}}}).Expect(t, 200, "")
	return p
}

// tok returns the session token of a named account.
func (p *procedure) tok(name string) string { return p.tokens[name] }

// signInAgain gives everyone a fresh session after the clock has moved
// past their expiry (sessions last a day).
func (p *procedure) signInAgain(t *testing.T) {
	t.Helper()
	for name, a := range p.accounts {
		s, err := p.Identity.CreateSession(context.Background(), identity.LoginInput{Login: *a.Phone, Password: testenv.Password, ClientAddr: "test"})
		if err != nil {
			t.Fatal(err)
		}
		p.tokens[name] = s.Token
	}
}

// advance moves the clock and signs everyone in again.
func (p *procedure) advance(t *testing.T, d time.Duration) {
	t.Helper()
	p.Clock.Advance(d)
	p.signInAgain(t)
}

func (p *procedure) path(format string, a ...any) string {
	return fmt.Sprintf("/decisions/%d", p.decision) + fmt.Sprintf(format, a...)
}

// today is the clock's date in Asia/Shanghai.
// expectRecordIntact verifies the decision's process record as the public may.
func (p *procedure) expectRecordIntact(t *testing.T) {
	t.Helper()
	var ver struct {
		OK bool `json:"ok"`
	}
	p.Do("POST", p.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &ver)
	if !ver.OK {
		t.Fatal("record broken")
	}
}

func (p *procedure) today() string { return p.Clock.Now().In(workday.Location()).Format(time.DateOnly) }

type procVersion struct {
	Number      int    `json:"number"`
	ContentHash string `json:"content_hash"`
	Articles    []struct {
		Anchor string `json:"anchor"`
	} `json:"articles"`
}

type procReview struct {
	ID                   int64     `json:"id"`
	Status               string    `json:"status"`
	VersionHash          string    `json:"version_hash"`
	ProcedureStatement   string    `json:"procedure_statement"`
	EarliestConclusionAt time.Time `json:"earliest_conclusion_at"`
}

// create makes the decision and uploads its first version.
func (p *procedure) create(t *testing.T) procVersion {
	t.Helper()
	var d struct {
		ID int64 `json:"id"`
	}
	p.Do("POST", "/decisions", p.tok("staff"), map[string]any{"title": "平顶山市中小学课后服务管理办法", "category": "public_services",
		"domain": "education_culture", "decision_body": "gov", "lead_agency": "jyj",
		"summary": "规范中小学课后服务的申请、内容和收费。"}).Expect(t, 201, "").JSON(t, &d)
	p.decision = d.ID
	return p.upload(t, procDraft)
}

func (p *procedure) upload(t *testing.T, text string) procVersion {
	t.Helper()
	var v procVersion
	p.Do("POST", p.path("/versions"), p.tok("staff"), map[string]any{"text": text,
		"explanation": "为落实国家“双减”要求，规范课后服务，起草本办法。", "legal_basis": []string{"《中华人民共和国教育法》"}}).
		Expect(t, 201, "").JSON(t, &v)
	return v
}

// consult runs the consultation (30 days), the comments and their
// moderation, a linked survey, the close on the clock, the dispositions
// and the adoption report.
func (p *procedure) consult(t *testing.T, v procVersion) {
	t.Helper()
	p.Do("POST", p.path("/consultation"), p.tok("staff"), map[string]any{
		"ends_at":         p.Clock.Now().Add(consultation.MinConsultationWindow).Format(time.RFC3339),
		"ways_to_comment": "登录本平台逐条提出意见，或致信市教育局"}).Expect(t, 201, "")

	comment := func(who, anchor, body string) int64 {
		var c struct {
			ID int64 `json:"id"`
		}
		p.Do("POST", p.path("/comments"), p.tok(who), map[string]any{"article_anchor": anchor, "stance": "suggestion", "body": body}).
			Expect(t, 201, "").JSON(t, &c)
		return c.ID
	}
	fee := comment("alice", v.Articles[3].Anchor, "建议课后服务收费标准向社会公示，并对困难家庭减免。")
	voluntary := comment("bob", v.Articles[2].Anchor, "建议明确家长可以随时退出课后服务。")
	spam := comment("bob", "", "加微信领红包 wx123456")
	p.Do("POST", fmt.Sprintf("/comments/%d/moderation", fee), p.tok("staff"), map[string]any{"action": "publish"}).Expect(t, 200, "")
	p.Do("POST", fmt.Sprintf("/comments/%d/moderation", voluntary), p.tok("staff"), map[string]any{"action": "publish"}).Expect(t, 200, "")
	p.Do("POST", fmt.Sprintf("/comments/%d/moderation", spam), p.tok("staff"), map[string]any{"action": "reject", "reason": "spam"}).Expect(t, 200, "")

	// The opinion survey (民意调查) expected in a livelihood domain.
	var sv struct {
		ID        int64 `json:"id"`
		Questions []struct {
			ID int64 `json:"id"`
		} `json:"questions"`
	}
	p.Do("POST", "/surveys", p.tok("staff"), map[string]any{"title": "中小学课后服务民意调查", "description": "了解家长对课后服务的意见。",
		"closes_at": p.Clock.Now().Add(14 * 24 * time.Hour).Format(time.RFC3339), "anonymous": true, "results_public_after_close": true,
		"decision_id": p.decision, "privacy_notice": "平顶山市教育局收集本问卷答案，仅用于课后服务管理办法的决策参考，保存至决策公布后一年。"}).
		Expect(t, 201, "").JSON(t, &sv)
	p.Do("POST", fmt.Sprintf("/surveys/%d/questions", sv.ID), p.tok("staff"), map[string]any{"kind": "single_choice", "title": "您是否支持课后服务自愿参加",
		"required": true, "config": map[string]any{"options": []map[string]any{{"id": "yes", "label": "支持"}, {"id": "no", "label": "不支持"}}}}).
		Expect(t, 201, "").JSON(t, &sv)
	p.Do("POST", fmt.Sprintf("/surveys/%d/open", sv.ID), p.tok("staff"), nil).Expect(t, 200, "")
	for _, who := range []string{"alice", "bob"} {
		p.Do("POST", fmt.Sprintf("/surveys/%d/responses", sv.ID), p.tok(who), map[string]any{"answers": []map[string]any{
			{"question_id": sv.Questions[0].ID, "choices": []string{"yes"}}}}).Expect(t, 201, "")
	}
	p.Do("POST", fmt.Sprintf("/surveys/%d/close", sv.ID), p.tok("staff"), nil).Expect(t, 200, "")

	// The window closes on the clock.
	p.Clock.Advance(consultation.MinConsultationWindow + time.Minute)
	if n, err := p.Consultation.CloseDueConsultations(context.Background()); err != nil || n != 1 {
		t.Fatalf("closed %d consultations: %v", n, err)
	}
	p.signInAgain(t)

	p.Do("PUT", fmt.Sprintf("/comments/%d/disposition", fee), p.tok("staff"), map[string]any{"disposition": "adopted",
		"reason": "已在第四条增加收费标准公示和困难家庭减免的规定。"}).Expect(t, 200, "")
	p.Do("PUT", fmt.Sprintf("/comments/%d/disposition", voluntary), p.tok("staff"), map[string]any{"disposition": "partially_adopted",
		"reason": "家长可以按学期申请退出。"}).Expect(t, 200, "")
	p.Do("POST", p.path("/adoption-report/generate"), p.tok("staff"), nil).Expect(t, 200, "")
	p.Do("POST", p.path("/adoption-report/publish"), p.tok("staff"), nil).Expect(t, 200, "")
}

// submit sends the version to legality review.
func (p *procedure) submit(t *testing.T, hash string) procReview {
	t.Helper()
	var r procReview
	p.Do("POST", p.path("/legality-reviews"), p.tok("staff"), map[string]any{"version_hash": hash,
		"legal_basis": []string{"《中华人民共和国教育法》", "《重大行政决策程序暂行条例》"}}).Expect(t, 201, "").JSON(t, &r)
	return r
}

// submitted creates the draft, runs its consultation and sends the version
// to legality review.
func (p *procedure) submitted(t *testing.T) (procVersion, procReview) {
	t.Helper()
	v := p.create(t)
	p.consult(t, v)
	return v, p.submit(t, v.ContentHash)
}

func procFindings() map[string]any {
	ok := func(why string) map[string]any { return map[string]any{"finding": "compliant", "reasoning": why} }
	return map[string]any{"authority": ok("属于市人民政府的法定职权。"), "procedure": ok("已公开征求意见30日并开展民意调查。"),
		"content": ok("内容不违反法律、法规和国家政策。")}
}

// procChanges are the changes a lawful_with_changes opinion or conclusion
// asks for.
const procChanges = "第四条应写明收费标准向社会公示。"

// adviserOpinion has the reviewer assign the adviser to the package, who
// then signs an opinion with the overall view (asking for procChanges with
// lawful_with_changes); it returns the package's path.
func (p *procedure) adviserOpinion(t *testing.T, r procReview, overall string) string {
	t.Helper()
	rp := fmt.Sprintf("/legality-reviews/%d", r.ID)
	p.Do("POST", rp+"/advisers", p.tok("reviewer"), map[string]any{"adviser_ids": []int64{p.accounts["adviser"].ID}}).Expect(t, 200, "")
	opinion := map[string]any{"findings": procFindings(), "overall": overall, "password": testenv.Password}
	if overall == "lawful_with_changes" {
		opinion["changes"] = procChanges
	}
	p.Do("POST", rp+"/opinions", p.tok("adviser"), opinion).Expect(t, 201, "")
	return rp
}

// review assigns the adviser, who signs an opinion, and waits out the 7
// working days on the clock before the reviewer signs a lawful conclusion.
func (p *procedure) review(t *testing.T, r procReview) {
	t.Helper()
	rp := p.adviserOpinion(t, r, "lawful")
	conclusion := map[string]any{"findings": procFindings(), "outcome": "lawful", "password": testenv.Password}
	p.Do("POST", rp+"/conclusion", p.tok("reviewer"), conclusion).Expect(t, 409, "review_period_not_elapsed")
	p.Clock.Set(r.EarliestConclusionAt.Add(time.Minute))
	p.signInAgain(t)
	p.Do("POST", rp+"/conclusion", p.tok("reviewer"), conclusion).Expect(t, 201, "")
}

// meeting is an executive meeting that adopts the version: four members
// for, one against with a recorded dissent.
func (p *procedure) meeting(hash string, edit func(map[string]any)) map[string]any {
	m := map[string]any{"version_hash": hash, "meeting_kind": "executive", "meeting_date": p.today(), "session": "市政府第28次常务会议",
		"members": []map[string]any{{"name": "李副市长", "position": "常务副市长", "vote": "for"},
			{"name": "王副市长", "position": "副市长", "vote": "for"}, {"name": "赵副市长", "position": "副市长", "vote": "for"},
			{"name": "刘秘书长", "position": "秘书长", "vote": "against"}, {"name": "张市长", "position": "市长"}},
		"attendees": []map[string]any{{"name": "周局长", "capacity": "市教育局局长（汇报）"}},
		"head_name": "张市长", "outcome": "adopted",
		"dissent": []map[string]any{{"member": "刘秘书长", "view": "收费标准应先试点一年再全市推行。"}},
		"minutes": "会议听取了市教育局的汇报，审议了办法草案、合法性审查意见和公众意见采纳情况。"}
	if edit != nil {
		edit(m)
	}
	return m
}

func (p *procedure) partyReport() map[string]any {
	return map[string]any{"report_date": p.today(), "reference_number": "平政党组〔2026〕12号", "committee": "中共平顶山市委"}
}

// adopt records the meeting that adopts the version and the report to the
// Party committee (Decree 713 Art. 30, 31).
func (p *procedure) adopt(t *testing.T, hash string) {
	t.Helper()
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, nil)).Expect(t, 201, "")
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 201, "")
}

// publish adopts the version and publishes the decision (Art. 32).
func (p *procedure) publish(t *testing.T, hash string) {
	t.Helper()
	p.adopt(t, hash)
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(hash)).Expect(t, 201, "")
}

func (p *procedure) publication(hash string) map[string]any {
	return map[string]any{"version_hash": hash, "channels": []string{"平顶山市人民政府网站", "平顶山市人民政府公报", "平顶山日报"},
		"published_on": p.today(), "document_number": "平政〔2026〕15号"}
}

// TestWholeProcedure takes a livelihood-domain decision from drafting to
// publication through the API, then verifies its record, chain and
// signatures, online and, from the exported archive, offline.
func TestWholeProcedure(t *testing.T) {
	p := newProcedure(t)
	v := p.create(t)
	p.consult(t, v)

	var gates struct {
		NextStage string `json:"next_stage"`
		Ready     bool   `json:"ready"`
	}
	p.Do("GET", p.path("/gates"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &gates)
	if gates.NextStage != "under_review" || !gates.Ready {
		t.Fatalf("before review: %+v", gates)
	}
	r := p.submit(t, v.ContentHash)
	if r.Status != "received" || r.VersionHash != v.ContentHash || !strings.Contains(r.ProcedureStatement, "30") {
		t.Fatalf("review package %+v", r)
	}
	// Not yet reviewed: no deliberation.
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, nil)).Expect(t, 409, "valid_review_conclusion_required")
	p.review(t, r)

	// Deliberation: only the reviewed version, only executive or plenary meetings.
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, func(m map[string]any) { m["meeting_kind"] = "party_group" })).
		Expect(t, 422, "invalid_meeting_kind")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(strings.Repeat("0", 64), nil)).Expect(t, 409, "decided_version_mismatch")
	p.Do("POST", p.path("/deliberations"), p.tok("alice"), p.meeting(v.ContentHash, nil)).Expect(t, 403, "")
	var g struct {
		Outcome             string `json:"outcome"`
		Majority            string `json:"majority"`
		DepartsFromMajority bool   `json:"departs_from_majority"`
		VersionHash         string `json:"version_hash"`
		RecordSeq           int64  `json:"record_seq"`
	}
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, nil)).Expect(t, 201, "").JSON(t, &g)
	if g.Outcome != "adopted" || g.Majority != "for" || g.DepartsFromMajority || g.VersionHash != v.ContentHash || g.RecordSeq == 0 {
		t.Fatalf("deliberation %+v", g)
	}
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, nil)).Expect(t, 409, "decision_already_adopted")

	// Publication needs the Party report (Decree 713 Art. 31).
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(v.ContentHash)).Expect(t, 409, "party_report_required")
	p.Do("POST", p.path("/party-report"), p.tok("staff"), p.partyReport()).Expect(t, 201, "")
	p.Do("POST", p.path("/party-report"), p.tok("staff"), p.partyReport()).Expect(t, 409, "party_report_already_recorded")
	var pub struct {
		Status           string `json:"status"`
		InEffect         bool   `json:"in_effect"`
		Text             string `json:"text"`
		VersionHash      string `json:"version_hash"`
		AdoptionReportID *int64 `json:"adoption_report_id"`
		Deliberation     struct {
			MeetingKind string `json:"meeting_kind"`
			Members     []any  `json:"members"`
		} `json:"deliberation"`
		PartyReport struct {
			ReferenceNumber string `json:"reference_number"`
		} `json:"party_report"`
		FeedbackCount int `json:"feedback_count"`
	}
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(v.ContentHash)).Expect(t, 201, "").JSON(t, &pub)
	if pub.Status != "in_effect" || !pub.InEffect || !strings.Contains(pub.Text, "第三条 课后服务实行家长自愿申请") ||
		pub.VersionHash != v.ContentHash || pub.AdoptionReportID == nil {
		t.Fatalf("publication %+v", pub)
	}

	// The public page: the decided text, in effect, without the internal parts.
	public := pub
	public.Deliberation.Members, public.PartyReport.ReferenceNumber = nil, ""
	p.Do("GET", p.path("/publication"), "", nil).Expect(t, 200, "").JSON(t, &public)
	if !public.InEffect || public.Deliberation.MeetingKind != "executive" || public.Deliberation.Members != nil || public.PartyReport.ReferenceNumber != "" {
		t.Fatalf("public publication %+v", public)
	}
	var dj struct {
		Status string `json:"status"`
	}
	p.Do("GET", p.path(""), "", nil).Expect(t, 200, "").JSON(t, &dj)
	if dj.Status != "in_effect" {
		t.Fatalf("decision status %s", dj.Status)
	}

	// Implementation feedback (Art. 35): residents write, the lead unit reads, the public counts.
	p.Do("POST", p.path("/implementation-feedback"), p.tok("alice"), map[string]any{"body": "学校仍要求全体学生参加课后服务。"}).Expect(t, 201, "")
	p.Do("POST", p.path("/implementation-feedback"), p.tok("staff"), map[string]any{"body": "x"}).Expect(t, 403, "")
	var fl struct {
		Feedback []struct {
			Body       string `json:"body"`
			AuthorName string `json:"author_name"`
		} `json:"feedback"`
	}
	p.Do("GET", p.path("/implementation-feedback"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &fl)
	if len(fl.Feedback) != 1 || fl.Feedback[0].AuthorName != p.accounts["alice"].Pseudonym {
		t.Fatalf("feedback %+v", fl)
	}
	p.Do("GET", p.path("/publication"), "", nil).Expect(t, 200, "").JSON(t, &pub)
	if pub.FeedbackCount != 1 {
		t.Fatalf("feedback count %d", pub.FeedbackCount)
	}

	// The record: chain, evidence and signatures (opinion, conclusion, meeting, publication).
	var ver struct {
		OK         bool   `json:"ok"`
		Signatures int    `json:"signatures"`
		Problem    string `json:"problem"`
	}
	p.Do("POST", p.path("/record/verify"), "", nil).Expect(t, 200, "").JSON(t, &ver)
	if !ver.OK || ver.Signatures < 4 {
		t.Fatalf("record verification %+v", ver)
	}
	rows, _ := p.DB.Query(context.Background(), `SELECT kind FROM record_entries WHERE decision_id = $1 AND signature <> '' ORDER BY seq`, p.decision)
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	signed := strings.Join(kinds, " ")
	for _, k := range []string{"legal_opinion_signed", "review_conclusion_signed", "deliberation_recorded", "decision_published"} {
		if !strings.Contains(signed, k) {
			t.Fatalf("signed entries %q lack %s", signed, k)
		}
	}

	// The archive verifies offline.
	res := p.Do("GET", p.path("/archive"), p.tok("staff"), nil).Expect(t, 200, "")
	vr, err := record.VerifyArchive(bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil || !vr.OK || vr.Signatures != ver.Signatures {
		t.Fatalf("offline verification %+v: %v (online %d signatures)", vr, err, ver.Signatures)
	}
}

// TestDeliberationVersionPinning: deliberation is refused on a version
// nobody reviewed, and on a version uploaded after the conclusion, whose
// hash the conclusion does not cover.
func TestDeliberationVersionPinning(t *testing.T) {
	p := newProcedure(t)
	v, r := p.submitted(t)
	p.Do("POST", p.path("/deliberations"), p.tok("staff"), p.meeting(v.ContentHash, nil)).Expect(t, 409, "valid_review_conclusion_required")
	p.review(t, r)

	changed := p.upload(t, strings.Replace(procDraft, "制定本办法。", "结合本市实际，制定本办法。", 1))
	for _, hash := range []string{v.ContentHash, changed.ContentHash} {
		p.Do("POST", p.path("/deliberations"), p.tok("staff"), p.meeting(hash, nil)).Expect(t, 409, "valid_review_conclusion_required")
	}
	var d struct {
		Status string `json:"status"`
	}
	p.Do("GET", p.path(""), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &d)
	if d.Status != "under_review" {
		t.Fatalf("status %s after refusals", d.Status)
	}
}
