package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canyu-gov/canyu/consultation"
)

type themeJSON struct {
	ID           int64    `json:"id"`
	Label        string   `json:"label"`
	MachineLabel string   `json:"machine_label"`
	Size         int      `json:"size"`
	Published    int      `json:"published"`
	Answered     int      `json:"answered"`
	Status       string   `json:"status"`
	OffTopic     bool     `json:"off_topic"`
	Words        []string `json:"words"`
	Summary      []struct {
		Text     string   `json:"text"`
		Receipts []string `json:"receipts"`
	} `json:"summary"`
}

func TestThemesAPI(t *testing.T) {
	f := newHandlingFixture(t)
	ctx := context.Background()
	d := f.decision.ID
	for _, body := range []string{
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务增加体育活动和兴趣小组。",
		"课后服务能不能多安排体育锻炼，孩子整天坐着。", "希望课后服务有更多兴趣活动，比如美术音乐体育。",
	} {
		c, _, err := f.e.Consultation.SubmitComment(ctx, &f.alice, d, consultation.CommentInput{Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.e.Consultation.ModerateComment(ctx, &f.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.otherTok, nil).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.aliceTok, nil).Expect(t, 403, "forbidden_role")
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 404, "theme_analysis_not_found")
	var a struct {
		Version      int    `json:"version"`
		CommentCount int    `json:"comment_count"`
		ContentHash  string `json:"content_hash"`
	}
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &a)
	if a.Version != 1 || a.CommentCount != 10 || len(a.ContentHash) != 64 {
		t.Fatalf("analysis %+v", a)
	}
	var list struct {
		Themes []themeJSON `json:"themes"`
	}
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	if len(list.Themes) == 0 {
		t.Fatalf("themes %+v", list.Themes)
	}
	first := list.Themes[0]
	if first.Label == "" || first.Label != first.MachineLabel || len(first.Summary) == 0 || len(first.Summary[0].Receipts) == 0 {
		t.Fatalf("theme %+v", first)
	}
	f.e.Do("PATCH", f.path("/themes/%d", first.ID), f.staffTok, map[string]any{"label": "  "}).Expect(t, 422, "theme_label_required")
	var renamed themeJSON
	f.e.Do("PATCH", f.path("/themes/%d", first.ID), f.staffTok, map[string]any{"label": "课后服务收费"}).Expect(t, 200, "").JSON(t, &renamed)
	if renamed.Label != "课后服务收费" || renamed.MachineLabel != first.MachineLabel {
		t.Fatalf("renamed %+v", renamed)
	}
	f.e.Do("POST", f.path("/themes/%d/merge", first.ID), f.staffTok, map[string]any{"theme_ids": []int64{first.ID}}).
		Expect(t, 422, "themes_to_merge_required")
	f.e.Do("PUT", f.path("/themes/%d/answer", first.ID), f.staffTok,
		map[string]any{"disposition": "adopted", "reason": "已调整收费标准。"}).Expect(t, 409, "consultation_still_open")
	f.closeWindow(t)
	f.e.Do("PUT", f.path("/themes/%d/answer", first.ID), f.staffTok,
		map[string]any{"disposition": "adopted", "reason": " "}).Expect(t, 422, "disposition_reason_required")
	f.e.Do("PUT", f.path("/themes/%d/answer", first.ID), f.staffTok,
		map[string]any{"disposition": "adopted", "reason": "已调整。", "articles_changed": []string{"no-such"}}).Expect(t, 422, "unknown_article")
	var ans struct {
		Theme themeJSON `json:"theme"`
		Set   int       `json:"set"`
	}
	f.e.Do("PUT", f.path("/themes/%d/answer", first.ID), f.staffTok,
		map[string]any{"disposition": "partially_adopted", "reason": "已将收费标准调整为每学期二百五十元。"}).Expect(t, 200, "").JSON(t, &ans)
	if ans.Set == 0 || ans.Theme.Answered != ans.Set {
		t.Fatalf("answer %+v", ans)
	}
	var rep struct {
		Report struct {
			Body string `json:"body"`
		} `json:"report"`
		Themes []struct {
			Label     string `json:"label"`
			Published int    `json:"published"`
		} `json:"themes"`
	}
	f.e.Do("POST", f.path("/decisions/%d/adoption-report/draft-from-themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &rep)
	if !strings.Contains(rep.Report.Body, "按主题归纳的主要意见及处理情况") || !strings.Contains(rep.Report.Body, "课后服务收费") {
		t.Fatalf("report body:\n%s", rep.Report.Body)
	}
	f.e.Do("GET", f.path("/themes/%d", 999999), f.staffTok, nil).Expect(t, 404, "theme_not_found")
}
