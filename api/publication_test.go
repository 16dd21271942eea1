package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/testenv"
)

// reviewedProcedure is a decision whose first version carries a lawful
// conclusion; it returns the version's hash.
func reviewedProcedure(t *testing.T) (*procedure, string) {
	t.Helper()
	p := newProcedure(t)
	v, r := p.submitted(t)
	p.review(t, r)
	return p, v.ContentHash
}

// TestDeliberationMeetingRules: what a meeting record must contain (Decree
// 713 Art. 30), each refusal with its code and nothing recorded.
func TestDeliberationMeetingRules(t *testing.T) {
	p, hash := reviewedProcedure(t)
	// Members of the composition in the order they speak; the head last.
	members := func(votes ...string) []map[string]any {
		var out []map[string]any
		names := []string{"委员1", "委员2", "委员3", "李副市长", "王副市长", "赵副市长", "刘秘书长"}
		for i, v := range votes {
			out = append(out, map[string]any{"name": names[i], "position": "副市长", "vote": v})
		}
		return append(out, map[string]any{"name": "张市长", "position": "市长"})
	}
	cases := []struct {
		name string
		edit func(map[string]any)
		code string
	}{
		{"PartyGroupMeeting", func(m map[string]any) { m["meeting_kind"] = "party_group" }, "invalid_meeting_kind"},
		{"DirectorsOffice", func(m map[string]any) { m["meeting_kind"] = "mayor_office" }, "invalid_meeting_kind"},
		{"NoKind", func(m map[string]any) { m["meeting_kind"] = "" }, "invalid_meeting_kind"},
		{"FutureDate", func(m map[string]any) {
			m["meeting_date"] = p.Clock.Now().Add(48 * time.Hour).Format(time.DateOnly)
		}, "meeting_date_in_future"},
		{"BeforeConclusion", func(m map[string]any) {
			m["meeting_date"] = p.Clock.Now().Add(-30 * 24 * time.Hour).Format(time.DateOnly)
		}, "meeting_before_review_conclusion"},
		{"NoMembers", func(m map[string]any) { m["members"] = []map[string]any{} }, "members_required"},
		{"HeadAbsent", func(m map[string]any) { m["head_name"] = "孙市长" }, "head_not_present"},
		{"MemberWithoutVote", func(m map[string]any) { m["members"] = members("for", "") }, "invalid_vote"},
		{"DuplicateMember", func(m map[string]any) {
			m["members"] = append(members("for"), map[string]any{"name": "委员1", "vote": "for"})
		}, "duplicate_member"},
		{"DissentUnrecorded", func(m map[string]any) { m["members"] = members("for", "for", "against"); m["dissent"] = nil }, "dissent_view_required"},
		{"DissentOfStranger", func(m map[string]any) {
			m["dissent"] = []map[string]any{{"member": "路人", "view": "反对"}}
		}, "dissent_member_not_present"},
		// 2 against, 1 for: adopting departs from the majority.
		{"AdoptedAgainstMajority", func(m map[string]any) {
			m["members"] = members("for", "against", "against")
			m["dissent"] = []map[string]any{{"member": "委员2", "view": "时机不成熟"}, {"member": "委员3", "view": "财政负担过重"}}
		}, "head_reason_required"},
		// 2 for, 1 against: rejecting departs from the majority.
		{"RejectedAgainstMajority", func(m map[string]any) {
			m["members"], m["outcome"] = members("for", "for", "against"), "rejected"
			m["dissent"] = []map[string]any{{"member": "委员1", "view": "应当通过"}, {"member": "委员2", "view": "应当通过"}}
		}, "head_reason_required"},
		{"DeferredAgainstMajorityFor", func(m map[string]any) {
			m["members"], m["outcome"], m["dissent"] = members("for", "for", "abstain"), "deferred", nil
		}, "head_reason_required"},
		{"BadOutcome", func(m map[string]any) { m["outcome"] = "approved" }, ""},
		// Art. 30: the head speaks last; members only from the composition;
		// more than half of the composition present.
		{"HeadFirst", func(m map[string]any) {
			ms := members("for", "for")
			m["members"], m["dissent"] = append(ms[2:], ms[:2]...), nil
		}, "head_not_last"},
		{"NotAMember", func(m map[string]any) {
			m["members"], m["dissent"] = append([]map[string]any{{"name": "路人", "vote": "for"}}, members("for", "for")...), nil
		}, "not_a_member"},
		// Absences (outside check staff2): a reason is given only for a
		// member of the composition who is not present.
		{"AbsenceOfStranger", func(m map[string]any) {
			m["absences"] = []map[string]any{{"name": "路人", "reason": "出差"}}
		}, "not_a_member"},
		{"AbsentButPresent", func(m map[string]any) {
			m["absences"] = []map[string]any{{"name": "李副市长", "reason": "出差"}}
		}, "absent_member_present"},
		// Eight members: four present is exactly half.
		{"ExactlyHalf", func(m map[string]any) { m["members"], m["dissent"] = members("for", "for", "for"), nil }, "meeting_quorum_not_met"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, c.edit)).Expect(t, 422, c.code)
		})
	}
	var list struct {
		Deliberations []any `json:"deliberations"`
	}
	p.Do("GET", p.path("/deliberations"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Deliberations) != 0 {
		t.Fatalf("refusals recorded %d meetings", len(list.Deliberations))
	}

	// A tie is no majority: deferring needs no reason and keeps the
	// decision in deliberation; a later meeting adopts with the head's
	// reason against a majority against.
	// Every member of the composition not present is recorded absent,
	// with the reason given for them if any, and the kept position.
	var deferred struct {
		Members []struct {
			Name, Position string
		} `json:"members"`
		Absences []struct {
			Name, Position, Reason string
		} `json:"absences"`
		AbsencesRecorded bool `json:"absences_recorded"`
	}
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, func(m map[string]any) {
		m["members"], m["outcome"], m["dissent"] = members("for", "against", "abstain", "abstain"), "deferred", nil
		m["members"].([]map[string]any)[0]["position"] = ""
		m["absences"] = []map[string]any{{"name": "赵副市长", "reason": "出差"}}
	})).Expect(t, 201, "").JSON(t, &deferred)
	if got := fmt.Sprint(deferred.Absences); !deferred.AbsencesRecorded || got != "[{王副市长 副市长 } {赵副市长 副市长 出差} {刘秘书长 秘书长 }]" ||
		deferred.Members[0].Position != "副市长" {
		t.Fatalf("deferred meeting: absences %s, members %+v", got, deferred.Members)
	}
	var g struct {
		Majority            string `json:"majority"`
		DepartsFromMajority bool   `json:"departs_from_majority"`
		HeadReason          string `json:"head_reason"`
	}
	p.Do("POST", p.path("/deliberations"), p.tok("staff"), p.meeting(hash, func(m map[string]any) {
		m["members"] = members("against", "against", "for", "abstain")
		m["dissent"] = []map[string]any{{"member": "委员1", "view": "先试点"}, {"member": "委员2", "view": "先试点"}}
		m["head_reason"] = "课后服务关系学生切身利益，学期开始前必须出台。"
	})).Expect(t, 201, "").JSON(t, &g)
	if g.Majority != "against" || !g.DepartsFromMajority || g.HeadReason == "" {
		t.Fatalf("adopting meeting %+v", g)
	}
	p.Do("GET", p.path("/deliberations"), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Deliberations) != 2 {
		t.Fatalf("%d meetings", len(list.Deliberations))
	}
	p.Do("GET", p.path("/deliberations"), p.tok("alice"), nil).Expect(t, 403, "not_lead_unit_staff")

	// The public record shows which meeting decided, not the votes.
	var rec struct {
		Entries []struct {
			Kind    string `json:"kind"`
			Payload any    `json:"payload"`
		} `json:"entries"`
	}
	p.Do("GET", p.path("/record?limit=100"), "", nil).Expect(t, 200, "").JSON(t, &rec)
	seen := 0
	for _, e := range rec.Entries {
		if e.Kind == "deliberation_recorded" {
			seen++
			if s := fmt.Sprint(e.Payload); strings.Contains(s, "先试点") || strings.Contains(s, "委员1") || !strings.Contains(s, "executive") {
				t.Fatalf("public meeting entry %s", s)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("%d public meeting entries", seen)
	}
}

// TestDeliberationOnConfirmedChanges: after lawful_with_changes, the
// changed version counts only once the reviewer confirmed it, and then only
// that version may be deliberated.
func TestDeliberationOnConfirmedChanges(t *testing.T) {
	p := newProcedure(t)
	v, r := p.submitted(t)
	rp := p.adviserOpinion(t, r, "lawful_with_changes")
	p.Do("POST", rp+"/conclusion", p.tok("reviewer"), map[string]any{"findings": procFindings(), "outcome": "lawful_with_changes",
		"changes": procChanges, "expedite_reason": "学期开始前须出台", "password": testenv.Password}).Expect(t, 201, "")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, nil)).Expect(t, 409, "valid_review_conclusion_required")

	changed := p.upload(t, strings.Replace(procDraft, "核定。", "核定，并向社会公示。", 1))
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(changed.ContentHash, nil)).Expect(t, 409, "valid_review_conclusion_required")
	p.Do("POST", rp+"/confirmations", p.tok("reviewer"), map[string]any{"version_hash": changed.ContentHash, "password": testenv.Password}).Expect(t, 201, "")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(v.ContentHash, nil)).Expect(t, 409, "decided_version_mismatch")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(changed.ContentHash, nil)).Expect(t, 201, "")

	// The published text is the changed version's, now public.
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 201, "")
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(v.ContentHash)).Expect(t, 409, "decided_version_mismatch")
	var pub struct {
		Text          string `json:"text"`
		VersionNumber int    `json:"version_number"`
	}
	p.Do("POST", p.path("/publication"), p.tok("body"), p.publication(changed.ContentHash)).Expect(t, 201, "").JSON(t, &pub)
	if pub.VersionNumber != 2 || !strings.Contains(pub.Text, "并向社会公示") {
		t.Fatalf("published %+v", pub)
	}
	p.Do("GET", p.path("/versions/2"), "", nil).Expect(t, 200, "")
}

// TestPublicationGates: publication lists every missing step; a future
// effective date leaves the decision published until that date.
func TestPublicationGates(t *testing.T) {
	p, hash := reviewedProcedure(t)
	body := p.publication(hash)
	p.Do("POST", p.path("/publication"), p.tok("body"), body).Expect(t, 409, "stage_transition_not_allowed")
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 409, "adopted_deliberation_required")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, func(m map[string]any) {
		m["outcome"], m["dissent"], m["head_reason"] = "deferred", nil, "待市委听取汇报后再作决定。"
	})).Expect(t, 201, "")
	var problem struct {
		Code  string `json:"code"`
		Gates []struct {
			Code  string `json:"code"`
			Basis string `json:"basis"`
		} `json:"gates"`
	}
	p.Do("POST", p.path("/publication"), p.tok("body"), body).Expect(t, 409, "procedure_gate_failed").JSON(t, &problem)
	var codes []string
	for _, g := range problem.Gates {
		codes = append(codes, g.Code+"@"+g.Basis)
	}
	if got := strings.Join(codes, " "); got != "adopted_deliberation_required@Decree 713 Art. 30 party_report_required@Decree 713 Art. 31" {
		t.Fatalf("failed gates %s", got)
	}
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 409, "adopted_deliberation_required")
	p.Do("POST", p.path("/deliberations"), p.tok("body"), p.meeting(hash, nil)).Expect(t, 201, "")
	p.Do("POST", p.path("/party-report"), p.tok("alice"), p.partyReport()).Expect(t, 403, "")
	p.Do("POST", p.path("/party-report"), p.tok("body"), map[string]any{"report_date": p.today(), "reference_number": " "}).
		Expect(t, 422, "reference_number_required")
	p.Do("POST", p.path("/party-report"), p.tok("body"), p.partyReport()).Expect(t, 201, "")

	for _, c := range []struct {
		name string
		edit func(map[string]any)
		code string
	}{
		{"NoChannels", func(b map[string]any) { b["channels"] = []string{" "} }, "publication_channels_required"},
		{"NoDocumentNumber", func(b map[string]any) { b["document_number"] = "" }, "document_number_required"},
		{"FuturePublication", func(b map[string]any) { b["published_on"] = p.Clock.Now().Add(72 * time.Hour).Format(time.DateOnly) }, "publication_date_in_future"},
		{"EffectiveBeforePublication", func(b map[string]any) { b["effective_on"] = p.Clock.Now().Add(-72 * time.Hour).Format(time.DateOnly) }, "effective_date_before_publication"},
		{"BeforeMeeting", func(b map[string]any) { b["published_on"] = p.Clock.Now().Add(-72 * time.Hour).Format(time.DateOnly) }, "publication_before_deliberation"},
	} {
		b := p.publication(hash)
		c.edit(b)
		p.Do("POST", p.path("/publication"), p.tok("body"), b).Expect(t, 422, c.code)
	}

	// Effective in ten days: published now, in effect on that date.
	effective := p.Clock.Now().Add(10 * 24 * time.Hour)
	body["effective_on"] = effective.Format(time.DateOnly)
	var pub struct {
		Status      string `json:"status"`
		InEffect    bool   `json:"in_effect"`
		EffectiveOn string `json:"effective_on"`
	}
	p.Do("POST", p.path("/publication"), p.tok("staff"), body).Expect(t, 201, "").JSON(t, &pub)
	if pub.Status != "published" || pub.InEffect {
		t.Fatalf("before the effective date %+v", pub)
	}
	p.Do("POST", p.path("/publication"), p.tok("staff"), body).Expect(t, 409, "stage_transition_not_allowed")
	if n, err := p.Consultation.BringDecisionsIntoEffect(context.Background()); err != nil || n != 0 {
		t.Fatalf("early: %d %v", n, err)
	}
	p.advance(t, 11*24*time.Hour)
	if n, err := p.Consultation.BringDecisionsIntoEffect(context.Background()); err != nil || n != 1 {
		t.Fatalf("on the date: %d %v", n, err)
	}
	p.Do("GET", p.path("/publication"), "", nil).Expect(t, 200, "").JSON(t, &pub)
	if pub.Status != "in_effect" || !pub.InEffect {
		t.Fatalf("after the effective date %+v", pub)
	}
	p.expectRecordIntact(t)
}

// TestFeedbackAndSuspension: implementation feedback from residents, and
// suspension by the decision body, which ends the feedback.
func TestFeedbackAndSuspension(t *testing.T) {
	p, hash := reviewedProcedure(t)
	p.Do("POST", p.path("/implementation-feedback"), p.tok("alice"), map[string]any{"body": "尚未公布"}).Expect(t, 409, "feedback_not_open")
	p.publish(t, hash)

	fb := func(body string) *testenv.Response {
		return p.Do("POST", p.path("/implementation-feedback"), p.tok("alice"), map[string]any{"body": body})
	}
	fb("   ").Expect(t, 422, "feedback_body_required")
	fb(strings.Repeat("课", 2001)).Expect(t, 422, "feedback_body_too_long")
	fb(strings.Repeat("课", 2000)).Expect(t, 201, "")
	fb("第二条").Expect(t, 201, "")
	fb("第三条").Expect(t, 201, "")
	if r := fb("第四条").Expect(t, 429, "feedback_rate_limited"); r.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	p.Do("POST", p.path("/implementation-feedback"), "", map[string]any{"body": "匿名"}).Expect(t, 401, "")
	p.Do("GET", p.path("/implementation-feedback"), p.tok("alice"), nil).Expect(t, 403, "")
	p.Do("GET", p.path("/implementation-feedback"), p.tok("reviewer"), nil).Expect(t, 403, "")
	var page struct {
		Feedback   []any  `json:"feedback"`
		NextCursor string `json:"next_cursor"`
	}
	p.Do("GET", p.path("/implementation-feedback?limit=2"), p.tok("body"), nil).Expect(t, 200, "").JSON(t, &page)
	if len(page.Feedback) != 2 || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	var second struct {
		Feedback   []any  `json:"feedback"`
		NextCursor string `json:"next_cursor"`
	}
	p.Do("GET", p.path("/implementation-feedback?limit=2&cursor=%s", page.NextCursor), p.tok("staff"), nil).Expect(t, 200, "").JSON(t, &second)
	if len(second.Feedback) != 1 || second.NextCursor != "" {
		t.Fatalf("second page %+v", second)
	}

	// Suspension (Art. 37): the decision body records its head's decision,
	// naming the head of its meeting composition.
	sp := p.path("/suspension")
	p.Do("POST", sp, p.tok("staff"), map[string]any{"reason": "试行中发现问题"}).Expect(t, 403, "not_decision_body_staff")
	p.Do("POST", sp, p.tok("alice"), map[string]any{"reason": "试行中发现问题"}).Expect(t, 403, "")
	p.Do("POST", sp, p.tok("body"), map[string]any{"reason": " "}).Expect(t, 422, "suspension_reason_required")
	var d struct {
		Status string `json:"status"`
	}
	p.Do("POST", sp, p.tok("body"), map[string]any{"reason": "多所学校反映师资不足，经市长决定先行中止执行。"}).Expect(t, 422, "suspension_not_by_head")
	p.Do("POST", sp, p.tok("body"), map[string]any{"reason": "多所学校反映师资不足，经市长决定先行中止执行。", "head_name": "张市长"}).Expect(t, 200, "").JSON(t, &d)
	if d.Status != "suspended" {
		t.Fatalf("status %s", d.Status)
	}
	p.Do("POST", sp, p.tok("body"), map[string]any{"reason": "再次", "head_name": "张市长"}).Expect(t, 409, "decision_not_in_effect")
	p.advance(t, time.Hour)
	fb("第五条").Expect(t, 409, "feedback_not_open")
	var pub struct {
		Status        string `json:"status"`
		FeedbackCount int    `json:"feedback_count"`
		Suspension    *struct {
			Reason string `json:"reason"`
		} `json:"suspension"`
	}
	p.Do("GET", p.path("/publication"), "", nil).Expect(t, 200, "").JSON(t, &pub)
	if pub.Status != "suspended" || pub.FeedbackCount != 3 || pub.Suspension == nil || !strings.Contains(pub.Suspension.Reason, "中止执行") {
		t.Fatalf("suspended publication %+v", pub)
	}
	p.expectRecordIntact(t)
}
