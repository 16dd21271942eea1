package consultation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/testenv"
)

// fixture is a city with its government, two departments and the people
// who act on decisions.
type fixture struct {
	e        *testenv.Env
	svc      *consultation.Service
	staff    *identity.Account // 市教育局, the lead unit
	other    *identity.Account // 市卫健委, another agency
	body     *identity.Account // 市政府, the decision body
	resident *identity.Account
}

// cityEnv is a test environment with the city government (pdsszf) and the
// departments given as code and name, in that order, and a maker of
// accounts of a role in an agency.
func cityEnv(t *testing.T, departments ...[2]string) (*testenv.Env, func(identity.Role, string) *identity.Account) {
	t.Helper()
	e := testenv.New(t)
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	for _, d := range departments {
		e.Agency(d[0], d[1], identity.AgencyDepartment)
	}
	return e, func(role identity.Role, agency string) *identity.Account {
		a, _ := e.Account(role, agency)
		return &a
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e, acct := cityEnv(t, [2]string{"jyj", "平顶山市教育局"}, [2]string{"wjw", "平顶山市卫生健康委员会"})
	// The city government's executive meeting: the mayor (head) and eight
	// other members, so a meeting needs five present (Decree 713 Art. 30).
	if _, err := e.Consultation.SetMeetingComposition(context.Background(), acct(identity.RoleAdmin, ""), "pdsszf", testComposition(8)); err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, svc: e.Consultation, staff: acct(identity.RoleAgencyStaff, "jyj"),
		other: acct(identity.RoleAgencyStaff, "wjw"), body: acct(identity.RoleAgencyStaff, "pdsszf"),
		resident: acct(identity.RoleResident, "")}
}

// newReviewFixture is newFixture with the city's legality review
// department, 平顶山市司法局 (sfj), whose reviewers sign conclusions.
func newReviewFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	return f
}

// testComposition is 张市长 (the head) and 委员1 … 委员n.
func testComposition(n int) []consultation.MeetingCompositionMember {
	out := []consultation.MeetingCompositionMember{{Name: "张市长", Position: "市长", IsHead: true}}
	for i := 1; i <= n; i++ {
		out = append(out, consultation.MeetingCompositionMember{Name: fmt.Sprintf("委员%d", i), Position: "副市长"})
	}
	return out
}

func decisionInput() consultation.DecisionInput {
	return consultation.DecisionInput{Title: "平顶山市城区义务教育学校招生入学办法", Summary: "规范城区义务教育阶段学校招生入学工作。",
		Category: consultation.CategoryPublicServices, Domain: consultation.DomainEducationCulture,
		DecisionBody: "pdsszf", LeadAgency: "jyj"}
}

// create makes a drafting decision of the lead unit.
func (f *fixture) create(t *testing.T, edit func(*consultation.DecisionInput)) consultation.Decision {
	t.Helper()
	in := decisionInput()
	if edit != nil {
		edit(&in)
	}
	d, err := f.svc.CreateDecision(context.Background(), f.staff, in)
	if err != nil {
		t.Fatalf("create decision: %v", err)
	}
	return d
}

// addVersion uploads the next draft version of the decision.
func (f *fixture) addVersion(t *testing.T, decisionID int64, explanation string) {
	t.Helper()
	if _, err := f.svc.CreateDraftVersion(context.Background(), f.staff, decisionID, consultation.DraftVersionInput{
		Text:        "第一条 为规范城区义务教育学校招生入学工作，制定本办法。\n第二条 本办法适用于本市城区公办义务教育学校。",
		Explanation: explanation, LegalBasis: []string{"《中华人民共和国义务教育法》"}}); err != nil {
		t.Fatalf("add version: %v", err)
	}
}

// consulting makes a decision with a version and opens a 30-day consultation.
func (f *fixture) consulting(t *testing.T) (consultation.Decision, consultation.Consultation) {
	t.Helper()
	d := f.create(t, nil)
	f.addVersion(t, d.ID, "起草说明：依据义务教育法，结合本市实际。")
	c, err := f.svc.OpenConsultation(context.Background(), f.staff, d.ID, consultation.ConsultationInput{
		EndsAt: f.e.Clock.Now().Add(consultation.MinConsultationWindow), WaysToComment: "登录本平台逐条提出意见", ShowComments: true})
	if err != nil {
		t.Fatalf("open consultation: %v", err)
	}
	d, err = f.svc.GetDecision(context.Background(), f.staff, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d, c
}

// recordKinds lists the kinds of the decision's record entries in order.
func (f *fixture) recordKinds(t *testing.T, decisionID int64) []string {
	t.Helper()
	rows, err := f.e.DB.Query(context.Background(), `SELECT kind FROM record_entries WHERE decision_id = $1 ORDER BY seq`, decisionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		rows.Scan(&k)
		out = append(out, k)
	}
	return out
}

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.e.DB.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Code != code {
		t.Fatalf("want error %s, got %v", code, err)
	}
	return e
}

func TestCreateDecisionRefusals(t *testing.T) {
	f := newReviewFixture(t)
	cases := []struct {
		name  string
		actor *identity.Account
		edit  func(*consultation.DecisionInput)
		code  string
		basis string
	}{
		{"ExcludedMacroControl", f.staff, func(in *consultation.DecisionInput) { in.Category = consultation.ExcludedMacroControl }, "excluded_matter", "Decree 713 Art. 3"},
		{"ExcludedLegislation", f.staff, func(in *consultation.DecisionInput) { in.Category = consultation.ExcludedLegislation }, "excluded_matter", "Decree 713 Art. 3"},
		{"ExcludedEmergency", f.staff, func(in *consultation.DecisionInput) { in.Category = consultation.ExcludedEmergencyResponse }, "excluded_matter", "Decree 713 Art. 3"},
		{"UnknownCategory", f.staff, func(in *consultation.DecisionInput) { in.Category = "tax" }, "invalid_category", ""},
		{"UnknownDomain", f.staff, func(in *consultation.DecisionInput) { in.Domain = "sports" }, "invalid_domain", ""},
		{"EmptyTitle", f.staff, func(in *consultation.DecisionInput) { in.Title = "   " }, "invalid_title", ""},
		{"NotDisclosableWithoutReason", f.staff, func(in *consultation.DecisionInput) { in.NotDisclosable = true }, "not_disclosable_reason_required", "Decree 713 Art. 14"},
		{"UnknownBody", f.staff, func(in *consultation.DecisionInput) { in.DecisionBody = "nope" }, "agency_not_found", ""},
		// A department may be a decision body (Decree 713 Art. 42); the
		// legality-review department deciding its own matters is not one here.
		{"BodyReviewDepartment", f.staff, func(in *consultation.DecisionInput) { in.DecisionBody = "sfj" }, "agency_kind_mismatch", ""},
		{"OtherAgencyAsLead", f.other, nil, "not_lead_unit_staff", ""},
		{"Resident", f.resident, nil, "forbidden_role", ""},
		{"Anonymous", nil, nil, "authentication_required", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := decisionInput()
			if c.edit != nil {
				c.edit(&in)
			}
			_, err := f.svc.CreateDecision(context.Background(), c.actor, in)
			e := wantCode(t, err, c.code)
			if e.Basis != c.basis {
				t.Fatalf("basis %q, want %q", e.Basis, c.basis)
			}
		})
	}
	if n := f.count(t, `SELECT count(*) FROM decisions`); n != 0 {
		t.Fatalf("refused creations stored %d decisions", n)
	}
	if n := f.count(t, `SELECT count(*) FROM record_entries`); n != 0 {
		t.Fatalf("refused creations recorded %d entries", n)
	}
}

func TestCreateDecisionRecorded(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, func(in *consultation.DecisionInput) {
		in.CoAgencies = []string{"wjw", "jyj"} // the lead unit is not its own co-unit
		in.NotDisclosable, in.NotDisclosableReason = true, "涉及国家秘密（《保守国家秘密法》第九条）"
	})
	if d.Status != consultation.StatusDrafting || d.Public() || d.LeadAgencyCode != "jyj" {
		t.Fatalf("created: %+v", d)
	}
	if len(d.CoAgencyCodes) != 1 || d.CoAgencyCodes[0] != "wjw" {
		t.Fatalf("co-units: %v", d.CoAgencyCodes)
	}
	if got := f.recordKinds(t, d.ID); len(got) != 1 || got[0] != "decision_created" {
		t.Fatalf("record: %v", got)
	}
	// A co-unit sees the draft; it still may not edit it.
	if _, err := f.svc.GetDecision(context.Background(), f.other, d.ID); err != nil {
		t.Fatalf("co-unit cannot read: %v", err)
	}
	_, err := f.svc.UpdateDecision(context.Background(), f.other, d.ID, decisionInput())
	wantCode(t, err, "not_lead_unit_staff")
}

func TestUpdateDecision(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		d := f.create(t, nil)
		in := decisionInput()
		in.Title = "平顶山市城区义务教育学校招生入学实施办法"
		in.Technical = true
		planned := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
		in.PlannedDecisionDate = &planned
		in.LeadAgency = "" // may be omitted: it cannot change anyway
		got, err := f.svc.UpdateDecision(ctx, f.staff, d.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != in.Title || !got.Technical || got.PlannedDecisionDate == nil || !got.PlannedDecisionDate.Equal(planned) {
			t.Fatalf("updated: %+v", got)
		}
		if kinds := f.recordKinds(t, d.ID); kinds[len(kinds)-1] != "decision_updated" {
			t.Fatalf("record: %v", kinds)
		}
	})
	cases := []struct {
		name  string
		actor *identity.Account
		setup func(t *testing.T) int64
		edit  func(*consultation.DecisionInput)
		code  string
	}{
		{"LeadImmutable", f.staff, func(t *testing.T) int64 { return f.create(t, nil).ID },
			func(in *consultation.DecisionInput) { in.LeadAgency = "wjw" }, "lead_agency_immutable"},
		{"OtherAgencyDraft", f.other, func(t *testing.T) int64 { return f.create(t, nil).ID }, nil, "not_lead_unit_staff"},
		{"OtherAgencyPublic", f.other, func(t *testing.T) int64 { d, _ := f.consulting(t); return d.ID }, nil, "not_lead_unit_staff"},
		{"DecisionBodyStaff", f.body, func(t *testing.T) int64 { return f.create(t, nil).ID }, nil, "not_lead_unit_staff"},
		{"ResidentDraft", f.resident, func(t *testing.T) int64 { return f.create(t, nil).ID }, nil, "decision_not_found"},
		{"NoSuchDecision", f.staff, func(*testing.T) int64 { return 1 << 40 }, nil, "decision_not_found"},
		{"WithholdAfterPublic", f.staff, func(t *testing.T) int64 { d, _ := f.consulting(t); return d.ID },
			func(in *consultation.DecisionInput) { in.NotDisclosable, in.NotDisclosableReason = true, "涉密" }, "already_public"},
		{"Withdrawn", f.staff, func(t *testing.T) int64 {
			d := f.create(t, nil)
			if _, err := f.svc.WithdrawDecision(ctx, f.staff, d.ID, "并入其他决策事项"); err != nil {
				t.Fatal(err)
			}
			return d.ID
		}, nil, "decision_not_editable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := c.setup(t)
			before := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id)
			in := decisionInput()
			in.Title = "改过的标题"
			if c.edit != nil {
				c.edit(&in)
			}
			_, err := f.svc.UpdateDecision(ctx, c.actor, id, in)
			wantCode(t, err, c.code)
			if n := f.count(t, `SELECT count(*) FROM decisions WHERE title = '改过的标题'`); n != 0 {
				t.Fatal("refused update changed the title")
			}
			if after := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id); after != before {
				t.Fatal("refused update was recorded")
			}
		})
	}
}

func TestWithdrawDecision(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	t.Run("ReasonRequired", func(t *testing.T) {
		d := f.create(t, nil)
		for _, reason := range []string{"", "  \n "} {
			_, err := f.svc.WithdrawDecision(ctx, f.staff, d.ID, reason)
			wantCode(t, err, "withdraw_reason_required")
		}
		got, _ := f.svc.GetDecision(ctx, f.staff, d.ID)
		if got.Status != consultation.StatusDrafting || got.WithdrawnReason != "" {
			t.Fatalf("refused withdrawal changed the decision: %+v", got)
		}
	})
	t.Run("FromDrafting", func(t *testing.T) {
		d := f.create(t, nil)
		got, err := f.svc.WithdrawDecision(ctx, f.staff, d.ID, "  并入全市教育布局规划统一决策 ")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != consultation.StatusWithdrawn || got.WithdrawnReason != "并入全市教育布局规划统一决策" {
			t.Fatalf("withdrawn: %+v", got)
		}
		kinds := f.recordKinds(t, d.ID)
		if kinds[len(kinds)-1] != "stage_changed" {
			t.Fatalf("record: %v", kinds)
		}
		var payload string
		f.e.DB.QueryRow(ctx, `SELECT payload FROM record_entries WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1`, d.ID).Scan(&payload)
		if payload != `{"from":"drafting","reason":"并入全市教育布局规划统一决策","to":"withdrawn"}` {
			t.Fatalf("payload %s", payload)
		}
		_, err = f.svc.WithdrawDecision(ctx, f.staff, d.ID, "再次撤回")
		wantCode(t, err, "decision_not_withdrawable")
		// Still not public: a draft withdrawn before consultation stays internal.
		_, err = f.svc.GetDecision(ctx, nil, d.ID)
		wantCode(t, err, "decision_not_found")
	})
	t.Run("FromConsultingClosesConsultation", func(t *testing.T) {
		d, c := f.consulting(t)
		if _, err := f.svc.WithdrawDecision(ctx, f.staff, d.ID, "上位法修订，暂停制定"); err != nil {
			t.Fatal(err)
		}
		cur, err := f.svc.CurrentConsultation(ctx, nil, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.ID != c.ID || cur.ClosedAt == nil || cur.IsOpen(f.e.Clock.Now()) {
			t.Fatalf("consultation still open: %+v", cur)
		}
		kinds := f.recordKinds(t, d.ID)
		if got := kinds[len(kinds)-2:]; got[0] != "stage_changed" || got[1] != "consultation_closed" {
			t.Fatalf("record: %v", kinds)
		}
		// The public still sees the withdrawn decision and why.
		pub, err := f.svc.GetDecision(ctx, nil, d.ID)
		if err != nil || pub.WithdrawnReason != "上位法修订，暂停制定" {
			t.Fatalf("public view: %+v %v", pub, err)
		}
		// The scheduled close finds nothing left to do.
		f.e.Clock.Advance(consultation.MinConsultationWindow)
		if n, err := f.svc.CloseDueConsultations(ctx); err != nil || n != 0 {
			t.Fatalf("close after withdrawal: %d %v", n, err)
		}
		f.e.Clock.Advance(-consultation.MinConsultationWindow)
	})
	t.Run("OtherAgency", func(t *testing.T) {
		d := f.create(t, nil)
		_, err := f.svc.WithdrawDecision(ctx, f.other, d.ID, "越权")
		wantCode(t, err, "not_lead_unit_staff")
	})
}

func TestListDecisionsVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	draft := f.create(t, func(in *consultation.DecisionInput) { in.Title = "草案甲" })
	public, _ := f.consulting(t)
	ids := func(actor *identity.Account, filter consultation.DecisionFilter) []int64 {
		t.Helper()
		list, _, err := f.svc.ListDecisions(ctx, actor, filter)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, d := range list {
			out = append(out, d.ID)
		}
		return out
	}
	cases := []struct {
		name   string
		actor  *identity.Account
		filter consultation.DecisionFilter
		want   []int64
	}{
		{"Anonymous", nil, consultation.DecisionFilter{}, []int64{public.ID}},
		{"Resident", f.resident, consultation.DecisionFilter{}, []int64{public.ID}},
		{"OtherAgency", f.other, consultation.DecisionFilter{}, []int64{public.ID}},
		{"LeadUnit", f.staff, consultation.DecisionFilter{}, []int64{public.ID, draft.ID}},
		{"DecisionBody", f.body, consultation.DecisionFilter{}, []int64{public.ID, draft.ID}},
		{"MineOtherAgency", f.other, consultation.DecisionFilter{Mine: true}, nil},
		{"MineLeadUnit", f.staff, consultation.DecisionFilter{Mine: true}, []int64{public.ID, draft.ID}},
		{"ResidentDraftTitle", f.resident, consultation.DecisionFilter{Text: "草案甲"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ids(c.actor, c.filter)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
			}
		})
	}
	_, _, err := f.svc.ListDecisions(ctx, nil, consultation.DecisionFilter{Cursor: "garbage!"})
	wantCode(t, err, "invalid_cursor")
	_, _, err = f.svc.ListDecisions(ctx, nil, consultation.DecisionFilter{Domain: "sports"})
	wantCode(t, err, "invalid_domain")
	_, _, err = f.svc.ListDecisions(ctx, nil, consultation.DecisionFilter{Status: "done"})
	wantCode(t, err, "invalid_status")
}
