package supervision_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/supervision"
	"github.com/canyu-gov/canyu/survey"
)

func at(m time.Month, d, h int) time.Time {
	return time.Date(2026, m, d, h, 0, 0, 0, workday.Location())
}

// scene is a city with a government, three departments and the justice
// bureau, and the supervision service on the test clock.
type scene struct {
	e        *testenv.Env
	sup      *supervision.Service
	office   *identity.Account
	staff    map[string]*identity.Account
	reviewer *identity.Account
	adviser  *identity.Account
	agency   map[string]int64
	n        int
	composed bool
}

func newScene(t *testing.T) *scene {
	t.Helper()
	e := testenv.New(t)
	s := &scene{e: e, staff: map[string]*identity.Account{}, agency: map[string]int64{}}
	s.agency["zf"] = e.Agency("zf", "平顶山市人民政府", identity.AgencyGovernment).ID
	for _, a := range []struct{ code, name string }{{"jyj", "平顶山市教育局"}, {"wjw", "平顶山市卫生健康委员会"}, {"zjj", "平顶山市住房和城乡建设局"}} {
		s.agency[a.code] = e.Agency(a.code, a.name, identity.AgencyDepartment).ID
		acct, _ := e.Account(identity.RoleAgencyStaff, a.code)
		s.staff[a.code] = &acct
	}
	s.agency["sfj"] = e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview).ID
	rv, _ := e.Account(identity.RoleReviewer, "sfj")
	ad, _ := e.Account(identity.RoleLegalAdviser, "")
	off := officeAccount(t, e)
	s.reviewer, s.adviser, s.office = &rv, &ad, off
	s.sup = supervision.NewService(e.DB, e.Consultation.Signer)
	s.sup.Now = e.Clock.Now
	s.sup.Record = e.Consultation
	return s
}

// create makes a decision of the department at t.
func (s *scene) create(t *testing.T, dept string, domain consultation.Domain, t0 time.Time) consultation.Decision {
	t.Helper()
	s.e.Clock.Set(t0)
	s.n++
	d, err := s.e.Consultation.CreateDecision(context.Background(), s.staff[dept], consultation.DecisionInput{
		Title: fmt.Sprintf("平顶山市第%d项决策事项", s.n), Summary: "用于监督测试。", Category: consultation.CategoryPublicServices,
		Domain: domain, DecisionBody: "zf", LeadAgency: dept})
	if err != nil {
		t.Fatalf("create decision: %v", err)
	}
	if _, err := s.e.Consultation.CreateDraftVersion(context.Background(), s.staff[dept], d.ID, consultation.DraftVersionInput{
		Text:        "第一条 为规范本项工作，制定本办法。\n第二条 本办法适用于本市行政区域。",
		Explanation: "起草说明：依据有关法律，结合本市实际。", LegalBasis: []string{"《重大行政决策程序暂行条例》"}}); err != nil {
		t.Fatalf("add version: %v", err)
	}
	return d
}

// open opens a consultation at t0 ending at t1 (a reason when shorter than 30 days).
func (s *scene) open(t *testing.T, dept string, d consultation.Decision, t0, t1 time.Time, reason string) {
	t.Helper()
	s.e.Clock.Set(t0)
	if _, err := s.e.Consultation.OpenConsultation(context.Background(), s.staff[dept], d.ID, consultation.ConsultationInput{
		EndsAt: t1, WaysToComment: "登录本平台逐条提出意见", ShorteningReason: reason, ShowComments: true}); err != nil {
		t.Fatalf("open consultation: %v", err)
	}
}

// closeAt runs the closing job at t.
func (s *scene) closeAt(t *testing.T, t0 time.Time) {
	t.Helper()
	s.e.Clock.Set(t0)
	if _, err := s.e.Consultation.CloseDueConsultations(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// comment submits and publishes a comment by a new resident at t.
func (s *scene) comment(t *testing.T, dept string, d consultation.Decision, t0 time.Time) consultation.Comment {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(t0)
	r, _ := s.e.Account(identity.RoleResident, "")
	s.n++
	c, _, err := s.e.Consultation.SubmitComment(ctx, &r, d.ID, consultation.CommentInput{Body: fmt.Sprintf("建议第%d条写得更具体一些。", s.n),
		ClientAddr: fmt.Sprintf("10.0.0.%d", s.n)})
	if err != nil {
		t.Fatalf("comment: %v", err)
	}
	if c, err = s.e.Consultation.ModerateComment(ctx, s.staff[dept], c.ID, consultation.ModerationPublish, ""); err != nil {
		t.Fatalf("publish comment: %v", err)
	}
	return c
}

func (s *scene) publishReport(t *testing.T, dept string, d consultation.Decision, t0 time.Time) {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(t0)
	if _, err := s.e.Consultation.GenerateAdoptionReport(ctx, s.staff[dept], d.ID); err != nil {
		t.Fatalf("generate report: %v", err)
	}
	if _, err := s.e.Consultation.PublishAdoptionReport(ctx, s.staff[dept], d.ID); err != nil {
		t.Fatalf("publish report: %v", err)
	}
}

func (s *scene) submit(t *testing.T, dept string, d consultation.Decision, t0 time.Time) consultation.LegalityReview {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(t0)
	var hash string
	if err := s.e.DB.QueryRow(ctx, `SELECT content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`,
		d.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	r, err := s.e.Consultation.SubmitLegalityReview(ctx, s.staff[dept], d.ID, consultation.SubmissionInput{VersionHash: hash,
		LegalBasis: []string{"《重大行政决策程序暂行条例》第二十五条"}, Materials: "附：起草过程说明。"})
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	if r, err = s.e.Consultation.AssignLegalAdviser(ctx, s.reviewer, r.ID, []int64{s.adviser.ID}); err != nil {
		t.Fatalf("assign: %v", err)
	}
	return r
}

func findings() []consultation.QuestionFinding {
	var out []consultation.QuestionFinding
	for _, q := range consultation.ReviewQuestions {
		out = append(out, consultation.QuestionFinding{Question: q, Finding: consultation.FindingCompliant,
			Reasoning: "经审查，符合规定。", CitedProvisions: []string{"《重大行政决策程序暂行条例》第二十七条"}})
	}
	return out
}

func (s *scene) conclude(t *testing.T, r consultation.LegalityReview, opinionAt, conclusionAt time.Time) {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(opinionAt)
	if _, err := s.e.Consultation.CreateLegalOpinion(ctx, s.adviser, r.ID, consultation.OpinionInput{Findings: findings(),
		Overall: consultation.OutcomeLawful, Password: testenv.Password}); err != nil {
		t.Fatalf("opinion: %v", err)
	}
	s.e.Clock.Set(conclusionAt)
	if _, err := s.e.Consultation.SignReviewConclusion(ctx, s.reviewer, r.ID, consultation.ConclusionInput{Findings: findings(),
		Outcome: consultation.OutcomeLawful, Password: testenv.Password}); err != nil {
		t.Fatalf("conclusion: %v", err)
	}
}

// survey runs a survey of the decision from t0 with n responses.
func (s *scene) survey(t *testing.T, dept string, d consultation.Decision, t0 time.Time, n int) {
	t.Helper()
	ctx := context.Background()
	s.e.Clock.Set(t0)
	id := d.ID
	sv, err := s.e.Survey.CreateSurvey(ctx, s.staff[dept], survey.Input{Title: "民意调查", DecisionID: &id,
		ClosesAt: t0.Add(20 * 24 * time.Hour), Anonymous: true, PrivacyNotice: "仅用于决策参考，保存一年。"})
	if err != nil {
		t.Fatal(err)
	}
	sv, _, err = s.e.Survey.AddQuestion(ctx, s.staff[dept], sv.ID, survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "是否赞成",
		Required: true, Config: survey.Config{Options: []survey.Option{{Label: "赞成"}, {Label: "反对"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if sv, err = s.e.Survey.OpenSurvey(ctx, s.staff[dept], sv.ID); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		s.e.Clock.Advance(time.Hour)
		r, _ := s.e.Account(identity.RoleResident, "")
		if _, _, err := s.e.Survey.SubmitResponse(ctx, &r, sv.ID, survey.ResponseInput{Answers: []survey.Answer{
			{QuestionID: sv.Questions[0].ID, Choices: []string{"o1"}}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// decide takes a reviewed decision through a valid executive meeting on
// meetingDay (the government's composition of five: the head and four
// members; all present, the head last, Art. 30), and, when publishOn is
// not zero, the report to the Party committee two days before and its
// publication, in effect on effectiveOn, the lead unit implementing it and
// reporting every interval days (Art. 34–35).
func (s *scene) decide(t *testing.T, dept string, d consultation.Decision, meetingDay, publishOn, effectiveOn time.Time, interval int) {
	t.Helper()
	ctx := context.Background()
	if !s.composed {
		admin, _ := s.e.Account(identity.RoleAdmin, "")
		members := []consultation.MeetingCompositionMember{{Name: "张市长", Position: "市长", IsHead: true}}
		for i := 1; i <= 4; i++ {
			members = append(members, consultation.MeetingCompositionMember{Name: fmt.Sprintf("委员%d", i), Position: "副市长"})
		}
		if _, err := s.e.Consultation.SetMeetingComposition(ctx, &admin, "zf", members); err != nil {
			t.Fatal(err)
		}
		s.composed = true
	}
	var hash string
	if err := s.e.DB.QueryRow(ctx, `SELECT content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`,
		d.ID).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	s.e.Clock.Set(meetingDay.Add(10 * time.Hour))
	in := consultation.DeliberationInput{VersionHash: hash, MeetingKind: consultation.MeetingExecutive,
		MeetingDate: date(meetingDay), HeadName: "张市长", Outcome: consultation.OutcomeAdopted}
	for i := 1; i <= 4; i++ {
		in.Members = append(in.Members, consultation.MeetingMember{Name: fmt.Sprintf("委员%d", i), Vote: consultation.VoteFor})
	}
	in.Members = append(in.Members, consultation.MeetingMember{Name: "张市长"})
	if _, err := s.e.Consultation.RecordDeliberation(ctx, s.staff[dept], d.ID, in); err != nil {
		t.Fatalf("deliberation: %v", err)
	}
	if publishOn.IsZero() {
		return
	}
	s.e.Clock.Set(publishOn.AddDate(0, 0, -2).Add(10 * time.Hour))
	if _, err := s.e.Consultation.RecordPartyReport(ctx, s.staff[dept], d.ID, consultation.PartyReportInput{
		ReportDate: date(publishOn.AddDate(0, 0, -2)), ReferenceNumber: "平政请〔2026〕" + fmt.Sprint(d.ID) + "号"}); err != nil {
		t.Fatalf("party report: %v", err)
	}
	s.e.Clock.Set(publishOn.Add(10 * time.Hour))
	if _, err := s.e.Consultation.PublishDecision(ctx, s.staff[dept], d.ID, consultation.PublicationInput{VersionHash: hash,
		Channels: []string{"平顶山市人民政府网站"}, PublishedOn: date(publishOn), EffectiveOn: date(effectiveOn),
		DocumentNumber: "平政〔2026〕" + fmt.Sprint(d.ID) + "号", ReportIntervalDays: interval}); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// report files the implementing unit's report of kind at t, covering the
// period up to that day.
func (s *scene) report(t *testing.T, dept string, d consultation.Decision, kind implementation.ReportKind, t0 time.Time) {
	t.Helper()
	s.e.Clock.Set(t0)
	in := implementation.ReportInput{Kind: kind, PeriodEnd: date(t0), Progress: "按计划推进。", EffectAchieved: true}
	if kind != implementation.ReportPeriodic {
		in.Problems = "部分街道宣传不到位。"
	}
	if _, err := s.e.Implementation.SubmitImplementationReport(context.Background(), s.staff[dept], d.ID, in); err != nil {
		t.Fatalf("implementation report: %v", err)
	}
}

// date is the calendar date of t in Beijing time, as the services take dates.
func date(t time.Time) time.Time {
	l := t.In(workday.Location())
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}
