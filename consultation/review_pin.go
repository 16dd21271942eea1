package consultation

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Version pinning (DOMAIN.md stage 5, Decree 713 Art. 28–30): a legality
// review signs off one exact draft version, by content hash. A later draft
// version leaves the earlier sign-off in the record, but it no longer counts:
// deliberation and publication need a sign-off on exactly the version being
// decided.

// SignOff is the state of the legality sign-off for a decision's latest
// draft version.
type SignOff struct {
	// Valid reports whether the latest version may go to deliberation.
	Valid bool
	// ReviewID is the review package of the sign-off event looked at (0
	// when there is none).
	ReviewID int64
	// VersionID, VersionNumber and VersionHash name the decision's latest
	// draft version, the one the sign-off must cover.
	VersionID     int64
	VersionNumber int
	VersionHash   string
	// Outcome is the conclusion's outcome (ReviewOutcome values) of the
	// latest sign-off event on the latest version, or "" when there is none.
	Outcome string
	// RecordSeq is the process-record entry of that conclusion or
	// confirmation.
	RecordSeq int64
	// Reason says, in Chinese, why the sign-off is not valid.
	Reason string
}

// currentSignOff returns the review sign-off that is valid for the
// decision's latest draft version: the latest conclusion on that version
// is lawful or exploratory_with_risk, or it is lawful_with_changes and the
// reviewer then confirmed exactly that version (ConfirmReviewChanges, which
// binds the new version's hash). An unlawful or unconfirmed conclusion, or a
// conclusion only on an earlier version, is not valid; Reason says why.
// Errors are database errors only (and decision_has_no_version).
func currentSignOff(ctx context.Context, q querier, decisionID int64) (SignOff, error) {
	var so SignOff
	rows, err := q.Query(ctx, `SELECT id, number, content_hash FROM draft_versions WHERE decision_id = $1 ORDER BY number DESC LIMIT 1`, decisionID)
	if err != nil {
		return so, errs.Internal(err)
	}
	type version struct {
		ID     int64
		Number int
		Hash   string
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[version])
	if errors.Is(err, pgx.ErrNoRows) {
		return so, errs.Conflict("decision_has_no_version", "决策事项还没有草案版本")
	}
	if err != nil {
		return so, errs.Internal(err)
	}
	so.VersionID, so.VersionNumber, so.VersionHash = v.ID, v.Number, v.Hash

	// The latest sign-off event on the latest version: a conclusion signed
	// on it or a confirmation that binds it. Record seqs order them.
	rows, err = q.Query(ctx, `
		SELECT review_id, outcome, record_seq, false AS confirmation FROM review_conclusions WHERE decision_id = $1 AND version_id = $2
		UNION ALL
		SELECT f.review_id, c.outcome, f.record_seq, true FROM review_confirmations f JOIN review_conclusions c ON c.id = f.conclusion_id
			WHERE f.decision_id = $1 AND f.version_id = $2
		ORDER BY record_seq DESC LIMIT 1`, decisionID, v.ID)
	if err != nil {
		return so, errs.Internal(err)
	}
	type event struct {
		ReviewID     int64
		Outcome      string
		RecordSeq    int64
		Confirmation bool
	}
	ev, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[event])
	if errors.Is(err, pgx.ErrNoRows) {
		so.Reason, err = noSignOffReason(ctx, q, decisionID, v.Number)
		return so, err
	}
	if err != nil {
		return so, errs.Internal(err)
	}
	so.ReviewID, so.Outcome, so.RecordSeq = ev.ReviewID, ev.Outcome, ev.RecordSeq
	switch {
	case ev.Confirmation:
		// Only lawful_with_changes conclusions can be confirmed.
		so.Valid = true
	case ev.Outcome == string(OutcomeLawful) || ev.Outcome == string(OutcomeExploratoryWithRisk):
		so.Valid = true
	case ev.Outcome == string(OutcomeLawfulWithChanges):
		so.Reason = "合法性审查意见为“修改后合法”，须由承办单位上传修改后的草案新版本，并经审查部门确认"
	default:
		so.Reason = "合法性审查意见为“不合法”，不得提交集体讨论决定（《重大行政决策程序暂行条例》第二十八条）"
	}
	return so, nil
}

// noSignOffReason explains why the latest version has no sign-off at all:
// there never was one, or the one there is covers an earlier version.
func noSignOffReason(ctx context.Context, q querier, decisionID int64, latest int) (string, error) {
	rows, err := q.Query(ctx, `SELECT v.number FROM (
			SELECT version_id, record_seq FROM review_conclusions WHERE decision_id = $1
			UNION ALL SELECT version_id, record_seq FROM review_confirmations WHERE decision_id = $1) e
		JOIN draft_versions v ON v.id = e.version_id ORDER BY e.record_seq DESC LIMIT 1`, decisionID)
	if err != nil {
		return "", errs.Internal(err)
	}
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int])
	if errors.Is(err, pgx.ErrNoRows) {
		return "决策草案尚未经合法性审查（《重大行政决策程序暂行条例》第二十五条）", nil
	}
	if err != nil {
		return "", errs.Internal(err)
	}
	return "合法性审查意见针对第" + strconv.Itoa(n) + "版草案，草案已更新为第" + strconv.Itoa(latest) +
		"版，原审查意见不再适用于新版本，须重新审查或确认", nil
}

// CurrentSignOff returns the legality sign-off state of the decision's
// latest draft version (see currentSignOff). Whoever may see the decision
// internally may call it. Codes: decision_not_found,
// decision_has_no_version.
func (s *Service) CurrentSignOff(ctx context.Context, actor *identity.Account, decisionID int64) (SignOff, error) {
	var out SignOff
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		d, err := getDecision(ctx, tx, decisionID, false)
		if err != nil {
			return err
		}
		if !canSeeInternal(actor, &d) {
			return errDecisionNotFound
		}
		out, err = currentSignOff(ctx, tx, decisionID)
		return err
	})
	return out, err
}
