package hearing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgrows"
)

// DrawAlgorithm is the published description of the draw, recorded with
// the selection method so anyone can recompute it from the revealed seed.
const DrawAlgorithm = "抽签算法：报名截止前公布种子的SHA-256承诺值（对64位十六进制种子字符串计算SHA-256）；" +
	"报名截止后公开种子。每份报名的得分为 SHA-256(种子 + \":\" + 报名编号) 的十六进制字符串；" +
	"各参加方的报名按得分从小到大排序（得分相同按报名编号排序），每方取前若干名（每方名额），其余为候补。"

// Application is a resident's application to take part in a hearing.
// Code (A001 …) is its public number; the person behind it is known only to
// the lead unit.
type Application struct {
	ID         int64     `db:"id" json:"id"`
	HearingID  int64     `db:"hearing_id" json:"hearing_id"`
	Code       string    `db:"code" json:"code"`
	AccountID  int64     `db:"account_id" json:"-"`
	Side       string    `db:"side" json:"side"`
	PublicName string    `db:"public_name" json:"public_name"`
	Statement  string    `db:"statement" json:"statement"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	Selected   bool      `db:"selected" json:"selected"`
	DrawRank   *int      `db:"draw_rank" json:"draw_rank"`
	// WithdrawnAt: the applicant withdrew (WithdrawHearingApplication);
	// the reason stays with the lead unit.
	WithdrawnAt    *time.Time `db:"withdrawn_at" json:"withdrawn_at"`
	WithdrawReason *string    `db:"withdraw_reason" json:"-"`
	// Replaces is the code of the participant this one replaced (递补),
	// moved up from the alternates at PromotedAt.
	Replaces   *string    `db:"replaces" json:"replaces"`
	PromotedAt *time.Time `db:"promoted_at" json:"promoted_at"`
}

const applicationColumns = `id, hearing_id, code, account_id, side, public_name, statement, created_at, selected, draw_rank,
	withdrawn_at, withdraw_reason, replaces, promoted_at`

func listApplications(ctx context.Context, q querier, hearingID int64, where string) ([]Application, error) {
	return pgrows.All[Application](ctx, q, `SELECT `+applicationColumns+` FROM hearing_applications
		WHERE hearing_id = $1 `+where+` ORDER BY code`, hearingID)
}

// ApplicationInput is an application: the side the resident speaks for,
// the name to show on the published list if selected, and optionally their
// view in a few lines.
type ApplicationInput struct {
	Side       string
	PublicName string
	Statement  string
}

// ApplyToHearing records a verified resident's application while
// applications are open (after the notice and the selection method, before
// the close). One application per resident and hearing. The record gets
// the public number and the side only. Codes: authentication_required,
// account_not_verified, hearing_not_found, hearing_notice_not_published,
// hearing_selection_method_not_published, hearing_applications_closed,
// invalid_side, public_name_required, public_name_too_long,
// statement_too_long (all the form's problems at once, one field error
// each; the code is the first's), hearing_already_applied,
// hearing_cancelled, participation_not_allowed_in_stage.
func (s *Service) ApplyToHearing(ctx context.Context, actor *identity.Account, hearingID int64, in ApplicationInput) (Application, error) {
	if actor == nil {
		return Application{}, errUnauthenticated
	}
	if !actor.Verified() || actor.Role != identity.RoleResident {
		return Application{}, errs.Forbidden("account_not_verified", "只有已验证手机号码的居民可以报名参加听证会")
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return Application{}, err
	}
	in.Side, in.PublicName, in.Statement = cleanText(in.Side), cleanText(in.PublicName), cleanText(in.Statement)
	// Every problem at once, so the form shows each next to its field.
	var problems []error
	if !contains(h.Sides, in.Side) {
		problems = append(problems, errs.InvalidField("invalid_side", "side", "请选择听证公告列明的参加方"))
	}
	if err := requireText("public_name", "公布用称呼", in.PublicName, 30); err != nil {
		problems = append(problems, err)
	}
	if len([]rune(in.Statement)) > 1000 {
		problems = append(problems, errs.InvalidField("statement_too_long", "statement", "主要观点不能超过1000字"))
	}
	if err := errs.AllInvalid(problems...); err != nil {
		return Application{}, err
	}
	var out Application
	err = pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		// The decision's stage is checked as for every step: a decision
		// withdrawn or gone to review hears no one any more, and a
		// cancelled hearing takes no applications.
		h, err := lockHearing(ctx, tx, h.DecisionID, hearingID, "报名参加听证会")
		if err != nil {
			return err
		}
		if h.SelectionMethodPublishedAt == nil {
			return errMethodNotPublished
		}
		if !s.now().Before(h.ApplicationsCloseAt) {
			return errApplicationsClosed
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM hearing_applications WHERE hearing_id = $1`, h.ID).Scan(&n); err != nil {
			return errs.Internal(err)
		}
		code := fmt.Sprintf("A%03d", n+1)
		tag, err := tx.Exec(ctx, `INSERT INTO hearing_applications (hearing_id, code, account_id, side, public_name, statement, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hearing_id, account_id) DO NOTHING`,
			h.ID, code, actor.ID, in.Side, in.PublicName, in.Statement, s.now())
		if err != nil {
			return errs.Internal(err)
		}
		if tag.RowsAffected() == 0 {
			return errs.Conflict("hearing_already_applied", "您已报名参加本次听证会（撤回的报名不能再次提交）")
		}
		apps, err := listApplications(ctx, tx, h.ID, "AND account_id = "+fmt.Sprint(actor.ID))
		if err != nil {
			return err
		}
		out = apps[0]
		ev, err := evidence("hearing_applications", out.ID, DrawApplication{Code: out.Code, Side: out.Side})
		if err != nil {
			return err
		}
		return s.Record.Append(ctx, tx, h.DecisionID, consultation.RecordActor(actor), RecordApplicationReceived,
			map[string]any{"hearing_id": h.ID, "code": out.Code, "side": out.Side}, ev)
	})
	return out, err
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// DrawApplication is one application as the draw and the public check see it.
type DrawApplication struct {
	Code string `json:"code"`
	Side string `json:"side"`
}

// DrawScore is the score of an application in the draw: the hex SHA-256
// of seed + ":" + code.
func DrawScore(seed, code string) string {
	sum := sha256.Sum256([]byte(seed + ":" + code))
	return hex.EncodeToString(sum[:])
}

// DrawnEntry is one application in the draw's result, in the order of
// its side's ranking.
type DrawnEntry struct {
	Code     string `json:"code"`
	Side     string `json:"side"`
	Score    string `json:"score"`
	Rank     int    `json:"rank"`
	Selected bool   `json:"selected"`
}

// Draw is the deterministic draw (see DrawAlgorithm): for each side in the
// order given, its applications ranked by score, the first seats selected.
func Draw(seed string, sides []string, seats int, apps []DrawApplication) []DrawnEntry {
	var out []DrawnEntry
	for _, side := range sides {
		var list []DrawnEntry
		for _, a := range apps {
			if a.Side == side {
				list = append(list, DrawnEntry{Code: a.Code, Side: side, Score: DrawScore(seed, a.Code)})
			}
		}
		sort.Slice(list, func(i, j int) bool {
			if list[i].Score != list[j].Score {
				return list[i].Score < list[j].Score
			}
			return list[i].Code < list[j].Code
		})
		for i := range list {
			list[i].Rank = i + 1
			list[i].Selected = i < seats
		}
		out = append(out, list...)
	}
	return out
}

// DrawParticipants draws the participants by lot after applications
// close: it reveals the seed, ranks every application by the published
// algorithm and marks the selected ones. The record holds the seed, the
// applications (number and side) and the result. Only staff of the lead
// unit may call it. Applications withdrawn before the draw take no part in
// it; a declared side without any application refuses it, since nobody
// could be added afterwards. Codes: hearing_not_found, not_lead_unit_staff,
// hearing_selection_method_not_published, hearing_applications_still_open,
// hearing_already_drawn, hearing_side_without_applicants,
// hearing_cancelled, participation_not_allowed_in_stage.
func (s *Service) DrawParticipants(ctx context.Context, actor *identity.Account, hearingID int64) (Hearing, error) {
	return s.step(ctx, actor, hearingID, RecordParticipantsDrawn, "抽签遴选听证参加人", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.SelectionMethodPublishedAt == nil {
			return nil, errMethodNotPublished
		}
		if h.DrawnAt != nil {
			return nil, errAlreadyDrawn
		}
		now := s.now()
		if now.Before(h.ApplicationsCloseAt) {
			return nil, errApplicationsOpen
		}
		apps, err := listApplications(ctx, tx, h.ID, "AND withdrawn_at IS NULL")
		if err != nil {
			return nil, err
		}
		entries := make([]DrawApplication, len(apps))
		bySide := map[string]int{}
		for i, a := range apps {
			entries[i] = DrawApplication{Code: a.Code, Side: a.Side}
			bySide[a.Side]++
		}
		var empty []string
		for _, side := range h.Sides {
			if bySide[side] == 0 {
				empty = append(empty, side)
			}
		}
		if len(empty) > 0 {
			return nil, sideWithoutApplicants(empty)
		}
		result := Draw(*h.Seed, h.Sides, h.SeatsPerSide, entries)
		for _, r := range result {
			if _, err := tx.Exec(ctx, `UPDATE hearing_applications SET selected = $3, draw_rank = $4 WHERE hearing_id = $1 AND code = $2`,
				h.ID, r.Code, r.Selected, r.Rank); err != nil {
				return nil, errs.Internal(err)
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE hearings SET drawn_at = $2 WHERE id = $1`, h.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"seed": *h.Seed, "seed_commitment": h.SeedCommitment, "applications": entries, "result": result}, nil
	})
}

// DrawCheck is everything needed to recompute a draw: the commitment, the
// seed once revealed, the sides and seats, every application (number and
// side) and the result.
type DrawCheck struct {
	HearingID      int64             `json:"hearing_id"`
	Algorithm      string            `json:"algorithm"`
	SeedCommitment string            `json:"seed_commitment"`
	Seed           *string           `json:"seed"`
	Sides          []string          `json:"sides"`
	SeatsPerSide   int               `json:"seats_per_side"`
	Applications   []DrawApplication `json:"applications"`
	Result         []DrawnEntry      `json:"result"`
	DrawnAt        *time.Time        `json:"drawn_at"`
	// Withdrawn are the applications withdrawn before the draw, which
	// took no part in it.
	Withdrawn []DrawApplication `json:"withdrawn"`
	// Replacements are the participants who withdrew after the draw and
	// who took their seat, in the order of the withdrawals.
	Replacements []Replacement `json:"replacements"`
}

// Replacement is a selected participant's withdrawal and the next of the
// side's ranking who took the seat (递补); Replacement is nil when no
// alternate was left.
type Replacement struct {
	Side        string    `json:"side"`
	Withdrawn   string    `json:"withdrawn"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
	Replacement *string   `json:"replacement"`
}

// GetHearingDraw returns the public draw check of a hearing: before the
// draw the commitment and the applications so far, after it also the seed
// and the result. Anyone may call it once the selection method is
// published. Codes: hearing_not_found, hearing_selection_method_not_published.
func (s *Service) GetHearingDraw(ctx context.Context, actor *identity.Account, hearingID int64) (DrawCheck, error) {
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return DrawCheck{}, err
	}
	if h.SeedCommitment == nil {
		return DrawCheck{}, errMethodNotPublished
	}
	apps, err := listApplications(ctx, s.DB, h.ID, "")
	if err != nil {
		return DrawCheck{}, err
	}
	out := DrawCheck{HearingID: h.ID, Algorithm: DrawAlgorithm, SeedCommitment: *h.SeedCommitment, Seed: h.RevealedSeed(),
		Sides: h.Sides, SeatsPerSide: h.SeatsPerSide, Applications: []DrawApplication{}, Result: []DrawnEntry{}, DrawnAt: h.DrawnAt,
		Withdrawn: []DrawApplication{}, Replacements: []Replacement{}}
	byReplaced := map[string]string{}
	for _, a := range apps {
		if a.Replaces != nil {
			byReplaced[*a.Replaces] = a.Code
		}
	}
	for _, a := range apps {
		da := DrawApplication{Code: a.Code, Side: a.Side}
		// Withdrawn before the draw: it took no part, and has no rank.
		if a.WithdrawnAt != nil && a.DrawRank == nil {
			out.Withdrawn = append(out.Withdrawn, da)
			continue
		}
		out.Applications = append(out.Applications, da)
		if a.WithdrawnAt != nil && a.Selected {
			r := Replacement{Side: a.Side, Withdrawn: a.Code, WithdrawnAt: *a.WithdrawnAt}
			if c, ok := byReplaced[a.Code]; ok {
				r.Replacement = &c
			}
			out.Replacements = append(out.Replacements, r)
		}
	}
	sort.Slice(out.Replacements, func(i, j int) bool { return out.Replacements[i].WithdrawnAt.Before(out.Replacements[j].WithdrawnAt) })
	if out.Seed != nil {
		out.Result = Draw(*out.Seed, h.Sides, h.SeatsPerSide, out.Applications)
	}
	return out, nil
}

// Participant is a selected applicant as the published list shows them,
// with the delivery of materials and the signature of the record.
// SignatureKind is sms or scan (signed), refused or absent (not signed,
// with the reason in SignatureNote); with sms or scan, SignatureNote is the
// participant's objection to the record, attached to it. SignatureOwn says
// the participant recorded it themselves (false: the lead unit did).
// SignedAt is when any of them was recorded.
type Participant struct {
	ApplicationID int64      `json:"application_id"`
	Code          string     `json:"code"`
	Side          string     `json:"side"`
	PublicName    string     `json:"public_name"`
	Replaces      *string    `json:"replaces"`
	DeliveredOn   *time.Time `json:"delivered_on"`
	SignedAt      *time.Time `json:"signed_at"`
	SignatureKind *string    `json:"signature_kind"`
	SignatureNote *string    `json:"signature_note"`
	SignatureOwn  bool       `json:"signature_own"`
}

// Signed reports whether the participant signed the record (sms or scan).
func (p Participant) Signed() bool {
	return p.SignatureKind != nil && (*p.SignatureKind == "sms" || *p.SignatureKind == "scan")
}

// currentParticipant is the SQL condition on hearing_applications (alias
// a) of a participant as they stand: selected by the draw or moved up,
// and not withdrawn.
const currentParticipant = `a.selected AND a.withdrawn_at IS NULL`

// Participants lists the selected participants of a hearing. The list is
// public once published; before that only the lead unit sees it. Codes:
// hearing_not_found, hearing_participants_not_published.
func (s *Service) Participants(ctx context.Context, actor *identity.Account, hearingID int64) ([]Participant, error) {
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return nil, err
	}
	if h.ParticipantsPublishedAt == nil {
		if _, err := s.leadDecision(ctx, actor, h.DecisionID); err != nil {
			return nil, errListNotPublished
		}
	}
	return participants(ctx, s.DB, h.ID)
}

func participants(ctx context.Context, q querier, hearingID int64) ([]Participant, error) {
	rows, err := q.Query(ctx, `SELECT a.id, a.code, a.side, a.public_name, a.replaces, d.delivered_on, g.signed_at, g.kind, g.note,
			coalesce(g.signed_by = a.account_id, false)
		FROM hearing_applications a LEFT JOIN hearing_deliveries d ON d.application_id = a.id
		LEFT JOIN hearing_signatures g ON g.application_id = a.id
		WHERE a.hearing_id = $1 AND `+currentParticipant+` ORDER BY a.code`, hearingID)
	if err != nil {
		return nil, errs.Internal(err)
	}
	out := []Participant{}
	var p Participant
	if _, err := pgx.ForEachRow(rows, []any{&p.ApplicationID, &p.Code, &p.Side, &p.PublicName, &p.Replaces, &p.DeliveredOn, &p.SignedAt,
		&p.SignatureKind, &p.SignatureNote, &p.SignatureOwn},
		func() error { out = append(out, p); return nil }); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// PublishHearingParticipants publishes the list of participants before the
// hearing (Art. 17(2)); every side declared in the notice must be on it.
// Only staff of the lead unit may call it. Codes: hearing_not_found,
// not_lead_unit_staff, hearing_not_drawn, hearing_participants_already_published,
// hearing_participants_too_late, hearing_side_unrepresented,
// participation_not_allowed_in_stage.
func (s *Service) PublishHearingParticipants(ctx context.Context, actor *identity.Account, hearingID int64) (Hearing, error) {
	return s.step(ctx, actor, hearingID, RecordParticipantsPublished, "公布听证参加人名单", func(tx pgx.Tx, h *Hearing) (map[string]any, error) {
		if h.DrawnAt == nil {
			return nil, errNotDrawn
		}
		if h.ParticipantsPublishedAt != nil {
			return nil, errs.Conflict("hearing_participants_already_published", "听证参加人名单已公布")
		}
		now := s.now()
		if !now.Before(h.StartsAt) {
			return nil, errListTooLate
		}
		ps, err := participants(ctx, tx, h.ID)
		if err != nil {
			return nil, err
		}
		bySide := map[string]int{}
		list := make([]map[string]any, len(ps))
		for i, p := range ps {
			bySide[p.Side]++
			list[i] = map[string]any{"code": p.Code, "side": p.Side, "public_name": p.PublicName}
		}
		for _, side := range h.Sides {
			if bySide[side] == 0 {
				return nil, errRule("hearing_side_unrepresented", "听证参加人须涵盖听证公告列明的各方，"+side+"没有代表")
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE hearings SET participants_published_at = $2 WHERE id = $1`, h.ID, now); err != nil {
			return nil, errs.Internal(err)
		}
		return map[string]any{"participants": list}, nil
	})
}

// MyApplication returns the actor's own application to a hearing, or nil
// when they have not applied. Codes: hearing_not_found.
func (s *Service) MyApplication(ctx context.Context, actor *identity.Account, hearingID int64) (*Application, error) {
	if actor == nil {
		return nil, nil
	}
	h, err := s.GetHearing(ctx, actor, hearingID)
	if err != nil {
		return nil, err
	}
	apps, err := listApplications(ctx, s.DB, h.ID, fmt.Sprintf("AND account_id = %d", actor.ID))
	if err != nil || len(apps) == 0 {
		return nil, err
	}
	return &apps[0], nil
}

// AcceptsApplications reports whether applications are open at t.
func (h *Hearing) AcceptsApplications(t time.Time) bool {
	return h.CancelledAt == nil && h.SelectionMethodPublishedAt != nil && t.Before(h.ApplicationsCloseAt)
}
