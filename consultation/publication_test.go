package consultation_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/internal/workday"
)

// votes lists members in the order they spoke: the others, then the head
// last (Decree 713 Art. 30).
func votes(head string, vs ...consultation.Vote) []consultation.MeetingMember {
	var out []consultation.MeetingMember
	for i, v := range vs {
		out = append(out, consultation.MeetingMember{Name: fmt.Sprintf("委员%d", i+1), Vote: v})
	}
	return append(out, consultation.MeetingMember{Name: head})
}

// TestMajorityView pins Decree 713 Art. 30's majority at its boundaries:
// abstentions are no view, a tie is no majority, the head does not count.
func TestMajorityView(t *testing.T) {
	const F, A, X = consultation.VoteFor, consultation.VoteAgainst, consultation.VoteAbstain
	cases := []struct {
		name    string
		members []consultation.MeetingMember
		want    consultation.Majority
	}{
		{"OneMoreFor", votes("市长", F, F, A), consultation.MajorityFor},
		{"OneMoreAgainst", votes("市长", F, A, A), consultation.MajorityAgainst},
		{"Tie", votes("市长", F, A), consultation.MajorityNone},
		{"AllAbstain", votes("市长", X, X), consultation.MajorityNone},
		{"AbstentionsDoNotCount", votes("市长", F, X, X, X), consultation.MajorityFor},
		{"HeadAlone", votes("市长"), consultation.MajorityNone},
		{"HeadVoteIgnored", append(votes("市长", A), consultation.MeetingMember{Name: "市长", Vote: F}), consultation.MajorityAgainst},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := consultation.MajorityView(c.members, "市长"); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

// TestDepartsFromMajority: which outcomes need the head's reason.
func TestDepartsFromMajority(t *testing.T) {
	cases := []struct {
		outcome  consultation.DeliberationOutcome
		majority consultation.Majority
		want     bool
	}{
		{consultation.OutcomeAdopted, consultation.MajorityFor, false},
		{consultation.OutcomeAdopted, consultation.MajorityAgainst, true},
		{consultation.OutcomeAdopted, consultation.MajorityNone, false},
		{consultation.OutcomeRejected, consultation.MajorityFor, true},
		{consultation.OutcomeRejected, consultation.MajorityAgainst, false},
		{consultation.OutcomeRejected, consultation.MajorityNone, false},
		{consultation.OutcomeDeferred, consultation.MajorityFor, true},
		{consultation.OutcomeDeferred, consultation.MajorityAgainst, false},
		{consultation.OutcomeDeferred, consultation.MajorityNone, false},
	}
	for _, c := range cases {
		if got := consultation.DepartsFromMajority(c.outcome, c.majority); got != c.want {
			t.Errorf("%s with majority %s: departs %v, want %v", c.outcome, c.majority, got, c.want)
		}
	}
}

// meetingInput is a valid meeting that adopts: three for, one against
// with her dissent recorded.
func meetingInput(hash string, date time.Time) consultation.DeliberationInput {
	const F, A = consultation.VoteFor, consultation.VoteAgainst
	return consultation.DeliberationInput{VersionHash: hash, MeetingKind: consultation.MeetingExecutive, MeetingDate: date,
		Members: votes("张市长", F, F, F, A), HeadName: "张市长", Outcome: consultation.OutcomeAdopted,
		Dissent: []consultation.MemberDissent{{Member: "委员4", View: "应先试点"}}}
}

// TestDeliberationInputBoundaries checks the meeting record's limits at
// their boundaries. The decision does not exist: an input that passes every
// rule reaches the database and answers decision_not_found.
func TestDeliberationInputBoundaries(t *testing.T) {
	f := newFixture(t)
	// 23:59:59 on 10 March in Beijing time.
	f.e.Clock.Set(time.Date(2026, 3, 10, 15, 59, 59, 0, time.UTC))
	march := func(day int) time.Time { return time.Date(2026, 3, day, 0, 0, 0, 0, time.UTC) }
	many := func(n int) []consultation.MeetingMember {
		var m []consultation.MeetingMember
		for i := 1; i < n; i++ {
			m = append(m, consultation.MeetingMember{Name: fmt.Sprintf("委员%d", i), Vote: consultation.VoteFor})
		}
		return append(m, votes("张市长")...)
	}
	cases := []struct {
		name string
		edit func(*consultation.DeliberationInput)
		code string
	}{
		{"Valid", nil, "decision_not_found"},
		{"Plenary", func(in *consultation.DeliberationInput) { in.MeetingKind = consultation.MeetingPlenary }, "decision_not_found"},
		{"OfficeMeeting", func(in *consultation.DeliberationInput) { in.MeetingKind = "mayor_office" }, "invalid_meeting_kind"},
		{"NoHash", func(in *consultation.DeliberationInput) { in.VersionHash = " " }, "version_hash_required"},
		{"TodayInBeijing", func(in *consultation.DeliberationInput) { in.MeetingDate = march(10) }, "decision_not_found"},
		{"TomorrowInBeijing", func(in *consultation.DeliberationInput) { in.MeetingDate = march(11) }, "meeting_date_in_future"},
		{"NoDate", func(in *consultation.DeliberationInput) { in.MeetingDate = time.Time{} }, "meeting_date_required"},
		{"HundredMembers", func(in *consultation.DeliberationInput) { in.Members = many(100); in.Dissent = nil }, "decision_not_found"},
		{"HundredOneMembers", func(in *consultation.DeliberationInput) { in.Members = many(101); in.Dissent = nil }, "too_many_members"},
		{"DissentAtLimit", func(in *consultation.DeliberationInput) {
			in.Dissent[0].View = strings.Repeat("意", consultation.MaxDissentViewRunes)
		}, "decision_not_found"},
		{"DissentOverLimit", func(in *consultation.DeliberationInput) {
			in.Dissent[0].View = strings.Repeat("意", consultation.MaxDissentViewRunes+1)
		}, "invalid_dissent"},
		{"HeadReasonOverLimit", func(in *consultation.DeliberationInput) {
			in.HeadReason = strings.Repeat("理", consultation.MaxHeadReasonRunes+1)
		}, "head_reason_too_long"},
		{"NoHead", func(in *consultation.DeliberationInput) { in.HeadName = "" }, "head_name_required"},
		// Art. 30: the head speaks last.
		{"HeadNotLast", func(in *consultation.DeliberationInput) {
			in.Members = append([]consultation.MeetingMember{in.Members[len(in.Members)-1]}, in.Members[:len(in.Members)-1]...)
		}, "head_not_last"},
		{"HeadSecondToLast", func(in *consultation.DeliberationInput) {
			n := len(in.Members)
			in.Members[n-1], in.Members[n-2] = in.Members[n-2], in.Members[n-1]
		}, "head_not_last"},
		{"AttendeeApart", func(in *consultation.DeliberationInput) {
			in.Attendees = []consultation.MeetingAttendee{{Name: "王局长", Capacity: "市教育局局长（汇报）"}}
		}, "decision_not_found"},
		{"AttendeeIsMember", func(in *consultation.DeliberationInput) {
			in.Attendees = []consultation.MeetingAttendee{{Name: "委员1", Capacity: "列席"}}
		}, "attendee_is_member"},
		{"BadOutcome", func(in *consultation.DeliberationInput) { in.Outcome = "approved" }, "invalid_deliberation_outcome"},
		{"RejectedWithMajorityAgainst", func(in *consultation.DeliberationInput) {
			in.Members = votes("张市长", consultation.VoteAgainst, consultation.VoteAgainst, consultation.VoteFor)
			in.Outcome, in.Dissent = consultation.OutcomeRejected, []consultation.MemberDissent{{Member: "委员3", View: "应当通过"}}
		}, "decision_not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := meetingInput(strings.Repeat("a", 64), march(9))
			if c.edit != nil {
				c.edit(&in)
			}
			_, err := f.svc.RecordDeliberation(context.Background(), f.body, 999999, in)
			if !errs.HasCode(err, c.code) {
				t.Fatalf("got %v, want %s", err, c.code)
			}
		})
	}
	// One second later it is 11 March in Beijing.
	f.e.Clock.Set(time.Date(2026, 3, 10, 16, 0, 0, 0, time.UTC))
	if _, err := f.svc.RecordDeliberation(context.Background(), f.body, 999999, meetingInput("h", march(11))); !errs.HasCode(err, "decision_not_found") {
		t.Fatalf("at midnight: %v", err)
	}
}

// signedOff takes a decision of the domain other (no survey) through an
// empty consultation and a legality review whose conclusion has the
// outcome, and returns it with its version's hash.
func signedOff(t *testing.T, f *fixture, outcome consultation.ReviewOutcome) (consultation.Decision, string) {
	t.Helper()
	ctx := context.Background()
	d := f.create(t, func(in *consultation.DecisionInput) { in.Domain = consultation.DomainOther })
	v, err := f.svc.CreateDraftVersion(ctx, f.staff, d.ID, consultation.DraftVersionInput{Text: commentDraft,
		Explanation: "起草说明", LegalBasis: []string{"《中华人民共和国义务教育法》"}})
	if err != nil {
		t.Fatal(err)
	}
	f.e.OpenConsultation(f.staff, d.ID, consultation.ConsultationInput{WaysToComment: "登录本平台提出意见"})
	f.e.CloseConsultations()
	if _, err := f.svc.GenerateAdoptionReport(ctx, f.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PublishAdoptionReport(ctx, f.staff, d.ID); err != nil {
		t.Fatal(err)
	}
	r, reviewer, adviser := f.submitWithAdviser(t, d.ID, v.ContentHash, "《中华人民共和国义务教育法》")
	findings := testenv.CompliantFindings("符合规定。")
	overall := outcome
	if overall == consultation.OutcomeExploratoryWithRisk {
		overall = consultation.OutcomeLawful
	}
	if _, err := f.svc.CreateLegalOpinion(ctx, adviser, r.ID, consultation.OpinionInput{Findings: findings, Overall: overall,
		Changes: "修改第三条。", Password: testenv.Password}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignReviewConclusion(ctx, reviewer, r.ID, consultation.ConclusionInput{Findings: findings, Outcome: outcome,
		Changes: "修改第三条。", RiskStatement: "属于探索性改革，存在一定法律风险。", ExpediteReason: "测试", Resolution: "已处理",
		Password: testenv.Password}); err != nil {
		t.Fatal(err)
	}
	return d, v.ContentHash
}

// TestDeliberationNeedsValidSignOff: only a lawful or exploratory
// conclusion on the version lets it go to deliberation (Decree 713 Art. 25).
func TestDeliberationNeedsValidSignOff(t *testing.T) {
	f := newReviewFixture(t)
	cases := []struct {
		outcome consultation.ReviewOutcome
		code    string // empty: recorded
	}{
		{consultation.OutcomeLawful, ""},
		{consultation.OutcomeExploratoryWithRisk, ""},
		{consultation.OutcomeLawfulWithChanges, "valid_review_conclusion_required"},
		{consultation.OutcomeUnlawful, "valid_review_conclusion_required"},
	}
	for _, c := range cases {
		t.Run(string(c.outcome), func(t *testing.T) {
			d, hash := signedOff(t, f, c.outcome)
			today := f.e.Clock.Now().In(workday.Location())
			date := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
			g, err := f.svc.RecordDeliberation(context.Background(), f.body, d.ID, meetingInput(hash, date))
			if c.code != "" {
				if !errs.HasCode(err, c.code) {
					t.Fatalf("got %v, want %s", err, c.code)
				}
				got, _ := f.svc.GetDecision(context.Background(), f.staff, d.ID)
				if got.Status != consultation.StatusUnderReview {
					t.Fatalf("status %s after a refusal", got.Status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g.VersionHash != hash || g.Majority != consultation.MajorityFor || g.RecordSeq == 0 {
				t.Fatalf("deliberation %+v", g)
			}
			got, _ := f.svc.GetDecision(context.Background(), f.staff, d.ID)
			if got.Status != consultation.StatusDeliberation {
				t.Fatalf("status %s", got.Status)
			}
		})
	}
}
