package main

import (
	"context"
	"fmt"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/survey"
)

// The demo's public participation (issue 17): residents' opinions with the
// lead unit's answers, a campaign of near-identical opinions grouped and
// answered together, an opinion survey with responses and public charts, a
// legality review with a signed adviser opinion, a published adoption
// report and a decision published in its second version, whose changed
// article leads back to the opinions behind it. Everything happens on
// clocks set in the past, so the 30-day window and the 7 working days of
// review have really passed.

// demoCrowd are residents who comment and answer the survey (same password).
var demoCrowd = func() []demoAccount {
	names := []string{"陈阿姨", "刘大爷", "王女士", "杨先生", "黄老师", "周女士", "吴先生", "徐阿姨", "孙先生", "马女士", "朱大爷", "胡女士"}
	out := make([]demoAccount, len(names))
	for i, n := range names {
		out[i] = demoAccount{role: identity.RoleResident, phone: fmt.Sprintf("138000001%02d", i+1), name: n}
	}
	return out
}()

const demoBreakText = `平顶山市中小学生课间及午休管理办法

第一章 总则
第一条 为保障中小学生在校期间充分休息和户外活动，促进学生身心健康，根据《中华人民共和国未成年人保护法》等规定，制定本办法。
第二条 本办法适用于本市行政区域内的中小学校。
第二章 课间
第三条 学校课间休息时间不少于10分钟，鼓励学生走出教室开展活动。
第四条 学校不得以安全为由限制学生课间出教室、上厕所和正常活动。
第三章 午休
第五条 有条件的学校应当为学生提供午休场所，午休时间不少于40分钟。
第六条 本办法自公布之日起施行。`

// demoBreakRevised is version 2: article 3 lengthened the break and added
// outdoor activity because of residents' opinions, article 5 added the
// cost rule asked for by the campaign.
const demoBreakRevised = `平顶山市中小学生课间及午休管理办法

第一章 总则
第一条 为保障中小学生在校期间充分休息和户外活动，促进学生身心健康，根据《中华人民共和国未成年人保护法》等规定，制定本办法。
第二条 本办法适用于本市行政区域内的中小学校。
第二章 课间
第三条 学校课间休息时间不少于15分钟，鼓励学生走出教室开展活动；上下午各安排一次不少于30分钟的大课间户外活动。
第四条 学校不得以安全为由限制学生课间出教室、上厕所和正常活动。
第三章 午休
第五条 有条件的学校应当为学生提供午休场所，午休时间不少于40分钟；午休不得向学生收取费用。
第六条 本办法自公布之日起施行。`

func seedParticipation(ctx context.Context, cs *consultation.Service, keys *survey.RespondentKeys, accounts map[string]identity.Account,
	now time.Time) error {
	acct := func(login string) *identity.Account { a := accounts[login]; return &a }
	jyj, gov := acct("jyj@pds.example.gov.cn"), acct("gov@pds.example.gov.cn")
	reviewer, adviser := acct("sfj@pds.example.gov.cn"), acct("lawyer@pds.example.gov.cn")
	var crowd []*identity.Account
	for _, a := range demoCrowd {
		crowd = append(crowd, acct(a.login()))
	}
	step := func(what string, err error) error { return fmt.Errorf("demo participation, %s: %w", what, err) }
	at := func(daysAgo int) (*consultation.Service, *survey.Service) {
		c := *cs
		c.Now = func() time.Time { return now.AddDate(0, 0, -daysAgo) }
		sv := survey.NewService(cs.DB, &c, nil)
		sv.Now, sv.Keys = c.Now, keys
		return &c, sv
	}

	c100, s100 := at(100)
	d, err := c100.CreateDecision(ctx, jyj, consultation.DecisionInput{Title: "平顶山市中小学生课间及午休管理办法",
		Summary:  "保障中小学生课间走出教室活动和午休，回应家长对“课间圈养”的关切。",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
		DecisionBody: "pds-gov", LeadAgency: "pds-jyj"})
	if err != nil {
		return step("decision", err)
	}
	basis := []string{"《中华人民共和国未成年人保护法》", "《重大行政决策程序暂行条例》"}
	v1, err := c100.CreateDraftVersion(ctx, jyj, d.ID, consultation.DraftVersionInput{Text: demoBreakText,
		Explanation: "近年来部分学校以安全为由限制学生课间活动，家长反映强烈。市教育局在调研45所学校的基础上起草了本办法。", LegalBasis: basis})
	if err != nil {
		return step("version 1", err)
	}
	if _, err := c100.OpenConsultation(ctx, jyj, d.ID, consultation.ConsultationInput{EndsAt: endOfDayShanghai(now.AddDate(0, 0, -70)),
		WaysToComment: demoWays, ShowComments: true}); err != nil {
		return step("consultation", err)
	}
	sv, err := s100.CreateSurvey(ctx, jyj, survey.Input{Title: "中小学生课间及午休情况问卷", DecisionID: &d.ID,
		Description: "了解孩子在校课间和午休的实际情况，结果将在问卷结束后公开。", ClosesAt: endOfDayShanghai(now.AddDate(0, 0, -71)),
		ResultsPublicAfterClose: true, PrivacyNotice: "问卷由平顶山市教育局收集，仅用于本办法的起草，保存至办法公布后一年。"})
	if err != nil {
		return step("survey", err)
	}
	questions := []survey.QuestionInput{
		{Kind: survey.KindSingleChoice, Title: "孩子课间能否走出教室活动？", Required: true, Config: survey.Config{Options: []survey.Option{
			{ID: "free", Label: "可以自由活动"}, {ID: "limited", Label: "只能上厕所"}, {ID: "no", Label: "基本不能出教室"}}}},
		{Kind: survey.KindScale, Title: "您对孩子学校午休安排的满意程度", Required: true,
			Config: survey.Config{ScaleMin: 1, ScaleMax: 5, MinLabel: "非常不满意", MaxLabel: "非常满意"}},
		{Kind: survey.KindText, Title: "您的其他建议", Config: survey.Config{MaxLength: 500}},
	}
	var qids []int64
	for _, q := range questions {
		_, id, err := s100.AddQuestion(ctx, jyj, sv.ID, q)
		if err != nil {
			return step("question", err)
		}
		qids = append(qids, id)
	}
	if _, err := s100.OpenSurvey(ctx, jyj, sv.ID); err != nil {
		return step("open survey", err)
	}

	// Opinions, each published by the lead unit's moderation.
	anchor := func(n int) string { return v1.Articles[n-1].Anchor }
	opinions := []struct {
		article int
		stance  string
		body    string
	}{
		{3, "suggestion", "10分钟课间太短，孩子上个厕所就没时间了，建议延长到15分钟。"},
		{3, "suggestion", "建议每天安排大课间，让孩子到操场上跑一跑。"},
		{4, "support", "支持！不能因为怕出事就把孩子关在教室里。"},
		{5, "suggestion", "午休能不能让孩子躺下睡？趴着睡不舒服。"},
		{0, "oppose", "学校安全责任太大，建议同时明确学校的免责情形，否则学校还是不敢放。"},
		{2, "", "民办学校是否也适用？希望写清楚。"},
	}
	c95, _ := at(95)
	var comments []consultation.Comment
	for i, o := range opinions {
		in := consultation.CommentInput{Stance: o.stance, Body: o.body}
		if o.article > 0 {
			in.ArticleAnchor = anchor(o.article)
		}
		c, _, err := c95.SubmitComment(ctx, crowd[i], d.ID, in)
		if err != nil {
			return step("comment", err)
		}
		comments = append(comments, c)
	}
	// A campaign: the same opinion copied by six residents.
	campaign := "坚决反对午休收费！午休是学校应尽的责任，不能变相收费，请在办法中写明午休不得收费。"
	variants := []string{"", "", "！", "。", " 谢谢", "！！"}
	for i, v := range variants {
		c, _, err := c95.SubmitComment(ctx, crowd[6+i], d.ID, consultation.CommentInput{ArticleAnchor: anchor(5), Stance: "oppose", Body: campaign + v})
		if err != nil {
			return step("campaign comment", err)
		}
		comments = append(comments, c)
	}
	for _, c := range comments {
		if _, err := c95.ModerateComment(ctx, jyj, c.ID, consultation.ModerationPublish, ""); err != nil {
			return step("moderation", err)
		}
	}
	_, s90 := at(90)
	for i, r := range crowd {
		choice := []string{"free", "limited", "no", "limited"}[i%4]
		score := 1 + (i*3)%5
		answers := []survey.Answer{{QuestionID: qids[0], Choices: []string{choice}}, {QuestionID: qids[1], Value: &score}}
		if i%3 == 0 {
			answers = append(answers, survey.Answer{QuestionID: qids[2], Text: "希望学校多组织户外活动，少让孩子坐着。"})
		}
		if _, _, err := s90.SubmitResponse(ctx, r, sv.ID, survey.ResponseInput{Answers: answers}); err != nil {
			return step("survey response", err)
		}
	}

	// The window and the survey close; the campaign is grouped.
	c69, s69 := at(69)
	if _, err := c69.CloseDueConsultations(ctx); err != nil {
		return step("close consultation", err)
	}
	if _, err := s69.CloseDueSurveys(ctx); err != nil {
		return step("close survey", err)
	}
	if _, err := c69.GroupComments(ctx); err != nil {
		return step("grouping", err)
	}
	c68, _ := at(68)
	v2, err := c68.CreateDraftVersion(ctx, jyj, d.ID, consultation.DraftVersionInput{Text: demoBreakRevised,
		Explanation: "根据公开征求意见和问卷结果，延长课间时间，增加大课间，明确午休不得收费。", LegalBasis: basis})
	if err != nil {
		return step("version 2", err)
	}
	anchor2 := func(n int) string { return v2.Articles[n-1].Anchor }
	answers := []consultation.DispositionInput{
		{Kind: consultation.DispositionAdopted, Reason: "第三条将课间延长至15分钟。", ChangedArticles: []string{anchor2(3)}},
		{Kind: consultation.DispositionAdopted, Reason: "第三条增加上下午各一次大课间户外活动。", ChangedArticles: []string{anchor2(3)}},
		{Kind: consultation.DispositionAdopted, Reason: "感谢支持，第四条予以保留。"},
		{Kind: consultation.DispositionPartiallyAdopted, Reason: "是否配备午休床由学校根据条件确定，办法不作统一要求。"},
		{Kind: consultation.DispositionNotAdopted, Reason: "学校安全责任依照《学生伤害事故处理办法》认定，不宜在本办法中另设免责条款。"},
		{Kind: consultation.DispositionAdopted, Reason: "第二条“中小学校”包括公办和民办学校。"},
	}
	for i, in := range answers {
		if _, err := c68.SetCommentDispositionWith(ctx, jyj, comments[i].ID, in); err != nil {
			return step("disposition", err)
		}
	}
	groups, _, err := c68.ListCommentGroups(ctx, jyj, d.ID, consultation.CommentGroupFilter{})
	if err != nil {
		return step("groups", err)
	}
	answered := false
	for _, g := range groups {
		if g.Size > 1 {
			if _, err := c68.SetGroupDisposition(ctx, jyj, g.ID, consultation.DispositionAdopted,
				"第五条增加“午休不得向学生收取费用”。"); err != nil {
				return step("group disposition", err)
			}
			answered = true
		}
	}
	for _, c := range comments[len(answers):] {
		if answered {
			break
		}
		// Grouping found no campaign (it should): answer each copy.
		if _, err := c68.SetCommentDispositionWith(ctx, jyj, c.ID, consultation.DispositionInput{Kind: consultation.DispositionAdopted,
			Reason: "第五条增加“午休不得向学生收取费用”。", ChangedArticles: []string{anchor2(5)}}); err != nil {
			return step("campaign disposition", err)
		}
	}
	c66, _ := at(66)
	if _, err := c66.GenerateAdoptionReport(ctx, jyj, d.ID); err != nil {
		return step("adoption report", err)
	}
	if _, err := c66.PublishAdoptionReport(ctx, jyj, d.ID); err != nil {
		return step("publish adoption report", err)
	}

	c65, _ := at(65)
	r, err := c65.SubmitLegalityReview(ctx, jyj, d.ID, consultation.SubmissionInput{VersionHash: v2.ContentHash, LegalBasis: basis,
		Materials: "附：起草说明、征求意见采纳情况报告、问卷结果。"})
	if err != nil {
		return step("review", err)
	}
	if _, err := c65.AssignLegalAdviser(ctx, reviewer, r.ID, []int64{adviser.ID}); err != nil {
		return step("adviser", err)
	}
	var fs []consultation.QuestionFinding
	for _, q := range consultation.ReviewQuestions {
		fs = append(fs, consultation.QuestionFinding{Question: q, Finding: consultation.FindingCompliant,
			Reasoning: "经审查，草案未增加学生和家长的义务，未减损其权利，符合上位法规定。"})
	}
	c60, _ := at(60)
	if _, err := c60.CreateLegalOpinion(ctx, adviser, r.ID, consultation.OpinionInput{Findings: fs, Overall: consultation.OutcomeLawful,
		Password: DemoPassword}); err != nil {
		return step("opinion", err)
	}
	c45, _ := at(45)
	if _, err := c45.SignReviewConclusion(ctx, reviewer, r.ID, consultation.ConclusionInput{Findings: fs, Outcome: consultation.OutcomeLawful,
		Password: DemoPassword}); err != nil {
		return step("conclusion", err)
	}
	c43, _ := at(43)
	date := civil(now.AddDate(0, 0, -43))
	year := now.AddDate(0, 0, -43).Year()
	if _, err := c43.RecordDeliberation(ctx, gov, d.ID, consultation.DeliberationInput{VersionHash: v2.ContentHash,
		MeetingKind: consultation.MeetingExecutive, MeetingDate: date, Session: "市政府第10次常务会议",
		Members: []consultation.MeetingMember{{Name: "李副市长", Vote: consultation.VoteFor}, {Name: "王副市长", Vote: consultation.VoteFor},
			{Name: "赵副市长", Vote: consultation.VoteFor}, {Name: "钱副市长", Vote: consultation.VoteFor}, {Name: "张市长"}},
		Attendees: []consultation.MeetingAttendee{{Name: "王敏", Capacity: "市教育局（汇报）"}},
		HeadName:  "张市长", Outcome: consultation.OutcomeAdopted}); err != nil {
		return step("deliberation", err)
	}
	if _, err := c43.RecordPartyReport(ctx, gov, d.ID, consultation.PartyReportInput{ReportDate: date,
		ReferenceNumber: fmt.Sprintf("平政党组〔%d〕6号", year), Committee: "中共平顶山市委"}); err != nil {
		return step("party report", err)
	}
	c41, _ := at(41)
	if _, err := c41.PublishDecision(ctx, gov, d.ID, consultation.PublicationInput{VersionHash: v2.ContentHash,
		Channels: []string{"平顶山市人民政府网站", "平顶山日报"}, PublishedOn: civil(now.AddDate(0, 0, -41)),
		DocumentNumber: fmt.Sprintf("平政〔%d〕18号", year), ImplementingAgency: "pds-jyj", ReportIntervalDays: 90}); err != nil {
		return step("publication", err)
	}
	return seedOpenOpinions(ctx, cs, crowd, now)
}

// seedOpenOpinions puts published opinions on the demo's first consultation
// still open, so its page shows what residents have said so far.
func seedOpenOpinions(ctx context.Context, cs *consultation.Service, crowd []*identity.Account, now time.Time) error {
	var id int64
	if err := cs.DB.QueryRow(ctx, `SELECT id FROM decisions WHERE status = 'consulting' ORDER BY id LIMIT 1`).Scan(&id); err != nil {
		return fmt.Errorf("demo open opinions: %w", err)
	}
	staff, err := leadStaff(ctx, cs, id)
	if err != nil {
		return err
	}
	for i, body := range []string{"建议课后服务结束时间与家长下班时间衔接，最好到下午6点。", "希望课后服务多安排体育活动，少写作业。",
		"收费标准要公开，困难家庭免费要落实。"} {
		c, _, err := cs.SubmitComment(ctx, crowd[i], id, consultation.CommentInput{Body: body, Stance: "suggestion"})
		if err != nil {
			return fmt.Errorf("demo open opinion: %w", err)
		}
		if _, err := cs.ModerateComment(ctx, staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			return fmt.Errorf("demo moderation: %w", err)
		}
	}
	return nil
}

// leadStaff is a staff account of the decision's lead unit.
func leadStaff(ctx context.Context, cs *consultation.Service, decisionID int64) (*identity.Account, error) {
	var accountID int64
	if err := cs.DB.QueryRow(ctx, `SELECT a.id FROM accounts a JOIN decisions d ON d.lead_agency_id = a.agency_id
		WHERE d.id = $1 AND a.role = 'agency_staff' ORDER BY a.id LIMIT 1`, decisionID).Scan(&accountID); err != nil {
		return nil, fmt.Errorf("demo lead staff: %w", err)
	}
	ids := identity.NewService(cs.DB, nil)
	a, err := ids.GetAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return &a, nil
}
