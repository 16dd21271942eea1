package themes

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// Service is the theme use cases. It reads decisions and comments through
// consultation's service, answers through consultation's disposition rules
// and appends to the process record through Record.
type Service struct {
	DB           *pgxpool.Pool
	Consultation *consultation.Service
	Record       record.Appender
	// Opinions reads the opinions received outside the online
	// consultation, placed in themes too (offline.go); nil leaves them out.
	Opinions OfflineOpinions
	Params   Params
	// Now is the clock; tests inject one.
	Now func() time.Time
	// clustered, when set, runs after an analysis has clustered and before
	// it stores the result (tests: a staff step meanwhile).
	clustered func()
	// vocabs caches the vocabularies new texts are placed with (join.go).
	vocabs vocabCache
}

// NewService returns a Service with DefaultParams on the real clock;
// consultation.Service is the record appender.
func NewService(db *pgxpool.Pool, cs *consultation.Service) *Service {
	return &Service{DB: db, Consultation: cs, Record: cs, Params: DefaultParams, Now: time.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC().Truncate(time.Microsecond)
	}
	return s.Now().UTC().Truncate(time.Microsecond)
}

// Record entry kinds of themes.
const (
	RecordThemesAnalysed    record.Kind = "themes_analysed"
	RecordThemeUpdated      record.Kind = "theme_updated"
	RecordThemesMerged      record.Kind = "themes_merged"
	RecordThemeSplit        record.Kind = "theme_split"
	RecordThemeCommentsMove record.Kind = "theme_comments_moved"
	// RecordThemeCommentsAdded: staff put comments in no theme into one.
	RecordThemeCommentsAdded record.Kind = "theme_comments_added"
	RecordThemeTemplate      record.Kind = "theme_answer_template_saved"
	// RecordThemeOfflinePlaced: staff put offline opinions into a theme.
	RecordThemeOfflinePlaced record.Kind = "theme_offline_opinions_placed"
)

var (
	errNoTheme    = errs.NotFound("theme_not_found", "主题不存在")
	errNoAnalysis = errs.NotFound("theme_analysis_not_found", "尚未对该决策事项的公众意见进行主题分析")
)

// signedInDecision reads the decision for a signed-in actor. Codes:
// authentication_required, decision_not_found.
func (s *Service) signedInDecision(ctx context.Context, actor *identity.Account, decisionID int64) (consultation.Decision, error) {
	if actor == nil {
		return consultation.Decision{}, errs.Unauthenticated("authentication_required", "请先登录")
	}
	return s.Consultation.GetDecision(ctx, actor, decisionID)
}

// readable returns the decision when the actor may read its themes: staff
// of the lead unit, of the decision body or of a co-unit, and admins
// (themes are an internal working view; the public sees them only in the
// published adoption report). Codes: decision_not_found,
// authentication_required, themes_not_visible.
func (s *Service) readable(ctx context.Context, actor *identity.Account, decisionID int64) (consultation.Decision, error) {
	d, err := s.signedInDecision(ctx, actor, decisionID)
	if err != nil {
		return d, err
	}
	if actor.Role == identity.RoleAdmin || actor.IsStaffOf(d.LeadAgencyID) || actor.IsStaffOf(d.DecisionBodyID) {
		return d, nil
	}
	for _, c := range d.CoAgencyIDs {
		if actor.IsStaffOf(c) {
			return d, nil
		}
	}
	return d, errs.Forbidden("themes_not_visible", "只有承办单位、决策机关和协办单位的工作人员可以查看意见主题")
}

// writable returns the decision when the actor is staff of its lead unit.
// Codes: decision_not_found, authentication_required, not_lead_unit_staff.
func (s *Service) writable(ctx context.Context, actor *identity.Account, decisionID int64) (consultation.Decision, error) {
	d, err := s.signedInDecision(ctx, actor, decisionID)
	if err != nil {
		return d, err
	}
	if !actor.IsStaffOf(d.LeadAgencyID) {
		return d, errs.Forbidden("not_lead_unit_staff", "只有该决策事项承办单位的工作人员可以执行此操作")
	}
	return d, nil
}

// writableTheme returns the decision of the theme when the actor may
// change its themes (writable). Codes: theme_not_found and those of
// writable.
func (s *Service) writableTheme(ctx context.Context, actor *identity.Account, themeID int64) (consultation.Decision, error) {
	decisionID, err := s.decisionOfTheme(ctx, themeID)
	if err != nil {
		return consultation.Decision{}, err
	}
	return s.writable(ctx, actor, decisionID)
}

// decisionOfTheme returns the decision a theme belongs to.
func (s *Service) decisionOfTheme(ctx context.Context, themeID int64) (int64, error) {
	var id int64
	err := s.DB.QueryRow(ctx, `SELECT decision_id FROM themes WHERE id = $1`, themeID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, errNoTheme
	}
	if err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

// currentAnalysis returns the id and version of the decision's latest analysis.
func currentAnalysis(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, decisionID int64) (int64, int, error) {
	var id int64
	var version int
	err := q.QueryRow(ctx, `SELECT id, version FROM theme_analyses WHERE decision_id = $1 ORDER BY version DESC LIMIT 1`,
		decisionID).Scan(&id, &version)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, errNoAnalysis
	}
	if err != nil {
		return 0, 0, errs.Internal(err)
	}
	return id, version, nil
}
