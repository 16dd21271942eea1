package supervision

import (
	"fmt"
	"time"

	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/workday"
)

// StepState is where a statutory step of a decision stands.
type StepState string

// The states of a step.
const (
	StepDone          StepState = "done"           // 已完成
	StepDue           StepState = "due"            // 待办（未到期）
	StepOverdue       StepState = "overdue"        // 已逾期
	StepSkipped       StepState = "skipped"        // 依法不适用，理由已说明
	StepNotYet        StepState = "not_yet"        // 尚未到该环节
	StepNotApplicable StepState = "not_applicable" // 本事项无此环节
	StepProblem       StepState = "problem"        // 已完成但不合规
)

// StepStateNames are the states in Chinese.
var StepStateNames = map[StepState]string{
	StepDone: "已完成", StepDue: "办理中", StepOverdue: "已逾期", StepSkipped: "依法免予（已说明理由）",
	StepNotYet: "尚未到该环节", StepNotApplicable: "不适用", StepProblem: "不合规",
}

// Limits are the time limits the office applies where the law says only
// "及时" (in time) or sets none; the office may configure them. DOMAIN.md
// is silent on all three; these defaults are the office's, not the law's.
type Limits struct {
	// AdoptionReportWorkingDays: the adoption report after the window
	// closes (Decree 713 Art. 18 requires it, without a period).
	AdoptionReportWorkingDays int
	// ReviewWorkingDays: the legality review's conclusion after receipt
	// (Art. 26 sets a minimum of 7 working days, not a maximum).
	ReviewWorkingDays int
	// PublicationWorkingDays: publication after the adopting meeting
	// (Art. 32: "及时公布").
	PublicationWorkingDays int
}

// DefaultLimits are the office's defaults.
var DefaultLimits = Limits{AdoptionReportWorkingDays: 15, ReviewWorkingDays: 15, PublicationWorkingDays: 20}

// Facts is one row of decision_compliance_facts: the dates the statutory
// steps of a decision left.
type Facts struct {
	ID                        int64      `db:"id"`
	Title                     string     `db:"title"`
	Domain                    string     `db:"domain"`
	Status                    string     `db:"status"`
	DecisionBodyID            int64      `db:"decision_body_id"`
	LeadAgencyID              int64      `db:"lead_agency_id"`
	NotDisclosable            bool       `db:"not_disclosable"`
	NotDisclosableReason      string     `db:"not_disclosable_reason"`
	CreatedAt                 time.Time  `db:"created_at"`
	ConsultationOpensAt       *time.Time `db:"consultation_opens_at"`
	ConsultationEndsAt        *time.Time `db:"consultation_ends_at"`
	ShorteningReason          *string    `db:"shortening_reason"`
	ConsultationClosedAt      *time.Time `db:"consultation_closed_at"`
	AdoptionReportPublishedAt *time.Time `db:"adoption_report_published_at"`
	SurveyClosedAt            *time.Time `db:"survey_closed_at"`
	SurveyResponses           int64      `db:"survey_responses"`
	// SurveyTarget is the responses the survey needs to count as held: its
	// own target, the decision body's minimum, at least one (the survey
	// package's gate survey_required).
	SurveyTarget       int64      `db:"survey_target"`
	SurveyWaivedAt     *time.Time `db:"survey_waived_at"`
	SurveyWaiverReason *string    `db:"survey_waiver_reason"`
	ReviewSubmittedAt  *time.Time `db:"review_submitted_at"`
	ReviewReceivedAt   *time.Time `db:"review_received_at"`
	ReviewStatus       *string    `db:"review_status"`
	ConcludedAt        *time.Time `db:"concluded_at"`
	ConclusionOutcome  *string    `db:"conclusion_outcome"`
	ExpediteReason     *string    `db:"expedite_reason"`
	Opinions           int64      `db:"opinions"`
	FirstOpinionAt     *time.Time `db:"first_opinion_at"`
	DeliberationDate   *time.Time `db:"deliberation_date"`
	PartyReportDate    *time.Time `db:"party_report_date"`
	PublishedOn        *time.Time `db:"published_on"`
	PublishedAt        *time.Time `db:"published_at"`

	// After publication (implementation_compliance_facts, owned by
	// implementation/): the schedule the body set and the periodic reports
	// filed, in order (the period each covers, when it was filed).
	ImplementingAgencyID  *int64      `db:"implementing_agency_id"`
	EffectiveOn           *time.Time  `db:"effective_on"`
	ReportIntervalDays    *int        `db:"report_interval_days"`
	PeriodicReportEnds    []time.Time `db:"periodic_report_ends"`
	PeriodicReportedAt    []time.Time `db:"periodic_reported_at"`
	ImplementationReports int64       `db:"implementation_reports"`
	// ImplementationReportedAt is when every report of any kind was filed.
	ImplementationReportedAt []time.Time `db:"implementation_reported_at"`
	EndedAt                  *time.Time  `db:"ended_at"`

	// Before the procedure (catalogue_membership_facts, owned by
	// catalogue/): the body's setting and the catalogue entry, if any.
	CatalogueRequired       bool       `db:"catalogue_required"`
	CatalogueItemID         *int64     `db:"catalogue_item_id"`
	CatalogueItemStatus     *string    `db:"catalogue_item_status"`
	CataloguePlannedQuarter *int       `db:"catalogue_planned_quarter"`
	CatalogueYear           *int       `db:"catalogue_year"`
	CatalogueStatus         *string    `db:"catalogue_status"`
	CatalogueLinkedAt       *time.Time `db:"catalogue_linked_at"`
}

// surveyHeld reports whether a closed survey reached the responses it
// needed (issue 13: a survey with too few responses measured no opinion).
func (f Facts) surveyHeld() bool {
	return f.SurveyClosedAt != nil && f.SurveyResponses >= max(f.SurveyTarget, 1)
}

// inCatalogue reports whether the decision carries out an active entry of a
// published catalogue.
func (f Facts) inCatalogue() bool {
	return f.CatalogueItemID != nil && f.CatalogueItemStatus != nil && *f.CatalogueItemStatus == "active" &&
		f.CatalogueStatus != nil && *f.CatalogueStatus == "published"
}

// Step is one statutory step of a decision and where it stands.
type Step struct {
	Key    string     `json:"key"`
	Title  string     `json:"title"`
	Basis  string     `json:"basis"`
	State  StepState  `json:"state"`
	Due    *time.Time `json:"due,omitempty"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	// Note says why a step was skipped or is a problem, in Chinese.
	Note string `json:"note,omitempty"`
	// Provisional marks a deadline past the years the working-day calendar
	// covers: counted on weekends only until that year's notice is loaded
	// (DOMAIN.md, "Time": never computed silently).
	Provisional bool `json:"provisional,omitempty"`
}

// livelihoodDomains are the six domains where a survey is expected
// (national indicator system for demonstration cities, 2021).
var livelihoodDomains = map[string]bool{"education_culture": true, "health": true, "food_safety": true,
	"resources": true, "environment": true, "public_utilities": true}

// stageOrder ranks the procedure stages, so "beyond a stage" can be asked.
var stageOrder = map[string]int{"drafting": 0, "consulting": 1, "handling": 2, "under_review": 3,
	"deliberation": 4, "published": 5, "in_effect": 6, "suspended": 6, "evaluated": 7, "ended": 8}

func beyond(status, stage string) bool {
	r, ok := stageOrder[status]
	return ok && r > stageOrder[stage]
}

// minConsultationDays is Decree 713 Art. 15's window: at least 30 days,
// shorter only with a reason stated at opening.
const minConsultationDays = 30

// minReviewWorkingDays is Art. 26: review takes generally not less than 7
// working days.
const minReviewWorkingDays = 7

// Steps computes where each statutory step of the decision stands at now,
// with deadlines on the working-day calendar. A withdrawn decision has no
// open steps.
func Steps(f Facts, cal workday.Calendar, lim Limits, now time.Time) []Step {
	withdrawn := f.Status == "withdrawn"
	out := make([]Step, 0, 10) // the steps below: one allocation per decision
	add := func(st Step) {
		if withdrawn && (st.State == StepDue || st.State == StepOverdue || st.State == StepNotYet) {
			st.State, st.Due, st.Note = StepNotApplicable, nil, "决策事项已撤回"
		}
		out = append(out, st)
	}
	due := func(st Step, deadline time.Time) Step {
		st.Due = &deadline
		st.State = StepDue
		// The deadline is 24:00 of its last day (AddWorkingDays), which is
		// 00:00 of the next: the last day counted is the one to check, or a
		// deadline on 31 December reads as past the calendar.
		st.Provisional = !cal.Covers(deadline.Add(-time.Nanosecond))
		if now.After(deadline) {
			st.State = StepOverdue
		}
		return st
	}

	add(catalogueStep(f))

	// Public consultation, Art. 15: ≥30 days or a public reason.
	cons := Step{Key: "consultation", Title: "公开征求意见", Basis: "第十五条"}
	switch {
	case f.NotDisclosable:
		cons.State, cons.Note = StepSkipped, "依法不予公开征求意见："+f.NotDisclosableReason
	case f.ConsultationOpensAt != nil:
		cons.State, cons.DoneAt = StepDone, f.ConsultationOpensAt
		days := int(f.ConsultationEndsAt.Sub(*f.ConsultationOpensAt).Hours() / 24)
		if days < minConsultationDays {
			if reason := deref(f.ShorteningReason); reason == "" {
				cons.State, cons.Note = StepProblem, "征求意见期限少于30日且未说明理由"
			} else {
				cons.Note = "征求意见期限缩短，理由已公开：" + reason
			}
		}
	case beyond(f.Status, "drafting"):
		cons.State, cons.Note = StepProblem, "未经公开征求意见即进入后续程序"
	default:
		cons.State = StepNotYet
	}
	add(cons)

	// Adoption report before the review, Art. 18 and 29.
	rep := Step{Key: "adoption_report", Title: "公布意见采纳情况", Basis: "第十八条"}
	switch {
	case f.NotDisclosable:
		rep.State, rep.Note = StepSkipped, "未公开征求意见，无需公布采纳情况"
	case f.AdoptionReportPublishedAt != nil:
		rep.State, rep.DoneAt = StepDone, f.AdoptionReportPublishedAt
		if f.ReviewSubmittedAt != nil && f.ReviewSubmittedAt.Before(*f.AdoptionReportPublishedAt) {
			rep.State, rep.Note = StepProblem, "采纳情况说明晚于送审"
		} else if f.ConsultationClosedAt != nil {
			lateAfter(&rep, cal.AddWorkingDays(*f.ConsultationClosedAt, lim.AdoptionReportWorkingDays))
		}
	case f.ConsultationClosedAt != nil:
		rep = due(rep, cal.AddWorkingDays(*f.ConsultationClosedAt, lim.AdoptionReportWorkingDays))
	default:
		rep.State = StepNotYet
	}
	add(rep)

	// Survey or written waiver in the livelihood domains (national indicator).
	sv := Step{Key: "survey", Title: "民意调查或书面说明", Basis: "法治政府建设示范指标"}
	switch {
	case !livelihoodDomains[f.Domain]:
		sv.State = StepNotApplicable
	case f.SurveyWaivedAt != nil:
		sv.State, sv.DoneAt, sv.Note = StepSkipped, f.SurveyWaivedAt, "书面说明不开展民意调查："+deref(f.SurveyWaiverReason)
	case f.surveyHeld():
		sv.State, sv.DoneAt = StepDone, f.SurveyClosedAt
	case f.ReviewSubmittedAt != nil:
		sv.State, sv.Note = StepProblem, "民生领域事项送审前未开展民意调查（或答卷未达预定数），也无书面说明"
	case f.ConsultationClosedAt != nil:
		sv.State, sv.Note = StepDue, "送审前须完成民意调查或书面说明"
		sv.Due = f.ConsultationClosedAt
		// A survey still missing when the adoption report was due is late.
		if d := cal.AddWorkingDays(*f.ConsultationClosedAt, lim.AdoptionReportWorkingDays); now.After(d) {
			sv.State, sv.Due = StepOverdue, &d
		}
	default:
		sv.State = StepNotYet
	}
	add(sv)

	// Legality review, Art. 25–28: ≥7 working days; the office's limit on top.
	rv := Step{Key: "legality_review", Title: "合法性审查", Basis: "第二十五条至第二十八条"}
	switch {
	case f.ConcludedAt != nil:
		rv.State, rv.DoneAt = StepDone, f.ConcludedAt
		if f.ReviewReceivedAt != nil && cal.WorkingDaysBetween(*f.ReviewReceivedAt, *f.ConcludedAt) < minReviewWorkingDays &&
			(f.ExpediteReason == nil || *f.ExpediteReason == "") {
			rv.State, rv.Note = StepProblem, "审查时间少于7个工作日且未说明理由"
		} else if f.ReviewReceivedAt != nil {
			lateAfter(&rv, cal.AddWorkingDays(*f.ReviewReceivedAt, lim.ReviewWorkingDays))
		}
	case f.ReviewReceivedAt != nil:
		rv = due(rv, cal.AddWorkingDays(*f.ReviewReceivedAt, lim.ReviewWorkingDays))
	case beyond(f.Status, "under_review"):
		rv.State, rv.Note = StepProblem, "未经合法性审查即进入后续程序"
	default:
		rv.State = StepNotYet
	}
	add(rv)

	// Legal advisers' opinions before the conclusion.
	op := Step{Key: "legal_opinion", Title: "法律顾问、公职律师意见", Basis: "第二十七条"}
	switch {
	case f.Opinions > 0:
		op.State, op.DoneAt = StepDone, f.FirstOpinionAt
	case f.ConcludedAt != nil:
		op.State, op.Note = StepProblem, "审查意见作出前无法律顾问意见"
	case f.ReviewReceivedAt != nil:
		op.State, op.Due = StepDue, rv.Due
		if rv.State == StepOverdue {
			op.State = StepOverdue
		}
	default:
		op.State = StepNotYet
	}
	add(op)

	// Collective deliberation, Art. 30.
	dl := Step{Key: "deliberation", Title: "集体讨论决定", Basis: "第三十条"}
	switch {
	case f.DeliberationDate != nil:
		dl.State, dl.DoneAt = StepDone, f.DeliberationDate
	case beyond(f.Status, "deliberation"):
		dl.State, dl.Note = StepProblem, "未经集体讨论即公布"
	case f.Status == "deliberation":
		dl.State = StepDue
	default:
		dl.State = StepNotYet
	}
	add(dl)

	// Report to the Party committee, Art. 31.
	pr := Step{Key: "party_report", Title: "向同级党委请示报告", Basis: "第三十一条"}
	switch {
	case f.PartyReportDate != nil:
		pr.State, pr.DoneAt = StepDone, f.PartyReportDate
	case f.DeliberationDate != nil:
		pr.State = StepDue
	default:
		pr.State = StepNotYet
	}
	add(pr)

	// Publication, Art. 32: "及时公布"; the office's limit.
	pub := Step{Key: "publication", Title: "决策公布", Basis: "第三十二条"}
	switch {
	case f.PublishedAt != nil:
		pub.State, pub.DoneAt = StepDone, f.PublishedAt
		if f.DeliberationDate != nil {
			lateAfter(&pub, cal.AddWorkingDays(*f.DeliberationDate, lim.PublicationWorkingDays))
		}
	case f.DeliberationDate != nil:
		pub = due(pub, cal.AddWorkingDays(*f.DeliberationDate, lim.PublicationWorkingDays))
	default:
		pub.State = StepNotYet
	}
	add(pub)

	add(implementationStep(f, due))
	return out
}

// catalogueStep is catalogue membership (决策事项目录, Decree 713 Art. 3(3);
// Henan Decree 210 Art. 4). The law says a body "may" require it; where its
// setting does, the entry must exist before the item goes to the public and
// again before review (the catalogue package's gate catalogue_entry_required
// at both): due while drafting, consulting or handling (the setting may have
// been turned on, or the entry removed, after consultation opened), a
// problem once the decision went to review without it. The law sets no date,
// so the step has none.
func catalogueStep(f Facts) Step {
	st := Step{Key: "catalogue", Title: "列入决策事项目录", Basis: "第三条第三款"}
	switch {
	case f.inCatalogue():
		st.State, st.DoneAt = StepDone, f.CatalogueLinkedAt
		if f.CatalogueYear != nil && f.CataloguePlannedQuarter != nil {
			st.Note = fmt.Sprintf("已列入%d年决策事项目录（计划第%d季度）", *f.CatalogueYear, *f.CataloguePlannedQuarter)
		}
	case !f.CatalogueRequired:
		st.State, st.Note = StepNotApplicable, "决策机关未要求先列入决策事项目录"
	case beyond(f.Status, "handling"):
		st.State, st.Note = StepProblem, "决策机关要求先列入目录，本事项未列入公布的目录即送审"
	default:
		st.State, st.Note = StepDue, "征求意见、送审前须关联已公布的决策事项目录中的事项"
	}
	return st
}

// implementationStep is the implementing unit's periodic report (Decree
// 713 Art. 34–35), due on the schedule the body set at publication:
// implementation.NextReportDue from the effective date or the last period
// reported, late after the end of that day (implementation.ReportDeadline),
// the rule the implementation pages apply. A suspended decision reports
// nothing while suspended; an ended one nothing more.
func implementationStep(f Facts, due func(Step, time.Time) Step) Step {
	st := Step{Key: "implementation_report", Title: "执行情况定期报告", Basis: "第三十四条、第三十五条"}
	if n := len(f.PeriodicReportedAt); n > 0 {
		st.DoneAt = &f.PeriodicReportedAt[n-1]
	}
	switch {
	case f.PublishedAt == nil || f.EffectiveOn == nil || f.ReportIntervalDays == nil:
		st.State = StepNotYet
	case f.Status == "ended":
		st.State, st.Note = StepNotApplicable, "决策已停止执行"
	case f.Status == "suspended":
		st.State, st.Note = StepSkipped, "决策暂停执行期间不作定期报告"
	default:
		next := implementation.NextReportDue(*f.EffectiveOn, *f.ReportIntervalDays, f.PeriodicReportEnds)
		st = due(st, implementation.ReportDeadline(next))
		st.Note = fmt.Sprintf("每%d日报告一次，已定期报告%d次；下次报告截至%s", *f.ReportIntervalDays,
			len(f.PeriodicReportEnds), next.Format("2006年1月2日"))
	}
	return st
}

// lateAfter marks a step done after its deadline as done late.
func lateAfter(st *Step, deadline time.Time) {
	st.Due = &deadline
	if st.DoneAt != nil && st.DoneAt.After(deadline) {
		st.State, st.Note = StepProblem, "逾期完成（期限"+deadline.AddDate(0, 0, -1).Format("2006年1月2日")+"）"
	}
}
