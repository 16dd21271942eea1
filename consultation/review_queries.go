package consultation

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/canyu-gov/canyu/internal/cursor"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/jackc/pgx/v5"
)

// GetLegalityReview returns a package with its advisers, materials,
// conclusion and confirmations. Reviewers of its department, assigned legal
// advisers, staff of the lead unit and admins may call it; for anyone else
// it does not exist. Codes: legality_review_not_found.
func (s *Service) GetLegalityReview(ctx context.Context, actor *identity.Account, reviewID int64) (LegalityReview, error) {
	var out LegalityReview
	err := pgx.BeginTxFunc(ctx, s.DB, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		r, err := getReview(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		if err := requireReviewVisible(ctx, tx, actor, &r); err != nil {
			return err
		}
		if err := s.fillReview(ctx, tx, &r); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, err
}

func (s *Service) earliest(ctx context.Context, r *LegalityReview) error {
	cal, err := s.Calendar.Current(ctx)
	if err != nil {
		return errs.Internal(err)
	}
	r.EarliestConclusionAt = cal.AddWorkingDays(r.ReceivedAt, ReviewPeriodWorkingDays).UTC()
	r.CalendarVersion = cal.Version()
	r.CalendarNotCovered = !cal.CoversPeriod(r.ReceivedAt, r.EarliestConclusionAt)
	return nil
}

func (s *Service) fillReview(ctx context.Context, tx pgx.Tx, r *LegalityReview) error {
	if err := s.earliest(ctx, r); err != nil {
		return err
	}
	var err error
	if r.Advisers, err = pgrows.AllByPos[ReviewAdviser](ctx, tx, `SELECT s.adviser_id, a.display_name, s.assigned_at
		FROM review_assignments s JOIN accounts a ON a.id = s.adviser_id
		WHERE s.review_id = $1 ORDER BY s.assigned_at, s.adviser_id`, r.ID); err != nil {
		return err
	}
	if r.Additions, err = pgrows.AllByPos[ReviewMaterial](ctx, tx, `SELECT id, text, coalesce(filename, ''),
		coalesce(content_type, ''), coalesce(size, 0), coalesce(sha256, ''), created_by, created_at
		FROM review_materials WHERE review_id = $1 ORDER BY id`, r.ID); err != nil {
		return err
	}
	conclusions, err := reviewConclusions(ctx, tx, "review_id = $1", r.ID)
	if err != nil {
		return err
	}
	if len(conclusions) > 0 {
		r.Conclusion = &conclusions[len(conclusions)-1]
	}
	r.Confirmations, err = reviewConfirmations(ctx, tx, r.ID)
	return err
}

// ReviewFilter narrows the review queue.
type ReviewFilter struct {
	Status     ReviewStatus // empty: every status
	AdviserID  int64        // only packages assigned to this adviser
	DecisionID int64        // only packages of this decision
	Limit      int
	Cursor     string
}

// ListLegalityReviews lists review packages, newest first: reviewers see
// their department's queue, legal advisers their assignments, lead-unit
// staff their unit's packages, admins all. Residents and other staff get an
// empty list. Codes: invalid_cursor, invalid_review_status.
func (s *Service) ListLegalityReviews(ctx context.Context, actor *identity.Account, f ReviewFilter) ([]LegalityReview, string, error) {
	before, err := cursor.Decode(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	where := []string{"true"}
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch {
	case actor == nil:
		return []LegalityReview{}, "", nil
	case actor.Role == identity.RoleAdmin:
	case actor.Role == identity.RoleReviewer && actor.AgencyID != nil:
		where = append(where, "r.review_agency_id = "+arg(*actor.AgencyID))
	case actor.Role == identity.RoleAgencyStaff && actor.AgencyID != nil:
		where = append(where, "d.lead_agency_id = "+arg(*actor.AgencyID))
	case actor.Role == identity.RoleLegalAdviser:
		where = append(where, "r.id IN (SELECT review_id FROM review_assignments WHERE adviser_id = "+arg(actor.ID)+")")
	default:
		return []LegalityReview{}, "", nil
	}
	if f.Status != "" {
		ok := false
		for _, st := range ReviewStatuses {
			ok = ok || st == f.Status
		}
		if !ok {
			return nil, "", errs.InvalidField("invalid_review_status", "status", "审查状态须为 received、materials_requested、returned 或 concluded")
		}
		where = append(where, "r.status = "+arg(string(f.Status)))
	}
	if f.AdviserID != 0 {
		where = append(where, "r.id IN (SELECT review_id FROM review_assignments WHERE adviser_id = "+arg(f.AdviserID)+")")
	}
	if f.DecisionID != 0 {
		where = append(where, "r.decision_id = "+arg(f.DecisionID))
	}
	if before > 0 {
		where = append(where, "r.id < "+arg(before))
	}
	limit := cursor.Limit(f.Limit)
	rows, err := s.DB.Query(ctx, `SELECT `+reviewColumns+reviewFrom+`WHERE `+strings.Join(where, " AND ")+
		` ORDER BY r.id DESC LIMIT `+arg(limit+1), args...)
	if err != nil {
		return nil, "", errs.Internal(err)
	}
	list, err := scanReviews(rows)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		next = cursor.Encode(list[len(list)-1].ID)
	}
	for i := range list {
		if err := s.earliest(ctx, &list[i]); err != nil {
			return nil, "", err
		}
	}
	if list == nil {
		list = []LegalityReview{}
	}
	return list, next, nil
}

// shanghaiDate formats t as a date in Asia/Shanghai, e.g. 2026年2月13日.
func shanghaiDate(t time.Time) string {
	return t.In(workday.Location()).Format("2006年1月2日")
}

// requireReviewVisible refuses, as not found, a caller who may not see the
// review at all (reviewAccessOf says accessNone).
func requireReviewVisible(ctx context.Context, tx querier, actor *identity.Account, r *LegalityReview) error {
	acc, err := reviewAccessOf(ctx, tx, actor, r)
	if err != nil {
		return err
	}
	if acc == accessNone {
		return errReviewNotFound
	}
	return nil
}
