package consultation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/internal/errs"
)

// TestConsultationWindow pins the 30-day rule of Decree 713 Art. 15 at its
// boundary: a window of exactly 30×24 hours passes, one second less needs a
// stated reason.
func TestConsultationWindow(t *testing.T) {
	f := newFixture(t)
	now := f.e.Clock.Now()
	const day = 24 * time.Hour
	cases := []struct {
		name   string
		opens  time.Time // zero: now
		ends   time.Time
		reason string
		code   string // empty: opens
	}{
		{"Exactly30Days", time.Time{}, now.Add(30 * day), "", ""},
		{"OneSecondShort", time.Time{}, now.Add(30*day - time.Second), "", "consultation_window_too_short"},
		{"OneSecondShortWithReason", time.Time{}, now.Add(30*day - time.Second), "防汛工作紧急，需在汛期前出台", ""},
		{"SevenDaysWithReason", time.Time{}, now.Add(7 * day), "防汛工作紧急，需在汛期前出台", ""},
		{"BlankReasonIsNoReason", time.Time{}, now.Add(7 * day), "   ", "consultation_window_too_short"},
		{"LaterOpeningExactly30Days", now.Add(2 * day), now.Add(32 * day), "", ""},
		{"LaterOpeningOneSecondShort", now.Add(2 * day), now.Add(32*day - time.Second), "", "consultation_window_too_short"},
		// A back-dated opening is moved to now, so it cannot stretch the window.
		{"BackDatedOpening", now.Add(-10 * day), now.Add(25 * day), "", "consultation_window_too_short"},
		{"EndsBeforeOpens", time.Time{}, now.Add(-time.Hour), "", "consultation_window_invalid"},
		{"EndsAtOpens", time.Time{}, now, "理由", "consultation_window_invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := f.create(t, nil)
			f.addVersion(t, d.ID, "起草说明")
			got, err := f.svc.OpenConsultation(context.Background(), f.staff, d.ID, consultation.ConsultationInput{
				OpensAt: c.opens, EndsAt: c.ends, WaysToComment: "登录本平台提出意见", ShorteningReason: c.reason, ShowComments: true})
			if c.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !got.EndsAt.Equal(c.ends) || got.VersionNumber != 1 {
					t.Fatalf("consultation: %+v", got)
				}
				return
			}
			e := wantCode(t, err, c.code)
			if e.Basis != "Decree 713 Art. 15" {
				t.Fatalf("basis %q", e.Basis)
			}
			if c.code == "consultation_window_too_short" {
				if e.Kind != errs.KindConflict || len(e.Gates) != 1 || e.Gates[0].Code != c.code || e.Gates[0].Basis != "Decree 713 Art. 15" {
					t.Fatalf("gates: %+v", e)
				}
			} else if e.Kind != errs.KindInvalid {
				t.Fatalf("kind %v", e.Kind)
			}
			if got, _ := f.svc.GetDecision(context.Background(), f.staff, d.ID); got.Status != consultation.StatusDrafting || got.Public() {
				t.Fatalf("refused opening changed the decision: %+v", got)
			}
		})
	}
}

// TestOpenConsultationGates checks that a refused opening lists every
// failed gate and changes nothing.
func TestOpenConsultationGates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := consultation.ConsultationInput{EndsAt: f.e.Clock.Now().Add(consultation.MinConsultationWindow), WaysToComment: "来信来电"}
	cases := []struct {
		name  string
		setup func(t *testing.T) int64
		edit  func(*consultation.ConsultationInput)
		gates []string
	}{
		{"NoVersion", func(t *testing.T) int64 { return f.create(t, nil).ID }, nil,
			[]string{"draft_version_required", "explanation_required"}},
		{"NoExplanation", func(t *testing.T) int64 { d := f.create(t, nil); f.addVersion(t, d.ID, ""); return d.ID }, nil,
			[]string{"explanation_required"}},
		{"LatestVersionWithoutExplanation", func(t *testing.T) int64 {
			d := f.create(t, nil)
			f.addVersion(t, d.ID, "起草说明")
			f.addVersion(t, d.ID, "")
			return d.ID
		}, nil, []string{"explanation_required"}},
		{"NoWaysToComment", func(t *testing.T) int64 { d := f.create(t, nil); f.addVersion(t, d.ID, "起草说明"); return d.ID },
			func(in *consultation.ConsultationInput) { in.WaysToComment = " " }, []string{"ways_to_comment_required"}},
		{"EverythingMissing", func(t *testing.T) int64 { return f.create(t, nil).ID },
			func(in *consultation.ConsultationInput) {
				in.WaysToComment = ""
				in.EndsAt = in.EndsAt.Add(-time.Second)
			},
			[]string{"draft_version_required", "explanation_required", "ways_to_comment_required", "consultation_window_too_short"}},
		{"NotDisclosable", func(t *testing.T) int64 {
			d := f.create(t, func(in *consultation.DecisionInput) {
				in.NotDisclosable, in.NotDisclosableReason = true, "涉及国家秘密（《保守国家秘密法》第九条）"
			})
			f.addVersion(t, d.ID, "起草说明")
			return d.ID
		}, nil, []string{"consultation_not_disclosable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := c.setup(t)
			records := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id)
			ci := in
			if c.edit != nil {
				c.edit(&ci)
			}
			_, err := f.svc.OpenConsultation(ctx, f.staff, id, ci)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindConflict {
				t.Fatalf("want a 409 gate refusal, got %v", err)
			}
			want := "procedure_gate_failed"
			if len(c.gates) == 1 {
				want = c.gates[0]
			}
			if e.Code != want || len(e.Gates) != len(c.gates) {
				t.Fatalf("code %s gates %+v, want %v", e.Code, e.Gates, c.gates)
			}
			for i, g := range e.Gates {
				if g.Code != c.gates[i] || g.Basis == "" || g.Message == "" {
					t.Fatalf("gate %d: %+v, want %s", i, g, c.gates[i])
				}
			}
			d, _ := f.svc.GetDecision(ctx, f.staff, id)
			if d.Status != consultation.StatusDrafting || d.Public() {
				t.Fatalf("decision changed: %+v", d)
			}
			if n := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, id); n != records {
				t.Fatalf("record grew from %d to %d", records, n)
			}
			if n := f.count(t, `SELECT count(*) FROM consultations WHERE decision_id = $1`, id); n != 0 {
				t.Fatal("a consultation row was stored")
			}
		})
	}
	t.Run("Recorded", func(t *testing.T) {
		d, c := f.consulting(t)
		if d.Status != consultation.StatusConsulting || !d.Public() || !c.IsOpen(f.e.Clock.Now()) {
			t.Fatalf("opened: %+v %+v", d, c)
		}
		kinds := f.recordKinds(t, d.ID)
		if got := kinds[len(kinds)-2:]; got[0] != "stage_changed" || got[1] != "consultation_opened" {
			t.Fatalf("record: %v", kinds)
		}
		// Only one consultation at a time.
		_, err := f.svc.OpenConsultation(ctx, f.staff, d.ID, in)
		wantCode(t, err, "stage_transition_not_allowed")
		if e, _ := errs.As(err); e.Basis != "Decree 713 Art. 14" {
			t.Errorf("the refusal cites %q, want Decree 713 Art. 14", e.Basis)
		}
	})
}

// TestReviewGatesNeedADraft (outside check staff2): a decision withheld
// from consultation goes from drafting to review; with no draft uploaded
// its checklist said every condition was met. The draft is a condition of
// review (Decree 713 Art. 26).
func TestReviewGatesNeedADraft(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := f.create(t, func(in *consultation.DecisionInput) {
		in.NotDisclosable, in.NotDisclosableReason = true, "涉及国家秘密（《保守国家秘密法》第九条）"
	})
	gate := func() consultation.GateResult {
		t.Helper()
		r, err := f.svc.DecisionGates(ctx, f.staff, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.NextStage != consultation.StatusUnderReview {
			t.Fatalf("next stage %s", r.NextStage)
		}
		for _, g := range r.Gates {
			if g.Code == "draft_version_required" {
				return g
			}
		}
		t.Fatalf("no draft gate in %+v", r.Gates)
		return consultation.GateResult{}
	}
	if g := gate(); g.Passed || g.Basis != "Decree 713 Art. 26" {
		t.Fatalf("without a draft: %+v", g)
	}
	f.addVersion(t, d.ID, "起草说明")
	if g := gate(); !g.Passed {
		t.Fatalf("with a draft: %+v", g)
	}
}

func TestDecisionGates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := f.create(t, nil)
	report := func(want bool, passed map[string]bool) {
		t.Helper()
		r, err := f.svc.DecisionGates(ctx, f.staff, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != consultation.StatusDrafting || r.NextStage != consultation.StatusConsulting || r.Ready != want {
			t.Fatalf("report: %+v", r)
		}
		seen := map[string]bool{}
		for _, g := range r.Gates {
			seen[g.Code] = true
			if p, ok := passed[g.Code]; ok && p != g.Passed {
				t.Fatalf("gate %s passed=%v, want %v", g.Code, g.Passed, p)
			}
			if g.Basis == "" || g.Title == "" || (g.State == consultation.GateFailed && g.Message == "") {
				t.Fatalf("gate without basis, title or message: %+v", g)
			}
			// Issue 13: the window and the ways to comment are entered
			// only when opening; before that they are not yet applicable,
			// never "passed".
			if g.Code == "ways_to_comment_required" || g.Code == "consultation_window_too_short" {
				if g.State != consultation.GateNotYetApplicable || g.Passed {
					t.Fatalf("gate %s before opening: %+v, want not_yet_applicable", g.Code, g)
				}
			}
		}
		for code := range passed {
			if !seen[code] {
				t.Fatalf("gate %s missing from %+v", code, r.Gates)
			}
		}
	}
	report(false, map[string]bool{"consultation_not_disclosable": true, "draft_version_required": false, "explanation_required": false})
	f.addVersion(t, d.ID, "")
	report(false, map[string]bool{"draft_version_required": true, "explanation_required": false})
	f.addVersion(t, d.ID, "起草说明")
	report(true, map[string]bool{"draft_version_required": true, "explanation_required": true})

	// Who may ask: the agencies concerned, not the public nor other agencies.
	_, err := f.svc.DecisionGates(ctx, f.resident, d.ID)
	wantCode(t, err, "decision_not_found")
	_, err = f.svc.DecisionGates(ctx, nil, d.ID)
	wantCode(t, err, "decision_not_found")
	_, err = f.svc.DecisionGates(ctx, f.other, d.ID)
	wantCode(t, err, "decision_not_found")
	if _, err := f.svc.DecisionGates(ctx, f.body, d.ID); err != nil {
		t.Fatalf("decision body: %v", err)
	}
}

func TestExtendConsultation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		advance time.Duration // clock moves before extending
		delta   time.Duration // new end relative to the current end
		reason  string
		code    string
		message string // part of the refusal's message
	}{
		{"OneSecondLater", 0, time.Second, "收到较多意见，延长征求意见期", "", ""},
		{"TenDaysLaterNearEnd", consultation.MinConsultationWindow - time.Second, 10 * 24 * time.Hour, "延长", "", ""},
		{"SameEnd", 0, 0, "延长", "consultation_shortening_refused", "与现在的截止时间相同"},
		{"Earlier", 0, -time.Second, "缩短", "consultation_shortening_refused", "不能缩短"},
		{"NoReason", 0, time.Hour, " ", "extension_reason_required", ""},
		{"AtEnd", consultation.MinConsultationWindow, time.Hour, "延长", "consultation_not_open", ""},
		{"AfterEnd", consultation.MinConsultationWindow + time.Hour, 10 * 24 * time.Hour, "延长", "consultation_not_open", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := f.e.Clock.Now()
			defer f.e.Clock.Set(start)
			d, cons := f.consulting(t)
			records := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, d.ID)
			f.e.Clock.Advance(c.advance)
			newEnd := cons.EndsAt.Add(c.delta)
			got, err := f.svc.ExtendConsultation(ctx, f.staff, d.ID, newEnd, c.reason)
			if c.code != "" {
				wantCode(t, err, c.code)
				if !strings.Contains(err.Error(), c.message) {
					t.Errorf("refusal %q does not say %q", err, c.message)
				}
				cur, _ := f.svc.CurrentConsultation(ctx, f.staff, d.ID)
				if !cur.EndsAt.Equal(cons.EndsAt) {
					t.Fatalf("refused extension moved the end to %v", cur.EndsAt)
				}
				if n := f.count(t, `SELECT count(*) FROM record_entries WHERE decision_id = $1`, d.ID); n != records {
					t.Fatal("refused extension was recorded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.EndsAt.Equal(newEnd) || !got.OriginalEndsAt.Equal(cons.EndsAt) {
				t.Fatalf("extended: %+v", got)
			}
			kinds := f.recordKinds(t, d.ID)
			if kinds[len(kinds)-1] != "consultation_extended" {
				t.Fatalf("record: %v", kinds)
			}
		})
	}
	t.Run("OtherAgency", func(t *testing.T) {
		d, c := f.consulting(t)
		_, err := f.svc.ExtendConsultation(ctx, f.other, d.ID, c.EndsAt.Add(time.Hour), "越权")
		wantCode(t, err, "not_lead_unit_staff")
	})
	t.Run("NeverOpened", func(t *testing.T) {
		d := f.create(t, nil)
		_, err := f.svc.ExtendConsultation(ctx, f.staff, d.ID, f.e.Clock.Now().Add(time.Hour), "延长")
		wantCode(t, err, "consultation_not_found")
	})
}

// TestCloseDueConsultations closes with the injected clock what the
// scheduled job closes in production (internal/jobs tests the job itself).
func TestCloseDueConsultations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d, c := f.consulting(t)
	start := f.e.Clock.Now()
	closeDue := func(want int) {
		t.Helper()
		n, err := f.svc.CloseDueConsultations(ctx)
		if err != nil || n != want {
			t.Fatalf("closed %d (%v), want %d", n, err, want)
		}
	}
	f.e.Clock.Set(c.EndsAt.Add(-time.Second))
	closeDue(0)
	if ok, err := f.svc.CloseDueConsultation(ctx, c.ID); ok || err != nil {
		t.Fatalf("closed before the end: %v %v", ok, err)
	}
	f.e.Clock.Set(c.EndsAt)
	closeDue(1)
	got, _ := f.svc.GetDecision(ctx, nil, d.ID)
	if got.Status != consultation.StatusHandling {
		t.Fatalf("status %s, want handling", got.Status)
	}
	cur, _ := f.svc.CurrentConsultation(ctx, nil, d.ID)
	if cur.ClosedAt == nil || !cur.ClosedAt.Equal(c.EndsAt) || cur.IsOpen(f.e.Clock.Now()) {
		t.Fatalf("consultation: %+v", cur)
	}
	kinds := f.recordKinds(t, d.ID)
	if got := kinds[len(kinds)-2:]; got[0] != "consultation_closed" || got[1] != "stage_changed" {
		t.Fatalf("record: %v", kinds)
	}
	var actor *int64
	var role, payload string
	f.e.DB.QueryRow(ctx, `SELECT actor_id, actor_role, payload FROM record_entries WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1`, d.ID).
		Scan(&actor, &role, &payload)
	if actor != nil || role != "system" || payload != `{"from":"consulting","reason":"consultation_window_ended","to":"handling"}` {
		t.Fatalf("stage change entry: %v %s %s", actor, role, payload)
	}
	// Closing twice is a no-op.
	f.e.Clock.Advance(time.Hour)
	closeDue(0)
	if ok, err := f.svc.CloseDueConsultation(ctx, c.ID); ok || err != nil {
		t.Fatalf("closed twice: %v %v", ok, err)
	}
	if n := len(f.recordKinds(t, d.ID)); n != len(kinds) {
		t.Fatalf("record grew on a second close: %d entries, was %d", n, len(kinds))
	}
	// An extended consultation is not closed at its original end.
	f.e.Clock.Set(start)
	d2, c2 := f.consulting(t)
	if _, err := f.svc.ExtendConsultation(ctx, f.staff, d2.ID, c2.EndsAt.Add(48*time.Hour), "延长"); err != nil {
		t.Fatal(err)
	}
	f.e.Clock.Set(c2.EndsAt)
	closeDue(0)
	f.e.Clock.Set(c2.EndsAt.Add(48 * time.Hour))
	closeDue(1)
	if ok, err := f.svc.CloseDueConsultation(ctx, 1<<40); ok || err != nil {
		t.Fatalf("unknown consultation: %v %v", ok, err)
	}
}
