package themes_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation/hearing"
	"github.com/canyu-gov/canyu/consultation/themes"
)

var scanPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

// TestOfflineOpinionsInThemes: opinions received by letter, the 12345
// hotline or at a forum are placed in the theme they are closest to (one
// close to none in no theme), each theme counts them by channel and lists
// them, a merge carries them into the merged theme, and the adoption report
// drafted from the themes counts every channel.
func TestOfflineOpinionsInThemes(t *testing.T) {
	ctx := context.Background()
	s := newScene(t, 400)
	s.svc.Opinions = s.e.Hearing
	if _, err := s.svc.Analyze(ctx, s.staff, s.d.ID); err != nil {
		t.Fatal(err)
	}
	day := s.e.Clock.Now().Format("2006-01-02")
	ops, err := s.e.Hearing.RecordOfflineOpinions(ctx, s.staff, s.d.ID, []hearing.OfflineOpinionInput{
		{Channel: hearing.ChannelLetter, ReceivedOn: day, Source: "市民来信", Body: "取暖费每平方米五块钱太贵了，退休老人交不起，建议降低收费标准。",
			Scan: hearing.Scan{Filename: "来信.pdf", Data: scanPDF}},
		{Channel: hearing.ChannelHotline, ReceivedOn: day, Source: "12345热线工单", Body: "供热收费太高，希望对低保户减免取暖费。",
			Scan: hearing.Scan{Filename: "工单.pdf", Data: scanPDF}},
		{Channel: hearing.ChannelHotline, ReceivedOn: day, Source: "12345热线工单", Body: "报修后三天都没人来，服务热线一直占线，建议4小时改为2小时到场。",
			Scan: hearing.Scan{Filename: "工单2.pdf", Data: scanPDF}},
		{Channel: hearing.ChannelLetter, ReceivedOn: day, Source: "市民来信", Body: "同意。",
			Scan: hearing.Scan{Filename: "来信2.pdf", Data: scanPDF}},
	})
	if err != nil || len(ops) != 4 {
		t.Fatalf("recording offline opinions: %d, %v", len(ops), err)
	}
	list, _, err := s.svc.ListThemes(ctx, s.staff, s.d.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	// The theme of an opinion as the comments of its coded theme say.
	themeOf := func(key string) themes.Theme {
		t.Helper()
		votes := map[int64]int{}
		for i, c := range s.comments {
			if c.theme != key {
				continue
			}
			var th int64
			if err := s.e.DB.QueryRow(ctx, `SELECT theme_id FROM theme_members WHERE comment_id = $1 AND is_primary AND removed_at IS NULL`,
				s.commentID[i]).Scan(&th); err == nil {
				votes[th]++
			}
		}
		var best int64
		for th, n := range votes {
			if n > votes[best] {
				best = th
			}
		}
		for _, th := range list {
			if th.ID == best {
				return th
			}
		}
		t.Fatalf("no theme for %s", key)
		return themes.Theme{}
	}
	price, service := themeOf("price"), themeOf("service")
	if price.ID == service.ID {
		t.Fatal("price and service in one theme; the test needs them apart")
	}
	count := func(th themes.Theme, channel string) int {
		for _, c := range th.Channels {
			if c.Key == channel {
				return c.Count
			}
		}
		return 0
	}
	if price.Offline != 2 || count(price, "letter") != 1 || count(price, "hotline") != 1 {
		t.Errorf("price theme: %d offline, channels %+v", price.Offline, price.Channels)
	}
	if service.Offline != 1 || count(service, "hotline") != 1 {
		t.Errorf("service theme: %d offline, channels %+v", service.Offline, service.Channels)
	}
	total := 0
	for _, th := range list {
		total += th.Offline
	}
	if total != 3 {
		t.Errorf("%d offline opinions in themes, want 3 (同意。 in none)", total)
	}
	// Reading again places nothing twice.
	var placed int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM theme_offline_placements`).Scan(&placed); err != nil || placed != 4 {
		t.Fatalf("placements %d (%v)", placed, err)
	}
	d, err := s.svc.GetTheme(ctx, s.staff, service.ID, themes.ThemePage{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.OfflineOpinions) != 1 || d.OfflineOpinions[0].ChannelName != "12345热线" || !strings.Contains(d.OfflineOpinions[0].Body, "报修") {
		t.Errorf("service theme's offline opinions: %+v", d.OfflineOpinions)
	}

	// Merging the service theme into the price theme carries its opinion.
	if _, err := s.svc.MergeThemes(ctx, s.staff, price.ID, []int64{service.ID}, ""); err != nil {
		t.Fatal(err)
	}
	d, err = s.svc.GetTheme(ctx, s.staff, price.ID, themes.ThemePage{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if d.Offline != 3 || count(d.Theme, "hotline") != 2 || len(d.OfflineOpinions) != 3 {
		t.Errorf("after the merge: %d offline, channels %+v", d.Offline, d.Channels)
	}

	// Answering the theme answers its offline opinions too; one answered
	// on its own afterwards keeps its answer when the theme is answered again.
	s.closeWindow(t)
	res, err := s.svc.AnswerTheme(ctx, s.staff, price.ID, themes.ThemeAnswerInput{Disposition: "partially_adopted",
		Reason: "将对低收入家庭减免取暖费，收费标准另行听证。"})
	if err != nil {
		t.Fatal(err)
	}
	if res.OfflineSet != 3 {
		t.Fatalf("the theme's answer reached %d offline opinions, want 3", res.OfflineSet)
	}
	answers := func() map[int64]string {
		t.Helper()
		all, err := s.e.Hearing.OpinionsForAnalysis(ctx, s.d.ID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, o := range all {
			if o.Disposition != nil {
				out[o.ID] = *o.Disposition + "：" + *o.Reason
			}
		}
		return out
	}
	got := answers()
	if len(got) != 3 || got[ops[3].ID] != "" {
		t.Fatalf("answers after the theme's: %v", got)
	}
	own := "已转供热单位核实该户收费情况。"
	if _, err := s.e.Hearing.DisposeOfflineOpinion(ctx, s.staff, ops[1].ID, hearing.OpinionDispositionInput{Disposition: "adopted",
		Reason: own}); err != nil {
		t.Fatal(err)
	}
	if res, err = s.svc.AnswerTheme(ctx, s.staff, price.ID, themes.ThemeAnswerInput{Disposition: "adopted",
		Reason: "采纳：对低收入家庭减免取暖费。"}); err != nil || res.OfflineSet != 2 {
		t.Fatalf("answering again reached %d offline opinions (%v), want 2", res.OfflineSet, err)
	}
	got = answers()
	if got[ops[1].ID] != "adopted："+own || got[ops[0].ID] != "adopted：采纳：对低收入家庭减免取暖费。" ||
		got[ops[2].ID] != "adopted：采纳：对低收入家庭减免取暖费。" {
		t.Fatalf("answers after answering again: %v", got)
	}
	var viaTheme int
	if err := s.e.DB.QueryRow(ctx, `SELECT count(*) FROM record_entries WHERE decision_id = $1 AND kind = $2
			AND (payload::jsonb->>'theme_id')::bigint = $3`, s.d.ID, string(hearing.RecordOfflineDisposition), price.ID).Scan(&viaTheme); err != nil ||
		viaTheme != 5 {
		t.Fatalf("%d record entries of offline answers through the theme (%v), want 5", viaTheme, err)
	}
	// (The record's verification is checked in the API test: this scene's
	// comments are inserted in bulk, without moderation entries.)

	// The report drafted from the themes counts the channels.
	rep, err := s.svc.DraftAdoptionReportFromThemes(ctx, s.staff, s.d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var fig *themes.ThemeFigure
	for i := range rep.Themes {
		if rep.Themes[i].ThemeID == price.ID {
			fig = &rep.Themes[i]
		}
	}
	if fig == nil || fig.Offline != 3 {
		t.Fatalf("report figure of the merged theme: %+v", fig)
	}
	if !strings.Contains(rep.Report.Body, "来信1条") || !strings.Contains(rep.Report.Body, "12345热线2条") {
		t.Errorf("report text without the channels:\n%s", rep.Report.Body)
	}

	// The export has a row for each, after the comments, with its channel.
	var buf bytes.Buffer
	if err := s.svc.ExportThemes(ctx, s.staff, s.d.ID, "csv", &buf); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var offline []string
	for _, r := range records[1:] {
		if r[7] != "网上征求意见" {
			offline = append(offline, r[0]+"|"+r[7]+"|"+r[8]+"|"+r[len(r)-1])
		}
	}
	priceLabel := d.Label
	if len(offline) != 4 || !strings.HasPrefix(offline[0], priceLabel+"|") || offline[3] != "未归入主题|来信|市民来信|同意。" {
		t.Errorf("offline rows of the export: %q", offline)
	}
}
