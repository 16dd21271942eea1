package hearing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canyu-gov/canyu/consultation"
	"github.com/canyu-gov/canyu/consultation/hearing"
)

func channelOf(r consultation.AdoptionReport, key string) *consultation.ChannelFigure {
	for i, c := range r.Figures.ByChannel {
		if c.Key == key {
			return &r.Figures.ByChannel[i]
		}
	}
	return nil
}

func TestOfflineOpinionsCountedByChannel(t *testing.T) {
	s := newScene(t)
	e, ctx, hs := s.e, s.ctx, s.e.Hearing
	forum, err := hs.CreateParticipationActivity(ctx, s.staff, s.d.ID, hearing.ActivityInput{Kind: hearing.KindForum,
		Title: "家长代表座谈会", StartsOn: "2026-03-05", Place: "市教育局会议室", Participants: []string{"家长代表", "新华区教育局", "市实验小学"},
		Materials: "划片调整方案及附图", Minutes: "与会代表就片区边界发表意见。"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = hs.CreateParticipationActivity(ctx, s.staff, s.d.ID, hearing.ActivityInput{Kind: "banquet", Title: "x", StartsOn: "2026-03-05"})
	wantCode(t, err, "invalid_activity_kind")
	// The activity the list and the opinions' channel read is bound: its
	// title changed in the database is caught online and offline.
	tamperRow(t, s, "an activity's title", "participation_activities", "title", "市领导接待日", forum.ID)
	e.Clock.Set(s.t0.Add(5 * 24 * time.Hour))
	in := []hearing.OfflineOpinionInput{
		{Channel: hearing.ChannelLetter, ReceivedOn: "2026-03-04", Source: "市民来信", Body: "建议保留原片区三年过渡期。",
			Scan: hearing.Scan{Filename: "来信.pdf", Data: pdf}},
		{Channel: hearing.ChannelHotline, ReceivedOn: "2026-03-06", Source: "12345热线工单", Body: "反映新片区上学需穿越主干道。",
			Scan: hearing.Scan{Filename: "工单.pdf", Data: pdf}},
		{Channel: hearing.ChannelForum, ActivityID: &forum.ID, ReceivedOn: "2026-03-05", Source: "家长代表", Body: "希望公布学位测算依据。",
			Scan: hearing.Scan{Filename: "座谈会记录.pdf", Data: pdf}},
	}
	// A date in the future and a missing scan change nothing.
	bad := append([]hearing.OfflineOpinionInput{}, in...)
	bad[1].ReceivedOn = "2026-03-08"
	_, err = hs.RecordOfflineOpinions(ctx, s.staff, s.d.ID, bad)
	wantCode(t, err, "received_in_future")
	bad = append([]hearing.OfflineOpinionInput{}, in...)
	bad[2].Scan = hearing.Scan{Data: []byte("<html>")}
	_, err = hs.RecordOfflineOpinions(ctx, s.staff, s.d.ID, bad)
	wantCode(t, err, "scan_type_not_allowed")
	ops, err := hs.RecordOfflineOpinions(ctx, s.staff, s.d.ID, in)
	if err != nil || len(ops) != 3 {
		t.Fatalf("record %d %v", len(ops), err)
	}
	// Residents see an opinion once it is answered, never the scan.
	if list, _ := hs.ListOfflineOpinions(ctx, nil, s.d.ID, ""); len(list) != 0 {
		t.Fatalf("unanswered opinions public: %d", len(list))
	}
	if _, err := hs.GetScan(ctx, nil, ops[0].ScanFileID); err == nil {
		t.Fatal("a scan served to an anonymous reader")
	}

	e.Clock.Set(s.t0.Add(consultation.MinConsultationWindow + time.Hour))
	if _, err := e.Consultation.CloseDueConsultations(ctx); err != nil {
		t.Fatal(err)
	}
	answer := func(i int, d consultation.DispositionKind, reason string) {
		t.Helper()
		if _, err := hs.DisposeOfflineOpinion(ctx, s.staff, ops[i].ID, hearing.OpinionDispositionInput{Disposition: d, Reason: reason}); err != nil {
			t.Fatal(err)
		}
	}
	answer(0, consultation.DispositionAdopted, "设置三年过渡期。")
	answer(1, consultation.DispositionPartiallyAdopted, "增设护学岗，片区不变。")
	// The forum's opinion is still open: the report is refused.
	if _, err := e.Consultation.GenerateAdoptionReport(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.Consultation.PublishAdoptionReport(ctx, s.staff, s.d.ID)
	wantCode(t, err, "offline_opinions_without_disposition")
	answer(2, consultation.DispositionNotAdopted, "测算依据已随草案附件公开。")
	r := publishAdoptionReport(t, s)
	for _, c := range []struct {
		key, disposition string
	}{{"letter", "adopted"}, {"hotline", "partially_adopted"}, {"forum", "not_adopted"}} {
		f := channelOf(r, c.key)
		if f == nil || f.Opinions != 1 || f.WithoutDisposition != 0 || len(f.Replies) != 1 || string(f.Replies[0].Disposition) != c.disposition {
			t.Fatalf("channel %s: %+v", c.key, f)
		}
	}
	if f := channelOf(r, consultation.ChannelOnline); f == nil || f.Opinions != 0 {
		t.Fatalf("online channel %+v", f)
	}
	for _, want := range []string{"来信收到意见1条，采纳1条", "12345热线收到意见1条，部分采纳1条", "座谈会收到意见1条，不予采纳1条", "理由：增设护学岗"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("report text lacks %q:\n%s", want, r.Body)
		}
	}
	// Answers are fixed with the report.
	_, err = hs.DisposeOfflineOpinion(ctx, s.staff, ops[0].ID, hearing.OpinionDispositionInput{Disposition: consultation.DispositionNotAdopted, Reason: "改"})
	wantCode(t, err, "adoption_report_published")
	if list, _ := hs.ListOfflineOpinions(ctx, nil, s.d.ID, hearing.ChannelHotline); len(list) != 1 {
		t.Fatalf("public hotline opinions %d", len(list))
	}
	if !strings.Contains(recordKinds(t, s), "offline_opinions_recorded") {
		t.Fatal("offline opinions not in the record")
	}
	if v, err := e.Consultation.VerifyStoredRecord(ctx, s.d.ID); err != nil || !v.OK {
		t.Fatalf("record verification: %+v %v", v, err)
	}
}
