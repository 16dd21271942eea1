package implementation

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
)

// What the record says of the rows this package serves: a report's entry
// carries the SHA-256 of its progress text and its kind, date, problems and
// effect; a post-evaluation report's entry the SHA-256 of the report and
// its outcome. Supervision and the public read the rows, so verification
// re-reads them against their entries (a row rewritten with the triggers
// off verified before), and a report row no entry records is named too.
func init() {
	record.RegisterCheck(record.Check{Name: "implementation reports and post-evaluations", Label: "决策执行情况报告和决策后评估报告", Online: checkRecorded})
}

// recordedReport is an implementation report as the check reads it.
type recordedReport struct {
	ID             int64
	RecordSeq      int64
	Kind           string
	PeriodEnd      time.Time
	Progress       string
	Problems       string
	EffectAchieved bool
}

// recordedEvaluation is a post-evaluation as the check reads it.
type recordedEvaluation struct {
	ID                  int64
	Evaluator           string
	Status              string
	Report              string
	Outcome             *string
	PublicParticipation string
}

func checkRecorded(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check, at the entry changed.
	if !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	rows, err := q.Query(ctx, `SELECT id, record_seq, kind, period_end, progress, problems, effect_achieved
		FROM implementation_reports WHERE decision_id = $1 ORDER BY id`, decisionID)
	reports, err := collect[recordedReport](rows, err)
	if err != nil {
		return 0, "", err
	}
	rows, err = q.Query(ctx, `SELECT id, evaluator, status, report, outcome, public_participation
		FROM post_evaluations WHERE decision_id = $1 ORDER BY id`, decisionID)
	evaluations, err := collect[recordedEvaluation](rows, err)
	if err != nil {
		return 0, "", err
	}
	bySeq := make(map[int64]recordedReport, len(reports))
	for _, r := range reports {
		bySeq[r.RecordSeq] = r
	}
	byID := make(map[int64]recordedEvaluation, len(evaluations))
	for _, ev := range evaluations {
		byID[ev.ID] = ev
	}
	for _, e := range entries {
		if e.Kind != RecordReport && e.Kind != RecordEvaluationReported {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err), nil
		}
		var problem string
		if e.Kind == RecordReport {
			problem = checkReport(p, bySeq[e.Seq], bySeq[e.Seq].ID != 0)
		} else {
			id, _ := record.PayloadInt(p, "evaluation_id")
			ev, ok := byID[id]
			problem = checkEvaluation(p, ev, ok)
		}
		if problem != "" {
			return e.Seq, fmt.Sprintf("entry %d (%s): %s", e.Seq, e.Kind, problem), nil
		}
	}
	for _, r := range reports {
		if r.RecordSeq < 1 || r.RecordSeq > int64(len(entries)) || entries[r.RecordSeq-1].Kind != RecordReport {
			return 0, fmt.Sprintf("implementation report %d is stored but no %s entry records it", r.ID, RecordReport), nil
		}
	}
	return 0, "", nil
}

func checkReport(p map[string]any, r recordedReport, found bool) string {
	if !found {
		return "the implementation report it records is not stored"
	}
	effect, _ := p["effect_achieved"].(bool)
	switch {
	case record.PayloadString(p, "progress_sha256") != consultation.SHA256Hex([]byte(r.Progress)):
		return fmt.Sprintf("implementation report %d: its progress text was changed after it was recorded", r.ID)
	case record.PayloadString(p, "problems") != r.Problems || effect != r.EffectAchieved ||
		record.PayloadString(p, "kind") != r.Kind || record.PayloadString(p, "period_end") != r.PeriodEnd.Format(time.DateOnly):
		return fmt.Sprintf("implementation report %d: its kind, date, problems or effect differ from what was recorded", r.ID)
	}
	return ""
}

func checkEvaluation(p map[string]any, ev recordedEvaluation, found bool) string {
	if !found {
		return "the post-evaluation it records is not stored"
	}
	outcome := ""
	if ev.Outcome != nil {
		outcome = *ev.Outcome
	}
	switch {
	case ev.Status == "in_progress" || record.PayloadString(p, "report_sha256") != consultation.SHA256Hex([]byte(ev.Report)):
		return fmt.Sprintf("post-evaluation %d: its report was changed after it was recorded", ev.ID)
	case record.PayloadString(p, "outcome") != outcome || record.PayloadString(p, "evaluator") != ev.Evaluator ||
		record.PayloadString(p, "public_participation") != ev.PublicParticipation:
		return fmt.Sprintf("post-evaluation %d: its outcome, evaluator or public participation differ from what was recorded", ev.ID)
	}
	return ""
}

func collect[T any](rows pgx.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[T])
}
