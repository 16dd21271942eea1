package consultation

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
)

// PreDecisionAssessors returns who did the decision's pre-decision
// argumentation and risk assessment: each risk assessment's assessor and
// each expert's name and affiliation. Decree 713 Art. 36 forbids them as
// the post-evaluation's evaluator ("决策后评估…不得由…承担论证评估工作的
// 单位…承担"). For the implementation package, inside its transaction.
func PreDecisionAssessors(ctx context.Context, tx pgx.Tx, decisionID int64) ([]string, error) {
	rows, err := tx.Query(ctx, `SELECT kind, content FROM procedure_documents WHERE decision_id = $1 AND kind IN ('risk_assessment', 'expert_argumentation')
		ORDER BY id`, decisionID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	var kind string
	var content []byte
	if _, err := pgx.ForEachRow(rows, []any{&kind, &content}, func() error {
		switch DocumentKind(kind) {
		case DocRiskAssessment:
			var r RiskAssessment
			if err := json.Unmarshal(content, &r); err != nil {
				return err
			}
			add(r.Assessor)
		case DocExpertArgumentation:
			var e ExpertArgumentation
			if err := json.Unmarshal(content, &e); err != nil {
				return err
			}
			for _, x := range e.Experts {
				add(x.Name)
				add(x.Affiliation)
			}
		}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}
