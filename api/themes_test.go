package api_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

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

// publishComments submits Alice's comments on the whole draft and
// publishes them.
func (f *handlingFixture) publishComments(t *testing.T, bodies ...string) {
	t.Helper()
	ctx := context.Background()
	for _, body := range bodies {
		c, _, err := f.e.Consultation.SubmitComment(ctx, &f.alice, f.decision.ID, consultation.CommentInput{Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.e.Consultation.ModerateComment(ctx, &f.staff, c.ID, consultation.ModerationPublish, ""); err != nil {
			t.Fatal(err)
		}
	}
}

func TestThemesAPI(t *testing.T) {
	f := newHandlingFixture(t)
	d := f.decision.ID
	f.publishComments(t,
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务增加体育活动和兴趣小组。",
		"课后服务能不能多安排体育锻炼，孩子整天坐着。", "希望课后服务有更多兴趣活动，比如美术音乐体育。")
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

// TestThemesSplitMoveAPI: split-theme and move-comments-to-theme refuse
// bad input with a stable code and change nothing, split makes a staff
// theme of the chosen comments, and a comment moves back.
func TestThemesSplitMoveAPI(t *testing.T) {
	f, list := analysedFeeComments(t)
	var from themeJSON
	for _, th := range list.Themes {
		if th.Size > from.Size && !th.OffTopic {
			from = th
		}
	}
	if from.Size < 3 {
		t.Fatalf("no theme of 3 comments: %+v", list.Themes)
	}
	type detail struct {
		themeJSON
		Comments []struct {
			ID int64 `json:"id"`
		} `json:"comments"`
	}
	var got detail
	f.e.Do("GET", f.path("/themes/%d", from.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &got)
	a, b := got.Comments[0].ID, got.Comments[1].ID

	split := f.path("/themes/%d/split", from.ID)
	f.e.Do("POST", split, f.staffTok, map[string]any{"comment_ids": []int64{}, "label": "收费"}).Expect(t, 422, "")
	f.e.Do("POST", split, f.staffTok, map[string]any{"comment_ids": []int64{a}, "label": "  "}).Expect(t, 422, "theme_label_required")
	f.e.Do("POST", split, f.staffTok, map[string]any{"comment_ids": []int64{999999}, "label": "收费"}).Expect(t, 422, "comment_not_in_theme")
	f.e.Do("POST", split, f.otherTok, map[string]any{"comment_ids": []int64{a}, "label": "收费"}).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("POST", split, f.aliceTok, map[string]any{"comment_ids": []int64{a}, "label": "收费"}).Expect(t, 403, "forbidden_role")
	f.e.Do("GET", f.path("/themes/%d", from.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &got)
	if got.Size != from.Size {
		t.Fatalf("refused splits changed the theme: %d -> %d", from.Size, got.Size)
	}

	var made themeJSON
	f.e.Do("POST", split, f.staffTok, map[string]any{"comment_ids": []int64{a, b}, "label": "收费标准"}).Expect(t, 200, "").JSON(t, &made)
	if made.Label != "收费标准" || made.Size != 2 || made.ID == from.ID {
		t.Fatalf("split made %+v", made)
	}
	f.e.Do("GET", f.path("/themes/%d", from.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &got)
	if got.Size != from.Size-2 {
		t.Fatalf("after the split the first theme has %d comments, want %d", got.Size, from.Size-2)
	}

	move := f.path("/themes/%d/move-comments", made.ID)
	f.e.Do("POST", move, f.staffTok, map[string]any{"to_theme_id": made.ID, "comment_ids": []int64{a}}).Expect(t, 422, "same_theme")
	f.e.Do("POST", move, f.staffTok, map[string]any{"to_theme_id": from.ID, "comment_ids": []int64{999999}}).Expect(t, 422, "comment_not_in_theme")
	f.e.Do("POST", move, f.staffTok, map[string]any{"to_theme_id": 999999, "comment_ids": []int64{a}}).Expect(t, 409, "themes_of_other_decisions")
	var back themeJSON
	f.e.Do("POST", move, f.staffTok, map[string]any{"to_theme_id": from.ID, "comment_ids": []int64{a}}).Expect(t, 200, "").JSON(t, &back)
	if back.ID != from.ID || back.Size != from.Size-1 {
		t.Fatalf("after moving one back %+v", back)
	}
	// Least close first: the machine's placements by rising similarity,
	// then the comment staff moved back.
	var weakest struct {
		Comments []struct {
			ID         int64   `json:"id"`
			AddedBy    string  `json:"added_by"`
			Similarity float64 `json:"similarity"`
		} `json:"comments"`
	}
	f.e.Do("GET", f.path("/themes/%d?order=weakest", from.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &weakest)
	cs := weakest.Comments
	if len(cs) != back.Size || cs[len(cs)-1].ID != a || cs[len(cs)-1].AddedBy != "staff" {
		t.Fatalf("weakest first: %+v", cs)
	}
	for i := 1; i < len(cs)-1; i++ {
		if cs[i].Similarity < cs[i-1].Similarity {
			t.Fatalf("weakest first, not by rising similarity: %+v", cs)
		}
	}
	f.e.Do("GET", f.path("/themes/%d?order=nearest", from.ID), f.staffTok, nil).Expect(t, 422, "")
	// Only the comments that contain a text, and how many.
	type bodies struct {
		Matching int `json:"matching"`
		Comments []struct {
			Body string `json:"body"`
		} `json:"comments"`
	}
	var whole, found bodies
	f.e.Do("GET", f.path("/themes/%d", from.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &whole)
	want := 0
	for _, c := range whole.Comments {
		if strings.Contains(c.Body, "收费") {
			want++
		}
	}
	f.e.Do("GET", f.path("/themes/%d?q=%s&limit=1", from.ID, url.QueryEscape("收費")), f.staffTok, nil).Expect(t, 200, "").JSON(t, &found)
	if want == 0 || whole.Matching != 0 || found.Matching != want || len(found.Comments) != 1 || !strings.Contains(found.Comments[0].Body, "收费") {
		t.Fatalf("comments with 收费 (typed 收費): %+v of %+v", found, whole)
	}
	f.e.Do("GET", f.path("/themes/%d?q=%s", from.ID, url.QueryEscape(strings.Repeat("费", 31))), f.staffTok, nil).Expect(t, 422, "invalid_query")
	f.e.Do("GET", f.path("/themes/%d", made.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &got)
	if got.Size != 1 {
		t.Fatalf("the split theme has %d comments after the move, want 1", got.Size)
	}
}

// TestThemesCheckExportReanalyseAPI: staff mark a theme checked through
// update-theme, export the themes (CSV with the theme's name and mark on
// its rows; refused to residents and in an unknown format), and analyse
// again: the checked theme is carried on (carried_from, kept).
func TestThemesCheckExportReanalyseAPI(t *testing.T) {
	f, list := analysedFeeComments(t)
	d := f.decision.ID
	th := list.Themes[0]
	var checked struct {
		CheckedAt        *time.Time `json:"checked_at"`
		JoinedSinceCheck int        `json:"joined_since_check"`
	}
	f.e.Do("PATCH", f.path("/themes/%d", th.ID), f.otherTok, map[string]any{"checked": true}).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("PATCH", f.path("/themes/%d", th.ID), f.staffTok, map[string]any{"checked": true}).Expect(t, 200, "").JSON(t, &checked)
	if checked.CheckedAt == nil || checked.JoinedSinceCheck != 0 {
		t.Fatalf("checked theme %+v", checked)
	}

	export := f.path("/decisions/%d/themes/export", d)
	f.e.Do("GET", export, f.aliceTok, nil).Expect(t, 403, "forbidden_role")
	f.e.Do("GET", export+"?format=pdf", f.staffTok, nil).Expect(t, 422, "")
	res := f.e.Do("GET", export, f.staffTok, nil).Expect(t, 200, "")
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "%E6%84%8F%E8%A7%81%E4%B8%BB%E9%A2%98-") || !strings.HasSuffix(cd, ".csv") {
		t.Fatalf("content disposition %q", cd)
	}
	body := string(res.Body)
	if !strings.HasPrefix(body, "\uFEFF主题,") || strings.Count(body, "\n"+th.Label+",") != th.Size || !strings.Contains(body, "已核对") {
		t.Fatalf("export of theme %q (%d comments):\n%s", th.Label, th.Size, body)
	}

	var again struct {
		Version int `json:"version"`
		Kept    int `json:"kept"`
	}
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &again)
	if again.Version != 2 || again.Kept != 1 {
		t.Fatalf("second analysis %+v", again)
	}
	var after struct {
		Themes []struct {
			Label       string     `json:"label"`
			CarriedFrom int64      `json:"carried_from"`
			CheckedAt   *time.Time `json:"checked_at"`
		} `json:"themes"`
	}
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &after)
	for _, a := range after.Themes {
		if a.CarriedFrom == th.ID && a.Label == th.Label && a.CheckedAt != nil {
			return
		}
	}
	t.Fatalf("the checked theme %d was not carried on: %+v", th.ID, after.Themes)
}

// analysedFeeComments publishes four comments on after-school fees,
// analyses the decision's themes and lists them.
func analysedFeeComments(t *testing.T) (*handlingFixture, themeListJSON) {
	t.Helper()
	f := newHandlingFixture(t)
	d := f.decision.ID
	f.publishComments(t,
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。")
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "")
	var list themeListJSON
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	return f, list
}

type themeListJSON struct {
	Themes []themeJSON `json:"themes"`
}

// TestUnthemedCommentsAPI: list-unthemed-comments lists the comments the
// analysis placed in no theme, for the readers of list-themes, and
// add-comments-to-theme puts one into a theme (refusing a comment already
// in a theme with a stable code and changing nothing).
func TestUnthemedCommentsAPI(t *testing.T) {
	f := newHandlingFixture(t)
	d := f.decision.ID
	f.publishComments(t,
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。", "同意。", "OK!!")
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 404, "theme_analysis_not_found")
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "")
	type page struct {
		Total    int `json:"total"`
		Waiting  int `json:"waiting"`
		Comments []struct {
			ID      int64  `json:"id"`
			Receipt string `json:"receipt"`
			Body    string `json:"body"`
		} `json:"comments"`
		NextCursor string `json:"next_cursor"`
	}
	var u page
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &u)
	if u.Total == 0 || len(u.Comments) != u.Total || u.Waiting != 0 {
		t.Fatalf("unthemed: %+v", u)
	}
	for _, c := range u.Comments {
		if strings.Contains(c.Body, "收费") {
			t.Fatalf("a comment on fees in no theme: %+v", u)
		}
	}
	var first page
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed?limit=1", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &first)
	if len(first.Comments) != 1 || (u.Total > 1) != (first.NextCursor != "") {
		t.Fatalf("a page of one: %+v", first)
	}
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed?cursor=x", d), f.staffTok, nil).Expect(t, 422, "invalid_cursor")
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.aliceTok, nil).Expect(t, 403, "")

	var list themeListJSON
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	var to themeJSON
	for _, th := range list.Themes {
		if th.Size > to.Size {
			to = th
		}
	}
	var in struct {
		Comments []struct {
			ID int64 `json:"id"`
		} `json:"comments"`
	}
	f.e.Do("GET", f.path("/themes/%d", to.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &in)
	add := f.path("/themes/%d/add-comments", to.ID)
	stray := u.Comments[0].ID
	f.e.Do("POST", add, f.staffTok, map[string]any{"comment_ids": []int64{stray, in.Comments[0].ID}}).Expect(t, 422, "comment_not_unthemed")
	f.e.Do("POST", add, f.staffTok, map[string]any{"comment_ids": []int64{}}).Expect(t, 422, "")
	f.e.Do("POST", add, f.otherTok, map[string]any{"comment_ids": []int64{stray}}).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &first)
	if first.Total != u.Total {
		t.Fatalf("refused additions changed what is in no theme: %d -> %d", u.Total, first.Total)
	}
	var got themeJSON
	f.e.Do("POST", add, f.staffTok, map[string]any{"comment_ids": []int64{stray}}).Expect(t, 200, "").JSON(t, &got)
	if got.ID != to.ID || got.Size != to.Size+1 {
		t.Fatalf("after adding one: %+v (was %d)", got, to.Size)
	}
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &first)
	if first.Total != u.Total-1 {
		t.Fatalf("after adding one, %d in no theme, want %d", first.Total, u.Total-1)
	}
}

// TestThemesOfflineOpinionsAPI: an opinion received by the 12345 hotline
// about the same thing as the comments of a theme is counted in that
// theme's channels and listed in get-theme.
func TestThemesOfflineOpinionsAPI(t *testing.T) {
	f := newHandlingFixture(t)
	d := f.decision.ID
	f.publishComments(t,
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。")
	today := f.e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	opinion := map[string]any{"channel": "hotline", "received_on": today, "source": "12345热线工单", "body": "课后服务收费太高，家长负担重，建议降低收费标准。",
		"scan": map[string]any{"filename": "工单.pdf", "data": []byte("%PDF-1.4 work order")}}
	f.e.Do("POST", f.path("/decisions/%d/offline-opinions", d), f.staffTok, map[string]any{"opinions": []any{opinion}}).Expect(t, 201, "")
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "")
	var list struct {
		Themes []struct {
			ID       int64 `json:"id"`
			Offline  int   `json:"offline"`
			Channels []struct {
				Key   string `json:"key"`
				Name  string `json:"name"`
				Count int    `json:"count"`
			} `json:"channels"`
		} `json:"themes"`
	}
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	var in int64
	for _, th := range list.Themes {
		if th.Offline > 0 {
			if in != 0 || th.Offline != 1 || len(th.Channels) != 1 || th.Channels[0].Key != "hotline" || th.Channels[0].Name != "12345热线" {
				t.Fatalf("themes: %+v", list.Themes)
			}
			in = th.ID
		}
	}
	if in == 0 {
		t.Fatalf("the hotline opinion is in no theme: %+v", list.Themes)
	}
	var got struct {
		OfflineOpinions []struct {
			ChannelName string `json:"channel_name"`
			ReceivedOn  string `json:"received_on"`
			Body        string `json:"body"`
		} `json:"offline_opinions"`
	}
	f.e.Do("GET", f.path("/themes/%d", in), f.staffTok, nil).Expect(t, 200, "").JSON(t, &got)
	if len(got.OfflineOpinions) != 1 || got.OfflineOpinions[0].ChannelName != "12345热线" || got.OfflineOpinions[0].ReceivedOn != today {
		t.Fatalf("get-theme offline opinions: %+v", got.OfflineOpinions)
	}
	// Answering the theme answers the hotline opinion too, and the record
	// still verifies (the opinion's answer is an entry with its evidence).
	var answered struct {
		OfflineSet int `json:"offline_set"`
	}
	f.closeWindow(t)
	f.e.Do("PUT", f.path("/themes/%d/answer", in), f.staffTok, map[string]any{"disposition": "partially_adopted",
		"reason": "对困难家庭减免课后服务费。"}).Expect(t, 200, "").JSON(t, &answered)
	if answered.OfflineSet != 1 {
		t.Fatalf("answer-theme reached %d offline opinions, want 1", answered.OfflineSet)
	}
	if v, err := f.e.Consultation.VerifyDecisionRecord(context.Background(), &f.staff, d); err != nil || !v.OK {
		t.Fatalf("record verification after the theme's answer: %+v %v", v, err)
	}
}

// TestPlaceOfflineOpinionsAPI: a letter the machine placed in no theme is
// listed with the comments in no theme, and staff put it into a theme
// (place-offline-opinions); an opinion in one theme is moved to another;
// refusals change nothing; a full re-analysis keeps staff's placement in
// the carried theme; the record still verifies.
func TestPlaceOfflineOpinionsAPI(t *testing.T) {
	f := newHandlingFixture(t)
	d := f.decision.ID
	f.publishComments(t,
		"课后服务的收费太高了，建议降低收费标准。", "课后服务费用每学期三百元，家长负担重，希望降低收费。",
		"收费标准应当公开，课后服务费用怎么核算的？", "建议课后服务收费按家庭困难程度减免。",
		"课后服务结束时间太晚，孩子回家写作业到十点。", "放学时间推迟到六点，低年级孩子太累，希望结束时间提前。",
		"课后服务的结束时间应当让家长自己选择。", "结束时间和下班时间不一致，接孩子困难。")
	today := f.e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	letter := map[string]any{"channel": "letter", "received_on": today, "source": "市民来信", "body": "小区门口的路灯坏了很久没人修。",
		"scan": map[string]any{"filename": "来信.pdf", "data": []byte("%PDF-1.4 letter")}}
	hotline := map[string]any{"channel": "hotline", "received_on": today, "source": "12345热线工单", "body": "课后服务收费太高，家长负担重，建议降低收费标准。",
		"scan": map[string]any{"filename": "工单.pdf", "data": []byte("%PDF-1.4 work order")}}
	f.e.Do("POST", f.path("/decisions/%d/offline-opinions", d), f.staffTok, map[string]any{"opinions": []any{letter, hotline}}).Expect(t, 201, "")
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "")

	type offline struct {
		ID      int64  `json:"id"`
		Body    string `json:"body"`
		ByStaff bool   `json:"by_staff"`
	}
	var u struct {
		OfflineOpinions []offline `json:"offline_opinions"`
	}
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &u)
	if len(u.OfflineOpinions) != 1 || !strings.Contains(u.OfflineOpinions[0].Body, "路灯") || u.OfflineOpinions[0].ByStaff {
		t.Fatalf("offline opinions in no theme: %+v", u.OfflineOpinions)
	}
	lamp := u.OfflineOpinions[0].ID
	var list struct {
		Themes []struct {
			ID      int64 `json:"id"`
			Offline int   `json:"offline"`
		} `json:"themes"`
	}
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	var fees int64
	for _, th := range list.Themes {
		if th.Offline == 1 {
			fees = th.ID
		}
	}
	if fees == 0 {
		t.Fatalf("the hotline opinion is in no theme: %+v", list.Themes)
	}
	var in struct {
		Comments []struct {
			ID   int64  `json:"id"`
			Body string `json:"body"`
		} `json:"comments"`
		OfflineOpinions []offline `json:"offline_opinions"`
	}
	f.e.Do("GET", f.path("/themes/%d", fees), f.staffTok, nil).Expect(t, 200, "").JSON(t, &in)
	hot := in.OfflineOpinions[0].ID
	// Staff split the comments on when the service ends into a theme of
	// their own (the machine may have seen one theme in a dozen comments).
	var late []int64
	for _, c := range in.Comments {
		if strings.Contains(c.Body, "时间") {
			late = append(late, c.ID)
		}
	}
	var split struct {
		ID int64 `json:"id"`
	}
	if len(late) > 0 {
		f.e.Do("POST", f.path("/themes/%d/split", fees), f.staffTok, map[string]any{"comment_ids": late, "label": "课后服务结束时间"}).
			Expect(t, 200, "").JSON(t, &split)
	}
	other := split.ID
	for _, th := range list.Themes {
		if th.ID != fees && other == 0 {
			other = th.ID
		}
	}

	place := f.path("/themes/%d/offline-opinions", other)
	f.e.Do("POST", place, f.staffTok, map[string]any{"opinion_ids": []int64{lamp, hot + 1000}}).Expect(t, 422, "offline_opinion_not_found")
	f.e.Do("POST", place, f.staffTok, map[string]any{"opinion_ids": []int64{}}).Expect(t, 422, "")
	f.e.Do("POST", place, f.otherTok, map[string]any{"opinion_ids": []int64{lamp}}).Expect(t, 403, "not_lead_unit_staff")
	f.e.Do("POST", place, f.aliceTok, map[string]any{"opinion_ids": []int64{lamp}}).Expect(t, 403, "")
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &u)
	if len(u.OfflineOpinions) != 1 {
		t.Fatalf("refusals changed what is in no theme: %+v", u.OfflineOpinions)
	}

	var got struct {
		ID      int64 `json:"id"`
		Offline int   `json:"offline"`
	}
	f.e.Do("POST", place, f.staffTok, map[string]any{"opinion_ids": []int64{lamp, hot}}).Expect(t, 200, "").JSON(t, &got)
	if got.ID != other || got.Offline != 2 {
		t.Fatalf("after placing two: %+v", got)
	}
	f.e.Do("POST", place, f.staffTok, map[string]any{"opinion_ids": []int64{lamp}}).Expect(t, 422, "same_theme")
	f.e.Do("GET", f.path("/decisions/%d/themes/unthemed", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &u)
	if len(u.OfflineOpinions) != 0 {
		t.Fatalf("the letter is still in no theme: %+v", u.OfflineOpinions)
	}
	f.e.Do("GET", f.path("/themes/%d", fees), f.staffTok, nil).Expect(t, 200, "").JSON(t, &in)
	if len(in.OfflineOpinions) != 0 {
		t.Fatalf("the hotline opinion is still in its first theme: %+v", in.OfflineOpinions)
	}
	f.e.Do("GET", f.path("/themes/%d", other), f.staffTok, nil).Expect(t, 200, "").JSON(t, &in)
	if len(in.OfflineOpinions) != 2 || !in.OfflineOpinions[0].ByStaff || !in.OfflineOpinions[1].ByStaff {
		t.Fatalf("the theme's offline opinions: %+v", in.OfflineOpinions)
	}

	// The letter goes on to the machine's theme on fees.
	f.e.Do("POST", f.path("/themes/%d/offline-opinions", fees), f.staffTok, map[string]any{"opinion_ids": []int64{lamp}}).
		Expect(t, 200, "").JSON(t, &got)
	if got.Offline != 1 {
		t.Fatalf("after moving the letter: %+v", got)
	}

	// A full re-analysis keeps both themes (staff placed opinions in them;
	// nothing else marks the machine's theme on fees) and each opinion
	// where staff put it, still as staff's.
	f.e.Do("POST", f.path("/decisions/%d/themes/analyze", d), f.staffTok, nil).Expect(t, 200, "")
	f.e.Do("GET", f.path("/decisions/%d/themes", d), f.staffTok, nil).Expect(t, 200, "").JSON(t, &list)
	carried := map[int64]int64{}
	for _, th := range list.Themes {
		var detail struct {
			CarriedFrom     int64     `json:"carried_from"`
			OfflineOpinions []offline `json:"offline_opinions"`
		}
		f.e.Do("GET", f.path("/themes/%d", th.ID), f.staffTok, nil).Expect(t, 200, "").JSON(t, &detail)
		if detail.CarriedFrom == 0 {
			continue
		}
		if len(detail.OfflineOpinions) != 1 || !detail.OfflineOpinions[0].ByStaff {
			t.Fatalf("the offline opinions of the theme carried from %d: %+v", detail.CarriedFrom, detail.OfflineOpinions)
		}
		carried[detail.CarriedFrom] = detail.OfflineOpinions[0].ID
	}
	if carried[fees] != lamp || carried[other] != hot {
		t.Fatalf("carried themes and their opinions: %v (fees %d, other %d; letter %d, hotline %d)", carried, fees, other, lamp, hot)
	}
	if v, err := f.e.Consultation.VerifyDecisionRecord(context.Background(), &f.staff, d); err != nil || !v.OK {
		t.Fatalf("record verification: %+v %v", v, err)
	}
}
