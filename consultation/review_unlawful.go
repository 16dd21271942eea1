package consultation

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// An adviser's unlawful opinion (中办发〔2016〕30号《关于推行法律顾问制度和
// 公职律师公司律师制度的意见》: 对法律顾问认为不合法不合规的事项，不得提交
// 讨论、作出决定) blocks every conclusion other than unlawful, and
// deliberation, until the reviewer records in writing how it was resolved.
// The resolution is its own step with its own record entry; a conclusion
// may also carry it in its resolution field, as before.

// unlawfulOpinionBasis is the source of the rule.
const unlawfulOpinionBasis = "中办发〔2016〕30号; Decree 713 Art. 28"

// RecordUnlawfulOpinionResolved is the record kind of a resolution.
const RecordUnlawfulOpinionResolved RecordKind = "unlawful_opinion_resolved"

// UnlawfulOpinionResolution is the reviewer's written resolution.
type UnlawfulOpinionResolution struct {
	ID         int64
	ReviewID   int64
	DecisionID int64
	Resolution string
	ResolvedBy int64
	RecordSeq  int64
	CreatedAt  time.Time
}

// unlawfulOpinionState reports how many signed opinions on the package's
// version say unlawful, and whether a written resolution exists (a
// resolution row, or a conclusion of the package that carries one).
func unlawfulOpinionState(ctx context.Context, q querier, reviewID int64) (unlawful int, resolved bool, err error) {
	rows, err := q.Query(ctx, `SELECT
		(SELECT count(*) FROM legal_opinions o JOIN legality_reviews r ON r.id = o.review_id
			WHERE o.review_id = $1 AND o.version_id = r.version_id AND o.overall = 'unlawful'),
		EXISTS (SELECT 1 FROM unlawful_opinion_resolutions WHERE review_id = $1)
		OR EXISTS (SELECT 1 FROM review_conclusions WHERE review_id = $1 AND resolution <> '')`, reviewID)
	if err != nil {
		return 0, false, errs.Internal(err)
	}
	_, err = pgx.ForEachRow(rows, []any{&unlawful, &resolved}, func() error { return nil })
	if err != nil {
		return 0, false, errs.Internal(err)
	}
	return unlawful, resolved, nil
}

func errUnlawfulOpinionUnresolved(msg string) error {
	e := errs.Conflict("unlawful_opinion_unresolved", msg)
	e.Basis = unlawfulOpinionBasis
	return e
}

// requireUnlawfulOpinionResolved refuses deliberation of a package with an
// unresolved unlawful opinion.
func requireUnlawfulOpinionResolved(ctx context.Context, q querier, reviewID int64) error {
	n, resolved, err := unlawfulOpinionState(ctx, q, reviewID)
	if err != nil {
		return err
	}
	if n > 0 && !resolved {
		return errUnlawfulOpinionUnresolved("有法律顾问认为决策草案不合法，审查部门尚未书面说明处理情况：法律顾问认为不合法的事项不得提交讨论、作出决定")
	}
	return nil
}

func init() {
	addGate(StatusDeliberation, Gate{Code: "unlawful_opinion_unresolved", Basis: unlawfulOpinionBasis, Applies: always,
		Title:   "法律顾问认为不合法的意见已书面处理",
		Message: "有法律顾问认为决策草案不合法，审查部门尚未书面说明处理情况，不得提交集体讨论决定",
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			so, err := currentSignOff(ctx, st.Tx, st.Decision.ID)
			if errs.HasCode(err, "decision_has_no_version") || (err == nil && !so.Valid) {
				return true, nil // reported by valid_review_conclusion_required
			}
			if err != nil {
				return false, err
			}
			n, resolved, err := unlawfulOpinionState(ctx, st.Tx, so.ReviewID)
			return n == 0 || resolved, err
		}})
}

// ResolveUnlawfulOpinion records the reviewer's written resolution of the
// unlawful legal opinions on a package (how each was dealt with: the draft
// was changed, the opinion was answered with reasons), before any
// conclusion other than unlawful may be signed. Only reviewers of the
// package's department may call it, while the package is open. Codes:
// legality_review_not_found, not_review_department, resolution_required,
// resolution_too_long (422), review_not_open, no_unlawful_opinion (409).
func (s *Service) ResolveUnlawfulOpinion(ctx context.Context, actor *identity.Account, reviewID int64, resolution string) (UnlawfulOpinionResolution, error) {
	resolution, err := limitText("resolution", "resolution", "对不合法法律意见的处理说明", resolution, MaxReasoningRunes, true)
	if err != nil {
		return UnlawfulOpinionResolution{}, err
	}
	var out UnlawfulOpinionResolution
	err = s.writeReview(ctx, actor, reviewID, requireReviewer, func(tx pgx.Tx, d Decision, r LegalityReview) error {
		if err := requireOpen(&r); err != nil {
			return err
		}
		n, _, err := unlawfulOpinionState(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("no_unlawful_opinion", "没有法律顾问针对送审版本出具“不合法”的法律意见，无需处理")
		}
		e, err := s.appendRecord(ctx, tx, d.ID, actor, RecordUnlawfulOpinionResolved, map[string]any{
			"review_id": r.ID, "version_hash": r.VersionHash, "unlawful_opinions": n, "resolution": resolution, "basis": unlawfulOpinionBasis})
		if err != nil {
			return err
		}
		out = UnlawfulOpinionResolution{ReviewID: r.ID, DecisionID: d.ID, Resolution: resolution, ResolvedBy: actor.ID, RecordSeq: e.Seq, CreatedAt: e.RecordedAt}
		if err := tx.QueryRow(ctx, `INSERT INTO unlawful_opinion_resolutions (review_id, decision_id, resolution, resolved_by, record_seq, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.ID, d.ID, resolution, actor.ID, e.Seq, e.RecordedAt).Scan(&out.ID); err != nil {
			return errs.Internal(err)
		}
		return nil
	})
	return out, err
}
