package consultation

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// BodySettings are the choices the law leaves to a decision body (决策机关),
// kept by an admin for it.
type BodySettings struct {
	DecisionBodyID   int64
	DecisionBodyCode string
	// SurveyMinResponses is the fewest responses an opinion survey needs to
	// count as held for the livelihood-domain gate (0: one response, the
	// platform's floor; a survey's own target raises it).
	SurveyMinResponses int
	// CatalogueRequired: a decision item outside the published catalogue
	// must first be added to it (Decree 713 Art. 3(3) says "may"; Henan
	// Decree 210 Art. 4).
	CatalogueRequired bool
	// FeedbackThreshold is the count of implementation opinions from the
	// public at which a post-evaluation is triggered for the body to
	// consider (Art. 36 "社会公众对决策实施提出较多意见"); 0: no trigger.
	FeedbackThreshold int
	UpdatedAt         *time.Time
}

// ReadBodySettings reads a decision body's settings in q (a transaction or
// the pool); a body with none has the zero settings. For the packages beside
// consultation that apply them (surveys, the catalogue, implementation).
func ReadBodySettings(ctx context.Context, q pgx.Tx, bodyID int64) (BodySettings, error) {
	return readBodySettings(ctx, q, bodyID)
}

func readBodySettings(ctx context.Context, q querier, bodyID int64) (BodySettings, error) {
	out := BodySettings{DecisionBodyID: bodyID}
	rows, err := q.Query(ctx, `SELECT survey_min_responses, catalogue_required, feedback_threshold, updated_at
		FROM decision_body_settings WHERE decision_body_id = $1`, bodyID)
	if err != nil {
		return out, errs.Internal(err)
	}
	var at time.Time
	n, err := pgx.ForEachRow(rows, []any{&out.SurveyMinResponses, &out.CatalogueRequired, &out.FeedbackThreshold, &at}, func() error { return nil })
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return out, errs.Internal(err)
	}
	if n.RowsAffected() > 0 {
		out.UpdatedAt = &at
	}
	return out, nil
}

// GetBodySettings returns a decision body's settings. Admins and agency
// staff may call it. Codes: decision_body_not_found.
func (s *Service) GetBodySettings(ctx context.Context, actor *identity.Account, bodyCode string) (BodySettings, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin, identity.RoleAgencyStaff); err != nil {
		return BodySettings{}, err
	}
	id, code, _, err := decisionBody(ctx, s.DB, bodyCode)
	if err != nil {
		return BodySettings{}, err
	}
	out, err := readBodySettings(ctx, s.DB, id)
	out.DecisionBodyCode = code
	return out, err
}

// SetBodySettings stores a decision body's settings. Only admins may call
// it; the change is audited with the settings before and after. Codes: decision_body_not_found, invalid_body_settings.
func (s *Service) SetBodySettings(ctx context.Context, actor *identity.Account, bodyCode string, in BodySettings) (BodySettings, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin); err != nil {
		return BodySettings{}, err
	}
	if in.SurveyMinResponses < 0 || in.SurveyMinResponses > 1_000_000 || in.FeedbackThreshold < 0 || in.FeedbackThreshold > 1_000_000 {
		return BodySettings{}, errs.InvalidField("invalid_body_settings", "survey_min_responses", "人数须为0至1000000之间的整数")
	}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		id, _, name, err := decisionBody(ctx, tx, bodyCode)
		if err != nil {
			return err
		}
		old, err := readBodySettings(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO decision_body_settings (decision_body_id, survey_min_responses, catalogue_required,
			feedback_threshold, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (decision_body_id) DO UPDATE SET survey_min_responses = $2, catalogue_required = $3,
			feedback_threshold = $4, updated_by = $5, updated_at = $6`, id, in.SurveyMinResponses, in.CatalogueRequired, in.FeedbackThreshold,
			actor.ID, s.now()); err != nil {
			return errs.Internal(err)
		}
		return s.audit(ctx, tx, actor, identity.AdminAction{Action: "set-decision-body-settings", TargetKind: "agency", TargetID: id,
			TargetName: name, Detail: map[string]any{"before": bodySettingsDetail(old), "after": bodySettingsDetail(in)}})
	})
	if err != nil {
		return BodySettings{}, err
	}
	return s.GetBodySettings(ctx, actor, bodyCode)
}

// bodySettingsDetail is the settings as the audit log keeps them.
func bodySettingsDetail(b BodySettings) map[string]any {
	return map[string]any{"survey_min_responses": b.SurveyMinResponses, "catalogue_required": b.CatalogueRequired,
		"feedback_threshold": b.FeedbackThreshold}
}
