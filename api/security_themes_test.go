package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestThemeAndOfflineOpinionOutsiders: the authorization matrix calls the
// theme and offline-opinion operations on ids nobody has (its decision is
// past handling); here they are called on a real theme and a real
// unanswered offline opinion of 市教育局's decision by staff of another
// agency, a resident and an anonymous visitor, with valid bodies naming
// the decision's own comments and themes: none may succeed, and no answer
// shows the comments, the theme's label or the opinion (outside check,
// security; this passed on the code as it was).
func TestThemeAndOfflineOpinionOutsiders(t *testing.T) {
	f, list := analysedFeeComments(t)
	d := f.decision.ID
	if len(list.Themes) == 0 {
		t.Fatal("no theme to call the operations on")
	}
	th := list.Themes[0].ID
	today := f.e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	var recorded struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	f.e.Do("POST", f.path("/decisions/%d/offline-opinions", d), f.staffTok, map[string]any{"opinions": []any{map[string]any{
		"channel": "letter", "received_on": today, "source": "市民来信", "body": "来信人王某某建议课后服务延长到晚上七点。",
		"scan": map[string]any{"filename": "来信.pdf", "data": []byte("%PDF-1.4 letter")}}}}).Expect(t, 201, "").JSON(t, &recorded)
	if len(recorded.Items) != 1 {
		t.Fatalf("recorded %+v", recorded)
	}
	op := recorded.Items[0].ID
	comments := []int64{f.single, f.campaign[0]}
	calls := []struct {
		method, path string
		body         any
	}{
		{"POST", fmt.Sprintf("/decisions/%d/themes/analyze", d), nil},
		{"GET", fmt.Sprintf("/decisions/%d/themes", d), nil},
		{"GET", fmt.Sprintf("/decisions/%d/themes/export?format=csv", d), nil},
		{"GET", fmt.Sprintf("/decisions/%d/themes/unthemed", d), nil},
		{"GET", fmt.Sprintf("/themes/%d", th), nil},
		{"PATCH", fmt.Sprintf("/themes/%d", th), map[string]any{"label": "改名"}},
		{"POST", fmt.Sprintf("/themes/%d/merge", th), map[string]any{"theme_ids": []int64{th + 1}}},
		{"POST", fmt.Sprintf("/themes/%d/split", th), map[string]any{"comment_ids": comments, "label": "拆分"}},
		{"POST", fmt.Sprintf("/themes/%d/move-comments", th), map[string]any{"to_theme_id": th + 1, "comment_ids": comments}},
		{"POST", fmt.Sprintf("/themes/%d/add-comments", th), map[string]any{"comment_ids": comments}},
		{"PUT", fmt.Sprintf("/themes/%d/answer", th), map[string]any{"disposition": "adopted", "reason": "采纳。"}},
		{"PUT", fmt.Sprintf("/offline-opinions/%d/disposition", op), map[string]any{"disposition": "adopted", "reason": "采纳。"}},
		{"GET", fmt.Sprintf("/decisions/%d/offline-opinions", d), nil},
	}
	for _, who := range []struct{ name, tok string }{{"staff of another agency", f.otherTok}, {"a resident", f.aliceTok}, {"anonymous", ""}} {
		for _, c := range calls {
			r := f.e.Do(c.method, c.path, who.tok, c.body)
			public := c.path == fmt.Sprintf("/decisions/%d/offline-opinions", d) // answered ones only
			if r.Status < 300 && !public || r.Status >= 500 {
				t.Errorf("%s: %s %s: %d %.200s", who.name, c.method, c.path, r.Status, r.Body)
			}
			for _, secret := range []string{"王某某", "课后服务费用每学期三百元", list.Themes[0].Label} {
				if secret != "" && r.Status < 300 && strings.Contains(string(r.Body), secret) {
					t.Errorf("%s: %s %s shows %q", who.name, c.method, c.path, secret)
				}
			}
		}
	}
}
