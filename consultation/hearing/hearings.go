package hearing

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// Hearing is a hearing (听证会) of a decision, Decree 713 Art. 16–17.
type Hearing struct {
	ID                         int64      `db:"id" json:"id"`
	DecisionID                 int64      `db:"decision_id" json:"decision_id"`
	ActivityID                 int64      `db:"activity_id" json:"activity_id"`
	Title                      string     `db:"title" json:"title"`
	Place                      string     `db:"place" json:"place"`
	StartsAt                   time.Time  `db:"starts_at" json:"starts_at"`
	ApplicationsCloseAt        time.Time  `db:"applications_close_at" json:"applications_close_at"`
	Sides                      []string   `db:"sides" json:"sides"`
	SeatsPerSide               int        `db:"seats_per_side" json:"seats_per_side"`
	VersionNumber              int        `db:"version_number" json:"version_number"`
	VersionHash                string     `db:"version_hash" json:"version_hash"`
	DraftText                  string     `db:"draft_text" json:"draft_text"`
	Explanation                string     `db:"explanation" json:"explanation"`
	NoticePublishedAt          *time.Time `db:"notice_published_at" json:"notice_published_at"`
	SelectionMethod            *string    `db:"selection_method" json:"selection_method"`
	SeedCommitment             *string    `db:"seed_commitment" json:"seed_commitment"`
	Seed                       *string    `db:"seed" json:"-"`
	SelectionMethodPublishedAt *time.Time `db:"selection_method_published_at" json:"selection_method_published_at"`
	DrawnAt                    *time.Time `db:"drawn_at" json:"drawn_at"`
	ParticipantsPublishedAt    *time.Time `db:"participants_published_at" json:"participants_published_at"`
	Minutes                    *string    `db:"minutes" json:"minutes"`
	MinutesHash                *string    `db:"minutes_hash" json:"minutes_hash"`
	MinutesRecordedAt          *time.Time `db:"minutes_recorded_at" json:"minutes_recorded_at"`
	MinutesLockedAt            *time.Time `db:"minutes_locked_at" json:"minutes_locked_at"`
	Report                     *string    `db:"report" json:"report"`
	ReportHash                 *string    `db:"report_hash" json:"report_hash"`
	ReportPublishedAt          *time.Time `db:"report_published_at" json:"report_published_at"`
	// CancelledAt and CancelReason: the hearing was called off, publicly
	// and with the reason (CancelHearing).
	CancelledAt  *time.Time `db:"cancelled_at" json:"cancelled_at"`
	CancelReason *string    `db:"cancel_reason" json:"cancel_reason"`
	CreatedBy    int64      `db:"created_by" json:"-"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
	// Reschedules are the changes of time, place or application deadline
	// since creation, oldest first; DecisionTitle and Organiser name the
	// decision item and its lead unit, which holds the hearing. The notice
	// shows them even while the decision's own page is not public: the
	// notice publishes its draft anyway. (Read by GetHearing and
	// ListHearings.)
	Reschedules   []Reschedule `db:"-" json:"reschedules"`
	DecisionTitle string       `db:"-" json:"decision_title"`
	Organiser     string       `db:"-" json:"organiser"`
}

// Published reports whether the notice is public.
func (h *Hearing) Published() bool { return h.NoticePublishedAt != nil }

// RevealedSeed is the seed once the draw is done, nil before: the secret
// behind the published commitment is never served earlier.
func (h *Hearing) RevealedSeed() *string {
	if h.DrawnAt == nil {
		return nil
	}
	return h.Seed
}

const hearingColumns = `id, decision_id, activity_id, title, place, starts_at, applications_close_at, sides, seats_per_side,
	version_number, version_hash, draft_text, explanation, notice_published_at, selection_method, seed_commitment, seed,
	selection_method_published_at, drawn_at, participants_published_at, minutes, minutes_hash, minutes_recorded_at,
	minutes_locked_at, report, report_hash, report_published_at, cancelled_at, cancel_reason, created_by, created_at`

var errHearingNotFound = errs.NotFound("hearing_not_found", "听证会不存在")

func getHearing(ctx context.Context, q querier, id int64, lock bool) (Hearing, error) {
	sql := `SELECT ` + hearingColumns + ` FROM hearings WHERE id = $1`
	if lock {
		sql += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, sql, id)
	if err != nil {
		return Hearing{}, errs.Internal(err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Hearing])
	if errors.Is(err, pgx.ErrNoRows) {
		return Hearing{}, errHearingNotFound
	}
	if err != nil {
		return Hearing{}, errs.Internal(err)
	}
	return h, nil
}

// publicView is what the record and the evidence hash cover of a hearing:
// everything but the seed while it is secret.
func (h Hearing) publicView() map[string]any {
	v := map[string]any{"id": h.ID, "decision_id": h.DecisionID, "title": h.Title, "place": h.Place,
		"starts_at": h.StartsAt.UTC(), "applications_close_at": h.ApplicationsCloseAt.UTC(), "sides": h.Sides,
		"seats_per_side": h.SeatsPerSide, "version_number": h.VersionNumber, "version_hash": h.VersionHash,
		"explanation": h.Explanation, "selection_method": h.SelectionMethod, "seed_commitment": h.SeedCommitment,
		"seed": h.RevealedSeed(), "minutes_hash": h.MinutesHash, "report_hash": h.ReportHash}
	// Only when set, so that the hash of every hearing bound before
	// cancellation existed stays what it was.
	if h.CancelledAt != nil {
		v["cancelled_at"], v["cancel_reason"] = h.CancelledAt.UTC(), h.CancelReason
	}
	return v
}

// leadStep runs fn, a step of the lead unit on a hearing: it checks the
// actor (leadDecision), then in one transaction locks the decision
// (refusing after legality review; what names the step) and the hearing
// (lockHearing) and runs fn on the hearing as locked.
func (s *Service) leadStep(ctx context.Context, actor *identity.Account, hearingID int64, what string,
	fn func(tx pgx.Tx, h *Hearing) error) error {
	h, err := getHearing(ctx, s.DB, hearingID, false)
	if err != nil {
		return err
	}
	if _, err := s.leadDecision(ctx, actor, h.DecisionID); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		h, err := lockHearing(ctx, tx, h.DecisionID, hearingID, what)
		if err != nil {
			return err
		}
		return fn(tx, &h)
	})
}

// step runs one step on a hearing of the lead unit (leadStep): after fn it
// re-reads the hearing and appends kind to the record with payload and the
// hearing row's evidence.
func (s *Service) step(ctx context.Context, actor *identity.Account, hearingID int64, kind record.Kind, what string,
	fn func(tx pgx.Tx, h *Hearing) (map[string]any, error)) (Hearing, error) {
	var out Hearing
	err := s.leadStep(ctx, actor, hearingID, what, func(tx pgx.Tx, h *Hearing) error {
		payload, err := fn(tx, h)
		if err != nil {
			return err
		}
		if out, err = getHearing(ctx, tx, hearingID, false); err != nil {
			return err
		}
		ev, err := evidence("hearings", out.ID, out.publicView())
		if err != nil {
			return err
		}
		if payload == nil {
			payload = map[string]any{}
		}
		payload["hearing_id"] = out.ID
		return s.Record.Append(ctx, tx, out.DecisionID, consultation.RecordActor(actor), kind, payload, ev)
	})
	return out, err
}

// HearingInput is a new hearing. Sides are the sides the notice declares
// (e.g. 支持方, 反对方, 其他利害关系方); every side must be represented on
// the list (Art. 17(2)).
type HearingInput struct {
	Title               string
	Place               string
	StartsAt            time.Time
	ApplicationsCloseAt time.Time
	Sides               []string
	SeatsPerSide        int
}

// CreateHearing prepares a hearing of the decision on its latest draft
// version (text and explanation, which the notice publishes, Art. 17(1)),
// with a participation activity of kind hearing. Nothing is public until
// the notice is published. Only staff of the lead unit may call it, before
// legality review. Codes: decision_not_found, not_lead_unit_staff,
// title_required, place_required, hearing_sides_required,
// hearing_seats_invalid, hearing_time_in_past,
// hearing_applications_close_in_past, hearing_applications_close_too_late,
// draft_version_not_found, hearing_decision_not_disclosable,
// participation_not_allowed_in_stage.
func (s *Service) CreateHearing(ctx context.Context, actor *identity.Account, decisionID int64, in HearingInput) (Hearing, error) {
	d, err := s.leadDecision(ctx, actor, decisionID)
	if err != nil {
		return Hearing{}, err
	}
	if d.NotDisclosable {
		return Hearing{}, errWithheld
	}
	in.Title, in.Place = cleanText(in.Title), cleanText(in.Place)
	if err := requireText("title", "听证会名称", in.Title, 200); err != nil {
		return Hearing{}, err
	}
	if err := requireText("place", "听证地点", in.Place, 200); err != nil {
		return Hearing{}, err
	}
	sides, seen := []string{}, map[string]bool{}
	for _, sd := range in.Sides {
		if sd = cleanText(sd); sd != "" && !seen[sd] && len([]rune(sd)) <= 50 {
			seen[sd] = true
			sides = append(sides, sd)
		}
	}
	if len(sides) < 2 || len(sides) != len(in.Sides) || len(sides) > 10 {
		return Hearing{}, errs.InvalidField("hearing_sides_required", "sides", "请列出2至10个不重复的听证参加方（如支持方、反对方），每个不超过50字")
	}
	if in.SeatsPerSide < 1 || in.SeatsPerSide > 50 {
		return Hearing{}, errs.InvalidField("hearing_seats_invalid", "seats_per_side", "每方名额应为1至50人")
	}
	now := s.now()
	if !in.StartsAt.After(now) {
		return Hearing{}, errs.InvalidField("hearing_time_in_past", "starts_at", "听证会时间须晚于现在")
	}
	if !in.ApplicationsCloseAt.After(now) {
		return Hearing{}, errs.InvalidField("hearing_applications_close_in_past", "applications_close_at", "报名截止时间须晚于现在")
	}
	if !materialsInTime(dateOf(in.ApplicationsCloseAt), in.StartsAt) {
		return Hearing{}, errCloseTooLate(in.StartsAt)
	}
	versions, _, err := s.Consultation.ListDraftVersions(ctx, actor, decisionID, 1, "")
	if err != nil {
		return Hearing{}, err
	}
	if len(versions) == 0 {
		return Hearing{}, errs.Conflict("draft_version_not_found", "听证须公布决策草案及其说明：请先上传草案版本")
	}
	v, err := s.Consultation.GetDraftVersion(ctx, actor, decisionID, versions[0].Number)
	if err != nil {
		return Hearing{}, err
	}
	var out Hearing
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if err := lockOpenStage(ctx, tx, decisionID, "组织听证"); err != nil {
			return err
		}
		a, err := insertActivity(ctx, tx, actor, decisionID, ActivityInput{Kind: KindHearing, Title: in.Title, Place: in.Place,
			Participants: sides}, dateOf(in.StartsAt), dateOf(in.StartsAt), now)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO hearings (decision_id, activity_id, title, place, starts_at, applications_close_at, sides,
			seats_per_side, version_number, version_hash, draft_text, explanation, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			decisionID, a.ID, in.Title, in.Place, in.StartsAt.UTC(), in.ApplicationsCloseAt.UTC(), sides, in.SeatsPerSide,
			v.Number, v.ContentHash, v.Text, v.Explanation, actor.ID, now).Scan(&id); err != nil {
			return errs.Internal(err)
		}
		if out, err = getHearing(ctx, tx, id, false); err != nil {
			return err
		}
		ev, err := evidence("hearings", out.ID, out.publicView())
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, decisionID, consultation.RecordActor(actor), RecordHearingCreated, map[string]any{"hearing_id": id,
			"activity_id": a.ID, "starts_at": out.StartsAt.UTC(), "place": out.Place, "sides": sides, "version_hash": v.ContentHash}, ev)
	})
	return out, err
}

// PublishHearingNotice publishes the notice: the draft and its
// explanation, the time and place, the sides, and how to apply (Art.
// 17(1)). It must come before applications close. Only staff of the lead
// unit may call it. Codes: hearing_not_found, not_lead_unit_staff,
// hearing_notice_already_published, hearing_notice_too_late,
// hearing_decision_not_disclosable, hearing_cancelled,
// participation_not_allowed_in_stage.
func (s *Service) PublishHearingNotice(ctx context.Context, actor *identity.Account, hearingID int64) (Hearing, error) {
	return s.step(ctx, actor, hearingID, RecordNoticePublished, "公布听证公告", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.Published() {
			return nil, errs.Conflict("hearing_notice_already_published", "听证公告已公布")
		}
		now := s.now()
		if !now.Before(h.ApplicationsCloseAt) {
			return nil, errNoticeTooLate
		}
		// The decision may have been withheld since the hearing was
		// prepared: the notice would publish its draft.
		var withheld bool
		if err := tx.QueryRow(ctx, `SELECT not_disclosable FROM decisions WHERE id = $1`, h.DecisionID).Scan(&withheld); err != nil {
			return nil, errs.Internal(err)
		}
		if withheld {
			return nil, errWithheld
		}
		if _, err := tx.Exec(ctx, `UPDATE hearings SET notice_published_at = $2 WHERE id = $1`, h.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"starts_at": h.StartsAt.UTC(), "place": h.Place, "applications_close_at": h.ApplicationsCloseAt.UTC(),
			"sides": h.Sides, "version_number": h.VersionNumber, "version_hash": h.VersionHash}, nil
	})
}

// newSeed returns a fresh secret seed: 32 random bytes, hex-encoded.
func newSeed() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// SeedCommitment is the published commitment to a seed: the hex SHA-256 of
// the seed's 64 hex characters as ASCII.
func SeedCommitment(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])
}

// PublishHearingSelectionMethod publishes how participants are selected
// (Art. 17(2)) together with the commitment to the secret seed of the draw
// (the SHA-256 of a seed the platform generates and keeps until the draw).
// It comes after the notice and before applications close; applications
// open with it. Only staff of the lead unit may call it. Codes:
// hearing_not_found, not_lead_unit_staff, hearing_notice_not_published,
// hearing_selection_method_already_published,
// hearing_selection_method_too_late, selection_method_required,
// participation_not_allowed_in_stage.
func (s *Service) PublishHearingSelectionMethod(ctx context.Context, actor *identity.Account, hearingID int64, method string) (Hearing, error) {
	method = cleanText(method)
	if err := requireText("selection_method", "遴选办法", method, 5000); err != nil {
		return Hearing{}, err
	}
	return s.step(ctx, actor, hearingID, RecordSelectionMethodPublished, "公布遴选办法", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if !h.Published() {
			return nil, errNoticeNotPublished
		}
		if h.SelectionMethodPublishedAt != nil {
			return nil, errs.Conflict("hearing_selection_method_already_published", "遴选办法已公布，不能更改")
		}
		now := s.now()
		if !now.Before(h.ApplicationsCloseAt) {
			return nil, errMethodTooLate
		}
		seed, err := newSeed()
		if err != nil {
			return nil, errs.Internal(err)
		}
		commit := SeedCommitment(seed)
		if _, err := tx.Exec(ctx, `UPDATE hearings SET selection_method = $2, seed = $3, seed_commitment = $4,
			selection_method_published_at = $5 WHERE id = $1`, h.ID, method, seed, commit, now); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"selection_method": method, "seed_commitment": commit, "draw_algorithm": DrawAlgorithm}, nil
	})
}

// GetHearing returns a hearing: to staff of the lead unit always, to anyone
// who may see the decision once its notice is published (the decision
// itself may still be in drafting: the notice publishes the draft). Codes:
// hearing_not_found.
func (s *Service) GetHearing(ctx context.Context, actor *identity.Account, hearingID int64) (Hearing, error) {
	h, err := getHearing(ctx, s.DB, hearingID, false)
	if err != nil {
		return Hearing{}, err
	}
	if !s.canSeeHearing(ctx, actor, &h) {
		return Hearing{}, errHearingNotFound
	}
	list := []Hearing{h}
	if err := s.describe(ctx, list); err != nil {
		return Hearing{}, err
	}
	return list[0], nil
}

// describe reads what GetHearing and ListHearings add to hearings of one
// decision: their reschedules, the decision's title and its lead unit.
func (s *Service) describe(ctx context.Context, hs []Hearing) error {
	if len(hs) == 0 {
		return nil
	}
	ids := make([]int64, len(hs))
	for i, h := range hs {
		ids[i] = h.ID
	}
	rs, err := reschedules(ctx, s.DB, ids)
	if err != nil {
		return err
	}
	var title, organiser string
	if err := s.DB.QueryRow(ctx, `SELECT d.title, a.name FROM decisions d JOIN agencies a ON a.id = d.lead_agency_id WHERE d.id = $1`,
		hs[0].DecisionID).Scan(&title, &organiser); err != nil {
		return errs.Internal(err)
	}
	for i := range hs {
		hs[i].DecisionTitle, hs[i].Organiser, hs[i].Reschedules = title, organiser, []Reschedule{}
		for _, r := range rs {
			if r.HearingID == hs[i].ID {
				hs[i].Reschedules = append(hs[i].Reschedules, r)
			}
		}
	}
	return nil
}

func (s *Service) canSeeHearing(ctx context.Context, actor *identity.Account, h *Hearing) bool {
	if h.Published() {
		return true
	}
	_, err := s.leadDecision(ctx, actor, h.DecisionID)
	return err == nil
}

// ListHearings lists the hearings of a decision the actor may see. Codes:
// none beyond internal errors; an unknown decision lists nothing.
func (s *Service) ListHearings(ctx context.Context, actor *identity.Account, decisionID int64) ([]Hearing, error) {
	all, err := pgrows.All[Hearing](ctx, s.DB, `SELECT `+hearingColumns+` FROM hearings
		WHERE decision_id = $1 ORDER BY id`, decisionID)
	if err != nil {
		return nil, err
	}
	out := []Hearing{}
	lead := false
	if _, err := s.leadDecision(ctx, actor, decisionID); err == nil {
		lead = true
	}
	for _, h := range all {
		if lead || h.Published() {
			out = append(out, h)
		}
	}
	return out, s.describe(ctx, out)
}
