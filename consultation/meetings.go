package consultation

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
)

// The composition of a decision body's meetings (会议组成人员, Decree 713
// Art. 30): who may deliberate and vote at its executive or plenary
// meeting, with the head (行政首长). An admin keeps it per decision body; a
// meeting record is checked against it (quorum of more than half, the head
// present and speaking last; deliberation.go). Departments and township
// governments are decision bodies too (Art. 42) and keep their own.

// The composition is not a step of one decision: meeting_members keeps who
// changed it and when, and each meeting record copies the size it was
// counted against.

// MeetingCompositionMember is one member (组成人员) of a decision body.
type MeetingCompositionMember struct {
	Name     string
	Position string
	IsHead   bool
}

// MeetingComposition is the list of a decision body's members.
type MeetingComposition struct {
	DecisionBodyID   int64
	DecisionBodyCode string
	DecisionBodyName string
	Members          []MeetingCompositionMember
	UpdatedBy        int64
	UpdatedAt        *time.Time
}

// Head returns the head's name, or "".
func (c MeetingComposition) Head() string {
	for _, m := range c.Members {
		if m.IsHead {
			return m.Name
		}
	}
	return ""
}

// MaxCompositionMembers is the longest composition accepted.
const MaxCompositionMembers = 100

// MinCompositionMembers is the smallest composition accepted: the head and
// two other members. Decree 713 Art. 30 wants the draft discussed
// collectively (集体讨论) and the head to decide after the members have
// stated their views; the law names no number, but a "meeting" of the head
// alone (or of the head and one other, where a single absence leaves the
// head alone) is no collective discussion. Even a township government's
// executive meeting has the head and at least two deputies.
const MinCompositionMembers = 3

// decisionBody resolves a decision body by its code: an agency of kind
// government (the people's government of a city, county or township) or
// department (a department deciding within its remit, Decree 713 Art. 42).
func decisionBody(ctx context.Context, q querier, code string) (int64, string, string, error) {
	rows, err := q.Query(ctx, `SELECT id, code, name FROM agencies WHERE code = $1 AND kind IN ('government', 'department')`, strings.TrimSpace(code))
	if err != nil {
		return 0, "", "", errs.Internal(err)
	}
	type body struct {
		ID         int64
		Code, Name string
	}
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[body])
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", "", errs.NotFound("decision_body_not_found", "没有代码为“"+code+"”的决策机关")
	}
	if err != nil {
		return 0, "", "", errs.Internal(err)
	}
	return b.ID, b.Code, b.Name, nil
}

// SetMeetingComposition replaces the members of a decision body's meetings.
// Exactly one member is the head (行政首长); names are unique; at least
// MinCompositionMembers. Only admins may call it; the change is audited
// with the members before and after. Codes:
// decision_body_not_found, members_required, too_few_members (422, Art. 30),
// too_many_members, invalid_member, duplicate_member,
// composition_head_required (422, Decree 713 Art. 30).
func (s *Service) SetMeetingComposition(ctx context.Context, actor *identity.Account, bodyCode string, members []MeetingCompositionMember) (MeetingComposition, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin); err != nil {
		return MeetingComposition{}, err
	}
	if len(members) == 0 {
		return MeetingComposition{}, errs.InvalidField("members_required", "members", "请填写会议组成人员")
	}
	if len(members) < MinCompositionMembers {
		return MeetingComposition{}, invalidWithBasis("too_few_members", "members", "会议组成人员至少"+strconv.Itoa(MinCompositionMembers)+
			"名（行政首长和至少两名其他组成人员）：集体讨论决定不能由一两个人进行（《重大行政决策程序暂行条例》第三十条）", deliberationBasis)
	}
	if len(members) > MaxCompositionMembers {
		return MeetingComposition{}, errs.InvalidField("too_many_members", "members", "组成人员最多"+strconv.Itoa(MaxCompositionMembers)+"名")
	}
	seen := map[string]bool{}
	heads := 0
	clean := make([]MeetingCompositionMember, 0, len(members))
	for _, m := range members {
		name := strings.TrimSpace(cleanText(m.Name))
		pos := strings.TrimSpace(cleanText(m.Position))
		if name == "" || utf8.RuneCountInString(name) > MaxMemberNameRunes || utf8.RuneCountInString(pos) > MaxMemberPosRunes {
			return MeetingComposition{}, errs.InvalidField("invalid_member", "members", "每名组成人员须填写姓名（不超过"+strconv.Itoa(MaxMemberNameRunes)+"字），职务不超过"+strconv.Itoa(MaxMemberPosRunes)+"字")
		}
		if seen[name] {
			return MeetingComposition{}, errs.InvalidField("duplicate_member", "members", "组成人员“"+name+"”重复")
		}
		seen[name] = true
		if m.IsHead {
			heads++
		}
		clean = append(clean, MeetingCompositionMember{Name: name, Position: pos, IsHead: m.IsHead})
	}
	if heads != 1 {
		return MeetingComposition{}, invalidWithBasis("composition_head_required", "members",
			"组成人员中须有且只有一名行政首长（决策机关的主要负责人）", deliberationBasis)
	}
	err := pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		id, _, name, err := decisionBody(ctx, tx, bodyCode)
		if err != nil {
			return err
		}
		old, err := meetingComposition(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM meeting_members WHERE decision_body_id = $1`, id); err != nil {
			return errs.Internal(err)
		}
		now := s.now()
		for i, m := range clean {
			if _, err := tx.Exec(ctx, `INSERT INTO meeting_members (decision_body_id, name, position, is_head, position_order, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, m.Name, m.Position, m.IsHead, i, actor.ID, now); err != nil {
				return errs.Internal(err)
			}
		}
		// Who the members are decides whether a meeting counts (quorum,
		// the head): the entry keeps the whole list before and after.
		return s.audit(ctx, tx, actor, identity.AdminAction{Action: "set-meeting-composition", TargetKind: "agency", TargetID: id,
			TargetName: name, Detail: map[string]any{"before": compositionDetail(old.Members), "after": compositionDetail(clean)}})
	})
	if err != nil {
		return MeetingComposition{}, err
	}
	return s.GetMeetingComposition(ctx, actor, bodyCode)
}

// compositionDetail is a composition as the audit log keeps it.
func compositionDetail(members []MeetingCompositionMember) []map[string]any {
	out := make([]map[string]any, 0, len(members))
	for _, m := range members {
		out = append(out, map[string]any{"name": m.Name, "position": m.Position, "is_head": m.IsHead})
	}
	return out
}

// GetMeetingComposition returns a decision body's meeting composition (empty
// when none is kept yet). Admins and agency staff may call it. Codes:
// decision_body_not_found.
func (s *Service) GetMeetingComposition(ctx context.Context, actor *identity.Account, bodyCode string) (MeetingComposition, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin, identity.RoleAgencyStaff, identity.RoleReviewer); err != nil {
		return MeetingComposition{}, err
	}
	id, code, name, err := decisionBody(ctx, s.DB, bodyCode)
	if err != nil {
		return MeetingComposition{}, err
	}
	c, err := meetingComposition(ctx, s.DB, id)
	c.DecisionBodyCode, c.DecisionBodyName = code, name
	return c, err
}

func meetingComposition(ctx context.Context, q querier, bodyID int64) (MeetingComposition, error) {
	c := MeetingComposition{DecisionBodyID: bodyID, Members: []MeetingCompositionMember{}}
	rows, err := q.Query(ctx, `SELECT name, position, is_head, updated_by, updated_at FROM meeting_members
		WHERE decision_body_id = $1 ORDER BY position_order`, bodyID)
	if err != nil {
		return c, errs.Internal(err)
	}
	var m MeetingCompositionMember
	var by int64
	var at time.Time
	if _, err := pgx.ForEachRow(rows, []any{&m.Name, &m.Position, &m.IsHead, &by, &at}, func() error {
		c.Members = append(c.Members, m)
		c.UpdatedBy, c.UpdatedAt = by, &at
		return nil
	}); err != nil {
		return c, errs.Internal(err)
	}
	return c, nil
}

// ListMeetingCompositions returns the composition of every decision body
// (government and department agencies), for the admin page. Only admins
// may call it.
func (s *Service) ListMeetingCompositions(ctx context.Context, actor *identity.Account) ([]MeetingComposition, error) {
	if err := identity.RequireRole(actor, identity.RoleAdmin); err != nil {
		return nil, err
	}
	rows, err := s.DB.Query(ctx, `SELECT id, code, name FROM agencies WHERE kind IN ('government', 'department') ORDER BY kind DESC, code`)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []MeetingComposition
	var c MeetingComposition
	if _, err := pgx.ForEachRow(rows, []any{&c.DecisionBodyID, &c.DecisionBodyCode, &c.DecisionBodyName}, func() error {
		out = append(out, c)
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	for i := range out {
		m, err := meetingComposition(ctx, s.DB, out[i].DecisionBodyID)
		if err != nil {
			return nil, err
		}
		out[i].Members, out[i].UpdatedBy, out[i].UpdatedAt = m.Members, m.UpdatedBy, m.UpdatedAt
	}
	return out, nil
}

// checkComposition checks a meeting record against the decision body's
// composition (Decree 713 Art. 30) and returns the composition's size: the
// body keeps one; every member listed belongs to it (others attend as 列席);
// more than half of its members are present; the head who decided is its
// head. It completes in from the composition: a member present without a
// position gets the one kept, and every member not present is recorded as
// absent (with the reason given for them, if any), so the record says who
// was missing. Codes: meeting_composition_required,
// meeting_composition_too_small (409: fewer than MinCompositionMembers,
// kept before that rule), not_a_member, meeting_quorum_not_met,
// head_not_composition_head (422).
func checkComposition(ctx context.Context, tx pgx.Tx, d *Decision, in *DeliberationInput) (int, error) {
	c, err := meetingComposition(ctx, tx, d.DecisionBodyID)
	if err != nil {
		return 0, err
	}
	if len(c.Members) == 0 {
		e := errs.Conflict("meeting_composition_required", "尚未登记“"+d.DecisionBodyName+
			"”常务会议（全体会议）的组成人员，无法核对会议是否有效：请平台管理员先登记组成人员（《重大行政决策程序暂行条例》第三十条）")
		e.Basis = deliberationBasis
		return 0, e
	}
	if len(c.Members) < MinCompositionMembers {
		e := errs.Conflict("meeting_composition_too_small", "“"+d.DecisionBodyName+"”登记的会议组成人员只有"+strconv.Itoa(len(c.Members))+
			"名，不足以集体讨论决定：请平台管理员按实际登记全部组成人员（至少"+strconv.Itoa(MinCompositionMembers)+"名，《重大行政决策程序暂行条例》第三十条）")
		e.Basis = deliberationBasis
		return 0, e
	}
	inComposition := map[string]MeetingCompositionMember{}
	for _, m := range c.Members {
		inComposition[m.Name] = m
	}
	present := map[string]bool{}
	for i, m := range in.Members {
		kept, ok := inComposition[m.Name]
		if !ok {
			return 0, invalidWithBasis("not_a_member", "members",
				"“"+m.Name+"”不是"+d.DecisionBodyName+"会议组成人员：非组成人员请作为列席人员记录，不计入出席人数、不参与表态", deliberationBasis)
		}
		if m.Position == "" {
			in.Members[i].Position = kept.Position
		}
		present[m.Name] = true
	}
	reasons := map[string]string{}
	for _, a := range in.Absences {
		if _, ok := inComposition[a.Name]; !ok {
			return 0, invalidWithBasis("not_a_member", "absences",
				"“"+a.Name+"”不是"+d.DecisionBodyName+"会议组成人员，无须记录缺席", deliberationBasis)
		}
		reasons[a.Name] = a.Reason
	}
	in.Absences = []MeetingAbsence{}
	for _, m := range c.Members {
		if !present[m.Name] {
			in.Absences = append(in.Absences, MeetingAbsence{Name: m.Name, Position: m.Position, Reason: reasons[m.Name]})
		}
	}
	if head := c.Head(); in.HeadName != head {
		return 0, invalidWithBasis("head_not_composition_head", "head_name",
			"作出决定的须为行政首长“"+head+"”（"+d.DecisionBodyName+"会议组成人员中登记的行政首长）", deliberationBasis)
	}
	if !QuorumMet(len(in.Members), len(c.Members)) {
		return 0, invalidWithBasis("meeting_quorum_not_met", "members",
			"出席的组成人员"+strconv.Itoa(len(in.Members))+"名，未超过组成人员（"+strconv.Itoa(len(c.Members))+
				"名）的半数，会议不能作为集体讨论决定（《重大行政决策程序暂行条例》第三十条）", deliberationBasis)
	}
	return len(c.Members), nil
}

// QuorumMet reports whether present members are more than half of the
// composition: a meeting of 10 members needs 6, of 9 needs 5. Decree 713
// Art. 30 requires collective discussion at the executive or plenary
// meeting; the quorum of more than half is the general rule of collective
// bodies (the State Council's and local governments' working rules:
// 会议须有半数以上组成人员出席方能举行), read strictly here as "more than".
func QuorumMet(present, composition int) bool { return composition > 0 && 2*present > composition }
