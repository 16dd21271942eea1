package consultation

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
)

// Residents' implementation feedback (Decree 713 Art. 35) counts towards
// the feedback_volume trigger of a post-evaluation (Art. 36); each piece's
// entry holds the SHA-256 of its text. Verification re-reads every row of
// the decision against its entry: the stored hash must be the recorded one
// and the text must match it, unless the resident deleted their data (the
// text is then DeletedFeedbackBody and the hash stays); a row no entry
// records is named too.
func init() {
	record.RegisterCheck(record.Check{Name: "implementation feedback", Label: "公众对决策执行的意见反馈", Online: checkFeedback})
}

func checkFeedback(ctx context.Context, q record.Querier, decisionID int64, entries []record.Entry) (int64, string, error) {
	// A broken chain is named by the chain check (checkDecisionRow).
	if !record.VerifyChain(decisionID, entries).OK {
		return 0, "", nil
	}
	recorded := map[int64]record.Entry{}
	for _, e := range entries {
		if e.Kind != RecordImplementationFeedback {
			continue
		}
		p, err := record.ParsePayload(e.Payload)
		if err != nil {
			return e.Seq, fmt.Sprintf("entry %d: payload is not a JSON object: %v", e.Seq, err), nil
		}
		id, _ := record.PayloadInt(p, "feedback_id")
		recorded[id] = e
	}
	rows, err := q.Query(ctx, `SELECT id, body, body_hash FROM implementation_feedback WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return 0, "", err
	}
	var seq int64
	var problem string
	var id int64
	var body, hash string
	seen := map[int64]bool{}
	_, err = pgx.ForEachRow(rows, []any{&id, &body, &hash}, func() error {
		seen[id] = true
		e, ok := recorded[id]
		var at int64
		var p string
		switch {
		case !ok:
			p = fmt.Sprintf("implementation feedback %d is stored but no %s entry records it", id, RecordImplementationFeedback)
		case hash != payloadHash(e):
			at, p = e.Seq, fmt.Sprintf("entry %d (%s): feedback %d's text hash differs from the recorded one", e.Seq, e.Kind, id)
		case body != DeletedFeedbackBody && record.SHA256Hex([]byte(body)) != hash:
			at, p = e.Seq, fmt.Sprintf("entry %d (%s): feedback %d's text does not match its hash: changed after it was sent", e.Seq, e.Kind, id)
		default:
			return nil
		}
		if problem == "" || (at != 0 && (seq == 0 || at < seq)) {
			seq, problem = at, p
		}
		return nil
	})
	if err != nil {
		return 0, "", err
	}
	for _, e := range entries {
		if e.Kind != RecordImplementationFeedback {
			continue
		}
		p, _ := record.ParsePayload(e.Payload)
		if id, _ := record.PayloadInt(p, "feedback_id"); !seen[id] && (problem == "" || seq == 0 || e.Seq < seq) {
			seq, problem = e.Seq, fmt.Sprintf("entry %d (%s): the feedback %d it records is not stored", e.Seq, e.Kind, id)
		}
	}
	return seq, problem, nil
}

// payloadHash is the text hash a feedback entry records.
func payloadHash(e record.Entry) string {
	p, _ := record.ParsePayload(e.Payload)
	return record.PayloadString(p, "body_sha256")
}
