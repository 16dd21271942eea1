package consultation

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
)

// The decision's own row as the record keeps it. Every page, gate and
// supervision count reads the decisions row (its domain decides whether a
// survey is required, its lead unit who may act, its stage what may come
// next), and no trigger guards it; decision_created and decision_updated
// entries carry its fields (decisionRecord) and stage_changed entries its
// stage. Verification re-reads the row against the latest of them, online
// and, in an exported archive, from decision.json (the row as exported).
func init() {
	record.RegisterCheck(record.Check{Name: "decision fields and stage", Label: "决策事项的基本信息和所处阶段", Online: checkDecisionRow,
		Offline: checkArchivedDecision})
}

// checkArchivedDecision is checkDecisionRow on an archive: decision.json
// against the record.json entries.
func checkArchivedDecision(files map[string][]byte, entries []record.Entry) (int64, string) {
	if len(entries) == 0 || !record.VerifyChain(entries[0].DecisionID, entries).OK {
		return 0, ""
	}
	data, ok := files["decision.json"]
	if !ok {
		return entries[0].Seq, fmt.Sprintf("entry %d: the decision it records is not in the archive (decision.json)", entries[0].Seq)
	}
	var a archiveDecision
	if err := json.Unmarshal(data, &a); err != nil {
		return 0, fmt.Sprintf("decision.json cannot be read: %v", err)
	}
	d := Decision{Title: a.Title, Summary: a.Summary, Category: a.Category, Domain: a.Domain, DecisionBodyCode: a.DecisionBody,
		LeadAgencyCode: a.LeadAgency, CoAgencyIDs: a.CoAgencyIDs, Technical: a.Technical, StabilityRisk: a.StabilityRisk,
		AffectsSpecificGroups: a.AffectsSpecificGroups, MarketRelated: a.MarketRelated, NotDisclosable: a.NotDisclosable,
		NotDisclosableReason: a.NotDisclosableReason, PlannedDecisionDate: a.PlannedDecisionDate, Status: a.Status}
	return decisionRowProblem(d, entries)
}

func checkDecisionRow(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check; an entry changed in it
	// (its kind, say) must not be blamed on an earlier one here.
	if len(entries) == 0 || !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	d, err := getDecision(ctx, q, decisionID, false)
	if errs.HasCode(err, "decision_not_found") {
		return entries[0].Seq, fmt.Sprintf("entry %d: the decision it records is not stored", entries[0].Seq), nil
	}
	if err != nil {
		return 0, "", err
	}
	seq, problem := decisionRowProblem(d, entries)
	return seq, problem, nil
}

// decisionRowProblem compares the decision's fields and stage with the
// latest entries that record them.
func decisionRowProblem(d Decision, entries []record.Entry) (int64, string) {
	var fields *record.Entry
	stage, stageSeq := string(StatusDrafting), entries[0].Seq
	for i, e := range entries {
		switch e.Kind {
		case RecordDecisionCreated, RecordDecisionUpdated:
			fields = &entries[i]
		case RecordStageChanged:
			p, err := record.ParsePayload(e.Payload)
			if err != nil {
				return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err)
			}
			stage, stageSeq = record.PayloadString(p, "to"), e.Seq
		}
	}
	var seq int64
	var problem string
	if fields != nil {
		if changed, err := changedFields(fields.Payload, decisionRecord(d)); err != nil {
			return fields.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", fields.Seq, err)
		} else if len(changed) > 0 {
			seq, problem = fields.Seq, fmt.Sprintf("entry %d (%s): the decision's %s differ from what was recorded", fields.Seq, fields.Kind,
				strings.Join(changed, ", "))
		}
	}
	if string(d.Status) != stage && (problem == "" || stageSeq < seq) {
		seq, problem = stageSeq, fmt.Sprintf("entry %d: the decision is at stage %s, but the record has it at stage %s", stageSeq, d.Status, stage)
	}
	return seq, problem
}

// changedFields names the fields of the recorded payload whose current
// value differs (a field an older entry did not record is not compared).
func changedFields(recorded string, current map[string]any) ([]string, error) {
	was, err := record.ParsePayload(recorded)
	if err != nil {
		return nil, err
	}
	body, err := record.CanonicalJSON(current)
	if err != nil {
		return nil, err
	}
	now, err := record.ParsePayload(string(body))
	if err != nil {
		return nil, err
	}
	var changed []string
	for k, v := range was {
		cur, ok := now[k]
		if !ok {
			continue
		}
		a, _ := record.CanonicalJSON(v)
		b, _ := record.CanonicalJSON(cur)
		if string(a) != string(b) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return changed, nil
}
