package implementation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
)

// ReportKind is the kind of an implementation report (Decree 713 Art. 35).
type ReportKind string

// The report kinds.
const (
	ReportPeriodic    ReportKind = "periodic"     // 定期报告
	ReportProblem     ReportKind = "problem"      // 发现问题
	ReportMajorChange ReportKind = "major_change" // 客观情况发生重大变化
)

// ReportKindNames are the Chinese names.
var ReportKindNames = map[ReportKind]string{ReportPeriodic: "定期报告", ReportProblem: "问题报告", ReportMajorChange: "重大变化报告"}

// Report is an implementing unit's report.
type Report struct {
	ID             int64
	DecisionID     int64
	AgencyID       int64
	AgencyName     string
	Kind           ReportKind
	PeriodEnd      time.Time
	Progress       string
	Problems       string
	EffectAchieved bool
	RecordSeq      int64
	CreatedAt      time.Time
}

// ReportInput is a report to submit.
type ReportInput struct {
	Kind           ReportKind
	PeriodEnd      time.Time
	Progress       string
	Problems       string
	EffectAchieved bool
}

// Schedule is the reporting schedule the decision body set at publication.
type Schedule struct {
	ImplementingAgencyCode string
	ImplementingAgencyName string
	IntervalDays           int
	// NextDue is when the next periodic report is due: the effective date,
	// or the last periodic report's period end, plus the interval.
	NextDue time.Time
	Overdue bool
}

// SubmitImplementationReport records the implementing unit's report
// (Decree 713 Art. 35: 定期向决策机关报告；发现问题或客观情况发生重大变化的，
// 应当及时报告). Only staff of the implementing unit named at publication may
// call it. Codes: decision_not_found, not_implementing_unit (403),
// invalid_report_kind, period_end_required, period_end_in_future,
// progress_required, progress_too_long, problems_required,
// problems_too_long (422), decision_not_published (409).
func (s *Service) SubmitImplementationReport(ctx context.Context, actor *identity.Account, decisionID int64, in ReportInput) (Report, error) {
	if ReportKindNames[in.Kind] == "" {
		return Report{}, errs.InvalidField("invalid_report_kind", "kind", "报告类型须为 periodic（定期）、problem（问题）或 major_change（重大变化）")
	}
	progress, err := errs.Text("progress", "执行情况", in.Progress, 20_000, true)
	if err != nil {
		return Report{}, err
	}
	problems, err := errs.Text("problems", "发现的问题", in.Problems, 20_000, in.Kind != ReportPeriodic)
	if err != nil {
		return Report{}, err
	}
	if in.PeriodEnd.IsZero() {
		return Report{}, errs.InvalidField("period_end_required", "period_end", "请填写报告所截至的日期")
	}
	today := s.now().In(workday.Location())
	if in.PeriodEnd.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
		return Report{}, errs.InvalidField("period_end_in_future", "period_end", "报告截至日期不能晚于今天")
	}
	pub, err := s.Consultation.GetPublication(ctx, actor, decisionID)
	if err != nil {
		return Report{}, err
	}
	var out Report
	implementingUnit := func(actor *identity.Account, _ *consultation.Decision) error {
		if !actor.IsStaffOf(pub.ImplementingAgencyID) {
			return errs.Forbidden("not_implementing_unit", "只有公布时确定的执行单位（"+pub.ImplementingAgencyName+"）可以报告执行情况")
		}
		return nil
	}
	err = s.withPublished(ctx, actor, decisionID, implementingUnit, func(tx pgx.Tx, d consultation.Decision) error {
		date := time.Date(in.PeriodEnd.Year(), in.PeriodEnd.Month(), in.PeriodEnd.Day(), 0, 0, 0, 0, time.UTC)
		now := s.now()
		out = Report{DecisionID: d.ID, AgencyID: pub.ImplementingAgencyID, AgencyName: pub.ImplementingAgencyName, Kind: in.Kind,
			PeriodEnd: date, Progress: progress, Problems: problems, EffectAchieved: in.EffectAchieved, CreatedAt: now}
		if err := s.Record.Append(ctx, tx, d.ID, consultation.RecordActor(actor), RecordReport, map[string]any{"kind": in.Kind,
			"period_end": date.Format(time.DateOnly), "implementing_agency": pub.ImplementingAgencyCode, "progress_sha256": consultation.SHA256Hex([]byte(progress)),
			"problems": problems, "effect_achieved": in.EffectAchieved, "basis": ReportBasis}); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT max(seq) FROM record_entries WHERE decision_id = $1`, d.ID).Scan(&out.RecordSeq); err != nil {
			return errs.Internal(err)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO implementation_reports (decision_id, agency_id, kind, period_end, progress, problems, effect_achieved,
			reported_by, record_seq, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, d.ID, out.AgencyID, in.Kind, date,
			progress, problems, in.EffectAchieved, actor.ID, out.RecordSeq, now).Scan(&out.ID); err != nil {
			return err
		}
		if err := events.Emit(ctx, tx, events.Event{Kind: events.ImplementationReportSubmitted, OccurredAt: now, DecisionID: d.ID,
			AgencyID: d.LeadAgencyID, Domain: string(d.Domain), SubjectType: events.SubjectImplementationReport, SubjectIDs: []int64{out.ID},
			Public: !d.NotDisclosable, Payload: map[string]any{"decision_title": d.Title, "report_kind": in.Kind,
				"period_end": date.Format(time.DateOnly)}}); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	return out, nil
}

func queryReports(ctx context.Context, q pgrows.Querier, decisionID int64) ([]Report, error) {
	return pgrows.AllByPos[Report](ctx, q, `SELECT r.id, r.decision_id, r.agency_id, a.name, r.kind, r.period_end, r.progress,
		r.problems, r.effect_achieved, r.record_seq, r.created_at
		FROM implementation_reports r JOIN agencies a ON a.id = r.agency_id WHERE r.decision_id = $1 ORDER BY r.id`, decisionID)
}

// ListImplementationReports returns a decision's implementation reports,
// oldest first, with the reporting schedule. Anyone who may see the
// published decision may call it: the implementation of a public decision
// is public (Art. 35). Codes: decision_not_found, publication_not_found.
func (s *Service) ListImplementationReports(ctx context.Context, actor *identity.Account, decisionID int64) ([]Report, Schedule, error) {
	pub, err := s.Consultation.GetPublication(ctx, actor, decisionID)
	if err != nil {
		return nil, Schedule{}, err
	}
	list, err := queryReports(ctx, s.DB, decisionID)
	if err != nil {
		return nil, Schedule{}, err
	}
	sch := Schedule{ImplementingAgencyCode: pub.ImplementingAgencyCode, ImplementingAgencyName: pub.ImplementingAgencyName,
		IntervalDays: pub.ReportIntervalDays}
	var ends []time.Time
	for _, r := range list {
		if r.Kind == ReportPeriodic {
			ends = append(ends, r.PeriodEnd)
		}
	}
	sch.NextDue = NextReportDue(pub.EffectiveOn, pub.ReportIntervalDays, ends)
	sch.Overdue = afterPublication(pub.Status) && s.now().After(ReportDeadline(sch.NextDue))
	return list, sch, nil
}

// NextReportDue is the date the next periodic report is due (Decree 713
// Art. 35: the implementing unit reports on the schedule the body set at
// publication): the effective date, or the latest period a periodic report
// covered, plus the interval. periodicEnds are the periods the periodic
// reports filed so far cover. Supervision applies the same rule
// (implementation_compliance_facts), so the desk and this page agree.
func NextReportDue(effectiveOn time.Time, intervalDays int, periodicEnds []time.Time) time.Time {
	from := effectiveOn
	for _, e := range periodicEnds {
		if e.After(from) {
			from = e
		}
	}
	return from.AddDate(0, 0, intervalDays)
}

// ReportDeadline is the instant a report due on the date due is late: the
// end of that day in Asia/Shanghai (times are shown there, DOMAIN.md).
func ReportDeadline(due time.Time) time.Time {
	return time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, workday.Location())
}
