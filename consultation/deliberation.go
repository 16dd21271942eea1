package consultation

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation/record"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/workday"
)

// Collective deliberation (集体讨论决定, Decree 713 Art. 30; DOMAIN.md stage
// 5): the draft goes to the decision body's executive meeting (常务会议) or
// plenary meeting (全体会议), nothing else; members speak, the head (行政首长)
// speaks last and decides; a decision that departs from the majority of the
// members needs the head's reason, stated at the meeting; dissent is
// recorded truthfully. Only a draft version covered by a valid legality
// sign-off may be deliberated (Art. 25: a draft not reviewed, or reviewed as
// unlawful, may not be submitted for discussion; version pinning in
// review_pin.go).
//
// Stages: the first recorded meeting moves the decision from under_review to
// deliberation, whatever its outcome. Adopted: the decision waits in
// deliberation for the Party report and publication. Deferred or rejected:
// it stays in deliberation and a later meeting may deliberate the same
// reviewed version again, or the lead unit withdraws the item
// (WithdrawDecision). The law does not say what follows a rejection; we
// neither drop the item automatically nor send it back to drafting, because
// a changed draft would need a new legality review anyway, and withdrawing
// with a stated reason is then the honest record.

// Record entry kinds of deliberation, Party report, publication, feedback.
const (
	RecordDeliberation           RecordKind = "deliberation_recorded"
	RecordPartyReport            RecordKind = "party_report_recorded"
	RecordDecisionPublished      RecordKind = "decision_published"
	RecordImplementationFeedback RecordKind = "implementation_feedback_received"
	RecordDecisionSuspended      RecordKind = "decision_suspended"
)

// deliberationBasis is the legal basis of the meeting rules.
const deliberationBasis = "Decree 713 Art. 30"

// signOffBasis is the legal basis of the review requirement before
// deliberation: Art. 25 forbids submitting an unreviewed or unlawful draft
// for discussion; Art. 28 has the lead unit adjust the draft to the review
// conclusion (the confirmed changed version).
const signOffBasis = "Decree 713 Art. 25, 28"

// MeetingKind is the kind of meeting that deliberated.
type MeetingKind string

// The meeting kinds Art. 30 allows.
const (
	MeetingExecutive MeetingKind = "executive" // 常务会议
	MeetingPlenary   MeetingKind = "plenary"   // 全体会议
)

// MeetingKindNames are the Chinese names of the meeting kinds.
var MeetingKindNames = map[MeetingKind]string{MeetingExecutive: "常务会议", MeetingPlenary: "全体会议"}

// DeliberationOutcome is what the meeting decided.
type DeliberationOutcome string

// The outcomes.
const (
	OutcomeAdopted  DeliberationOutcome = "adopted"  // 通过
	OutcomeRejected DeliberationOutcome = "rejected" // 不予通过
	OutcomeDeferred DeliberationOutcome = "deferred" // 暂缓/再次讨论
)

// DeliberationOutcomeNames are the Chinese names of the outcomes.
var DeliberationOutcomeNames = map[DeliberationOutcome]string{OutcomeAdopted: "通过", OutcomeRejected: "不予通过", OutcomeDeferred: "暂缓决定"}

// Vote is a member's view at the meeting.
type Vote string

// The votes.
const (
	VoteFor     Vote = "for"
	VoteAgainst Vote = "against"
	VoteAbstain Vote = "abstain"
)

// Majority is the majority view of the members other than the head.
type Majority string

// The majority views.
const (
	MajorityFor     Majority = "for"
	MajorityAgainst Majority = "against"
	MajorityNone    Majority = "none" // as many for as against
)

// Limits of a meeting record.
const (
	MaxMeetingMembers      = 100
	MaxMemberNameRunes     = 50
	MaxMemberPosRunes      = 100
	MaxDissentViewRunes    = 2_000
	MaxHeadReasonRunes     = 5_000
	MaxMeetingMinutesRunes = 20_000
	MaxMeetingSessionRunes = 200
)

// MeetingMember is a member present at the meeting and their view.
type MeetingMember struct {
	Name     string `json:"name"`
	Position string `json:"position"`
	// Vote is for, against or abstain; the head's is empty (the head's view
	// is the decision itself).
	Vote Vote `json:"vote"`
}

// MeetingAttendee is a person present without a vote (列席): the lead
// unit's head reporting on the draft, experts, representatives of the
// public. Kept apart from the members: they do not count toward the quorum
// and do not state a vote (Decree 713 Art. 30 speaks of 会议组成人员 only).
type MeetingAttendee struct {
	Name     string `json:"name"`
	Capacity string `json:"capacity"`
}

// MeetingAbsence is a member of the decision body's composition who was
// not present, with the reason given (optional: 请假、出差). The service
// lists every absent member itself from the composition, so the record
// says who was missing (Decree 713 Art. 30: the quorum is counted against
// the whole composition).
type MeetingAbsence struct {
	Name     string `json:"name"`
	Position string `json:"position"`
	Reason   string `json:"reason"`
}

// MaxAbsenceReasonRunes is the longest reason of an absence.
const MaxAbsenceReasonRunes = 200

// MemberDissent is a dissenting view, recorded as stated (Art. 30: 不同意见
// 应当如实载明).
type MemberDissent struct {
	Member string `json:"member"`
	View   string `json:"view"`
}

// DeliberationInput is the record of one meeting.
type DeliberationInput struct {
	// VersionHash names the draft version deliberated by its content hash;
	// it must be the version the valid review sign-off covers.
	VersionHash string
	MeetingKind MeetingKind
	// MeetingDate is the calendar date of the meeting (Asia/Shanghai); only
	// its year, month and day count.
	MeetingDate time.Time
	// Session names the meeting, e.g. 市政府第28次常务会议 (optional).
	Session string
	// Members are the members (组成人员) present, in the order they stated
	// their views; the head speaks last (Art. 30).
	Members []MeetingMember
	// Attendees are those present without a vote (列席).
	Attendees []MeetingAttendee
	// Absences give the reasons of absent members (optional); every member
	// of the composition not present is recorded as absent whether named
	// here or not.
	Absences []MeetingAbsence
	// HeadName is the head (行政首长) who decided; a member present.
	HeadName string
	Outcome  DeliberationOutcome
	// HeadReason is the head's reason for departing from the majority.
	HeadReason string
	Dissent    []MemberDissent
	// Minutes is a summary of the discussion (optional).
	Minutes string
	// Signature is the recording staff member's (the head's) own
	// signature over the statement (DeliberationStatement); without one
	// the platform signs alone.
	Signature *SignerSignature
}

// Deliberation is a recorded meeting.
type Deliberation struct {
	ID            int64
	DecisionID    int64
	VersionID     int64
	VersionNumber int
	VersionHash   string
	ReviewID      int64
	SignOffSeq    int64
	MeetingKind   MeetingKind
	MeetingDate   time.Time
	Session       string
	Members       []MeetingMember
	Attendees     []MeetingAttendee
	// Absences are the composition's members who were not present; nil for
	// a meeting recorded before absences were kept (AbsencesRecorded false).
	Absences         []MeetingAbsence
	AbsencesRecorded bool
	// CompositionSize is the number of the body's members the quorum was
	// counted against.
	CompositionSize int
	HeadName        string
	Outcome         DeliberationOutcome
	Majority        Majority
	// DepartsFromMajority reports whether the outcome departs from the
	// majority view (then HeadReason is set).
	DepartsFromMajority bool
	HeadReason          string
	Dissent             []MemberDissent
	Minutes             string
	RecordedBy          int64
	RecordSeq           int64
	CreatedAt           time.Time
}

// MajorityView is the majority view of the members other than the head:
// for when more voted for than against, against when more voted against,
// none on a tie. Abstentions are no view either way (Art. 30 compares the
// decision with "会议组成人员多数人的意见", the view most members stated).
// The head's own vote does not count: the head's view is the decision.
func MajorityView(members []MeetingMember, head string) Majority {
	var f, a int
	for _, m := range members {
		if m.Name == head {
			continue
		}
		switch m.Vote {
		case VoteFor:
			f++
		case VoteAgainst:
			a++
		}
	}
	switch {
	case f > a:
		return MajorityFor
	case a > f:
		return MajorityAgainst
	}
	return MajorityNone
}

// DepartsFromMajority reports whether an outcome departs from the majority
// view: adopting against a majority against, rejecting against a majority
// for, or deferring what a majority was for (the majority wanted a decision
// now). Deferring against a majority against adopts nothing and so does not
// depart; with no majority nothing departs.
func DepartsFromMajority(outcome DeliberationOutcome, m Majority) bool {
	switch outcome {
	case OutcomeAdopted:
		return m == MajorityAgainst
	case OutcomeRejected, OutcomeDeferred:
		return m == MajorityFor
	}
	return false
}

func invalidWithBasis(code, field, msg, basis string) *errs.Error {
	e := errs.InvalidField(code, field, msg)
	e.Basis = basis
	return e
}

// civilDate is the calendar date of t in Asia/Shanghai, as midnight UTC (how
// a PostgreSQL date reads back).
func civilDate(t time.Time) time.Time {
	y, m, d := t.In(workday.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// dateOnly drops the time of a date given as input.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// formatDate is a date as the record and the API store it (2026-12-04);
// peopleDate is the same date as people read it (2026年12月4日), in every
// message a person reads.
func formatDate(t time.Time) string { return t.Format("2006-01-02") }

func peopleDate(t time.Time) string { return t.Format("2006年1月2日") }

// nextID takes the next id of a table's serial column, so that a row can be
// named in its process-record entry before it is inserted with the entry's
// seq (the tables are immutable: no update afterwards).
func nextID(ctx context.Context, tx pgx.Tx, table string) (int64, error) {
	var id int64
	if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id'))`, table).Scan(&id); err != nil {
		return 0, errs.Internal(err)
	}
	return id, nil
}

// cleanDeliberation validates a meeting record, everything that needs no
// database.
func cleanDeliberation(in DeliberationInput) (DeliberationInput, error) {
	out := DeliberationInput{VersionHash: strings.TrimSpace(in.VersionHash), MeetingKind: in.MeetingKind, Outcome: in.Outcome,
		Signature: in.Signature}
	if out.VersionHash == "" {
		return out, errs.InvalidField("version_hash_required", "version_hash", "请写明所讨论草案版本的内容哈希")
	}
	if MeetingKindNames[in.MeetingKind] == "" {
		return out, invalidWithBasis("invalid_meeting_kind", "meeting_kind",
			"重大行政决策草案应当经决策机关常务会议或者全体会议讨论，其他会议不能作为集体讨论决定（《重大行政决策程序暂行条例》第三十条）", deliberationBasis)
	}
	if in.MeetingDate.IsZero() {
		return out, errs.InvalidField("meeting_date_required", "meeting_date", "请填写会议日期")
	}
	out.MeetingDate = dateOnly(in.MeetingDate)
	if DeliberationOutcomeNames[in.Outcome] == "" {
		return out, errs.InvalidField("invalid_deliberation_outcome", "outcome", "请选择讨论结果：通过、不予通过或暂缓决定")
	}
	var err error
	if out.Session, err = limitText("session", "session", "会议名称", in.Session, MaxMeetingSessionRunes, false); err != nil {
		return out, err
	}
	if out.Minutes, err = limitText("minutes", "minutes", "讨论情况摘要", in.Minutes, MaxMeetingMinutesRunes, false); err != nil {
		return out, err
	}
	if out.HeadName, err = limitText("head_name", "head_name", "作出决定的行政首长姓名", in.HeadName, MaxMemberNameRunes, true); err != nil {
		return out, err
	}
	if len(in.Members) == 0 {
		return out, errs.InvalidField("members_required", "members", "请填写出席会议的组成人员")
	}
	if len(in.Members) > MaxMeetingMembers {
		return out, errs.InvalidField("too_many_members", "members", "出席人员最多"+strconv.Itoa(MaxMeetingMembers)+"名")
	}
	headPresent := false
	for _, m := range in.Members {
		headPresent = headPresent || strings.TrimSpace(cleanText(m.Name)) == out.HeadName
	}
	if !headPresent {
		return out, invalidWithBasis("head_not_present", "head_name",
			"作出决定的行政首长“"+out.HeadName+"”须在出席人员之中（行政首长在集体讨论的基础上作出决定）", deliberationBasis)
	}
	present := map[string]Vote{}
	for _, m := range in.Members {
		name := strings.TrimSpace(cleanText(m.Name))
		pos := strings.TrimSpace(cleanText(m.Position))
		switch {
		case name == "" || utf8.RuneCountInString(name) > MaxMemberNameRunes:
			return out, errs.InvalidField("invalid_member", "members", "每名出席人员须填写姓名（不超过"+strconv.Itoa(MaxMemberNameRunes)+"字）")
		case utf8.RuneCountInString(pos) > MaxMemberPosRunes:
			return out, errs.InvalidField("invalid_member", "members", "职务不能超过"+strconv.Itoa(MaxMemberPosRunes)+"字")
		}
		if _, dup := present[name]; dup {
			return out, errs.InvalidField("duplicate_member", "members", "出席人员“"+name+"”重复")
		}
		vote := m.Vote
		if name == out.HeadName {
			vote = "" // the head's view is the decision itself
		} else if vote != VoteFor && vote != VoteAgainst && vote != VoteAbstain {
			return out, invalidWithBasis("invalid_vote", "members",
				"请选择“"+name+"”的表决意见：赞成、反对或弃权（会议组成人员充分发表意见）", deliberationBasis)
		}
		present[name] = vote
		out.Members = append(out.Members, MeetingMember{Name: name, Position: pos, Vote: vote})
	}
	// Art. 30: 行政首长…在集体讨论的基础上作出决定: members state their
	// views first and the head speaks last.
	if out.Members[len(out.Members)-1].Name != out.HeadName {
		return out, invalidWithBasis("head_not_last", "members",
			"出席人员按发言顺序填写，行政首长“"+out.HeadName+"”须最后发言（会议组成人员充分发表意见后，行政首长在集体讨论的基础上作出决定）", deliberationBasis)
	}
	out.Attendees = []MeetingAttendee{}
	for _, a := range in.Attendees {
		name := strings.TrimSpace(cleanText(a.Name))
		capacity := strings.TrimSpace(cleanText(a.Capacity))
		_, member := present[name]
		switch {
		case name == "" || utf8.RuneCountInString(name) > MaxMemberNameRunes || utf8.RuneCountInString(capacity) > MaxMemberPosRunes:
			return out, errs.InvalidField("invalid_attendee", "attendees", "每名列席人员须填写姓名（不超过"+strconv.Itoa(MaxMemberNameRunes)+"字）")
		case member:
			return out, errs.InvalidField("attendee_is_member", "attendees", "“"+name+"”已作为组成人员出席，不能同时列席")
		}
		out.Attendees = append(out.Attendees, MeetingAttendee{Name: name, Capacity: capacity})
	}
	if len(out.Attendees) > MaxMeetingMembers {
		return out, errs.InvalidField("too_many_members", "attendees", "列席人员最多"+strconv.Itoa(MaxMeetingMembers)+"名")
	}
	out.Absences = []MeetingAbsence{}
	absent := map[string]bool{}
	for _, a := range in.Absences {
		name := strings.TrimSpace(cleanText(a.Name))
		reason := strings.TrimSpace(cleanText(a.Reason))
		_, member := present[name]
		switch {
		case name == "" || utf8.RuneCountInString(name) > MaxMemberNameRunes || utf8.RuneCountInString(reason) > MaxAbsenceReasonRunes:
			return out, errs.InvalidField("invalid_absence", "absences", "每名缺席人员须填写姓名，缺席原因不超过"+strconv.Itoa(MaxAbsenceReasonRunes)+"字")
		case member:
			return out, errs.InvalidField("absent_member_present", "absences", "“"+name+"”已记录为出席，不能同时记录为缺席")
		case absent[name]:
			return out, errs.InvalidField("duplicate_member", "absences", "缺席人员“"+name+"”重复")
		}
		absent[name] = true
		out.Absences = append(out.Absences, MeetingAbsence{Name: name, Reason: reason})
	}
	out.Dissent = []MemberDissent{}
	dissented := map[string]bool{}
	for _, d := range in.Dissent {
		name := strings.TrimSpace(cleanText(d.Member))
		view := strings.TrimSpace(cleanText(d.View))
		if _, ok := present[name]; !ok {
			return out, errs.InvalidField("dissent_member_not_present", "dissent", "“"+name+"”不在出席人员之中")
		}
		if view == "" || utf8.RuneCountInString(view) > MaxDissentViewRunes {
			return out, errs.InvalidField("invalid_dissent", "dissent", "请如实载明“"+name+"”的不同意见（不超过"+strconv.Itoa(MaxDissentViewRunes)+"字）")
		}
		if dissented[name] {
			return out, errs.InvalidField("invalid_dissent", "dissent", "“"+name+"”的不同意见重复")
		}
		dissented[name] = true
		out.Dissent = append(out.Dissent, MemberDissent{Member: name, View: view})
	}
	// Art. 30: 不同意见应当如实载明. A member who voted against what was
	// decided has a different view, and the record must state it.
	for _, m := range out.Members {
		contrary := (out.Outcome == OutcomeAdopted && m.Vote == VoteAgainst) || (out.Outcome == OutcomeRejected && m.Vote == VoteFor)
		if contrary && !dissented[m.Name] {
			return out, invalidWithBasis("dissent_view_required", "dissent", "“"+m.Name+"”的意见与讨论结果不同，须如实载明其不同意见", deliberationBasis)
		}
	}
	if out.HeadReason, err = limitText("head_reason", "head_reason", "行政首长的理由", in.HeadReason, MaxHeadReasonRunes, false); err != nil {
		return out, err
	}
	if DepartsFromMajority(out.Outcome, MajorityView(out.Members, out.HeadName)) && out.HeadReason == "" {
		return out, invalidWithBasis("head_reason_required", "head_reason",
			"决定与会议组成人员多数人的意见不一致，须记录行政首长在会上说明的理由（《重大行政决策程序暂行条例》第三十条）", deliberationBasis)
	}
	return out, nil
}

// requireDecisionStaff refuses anyone but staff of the decision's lead unit
// or decision body; like requireLeadWriter, anyone else who may not see the
// decision learns nothing about it.
func requireDecisionStaff(actor *identity.Account, d *Decision) error {
	if actor == nil {
		return errs.Unauthenticated("authentication_required", "请先登录")
	}
	if !canSee(actor, d) && !actor.HasRole(identity.RoleAgencyStaff) {
		return errDecisionNotFound
	}
	if !actor.IsStaffOf(d.LeadAgencyID) && !actor.IsStaffOf(d.DecisionBodyID) {
		return errs.Forbidden("not_decision_staff", "只有该决策事项承办单位或决策机关的工作人员可以执行此操作")
	}
	return nil
}

// signOffGateError is the refusal of a step that needs a valid sign-off,
// with the reason currentSignOff gives.
func signOffGateError(so SignOff) error {
	msg := so.Reason
	if msg == "" {
		msg = "决策草案须经合法性审查且审查意见有效，方可提交集体讨论决定"
	}
	return errs.GatesFailed([]errs.Gate{{Code: "valid_review_conclusion_required", Basis: signOffBasis, Message: msg}})
}

// requireDecidedVersion checks that the valid sign-off covers exactly the
// version named by hash.
func requireDecidedVersion(so SignOff, hash string) error {
	if hash != so.VersionHash {
		return errs.Conflict("decided_version_mismatch", "所讨论的草案版本与合法性审查意见所针对的版本（第"+strconv.Itoa(so.VersionNumber)+"版，"+
			record.HashPrefix(so.VersionHash)+"…）不一致，只能讨论经审查的版本")
	}
	return nil
}

func init() {
	addGate(StatusDeliberation, Gate{Code: "valid_review_conclusion_required", Basis: signOffBasis, Applies: always,
		Title:   "最新草案版本已经合法性审查且审查意见为合法（或经确认的修改后合法）",
		Message: "决策草案未经合法性审查、经审查不合法，或审查意见不针对当前版本，不得提交集体讨论决定（《重大行政决策程序暂行条例》第二十五条）",
		Check: func(ctx context.Context, st *GateState) (bool, error) {
			so, err := currentSignOff(ctx, st.Tx, st.Decision.ID)
			if errs.HasCode(err, "decision_has_no_version") {
				return false, nil
			}
			return so.Valid, err
		}})
}

// RecordDeliberation records a meeting of the decision body on the draft
// (Decree 713 Art. 30) as a signed process-record entry that binds the
// version's content hash. The first meeting moves the decision from
// under_review to deliberation through the stage gates; later meetings
// (after a deferral or rejection) are recorded in deliberation. Only staff
// of the lead unit or of the decision body may call it; with in.Signature
// the entry carries their own signature (signed_by.method personal_key),
// otherwise the platform's alone (platform). Codes:
// decision_not_found, not_decision_staff, version_hash_required,
// invalid_meeting_kind, meeting_date_required, meeting_date_in_future,
// meeting_before_review_conclusion, invalid_deliberation_outcome,
// session_too_long, minutes_too_long, head_name_required,
// head_name_too_long, members_required, too_many_members, invalid_member,
// duplicate_member, invalid_vote, head_not_present, invalid_absence,
// absent_member_present, not_a_member, head_not_composition_head,
// meeting_quorum_not_met, dissent_member_not_present, invalid_dissent, dissent_view_required,
// head_reason_too_long, head_reason_required (422);
// valid_review_conclusion_required, decided_version_mismatch,
// decision_already_adopted, stage_transition_not_allowed,
// decision_has_no_version (409); with a signature also
// signing_key_not_found (422), signing_key_not_confirmed,
// signing_key_revoked (403), signature_required, signer_signature_invalid (422).
func (s *Service) RecordDeliberation(ctx context.Context, actor *identity.Account, decisionID int64, in DeliberationInput) (Deliberation, error) {
	return signed(s.recordDeliberation(ctx, actor, decisionID, in, ""))
}

// DeliberationStatement returns the statement the recording staff member
// signs with their key keyID for the meeting in (record.Statement):
// RecordDeliberation with the signature then records it, countersigned by
// the platform. It checks what RecordDeliberation checks and writes
// nothing. Codes: those of RecordDeliberation, signing_key_id_required.
func (s *Service) DeliberationStatement(ctx context.Context, actor *identity.Account, decisionID int64, in DeliberationInput,
	keyID string) ([]byte, error) {
	return signOffStatement(ctx, actor, decisionID, in, keyID, s.recordDeliberation)
}

func (s *Service) recordDeliberation(ctx context.Context, actor *identity.Account, decisionID int64, in DeliberationInput,
	statementKey string) (Deliberation, []byte, error) {
	in, err := cleanDeliberation(in)
	if err != nil {
		return Deliberation{}, nil, err
	}
	today := civilDate(s.now())
	if in.MeetingDate.After(today) {
		return Deliberation{}, nil, invalidWithBasis("meeting_date_in_future", "meeting_date",
			"会议日期不能晚于今天（"+peopleDate(today)+"）：集体讨论决定须在会议召开后如实记录", deliberationBasis)
	}
	var out Deliberation
	run := signOffRun{key: statementKey}
	err = s.writeDecision(ctx, actor, decisionID, requireDecisionStaff, func(tx pgx.Tx, d Decision) (err error) {
		if d.Status != StatusUnderReview && d.Status != StatusDeliberation {
			return errs.Conflict("stage_transition_not_allowed", "决策事项处于"+StatusNames[d.Status]+"阶段，不能记录集体讨论决定")
		}
		if adopted, err := adoptedDeliberation(ctx, tx, d.ID); err == nil {
			// Art. 30: the meeting decides; a decision adopted is not
			// discussed again (a major adjustment runs anew, Art. 37).
			e := errs.Conflict("decision_already_adopted", "该决策事项已经"+peopleDate(adopted.MeetingDate)+MeetingKindNames[adopted.MeetingKind]+"讨论通过")
			e.Basis = deliberationBasis
			return e
		} else if !errs.HasCode(err, "adopted_deliberation_required") {
			return err
		}
		size, err := checkComposition(ctx, tx, &d, &in)
		if err != nil {
			return err
		}
		so, err := currentSignOff(ctx, tx, d.ID)
		if err != nil {
			return err
		}
		if !so.Valid {
			return signOffGateError(so)
		}
		if err := requireUnlawfulOpinionResolved(ctx, tx, so.ReviewID); err != nil {
			return err
		}
		if err := requireDecidedVersion(so, in.VersionHash); err != nil {
			return err
		}
		var signedAt time.Time
		if err := tx.QueryRow(ctx, `SELECT recorded_at FROM record_entries WHERE decision_id = $1 AND seq = $2`, d.ID, so.RecordSeq).Scan(&signedAt); err != nil {
			return errs.Internal(err)
		}
		if in.MeetingDate.Before(civilDate(signedAt)) {
			return invalidWithBasis("meeting_before_review_conclusion", "meeting_date",
				"会议日期早于合法性审查意见（"+peopleDate(civilDate(signedAt))+"）：未经合法性审查的草案不得提交讨论", "Decree 713 Art. 25")
		}
		if d.Status == StatusUnderReview {
			if err := s.transition(ctx, tx, actor, &d, StatusDeliberation, map[string]any{"version_id": so.VersionID, "version_hash": so.VersionHash}); err != nil {
				return err
			}
		}
		out = Deliberation{DecisionID: d.ID, VersionID: so.VersionID, VersionNumber: so.VersionNumber, VersionHash: so.VersionHash,
			ReviewID: so.ReviewID, SignOffSeq: so.RecordSeq, MeetingKind: in.MeetingKind, MeetingDate: in.MeetingDate, Session: in.Session,
			Members: in.Members, Attendees: in.Attendees, Absences: in.Absences, AbsencesRecorded: true, CompositionSize: size, HeadName: in.HeadName, Outcome: in.Outcome, Majority: MajorityView(in.Members, in.HeadName),
			HeadReason: in.HeadReason, Dissent: in.Dissent, Minutes: in.Minutes, RecordedBy: actor.ID}
		out.DepartsFromMajority = DepartsFromMajority(out.Outcome, out.Majority)
		// What the signer signs: the whole entry but the row's id, which
		// is drawn only when the meeting is written.
		content := map[string]any{
			"version_id": out.VersionID, "version_number": out.VersionNumber, "review_id": out.ReviewID,
			"sign_off_seq": out.SignOffSeq, "meeting_kind": out.MeetingKind, "meeting_date": formatDate(out.MeetingDate),
			"session": out.Session, "members": out.Members, "attendees": out.Attendees, "absences": out.Absences,
			"composition_size": out.CompositionSize, "quorum_basis": deliberationBasis, "head_name": out.HeadName, "outcome": out.Outcome, "majority": out.Majority,
			"departs_from_majority": out.DepartsFromMajority, "head_reason": out.HeadReason, "dissent": out.Dissent, "minutes": out.Minutes,
			"version_hash": out.VersionHash,
		}
		step, id, err := s.signNewRow(ctx, tx, &run, signedStep{decisionID: d.ID, actor: actor, kind: RecordDeliberation, payload: content,
			versionHash: out.VersionHash}, signerAuth{recorded: true, signature: in.Signature}, "deliberations", "deliberation_id")
		if err != nil {
			return err
		}
		out.ID = id
		members, _ := json.Marshal(out.Members)
		attendees, _ := json.Marshal(out.Attendees)
		absences, _ := json.Marshal(out.Absences)
		dissent, _ := json.Marshal(out.Dissent)
		_, err = s.appendBound(ctx, tx, step, func(seq int64, at time.Time) (string, int64, error) {
			out.RecordSeq, out.CreatedAt = seq, at
			_, err := tx.Exec(ctx, `INSERT INTO deliberations (id, decision_id, version_id, version_hash, review_id, sign_off_seq, meeting_kind,
				meeting_date, session, members, head_name, outcome, majority, head_reason, dissent, minutes, recorded_by, record_seq, created_at,
				attendees, composition_size, absences)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
				out.ID, out.DecisionID, out.VersionID, out.VersionHash, out.ReviewID, out.SignOffSeq, out.MeetingKind, out.MeetingDate, out.Session,
				members, out.HeadName, out.Outcome, out.Majority, out.HeadReason, dissent, out.Minutes, out.RecordedBy, out.RecordSeq, out.CreatedAt,
				attendees, out.CompositionSize, absences)
			return "deliberations", out.ID, err
		})
		return err
	})
	return statementOrResult(out, run.statement, err)
}

const deliberationColumns = `g.id, g.decision_id, g.version_id, v.number, g.version_hash, g.review_id, g.sign_off_seq, g.meeting_kind, g.meeting_date,
	g.session, g.members, g.head_name, g.outcome, g.majority, g.head_reason, g.dissent, g.minutes, g.recorded_by, g.record_seq, g.created_at,
	g.attendees, g.composition_size, g.absences`

func queryDeliberations(ctx context.Context, q querier, where string, args ...any) ([]Deliberation, error) {
	rows, err := q.Query(ctx, `SELECT `+deliberationColumns+` FROM deliberations g JOIN draft_versions v ON v.id = g.version_id WHERE `+where, args...)
	if err != nil {
		return nil, errs.Internal(err)
	}
	var out []Deliberation
	var g Deliberation
	var members, dissent, attendees, absences []byte
	if _, err := pgx.ForEachRow(rows, []any{&g.ID, &g.DecisionID, &g.VersionID, &g.VersionNumber, &g.VersionHash, &g.ReviewID, &g.SignOffSeq,
		&g.MeetingKind, &g.MeetingDate, &g.Session, &members, &g.HeadName, &g.Outcome, &g.Majority, &g.HeadReason, &dissent, &g.Minutes,
		&g.RecordedBy, &g.RecordSeq, &g.CreatedAt, &attendees, &g.CompositionSize, &absences}, func() error {
		if err := json.Unmarshal(members, &g.Members); err != nil {
			return err
		}
		if err := json.Unmarshal(attendees, &g.Attendees); err != nil {
			return err
		}
		if err := json.Unmarshal(dissent, &g.Dissent); err != nil {
			return err
		}
		// NULL: recorded before absences were kept (migration 00110).
		if g.AbsencesRecorded = absences != nil; g.AbsencesRecorded {
			if err := json.Unmarshal(absences, &g.Absences); err != nil {
				return err
			}
		}
		g.DepartsFromMajority = DepartsFromMajority(g.Outcome, g.Majority)
		out = append(out, g)
		g = Deliberation{}
		return nil
	}); err != nil {
		return nil, errs.Internal(err)
	}
	return out, nil
}

// adoptedDeliberation returns the meeting that adopted the decision, or
// adopted_deliberation_required.
func adoptedDeliberation(ctx context.Context, q querier, decisionID int64) (Deliberation, error) {
	list, err := queryDeliberations(ctx, q, `g.decision_id = $1 AND g.outcome = 'adopted'`, decisionID)
	if err != nil {
		return Deliberation{}, err
	}
	if len(list) == 0 {
		return Deliberation{}, errs.Conflict("adopted_deliberation_required",
			"决策草案尚未经决策机关常务会议或者全体会议讨论通过（《重大行政决策程序暂行条例》第三十条）")
	}
	return list[0], nil
}

// ListDeliberations returns the meetings recorded on a decision, oldest
// first, with members, votes and dissent. Staff of the lead unit, the
// decision body and co-units, the legality-review roles and admins may call
// it (canSeeInternal); the public reads the publication instead. Codes:
// decision_not_found, not_lead_unit_staff.
func (s *Service) ListDeliberations(ctx context.Context, actor *identity.Account, decisionID int64) ([]Deliberation, error) {
	if _, err := internalDecision(ctx, s.DB, actor, decisionID,
		errs.Forbidden("not_lead_unit_staff", "只有相关机构的工作人员可以查看集体讨论记录")); err != nil {
		return nil, err
	}
	list, err := queryDeliberations(ctx, s.DB, `g.decision_id = $1 ORDER BY g.id`, decisionID)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []Deliberation{}
	}
	return list, nil
}
