package supervision_test

import (
	"testing"
	"time"

	"github.com/canyu-gov/canyu/internal/workday"
	"github.com/canyu-gov/canyu/supervision"
)

func ptr[T any](v T) *T { return &v }

func step(t *testing.T, f supervision.Facts, now time.Time, key string) supervision.Step {
	t.Helper()
	for _, st := range supervision.Steps(f, workday.Default(), supervision.DefaultLimits, now) {
		if st.Key == key {
			return st
		}
	}
	t.Fatalf("no step %s", key)
	return supervision.Step{}
}

func TestStepsAtTheirBoundaries(t *testing.T) {
	cal := workday.Default()
	opens := at(3, 2, 10)
	closed := at(4, 1, 10)
	reportDue := cal.AddWorkingDays(closed, supervision.DefaultLimits.AdoptionReportWorkingDays)
	received := at(6, 1, 10) // a Monday
	reviewDue := cal.AddWorkingDays(received, supervision.DefaultLimits.ReviewWorkingDays)
	base := supervision.Facts{Domain: "other", Status: "consulting", ConsultationOpensAt: &opens}
	// Published on 1 July, in effect that day, reporting every 90 days: the
	// first report is due on 29 September, late after 30 September 00:00 in
	// Beijing time (Decree 713 Art. 35; the body's schedule).
	effective := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	firstReportDeadline := time.Date(2026, 9, 30, 0, 0, 0, 0, workday.Location())
	published := func(f *supervision.Facts) {
		f.Status, f.PublishedAt, f.EffectiveOn, f.ReportIntervalDays = "in_effect", ptr(at(7, 1, 10)), &effective, ptr(90)
	}

	cases := []struct {
		name  string
		edit  func(f *supervision.Facts)
		now   time.Time
		key   string
		state supervision.StepState
	}{
		{"Window30Days", func(f *supervision.Facts) { f.ConsultationEndsAt = ptr(opens.Add(30 * 24 * time.Hour)) }, opens, "consultation", supervision.StepDone},
		{"Window29DaysNoReason", func(f *supervision.Facts) {
			f.ConsultationEndsAt = ptr(opens.Add(29 * 24 * time.Hour))
			f.ShorteningReason = ptr("")
		}, opens, "consultation", supervision.StepProblem},
		{"Window29DaysWithReason", func(f *supervision.Facts) {
			f.ConsultationEndsAt = ptr(opens.Add(29 * 24 * time.Hour))
			f.ShorteningReason = ptr("汛期临近")
		}, opens, "consultation", supervision.StepDone},
		{"Withheld", func(f *supervision.Facts) {
			f.ConsultationOpensAt, f.NotDisclosable, f.NotDisclosableReason = nil, true, "涉及国家秘密"
		}, opens, "consultation", supervision.StepSkipped},
		{"SkippedConsultation", func(f *supervision.Facts) { f.ConsultationOpensAt, f.Status = nil, "under_review" }, opens, "consultation", supervision.StepProblem},
		{"ReportOnItsLastDay", func(f *supervision.Facts) { f.ConsultationClosedAt = &closed }, reportDue, "adoption_report", supervision.StepDue},
		{"ReportADayLate", func(f *supervision.Facts) { f.ConsultationClosedAt = &closed }, reportDue.Add(time.Nanosecond), "adoption_report", supervision.StepOverdue},
		{"ReportPublishedLate", func(f *supervision.Facts) {
			f.ConsultationClosedAt, f.AdoptionReportPublishedAt = &closed, ptr(reportDue.Add(time.Hour))
		}, reportDue.Add(48 * time.Hour), "adoption_report", supervision.StepProblem},
		{"SurveyNotLivelihood", nil, opens, "survey", supervision.StepNotApplicable},
		{"SurveyWaived", func(f *supervision.Facts) { f.Domain, f.SurveyWaivedAt = "health", &closed }, closed, "survey", supervision.StepSkipped},
		{"SurveyZeroResponses", func(f *supervision.Facts) {
			f.Domain, f.SurveyClosedAt, f.ReviewSubmittedAt = "health", &closed, &received
		}, received, "survey", supervision.StepProblem},
		{"SurveyHeld", func(f *supervision.Facts) {
			f.Domain, f.SurveyClosedAt, f.SurveyResponses = "health", &closed, 12
		}, closed, "survey", supervision.StepDone},
		{"ReviewOnItsLastDay", func(f *supervision.Facts) { f.ReviewReceivedAt = &received }, reviewDue, "legality_review", supervision.StepDue},
		{"ReviewOverdue", func(f *supervision.Facts) { f.ReviewReceivedAt = &received }, reviewDue.Add(time.Second), "legality_review", supervision.StepOverdue},
		{"ReviewIn6WorkingDays", func(f *supervision.Facts) {
			f.ReviewReceivedAt, f.ConcludedAt = &received, ptr(cal.AddWorkingDays(received, 6))
		}, reviewDue, "legality_review", supervision.StepProblem},
		{"ReviewIn6WorkingDaysExpedited", func(f *supervision.Facts) {
			f.ReviewReceivedAt, f.ConcludedAt, f.ExpediteReason = &received, ptr(cal.AddWorkingDays(received, 6)), ptr("防汛紧急")
		}, reviewDue, "legality_review", supervision.StepDone},
		{"ReviewIn7WorkingDays", func(f *supervision.Facts) {
			f.ReviewReceivedAt, f.ConcludedAt = &received, ptr(cal.AddWorkingDays(received, 7))
		}, reviewDue, "legality_review", supervision.StepDone},
		{"NoOpinionBeforeConclusion", func(f *supervision.Facts) {
			f.ReviewReceivedAt, f.ConcludedAt = &received, ptr(cal.AddWorkingDays(received, 7))
		}, reviewDue, "legal_opinion", supervision.StepProblem},
		{"CatalogueNotRequired", nil, opens, "catalogue", supervision.StepNotApplicable},
		{"CatalogueRequiredWhileDrafting", func(f *supervision.Facts) { f.Status, f.CatalogueRequired = "drafting", true },
			opens, "catalogue", supervision.StepDue},
		{"CatalogueRequiredWhileHandling", func(f *supervision.Facts) { f.Status, f.CatalogueRequired = "handling", true },
			opens, "catalogue", supervision.StepDue},
		{"CatalogueRequiredUnderReview", func(f *supervision.Facts) { f.Status, f.CatalogueRequired = "under_review", true },
			opens, "catalogue", supervision.StepProblem},
		{"CatalogueMember", func(f *supervision.Facts) {
			f.Status, f.CatalogueRequired = "under_review", true
			f.CatalogueItemID, f.CatalogueItemStatus, f.CatalogueStatus = ptr(int64(7)), ptr("active"), ptr("published")
		}, opens, "catalogue", supervision.StepDone},
		{"CatalogueEntryRemoved", func(f *supervision.Facts) {
			f.Status, f.CatalogueRequired = "under_review", true
			f.CatalogueItemID, f.CatalogueItemStatus, f.CatalogueStatus = ptr(int64(7)), ptr("removed"), ptr("published")
		}, opens, "catalogue", supervision.StepProblem},
		{"CatalogueNotYetPublished", func(f *supervision.Facts) {
			f.Status, f.CatalogueRequired = "drafting", true
			f.CatalogueItemID, f.CatalogueItemStatus, f.CatalogueStatus = ptr(int64(7)), ptr("active"), ptr("agreed")
		}, opens, "catalogue", supervision.StepDue},
		{"ImplementationBeforePublication", nil, opens, "implementation_report", supervision.StepNotYet},
		{"ImplementationReportOnItsLastDay", published, firstReportDeadline, "implementation_report", supervision.StepDue},
		{"ImplementationReportADayLate", published, firstReportDeadline.Add(time.Nanosecond), "implementation_report", supervision.StepOverdue},
		{"ImplementationReportFiled", func(f *supervision.Facts) {
			published(f)
			f.PeriodicReportEnds, f.PeriodicReportedAt = []time.Time{effective.AddDate(0, 0, 90)}, []time.Time{firstReportDeadline.Add(-time.Hour)}
		}, firstReportDeadline.AddDate(0, 0, 89), "implementation_report", supervision.StepDue},
		{"ImplementationSecondReportLate", func(f *supervision.Facts) {
			published(f)
			f.PeriodicReportEnds, f.PeriodicReportedAt = []time.Time{effective.AddDate(0, 0, 90)}, []time.Time{firstReportDeadline.Add(-time.Hour)}
		}, firstReportDeadline.AddDate(0, 0, 90).Add(time.Nanosecond), "implementation_report", supervision.StepOverdue},
		{"ImplementationSuspended", func(f *supervision.Facts) { published(f); f.Status = "suspended" },
			firstReportDeadline, "implementation_report", supervision.StepSkipped},
		{"ImplementationEnded", func(f *supervision.Facts) { published(f); f.Status = "ended" },
			firstReportDeadline, "implementation_report", supervision.StepNotApplicable},
		{"WithdrawnHasNothingDue", func(f *supervision.Facts) { f.ConsultationClosedAt, f.Status = &closed, "withdrawn" },
			reportDue.Add(time.Hour), "adoption_report", supervision.StepNotApplicable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base
			f.ConsultationEndsAt = ptr(opens.Add(30 * 24 * time.Hour))
			if c.edit != nil {
				c.edit(&f)
			}
			if st := step(t, f, c.now, c.key); st.State != c.state {
				t.Fatalf("%s: %s (%s), want %s", c.key, st.State, st.Note, c.state)
			}
		})
	}
}

// A deadline past the years the calendar covers is marked provisional,
// never computed silently (DOMAIN.md, "Time").
func TestStepsProvisionalBeyondTheCalendar(t *testing.T) {
	cal := workday.Default()
	last := time.Date(2026, 12, 31, 12, 0, 0, 0, workday.Location())
	if !cal.Covers(last) || cal.Covers(last.AddDate(0, 0, 1)) {
		t.Skip("the shipped calendar no longer ends with 2026; move this test's dates")
	}
	received := time.Date(2026, 12, 1, 10, 0, 0, 0, workday.Location())
	f := supervision.Facts{Domain: "other", Status: "under_review", ReviewReceivedAt: &received}
	if st := step(t, f, received, "legality_review"); st.Provisional {
		t.Fatalf("a deadline in December 2026 is provisional: %+v", st)
	}
	// Received on 10 December: the fifteenth working day is 31 December,
	// the last day the calendar covers; the deadline is its 24:00, which
	// is 00:00 of 1 January 2027, and was marked provisional.
	received = time.Date(2026, 12, 10, 10, 0, 0, 0, workday.Location())
	f.ReviewReceivedAt = &received
	if st := step(t, f, received, "legality_review"); st.Provisional || !st.Due.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, workday.Location())) {
		t.Fatalf("a deadline ending on 31 December 2026 is provisional: %+v", st)
	}
	received = time.Date(2026, 12, 21, 10, 0, 0, 0, workday.Location())
	f.ReviewReceivedAt = &received
	if st := step(t, f, received, "legality_review"); !st.Provisional {
		t.Fatalf("a deadline in January 2027 is not marked provisional: %+v", st)
	}
}
