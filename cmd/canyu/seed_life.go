package main

import (
	"context"
	"fmt"
	"time"

	"github.com/canyu-gov/canyu/catalogue"
	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// The demo's life of a decision (issue 13): meeting compositions of the
// city government and a township government (Decree 713 Art. 42), the
// city's catalogue agreed and published with an adjustment pending,
// proposals answered and pending, and one decision withheld from
// consultation that was initiated from the catalogue, reviewed, decided at
// a valid meeting, published, reported on twice, evaluated on the public's
// feedback and adjusted, which opened a new linked decision in drafting.

var demoLifeAgencies = []identity.AgencyInput{
	// A township is governed from above (its parent): without one it would
	// count as a city of its own, whose supervision office governs the city.
	{Code: "pds-jdz", Name: "平顶山市新华区焦店镇人民政府", Kind: identity.AgencyGovernment, ParentCode: "pds-gov"},
}

var demoLifeAccounts = []demoAccount{
	{role: identity.RoleAgencyStaff, email: "gov@pds.example.gov.cn", name: "马骏（市政府办公室）", agency: "pds-gov"},
	{role: identity.RoleResident, phone: "13800000002", name: "张居民"},
	{role: identity.RoleResident, phone: "13800000003", name: "赵居民"},
}

func civil(t time.Time) time.Time {
	y, m, d := t.In(workday.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func seedLife(ctx context.Context, cs *consultation.Service, accounts map[string]identity.Account, now time.Time) error {
	acct := func(login string) *identity.Account { a := accounts[login]; return &a }
	admin, gov, jyj := acct("admin@pds.example.gov.cn"), acct("gov@pds.example.gov.cn"), acct("jyj@pds.example.gov.cn")
	reviewer, adviser := acct("sfj@pds.example.gov.cn"), acct("lawyer@pds.example.gov.cn")
	residents := []*identity.Account{acct("13800000001"), acct("13800000002"), acct("13800000003")}
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo %s: %w", what, err)
		}
		return nil
	}
	city := []consultation.MeetingCompositionMember{{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"},
		{Name: "王副市长", Position: "副市长"}, {Name: "赵副市长", Position: "副市长"}, {Name: "钱副市长", Position: "副市长"},
		{Name: "孙秘书长", Position: "秘书长"}, {Name: "周副市长", Position: "副市长"}}
	if _, err := cs.SetMeetingComposition(ctx, admin, "pds-gov", city); err != nil {
		return step("composition", err)
	}
	if _, err := cs.SetMeetingComposition(ctx, admin, "pds-jdz", []consultation.MeetingCompositionMember{{Name: "吴镇长", Position: "镇长", IsHead: true},
		{Name: "郑副镇长", Position: "副镇长"}, {Name: "冯副镇长", Position: "副镇长"}}); err != nil {
		return step("township composition", err)
	}
	if _, err := cs.SetBodySettings(ctx, admin, "pds-gov", consultation.BodySettings{SurveyMinResponses: 1, FeedbackThreshold: 2}); err != nil {
		return step("settings", err)
	}

	// Everything of the published decision happens on a clock running from
	// 60 days ago, so that the review period of 7 working days has passed
	// and lies in the calendar's covered years.
	at := func(daysAgo int) func() time.Time { return func() time.Time { return now.AddDate(0, 0, -daysAgo) } }
	past := func(daysAgo int) (*consultation.Service, *catalogue.Service, *implementation.Service) {
		c := *cs
		c.Now = at(daysAgo)
		cat := catalogue.NewService(cs.DB, &c)
		cat.Now = c.Now
		impl := implementation.NewService(cs.DB, &c)
		impl.Now = c.Now
		return &c, cat, impl
	}
	c60, cat60, _ := past(60)
	year := now.AddDate(0, 0, -60).In(workday.Location()).Year()
	catalog, err := cat60.CreateCatalogue(ctx, gov, "pds-gov", year)
	if err != nil {
		return step("catalogue", err)
	}
	items := []catalogue.ItemInput{
		{Title: "平顶山市中小学校园安全防范工作方案", LeadAgency: "pds-jyj", Domain: consultation.DomainOther,
			Category: consultation.CategorySocialManagement, PlannedQuarter: 2},
		{Title: "平顶山市城区生活垃圾分类管理办法", LeadAgency: "pds-sthj", Domain: consultation.DomainEnvironment,
			Category: consultation.CategoryEnvironment, PlannedQuarter: 4, HearingPlanned: true, SurveyPlanned: true},
		{Title: "平顶山市基层医疗卫生服务能力提升三年行动计划", LeadAgency: "pds-wjw", Domain: consultation.DomainHealth,
			Category: consultation.CategoryPublicServices, PlannedQuarter: 3, SurveyPlanned: true},
	}
	var first catalogue.Item
	for i, in := range items {
		it, err := cat60.AddCatalogueItem(ctx, gov, catalog.ID, in)
		if err != nil {
			return step("catalogue item", err)
		}
		if i == 0 {
			first = it
		}
	}
	if _, err := cat60.RecordCatalogueApproval(ctx, gov, catalog.ID, catalogue.ApprovalInput{DocumentNumber: "平市委办文〔" + fmt.Sprint(year) + "〕3号",
		Date: civil(now.AddDate(0, 0, -60))}); err != nil {
		return step("approval", err)
	}
	if _, err := cat60.PublishCatalogue(ctx, gov, catalog.ID); err != nil {
		return step("publish catalogue", err)
	}
	if _, err := cat60.RequestCatalogueAdjustment(ctx, gov, catalog.ID, catalogue.AdjustmentInput{Kind: catalogue.AdjustAdd,
		Item: catalogue.ItemInput{Title: "平顶山市城区停车设施建设管理办法", LeadAgency: "pds-jtj", Domain: consultation.DomainPublicUtilities,
			Category: consultation.CategoryMajorProjects, PlannedQuarter: 4}, Reason: "采纳人大代表建议，城区停车难问题突出，需年内出台。"}); err != nil {
		return step("adjustment", err)
	}
	p1, err := cat60.ProposeDecisionItem(ctx, residents[0], catalogue.ProposalInput{DecisionBody: "pds-gov", ProposerKind: catalogue.ProposerResident,
		Title: "规范城区夜间施工噪声管理", Description: "夜间施工噪声扰民，建议制定统一的管理办法。"})
	if err != nil {
		return step("proposal", err)
	}
	if _, err := cat60.AnswerDecisionProposal(ctx, gov, p1.ID, catalogue.AnswerInput{Answer: "夜间施工噪声管理已由《中华人民共和国噪声污染防治法》及市生态环境局的执法办法规定，不属于重大行政决策事项，不列入目录；已转市生态环境局加强执法。"}); err != nil {
		return step("answer", err)
	}
	if _, err := cat60.ProposeDecisionItem(ctx, residents[1], catalogue.ProposalInput{DecisionBody: "pds-gov", ProposerKind: catalogue.ProposerOrganisation,
		ProposerName: "平顶山市新华区某业主委员会", Title: "老旧小区加装电梯补贴办法", Description: "建议明确加装电梯的财政补贴标准和申请程序。"}); err != nil {
		return step("proposal", err)
	}
	if _, err := cat60.InitiateDecisionItem(ctx, gov, first.ID, catalogue.InitiationInput{ProposerKind: catalogue.ProposerLeader, ProposerName: "李副市长",
		StartReference: "市政府常务会议纪要〔" + fmt.Sprint(year) + "〕5号", StartDate: civil(now.AddDate(0, 0, -60))}); err != nil {
		return step("initiation", err)
	}

	// The withheld decision, from drafting to publication without consultation.
	d, err := c60.CreateDecision(ctx, jyj, consultation.DecisionInput{Title: items[0].Title, Summary: "加强中小学校园安全防范。",
		Category: items[0].Category, Domain: items[0].Domain, DecisionBody: "pds-gov", LeadAgency: "pds-jyj", NotDisclosable: true,
		NotDisclosableReason: "涉及校园安保力量部署，依《中华人民共和国反恐怖主义法》第四十八条不予公开征求意见"})
	if err != nil {
		return step("withheld decision", err)
	}
	if _, err := cat60.LinkDecision(ctx, jyj, d.ID, first.ID); err != nil {
		return step("link", err)
	}
	v, err := c60.CreateDraftVersion(ctx, jyj, d.ID, consultation.DraftVersionInput{Text: "第一条 为加强中小学校园安全防范，保障师生安全，制定本方案。\n" +
		"第二条 本方案适用于本市行政区域内的中小学校。\n第三条 学校应当配备专职保安，设置一键报警装置。\n第四条 本方案自公布之日起施行。",
		Explanation: "落实校园安全防范要求。", LegalBasis: []string{"《中华人民共和国反恐怖主义法》", "《中小学幼儿园安全管理办法》"}})
	if err != nil {
		return step("version", err)
	}
	r, err := c60.SubmitLegalityReview(ctx, jyj, d.ID, consultation.SubmissionInput{VersionHash: v.ContentHash,
		LegalBasis: []string{"《中华人民共和国反恐怖主义法》"}})
	if err != nil {
		return step("review", err)
	}
	if _, err := c60.AssignLegalAdviser(ctx, reviewer, r.ID, []int64{adviser.ID}); err != nil {
		return step("adviser", err)
	}
	var fs []consultation.QuestionFinding
	for _, q := range consultation.ReviewQuestions {
		fs = append(fs, consultation.QuestionFinding{Question: q, Finding: consultation.FindingCompliant, Reasoning: "经审查，符合规定。"})
	}
	c55, _, _ := past(55)
	if _, err := c55.CreateLegalOpinion(ctx, adviser, r.ID, consultation.OpinionInput{Findings: fs, Overall: consultation.OutcomeLawful,
		Password: DemoPassword}); err != nil {
		return step("opinion", err)
	}
	c45, _, _ := past(45)
	if _, err := c45.SignReviewConclusion(ctx, reviewer, r.ID, consultation.ConclusionInput{Findings: fs, Outcome: consultation.OutcomeLawful,
		Password: DemoPassword}); err != nil {
		return step("conclusion", err)
	}
	c44, _, _ := past(44)
	date := civil(now.AddDate(0, 0, -44))
	if _, err := c44.RecordDeliberation(ctx, gov, d.ID, consultation.DeliberationInput{VersionHash: v.ContentHash, MeetingKind: consultation.MeetingExecutive,
		MeetingDate: date, Session: "市政府第12次常务会议", Members: []consultation.MeetingMember{{Name: "李副市长", Vote: consultation.VoteFor},
			{Name: "王副市长", Vote: consultation.VoteFor}, {Name: "赵副市长", Vote: consultation.VoteFor}, {Name: "孙秘书长", Vote: consultation.VoteAbstain},
			{Name: "张市长"}}, Attendees: []consultation.MeetingAttendee{{Name: "王敏", Capacity: "市教育局（汇报）"}},
		HeadName: "张市长", Outcome: consultation.OutcomeAdopted}); err != nil {
		return step("deliberation", err)
	}
	if _, err := c44.RecordPartyReport(ctx, gov, d.ID, consultation.PartyReportInput{ReportDate: date, ReferenceNumber: "平政党组〔" + fmt.Sprint(year) + "〕8号",
		Committee: "中共平顶山市委"}); err != nil {
		return step("party report", err)
	}
	c40, _, impl40 := past(40)
	if _, err := c40.PublishDecision(ctx, gov, d.ID, consultation.PublicationInput{VersionHash: v.ContentHash, Channels: []string{"平顶山市人民政府网站", "平顶山日报"},
		PublishedOn: civil(now.AddDate(0, 0, -40)), DocumentNumber: "平政〔" + fmt.Sprint(year) + "〕21号", ImplementingAgency: "pds-jyj", ReportIntervalDays: 30}); err != nil {
		return step("publication", err)
	}
	if _, err := impl40.SubmitImplementationReport(ctx, jyj, d.ID, implementation.ReportInput{Kind: implementation.ReportPeriodic,
		PeriodEnd: civil(now.AddDate(0, 0, -40)), Progress: "已部署全市中小学安防设施排查。", EffectAchieved: true}); err != nil {
		return step("report", err)
	}
	c10, _, impl10 := past(10)
	if _, err := impl10.SubmitImplementationReport(ctx, jyj, d.ID, implementation.ReportInput{Kind: implementation.ReportPeriodic,
		PeriodEnd: civil(now.AddDate(0, 0, -10)), Progress: "全市学校已完成一键报警装置安装。", Problems: "部分农村学校专职保安不足。", EffectAchieved: true}); err != nil {
		return step("report", err)
	}
	for _, res := range residents[1:] {
		if _, err := c10.CreateImplementationFeedback(ctx, res, d.ID, consultation.FeedbackInput{Body: "放学时段校门口拥堵，建议错峰放学。"}); err != nil {
			return step("feedback", err)
		}
	}
	_, _, impl5 := past(5)
	if _, err := impl5.StartPostEvaluation(ctx, gov, d.ID, implementation.StartInput{Trigger: implementation.TriggerFeedbackVolume,
		Evaluator: "河南城建学院公共管理研究中心"}); err != nil {
		return step("post-evaluation", err)
	}
	_, _, impl2 := past(2)
	if _, err := impl2.SubmitPostEvaluationReport(ctx, gov, d.ID, implementation.EvaluationReportInput{Report: "方案总体达到预期；校门口交通组织需要调整。",
		PublicParticipation: "网上征求意见10日，收到意见36条；召开家长座谈会1场。", Outcome: implementation.OutcomeAdjust}); err != nil {
		return step("evaluation report", err)
	}
	if _, err := impl2.AdjustDecision(ctx, jyj, d.ID, implementation.AdjustmentInput{Major: true, Description: "增加放学时段校门口交通组织和错峰放学的规定。",
		Reason: "决策后评估建议调整。"}); err != nil {
		return step("adjustment", err)
	}
	return nil
}
