package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Gate is one named check a stage change must pass, with its legal basis.
// Every stage change goes through transition, which runs the gates of the
// target stage; a refusal lists every failed gate.
type Gate struct {
	Code    string // stable code reported when the check fails
	Basis   string // legal basis, e.g. "Decree 713 Art. 19"
	Title   string // what is checked, in Chinese
	Message string // why it failed, in Chinese
	// Applies reports whether the gate concerns this decision at all (a
	// gate for technical decisions does not apply to others).
	Applies func(d *Decision) bool
	// Check reports whether the gate passes.
	Check func(ctx context.Context, st *GateState) (bool, error)
	// Deferred reports that the gate checks what is given only at the
	// step itself (the window and the ways to comment, entered when the
	// consultation opens): in a checklist before that step it is not yet
	// applicable rather than passed.
	Deferred func(st *GateState) bool
}

// GateState is what gates read: the decision inside the transaction that
// changes it, and the clock.
type GateState struct {
	Tx       pgx.Tx
	Decision *Decision
	Now      time.Time
	// Opening carries the consultation being opened, for the window gates.
	Opening *ConsultationInput
}

// stageRule says from which stages a stage may be entered and what it needs.
type stageRule struct {
	from  []Status
	gates []Gate
}

// stageBasis is the article that orders the stages leading to each one,
// cited when a decision is refused a stage from where it stands.
var stageBasis = map[Status]string{
	StatusConsulting:   "Decree 713 Art. 14",
	StatusHandling:     "Decree 713 Art. 18",
	StatusUnderReview:  "Decree 713 Art. 24",
	StatusDeliberation: "Decree 713 Art. 30",
	StatusPublished:    "Decree 713 Art. 30, 32",
	StatusInEffect:     "Decree 713 Art. 33",
	StatusSuspended:    "Decree 713 Art. 37",
	StatusEvaluated:    "Decree 713 Art. 36",
	StatusEnded:        "Decree 713 Art. 37",
}

// stageRules is the procedure of DOMAIN.md. Later features append their gates
// with addGate in their own files (comments, surveys, legality review).
var stageRules = map[Status]*stageRule{
	StatusConsulting: {from: []Status{StatusDrafting}},
	// From under_review when the review department returns the package
	// (退回, Decree 713 Art. 26): the lead unit reworks it and resubmits.
	StatusHandling: {from: []Status{StatusConsulting, StatusDrafting, StatusUnderReview}},
	// From drafting only for a decision withheld from consultation
	// (not_disclosable, Decree 713 Art. 14): it skips consulting and
	// handling (gate consultation_required_before_review).
	StatusUnderReview:  {from: []Status{StatusHandling, StatusDrafting}},
	StatusDeliberation: {from: []Status{StatusUnderReview}},
	StatusPublished:    {from: []Status{StatusDeliberation}},
	// From suspended when the suspension is lifted, from evaluated when
	// the post-evaluation concludes (Decree 713 Art. 36–37).
	StatusInEffect: {from: []Status{StatusPublished, StatusSuspended, StatusEvaluated}},
	// Back from evaluated when the head suspended the decision before its
	// post-evaluation and has not lifted the suspension (Art. 37).
	StatusSuspended: {from: []Status{StatusInEffect, StatusPublished, StatusEvaluated}},
	StatusEvaluated: {from: []Status{StatusInEffect, StatusSuspended}},
	StatusEnded:     {from: []Status{StatusInEffect, StatusSuspended, StatusEvaluated}},
	// Decree 713 has no stage after which a decision item may not be
	// dropped before it is decided; after publication it is suspended
	// (Art. 37) rather than withdrawn.
	StatusWithdrawn: {from: []Status{StatusDrafting, StatusConsulting, StatusHandling, StatusUnderReview, StatusDeliberation}},
}

func addGate(to Status, g Gate) {
	stageRules[to].gates = append(stageRules[to].gates, g)
}

func always(*Decision) bool { return true }

// recorded is a gate check that passes when find finds the decision's row
// (its adopting meeting, its Party report): find's not-found error, whose
// code is missingCode, fails the gate; any other error is an error.
func recorded[T any](find func(context.Context, querier, int64) (T, error),
	missingCode string) func(context.Context, *GateState) (bool, error) {
	return func(ctx context.Context, st *GateState) (bool, error) {
		_, err := find(ctx, st.Tx, st.Decision.ID)
		if errs.HasCode(err, missingCode) {
			return false, nil
		}
		return err == nil, err
	}
}

// GateResult is the outcome of one gate for a decision.
type GateResult struct {
	Code   string `json:"code"`
	Basis  string `json:"basis"`
	Title  string `json:"title"`
	Passed bool   `json:"passed"`
	// State is passed, failed or not_yet_applicable (a gate checked only
	// at the step itself, with what is entered there).
	State   GateStatus `json:"state"`
	Message string     `json:"message,omitempty"`
}

// GateStatus is the state of a gate in a checklist.
type GateStatus string

// The gate states.
const (
	GatePassed           GateStatus = "passed"
	GateFailed           GateStatus = "failed"
	GateNotYetApplicable GateStatus = "not_yet_applicable"
)

// evaluateGates runs the gates of the target stage that apply.
func evaluateGates(ctx context.Context, st *GateState, to Status) ([]GateResult, error) {
	rule := stageRules[to]
	if rule == nil {
		return nil, nil
	}
	var out []GateResult
	for _, g := range rule.gates {
		if g.Applies != nil && !g.Applies(st.Decision) {
			continue
		}
		if g.Deferred != nil && g.Deferred(st) {
			out = append(out, GateResult{Code: g.Code, Basis: g.Basis, Title: g.Title, State: GateNotYetApplicable})
			continue
		}
		ok, err := g.Check(ctx, st)
		if err != nil {
			return nil, err
		}
		r := GateResult{Code: g.Code, Basis: g.Basis, Title: g.Title, Passed: ok, State: GatePassed}
		if !ok {
			r.Message, r.State = g.Message, GateFailed
		}
		out = append(out, r)
	}
	return out, nil
}

func failed(results []GateResult) []errs.Gate {
	var out []errs.Gate
	for _, r := range results {
		if r.State == GateFailed {
			out = append(out, errs.Gate{Code: r.Code, Basis: r.Basis, Message: r.Message})
		}
	}
	return out
}

// transition moves the decision to stage `to` inside tx: it checks the
// stage may be entered from the current one, runs every gate of the target
// stage, updates the status and appends a stage_changed record entry with
// the payload. This is the one place a stage changes.
func (s *Service) transition(ctx context.Context, tx pgx.Tx, actor *identity.Account, d *Decision, to Status, payload map[string]any) error {
	return s.transitionWith(ctx, tx, actor, d, to, payload, nil)
}

func (s *Service) transitionWith(ctx context.Context, tx pgx.Tx, actor *identity.Account, d *Decision, to Status, payload map[string]any, opening *ConsultationInput) error {
	rule := stageRules[to]
	allowed := false
	for _, f := range rule.from {
		if f == d.Status {
			allowed = true
		}
	}
	if !allowed {
		if to == StatusWithdrawn {
			return errs.Conflict("decision_not_withdrawable", "决策事项处于"+StatusNames[d.Status]+"阶段，不能撤回")
		}
		return &errs.Error{Kind: errs.KindConflict, Code: "stage_transition_not_allowed", Basis: stageBasis[to],
			Message: "决策事项处于" + StatusNames[d.Status] + "阶段，不能进入" + StatusNames[to] + "阶段"}
	}
	st := &GateState{Tx: tx, Decision: d, Now: s.now(), Opening: opening}
	results, err := evaluateGates(ctx, st, to)
	if err != nil {
		return errs.Internal(err)
	}
	if f := failed(results); len(f) > 0 {
		return errs.GatesFailed(f)
	}
	from := d.Status
	now := s.now()
	public := to == StatusConsulting || to == StatusPublished
	if _, err := tx.Exec(ctx, `UPDATE decisions SET status = $2, updated_at = $3,
		public_since = CASE WHEN $4 AND public_since IS NULL THEN $3 ELSE public_since END WHERE id = $1`,
		d.ID, to, now, public); err != nil {
		return errs.Internal(err)
	}
	rec := map[string]any{"from": from, "to": to}
	for k, v := range payload {
		rec[k] = v
	}
	if _, err := s.appendRecord(ctx, tx, d.ID, actor, RecordStageChanged, rec); err != nil {
		return err
	}
	d.Status = to
	if public && d.PublicSince == nil {
		d.PublicSince = &now
	}
	return nil
}

// nextStage is the stage a decision normally goes to next.
func nextStage(d *Decision) Status {
	switch d.Status {
	case StatusDrafting:
		if d.NotDisclosable {
			return StatusUnderReview
		}
		return StatusConsulting
	case StatusConsulting:
		return StatusHandling
	case StatusHandling:
		return StatusUnderReview
	case StatusUnderReview:
		return StatusDeliberation
	case StatusDeliberation:
		return StatusPublished
	case StatusPublished:
		return StatusInEffect
	case StatusInEffect:
		return StatusEvaluated
	}
	return ""
}

// GateReport tells the lead unit what the next stage still needs.
type GateReport struct {
	Status    Status       `json:"status"`
	NextStage Status       `json:"next_stage,omitempty"`
	Ready     bool         `json:"ready"`
	Gates     []GateResult `json:"gates"`
}

// DecisionGates evaluates the gates of the decision's next stage without
// changing anything. Anyone who may see the decision internally may call it.
// Codes: decision_not_found.
func (s *Service) DecisionGates(ctx context.Context, actor *identity.Account, id int64) (GateReport, error) {
	var rep GateReport
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		d, err := internalDecision(ctx, tx, actor, id, errs.Forbidden("not_lead_unit_staff", "只有相关机构的工作人员可以查看程序检查清单"))
		if err != nil {
			return err
		}
		rep = GateReport{Status: d.Status, NextStage: nextStage(&d), Gates: []GateResult{}}
		if rep.NextStage == "" {
			return nil
		}
		results, err := evaluateGates(ctx, &GateState{Tx: tx, Decision: &d, Now: s.now()}, rep.NextStage)
		if err != nil {
			return errs.Internal(err)
		}
		if results != nil {
			rep.Gates = results
		}
		rep.Ready = len(failed(results)) == 0
		return nil
	})
	return rep, err
}
