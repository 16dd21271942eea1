package events_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/events"
	"github.com/canyu-gov/canyu/implementation"
	"github.com/canyu-gov/canyu/internal/identity"
	"github.com/canyu-gov/canyu/internal/pgtest"
	"github.com/canyu-gov/canyu/internal/testenv"
	"github.com/canyu-gov/canyu/survey"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const draft = "第一条 为规范课后服务，制定本办法。\n第二条 本办法自公布之日起施行。"

// TestStepsEmitEvents walks two decisions through every step that emits an
// event and checks each event's kind, decision, agency, domain, subjects
// and public payload, in the order the steps committed.
func TestStepsEmitEvents(t *testing.T) {
	e := testenv.New(t)
	ctx, svc := context.Background(), e.Consultation
	e.Agency("pdsszf", "平顶山市人民政府", identity.AgencyGovernment)
	jyj := e.Agency("jyj", "平顶山市教育局", identity.AgencyDepartment)
	e.Agency("sfj", "平顶山市司法局", identity.AgencyLegalityReview)
	staff, _ := e.Account(identity.RoleAgencyStaff, "jyj")
	body, _ := e.Account(identity.RoleAgencyStaff, "pdsszf")
	resident, _ := e.Account(identity.RoleResident, "")

	// A consulted decision: opened, a survey, an answered opinion, the report.
	d, err := svc.CreateDecision(ctx, &staff, consultation.DecisionInput{Title: "平顶山市中小学课后服务管理办法",
		Category: consultation.CategorySocialManagement, Domain: consultation.DomainEducationCulture, DecisionBody: "pdsszf", LeadAgency: "jyj"})
	must(t, err)
	_, err = svc.CreateDraftVersion(ctx, &staff, d.ID, consultation.DraftVersionInput{Text: draft, Explanation: "起草说明",
		LegalBasis: []string{"《中华人民共和国教育法》"}})
	must(t, err)
	c, err := svc.OpenConsultation(ctx, &staff, d.ID, consultation.ConsultationInput{EndsAt: e.Clock.Now().Add(consultation.MinConsultationWindow),
		WaysToComment: "登录本平台提出意见", ShowComments: true})
	must(t, err)
	id := d.ID
	sv, err := e.Survey.CreateSurvey(ctx, &staff, survey.Input{Title: "课后服务民意调查", DecisionID: &id,
		ClosesAt: e.Clock.Now().Add(20 * 24 * time.Hour), Anonymous: true, PrivacyNotice: "仅用于决策参考，保存一年。"})
	must(t, err)
	_, _, err = e.Survey.AddQuestion(ctx, &staff, sv.ID, survey.QuestionInput{Kind: survey.KindSingleChoice, Title: "是否赞成",
		Required: true, Config: survey.Config{Options: []survey.Option{{Label: "赞成"}, {Label: "反对"}}}})
	must(t, err)
	_, err = e.Survey.OpenSurvey(ctx, &staff, sv.ID)
	must(t, err)
	cm, _, err := svc.SubmitComment(ctx, &resident, d.ID, consultation.CommentInput{Body: "建议延长课后服务时间到六点。"})
	must(t, err)
	_, err = svc.ModerateComment(ctx, &staff, cm.ID, consultation.ModerationPublish, "")
	must(t, err)
	e.CloseConsultations()
	_, err = svc.SetCommentDisposition(ctx, &staff, cm.ID, consultation.DispositionAdopted, "已采纳。")
	must(t, err)
	_, err = svc.GenerateAdoptionReport(ctx, &staff, d.ID)
	must(t, err)
	r, err := svc.PublishAdoptionReport(ctx, &staff, d.ID)
	must(t, err)

	// A decision withheld from consultation: published, then reported on.
	admin, _ := e.Account(identity.RoleAdmin, "")
	_, err = svc.SetMeetingComposition(ctx, &admin, "pdsszf", []consultation.MeetingCompositionMember{
		{Name: "张市长", Position: "市长", IsHead: true}, {Name: "李副市长", Position: "常务副市长"}, {Name: "王副市长", Position: "副市长"}})
	must(t, err)
	w := e.PublishedWithheld(&staff, &body)
	rep, err := e.Implementation.SubmitImplementationReport(ctx, &staff, w.ID, implementation.ReportInput{Kind: implementation.ReportPeriodic,
		PeriodEnd: e.Clock.Now().Add(-24 * time.Hour), Progress: "已在全市推行。"})
	must(t, err)

	evs, err := events.Read(ctx, e.DB, 0, 100)
	must(t, err)
	type want struct {
		kind     events.Kind
		decision int64
		subject  string
		ids      []int64
		public   bool
	}
	wants := []want{
		{events.ConsultationOpened, d.ID, events.SubjectConsultation, []int64{c.ID}, true},
		{events.SurveyOpened, d.ID, events.SubjectSurvey, []int64{sv.ID}, true},
		{events.OpinionAnswered, d.ID, events.SubjectComment, []int64{cm.ID}, true},
		{events.AdoptionReportPublished, d.ID, events.SubjectAdoptionReport, []int64{r.ID}, true},
		{events.DecisionPublished, w.ID, events.SubjectPublication, nil, false},
		{events.ImplementationReportSubmitted, w.ID, events.SubjectImplementationReport, []int64{rep.ID}, false},
	}
	if len(evs) != len(wants) {
		t.Fatalf("%d events, want %d: %+v", len(evs), len(wants), evs)
	}
	for i, w := range wants {
		ev := evs[i]
		if ev.Kind != w.kind || ev.DecisionID == nil || *ev.DecisionID != w.decision || ev.SubjectType != w.subject || ev.Public != w.public {
			t.Errorf("event %d: %+v, want %+v", i, ev, w)
		}
		if w.ids != nil && !slices.Equal(ev.SubjectIDs, w.ids) {
			t.Errorf("event %d subjects %v, want %v", i, ev.SubjectIDs, w.ids)
		}
		if ev.AgencyID == nil || *ev.AgencyID != jyj.ID {
			t.Errorf("event %d agency %v, want %d", i, ev.AgencyID, jyj.ID)
		}
		if events.KindNames[ev.Kind] == "" {
			t.Errorf("event %d: kind %s has no Chinese name", i, ev.Kind)
		}
		if i > 0 && ev.ID <= evs[i-1].ID {
			t.Errorf("ids not increasing: %d after %d", ev.ID, evs[i-1].ID)
		}
	}
	if evs[0].Domain != string(consultation.DomainEducationCulture) || evs[1].Domain != evs[0].Domain {
		t.Errorf("domains %q %q", evs[0].Domain, evs[1].Domain)
	}
	var p map[string]any
	must(t, json.Unmarshal(evs[0].Payload, &p))
	if p["decision_title"] != "平顶山市中小学课后服务管理办法" || p["consultation_id"] != float64(c.ID) {
		t.Errorf("consultation_opened payload %v", p)
	}
	must(t, json.Unmarshal(evs[2].Payload, &p))
	if p["disposition"] != "adopted" {
		t.Errorf("opinion_answered payload %v", p)
	}
}

func emit(ctx context.Context, tx pgx.Tx, subject int64) error {
	return events.Emit(ctx, tx, events.Event{Kind: events.SurveyOpened, SubjectType: events.SubjectSurvey, SubjectIDs: []int64{subject}, Public: true})
}

// TestIDsFollowCommitOrder: a transaction that emitted first but commits
// last never gets an id below one a consumer has already passed; a
// rolled-back emit leaves no event.
func TestIDsFollowCommitOrder(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	tx1, err := db.Begin(ctx)
	must(t, err)
	must(t, emit(ctx, tx1, 1))
	done := make(chan error, 1)
	go func() {
		done <- pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return emit(ctx, tx, 2) })
	}()
	select {
	case err := <-done:
		t.Fatalf("second emit finished while the first is uncommitted: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	must(t, tx1.Commit(ctx))
	must(t, <-done)
	tx3, err := db.Begin(ctx)
	must(t, err)
	must(t, emit(ctx, tx3, 3))
	must(t, tx3.Rollback(ctx))
	evs, err := events.Read(ctx, db, 0, 10)
	must(t, err)
	if len(evs) != 2 || evs[0].SubjectIDs[0] != 1 || evs[1].SubjectIDs[0] != 2 || evs[0].ID >= evs[1].ID {
		t.Fatalf("events %+v", evs)
	}
}

// TestConsumeOnce: concurrent consumers with one name handle every event
// exactly once; a failing handler leaves the cursor where it was.
func TestConsumeOnce(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	for i := range 50 {
		must(t, pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error { return emit(ctx, tx, int64(i)) }))
	}
	_, err := events.Consume(ctx, db, "test", 10, func(context.Context, pgx.Tx, []events.Stored) error { return context.Canceled })
	if err == nil {
		t.Fatal("a failing handler reported success")
	}
	if c, _ := events.Cursor(ctx, db, "test"); c != 0 {
		t.Fatalf("cursor %d after a failure", c)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := events.Consume(ctx, db, "test", 7, func(_ context.Context, _ pgx.Tx, evs []events.Stored) error {
					mu.Lock()
					defer mu.Unlock()
					for _, ev := range evs {
						seen[ev.SubjectIDs[0]]++
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 50 {
		t.Fatalf("handled %d distinct events, want 50", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event of subject %d handled %d times", id, n)
		}
	}
}
