package supervision

import (
	"fmt"
	"sort"
)

// StageNames are the decision stages in Chinese, for the report's table.
var StageNames = map[string]string{"drafting": "起草", "consulting": "公开征求意见", "handling": "意见处理",
	"under_review": "合法性审查", "deliberation": "集体讨论决定", "published": "已公布", "in_effect": "施行中",
	"suspended": "暂停执行", "evaluated": "已评估", "withdrawn": "已撤回", "ended": "已停止执行"}

var stageSequence = []string{"drafting", "consulting", "handling", "under_review", "deliberation", "published",
	"in_effect", "suspended", "evaluated", "ended", "withdrawn"}

// FigureRow is one line of the report's main table: a label, the value as
// shown, and the key of the decisions behind it (Sources).
type FigureRow struct {
	Label  string
	Value  string
	Source string
}

// Rows are the report's figures as the page, the PDF and the XLSX show them.
func (f MonthlyFigures) Rows() []FigureRow {
	n := func(v int) string { return fmt.Sprintf("%d", v) }
	return []FigureRow{
		{"新启动决策事项", n(f.DecisionsStarted), "decisions_started"},
		{"公布决策", n(f.DecisionsPublished), "decisions_published"},
		{"执行单位报告执行情况（份）", n(f.ImplementationReports), "implementation_reports"},
		{"开始公开征求意见", n(f.ConsultationsOpened), "consultations_opened"},
		{"其中缩短征求意见期限（已说明理由）", n(f.ConsultationsShortened), "consultations_shortened"},
		{"征求意见结束", n(f.ConsultationsClosed), "consultations_closed"},
		{"收到公众意见（条）", n(f.CommentsReceived), "comments_received"},
		{"答复公众意见（条）", n(f.CommentsAnswered), "comments_answered"},
		{"采纳或部分采纳（条）", n(f.CommentsAdopted), "comments_adopted"},
		{"意见采纳率", ratePercent(f.AdoptionRate, f.CommentsAnswered), ""},
		{"开展民意调查（项）", n(f.SurveysRun), "surveys_run"},
		{"民意调查答卷（份）", n(f.SurveyResponses), "survey_responses"},
		{"民生领域事项（征求意见已结束）", n(f.LivelihoodDecisions), ""},
		{"其中已开展民意调查或书面说明", n(f.LivelihoodCovered), ""},
		{"其中尚未开展民意调查", n(f.LivelihoodDecisions - f.LivelihoodCovered), "livelihood_uncovered"},
		{"收到合法性审查材料（件）", n(f.ReviewsReceived), "reviews_received"},
		{"作出审查意见（件）", n(f.ReviewsConcluded), "reviews_concluded"},
		{"平均审查用时（工作日）", fmt.Sprintf("%.1f", f.ReviewAvgWorkingDays), ""},
		{"退回送审材料（件）", n(f.ReviewReturns), "review_returns"},
		{"认定不合法的意见（件）", n(f.UnlawfulFindings), "unlawful_findings"},
		{"其中已书面说明处理情况", n(f.UnlawfulResolved), "unlawful_resolved"},
		{"月末逾期未办的程序环节", n(f.OverdueSteps), "overdue_steps"},
		{"新发现问题", n(f.ProblemsOpened), ""},
		{"整改销号问题", n(f.ProblemsClosed), ""},
	}
}

// StageRows are the decisions by stage, in procedure order.
func (f MonthlyFigures) StageRows() []FigureRow {
	var out []FigureRow
	for _, st := range stageSequence {
		if v, ok := f.DecisionsByStage[st]; ok {
			out = append(out, FigureRow{Label: StageNames[st], Value: fmt.Sprintf("%d", v)})
		}
	}
	var other []string
	for st := range f.DecisionsByStage {
		if StageNames[st] == "" {
			other = append(other, st)
		}
	}
	sort.Strings(other)
	for _, st := range other {
		out = append(out, FigureRow{Label: "其他", Value: fmt.Sprintf("%d", f.DecisionsByStage[st])})
	}
	return out
}

// ratePercent shows an adoption rate, or 无 when no comment was answered
// (no rate, which is not a rate of 0%).
func ratePercent(rate float64, answered int) string {
	if answered == 0 {
		return "无"
	}
	return fmt.Sprintf("%.1f%%", rate*100)
}
