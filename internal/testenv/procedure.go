package testenv

import (
	"context"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Fixtures that walk a decision through the procedure by the services, for
// tests whose subject is what comes after (events, implementation pages).

// CompliantFindings answers each of the three review questions as
// compliant, with the same reasoning.
func CompliantFindings(reasoning string) []consultation.QuestionFinding {
	fs := make([]consultation.QuestionFinding, 0, len(consultation.ReviewQuestions))
	for _, q := range consultation.ReviewQuestions {
		fs = append(fs, consultation.QuestionFinding{Question: q, Finding: consultation.FindingCompliant, Reasoning: reasoning})
	}
	return fs
}

// Today is the clock's calendar date in China, as the date fields of the
// procedure take it (midnight UTC of that day).
func (e *Env) Today() time.Time {
	today := e.Clock.Now().In(workday.Location())
	return time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
}

// PublishedWithheld publishes a decision of the city government (pdsszf)
// led by the education bureau (jyj), withheld from consultation and from
// disclosure: drafting → expedited legality review → executive meeting →
// Party report → publication, dated today. The test creates the agencies
// pdsszf, jyj and sfj (the review office) and keeps pdsszf's meeting
// composition (张市长 the head, 李副市长, 王副市长) first; staff is of jyj,
// body of pdsszf.
func (e *Env) PublishedWithheld(staff, body *identity.Account) consultation.Decision {
	e.T.Helper()
	ctx, svc := context.Background(), e.Consultation
	must := func(step string, err error) {
		e.T.Helper()
		if err != nil {
			e.T.Fatalf("published withheld decision: %s: %v", step, err)
		}
	}
	reviewer, _ := e.Account(identity.RoleReviewer, "sfj")
	adviser, _ := e.Account(identity.RoleLegalAdviser, "")
	d, err := svc.CreateDecision(ctx, staff, consultation.DecisionInput{Title: "平顶山市校园安全防范工作方案",
		Category: consultation.CategorySocialManagement, Domain: consultation.DomainOther, DecisionBody: "pdsszf",
		LeadAgency: "jyj", NotDisclosable: true, NotDisclosableReason: "涉及校园安保部署，依《中华人民共和国反恐怖主义法》不予公开"})
	must("decision", err)
	basis := []string{"《中华人民共和国反恐怖主义法》"}
	v, err := svc.CreateDraftVersion(ctx, staff, d.ID, consultation.DraftVersionInput{
		Text: "第一条 为加强校园安全防范，制定本方案。\n第二条 本方案自公布之日起施行。", Explanation: "起草说明", LegalBasis: basis})
	must("draft", err)
	r, err := svc.SubmitLegalityReview(ctx, staff, d.ID, consultation.SubmissionInput{VersionHash: v.ContentHash, LegalBasis: basis})
	must("review submission", err)
	_, err = svc.AssignLegalAdviser(ctx, &reviewer, r.ID, []int64{adviser.ID})
	must("adviser", err)
	fs := CompliantFindings("符合规定。")
	_, err = svc.CreateLegalOpinion(ctx, &adviser, r.ID, consultation.OpinionInput{Findings: fs, Overall: consultation.OutcomeLawful,
		Password: Password})
	must("legal opinion", err)
	_, err = svc.SignReviewConclusion(ctx, &reviewer, r.ID, consultation.ConclusionInput{Findings: fs, Outcome: consultation.OutcomeLawful,
		ExpediteReason: "安全形势紧迫", Password: Password})
	must("review conclusion", err)
	date := e.Today()
	_, err = svc.RecordDeliberation(ctx, body, d.ID, consultation.DeliberationInput{VersionHash: v.ContentHash,
		MeetingKind: consultation.MeetingExecutive, MeetingDate: date, Members: []consultation.MeetingMember{
			{Name: "李副市长", Vote: consultation.VoteFor}, {Name: "王副市长", Vote: consultation.VoteFor}, {Name: "张市长"}},
		HeadName: "张市长", Outcome: consultation.OutcomeAdopted})
	must("deliberation", err)
	_, err = svc.RecordPartyReport(ctx, body, d.ID, consultation.PartyReportInput{ReportDate: date, ReferenceNumber: "平政党组〔2026〕9号"})
	must("Party report", err)
	_, err = svc.PublishDecision(ctx, body, d.ID, consultation.PublicationInput{VersionHash: v.ContentHash,
		Channels: []string{"平顶山市人民政府网站"}, PublishedOn: date, DocumentNumber: "平政〔2026〕20号", ReportIntervalDays: 30})
	must("publication", err)
	return d
}

// CloseConsultations moves the clock a minute past the shortest
// consultation window (consultation.MinConsultationWindow) and closes the
// consultations then due, as the scheduled job does.
func (e *Env) CloseConsultations() {
	e.T.Helper()
	e.Clock.Advance(consultation.MinConsultationWindow + time.Minute)
	if _, err := e.Consultation.CloseDueConsultations(context.Background()); err != nil {
		e.T.Fatalf("close due consultations: %v", err)
	}
}

// OpenConsultation opens the decision's consultation as staff, for the
// shortest window (consultation.MinConsultationWindow from now) unless
// in.EndsAt says otherwise.
func (e *Env) OpenConsultation(staff *identity.Account, decisionID int64, in consultation.ConsultationInput) consultation.Consultation {
	e.T.Helper()
	if in.EndsAt.IsZero() {
		in.EndsAt = e.Clock.Now().Add(consultation.MinConsultationWindow)
	}
	c, err := e.Consultation.OpenConsultation(context.Background(), staff, decisionID, in)
	if err != nil {
		e.T.Fatalf("open the consultation: %v", err)
	}
	return c
}
